// The embedding lookups the non-BERT families share: word + optional token-type + optional position rows
// summed per token, before each family's own LayerNorm and projection. Position ids follow the family
// (sequential, or RoBERTa's offset that skips padding ids); the summation order follows its reference.
import Checkpoint

/// How a token's position id is found.
enum PositionRule: Sendable {
    /// 0, 1, 2, … (BERT, ELECTRA, DistilBERT, DeBERTa).
    case sequential
    /// RoBERTa's `create_position_ids_from_input_ids`: padding ids get `pad`, every other token
    /// `pad` + its count of non-padding tokens so far.
    case afterPadding(pad: Int32)

    /// The position ids of `ids`.
    func positions(_ ids: ArraySlice<Int32>) -> [Int] {
        switch self {
        case .sequential: return Array(0..<ids.count)
        case .afterPadding(let pad):
            var seen = 0
            return ids.map { id in
                guard id != pad else { return Int(pad) }
                seen += 1
                return Int(pad) + seen
            }
        }
    }
}

struct EmbeddingTables: Sendable {
    let words: FloatTensor
    let positions: FloatTensor?
    let tokenTypes: FloatTensor?
    let positionRule: PositionRule
    /// DeBERTa adds positions before token types; BERT and its descendants add token types first.
    let positionsFirst: Bool

    var width: Int { words.shape[1] }

    /// `out[t] = words[id] (+ types[type]) (+ positions[p])`, rows of `width`, in the reference's order.
    func sum(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>) {
        let w = width
        let types = tokenTypes?.values.baseAddress
        let table = positions?.values.baseAddress
        for (start, length) in zip(batch.starts, batch.lengths) {
            let positionIds = positionRule.positions(batch.ids[start..<start + length])
            for position in 0..<length {
                let t = start + position
                let row = out + t * w
                words.copyRow(Int(batch.ids[t]), into: row)
                let typeRow = types.map { $0 + Int(batch.typeIds[t]) * w }
                let positionRow = table.map { $0 + positionIds[position] * w }
                for addend in positionsFirst ? [positionRow, typeRow] : [typeRow, positionRow] {
                    guard let addend else { continue }
                    for j in 0..<w { row[j] += addend[j] }
                }
            }
        }
    }
}

extension Linear {
    /// `out = x · Wᵀ + b` over `rows` rows, the product through `Matmul` (so every packing applies).
    func apply(
        _ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, parallel: Parallel
    ) {
        Matmul.times(x, rows: rows, self, into: out, parallel: parallel)
        parallel.forEachChunk(count: rows, grain: 16) { _, range in Elementwise.addBias(out, rows: range, bias) }
    }
}

/// The sum of a family's tables, then LayerNorm per row: RoBERTa's (words + token types) + positions
/// and DistilBERT's words + positions, whose order the tables' `positionsFirst` carries.
struct NormalizedTableEmbeddings: EmbeddingLayer {
    let tables: EmbeddingTables
    let norm: LayerNormWeights
    let eps: Float

    func forward(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>) {
        tables.sum(batch, into: out)
        for t in 0..<batch.tokenCount {
            Elementwise.layerNormRow(out + t * tables.width, width: tables.width, norm: norm, eps: eps)
        }
    }
}
