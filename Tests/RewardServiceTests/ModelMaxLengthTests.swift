// tokenizer_config.json's model_max_length caps the length RewardModel truncates to, as transformers'
// `truncation=True` cuts to it (without one, the position table and --max-length decide), and its
// truncation_side is the side cut unless --truncation-side says otherwise.
import Foundation
import TestSupport
import Testing

@testable import RewardService

/// A copy of the fixture model `name` with `config` as its tokenizer_config.json.
private func modelCopy(_ name: String, tokenizerConfig config: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("max-length-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: Fixtures.model(name), to: directory)
    try Data(config.utf8).write(to: directory.appendingPathComponent("tokenizer_config.json"))
    return directory
}

@Test func modelMaxLengthCapsTheTruncationLength() throws {
    let directory = try modelCopy("tiny-roberta-st", tokenizerConfig: #"{"model_max_length": 16, "add_prefix_space": false}"#)
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try RewardModel(directory: directory)
    #expect(model.maxLength == 16)
    let long = String(repeating: "a few more words ", count: 20)
    #expect(try model.encode(prompt: long, response: long).ids.count == 16)
    // 206: HF `tokenizers` on this tokenizer.json, without truncation.
    #expect(throws: RewardModelError.pairTooLong(tokens: 206, limit: 16)) {
        try model.encode(prompt: long, response: long, truncate: false)
    }
}

@Test func anUnsetModelMaxLengthLeavesThePositionLimit() throws {
    let unset = try modelCopy("tiny-roberta-st", tokenizerConfig: #"{"model_max_length": 1000000000000000019884624838656}"#)
    defer { try? FileManager.default.removeItem(at: unset) }
    let plain = try RewardModel(directory: Fixtures.model("tiny-roberta-st"))
    #expect(try RewardModel(directory: unset).maxLength == plain.maxLength)
    #expect(try RewardModel(directory: unset, options: EncodingOptions(maxLength: 8)).maxLength == 8)
}

@Test func theTruncationSideIsTheTokenizerConfigsUnlessOneIsAskedFor() throws {
    let leftConfig = #"{"model_max_length": 16, "truncation_side": "left", "add_prefix_space": false}"#
    let left = try modelCopy("tiny-roberta-st", tokenizerConfig: leftConfig)
    let plain = try modelCopy("tiny-roberta-st", tokenizerConfig: #"{"model_max_length": 16, "add_prefix_space": false}"#)
    defer {
        try? FileManager.default.removeItem(at: left)
        try? FileManager.default.removeItem(at: plain)
    }
    let fromConfig = try RewardModel(directory: left)
    let askedRight = try RewardModel(directory: left, options: EncodingOptions(truncationSide: .right))
    let askedLeft = try RewardModel(directory: plain, options: EncodingOptions(truncationSide: .left))
    #expect(fromConfig.truncationSide == .left && askedRight.truncationSide == .right)
    #expect(try RewardModel(directory: plain).truncationSide == .right)
    let prompt = "the first words of a long prompt that goes on and on"
    let response = "a response long enough to be cut as well, from one end or the other"
    let cutLeft = try fromConfig.encode(prompt: prompt, response: response)
    #expect(cutLeft.ids.count == 16)
    #expect(cutLeft == (try askedLeft.encode(prompt: prompt, response: response)))
    #expect(cutLeft.ids != (try askedRight.encode(prompt: prompt, response: response)).ids)
}
