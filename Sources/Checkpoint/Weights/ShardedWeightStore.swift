// A `WeightStore` over a Hugging Face shard index (`model.safetensors.index.json` or
// `pytorch_model.bin.index.json`): `{"metadata": {...}, "weight_map": {tensor: shardFileName}}`.
// The index is authoritative: `tensors` lists exactly the tensors it maps. Each shard is opened once,
// by a format-specific opener; shard names must be plain file names inside the index's directory.

import Foundation
import StrictJSON

final class ShardedWeightStore: WeightStore {
    /// Index files are small (a few hundred KB for the largest public models); this bounds a hostile one.
    static let maxIndexBytes = 100_000_000

    let indexPath: String
    let tensors: [String: TensorInfo]
    private let storeOf: [String: any WeightStore]
    /// Every shard the index names, each once.
    private let shards: [any WeightStore]

    /// Opens the index at `indexPath` and every shard it names, via `openShard(path)`.
    init(indexPath: String, openShard: (String) throws -> any WeightStore) throws {
        self.indexPath = indexPath
        let weightMap = try Self.readWeightMap(indexPath: indexPath)
        let directory = URL(fileURLWithPath: indexPath).deletingLastPathComponent()
        var shards: [String: any WeightStore] = [:]
        for shardName in Set(weightMap.values).sorted() {
            guard MappedFile.isPlainFileName(shardName) else {
                throw WeightError.invalidShardName(shard: shardName, index: indexPath)
            }
            shards[shardName] = try openShard(directory.appendingPathComponent(shardName).path)
        }
        var tensors: [String: TensorInfo] = [:]
        var storeOf: [String: any WeightStore] = [:]
        for (tensor, shardName) in weightMap {
            guard let shard = shards[shardName], let info = shard.tensors[tensor] else {
                throw WeightError.tensorMissingFromShard(tensor: tensor, shard: shardName, index: indexPath)
            }
            tensors[tensor] = info
            storeOf[tensor] = shard
        }
        self.tensors = tensors
        self.storeOf = storeOf
        self.shards = shards.keys.sorted().compactMap { shards[$0] }
    }

    func floats(_ name: String) throws -> FloatTensor {
        guard let store = storeOf[name] else { throw WeightError.unknownTensor(name: name, file: indexPath) }
        return try store.floats(name)
    }

    func releaseResidentPages() {
        for shard in shards { shard.releaseResidentPages() }
    }

    private static func readWeightMap(indexPath: String) throws -> [String: String] {
        let file = try MappedFile(path: indexPath)
        guard file.bytes.count <= maxIndexBytes else {
            throw WeightError.malformedIndex(file: indexPath, reason: "larger than \(maxIndexBytes) bytes")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(file.bytes, options: JSONParseOptions(duplicateKeys: .reject))
        } catch {
            throw WeightError.malformedIndex(file: indexPath, reason: error.description)
        }
        guard case .object(let members)? = json["weight_map"] else {
            throw WeightError.malformedIndex(file: indexPath, reason: "missing \"weight_map\" object")
        }
        var weightMap: [String: String] = [:]
        for (tensor, value) in members {
            guard case .string(let shard) = value else {
                throw WeightError.malformedIndex(file: indexPath, reason: "shard for '\(tensor)' is not a string")
            }
            // Canonically equivalent names pass the parser's exact-key check but collide here.
            guard weightMap.updateValue(shard, forKey: tensor) == nil else {
                throw WeightError.malformedIndex(file: indexPath, reason: "tensor '\(tensor)' is listed twice")
            }
        }
        return weightMap
    }
}
