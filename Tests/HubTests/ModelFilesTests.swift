// Which files are fetched for which repo contents.
import Foundation
import Testing

@testable import Hub

@Suite struct ModelFilesTests {
    @Test func weightsPreference() {
        let base = ["config.json", "tokenizer.json"]
        func weights(_ files: [String]) -> ModelFiles.Weights? {
            try? ModelFiles.plan(available: base + files).get().weights
        }
        let all = [
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
        ]
        #expect(weights(all) == .single("model.safetensors"))
        #expect(weights(Array(all.dropFirst())) == .sharded(index: "model.safetensors.index.json"))
        #expect(weights(Array(all.dropFirst(2))) == .single("pytorch_model.bin"))
        #expect(weights(Array(all.dropFirst(3))) == .sharded(index: "pytorch_model.bin.index.json"))
        #expect(weights(["model.onnx", "tf_model.h5", "flax_model.msgpack"]) == nil)
    }

    @Test func tokenizerFilesThatExistAndNothingElse() throws {
        let plan = try ModelFiles.plan(available: [
            "README.md", "vocab.txt", "config.json", "added_tokens.json", "pytorch_model.bin", "merges.txt",
        ]).get()
        #expect(plan.files == ["config.json", "vocab.txt", "added_tokens.json"])
    }

    @Test func missingConfigOrTokenizerIsNamed() {
        #expect(ModelFiles.plan(available: ["model.safetensors", "vocab.txt"]) == .failure(.missing("config.json")))
        #expect(
            ModelFiles.plan(available: ["model.safetensors", "config.json", "tokenizer_config.json"])
                == .failure(.missing("tokenizer.json or vocab.txt")))
    }

    @Test func shardNamesAreDistinctAndSorted() throws {
        let index = Data(#"{"weight_map":{"x":"b.safetensors","y":"a.safetensors","z":"b.safetensors"}}"#.utf8)
        #expect(try ModelFiles.shards(indexData: index, indexName: "i.json") == ["a.safetensors", "b.safetensors"])
        #expect(throws: HubError.self) { try ModelFiles.shards(indexData: Data("{}".utf8), indexName: "i.json") }
    }
}
