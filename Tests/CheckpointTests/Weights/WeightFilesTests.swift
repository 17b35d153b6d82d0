import Foundation
import TestSupport
import Testing

@testable import Checkpoint

@Suite struct WeightFilesTests {
    private func copyFixture(_ name: String, to directory: ScratchDirectory, as target: String) throws {
        try directory.write(target, try WeightFixtures.bytes(name))
    }

    @Test func namesTheDirectoryAndCandidatesWhenNothingIsThere() throws {
        let directory = try ScratchDirectory()
        try directory.write("config.json", text: "{}")
        #expect(
            throws: WeightError.noWeightFiles(
                directory: directory.url.path,
                lookedFor: [
                    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                    "pytorch_model.bin.index.json",
                ])
        ) { try WeightFiles.open(directory: directory.url) }
    }

    @Test func prefersSafetensorsOverAPyTorchCheckpoint() throws {
        let directory = try ScratchDirectory()
        try copyFixture("small.safetensors", to: directory, as: "model.safetensors")
        try copyFixture("tensors.bin", to: directory, as: "pytorch_model.bin")
        #expect(try WeightFiles.open(directory: directory.url) is SafeTensorsFile)
    }

    @Test func prefersAShardedSafetensorsIndexOverAPyTorchCheckpoint() throws {
        let directory = try ScratchDirectory()
        try copyFixture("small.safetensors", to: directory, as: "model-00001-of-00001.safetensors")
        try directory.write(
            "model.safetensors.index.json", text: #"{"weight_map": {"f32": "model-00001-of-00001.safetensors"}}"#)
        try copyFixture("tensors.bin", to: directory, as: "pytorch_model.bin")
        let store = try WeightFiles.open(directory: directory.url)
        #expect(store is ShardedWeightStore)
        #expect(try store.floats("f32").toArray() == WeightFixtures.ramp(6))
    }

    @Test func opensAPyTorchCheckpoint() throws {
        let directory = try ScratchDirectory()
        try copyFixture("tensors.bin", to: directory, as: "pytorch_model.bin")
        let store = try WeightFiles.open(directory: directory.url)
        #expect(store is TorchCheckpointFile)
        #expect(try store.floats("f16").toArray() == WeightFixtures.ramp(5))
    }

    @Test func opensAShardedPyTorchCheckpoint() throws {
        let directory = try ScratchDirectory()
        let first = "pytorch_model-00001-of-00002.bin"
        let second = "pytorch_model-00002-of-00002.bin"
        try copyFixture("tensors.bin", to: directory, as: first)
        try copyFixture("module_state.bin", to: directory, as: second)
        try directory.write(
            "pytorch_model.bin.index.json",
            text: #"{"weight_map": {"f64": "\#(first)", "0.bias": "\#(second)"}}"#)
        let store = try WeightFiles.open(directory: directory.url)
        #expect(Set(store.tensors.keys) == ["f64", "0.bias"])
        #expect(try store.floats("0.bias").toArray() == WeightFixtures.ramp(2))
    }

    @Test func reportsACandidateThatIsNotAFile() throws {
        let directory = try ScratchDirectory()
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("model.safetensors"), withIntermediateDirectories: false)
        let path = directory.url.appendingPathComponent("model.safetensors").path
        #expect(throws: WeightError.cannotOpen(file: path, reason: "not a regular file")) {
            try WeightFiles.open(directory: directory.url)
        }
    }

    @Test func errorMessagesNameTheFileAndTensor() {
        let message = WeightError.byteCountMismatch(
            tensor: "bert.pooler.dense.weight", expected: 8, actual: 12, file: "/m/model.safetensors"
        )
        .description
        #expect(message.contains("/m/model.safetensors") && message.contains("bert.pooler.dense.weight"))
        let forbidden = WeightError.forbiddenGlobal(module: "os", name: "system", file: "/m/pytorch_model.bin")
            .description
        #expect(forbidden.contains("os.system") && forbidden.contains("/m/pytorch_model.bin"))
        let none = WeightError.noWeightFiles(directory: "/m", lookedFor: ["a", "b"]).description
        #expect(none == "no weights in /m: looked for a, b")
    }
}
