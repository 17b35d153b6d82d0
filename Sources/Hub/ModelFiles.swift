// Which files of a repo the service needs, and nothing else: config.json, the tokenizer files
// the repo has, and one weights format: model.safetensors, else its shard index and shards, else
// pytorch_model.bin, else its shard index and shards. No ONNX, TF or Flax weights, no README.
import Foundation

enum ModelFiles {
    static let config = "config.json"
    static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "added_tokens.json",
    ]
    /// Either of these lets the tokenizer load (tokenizer.json, else vocab.txt + tokenizer_config.json).
    static let tokenizerVocabularies = ["tokenizer.json", "vocab.txt"]

    enum Weights: Equatable, Sendable {
        case single(String)
        /// The index file; its `weight_map` names the shards.
        case sharded(index: String)
    }

    /// In order of preference.
    static let weightChoices: [Weights] = [
        .single("model.safetensors"), .sharded(index: "model.safetensors.index.json"),
        .single("pytorch_model.bin"), .sharded(index: "pytorch_model.bin.index.json"),
    ]

    struct Plan: Equatable, Sendable {
        /// config.json and the tokenizer files, in download order.
        var files: [String]
        var weights: Weights
    }

    enum PlanProblem: Error, Equatable {
        case missing(String)
        case noWeights
    }

    /// What to fetch from a repo holding `available`.
    static func plan(available: [String]) -> Result<Plan, PlanProblem> {
        let names = Set(available)
        guard names.contains(config) else { return .failure(.missing(config)) }
        guard tokenizerVocabularies.contains(where: names.contains) else {
            return .failure(.missing(tokenizerVocabularies.joined(separator: " or ")))
        }
        guard let weights = weightChoices.first(where: { names.contains($0.file) }) else {
            return .failure(.noWeights)
        }
        return .success(Plan(files: [config] + tokenizerFiles.filter(names.contains), weights: weights))
    }

    /// The distinct shard files a `*.index.json` maps weights to, sorted.
    static func shards(indexData: Data, indexName: String) throws -> [String] {
        struct Index: Decodable {
            let weightMap: [String: String]
            enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
        }
        guard let index = try? JSONDecoder().decode(Index.self, from: indexData) else {
            throw HubError.unexpectedResponse(what: "reading \(indexName)", detail: "no 'weight_map' object")
        }
        let shards = Set(index.weightMap.values).sorted()
        guard !shards.isEmpty else {
            throw HubError.unexpectedResponse(what: "reading \(indexName)", detail: "'weight_map' is empty")
        }
        return shards
    }

    /// Why a local snapshot directory cannot serve the model, or nil when it has everything.
    static func missingParts(in directory: URL) -> String? {
        func has(_ name: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        guard has(config) else { return "\(config) is missing" }
        guard tokenizerVocabularies.contains(where: has) else { return "no tokenizer.json or vocab.txt" }
        for choice in weightChoices where has(choice.file) {
            guard case .sharded(let index) = choice else { return nil }
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(index)),
                let shards = try? Self.shards(indexData: data, indexName: index)
            else { return "\(index) is unreadable" }
            let absent = shards.filter { !has($0) }
            return absent.isEmpty ? nil : "shards missing: \(absent.joined(separator: ", "))"
        }
        return "no model.safetensors, pytorch_model.bin or shard index"
    }
}

extension ModelFiles.Weights {
    /// The file whose presence selects this choice.
    var file: String {
        switch self {
        case .single(let name): name
        case .sharded(let index): index
        }
    }
}
