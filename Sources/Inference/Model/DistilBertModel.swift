// DistilBERT (modeling_distilbert.py): words + positions (no token types), LayerNorm; BERT-shaped
// layers under other names (q_lin … out_lin, sa_layer_norm, ffn.lin1/lin2, output_layer_norm), so the
// shared encoder runs them; the head is pre_classifier + ReLU + classifier on the [CLS] token.
import Checkpoint
import Foundation

enum DistilBertModel {
    /// The encoder and head of a `DistilBertForSequenceClassification`.
    static func load(
        _ b: TensorBinder, _ c: ModelConfig, parallel: Parallel, packWeights: Bool, precision: Precision
    ) -> (any SequenceEncoder, HeadWeights)? {
        let h = c.hiddenSize
        let words = b.tensor("embeddings.word_embeddings.weight", [c.vocabSize, h], inPlace: true)
        let positions = positionTable(b, c)
        let norm = b.layerNorm("embeddings.LayerNorm", h)
        let layers = (0..<c.layerCount).compactMap { bindLayer(b, "transformer.layer.\($0)", c) }
        let dense = b.linear("pre_classifier", h, h, encoderKey: false)
        let out = b.linear("classifier", c.labels.count, h, encoderKey: false)
        guard let words, let positions, let norm, layers.count == c.layerCount, let dense, let out else { return nil }
        let tables = EmbeddingTables(
            words: words, positions: positions, tokenTypes: nil, positionRule: .sequential, positionsFirst: true)
        let embeddings = NormalizedTableEmbeddings(tables: tables, norm: norm, eps: c.layerNormEps)
        let encoder = BertEncoder(
            embeddings: embeddings, layers: layers, config: c, parallel: parallel, packWeights: packWeights,
            precision: precision)
        return (encoder, .classifier(dense: dense, activation: .relu, out: out))
    }

    /// The checkpoint's table; with `sinusoidal_pos_embds` a checkpoint may leave it out, and the fixed
    /// table transformers would have written is built instead.
    private static func positionTable(_ b: TensorBinder, _ c: ModelConfig) -> FloatTensor? {
        let name = "embeddings.position_embeddings.weight"
        if c.sinusoidalPositions, b.store.tensors[b.prefix + name] == nil {
            return sinusoidal(positions: c.maxPositions, width: c.hiddenSize)
        }
        return b.tensor(name, [c.maxPositions, c.hiddenSize])
    }

    /// `_create_sinusoidal_embeddings`: sin on even columns, cos on odd, angles in double precision.
    static func sinusoidal(positions: Int, width: Int) -> FloatTensor {
        var values = [Float](repeating: 0, count: positions * width)
        for p in 0..<positions {
            for j in 0..<width {
                let angle = Double(p) / Foundation.pow(10000, Double(2 * (j / 2)) / Double(width))
                values[p * width + j] = Float(j % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
            }
        }
        return FloatTensor(shape: [positions, width], copying: values)
    }

    private static func bindLayer(_ b: TensorBinder, _ p: String, _ c: ModelConfig) -> EncoderLayerWeights? {
        let h = c.hiddenSize
        let i = c.intermediateSize
        let q = b.linear("\(p).attention.q_lin", h, h)
        let k = b.linear("\(p).attention.k_lin", h, h)
        let v = b.linear("\(p).attention.v_lin", h, h)
        let o = b.linear("\(p).attention.out_lin", h, h)
        let n1 = b.layerNorm("\(p).sa_layer_norm", h)
        let up = b.linear("\(p).ffn.lin1", i, h)
        let down = b.linear("\(p).ffn.lin2", h, i)
        let n2 = b.layerNorm("\(p).output_layer_norm", h)
        guard let q, let k, let v, let o, let n1, let up, let down, let n2 else { return nil }
        return EncoderLayerWeights(
            query: q, key: k, value: v, attentionOutput: o, attentionNorm: n1,
            intermediate: up, output: down, outputNorm: n2)
    }
}
