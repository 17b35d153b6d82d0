// The reward heads on top of the [CLS] vector. Both are tiny next to the encoder, so they run
// as plain BLAS products over the batch's [CLS] rows.
import Foundation

struct RewardHead {
    let weights: HeadWeights

    /// One raw score per [CLS] row (no alpha, no sigmoid).
    func scores(cls: [Float], count: Int) -> [Float] {
        switch weights {
        case .sequenceClassification(let pooler, let classifier):
            // BertPooler: tanh(dense(h[:, 0])); dropout is the identity at inference.
            let pooled = apply(pooler, to: cls, rows: count) { tanh($0) }
            return apply(classifier, to: pooled, rows: count) { $0 }
        case .bertReward(let clsLayer1, let ff1, let ff2):
            let first = apply(clsLayer1, to: cls, rows: count) { max($0, 0) }
            let second = apply(ff1, to: first, rows: count) { tanh($0) }
            return apply(ff2, to: second, rows: count) { $0 }
        }
    }

    private func apply(_ linear: Linear, to x: [Float], rows: Int, activation: (Float) -> Float) -> [Float] {
        var out = [Float](repeating: 0, count: rows * linear.outputs)
        x.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                Matmul.times(input.baseAddress!, rows: rows, linear.weight, into: output.baseAddress!)
            }
        }
        let bias = linear.bias.values
        for r in 0..<rows {
            for j in 0..<linear.outputs { out[r * linear.outputs + j] = activation(out[r * linear.outputs + j] + bias[j]) }
        }
        return out
    }
}
