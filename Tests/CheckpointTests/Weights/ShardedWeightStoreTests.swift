import Foundation
import TestSupport
import Testing

@testable import Checkpoint

@Suite struct ShardedWeightStoreTests {
    private func index(_ weightMap: [String: String]) -> String {
        let entries = weightMap.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }
        return #"{"metadata": {"total_size": 28}, "weight_map": {\#(entries.joined(separator: ", "))}}"#
    }

    private func twoShards(in directory: ScratchDirectory) throws {
        try directory.write("a.safetensors", SafeTensorsWriter.file([SafeTensorsWriter.f32("x", shape: [2], [1, 2])]))
        try directory.write(
            "b.safetensors",
            SafeTensorsWriter.file([
                SafeTensorsWriter.f32("y", shape: [1], [3]), SafeTensorsWriter.f32("unlisted", shape: [1], [4]),
            ]))
    }

    private func openSafeTensorsIndex(_ url: URL, opened: inout [String]) throws -> ShardedWeightStore {
        var paths: [String] = []
        defer { opened = paths }
        return try ShardedWeightStore(indexPath: url.path) { path in
            paths.append(URL(fileURLWithPath: path).lastPathComponent)
            return try SafeTensorsFile(path: path)
        }
    }

    @Test func combinesShardsAndOpensEachOnce() throws {
        let directory = try ScratchDirectory()
        try twoShards(in: directory)
        let indexURL = try directory.write(
            "model.safetensors.index.json", text: index(["x": "a.safetensors", "y": "b.safetensors"]))
        var opened: [String] = []
        let store = try openSafeTensorsIndex(indexURL, opened: &opened)
        #expect(opened == ["a.safetensors", "b.safetensors"])
        #expect(Set(store.tensors.keys) == ["x", "y"])  // the index decides; "unlisted" is not exposed
        #expect(try store.floats("x").toArray() == [1, 2])
        #expect(try store.floats("y").toArray() == [3])
        #expect(throws: WeightError.unknownTensor(name: "unlisted", file: indexURL.path)) {
            try store.floats("unlisted")
        }
    }

    @Test(arguments: ["../a.safetensors", "/tmp/a.safetensors", "sub/a.safetensors", "..", "", "a\\b"])
    func rejectsShardNamesThatLeaveTheDirectory(shard: String) throws {
        let directory = try ScratchDirectory()
        try twoShards(in: directory)
        let escaped = shard.replacingOccurrences(of: "\\", with: "\\\\")
        let indexURL = try directory.write("model.safetensors.index.json", text: index(["x": escaped]))
        var opened: [String] = []
        #expect(throws: WeightError.invalidShardName(shard: shard, index: indexURL.path)) {
            _ = try openSafeTensorsIndex(indexURL, opened: &opened)
        }
        #expect(opened.isEmpty)
    }

    @Test func rejectsTensorsTheirShardDoesNotHold() throws {
        let directory = try ScratchDirectory()
        try twoShards(in: directory)
        let indexURL = try directory.write("model.safetensors.index.json", text: index(["y": "a.safetensors"]))
        var opened: [String] = []
        #expect(throws: WeightError.tensorMissingFromShard(tensor: "y", shard: "a.safetensors", index: indexURL.path)) {
            _ = try openSafeTensorsIndex(indexURL, opened: &opened)
        }
    }

    @Test func reportsAMissingShardFile() throws {
        let directory = try ScratchDirectory()
        let indexURL = try directory.write("model.safetensors.index.json", text: index(["x": "gone.safetensors"]))
        var opened: [String] = []
        guard case .cannotOpen(let file, _)? = weightError({ _ = try openSafeTensorsIndex(indexURL, opened: &opened) })
        else {
            Issue.record("expected cannotOpen")
            return
        }
        #expect(file.hasSuffix("gone.safetensors"))
    }

    @Test(arguments: [
        "{}", "[]", #"{"weight_map": []}"#, #"{"weight_map": {"x": 1}}"#, "{", #"{"weight_map": {}, "weight_map": {}}"#,
    ])
    func rejectsMalformedIndexes(text: String) throws {
        let directory = try ScratchDirectory()
        let indexURL = try directory.write("model.safetensors.index.json", text: text)
        var opened: [String] = []
        guard
            case .malformedIndex(let file, _)? = weightError({ _ = try openSafeTensorsIndex(indexURL, opened: &opened) }
            )
        else {
            Issue.record("expected malformedIndex for \(text)")
            return
        }
        #expect(file == indexURL.path)
    }
}
