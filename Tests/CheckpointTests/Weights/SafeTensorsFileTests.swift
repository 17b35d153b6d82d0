import Foundation
import Testing

@testable import Checkpoint

@Suite struct SafeTensorsFileTests {
    static let path = "mem.safetensors"

    private func open(_ bytes: [UInt8]) throws -> SafeTensorsFile {
        try SafeTensorsFile(file: MappedFile(path: Self.path, contents: bytes))
    }

    private func openError(_ bytes: [UInt8]) -> WeightError? {
        do {
            _ = try open(bytes)
            return nil
        } catch {
            return expectWeightError(error)
        }
    }

    /// One header entry, e.g. `"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`.
    private func entry(_ name: String, _ dtype: String = "F32", shape: [Int], _ begin: Int, _ end: Int) -> String {
        let dimensions = shape.map(String.init).joined(separator: ",")
        return #""\#(name)":{"dtype":"\#(dtype)","shape":[\#(dimensions)],"data_offsets":[\#(begin),\#(end)]}"#
    }

    private func header(_ entries: String, data: Int) -> [UInt8] {
        SafeTensorsWriter.file(header: "{\(entries)}", data: [UInt8](repeating: 0, count: data))
    }

    // MARK: Round trips

    @Test func roundTripsEveryFloatTypeAndListsIntegerTensors() throws {
        var f16: [UInt8] = []
        var bf16: [UInt8] = []
        var f64: [UInt8] = []
        var i64: [UInt8] = []
        for value in [Float(1.5), -2, 0.25] {
            f16.appendLittleEndian(Float16(value).bitPattern)
            bf16.appendLittleEndian(UInt16(value.bitPattern >> 16))
            f64.appendLittleEndian(Double(value).bitPattern)
            i64.appendLittleEndian(Int64(value * 4))
        }
        let file = SafeTensorsWriter.file(
            [
                SafeTensorsWriter.f32("w", shape: [2, 2], [1, 2, 3, 4]),
                .init(name: "h", dtype: "F16", shape: [3], data: f16),
                .init(name: "b", dtype: "BF16", shape: [1, 3], data: bf16),
                .init(name: "d", dtype: "F64", shape: [3], data: f64),
                .init(name: "ids", dtype: "I64", shape: [3], data: i64),
                .init(name: "mask", dtype: "BOOL", shape: [2], data: [1, 0]),
                SafeTensorsWriter.f32("scalar", shape: [], [7]),
                SafeTensorsWriter.f32("empty", shape: [0, 4], []),
            ], metadata: ["format": "pt"])
        let store = try open(file)
        #expect(store.metadata == ["format": "pt"])
        #expect(store.tensors["ids"] == TensorInfo(name: "ids", dtype: .i64, shape: [3]))
        #expect(store.tensors["mask"]?.dtype == .bool)
        #expect(try store.floats("w").toArray() == [1, 2, 3, 4])
        #expect(try store.floats("w").shape == [2, 2])
        for name in ["h", "b", "d"] {
            #expect(try store.floats(name).toArray() == [1.5, -2, 0.25], "tensor \(name)")
        }
        #expect(try store.floats("scalar").toArray() == [7])
        #expect(try store.floats("empty").values.isEmpty)
        #expect(try store.floats("empty").shape == [0, 4])
    }

    @Test func alignedF32TensorsPointIntoTheMapping() throws {
        let file = SafeTensorsWriter.file([SafeTensorsWriter.f32("w", shape: [3], [1, 2, 3])])
        let mapped = MappedFile(path: Self.path, contents: file)
        let store = try SafeTensorsFile(file: mapped)
        let tensor = try store.floats("w")
        #expect(store.isZeroCopy("w"))
        let base = mapped.bytes.baseAddress!
        let pointer = UnsafeRawPointer(tensor.values.baseAddress!)
        #expect(pointer >= base && pointer < base + mapped.bytes.count)
    }

    @Test func misalignedF32TensorsAreCopied() throws {
        // An unpadded 45-byte header leaves the data at file offset 53: not 4-byte aligned.
        let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let file = SafeTensorsWriter.file(header: header, data: littleEndianBytes([0.5, -0.75]), pad: false)
        let store = try open(file)
        #expect(!store.isZeroCopy("w"))
        #expect(try store.floats("w").toArray() == [0.5, -0.75])
    }

    @Test func tensorsStayReadableAfterTheStoreIsReleased() throws {
        var store: SafeTensorsFile? = try open(
            SafeTensorsWriter.file([SafeTensorsWriter.f32("w", shape: [2], [4, 5])]))
        let tensor = try store!.floats("w")
        store = nil
        #expect(tensor.toArray() == [4, 5])
    }

    @Test func readsAFileWrittenByPythonSafetensors() throws {
        let store = try SafeTensorsFile(path: WeightFixtures.url("small.safetensors").path)
        #expect(store.metadata["format"] == "pt")
        #expect(try store.floats("f32").toArray() == WeightFixtures.ramp(6))
        #expect(try store.floats("f16").toArray() == WeightFixtures.ramp(5))
        #expect(try store.floats("bf16").toArray() == WeightFixtures.ramp(4))
        #expect(try store.floats("f64").toArray() == WeightFixtures.ramp(3))
        #expect(try store.floats("bf16").shape == [2, 2])
        #expect(try store.floats("scalar").toArray() == [2.5])
        #expect(store.tensors["i64"] == TensorInfo(name: "i64", dtype: .i64, shape: [1, 7]))
    }

    @Test func lookupErrorsNameTheTensorAndFile() throws {
        let store = try SafeTensorsFile(path: WeightFixtures.url("small.safetensors").path)
        #expect(throws: WeightError.notFloatTensor(name: "i64", dtype: .i64, file: store.path)) {
            try store.floats("i64")
        }
        #expect(throws: WeightError.unknownTensor(name: "nope", file: store.path)) { try store.floats("nope") }
    }

    // MARK: Header validation, one case per failure

    @Test func rejectsFilesTooShortForTheLength() {
        #expect(openError([]) == .headerTooSmall(file: Self.path, fileSize: 0))
        #expect(openError([1, 2, 3]) == .headerTooSmall(file: Self.path, fileSize: 3))
    }

    @Test func rejectsHugeAndOverlongHeaderLengths() {
        var huge: [UInt8] = []
        huge.appendLittleEndian(UInt64(100_000_001))
        #expect(openError(huge) == .headerTooLarge(file: Self.path, length: 100_000_001, limit: 100_000_000))
        var maximal: [UInt8] = []
        maximal.appendLittleEndian(UInt64.max)
        #expect(openError(maximal) == .headerTooLarge(file: Self.path, length: .max, limit: 100_000_000))
        var pastEnd: [UInt8] = []
        pastEnd.appendLittleEndian(UInt64(100))
        pastEnd += Array("{}".utf8)
        #expect(openError(pastEnd) == .headerPastEndOfFile(file: Self.path, length: 100, fileSize: 10))
    }

    @Test(arguments: [
        "not json", "[]", #"{"w": 3}"#, #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#,
        #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
        #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#,
        #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#,
        #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}}"#,
        #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"dtype":"F16"}}"#,
        #"{"__metadata__":{"n":1}}"#, #"{"__metadata__":[]}"#,
    ])
    func rejectsMalformedHeaders(header: String) {
        guard case .malformedHeader(let file, _)? = openError(SafeTensorsWriter.file(header: header, data: [])) else {
            Issue.record("expected malformedHeader for \(header)")
            return
        }
        #expect(file == Self.path)
    }

    @Test func rejectsHeadersThatAreNotUTF8() {
        let bytes = SafeTensorsWriter.file(header: "{\"\u{FF}\":1}", data: []).map { $0 == 0xC3 ? 0xFF : $0 }
        guard case .malformedHeader? = openError(bytes) else {
            Issue.record("expected malformedHeader")
            return
        }
    }

    @Test func rejectsDuplicateTensorNames() {
        let entry = #""w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        #expect(openError(header("\(entry),\(entry)", data: 4)) == .duplicateTensor(name: "w", file: Self.path))
    }

    @Test(arguments: ["F8_E4M3", "U64", "f32", "FLOAT", ""])
    func rejectsUnknownDTypes(dtype: String) {
        let bytes = header(#""w":{"dtype":"\#(dtype)","shape":[1],"data_offsets":[0,4]}"#, data: 4)
        #expect(openError(bytes) == .unknownDType(tensor: "w", dtype: dtype, file: Self.path))
    }

    @Test func rejectsShapesWhoseSizeOverflows() {
        let elements = header(
            #""w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}"#, data: 4)
        #expect(openError(elements) == .shapeOverflow(tensor: "w", shape: [1 << 40, 1 << 40], file: Self.path))
        let bytes = header(#""w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}"#, data: 4)
        #expect(openError(bytes) == .shapeOverflow(tensor: "w", shape: [1 << 61], file: Self.path))
    }

    @Test func rejectsOffsetsThatEndBeforeTheyBegin() {
        let bytes = header(#""w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}"#, data: 8)
        #expect(openError(bytes) == .invalidOffsets(tensor: "w", begin: 8, end: 4, file: Self.path))
    }

    @Test func rejectsOverlappingTensors() {
        let bytes = header(entry("a", shape: [2], 0, 8) + "," + entry("b", shape: [2], 4, 12), data: 12)
        #expect(openError(bytes) == .overlappingTensor(tensor: "b", begin: 4, previousEnd: 8, file: Self.path))
    }

    @Test func rejectsGapsBetweenTensorsAndBeforeTheFirst() {
        let between = header(entry("a", shape: [1], 0, 4) + "," + entry("b", shape: [1], 8, 12), data: 12)
        #expect(openError(between) == .gapBeforeTensor(tensor: "b", begin: 8, previousEnd: 4, file: Self.path))
        let leading = header(#""a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}"#, data: 8)
        #expect(openError(leading) == .gapBeforeTensor(tensor: "a", begin: 4, previousEnd: 0, file: Self.path))
    }

    @Test func rejectsByteCountsThatDisagreeWithShapeAndDType() {
        let bytes = header(#""w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}"#, data: 12)
        #expect(openError(bytes) == .byteCountMismatch(tensor: "w", expected: 8, actual: 12, file: Self.path))
    }

    @Test func rejectsOffsetsPastTheDataRegion() {
        let bytes = header(#""w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#, data: 8)
        #expect(openError(bytes) == .tensorOutOfRange(tensor: "w", end: 16, dataSize: 8, file: Self.path))
    }

    @Test func rejectsBytesAfterTheLastTensor() {
        let bytes = header(#""w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, data: 6)
        #expect(openError(bytes) == .trailingData(file: Self.path, covered: 4, dataSize: 6))
    }

    @Test func acceptsUnsortedOffsetsAndZeroSizedTensors() throws {
        let entries = [entry("b", shape: [1], 4, 8), entry("z", shape: [0], 4, 4), entry("a", shape: [1], 0, 4)]
        let bytes = header(entries.joined(separator: ","), data: 8)
        #expect(try open(bytes).tensors.count == 3)
    }

    @Test func everyTruncationOfAValidFileIsATypedError() throws {
        let file = SafeTensorsWriter.file(
            [
                SafeTensorsWriter.f32("a", shape: [2, 2], [1, 2, 3, 4]),
                SafeTensorsWriter.f32("b", shape: [3], [5, 6, 7]),
            ],
            metadata: ["format": "pt"])
        for length in 0..<file.count {
            #expect(openError(Array(file.prefix(length))) != nil, "prefix of \(length) bytes was accepted")
        }
        #expect(openError(file) == nil)
    }
}
