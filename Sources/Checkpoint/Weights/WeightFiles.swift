// Choosing and opening the checkpoint in a model directory laid out as Hugging Face does.
// Only selection lives here; each format's reader is in its own file.

import Foundation

public enum WeightFiles {
    /// The files `open(directory:)` looks for, in order of preference.
    public static let candidates = [
        "model.safetensors",
        "model.safetensors.index.json",
        "pytorch_model.bin",
        "pytorch_model.bin.index.json",
    ]

    /// Opens the first of `candidates` present in `directory`: a single safetensors file, a sharded
    /// safetensors index, a PyTorch checkpoint, or a sharded PyTorch index. Throws
    /// `WeightError.noWeightFiles` naming the directory and the files looked for when none exists.
    public static func open(directory: URL) throws -> any WeightStore {
        let fileManager = FileManager.default
        guard
            let name = candidates.first(where: {
                fileManager.fileExists(atPath: directory.appendingPathComponent($0).path)
            })
        else {
            throw WeightError.noWeightFiles(directory: directory.path, lookedFor: candidates)
        }
        return try open(file: directory.appendingPathComponent(name))
    }

    /// Opens one checkpoint file, choosing the reader by its name: `*.safetensors`, `*.bin`,
    /// `*.safetensors.index.json` or `*.bin.index.json`.
    public static func open(file: URL) throws -> any WeightStore {
        let path = file.path
        if path.hasSuffix(".safetensors.index.json") {
            return try ShardedWeightStore(indexPath: path) { try SafeTensorsFile(path: $0) }
        }
        if path.hasSuffix(".bin.index.json") {
            return try ShardedWeightStore(indexPath: path) { try TorchCheckpointFile(path: $0) }
        }
        if path.hasSuffix(".bin") || path.hasSuffix(".pt") || path.hasSuffix(".pth") {
            return try TorchCheckpointFile(path: path)
        }
        return try SafeTensorsFile(path: path)
    }
}
