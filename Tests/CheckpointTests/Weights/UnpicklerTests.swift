import Testing

@testable import Checkpoint

@Suite struct UnpicklerTests {
    static let path = "mem.pkl"
    typealias P = PickleBuilder

    private func load(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        let arena = PickleArena()
        defer { arena.release() }
        return try bytes.withUnsafeBytes { try Unpickler.load($0, file: Self.path, arena: arena, limits: limits) }
    }

    private func loadError(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) -> WeightError? {
        weightError { _ = try load(bytes, limits: limits) }
    }

    /// The data.pkl torch wrote into the tensors.bin fixture.
    private func fixturePickle() throws -> [UInt8] {
        let bytes = try WeightFixtures.bytes("tensors.bin")
        let entry = try bytes.withUnsafeBytes { try ZipArchive(bytes: $0, path: "tensors.bin") }.entries[
            "tensors/data.pkl"]!
        return Array(bytes[entry.dataOffset..<(entry.dataOffset + entry.size)])
    }

    @Test func readsTheStateDictTorchWrote() throws {
        let arena = PickleArena()
        defer { arena.release() }
        let root = try fixturePickle().withUnsafeBytes { try Unpickler.load($0, file: Self.path, arena: arena) }
        guard case .dict(let dictionary) = root else {
            Issue.record("root is \(root.kind)")
            return
        }
        #expect(dictionary.entries.count == 12)
        guard case .string("shared.transposed") = dictionary.entries[7].key,
            case .tensor(let tensor) = dictionary.entries[7].value
        else {
            Issue.record("entry 7 is not the transposed tensor")
            return
        }
        #expect(tensor.layout == StridedLayout(shape: [4, 3], strides: [1, 4], offset: 0))
        #expect(tensor.storage.dtype == .f32)
        #expect(tensor.storage.elementCount == 12)
    }

    @Test func decodesScalarOpcodes() throws {
        var double: [UInt8] = [0x47]  // BINFLOAT is big-endian
        withUnsafeBytes(of: (1.5 as Double).bitPattern.bigEndian) { double += $0 }
        let list =
            P.proto2 + P.emptyList + P.mark
            + [0x4B, 7] + [0x4D, 0x34, 0x12] + [0x8A, 0x01, 0xFF] + [0x8A, 0x00] + [0x8C, 0x02] + Array("hi".utf8)
            + double + [0x88] + P.none + [0x65] + P.stop
        let arena = PickleArena()
        defer { arena.release() }
        guard
            case .list(let items) = try list.withUnsafeBytes({ try Unpickler.load($0, file: Self.path, arena: arena) })
        else {
            Issue.record("not a list")
            return
        }
        let described = items.items.map { value -> String in
            switch value {
            case .int(let number): "\(number)"
            case .string(let text): text
            case .float(let number): "\(number)"
            case .bool(let flag): "\(flag)"
            default: value.kind
            }
        }
        #expect(described == ["7", "4660", "-1", "0", "hi", "1.5", "true", "None"])
    }

    // MARK: Globals

    @Test(arguments: [
        ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("__builtin__", "getattr"),
        ("subprocess", "Popen"), ("torch", "load"), ("torch._utils", "_rebuild_device_tensor_from_numpy"),
        ("collections", "defaultdict"),
    ])
    func refusesGlobalsOutsideTheAllowlist(module: String, name: String) {
        let payload = P.proto2 + P.global(module, name) + P.string("echo hi") + [0x85] + P.reduce + P.stop
        #expect(loadError(payload) == .forbiddenGlobal(module: module, name: name, file: Self.path))
    }

    @Test func refusesForbiddenGlobalsReachedThroughStackGlobal() {
        let payload = P.proto2 + P.string("os") + P.string("system") + [0x93] + P.stop
        #expect(loadError(payload) == .forbiddenGlobal(module: "os", name: "system", file: Self.path))
    }

    @Test func refusesToCallWhatIsNotCallable() {
        guard case .pickleTypeMismatch? = loadError(P.proto2 + P.int(1) + P.emptyTuple + P.reduce + P.stop) else {
            Issue.record("expected a type mismatch for REDUCE on an int")
            return
        }
        let storageClass = P.proto2 + P.global("torch", "FloatStorage") + P.emptyTuple + P.reduce + P.stop
        guard case .pickleTypeMismatch? = loadError(storageClass) else {
            Issue.record("expected a type mismatch for calling a storage class")
            return
        }
        let orderedDictWithArguments =
            P.proto2 + P.global("collections", "OrderedDict") + P.tuple([P.int(1)]) + P.reduce + P.stop
        guard case .pickleTypeMismatch? = loadError(orderedDictWithArguments) else {
            Issue.record("expected a type mismatch for OrderedDict(1)")
            return
        }
    }

    @Test func refusesOpcodesAStateDictDoesNotUse() {
        for opcode: UInt8 in [0x69, 0x6F, 0x81, 0x92, 0x43, 0x42, 0x30, 0x32, 0x50, 0x49, 0x00] {
            #expect(
                loadError(P.proto2 + [opcode] + P.stop)
                    == .unsupportedPickleOpcode(opcode: opcode, offset: 2, file: Self.path))
        }
        #expect(loadError([0x80, 0x06] + P.stop) == .unsupportedPickleProtocol(version: 6, file: Self.path))
    }

    // MARK: Malformed streams

    @Test func everyTruncationOfARealPickleIsATypedError() throws {
        let pickle = try fixturePickle()
        for length in 0..<pickle.count {
            #expect(loadError(Array(pickle.prefix(length))) != nil, "prefix of \(length) bytes was accepted")
        }
    }

    @Test func reportsStackUnderflowIncludingAcrossMarks() {
        #expect(
            loadError(P.proto2 + P.setItem + P.stop) == .pickleStackUnderflow(opcode: 0x73, offset: 2, file: Self.path))
        #expect(
            loadError(P.proto2 + P.tuple + P.stop) == .pickleStackUnderflow(opcode: 0x74, offset: 2, file: Self.path))
        #expect(loadError(P.proto2 + P.reduce) == .pickleStackUnderflow(opcode: 0x52, offset: 2, file: Self.path))
        // A dict below an open mark is out of reach of SETITEM, as in CPython.
        let acrossMark = P.proto2 + P.emptyDict + P.mark + P.int(1) + P.setItem + P.stop
        #expect(loadError(acrossMark) == .pickleStackUnderflow(opcode: 0x73, offset: 9, file: Self.path))
        #expect(
            loadError(P.proto2 + P.put(0) + P.stop) == .pickleStackUnderflow(opcode: 0x71, offset: 2, file: Self.path))
    }

    @Test func reportsMissingMemoSlots() {
        #expect(loadError(P.proto2 + P.get(5) + P.stop) == .pickleMemoMissing(index: 5, offset: 2, file: Self.path))
    }

    @Test func reportsLeftoverValuesAtStop() {
        guard case .pickleTypeMismatch? = loadError(P.proto2 + P.int(1) + P.int(2) + P.stop) else {
            Issue.record("expected a mismatch for two values at STOP")
            return
        }
        guard case .pickleTypeMismatch? = loadError(P.proto2 + P.mark + P.int(1) + P.stop) else {
            Issue.record("expected a mismatch for an open mark at STOP")
            return
        }
    }

    @Test func boundsLengthsByTheRemainingBytes() {
        let hugeString: [UInt8] = P.proto2 + [0x58, 0xFF, 0xFF, 0xFF, 0xFF] + Array("abc".utf8)
        #expect(loadError(hugeString) == .truncatedPickle(offset: 7, file: Self.path))
        let hugeString64: [UInt8] = P.proto2 + [0x8D] + [UInt8](repeating: 0xFF, count: 8) + P.stop
        guard case .truncatedPickle? = loadError(hugeString64) else {
            Issue.record("expected truncation for a 2^64-byte string")
            return
        }
        let hugeLong4: [UInt8] = P.proto2 + [0x8B, 0xFF, 0xFF, 0xFF, 0x7F] + P.stop
        #expect(loadError(hugeLong4) == .truncatedPickle(offset: 7, file: Self.path))
        let wideLong1: [UInt8] = P.proto2 + [0x8A, 9] + [UInt8](repeating: 1, count: 9) + P.stop
        #expect(loadError(wideLong1) == .pickleIntegerTooLarge(offset: 2, file: Self.path))
        #expect(loadError(P.proto2 + Array("cos\nsys".utf8)) == .truncatedPickle(offset: 9, file: Self.path))
    }

    @Test func rejectsInvalidUTF8() {
        let bytes = P.proto2 + [0x58, 2, 0, 0, 0, 0xC3, 0x28] + P.stop
        #expect(loadError(bytes) == .pickleInvalidUTF8(offset: 7, file: Self.path))
    }

    // MARK: Resource limits

    @Test func enforcesStackMarkMemoAndContainerLimits() {
        let pushes = P.proto2 + Array(repeating: P.int(1), count: 11).flatMap { $0 } + P.stop
        #expect(
            loadError(pushes, limits: PickleLimits(maxStackDepth: 10))
                == .pickleLimitExceeded(what: "stack depth", limit: 10, file: Self.path))
        let marks = P.proto2 + Array(repeating: P.mark, count: 5).flatMap { $0 } + P.stop
        #expect(
            loadError(marks, limits: PickleLimits(maxMarkDepth: 4))
                == .pickleLimitExceeded(what: "nested marks", limit: 4, file: Self.path))
        let memo = P.proto2 + P.int(1) + (0..<5).flatMap { P.put(UInt8($0)) } + P.stop
        #expect(
            loadError(memo, limits: PickleLimits(maxMemoEntries: 4))
                == .pickleLimitExceeded(what: "memo entries", limit: 4, file: Self.path))
        let lists = P.proto2 + P.emptyList + Array(repeating: P.emptyList + P.append, count: 5).flatMap { $0 } + P.stop
        #expect(
            loadError(lists, limits: PickleLimits(maxContainers: 3))
                == .pickleLimitExceeded(what: "containers", limit: 3, file: Self.path))
        #expect(
            loadError(lists, limits: PickleLimits(maxContainerItems: 3))
                == .pickleLimitExceeded(what: "container items", limit: 3, file: Self.path))
    }

    @Test func refusesPicklesOverTheSizeLimit() {
        let pickle = P.proto2 + P.int(1) + P.stop
        #expect(
            loadError(pickle, limits: PickleLimits(maxBytes: 5))
                == .pickleTooLarge(size: pickle.count, limit: 5, file: Self.path))
    }

    @Test func survivesDeepNestingAndCycles() throws {
        // 200 000 nested one-tuples: freeing them must not recurse once per level.
        let nested = P.proto2 + P.int(0) + [UInt8](repeating: 0x85, count: 200_000) + P.stop
        guard case .tuple = try load(nested) else {
            Issue.record("expected a tuple")
            return
        }
        // A list that contains itself.
        let cycle = P.proto2 + P.emptyList + P.put(0) + P.get(0) + P.append + P.stop
        guard case .list(let list) = try load(cycle) else {
            Issue.record("expected a list")
            return
        }
        #expect(list.items.isEmpty)  // the arena emptied it when `load` returned
    }

    // MARK: Torch semantics

    @Test func readsAPersistentStorageReference() throws {
        guard
            case .tensor(let tensor) = try load(
                P.proto2 + P.tensor(elements: 6, offset: 2, size: [2, 2], stride: [1, 2]) + P.stop)
        else {
            Issue.record("expected a tensor")
            return
        }
        #expect(tensor.storage == TorchStorageReference(key: "0", dtype: .f32, elementCount: 6))
        #expect(tensor.layout == StridedLayout(shape: [2, 2], strides: [1, 2], offset: 2))
    }

    @Test func rejectsBadPersistentIDs() {
        func persistentError(_ id: [UInt8]) -> WeightError? { loadError(P.proto2 + id + P.persistentID + P.stop) }
        let cases: [[UInt8]] = [
            P.string("storage"),
            P.tuple([P.string("storage"), P.global("torch", "FloatStorage"), P.string("0"), P.string("cpu")]),
            P.tuple([P.string("module"), P.global("torch", "FloatStorage"), P.string("0"), P.string("cpu"), P.int(1)]),
            P.tuple([P.string("storage"), P.string("FloatStorage"), P.string("0"), P.string("cpu"), P.int(1)]),
            P.tuple([
                P.string("storage"), P.global("torch", "FloatStorage"), P.string("../0"), P.string("cpu"), P.int(1),
            ]),
            P.tuple([P.string("storage"), P.global("torch", "FloatStorage"), P.string("0"), P.string("cpu"), P.int(-1)]
            ),
            P.tuple([P.string("storage"), P.global("torch", "FloatStorage"), P.string("0"), P.int(0), P.int(1)]),
        ]
        for id in cases {
            guard case .badPersistentID? = persistentError(id) else {
                Issue.record("expected badPersistentID for \(id)")
                continue
            }
        }
    }

    @Test func rejectsMalformedRebuildArguments() {
        let wrongCount = P.global("torch._utils", "_rebuild_tensor_v2") + P.tuple([P.int(1)]) + P.reduce
        let notStorage =
            P.global("torch._utils", "_rebuild_tensor_v2")
            + P.tuple([P.int(1), P.int(0), P.tuple([]), P.tuple([]), P.newFalse, P.none]) + P.reduce
        let parameterOfInt =
            P.global("torch._utils", "_rebuild_parameter") + P.tuple([P.int(1), P.newFalse, P.none]) + P.reduce
        for body in [wrongCount, notStorage, parameterOfInt] {
            guard case .pickleTypeMismatch? = loadError(P.proto2 + body + P.stop) else {
                Issue.record("expected a type mismatch")
                continue
            }
        }
    }
}
