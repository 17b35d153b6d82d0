// The reward heads on top of the [CLS] vector. Both are tiny next to the encoder. They run one
// row at a time on purpose: OpenBLAS picks different kernels (with different rounding) for one
// row and for several, and a pair's score must not depend on how many pairs share its batch.
import Foundation

struct RewardHead {
    let weights: HeadWeights

    /// One raw score per [CLS] row of `cls` (`[count, hidden]`); no alpha, no sigmoid.
    func scores(cls: [Float], count: Int) -> [Float] {
        let width = cls.count / max(count, 1)
        return (0..<count).map { row in score(Array(cls[row * width..<(row + 1) * width])) }
    }

    private func score(_ cls: [Float]) -> Float {
        switch weights {
        case .sequenceClassification(let pooler, let classifier):
            // BertPooler: tanh(dense(h[:, 0])); dropout is the identity at inference.
            let pooled = apply(pooler, to: cls) { tanh($0) }
            return apply(classifier, to: pooled) { $0 }[0]
        case .bertReward(let clsLayer1, let ff1, let ff2):
            let first = apply(clsLayer1, to: cls) { max($0, 0) }
            let second = apply(ff1, to: first) { tanh($0) }
            return apply(ff2, to: second) { $0 }[0]
        }
    }

    private func apply(_ linear: Linear, to x: [Float], activation: (Float) -> Float) -> [Float] {
        var out = [Float](repeating: 0, count: linear.outputs)
        x.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                Matmul.times(input.baseAddress!, rows: 1, linear.weight, into: output.baseAddress!)
            }
        }
        let bias = linear.bias.values
        for j in out.indices { out[j] = activation(out[j] + bias[j]) }
        return out
    }
}
