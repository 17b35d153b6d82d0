// Exact floating-point operation counts of the products one forward pass performs over a packed
// batch (a multiply-add counts as 2). Embeddings, softmax, GELU and LayerNorm are not counted, since
// the sgemm ceiling they are compared with has no such work either. The last layer runs only the
// [CLS] rows through everything but the key and value products, so the count follows the engine.
import Checkpoint
import Inference

struct FlopCount {
    let config: ModelConfig

    /// One encoder layer's six linear products (query, key, value, attention output, intermediate,
    /// output): keys and values over `rows` packed tokens, the other four over `queryRows`.
    func linearProducts(rows: Int, queryRows: Int) -> Double {
        let h = Double(config.hiddenSize)
        let i = Double(config.intermediateSize)
        return 2 * Double(rows) * 2 * h * h + 2 * Double(queryRows) * (2 * h * h + 2 * h * i)
    }

    /// One layer's attention products over one sequence for `queries` of its rows: Q·Kᵀ and P·V, each
    /// 2·queries·L·hidden over all heads.
    func attention(length: Int, queries: Int) -> Double {
        2 * 2 * Double(queries) * Double(length) * Double(config.hiddenSize)
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

    /// DeBERTa's position terms in one layer for one sequence and its first `queries` rows: content→position
    /// 2·queries·R·hidden and position→content 2·L·R·hidden over the heads, R the relative-embedding rows
    /// its distances reach.
    func positionTerms(length: Int, queries: Int) -> Double {
        guard let s = config.disentangled else { return 0 }
        let used = s.embeddingRow(distance: queries - 1) - s.embeddingRow(distance: -(length - 1)) + 1
        let c2p = s.contentToPosition ? Double(queries) : 0
        let p2c = s.positionToContent ? Double(length) : 0
        return (c2p + p2c) * 2 * Double(used) * Double(config.hiddenSize)
    }

    /// The whole forward pass over one batch of sequences of these lengths; the last layer's query-side
    /// products run on `lastLayerRows` rows (RewardEngine.lastLayerRows). DeBERTa's position terms included.
    func forward(lengths: [Int], lastLayerRows: Int) -> Double {
        let rows = lengths.reduce(0, +)
        let fullLayer = linearProducts(rows: rows, queryRows: rows)
            + lengths.reduce(0) { $0 + attention(length: $1, queries: $1) + positionTerms(length: $1, queries: $1) }
        let lastLayer = linearProducts(rows: rows, queryRows: lastLayerRows)
            + lengths.reduce(0) { $0 + attention(length: $1, queries: 1) + positionTerms(length: $1, queries: 1) }
        return Double(config.layerCount - 1) * fullLayer + lastLayer + head(sequences: lengths.count)
    }
}
