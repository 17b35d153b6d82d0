// The heads on top of the first token's vector: the reward heads of both RewardModel layouts and the
// other families' N-label classifiers. All are tiny next to the encoder. They run one row at a time on
// purpose: OpenBLAS picks different kernels (with different rounding) for one row and for several, and
// a pair's score must not depend on how many pairs share its batch.
import Checkpoint
import Foundation

struct RewardHead {
    let weights: HeadWeights

    /// One raw score per [CLS] row of `cls` (`[count, hidden]`); no alpha, no sigmoid. One-label heads only.
    func scores(cls: [Float], count: Int) -> [Float] {
        logits(cls: cls, count: count).map { $0[0] }
    }

    /// Every output of every row: `[count][labels]`, raw (no softmax or sigmoid).
    func logits(cls: [Float], count: Int) -> [[Float]] {
        let width = cls.count / max(count, 1)
        return (0..<count).map { row in logits(Array(cls[row * width..<(row + 1) * width])) }
    }

    private func logits(_ cls: [Float]) -> [Float] {
        switch weights {
        case .sequenceClassification(let pooler, let classifier):
            // BertPooler: tanh(dense(h[:, 0])); dropout is the identity at inference.
            let pooled = apply(pooler, to: cls) { tanh($0) }
            return apply(classifier, to: pooled) { $0 }
        case .bertReward(let clsLayer1, let ff1, let ff2):
            let first = apply(clsLayer1, to: cls) { max($0, 0) }
            let second = apply(ff1, to: first) { tanh($0) }
            return apply(ff2, to: second) { $0 }
        case .classifier(let dense, let activation, let out):
            let hidden = apply(dense, to: cls) { Self.activate($0, activation) }
            return apply(out, to: hidden) { $0 }
        }
    }

    /// transformers' ACT2FN: "gelu" is the exact erf form.
    private static func activate(_ x: Float, _ activation: Activation) -> Float {
        switch activation {
        case .tanh: tanh(x)
        case .relu: max(x, 0)
        case .gelu: 0.5 * x * (1 + erf(x * 0.707_106_781))
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
