// Parsing and validating a safetensors header: bytes of the whole file in, a checked tensor table out.
// Pure (no I/O). The checks follow huggingface/safetensors `safetensors/src/tensor.rs`
// (`SafeTensors::read_metadata` and `Metadata::validate`), with one error case per failure:
//   8-byte little-endian length N, N ≤ 100 MB, 8 + N ≤ file size, the header is JSON,
//   every dtype known, shape products and byte counts overflow-checked, end − begin = numel × size,
//   and the tensors, sorted by offset, tile the data region exactly (no gap, no overlap, nothing after).

import StrictJSON

struct SafeTensorsHeader {
    struct Entry: Equatable {
        let info: TensorInfo
        /// Byte range inside the data region (which starts right after the header).
        let begin: Int
        let end: Int
    }

    /// Same cap as the reference implementation (`MAX_HEADER_SIZE`).
    static let maxHeaderBytes = 100_000_000

    let entries: [String: Entry]
    let metadata: [String: String]
    /// File offset of the data region: 8 + header length.
    let dataStart: Int

    init(fileBytes bytes: UnsafeRawBufferPointer, path: String) throws {
        let reader = ByteReader(bytes: bytes)
        guard let length = reader.u64(at: 0) else {
            throw WeightError.headerTooSmall(file: path, fileSize: bytes.count)
        }
        guard length <= UInt64(Self.maxHeaderBytes) else {
            throw WeightError.headerTooLarge(file: path, length: length, limit: Self.maxHeaderBytes)
        }
        guard let headerBytes = reader.slice(offset: 8, length: Int(length)) else {
            throw WeightError.headerPastEndOfFile(file: path, length: length, fileSize: bytes.count)
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(headerBytes, options: JSONParseOptions(duplicateKeys: .reject))
        } catch {
            if let (name, depth) = error.duplicateKey, depth == 0 {
                throw WeightError.duplicateTensor(name: name, file: path)
            }
            throw WeightError.malformedHeader(file: path, reason: error.description)
        }
        dataStart = 8 + Int(length)
        (entries, metadata) = try Self.table(from: json, path: path)
        try Self.validateLayout(entries: entries, dataSize: bytes.count - dataStart, path: path)
    }

    private static func table(from json: JSONValue, path: String) throws -> ([String: Entry], [String: String]) {
        guard case .object(let members) = json else {
            throw WeightError.malformedHeader(file: path, reason: "the header is \(json.kind), not an object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try parseMetadata(value, path: path)
            } else {
                // The parser rejects byte-identical names; this catches canonically equivalent ones
                // ("é" and "e\u{301}"), which are distinct JSON keys but the same `String` key here.
                let entry = try parseEntry(name: name, value, path: path)
                guard entries.updateValue(entry, forKey: name) == nil else {
                    throw WeightError.duplicateTensor(name: name, file: path)
                }
            }
        }
        return (entries, metadata)
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw WeightError.malformedHeader(file: path, reason: "__metadata__ is \(value.kind), not an object")
        }
        var metadata: [String: String] = [:]
        for (key, item) in members {
            guard case .string(let text) = item else {
                throw WeightError.malformedHeader(file: path, reason: "__metadata__ value '\(key)' is not a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw WeightError.malformedHeader(file: path, reason: "__metadata__ key '\(key)' appears twice")
            }
        }
        return metadata
    }

    private static func parseEntry(name: String, _ value: JSONValue, path: String) throws -> Entry {
        func malformed(_ reason: String) -> WeightError {
            .malformedHeader(file: path, reason: "tensor '\(name)': \(reason)")
        }
        guard case .object = value else { throw malformed("entry is \(value.kind), not an object") }
        guard case .string(let dtypeName)? = value["dtype"] else { throw malformed("missing or non-string dtype") }
        guard let shape = nonNegativeIntegers(value["shape"]) else {
            throw malformed("shape must be an array of non-negative integers")
        }
        guard let offsets = nonNegativeIntegers(value["data_offsets"]), offsets.count == 2 else {
            throw malformed("data_offsets must be two non-negative integers")
        }
        guard let dtype = dtype(named: dtypeName) else {
            throw WeightError.unknownDType(tensor: name, dtype: dtypeName, file: path)
        }
        return Entry(info: TensorInfo(name: name, dtype: dtype, shape: shape), begin: offsets[0], end: offsets[1])
    }

    private static func nonNegativeIntegers(_ value: JSONValue?) -> [Int]? {
        guard case .array(let items)? = value else { return nil }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case .integer(let number) = item, number >= 0 else { return nil }
            result.append(number)
        }
        return result
    }

    /// safetensors spells dtypes in upper case: "F32", "BF16", "BOOL".
    static func dtype(named name: String) -> DType? {
        guard name == name.uppercased() else { return nil }
        return DType(rawValue: name.lowercased())
    }

    static func name(of dtype: DType) -> String { dtype.rawValue.uppercased() }

    /// The tensors, in offset order, must tile `[0, dataSize)` exactly.
    private static func validateLayout(entries: [String: Entry], dataSize: Int, path: String) throws {
        let ordered = entries.values.sorted { ($0.begin, $0.end, $0.info.name) < ($1.begin, $1.end, $1.info.name) }
        var previousEnd = 0
        for entry in ordered {
            let name = entry.info.name
            guard entry.end >= entry.begin else {
                throw WeightError.invalidOffsets(tensor: name, begin: entry.begin, end: entry.end, file: path)
            }
            if entry.begin < previousEnd {
                throw WeightError.overlappingTensor(
                    tensor: name, begin: entry.begin, previousEnd: previousEnd, file: path)
            }
            if entry.begin > previousEnd {
                throw WeightError.gapBeforeTensor(
                    tensor: name, begin: entry.begin, previousEnd: previousEnd, file: path)
            }
            let byteCount = try Self.byteCount(of: entry.info, path: path)
            guard entry.end - entry.begin == byteCount else {
                throw WeightError.byteCountMismatch(
                    tensor: name, expected: byteCount, actual: entry.end - entry.begin, file: path)
            }
            guard entry.end <= dataSize else {
                throw WeightError.tensorOutOfRange(tensor: name, end: entry.end, dataSize: dataSize, file: path)
            }
            previousEnd = entry.end
        }
        guard previousEnd == dataSize else {
            throw WeightError.trailingData(file: path, covered: previousEnd, dataSize: dataSize)
        }
    }

    private static func byteCount(of info: TensorInfo, path: String) throws -> Int {
        guard let count = StridedLayout.elementCount(of: info.shape) else {
            throw WeightError.shapeOverflow(tensor: info.name, shape: info.shape, file: path)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: info.dtype.size)
        guard !overflow else { throw WeightError.shapeOverflow(tensor: info.name, shape: info.shape, file: path) }
        return bytes
    }
}
