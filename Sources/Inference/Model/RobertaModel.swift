// RoBERTa and XLM-RoBERTa (modeling_roberta.py, modeling_xlm_roberta.py): BERT's layers under the
// `roberta.` prefix, positions that start at padding_idx + 1 and skip padding ids, and the
// RobertaClassificationHead (dense + tanh + out_proj on the <s> token). No pooler.
import Checkpoint

enum RobertaModel {
    /// The encoder and head of a `RobertaForSequenceClassification` / `XLMRobertaForSequenceClassification`.
    static func load(
        _ b: TensorBinder, _ c: ModelConfig, parallel: Parallel, packWeights: Bool, precision: Precision
    ) -> (any SequenceEncoder, HeadWeights)? {
        let h = c.hiddenSize
        let words = b.tensor("embeddings.word_embeddings.weight", [c.vocabSize, h])
        let positions = b.tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        let types = b.tensor("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h])
        let norm = b.layerNorm("embeddings.LayerNorm", h)
        let layers = (0..<c.layerCount).compactMap { BertWeights.bindLayer(b, "encoder.layer.\($0)", c) }
        let dense = b.linear("classifier.dense", h, h, encoderKey: false)
        let out = b.linear("classifier.out_proj", c.labels.count, h, encoderKey: false)
        guard let words, let positions, let types, let norm, layers.count == c.layerCount, let dense, let out else {
            return nil
        }
        let tables = EmbeddingTables(
            words: words, positions: positions, tokenTypes: types,
            positionRule: .afterPadding(pad: Int32(c.padTokenId)), positionsFirst: false)
        let embeddings = NormalizedTableEmbeddings(tables: tables, norm: norm, eps: c.layerNormEps)
        let encoder = BertEncoder(
            embeddings: embeddings, layers: layers, config: c, parallel: parallel, packWeights: packWeights,
            precision: precision)
        return (encoder, .classifier(dense: dense, activation: .tanh, out: out))
    }
}
