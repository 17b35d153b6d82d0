// The u8 × s7 kernels: every path this CPU runs equals the scalar int32 reference bit for bit (random,
// adversarial and edge shapes, panel sub-ranges, wide row strides); the float epilogue is the same on every
// path and equals the formula; row quantisation rounds half to even, reconstructs its input within half a
// step, scales channels (a zero factor codes the zero point), handles zero rows and is the same on every path; packing keeps 7 bits.
import CKernels
import Inference
import Testing

private let allU8Paths: [(rk_q8_isa, String)] = [
    (RK_Q8_PORTABLE, "portable"), (RK_Q8_AVX2, "avx2"), (RK_Q8_AVX512VNNI, "avx512vnni"),
]

/// The paths this CPU runs; the others are reported as skipped, with the reason, on stdout.
private let runnableU8Paths: [rk_q8_isa] = allU8Paths.compactMap { isa, name in
    if rk_q8_supports(isa) != 0 { return isa }
    print("u8 kernel test: skipping the \(name) path: this CPU does not have it")
    return nil
}

private let columns = Int(RK_U8_COLS)
private let weightLimit = Int(RK_U8_WEIGHT_LIMIT)

private struct PackedU8 {
    var values: [Int8]
    var scales: [Float]
    var columnSums: [Int32]
    let k: Int

    /// The code of column c, input kk, read back from the panel layout.
    func code(_ c: Int, _ kk: Int) -> Int8 {
        values[(c / columns) * rk_u8_padded_inputs(k) * columns + (kk / 4) * columns * 4 + (c % columns) * 4 + kk % 4]
    }
}

private func packU8(_ w: [Float], n: Int, k: Int) -> PackedU8 {
    var p = PackedU8(
        values: [Int8](repeating: 99, count: n * rk_u8_padded_inputs(k)), scales: [Float](repeating: 0, count: n),
        columnSums: [Int32](repeating: 0, count: n), k: k)
    rk_u8_pack(w, n, k, nil, &p.values, &p.scales, &p.columnSums)
    return p
}

/// Integer weights within ±63; `anchor` puts a 63 in every row so quantisation keeps them exactly (scale 1).
private func integerWeights(n: Int, k: Int, anchor: Bool = true, _ value: (Int, Int) -> Int) -> [Float] {
    var w = [Float](repeating: 0, count: n * k)
    for c in 0..<n {
        for kk in 0..<k { w[c * k + kk] = Float(value(c, kk)) }
        if anchor { w[c * k] = Float(weightLimit) }
    }
    return w
}

/// Rows of uint8 codes with stride `stride`; bytes past k hold `padding` (the kernels must ignore them).
private func codeRows(m: Int, k: Int, stride: Int, padding: UInt8 = 0, _ value: (Int, Int) -> Int) -> [UInt8] {
    var q = [UInt8](repeating: padding, count: m * stride)
    for i in 0..<m { for kk in 0..<k { q[i * stride + kk] = UInt8(value(i, kk)) } }
    return q
}

private func reference(m: Int, k: Int, n: Int, q: [UInt8], stride: Int, w: [Float]) -> [Int32] {
    var acc = [Int32](repeating: 0, count: m * n)
    rk_u8_reference_i32(m, k, q, stride, w.map { Int8($0) }, n, &acc, n)
    return acc
}

/// Every runnable path against the reference, over all panels in two calls split at the middle panel.
private func expectExact(m: Int, k: Int, n: Int, q: [UInt8], stride: Int, w: [Float], label: String) {
    let packed = packU8(w, n: n, k: k)
    let expected = reference(m: m, k: k, n: n, q: q, stride: stride, w: w)
    let panels = n / columns
    for isa in runnableU8Paths {
        var acc = [Int32](repeating: .min, count: m * n)
        rk_u8_gemm_i32(isa, m, k, q, stride, packed.values, 0, panels / 2, &acc, n)
        rk_u8_gemm_i32(isa, m, k, q, stride, packed.values, panels / 2, panels, &acc, n)
        #expect(acc == expected, "\(label) m \(m) k \(k) n \(n) stride \(stride) isa \(isa.rawValue)")
    }
}

/// A quantised row: scale, zero point and codes (padded width).
private struct QuantizedRow: Equatable {
    var scale: Float
    var zero: Int32
    var codes: [UInt8]
}

/// Quantises on every runnable path; all must agree.
private func quantize(_ x: [Float], k: Int? = nil, multiplier: [Float]? = nil)
    -> QuantizedRow
{
    let k = k ?? x.count
    var rows: [QuantizedRow] = []
    for isa in runnableU8Paths {
        var row = QuantizedRow(scale: .nan, zero: -1, codes: [UInt8](repeating: 99, count: rk_u8_padded_inputs(k)))
        row.scale = rk_u8_quantize_row(isa, x, k, multiplier, &row.codes, &row.zero)
        rows.append(row)
    }
    for (isa, row) in zip(runnableU8Paths, rows).dropFirst() { #expect(row == rows[0], "isa \(isa.rawValue)") }
    return rows[0]
}

@Suite struct U8KernelTests {
    @Test(arguments: [
        (1, 1, 16), (2, 2, 32), (3, 3, 48), (4, 4, 16), (5, 5, 32), (6, 7, 48), (7, 64, 16), (8, 383, 32),
        (9, 384, 48), (10, 768, 16), (11, 1536, 32), (12, 3072, 16), (13, 383, 768), (128, 5, 48), (128, 384, 32),
        (128, 768, 768), (1, 3072, 48), (13, 1536, 16),
    ])
    func everyU8PathEqualsTheScalarReference(m: Int, k: Int, n: Int) {
        var rng = SplitMix64(seed: UInt64(m * 100_000 + k * 100 + n))
        let w = integerWeights(n: n, k: k) { _, _ in Int(rng.next() % 127) - 63 }
        let padded = rk_u8_padded_inputs(k)
        // The padded width, and a wider stride whose extra bytes hold garbage codes against zero weights.
        for (stride, padding) in [(padded, UInt8(0)), (padded + 12, UInt8(0xAB))] {
            let q = codeRows(m: m, k: k, stride: stride, padding: padding) { _, _ in Int(rng.next() % 256) }
            expectExact(m: m, k: k, n: n, q: q, stride: stride, w: w, label: "random")
        }
    }

    @Test(arguments: [5, 384, 768, 3072, 133_674])
    func theLargestCodesCannotSaturateOrOverflowAnyPath(k: Int) {
        // 255 × ±63 everywhere: every vpmaddubsw pair at ±32,130, and at k = 133,674 sums of ±2,147,472,810,
        // the largest the int32 bound allows.
        let m = 7
        let n = k > 10_000 ? 16 : 32
        let cases: [(String, (Int, Int) -> Int, (Int, Int) -> Int)] = [
            ("255 x +63", { _, _ in 255 }, { _, _ in 63 }),
            ("255 x -63", { _, _ in 255 }, { _, _ in -63 }),
            ("255 x alternating", { _, _ in 255 }, { c, kk in (c + kk) % 2 == 0 ? 63 : -63 }),
            (
                "alternating x alternating", { i, kk in (i + kk) % 2 == 0 ? 255 : 0 },
                { c, kk in (c + kk) % 3 == 0 ? 63 : -63 }
            ),
        ]
        let stride = rk_u8_padded_inputs(k)
        for (label, a, b) in cases {
            let w = integerWeights(n: n, k: k, anchor: false, b)
            let q = codeRows(m: m, k: k, stride: stride, a)
            expectExact(m: m, k: k, n: n, q: q, stride: stride, w: w, label: label)
        }
        // The reference itself holds the bound's value: no path could match a wrapped sum by accident.
        let q = codeRows(m: 1, k: k, stride: stride) { _, _ in 255 }
        let allPositive = reference(
            m: 1, k: k, n: 16, q: q, stride: stride, w: integerWeights(n: 16, k: k, anchor: false) { _, _ in 63 })
        #expect(allPositive.allSatisfy { Int($0) == 255 * 63 * k })
    }

    @Test func aPanelSubRangeWritesOnlyItsColumns() {
        let (m, k, n) = (9, 100, 64)
        var rng = SplitMix64(seed: 41)
        let w = integerWeights(n: n, k: k) { _, _ in Int(rng.next() % 127) - 63 }
        let packed = packU8(w, n: n, k: k)
        let stride = rk_u8_padded_inputs(k) + 4
        let q = codeRows(m: m, k: k, stride: stride) { _, _ in Int(rng.next() % 256) }
        let expected = reference(m: m, k: k, n: n, q: q, stride: stride, w: w)
        for isa in runnableU8Paths {
            var acc = [Int32](repeating: .min, count: m * n)
            rk_u8_gemm_i32(isa, m, k, q, stride, packed.values, 1, 3, &acc, n)
            for i in 0..<m {
                for c in 0..<n {
                    let inRange = c >= columns && c < 3 * columns
                    #expect(acc[i * n + c] == (inRange ? expected[i * n + c] : .min), "isa \(isa.rawValue) \(i) \(c)")
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func theFloatProductIsTheFormulaOnEveryPath(accumulate: Bool) {
        let (m, k, n) = (13, 383, 48)
        var rng = SplitMix64(seed: 7)
        let w = (0..<(n * k)).map { _ in rng.nextNormal() }
        let packed = packU8(w, n: n, k: k)
        let stride = rk_u8_padded_inputs(k)
        let q = codeRows(m: m, k: k, stride: stride) { _, _ in Int(rng.next() % 256) }
        let rowScales = (0..<m).map { Float($0) * 0.013 + 0.002 }
        let rowZeros = (0..<m).map { Int32($0 * 19 % 256) }
        let prior = (0..<(m * n)).map { _ in rng.nextNormal() }
        // Plain weight codes read back from the panels, for the reference sums.
        let codes = (0..<(n * k)).map { Float(packed.code($0 / k, $0 % k)) }
        let sums = reference(m: m, k: k, n: n, q: q, stride: stride, w: codes)
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for c in 0..<n {
                let corrected = sums[i * n + c] - rowZeros[i] * packed.columnSums[c]
                let value = (Float(corrected) * rowScales[i]) * packed.scales[c]
                expected[i * n + c] = accumulate ? prior[i * n + c] + value : value
            }
        }
        for isa in runnableU8Paths {
            var out = accumulate ? prior : [Float](repeating: .nan, count: m * n)
            rk_u8_gemm(
                isa, m, k, q, stride, rowScales, rowZeros, packed.values, packed.scales, packed.columnSums, 0,
                n / columns, &out, n, accumulate ? 1 : 0)
            #expect(out == expected, "isa \(isa.rawValue) accumulate \(accumulate)")
        }
    }

    @Test func quantisationRoundsHalfToEven() {
        // Range 255 makes the step exactly 1, so the halves below are exact ties.
        let positive = quantize([0, 255, 0.5, 1.5, 2.5, 126.5, 127.5])
        #expect(positive.scale == 1 && positive.zero == 0)
        #expect(positive.codes == [0, 255, 0, 2, 2, 126, 128, 0])
        let shifted = quantize([-100, 155, -0.5, -1.5, -2.5, 2.5])
        #expect(shifted.scale == 1 && shifted.zero == 100)
        #expect(shifted.codes == [0, 255, 100, 98, 98, 102, 0, 0])
        // A tie in the zero point (127.5 → 128): the top code would be 256 and is clamped to 255.
        let clamped = quantize([-127.5, 127.5, 0])
        #expect(clamped.zero == 128)
        #expect(clamped.codes == [0, 255, 128, 0])
        // Ties through the vector loops (32 codes at a time) as well as the scalar tail.
        let halves = [-100, 155] + (0..<69).map { Float($0 - 40) + 0.5 }
        let wide = quantize(halves)
        #expect(wide.scale == 1 && wide.zero == 100)
        #expect(wide.codes[..<halves.count] == halves.map { UInt8($0.rounded(.toNearestOrEven) + 100) }[...])
    }

    @Test func quantisedCodesReconstructTheRowWithinHalfAStep() {
        var rng = SplitMix64(seed: 13)
        for (k, offset) in [(7, 0), (383, 0.7), (768, -2.5), (3072, 0.1), (33, 40)] as [(Int, Float)] {
            let x = (0..<k).map { _ in rng.nextNormal() * 3 + offset }
            let row = quantize(x)
            let low = min(0, x.min()!)
            let high = max(0, x.max()!)
            #expect(row.scale == (high - low) / 255)
            #expect(row.codes[k...].allSatisfy { $0 == 0 }, "zero padded")
            for (value, code) in zip(x, row.codes) {
                let reconstructed = Double(Int32(code) - row.zero) * Double(row.scale)
                #expect(abs(reconstructed - Double(value)) <= 0.5001 * Double(row.scale), "k \(k) \(value) \(code)")
            }
            // The row's extremes land on the ends of the code range.
            if low < 0 { #expect(row.codes[..<k].min() == 0) }
            if high > 0 { #expect(row.codes[..<k].max()! >= 254) }
        }
        // One-signed rows: the zero point is at an end of the range.
        #expect(quantize([1, 2, 3]).zero == 0)
        #expect(quantize([-1, -2, -3]).zero == 255)
    }

    @Test func anAllZeroRowQuantisesToZeros() {
        for k in [1, 7, 64] {
            let row = quantize([Float](repeating: 0, count: k))
            #expect(row.scale == 0 && row.zero == 0)
            #expect(row.codes.allSatisfy { $0 == 0 })
        }
    }

    @Test func quantisationScalesChannels() {
        var rng = SplitMix64(seed: 23)
        let source = (0..<6000).map { _ in rng.nextNormal() }
        for k in [1, 7, 31, 32, 33, 385, 768, 4096, 4097, 5000] {
            let multiplier = (0..<k).map { _ in rng.nextNormal() }
            let prefix = Array(source[..<k])
            #expect(quantize(source, k: k, multiplier: multiplier) == quantize(zip(prefix, multiplier).map { $0 * $1 }))
            // Channels coded elsewhere have factor 0: their codes are the zero point, worth nothing.
            let silenced = multiplier.enumerated().map { $0.offset % 5 == 2 ? 0 : $0.element }
            let row = quantize(source, k: k, multiplier: silenced)
            for i in stride(from: 2, to: k, by: 5) { #expect(Int32(row.codes[i]) == row.zero, "k \(k) channel \(i)") }
        }
    }

    @Test func everyPathQuantisesAlike() {
        // Ties at every step and odd widths that leave a scalar tail after the vector loops.
        var rng = SplitMix64(seed: 29)
        for k in [1, 7, 8, 9, 15, 31, 32, 33, 63, 767, 768, 3071] {
            let x = (0..<k).map { _ in Float(Int(rng.next() % 4001) - 1000) * 0.25 }
            _ = quantize(x)
            _ = quantize(x.map { $0 * 1e-3 })
        }
    }

    @Test func packingKeepsSevenBitCodesAndTheirColumnSums() {
        let (n, k) = (32, 13)
        var rng = SplitMix64(seed: 31)
        var w = (0..<(n * k)).map { _ in rng.nextNormal() }
        // Channel 0 ties at the halves (scale 1), channel 1 is all zero.
        let ties: [Float] = [63, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 62.5, -62.5, 0, 0, 0, -63]
        for kk in 0..<k {
            w[kk] = ties[kk]
            w[k + kk] = 0
        }
        let packed = packU8(w, n: n, k: k)
        #expect((0..<k).map { packed.code(0, $0) } == [63, 0, 2, 2, 0, -2, -2, 62, -62, 0, 0, 0, -63])
        #expect(packed.scales[0] == 1)
        #expect(packed.scales[1] == 1 && packed.columnSums[1] == 0 && (0..<k).allSatisfy { packed.code(1, $0) == 0 })
        for c in 0..<n {
            let codes = (0..<k).map { Int(packed.code(c, $0)) }
            let largest = (0..<k).map { abs(w[c * k + $0]) }.max()!
            #expect(codes.allSatisfy { abs($0) <= weightLimit })
            if largest > 0 {
                #expect(codes.map(abs).max() == weightLimit, "the largest weight takes the top code")
                #expect(packed.scales[c] == largest / Float(weightLimit))
            }
            #expect(Int(packed.columnSums[c]) == codes.reduce(0, +))
            // Inputs 13...15 pad the last group of 4 with zeros.
            #expect((k..<rk_u8_padded_inputs(k)).allSatisfy { packed.code(c, $0) == 0 })
        }
    }
}
