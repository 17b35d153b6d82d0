// The int8 kernels: every path this CPU runs equals the scalar int32 reference bit for bit (random,
// adversarial and edge shapes); quantisation rounds half to even, never writes −128 and handles zero
// rows; and an int8 engine's scores do not depend on the rest of the batch.
import CKernels
import Checkpoint
import TestSupport
import Testing

@testable import Inference

private let allPaths: [(rk_q8_isa, String)] = [
    (RK_Q8_PORTABLE, "portable"), (RK_Q8_AVX2, "avx2"), (RK_Q8_AVX512VNNI, "avx512vnni"),
]

/// The paths this CPU runs; the others are reported as skipped, with the reason, on stdout.
private let runnablePaths: [rk_q8_isa] = allPaths.compactMap { isa, name in
    if rk_q8_supports(isa) != 0 { return isa }
    print("int8 kernel test: skipping the \(name) path: this CPU does not have it")
    return nil
}

/// Integer weights in ±127 whose every row holds a 127, so quantisation keeps them exactly (scale 1).
private func integerWeights(n: Int, k: Int, _ value: (Int, Int) -> Int) -> [Float] {
    var w = [Float](repeating: 0, count: n * k)
    for c in 0..<n {
        for kk in 0..<k { w[c * k + kk] = Float(value(c, kk)) }
        w[c * k] = 127
    }
    return w
}

private struct Packed {
    var values: [Int8]
    var scales: [Float]
    var sums: [Int32]
}

private func pack(_ w: [Float], n: Int, k: Int) -> Packed {
    var p = Packed(
        values: [Int8](repeating: 0, count: n * rk_q8_padded_inputs(k)), scales: [Float](repeating: 0, count: n),
        sums: [Int32](repeating: 0, count: n))
    rk_q8_pack(w, n, k, &p.values, &p.scales, &p.sums)
    return p
}

/// Rows of int8 activations with stride rk_q8_padded_inputs(k), zero padded.
private func activationRows(m: Int, k: Int, _ value: (Int, Int) -> Int) -> [Int8] {
    let stride = rk_q8_padded_inputs(k)
    var q = [Int8](repeating: 0, count: m * stride)
    for i in 0..<m { for kk in 0..<k { q[i * stride + kk] = Int8(value(i, kk)) } }
    return q
}

/// Every runnable path against the reference, over all panels and over a split of the panels.
private func expectExact(m: Int, k: Int, n: Int, q: [Int8], w: [Float], label: String) {
    let packed = pack(w, n: n, k: k)
    let stride = rk_q8_padded_inputs(k)
    let wInt = w.map { Int8($0) }
    var reference = [Int32](repeating: 0, count: m * n)
    rk_q8_reference_i32(m, k, q, stride, wInt, n, &reference, n)
    let panels = n / Int(RK_Q8_COLS)
    for isa in runnablePaths {
        var acc = [Int32](repeating: .min, count: m * n)
        rk_q8_gemm_i32(isa, m, k, q, stride, packed.values, packed.sums, 0, panels / 2, &acc, n)
        rk_q8_gemm_i32(isa, m, k, q, stride, packed.values, packed.sums, panels / 2, panels, &acc, n)
        #expect(acc == reference, "\(label) m \(m) k \(k) n \(n) isa \(isa.rawValue)")
    }
}

@Test(arguments: [
    (1, 1, 16), (1, 4, 16), (2, 3, 32), (3, 5, 16), (4, 8, 48), (5, 31, 32), (7, 64, 16), (8, 96, 64),
    (9, 383, 32), (13, 384, 48), (200, 67, 32), (3, 1536, 16),
])
func everyInt8PathEqualsTheScalarReference(m: Int, k: Int, n: Int) {
    var rng = SplitMix64(seed: UInt64(m * 10_000 + k * 100 + n))
    let q = activationRows(m: m, k: k) { _, _ in Int(rng.next() % 255) - 127 }
    let w = integerWeights(n: n, k: k) { _, _ in Int(rng.next() % 255) - 127 }
    expectExact(m: m, k: k, n: n, q: q, w: w, label: "random")
}

@Test(arguments: [5, 384, 3072])
func adversarialRowsCannotSaturateAnyPath(k: Int) {
    // All +127 activations are the VNNI path's all-255 unsigned bytes; against ±127 weights every
    // pair of products is at the edge of vpmaddubsw's int16 range on the AVX2 path.
    let m = 5
    let n = 32
    let cases: [(String, (Int, Int) -> Int, (Int, Int) -> Int)] = [
        ("255 x +127", { _, _ in 127 }, { _, _ in 127 }),
        ("255 x -127", { _, _ in 127 }, { _, kk in kk == 0 ? 127 : -127 }),
        ("-127 x +127", { _, _ in -127 }, { _, _ in 127 }),
        ("-127 x -127", { _, _ in -127 }, { _, kk in kk == 0 ? 127 : -127 }),
        ("alternating", { i, kk in (i + kk) % 2 == 0 ? 127 : -127 }, { c, kk in (c + kk) % 3 == 0 ? 127 : -127 }),
    ]
    for (label, a, b) in cases {
        expectExact(m: m, k: k, n: n, q: activationRows(m: m, k: k, a), w: integerWeights(n: n, k: k, b), label: label)
    }
}

@Test func theFloatProductIsIdenticalOnEveryPath() {
    let m = 11
    let k = 100
    let n = 48
    var rng = SplitMix64(seed: 3)
    let w = (0..<(n * k)).map { _ in rng.nextNormal() }
    let packed = pack(w, n: n, k: k)
    let q = activationRows(m: m, k: k) { _, _ in Int(rng.next() % 255) - 127 }
    let rowScales = (0..<m).map { Float($0) * 0.01 + 0.003 }
    var results: [[Float]] = []
    for isa in runnablePaths {
        var out = [Float](repeating: .nan, count: m * n)
        rk_q8_gemm(
            isa, m, k, q, rk_q8_padded_inputs(k), rowScales, nil, 0, nil, 0, packed.values, packed.sums,
            packed.scales, 0, n / Int(RK_Q8_COLS), &out, n)
        // Two float channels added to each row, as for a row's outliers.
        let x = (0..<k).map { Float($0) * 0.37 - 11 }
        let channels: [UInt32] = [97, 3]
        for row in 0..<m {
            out.withUnsafeMutableBufferPointer {
                rk_q8_add_inputs(
                    isa, k, x, channels, 2, packed.values, packed.scales, 0, n / Int(RK_Q8_COLS),
                    $0.baseAddress! + row * n)
            }
        }
        results.append(out)
        // The same outliers fused into the product, panel by panel: the same floats.
        var fused = [Float](repeating: .nan, count: m * n)
        let perRow = (0..<m).flatMap { _ in channels }
        rk_q8_gemm(
            isa, m, k, q, rk_q8_padded_inputs(k), rowScales, x, 0,
            perRow, 2, packed.values, packed.sums, packed.scales, 0, n / Int(RK_Q8_COLS), &fused, n)
        #expect(fused == out)
    }
    #expect(results.allSatisfy { $0 == results[0] })
    #expect(!results[0].contains { $0.isNaN })
}

@Test func quantisationRoundsHalfToEvenAndNeverWritesMinus128() {
    // max 127 makes the step exactly 1, so the halves below are exact ties.
    let x: [Float] = [127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -127, 126.5]
    var q = [Int8](repeating: 99, count: rk_q8_padded_inputs(x.count))
    var none: [UInt32] = [0]
    let max = rk_q8_select_outliers(x, x.count, 0, &none)
    #expect(max == 127)
    let scale = rk_q8_quantize_row(x, x.count, max, none, 0, &q)
    #expect(scale == 1)
    #expect(q == [127, 0, 2, 2, 0, -2, -2, -127, 126, 0, 0, 0])
    // A value beyond the maximum handed in clamps to ±127, never −128.
    let wide: [Float] = [-1000, 10]
    var q2 = [Int8](repeating: 0, count: 4)
    _ = rk_q8_quantize_row(wide, 2, 10, none, 0, &q2)
    #expect(q2 == [-127, 127, 0, 0])
}

@Test func anAllZeroRowQuantisesToZerosWithScaleZero() {
    let x = [Float](repeating: 0, count: 7)
    var q = [Int8](repeating: 5, count: 8)
    var none: [UInt32] = [0]
    let max = rk_q8_select_outliers(x, 7, 0, &none)
    #expect(rk_q8_quantize_row(x, 7, max, none, 0, &q) == 0)
    #expect(q.allSatisfy { $0 == 0 })
    // An all-zero weight channel gets scale 1 and zero codes.
    let packed = pack([Float](repeating: 0, count: 16 * 4), n: 16, k: 4)
    #expect(packed.scales.allSatisfy { $0 == 1 } && packed.values.allSatisfy { $0 == 0 })
}

@Test func outliersAreTheLargestMagnitudesAndLeaveTheRestsMaximum() {
    let x: [Float] = [1, -9, 3, 9, -2, 8, 0.5]
    var channels = [UInt32](repeating: 99, count: 3)
    let rest = rk_q8_select_outliers(x, x.count, 3, &channels)
    // Ties keep the lower index first.
    #expect(channels == [1, 3, 5])
    #expect(rest == 3)
    var q = [Int8](repeating: 1, count: 8)
    let scale = rk_q8_quantize_row(x, x.count, rest, channels, 3, &q)
    #expect(scale == Float(3) / 127)
    #expect(q[1] == 0 && q[3] == 0 && q[5] == 0 && q[2] == 127)
}

private let int8Config = ModelConfig(
    layout: .sequenceClassification, vocabSize: 50, hiddenSize: 64, layerCount: 2, headCount: 4,
    intermediateSize: 128, maxPositions: 96, rewardHiddenSize: 8)

@Test(arguments: [1, 2])
func int8ScoresDoNotDependOnTheRestOfTheBatch(threads: Int) throws {
    for layout in [HeadLayout.sequenceClassification, .bertReward] {
        var config = int8Config
        config.layout = layout
        let model = try RewardEngine(
            config: config, weights: InMemoryWeights(checkpointArrays(config, seed: 5)), threads: threads,
            precision: .int8)
        #expect(model.int8Kernel != nil)
        var rng = SplitMix64(seed: 17)
        let lengths = [1, 7, 90, 3, 33, 2, 17, 64, 5, 96]
        let inputs = lengths.map { length in TokenSequence(ids: (0..<length).map { _ in Int32(rng.next() % 50) }) }
        let alone = try inputs.map { try model.scores([$0])[0] }
        let together = try model.scores(inputs)
        let reversed = Array(try model.scores(inputs.reversed()).reversed())
        #expect(Set(alone).count == alone.count, "distinct inputs should give distinct scores")
        #expect(alone == together, "bit for bit, \(layout)")
        #expect(alone == reversed, "bit for bit, \(layout)")
        // Close to fp32 on these random weights (a loose bound: the accuracy test holds the real one).
        let fp32 = try RewardEngine(
            config: config, weights: InMemoryWeights(checkpointArrays(config, seed: 5)), threads: threads)
        let exact = try fp32.scores(inputs)
        for (a, b) in zip(alone, exact) { #expect(abs(a - b) <= 0.1 * max(1, abs(b))) }
    }
}

@Test func theInt8EngineQuantisesEveryEncoderProduct() throws {
    let model = try RewardEngine(
        config: int8Config, weights: InMemoryWeights(checkpointArrays(int8Config)), threads: 1, precision: .int8)
    #expect(model.precision == .int8)
    // Every product of every layer but the last, which stays fp32.
    #expect(model.quantizedProducts == 1 * 6)
}
