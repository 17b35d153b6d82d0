import Testing

@testable import Checkpoint

@Suite struct FloatConversionTests {
    @Test func halfMatchesSwiftFloat16ForEveryBitPattern() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let ours = FloatConversion.halfToFloat(bits)
            let reference = Float(Float16(bitPattern: bits))
            let same = ours.isNaN ? reference.isNaN : ours.bitPattern == reference.bitPattern
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func halfKnownValues() {
        #expect(FloatConversion.halfToFloat(0x3C00) == 1)
        #expect(FloatConversion.halfToFloat(0xC000) == -2)
        #expect(FloatConversion.halfToFloat(0x0001) == 0x1p-24)  // smallest subnormal
        #expect(FloatConversion.halfToFloat(0x7C00) == .infinity)
        #expect(FloatConversion.halfToFloat(0x8000).sign == .minus)
    }

    @Test func bfloat16IsTheUpperHalfOfF32() {
        #expect(FloatConversion.bfloat16ToFloat(0x3F80) == 1)
        #expect(FloatConversion.bfloat16ToFloat(0xC0A0) == -5)
        #expect(FloatConversion.bfloat16ToFloat(0x7F80) == .infinity)
    }

    @Test func convertReadsUnalignedSources() {
        let values: [Double] = [1.5, -2.25, 1e-3]
        var bytes: [UInt8] = [0xAA]  // one byte of misalignment
        for value in values { bytes.appendLittleEndian(value.bitPattern) }
        var out = [Float](repeating: 0, count: 3)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer {
                FloatConversion.convert(raw.baseAddress! + 1, dtype: .f64, count: 3, into: $0.baseAddress!)
            }
        }
        #expect(out == values.map(Float.init))
    }

    @Test func gatherWalksStridesInRowMajorOrder() {
        let storage: [Float] = (0..<12).map(Float.init)  // a 3×4 matrix
        let transposed = StridedLayout(shape: [4, 3], strides: [1, 4], offset: 0)
        let column = StridedLayout(shape: [3], strides: [4], offset: 2)
        func gather(_ layout: StridedLayout) -> [Float] {
            storage.withUnsafeBytes { raw in
                let buffer = FloatConversion.gather(raw.baseAddress!, dtype: .f32, layout: layout)
                return withExtendedLifetime(buffer) { Array(buffer.storage) }
            }
        }
        #expect(gather(transposed) == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        #expect(gather(column) == [2, 6, 10])
    }

    @Test func layoutContiguityAndExtent() {
        #expect(StridedLayout(shape: [2, 3], strides: [3, 1], offset: 0).isContiguous)
        #expect(StridedLayout(shape: [1, 3], strides: [99, 1], offset: 0).isContiguous)  // size-1 dims: any stride
        #expect(!StridedLayout(shape: [3, 2], strides: [1, 3], offset: 0).isContiguous)
        #expect(StridedLayout(shape: [3, 2], strides: [1, 3], offset: 5).extent == 5 + 2 + 3 + 1)
        #expect(StridedLayout(shape: [0, 7], strides: [7, 1], offset: 4).extent == 4)
        #expect(StridedLayout(shape: [Int.max, 2], strides: [2, 1], offset: 0).extent == nil)
        #expect(StridedLayout.elementCount(of: [1 << 40, 1 << 40]) == nil)
        #expect(StridedLayout.elementCount(of: []) == 1)
    }
}
