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

    /// `x = gelu(x + bias)` with the erf form transformers uses for `hidden_act: "gelu"`.
    static func biasGELU(_ data: UnsafeMutablePointer<Float>, rows: Range<Int>, _ bias: FloatTensor) {
        let width = bias.values.count
        let b = bias.values.baseAddress!
        let vectorWidth = width - width % 8
        for r in rows {
            let row = data + r * width
            var j = 0
            while j < vectorWidth {
                let x = Float8.load(row + j) + Float8.load(b + j)
                let y = 0.5 * x * (1 + VectorMath.erf(x * 0.707_106_781))
                y.store(to: row + j)
                j += 8
            }
            for k in vectorWidth..<width {
                let x = row[k] + b[k]
                row[k] = 0.5 * x * (1 + Foundation.erf(x * 0.707_106_781))
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
        let gamma = norm.gamma.values.baseAddress!
        let beta = norm.beta.values.baseAddress!
        let m = Float(mean)
        let s = Float(inverseStd)
        for j in 0..<width { row[j] = (row[j] - m) * s * gamma[j] + beta[j] }
    }

    /// Softmax of each row of a `rows × width` block with leading dimension `ld`, in place.
    static func softmaxRows(_ data: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) {
        let vectorWidth = width - width % 8
        for r in 0..<rows {
            let row = data + r * ld
            var maximum = -Float.infinity
            for j in 0..<width { maximum = max(maximum, row[j]) }
            var sums = Float8(repeating: 0)
            var j = 0
            while j < vectorWidth {
                let e = VectorMath.exp(Float8.load(row + j) - maximum)
                e.store(to: row + j)
                sums += e
                j += 8
            }
            var sum = sums.sum()
            for k in vectorWidth..<width {
                let e = Foundation.exp(row[k] - maximum)
                row[k] = e
                sum += e
            }
            let scale = 1 / sum
            for k in 0..<width { row[k] *= scale }
        }
    }
}
