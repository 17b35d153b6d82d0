import Testing

@testable import Checkpoint

@Suite struct TorchCheckpointFileTests {
    static let path = "mem.bin"
    typealias P = PickleBuilder

    private func open(_ bytes: [UInt8]) throws -> TorchCheckpointFile {
        try TorchCheckpointFile(file: MappedFile(path: Self.path, contents: bytes))
    }

    private func openError(_ bytes: [UInt8]) -> WeightError? {
        weightError { _ = try open(bytes) }
    }

    private func fixture(_ name: String) throws -> TorchCheckpointFile {
        try TorchCheckpointFile(path: WeightFixtures.url(name).path)
    }

    private func values(_ store: TorchCheckpointFile, _ name: String) throws -> [Float] {
        try store.floats(name).toArray()
    }

    // MARK: Files written by torch.save

    @Test(arguments: ["tensors.bin", "tensors_zipfile.bin"])
    func readsEveryTensorKindTorchWrites(fixture name: String) throws {
        let store = try fixture(name)
        let ramp12 = WeightFixtures.ramp(12)
        #expect(store.tensors.count == 12)
        #expect(try values(store, "f32") == WeightFixtures.ramp(6))
        #expect(try store.floats("f32").shape == [2, 3])
        #expect(try values(store, "f16") == WeightFixtures.ramp(5))
        #expect(try values(store, "bf16") == WeightFixtures.ramp(4))
        #expect(try values(store, "f64") == WeightFixtures.ramp(3))
        #expect(try values(store, "shared.base") == ramp12)
        #expect(try values(store, "shared.row") == Array(ramp12[4..<8]))
        let transposed = (0..<4).flatMap { column in (0..<3).map { row in ramp12[row * 4 + column] } }
        #expect(try values(store, "shared.transposed") == transposed)
        #expect(try store.floats("shared.transposed").shape == [4, 3])
        let ramp6 = WeightFixtures.ramp(6)
        #expect(try values(store, "transposed.f16") == [ramp6[0], ramp6[3], ramp6[1], ramp6[4], ramp6[2], ramp6[5]])
        #expect(try values(store, "scalar") == [2.5])
        #expect(try store.floats("scalar").shape == [])
        #expect(try store.floats("empty").shape == [0, 3])
        #expect(try values(store, "empty").isEmpty)
        #expect(try values(store, "parameter") == WeightFixtures.ramp(3))
    }

    @Test func listsIntegerTensorsButRefusesToConvertThem() throws {
        let store = try fixture("tensors.bin")
        #expect(store.tensors["i64"] == TensorInfo(name: "i64", dtype: .i64, shape: [1, 7]))
        #expect(throws: WeightError.notFloatTensor(name: "i64", dtype: .i64, file: store.path)) {
            try store.floats("i64")
        }
        #expect(throws: WeightError.unknownTensor(name: "missing", file: store.path)) { try store.floats("missing") }
    }

    @Test func contiguousF32TensorsShareTheMappedStorage() throws {
        let store = try fixture("tensors.bin")
        let base = try store.floats("shared.base")
        let row = try store.floats("shared.row")
        #expect(row.values.baseAddress == base.values.baseAddress! + 4)
    }

    @Test func readsAModuleStateDictWithItsMetadataAttribute() throws {
        let store = try fixture("module_state.bin")
        #expect(Set(store.tensors.keys) == ["0.weight", "0.bias", "1.weight", "1.bias"])
        #expect(try values(store, "0.weight") == WeightFixtures.ramp(6))
        #expect(try values(store, "0.bias") == WeightFixtures.ramp(2))
        #expect(try values(store, "1.weight") == [1, 1])
        #expect(try values(store, "1.bias") == [0, 0])
    }

    @Test func readsAHalfPrecisionCheckpoint() throws {
        let store = try fixture("half_model.bin")
        #expect(store.tensors["w"] == TensorInfo(name: "w", dtype: .f16, shape: [2, 4]))
        #expect(try values(store, "w") == WeightFixtures.ramp(8))
        #expect(store.tensors["pos"]?.dtype == .i64)
    }

    @Test func refusesAPickleThatWouldRunOsSystem() throws {
        let url = WeightFixtures.url("malicious_os_system.bin")
        #expect(throws: WeightError.forbiddenGlobal(module: "os", name: "system", file: url.path)) {
            try TorchCheckpointFile(path: url.path)
        }
    }

    @Test func refusesACompressedCheckpoint() throws {
        guard case .compressedZipEntry? = weightError({ _ = try fixture("compressed.bin") }) else {
            Issue.record("expected compressedZipEntry")
            return
        }
    }

    // MARK: Hand-built archives

    private func f32Storage(_ count: Int) -> [UInt8] {
        littleEndianBytes((0..<count).map(Float.init))
    }

    private func oneTensor(_ tensor: [UInt8], storageBytes: Int = 16) -> [UInt8] {
        P.checkpoint(pickle: P.stateDict([("w", tensor)]), storages: [("0", f32Storage(storageBytes / 4))])
    }

    @Test func readsAHandBuiltCheckpointWithAnOffsetView() throws {
        let store = try open(oneTensor(P.tensor(elements: 4, offset: 1, size: [3], stride: [1])))
        #expect(try values(store, "w") == [1, 2, 3])
    }

    @Test func reportsMissingEntries() {
        #expect(
            openError(P.checkpoint(pickle: nil, storages: []))
                == .missingArchiveEntry(entry: "data.pkl", file: Self.path))
        let noBlob = P.checkpoint(
            pickle: P.stateDict([("w", P.tensor(elements: 4, size: [4], stride: [1]))]), storages: [])
        #expect(openError(noBlob) == .missingArchiveEntry(entry: "archive/data/0", file: Self.path))
    }

    @Test func refusesBigEndianCheckpoints() {
        let bytes = P.checkpoint(pickle: P.stateDict([]), storages: [], byteOrder: "big")
        #expect(openError(bytes) == .wrongByteOrder(found: "big", file: Self.path))
    }

    @Test func refusesArchivesHoldingTwoCheckpoints() {
        var zip = ZipBuilder()
        zip.add("a/data.pkl", P.stateDict([]))
        zip.add("b/data.pkl", P.stateDict([]))
        #expect(openError(zip.build().bytes) == .ambiguousArchive(prefixes: ["a", "b"], file: Self.path))
    }

    @Test func checksStorageSizesAndExtents() {
        let wrongSize = oneTensor(P.tensor(elements: 4, size: [4], stride: [1]), storageBytes: 12)
        #expect(
            openError(wrongSize)
                == .storageSizeMismatch(storage: "0", expectedBytes: 16, actualBytes: 12, file: Self.path))
        let pastEnd = oneTensor(P.tensor(elements: 4, offset: 3, size: [2], stride: [1]))
        #expect(
            openError(pastEnd)
                == .storageOutOfRange(tensor: "w", storage: "0", needed: 5, available: 4, file: Self.path))
        let stridedPastEnd = oneTensor(P.tensor(elements: 4, size: [2, 2], stride: [3, 1]))
        #expect(
            openError(stridedPastEnd)
                == .storageOutOfRange(tensor: "w", storage: "0", needed: 5, available: 4, file: Self.path))
    }

    @Test func rejectsImpossibleGeometry() {
        let geometries: [(size: [Int32], stride: [Int32], offset: Int32)] = [
            ([2, 2], [1], 0), ([-1], [1], 0), ([2], [-1], 0), ([2], [1], -1),
            ([Int32.max, Int32.max, Int32.max], [1, 1, 1], 0),
        ]
        for geometry in geometries {
            let bytes = oneTensor(
                P.tensor(elements: 4, offset: geometry.offset, size: geometry.size, stride: geometry.stride))
            guard case .invalidTensorGeometry(let tensor, _, _)? = openError(bytes) else {
                Issue.record("expected invalidTensorGeometry for \(geometry)")
                continue
            }
            #expect(tensor == "w")
        }
    }

    @Test func rejectsStatesThatAreNotDictionariesOfTensors() {
        let list = P.checkpoint(pickle: P.proto2 + P.emptyList + P.stop, storages: [])
        #expect(openError(list) == .notAStateDict(found: "a list", file: Self.path))
        let intValue = P.checkpoint(pickle: P.stateDict([("step", P.int(3))]), storages: [])
        #expect(openError(intValue) == .nonTensorEntry(key: "step", found: "an int", file: Self.path))
        let intKey = P.checkpoint(
            pickle: P.proto2 + P.emptyDict + P.int(1) + P.int(2) + P.setItem + P.stop, storages: [])
        #expect(openError(intKey) == .nonStringKey(found: "an int", file: Self.path))
        let tensor = P.tensor(elements: 4, size: [4], stride: [1])
        let duplicate = P.checkpoint(
            pickle: P.stateDict([("w", tensor), ("w", tensor)]), storages: [("0", f32Storage(4))])
        #expect(openError(duplicate) == .duplicateTensor(name: "w", file: Self.path))
    }

    @Test func rejectsAStorageReferencedWithTwoTypes() {
        let pickle = P.stateDict([
            ("a", P.tensor(elements: 4, size: [4], stride: [1])),
            ("b", P.tensor(storage: "HalfStorage", elements: 8, size: [8], stride: [1])),
        ])
        let bytes = P.checkpoint(pickle: pickle, storages: [("0", f32Storage(4))])
        #expect(openError(bytes) == .storageTypeConflict(storage: "0", file: Self.path))
    }
}
