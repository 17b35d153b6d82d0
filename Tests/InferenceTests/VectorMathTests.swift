import Checkpoint
import Foundation
import Testing

@testable import Inference

/// `count` evenly spaced floats from `low` to `high`.
private func samples(_ low: Float, _ high: Float, count: Int = 200_000) -> [Float] {
    (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
}

@Test func vectorExpMatchesLibmWithinTwoUlps() {
    let xs = samples(-87, 88)
    var worst: Float = 0
    for i in stride(from: 0, to: xs.count - 7, by: 8) {
        let v = VectorMath.exp(Float8(xs[i..<i + 8]))
        for k in 0..<8 {
            let expected = Foundation.exp(Double(xs[i + k]))
            worst = max(worst, Float(abs(Double(v[k]) - expected) / expected))
        }
    }
    #expect(worst < 2.5e-7, "worst relative error \(worst)")
}

@Test func vectorExpVanishesForVeryNegativeInputsAndIsExactAtZero() {
    let v = VectorMath.exp(Float8(-1000, -88, -87.5, 0, -0, 1, -1, 10))
    #expect(v[0] < 1e-37 && v[1] < 1e-37 && v[2] < 1e-37)
    #expect(v[3] == 1 && v[4] == 1)
    #expect(abs(v[5] - Float(M_E)) <= 2 * Float(M_E).ulp)
}

@Test func vectorErfIsWithinSixTenthsOfAMillionth() {
    let xs = samples(-6, 6)
    var worst: Float = 0
    for i in stride(from: 0, to: xs.count - 7, by: 8) {
        let v = VectorMath.erf(Float8(xs[i..<i + 8]))
        for k in 0..<8 { worst = max(worst, Float(abs(Double(v[k]) - Foundation.erf(Double(xs[i + k]))))) }
    }
    #expect(worst < 6e-7, "worst absolute error \(worst)")
}

@Test func geluRowsMatchTheScalarDefinitionIncludingTheTail() {
    let width = 13  // one vector of eight and a scalar tail of five
    var data = (0..<2 * width).map { Float($0) * 0.37 - 4.5 }
    let original = data
    let bias = FloatTensor(shape: [width], copying: (0..<width).map { Float($0) * 0.01 })
    data.withUnsafeMutableBufferPointer { Elementwise.biasGELU($0.baseAddress!, rows: 0..<2, bias) }
    for (i, x0) in original.enumerated() {
        let x = Double(x0) + Double(i % width) * 0.01
        let expected = 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
        #expect(abs(Double(data[i]) - expected) < 2e-6, "index \(i)")
    }
}

@Test func softmaxRowsSumToOneAndMatchTheDefinition() {
    let width = 19
    var data = (0..<width).map { sin(Float($0)) * 7 }
    let original = data
    data.withUnsafeMutableBufferPointer { Elementwise.softmaxRows($0.baseAddress!, rows: 1, width: width, ld: width) }
    let m = original.max()!
    let total = original.reduce(0.0) { $0 + Foundation.exp(Double($1 - m)) }
    for (x, y) in zip(original, data) {
        #expect(abs(Double(y) - Foundation.exp(Double(x - m)) / total) < 1e-7)
    }
}
