// Shared helpers for the weight-reader tests: fixture paths, a minimal safetensors
// writer, little-endian byte builders and a seeded random generator. No assertions live here.

import Foundation
import TestSupport
import Testing

@testable import Checkpoint

enum WeightFixtures {
    /// The committed fixtures next to this file (made by Fixtures/make_fixtures.py).
    static func url(_ name: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(name)))
    }

    /// 0.25 * i - 1, the ramp every fixture tensor is filled with.
    static func ramp(_ count: Int) -> [Float] {
        (0..<count).map { Float($0) * 0.25 - 1 }
    }
}

/// The error as a `WeightError`, recording a test issue when it is any other type.
func expectWeightError(_ error: any Error, sourceLocation: SourceLocation = #_sourceLocation) -> WeightError? {
    guard let weightError = error as? WeightError else {
        Issue.record("expected a WeightError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
    return weightError
}

/// The `WeightError` thrown by `body`, or nil when it succeeds.
func weightError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> WeightError? {
    do {
        try body()
        return nil
    } catch {
        return expectWeightError(error, sourceLocation: sourceLocation)
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func writeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }

    func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value: T = 0
        Swift.withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: self[offset..<(offset + MemoryLayout<T>.size)]) }
        return T(littleEndian: value)
    }

    /// Index of the last occurrence of `pattern`.
    func lastIndex(of pattern: [UInt8]) -> Int? {
        guard count >= pattern.count else { return nil }
        return stride(from: count - pattern.count, through: 0, by: -1).first {
            Array(self[$0..<($0 + pattern.count)]) == pattern
        }
    }
}

func littleEndianBytes(_ floats: [Float]) -> [UInt8] {
    var bytes: [UInt8] = []
    for value in floats { bytes.appendLittleEndian(value.bitPattern) }
    return bytes
}

/// Writes safetensors files the way huggingface/safetensors does (header padded with spaces to a
/// multiple of 8, tensors packed in the given order), or from a hand-written header for hostile cases.
enum SafeTensorsWriter {
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var data: [UInt8]
    }

    static func f32(_ name: String, shape: [Int], _ values: [Float]) -> Tensor {
        Tensor(name: name, dtype: "F32", shape: shape, data: littleEndianBytes(values))
    }

    static func file(_ tensors: [Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        var data: [UInt8] = []
        for tensor in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + tensor.data.count)]}")
            offset += tensor.data.count
            data += tensor.data
        }
        return file(header: "{\(entries.joined(separator: ","))}", data: data)
    }

    static func file(header: String, data: [UInt8], pad: Bool = true) -> [UInt8] {
        var headerBytes = Array(header.utf8)
        while pad && headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt64(headerBytes.count))
        return bytes + headerBytes + data
    }
}

extension WeightStore {
    /// Reads every float tensor, returning the values; used to prove a store is fully readable.
    func readAllFloats() throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (name, info) in tensors where info.dtype.isFloatingPoint {
            result[name] = try floats(name).toArray()
        }
        return result
    }
}
