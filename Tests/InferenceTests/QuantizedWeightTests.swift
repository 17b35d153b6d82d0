// The int8 kernels: every path this CPU runs equals the scalar int32 reference bit for bit (random,
// adversarial and edge shapes, activations at the overflow bound); quantisation rounds half to even,
// stays within the bound, is the same on every path and handles zero rows; and an int8 engine's scores
// do not depend on the rest of the batch.
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
}

private func pack(_ w: [Float], n: Int, k: Int) -> Packed {
    var p = Packed(
        values: [Int8](repeating: 0, count: n * rk_q8_padded_inputs(k)), scales: [Float](repeating: 0, count: n))
    rk_q8_pack(w, n, k, &p.values, &p.scales)
    return p
}

/// Rows of int16 activation codes with stride rk_q8_padded_inputs(k), zero padded.
private func activationRows(m: Int, k: Int, _ value: (Int, Int) -> Int) -> [Int16] {
    let stride = rk_q8_padded_inputs(k)
    var q = [Int16](repeating: 0, count: m * stride)
    for i in 0..<m { for kk in 0..<k { q[i * stride + kk] = Int16(value(i, kk)) } }
    return q
}

/// Every runnable path against the reference, over all panels and over a split of the panels.
private func expectExact(m: Int, k: Int, n: Int, q: [Int16], w: [Float], label: String) {
    let packed = pack(w, n: n, k: k)
    let stride = rk_q8_padded_inputs(k)
    let wInt = w.map { Int8($0) }
    var reference = [Int32](repeating: 0, count: m * n)
    rk_q8_reference_i32(m, k, q, stride, wInt, n, &reference, n)
    let panels = n / Int(RK_Q8_COLS)
    for isa in runnablePaths {
        var acc = [Int32](repeating: .min, count: m * n)
        rk_q8_gemm_i32(isa, m, k, q, stride, packed.values, 0, panels / 2, &acc, n)
        rk_q8_gemm_i32(isa, m, k, q, stride, packed.values, panels / 2, panels, &acc, n)
        #expect(acc == reference, "\(label) m \(m) k \(k) n \(n) isa \(isa.rawValue)")
    }
}

@Test(arguments: [
    (1, 1, 16), (1, 4, 16), (2, 3, 32), (3, 5, 16), (4, 8, 48), (5, 31, 32), (6, 64, 16), (7, 64, 16),
    (8, 96, 64), (9, 383, 32), (12, 100, 16), (13, 384, 48), (25, 77, 32), (200, 67, 32), (3, 1536, 16),
])
func everyInt8PathEqualsTheScalarReference(m: Int, k: Int, n: Int) {
    var rng = SplitMix64(seed: UInt64(m * 10_000 + k * 100 + n))
    let limit = UInt64(rk_q8_activation_limit(k))
    let q = activationRows(m: m, k: k) { _, _ in Int(rng.next() % (2 * limit + 1)) - Int(limit) }
    let w = integerWeights(n: n, k: k) { _, _ in Int(rng.next() % 255) - 127 }
    expectExact(m: m, k: k, n: n, q: q, w: w, label: "random")
}

@Test(arguments: [5, 384, 768, 3072, 8191])
func activationsAtTheBoundCannotOverflowAnyPath(k: Int) {
    // Every product at ±limit · ±127, all with one sign: the largest sums the bound allows.
    let m = 7
    let n = 32
    let limit = Int(rk_q8_activation_limit(k))
    let cases: [(String, (Int, Int) -> Int, (Int, Int) -> Int)] = [
        ("+limit x +127", { _, _ in limit }, { _, _ in 127 }),
        ("+limit x -127", { _, _ in limit }, { _, kk in kk == 0 ? 127 : -127 }),
        ("-limit x +127", { _, _ in -limit }, { _, _ in 127 }),
        ("-limit x -127", { _, _ in -limit }, { _, kk in kk == 0 ? 127 : -127 }),
        ("alternating", { i, kk in (i + kk) % 2 == 0 ? limit : -limit }, { c, kk in (c + kk) % 3 == 0 ? 127 : -127 }),
    ]
    for (label, a, b) in cases {
        expectExact(m: m, k: k, n: n, q: activationRows(m: m, k: k, a), w: integerWeights(n: n, k: k, b), label: label)
    }
}

@Test func theActivationBoundKeepsEverySumWithinInt32() {
    for k in [1, 2, 3, 64, 767, 768, 3072, 4096, 100_000] {
        let limit = Int(rk_q8_activation_limit(k))
        let padded = rk_q8_padded_inputs(k)
        #expect(limit * 127 * padded <= Int(Int32.max), "k \(k)")
        #expect(limit == Int(RK_Q8_MAX_ACTIVATION) || (limit + 1) * 127 * padded > Int(Int32.max), "k \(k)")
    }
    #expect(rk_q8_activation_limit(768) == 22_017)
    #expect(rk_q8_activation_limit(3072) == 5_504)
}

@Test func theFloatProductIsIdenticalOnEveryPath() {
    let m = 11
    let k = 100
    let n = 48
    var rng = SplitMix64(seed: 3)
    let w = (0..<(n * k)).map { _ in rng.nextNormal() }
    let packed = pack(w, n: n, k: k)
    let q = activationRows(m: m, k: k) { _, _ in Int(rng.next() % 20_001) - 10_000 }
    let rowScales = (0..<m).map { Float($0) * 0.01 + 0.003 }
    var results: [[Float]] = []
    for isa in runnablePaths {
        var out = [Float](repeating: .nan, count: m * n)
        rk_q8_gemm(
            isa, m, k, q, rk_q8_padded_inputs(k), rowScales, packed.values, packed.scales, 0, n / Int(RK_Q8_COLS),
            &out, n)
        results.append(out)
    }
    #expect(results.allSatisfy { $0 == results[0] })
    #expect(!results[0].contains { $0.isNaN })
}

/// Quantises `x` on every runnable path; all must agree.
private func quantize(_ x: [Float]) -> (scale: Float, codes: [Int16]) {
    var results: [(Float, [Int16])] = []
    for isa in runnablePaths {
        var q = [Int16](repeating: 99, count: rk_q8_padded_inputs(x.count))
        let scale = rk_q8_quantize_row(isa, x, x.count, &q)
        results.append((scale, q))
    }
    for r in results.dropFirst() { #expect(r.0 == results[0].0 && r.1 == results[0].1) }
    return results[0]
}

@Test func quantisationRoundsHalfToEvenWithinTheBound() {
    // max 32,767 makes the step exactly 1 (the bound at this width), so the halves below are exact ties.
    #expect(rk_q8_activation_limit(9) == 32_767)
    let x: [Float] = [32_767, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -32_767, 126.5]
    let (scale, q) = quantize(x)
    #expect(scale == 1)
    #expect(q == [32_767, 0, 2, 2, 0, -2, -2, -32_767, 126, 0])
    // At k = 3,072 the codes stay within ±5,504, the largest magnitude landing on the bound.
    var rng = SplitMix64(seed: 11)
    let wide = (0..<3072).map { _ in rng.nextNormal() * 3 }
    let (wideScale, codes) = quantize(wide)
    let largest = wide.map { abs($0) }.max()!
    #expect(wideScale == largest / 5_504)
    #expect(codes.map { abs(Int($0)) }.max() == 5_504)
}

@Test func everyPathQuantisesAlike() {
    // Ties at every step and odd widths that leave a scalar tail after the vector loop.
    var rng = SplitMix64(seed: 29)
    for k in [1, 7, 15, 16, 17, 33, 767, 768, 3071] {
        let x = (0..<k).map { _ in Float(Int(rng.next() % 4001) - 2000) * 0.25 }
        _ = quantize(x)
    }
}

@Test func anAllZeroRowQuantisesToZerosWithScaleZero() {
    let (scale, q) = quantize([Float](repeating: 0, count: 7))
    #expect(scale == 0)
    #expect(q.allSatisfy { $0 == 0 })
    // An all-zero weight channel gets scale 1 and zero codes.
    let packed = pack([Float](repeating: 0, count: 16 * 4), n: 16, k: 4)
    #expect(packed.scales.allSatisfy { $0 == 1 } && packed.values.allSatisfy { $0 == 0 })
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
            precision: .int8, calibration: calibrationSequences(vocab: 50))
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

/// Random token ids standing in for calibration text (the tokenizer-free tests have none).
func calibrationSequences(vocab: Int) -> [TokenSequence] {
    var rng = SplitMix64(seed: 99)
    return [12, 30, 48].map { n in TokenSequence(ids: (0..<n).map { _ in Int32(rng.next() % UInt64(vocab)) }) }
}

@Test func theInt8EngineQuantisesEveryEncoderProduct() throws {
    let model = try RewardEngine(
        config: int8Config, weights: InMemoryWeights(checkpointArrays(int8Config)), threads: 1, precision: .int8,
        calibration: calibrationSequences(vocab: 50))
    #expect(model.precision == .int8)
    // Every product of every layer but the last, which stays fp32; all but the feed-forward output
    // on byte-coded inputs.
    #expect(model.quantizedProducts == 1 * 6)
    #expect(model.byteCodedProducts == 1 * 5)
}

/// The calibration pass is counted and timed (start-up's warm-up takes its rate); an fp32 engine has none.
@Test func anInt8EngineReportsItsCalibrationPass() throws {
    let int8 = try RewardEngine(
        config: int8Config, weights: InMemoryWeights(checkpointArrays(int8Config)), threads: 1, precision: .int8,
        calibration: calibrationSequences(vocab: 50))
    let pass = try #require(int8.calibrationPass)
    #expect(pass.tokens == calibrationSequences(vocab: 50).reduce(0) { $0 + $1.ids.count })
    #expect(pass.duration > .zero)
    let fp32 = try RewardEngine(config: int8Config, weights: InMemoryWeights(checkpointArrays(int8Config)), threads: 1)
    #expect(fp32.calibrationPass == nil)
}

@Test func int8WithoutCalibrationSequencesIsRefused() {
    #expect(throws: EngineError.calibrationMissing) {
        try RewardEngine(
            config: int8Config, weights: InMemoryWeights(checkpointArrays(int8Config)), threads: 1, precision: .int8)
    }
}

/// A batch whose codes outgrow the retained scratch (`CodeScratch.retainedBytes`) gets a block of its
/// own; its rows come out as they do alone, through the retained block.
@Test func aBatchTooLargeForTheRetainedScratchMultipliesAsItsRowsAlone() throws {
    let (n, k) = (16, 3072)
    let rows = CodeScratch.retainedBytes / (k * 2) + 3
    let w = (0..<n * k).map { Float(($0 * 37) % 201 - 100) / 100 }
    let weight = try #require(QuantizedWeight(FloatTensor(shape: [n, k], copying: w)))
    let x = (0..<rows * k).map { Float(($0 * 13) % 97 - 48) / 16 }
    var together = [Float](repeating: 0, count: rows * n)
    weight.times(x, rows: rows, into: &together, parallel: Parallel(threads: 2))
    for row in [0, rows / 2, rows - 1] {
        var alone = [Float](repeating: 0, count: n)
        Array(x[row * k..<(row + 1) * k]).withUnsafeBufferPointer { input in
            weight.times(input.baseAddress!, rows: 1, into: &alone, parallel: Parallel(threads: 1))
        }
        #expect(alone == Array(together[row * n..<(row + 1) * n]), "row \(row)")
    }
    #expect(together.contains { $0 != 0 })
}
