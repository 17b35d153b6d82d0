// Exact floating-point operation counts of one forward pass over a packed batch (a multiply-add
// counts as 2). Only the products are counted; embeddings, softmax, GELU and LayerNorm are not,
// since the sgemm ceiling they are compared with has no such work either.
import Inference

struct FlopCount {
    let config: ModelConfig

    /// One encoder layer's six linear products (query, key, value, attention output, intermediate,
    /// output) over `rows` packed tokens.
    func linearProducts(rows: Int) -> Double {
        let h = Double(config.hiddenSize)
        let i = Double(config.intermediateSize)
        return 2 * Double(rows) * (4 * h * h + 2 * h * i)
    }

    /// One layer's attention products over one sequence: Q·Kᵀ and P·V, each 2·L²·hidden over all heads.
    func attention(length: Int) -> Double {
        2 * 2 * Double(length) * Double(length) * Double(config.hiddenSize)
    }

    /// The reward head on `sequences` [CLS] rows.
    func head(sequences: Int) -> Double {
        let h = Double(config.hiddenSize)
        let perRow: Double
        switch config.layout {
        case .sequenceClassification:
            perRow = 2 * (h * h + h)  // pooler dense, classifier
        case .bertReward:
            let r = Double(config.rewardHiddenSize)
            perRow = 2 * (h * r + r * r + r)  // cls_layer1, ff1, ff2
        }
        return Double(sequences) * perRow
    }

    /// The whole forward pass over one batch of sequences of these lengths.
    func forward(lengths: [Int]) -> Double {
        let rows = lengths.reduce(0, +)
        let perLayer = linearProducts(rows: rows) + lengths.reduce(0) { $0 + attention(length: $1) }
        return Double(config.layerCount) * perLayer + head(sequences: lengths.count)
    }
}
