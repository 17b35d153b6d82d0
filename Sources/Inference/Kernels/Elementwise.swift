// The non-GEMM passes of a BERT layer, each fused so a row is read and written once:
// bias + exact GELU, bias + residual + LayerNorm, row softmax. Pure functions on raw rows.
import Foundation

enum Elementwise {
    /// `row[j] += bias[j]` over `rows` of width `bias.count`.
    static func addBias(_ data: UnsafeMutablePointer<Float>, rows: Range<Int>, _ bias: FloatTensor) {
        let width = bias.values.count
        let b = bias.values.baseAddress!
        for r in rows {
            let row = data + r * width
            for j in 0..<width { row[j] += b[j] }
        }
    }

    /// `x = gelu(x + bias)` with the exact erf form transformers uses for `hidden_act: "gelu"`.
    static func biasGELU(_ data: UnsafeMutablePointer<Float>, rows: Range<Int>, _ bias: FloatTensor) {
        let width = bias.values.count
        let b = bias.values.baseAddress!
        let invSqrt2 = Float(0.70710678118654752440)
        for r in rows {
            let row = data + r * width
            for j in 0..<width {
                let x = row[j] + b[j]
                row[j] = 0.5 * x * (1 + erf(x * invSqrt2))
            }
        }
    }

    /// `residual = LayerNorm(x + bias + residual)`, written back into `residual`.
    static func biasResidualLayerNorm(
        _ x: UnsafePointer<Float>, bias: FloatTensor, residual: UnsafeMutablePointer<Float>, rows: Range<Int>,
        norm: LayerNormWeights, eps: Float
    ) {
        let width = bias.values.count
        let b = bias.values.baseAddress!
        for r in rows {
            let row = residual + r * width
            let input = x + r * width
            for j in 0..<width { row[j] = input[j] + b[j] + row[j] }
            layerNormRow(row, width: width, norm: norm, eps: eps)
        }
    }

    /// LayerNorm of one row in place; statistics accumulated in Double so long rows stay exact.
    static func layerNormRow(_ row: UnsafeMutablePointer<Float>, width: Int, norm: LayerNormWeights, eps: Float) {
        var sum = 0.0
        for j in 0..<width { sum += Double(row[j]) }
        let mean = sum / Double(width)
        var squares = 0.0
        for j in 0..<width {
            let d = Double(row[j]) - mean
            squares += d * d
        }
        let inverseStd = 1 / (squares / Double(width) + Double(eps)).squareRoot()
        let gamma = norm.gamma.values.baseAddress!, beta = norm.beta.values.baseAddress!
        let m = Float(mean), s = Float(inverseStd)
        for j in 0..<width { row[j] = (row[j] - m) * s * gamma[j] + beta[j] }
    }

    /// Softmax of each row of a `rows × width` block with leading dimension `ld`, in place.
    static func softmaxRows(_ data: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) {
        for r in 0..<rows {
            let row = data + r * ld
            var maximum = -Float.infinity
            for j in 0..<width { maximum = max(maximum, row[j]) }
            var sum: Float = 0
            for j in 0..<width {
                let e = exp(row[j] - maximum)
                row[j] = e
                sum += e
            }
            let scale = 1 / sum
            for j in 0..<width { row[j] *= scale }
        }
    }
}
