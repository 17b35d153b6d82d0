import Checkpoint
import Foundation
import Testing

@testable import Inference

/// LayerNorm as transformers defines it, in Double: (x − mean) / √(var + eps) · γ + β, biased variance.
private func referenceLayerNorm(_ x: [Float], gamma: [Float], beta: [Float], eps: Double) -> [Double] {
    let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
    let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(x.count)
    return x.indices.map {
        (Double(x[$0]) - mean) / (variance + eps).squareRoot() * Double(gamma[$0]) + Double(beta[$0])
    }
}

@Test(arguments: [1, 13, 32, 768, 771])
func layerNormRowsMatchTheDoubleDefinition(width: Int) {
    var rng = SplitMix64(seed: UInt64(width))
    func uniform() -> Float { Float(rng.next() % 1_000_000) / 500_000 - 1 }
    // An offset mean and a spread of scales, as residual streams have.
    let row = (0..<width).map { _ in 3 + 4 * uniform() }
    let gamma = (0..<width).map { _ in 1 + 0.5 * uniform() }
    let beta = (0..<width).map { _ in 0.1 * uniform() }
    let norm = LayerNormWeights(
        gamma: FloatTensor(shape: [width], copying: gamma), beta: FloatTensor(shape: [width], copying: beta))
    var data = row
    data.withUnsafeMutableBufferPointer {
        Elementwise.layerNormRow($0.baseAddress!, width: width, norm: norm, eps: 1e-12)
    }
    let expected = referenceLayerNorm(row, gamma: gamma, beta: beta, eps: 1e-12)
    for j in 0..<width { #expect(abs(Double(data[j]) - expected[j]) < 2e-6, "index \(j) of \(width)") }
}

@Test func biasResidualLayerNormAddsBothBeforeNormalising() {
    let width = 19
    let x = (0..<width).map { Float($0) * 0.25 - 2 }
    let bias = (0..<width).map { Float($0 % 5) * 0.1 }
    let residual = (0..<width).map { Float(width - $0) * 0.05 }
    let gamma = [Float](repeating: 1.5, count: width)
    let beta = [Float](repeating: -0.25, count: width)
    let norm = LayerNormWeights(
        gamma: FloatTensor(shape: [width], copying: gamma), beta: FloatTensor(shape: [width], copying: beta))
    var out = residual
    x.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer {
            Elementwise.biasResidualLayerNorm(
                input.baseAddress!, bias: FloatTensor(shape: [width], copying: bias), residual: $0.baseAddress!,
                rows: 0..<1, norm: norm, eps: 1e-5)
        }
    }
    let sums = (0..<width).map { x[$0] + bias[$0] + residual[$0] }
    let expected = referenceLayerNorm(sums, gamma: gamma, beta: beta, eps: 1e-5)
    for j in 0..<width { #expect(abs(Double(out[j]) - expected[j]) < 2e-6, "index \(j)") }
}
