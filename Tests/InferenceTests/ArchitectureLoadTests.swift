// Loading the non-BERT families: a checkpoint that contradicts its config, or misses a tensor, is a
// typed error naming the field or tensor; N-label classifiers refuse `scores` and give probabilities
// as their problem_type says; sinusoidal positions are the table transformers writes.
import Checkpoint
import Foundation
import TestSupport
import Testing

@testable import Inference

/// The fixture's checkpoint with `edit` applied to its config.json fields, in a scratch directory.
private func withEditedConfig(
    _ fixture: String, _ edit: (inout [String: Any]) -> Void, _ body: (URL) throws -> Void
) throws {
    let directory = try ScratchDirectory()
    let source = architectureDirectory(fixture)
    var fields = try #require(
        try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json")))
            as? [String: Any])
    edit(&fields)
    try JSONSerialization.data(withJSONObject: fields).write(to: directory.url.appendingPathComponent("config.json"))
    try FileManager.default.copyItem(
        at: source.appendingPathComponent("model.safetensors"),
        to: directory.url.appendingPathComponent("model.safetensors"))
    try body(directory.url)
}

@Test func aContradictedConfigNamesTheField() throws {
    try withEditedConfig("deberta-v3", { $0["position_buckets"] = 128 }) { directory in
        let error = #expect(throws: ModelLoadError.self) { try RewardEngine(directory: directory) }
        #expect(error?.description.contains("encoder.rel_embeddings.weight: got shape [512, 32], expected [256, 32]") == true)
    }
    try withEditedConfig("electra", { $0["embedding_size"] = 24 }) { directory in
        let error = #expect(throws: ModelConfigError.self) { try RewardEngine(directory: directory) }
        #expect(error?.description.contains("embedding_size = 24") == true)
    }
    try withEditedConfig("distilbert-multi-label", { $0["n_layers"] = 3 }) { directory in
        let error = #expect(throws: ModelConfigError.self) { try RewardEngine(directory: directory) }
        #expect(error?.description.contains("n_layers = 3") == true)
    }
}

@Test func aMissingTensorIsNamed() throws {
    // share_att_key off asks for pos_key_proj / pos_query_proj, which this checkpoint does not have.
    try withEditedConfig("deberta-v3", { $0["share_att_key"] = false }) { directory in
        let error = #expect(throws: ModelLoadError.self) { try RewardEngine(directory: directory) }
        #expect(error?.description.contains("deberta.encoder.layer.0.attention.self.pos_key_proj.weight: missing") == true)
    }
}

@Test func classifiersGiveEveryLabelAndRefuseSingleScores() throws {
    let engine = try RewardEngine(directory: architectureDirectory("xlm-roberta-3-labels"))
    #expect(engine.labels.names == ["negative", "neutral", "positive"])
    let pair = TokenSequence(ids: [0, 5, 6, 2])
    #expect(throws: EngineError.notOneLabel(labels: 3)) { try engine.scores([pair]) }
    let logits = try engine.logits([pair])[0]
    let probabilities = engine.labels.probabilities(logits)
    #expect(abs(probabilities.reduce(0, +) - 1) < 1e-6)
    #expect(probabilities.firstIndex(of: probabilities.max()!) == logits.firstIndex(of: logits.max()!))
    let multi = try RewardEngine(directory: architectureDirectory("distilbert-multi-label"))
    let sigmoid = multi.labels.probabilities(try multi.logits([pair])[0])
    #expect(multi.labels.problemType == .multiLabelClassification && sigmoid.count == 3)
    #expect(sigmoid.allSatisfy { $0 > 0 && $0 < 1 } && abs(sigmoid.reduce(0, +) - 1) > 1e-3)
}

@Test func robertaSequencesStopTwoShortOfThePositionTable() throws {
    let engine = try RewardEngine(directory: architectureDirectory("roberta"))
    #expect(throws: EngineError.sequenceTooLong(index: 0, length: 129, limit: 128)) {
        try engine.logits([TokenSequence(ids: [Int32](repeating: 5, count: 129))])
    }
    #expect(throws: EngineError.typeIdOutOfRange(index: 0, id: 1, typeVocabSize: 1)) {
        try engine.logits([TokenSequence(ids: [0, 5, 2], typeIds: [0, 1, 1])])
    }
    // DeBERTa-v3 (type_vocab_size 0) ignores type ids, as transformers does.
    let deberta = try RewardEngine(directory: architectureDirectory("deberta-v3"))
    let ids: [Int32] = [1, 7, 8, 2, 9, 2]
    #expect(try deberta.logits([TokenSequence(ids: ids)]) == deberta.logits([TokenSequence(ids: ids, typeIds: [0, 0, 0, 0, 1, 1])]))
}

@Test func sinusoidalPositionsMatchTheTableTransformersWrote() throws {
    let store = try WeightFiles.open(directory: architectureDirectory("distilbert-multi-label"))
    let saved = try store.floats("distilbert.embeddings.position_embeddings.weight")
    let built = DistilBertModel.sinusoidal(positions: 128, width: 32)
    let difference = zip(saved.values, built.values).map { abs($0 - $1) }.max() ?? 1
    #expect(difference <= 1e-6)
}
