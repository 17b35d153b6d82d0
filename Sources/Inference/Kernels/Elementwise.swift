// The non-GEMM passes of a BERT layer, each fused so a row is read and written once:
// bias + exact GELU, bias + residual + LayerNorm, row softmax. Pure functions on raw rows.
import Checkpoint
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
        let vectorWidth = width - width % 8
        for r in rows {
            let row = residual + r * width
            let input = x + r * width
            // Same order as the reference: (x·Wᵀ + b) + residual.
            var j = 0
            while j < vectorWidth {
                ((Float8.load(input + j) + Float8.load(b + j)) + Float8.load(row + j)).store(to: row + j)
                j += 8
            }
            for k in vectorWidth..<width { row[k] = input[k] + b[k] + row[k] }
            layerNormRow(row, width: width, norm: norm, eps: eps)
        }
    }

    /// LayerNorm of one row in place. Statistics in Double, two-pass (mean, then squared deviations
    /// from it), eight lanes at a time: as exact as a scalar Double loop, without its serial chain.
    static func layerNormRow(_ row: UnsafeMutablePointer<Float>, width: Int, norm: LayerNormWeights, eps: Float) {
        let vectorWidth = width - width % 8
        var lanes = Double8(repeating: 0)
        var j = 0
        while j < vectorWidth {
            lanes += Double8(Float8.load(row + j))
            j += 8
        }
        var sum = lanes.sum()
        for k in vectorWidth..<width { sum += Double(row[k]) }
        let mean = sum / Double(width)
        let means = Double8(repeating: mean)
        lanes = Double8(repeating: 0)
        j = 0
        while j < vectorWidth {
            let d = Double8(Float8.load(row + j)) - means
            lanes += d * d
            j += 8
        }
        var squares = lanes.sum()
        for k in vectorWidth..<width {
            let d = Double(row[k]) - mean
            squares += d * d
        }
        let m = Float(mean)
        let s = Float(1 / (squares / Double(width) + Double(eps)).squareRoot())
        let gamma = norm.gamma.values.baseAddress!
        let beta = norm.beta.values.baseAddress!
        let shift = Float8(repeating: m)
        let scale = Float8(repeating: s)
        j = 0
        while j < vectorWidth {
            let y = (Float8.load(row + j) - shift) * scale * Float8.load(gamma + j) + Float8.load(beta + j)
            y.store(to: row + j)
            j += 8
        }
        for k in vectorWidth..<width { row[k] = (row[k] - m) * s * gamma[k] + beta[k] }
    }

    /// Softmax of each row of a `rows × width` block with leading dimension `ld`, in place.
    static func softmaxRows(_ data: UnsafeMutablePointer<Float>, rows: Int, width: Int, ld: Int) {
        let vectorWidth = width - width % 8
        for r in 0..<rows {
            let row = data + r * ld
            var maxima = Float8(repeating: -.infinity)
            var j = 0
            while j < vectorWidth {
                maxima = maxima.maximum(Float8.load(row + j))
                j += 8
            }
            var maximum = maxima.max()
            for k in vectorWidth..<width { maximum = max(maximum, row[k]) }
            let shift = Float8(repeating: maximum)
            var sums = Float8(repeating: 0)
            j = 0
            while j < vectorWidth {
                let e = VectorMath.exp(Float8.load(row + j) - shift)
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
            let scales = Float8(repeating: scale)
            j = 0
            while j < vectorWidth {
                (Float8.load(row + j) * scales).store(to: row + j)
                j += 8
            }
            for k in vectorWidth..<width { row[k] *= scale }
        }
    }
}
