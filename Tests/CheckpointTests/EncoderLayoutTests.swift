import Testing

@testable import Checkpoint

@Test func onlyPlainDecimalLayerIndicesCount() {
    let prefix = "bert.encoder.layer."
    #expect(EncoderLayout.layerIndex(of: "bert.encoder.layer.0.output.dense.bias", layerPrefix: prefix) == 0)
    #expect(EncoderLayout.layerIndex(of: "bert.encoder.layer.11.output.dense.bias", layerPrefix: prefix) == 11)
    for odd in ["01", "+1", "-1", "1e3", "", "x", "1234567890"] {
        #expect(EncoderLayout.layerIndex(of: "\(prefix)\(odd).output.dense.bias", layerPrefix: prefix) == nil, "\(odd)")
    }
    #expect(EncoderLayout.layerIndex(of: "bert.pooler.dense.bias", layerPrefix: prefix) == nil)
}

@Test func thePrefixFollowsTheEmbeddingsKeys() {
    let full = EncoderLayout(tensorNames: ["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.x"])
    let bare = EncoderLayout(tensorNames: [
        "embeddings.word_embeddings.weight", "encoder.layer.0.x", "encoder.layer.1.x",
    ])
    #expect(full.prefix == "bert." && full.layerIndices == [0])
    #expect(bare.prefix == "" && bare.layerIndices == [0, 1])
}

@Test func summariesStayShort() {
    func summary(_ indices: [Int]) -> String {
        EncoderLayout(tensorNames: ["bert.embeddings.x"] + indices.map { "bert.encoder.layer.\($0).w" }).summary
    }
    #expect(summary([]) == "has no encoder layers (no tensor named bert.encoder.layer.<i>.*)")
    #expect(summary([0]) == "has 1 layer (bert.encoder.layer.0)")
    #expect(summary(Array(0..<12)) == "has 12 layers (bert.encoder.layer.0 … 11)")
    #expect(summary([0, 2, 5]) == "has 3 layers (bert.encoder.layer.0, 2, 5; not numbered 0 … 2)")
    #expect(
        summary(Array(1...100_000))
            == "has 100000 layers (bert.encoder.layer.1, 2, 3, …, 100000; not numbered 0 … 99999)")
}
