// Turning stored elements (f32/f16/bf16/f64, any alignment, contiguous or strided) into f32 buffers.
// Pure functions over raw memory; callers have already checked every range they pass in.

#if _endian(big)
    #error("The weight readers assume a little-endian host, as safetensors and PyTorch files are little-endian.")
#endif

enum FloatConversion {
    /// IEEE 754 binary16 → binary32, exact for every input (including subnormals, infinities and NaN payloads).
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exactly representable in f32.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// bfloat16 is the top half of an f32.
    static func bfloat16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Converts `count` consecutive elements of `dtype` at `source` (no alignment assumed) into `destination`.
    static func convert(
        _ source: UnsafeRawPointer, dtype: DType, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .f16:
            for i in 0..<count {
                destination[i] = halfToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
        case .bf16:
            for i in 0..<count {
                destination[i] = bfloat16ToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
        case .f64:
            for i in 0..<count {
                destination[i] = Float(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
            }
        case .i64, .i32, .i16, .i8, .u8, .bool:
            preconditionFailure("FloatConversion.convert called with non-float dtype \(dtype)")
        }
    }

    /// Copies a contiguous run of elements into a fresh f32 buffer.
    static func contiguous(_ source: UnsafeRawPointer, dtype: DType, count: Int) -> FloatBuffer {
        let buffer = FloatBuffer(count: count)
        if let destination = buffer.storage.baseAddress {
            convert(source, dtype: dtype, count: count, into: destination)
        }
        return buffer
    }

    /// Gathers a strided view into a fresh row-major f32 buffer. `layout` must have been validated against
    /// the storage at `storage` (every reachable element inside it).
    static func gather(_ storage: UnsafeRawPointer, dtype: DType, layout: StridedLayout) -> FloatBuffer {
        let count = layout.elementCount
        let buffer = FloatBuffer(count: count)
        guard count > 0, let destination = buffer.storage.baseAddress else { return buffer }
        var index = [Int](repeating: 0, count: layout.shape.count)
        var elementOffset = layout.offset
        for position in 0..<count {
            convert(storage + elementOffset * dtype.size, dtype: dtype, count: 1, into: destination + position)
            // Advance the multi-index like an odometer, innermost dimension fastest.
            var dimension = layout.shape.count - 1
            while dimension >= 0 {
                index[dimension] += 1
                elementOffset += layout.strides[dimension]
                if index[dimension] < layout.shape[dimension] { break }
                elementOffset -= layout.strides[dimension] * layout.shape[dimension]
                index[dimension] = 0
                dimension -= 1
            }
        }
        return buffer
    }
}

/// Shape, strides and start offset of a view into a flat storage, all counted in elements.
struct StridedLayout: Equatable {
    let shape: [Int]
    let strides: [Int]
    let offset: Int

    /// Overflow-checked element count; nil when the product does not fit in `Int` or a size is negative.
    static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }

    var elementCount: Int { shape.reduce(1, *) }

    /// Whether the view is the row-major packing of its shape (sizes of 1 may carry any stride).
    var isContiguous: Bool {
        var expected = 1
        for dimension in shape.indices.reversed() where shape[dimension] != 1 {
            guard strides[dimension] == expected else { return false }
            expected *= shape[dimension]
        }
        return true
    }

    /// One past the largest element index the view reaches (its `offset` when empty), overflow-checked.
    var extent: Int? {
        guard shape.allSatisfy({ $0 > 0 }) else { return offset }
        var last = offset
        for (size, stride) in zip(shape, strides) {
            let (step, overflowStep) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowSum) = last.addingReportingOverflow(step)
            guard !overflowStep, !overflowSum else { return nil }
            last = sum
        }
        let (end, overflow) = last.addingReportingOverflow(1)
        return overflow ? nil : end
    }
}
