// Byte-coded int8 products: the plan calibration picks (smoothing factors, outlier channels), calibration
// on the first input, one plan per input, and the calibrated product's accuracy and row independence.
import Checkpoint
import Foundation
import TestSupport
import Testing

@testable import Inference

@Test func thePlanSmoothsEveryChannelAndKeepsTheWidestAsInt16() {
    // 60 channels: 3% rounds up to one pair; channels 7 and 42 have by far the widest inputs.
    var ranges = [Float](repeating: 1, count: 60)
    ranges[7] = 50
    ranges[42] = 80
    ranges[3] = 0  // never active in calibration: floored, not infinite
    let columnMax = [Float](repeating: 0.25, count: 60)
    let plan = InputChannelPlan(ranges: ranges, columnMax: columnMax)
    #expect(plan.wideChannels == [7, 42])
    // The int16-coded channels have no byte part: factor 0 and a zero weight column.
    #expect(plan.multipliers[7] == 0 && plan.multipliers[42] == 0)
    #expect(plan.smoothing[7] == 0 && plan.smoothing[42] == 0)
    // s_j = r_j^0.5 / max|W_j|^0.5 = sqrt(1 / 0.25) = 2 for an ordinary channel.
    #expect(abs(plan.smoothing[0] - 2) < 1e-6)
    #expect(abs(plan.multipliers[0] - 0.5) < 1e-6)
    // The silent channel's range is floored at 1% of the mean range.
    let floor: Float = (57 + 50 + 80) / 60 * 0.01
    #expect(abs(plan.smoothing[3] - (floor / 0.25).squareRoot()) < 1e-5)
    for j in 0..<60 where j != 7 && j != 42 {
        let (s, m) = (plan.smoothing[j], plan.multipliers[j])
        #expect(s.isFinite && s > 0 && abs(s * m - 1) < 1e-6)
    }
}

@Test func aSmallProductKeepsAtLeastOnePairAsInt16() {
    let plan = InputChannelPlan(ranges: [1, 9, 1, 1], columnMax: [1, 1, 1, 1])
    #expect(plan.wideChannels.count == 2)
    #expect(plan.wideChannels.contains(1))
}

/// x · Wᵀ in Double.
private func reference(_ x: [Float], rows: Int, _ w: [Float], n: Int, k: Int) -> [Double] {
    var out = [Double](repeating: 0, count: rows * n)
    for i in 0..<rows {
        for c in 0..<n {
            var sum = 0.0
            for j in 0..<k { sum += Double(x[i * k + j]) * Double(w[c * k + j]) }
            out[i * n + c] = sum
        }
    }
    return out
}

@Test(arguments: [1, 2])
func aCalibratedProductIsCloseToFp32AndRowIndependent(threads: Int) throws {
    let n = 48
    let k = 200
    var rng = SplitMix64(seed: 11)
    func uniform() -> Float { Float(rng.next() % 20_001) / 10_000 - 1 }
    let w = (0..<n * k).map { _ in uniform() }
    // Inputs with two outlier channels, as LayerNorm outputs of a transformer have.
    func row() -> [Float] { (0..<k).map { j in uniform() * (j == 5 ? 40 : j == 120 ? 25 : 1) } }
    let calibration = (0..<8).flatMap { _ in row() }
    let rows = 9
    let x = (0..<rows).flatMap { _ in row() }
    let weight = try #require(ByteCodedWeight(FloatTensor(shape: [n, k], copying: w)))
    let parallel = Parallel(threads: threads)

    // The first input calibrates the product and is itself multiplied in int8.
    #expect(!weight.isCalibrated)
    var calibrated = [Float](repeating: 0, count: 8 * n)
    weight.times(calibration, rows: 8, into: &calibrated, parallel: parallel)
    #expect(weight.isCalibrated)
    let plan = try #require(weight.plan)
    // 3% of 200 channels keep int16 codes, the two outlier channels among them.
    #expect(plan.wideChannels.count == 6 && plan.wideChannels.contains(5) && plan.wideChannels.contains(120))
    var again = [Float](repeating: 0, count: 8 * n)
    weight.times(calibration, rows: 8, into: &again, parallel: parallel)
    #expect(again == calibrated, "calibration does not change the plan a second time")
    #expect(weight.plan === plan)

    var together = [Float](repeating: 0, count: rows * n)
    weight.times(x, rows: rows, into: &together, parallel: parallel)
    let exact = reference(x, rows: rows, w, n: n, k: k)
    var signal = 0.0
    var noise = 0.0
    for (a, b) in zip(together, exact) {
        signal += b * b
        noise += (Double(a) - b) * (Double(a) - b)
    }
    // 8-bit codes on both sides (7-bit weights), outliers as int16: above 30 dB on these inputs.
    #expect(10 * log10(signal / noise) > 30)
    for i in 0..<rows {
        var alone = [Float](repeating: 0, count: n)
        Array(x[i * k..<(i + 1) * k]).withUnsafeBufferPointer { input in
            weight.times(input.baseAddress!, rows: 1, into: &alone, parallel: parallel)
        }
        #expect(alone == Array(together[i * n..<(i + 1) * n]), "row \(i) bit for bit alone and in the batch")
    }
}

@Test func productsOfOneInputShareOnePlan() throws {
    let k = 64
    var rng = SplitMix64(seed: 3)
    func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.next() % 2_001) / 1_000 - 1 } }
    let weights = try (0..<3).map { _ in try #require(ByteCodedWeight(FloatTensor(shape: [32, k], copying: values(32 * k)))) }
    let x = values(4 * k)
    let outs = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: 4 * 32) }
    defer { for out in outs { out.deallocate() } }
    ByteCodedWeight.times(x, rows: 4, Array(zip(weights, outs)), parallel: Parallel(threads: 1))
    #expect(weights.allSatisfy { $0.isCalibrated })
    let plan = try #require(weights[0].plan)
    #expect(weights[1].plan === plan && weights[2].plan === plan)
    // A product calibrated alone has a plan of its own.
    let alone = try #require(ByteCodedWeight(FloatTensor(shape: [32, k], copying: values(32 * k))))
    var out = [Float](repeating: 0, count: 4 * 32)
    alone.times(x, rows: 4, into: &out, parallel: Parallel(threads: 1))
    #expect(alone.plan !== plan)
}

@Test func calibrationSplitOverThreadsPacksWhatOneThreadPacks() throws {
    // 80 outputs: five panels, split unevenly between two threads; 300 inputs, so 10 are int16-coded.
    let (n, k, rows) = (80, 300, 7)
    var rng = SplitMix64(seed: 5)
    func uniform() -> Float { Float(rng.next() % 20_001) / 10_000 - 1 }
    let w = (0..<n * k).map { index in uniform() * (index % k == 17 ? 6 : 1) }
    let x = (0..<rows * k).map { index in uniform() * (index % k == 40 ? 30 : 1) }
    var outputs: [[Float]] = []
    for threads in [1, 2] {
        let weight = try #require(ByteCodedWeight(FloatTensor(shape: [n, k], copying: w)))
        var out = [Float](repeating: 0, count: rows * n)
        weight.times(x, rows: rows, into: &out, parallel: Parallel(threads: threads))
        #expect(weight.plan?.wideChannels.count == 10)
        // The second call multiplies with the packed weight alone (the first one also calibrated).
        weight.times(x, rows: rows, into: &out, parallel: Parallel(threads: 1))
        outputs.append(out)
    }
    #expect(outputs[0] == outputs[1], "the same codes, scales and sums whichever thread packed a panel")
}

@Test func aProductThatNeverRanIsStillQuantised() throws {
    let weight = try #require(ByteCodedWeight(FloatTensor(shape: [16, 8], copying: (0..<128).map { Float($0 % 7) - 3 })))
    weight.finishCalibration(parallel: Parallel(threads: 2))
    let plan = try #require(weight.plan)
    #expect(plan.wideChannels.count == 2)
    #expect(plan.smoothing.allSatisfy { $0.isFinite })
}
