// ELECTRA (modeling_electra.py): BERT's embeddings at `embedding_size`, LayerNorm at that width, then
// `embeddings_project` up to the hidden width when the two differ; BERT's layers under `electra.`; the
// ElectraClassificationHead (dense + GELU + out_proj on the [CLS] token).
import Checkpoint

/// ElectraEmbeddings.forward, then ElectraModel's `embeddings_project`.
struct ElectraEmbeddings: EmbeddingLayer {
    let tables: EmbeddingTables
    let norm: LayerNormWeights
    let eps: Float
    /// nil when embedding_size equals hidden_size (transformers then has no projection).
    let projection: Linear?
    let parallel: Parallel

    func forward(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>) {
        let w = tables.width
        guard let projection else {
            tables.sum(batch, into: out)
            normalize(out, rows: batch.tokenCount)
            return
        }
        let narrow = UnsafeMutablePointer<Float>.allocate(capacity: max(1, batch.tokenCount * w))
        defer { narrow.deallocate() }
        tables.sum(batch, into: narrow)
        normalize(narrow, rows: batch.tokenCount)
        projection.apply(narrow, rows: batch.tokenCount, into: out, parallel: parallel)
    }

    private func normalize(_ rows: UnsafeMutablePointer<Float>, rows count: Int) {
        let w = tables.width
        for t in 0..<count { Elementwise.layerNormRow(rows + t * w, width: w, norm: norm, eps: eps) }
    }
}

enum ElectraModel {
    /// The encoder and head of an `ElectraForSequenceClassification`.
    static func load(
        _ b: TensorBinder, _ c: ModelConfig, parallel: Parallel, packWeights: Bool, precision: Precision
    ) -> (any SequenceEncoder, HeadWeights)? {
        let h = c.hiddenSize
        let e = c.embeddingWidth
        let words = b.tensor("embeddings.word_embeddings.weight", [c.vocabSize, e], inPlace: true)
        let positions = b.tensor("embeddings.position_embeddings.weight", [c.maxPositions, e])
        let types = b.tensor("embeddings.token_type_embeddings.weight", [c.typeVocabSize, e])
        let norm = b.layerNorm("embeddings.LayerNorm", e)
        let projection = e == h ? nil : b.linear("embeddings_project", h, e)
        let layers = (0..<c.layerCount).compactMap { BertWeights.bindLayer(b, "encoder.layer.\($0)", c) }
        let dense = b.linear("classifier.dense", h, h, encoderKey: false)
        let out = b.linear("classifier.out_proj", c.labels.count, h, encoderKey: false)
        guard let words, let positions, let types, let norm, e == h || projection != nil,
            layers.count == c.layerCount, let dense, let out
        else { return nil }
        let tables = EmbeddingTables(
            words: words, positions: positions, tokenTypes: types, positionRule: .sequential, positionsFirst: false)
        let embeddings = ElectraEmbeddings(
            tables: tables, norm: norm, eps: c.layerNormEps,
            projection: packWeights ? projection?.packingWeight() : projection, parallel: parallel)
        let encoder = BertEncoder(
            embeddings: embeddings, layers: layers, config: c, parallel: parallel, packWeights: packWeights,
            precision: precision)
        return (encoder, .classifier(dense: dense, activation: .gelu, out: out))
    }
}
