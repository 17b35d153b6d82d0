// DeBERTa-v2 and -v3 (modeling_deberta_v2.py): DebertaV2Embeddings (words, optional absolute positions
// and token types, optional `embed_proj`, LayerNorm), the encoder's relative embeddings (LayerNorm'd when
// `norm_rel_ebd` says so), layers with disentangled attention (`DisentangledSelfAttention`) and BERT's
// feed-forward, then the ContextPooler (dense + activation on the first token) and the classifier.
import Checkpoint

/// DebertaV2Embeddings.forward: (words + positions) + token types, projection, LayerNorm. The mask
/// multiply is the identity on a packed batch, which has no padding.
struct DebertaV2Embeddings: EmbeddingLayer {
    let tables: EmbeddingTables
    /// `embed_proj` (no bias in the checkpoint; a zero bias here) when embedding_size ≠ hidden_size.
    let projection: Linear?
    let norm: LayerNormWeights
    let hidden: Int
    let eps: Float
    let parallel: Parallel

    func forward(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>) {
        if let projection {
            let narrow = UnsafeMutablePointer<Float>.allocate(capacity: max(1, batch.tokenCount * tables.width))
            defer { narrow.deallocate() }
            tables.sum(batch, into: narrow)
            projection.apply(narrow, rows: batch.tokenCount, into: out, parallel: parallel)
        } else {
            tables.sum(batch, into: out)
        }
        for t in 0..<batch.tokenCount {
            Elementwise.layerNormRow(out + t * hidden, width: hidden, norm: norm, eps: eps)
        }
    }
}

struct DebertaV2Encoder: SequenceEncoder {
    let embeddings: DebertaV2Embeddings
    let layers: [(attention: DisentangledSelfAttention, feedForward: BertFeedForward)]
    let config: ModelConfig
    let parallel: Parallel
    /// As `BertEncoder.minimumClsRows`: one row where the last layer's products run packed.
    let minimumClsRows: Int

    init(
        embeddings: DebertaV2Embeddings, layers: [(attention: DisentangledSelfAttention, feedForward: BertFeedForward)],
        config: ModelConfig, parallel: Parallel
    ) {
        self.embeddings = embeddings
        self.layers = layers
        self.config = config
        self.parallel = parallel
        let last =
            layers.last.map {
                [
                    $0.attention.weights.query, $0.attention.weights.attentionOutput,
                    $0.feedForward.weights.intermediate,
                    $0.feedForward.weights.output,
                ]
            } ?? []
        minimumClsRows = last.allSatisfy { $0.computesRowByRow } ? 1 : 4 * parallel.threads
    }

    var layerWeights: [EncoderLayerWeights] { layers.map(\.attention.weights) }

    /// Every layer but the last runs on all rows; the last computes keys and values for all rows and
    /// everything else for each sequence's first token only (the heads read nothing else).
    func clsVectors(_ batch: PackedBatch, workspace ws: Workspace) -> [Float] {
        let h = config.hiddenSize
        embeddings.forward(batch, into: ws.hidden.baseAddress!)
        let span = config.disentangled?.span ?? 0
        let stride = DisentangledSelfAttention.scratchFloats(longest: ws.longest, span: span)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, stride * parallel.threads))
        defer { scratch.deallocate() }
        for layer in layers.dropLast() {
            layer.attention.forward(batch, ws, scratch: scratch, scratchStride: stride)
            layer.feedForward.forward(ws.hidden.baseAddress!, rows: batch.tokenCount, ws)
        }
        let clsRows = max(batch.sequenceCount, minimumClsRows)
        let cls = ws.cls.baseAddress!
        for row in 0..<clsRows {
            let start = row < batch.sequenceCount ? batch.starts[row] : 0
            (cls + row * h).update(from: ws.hidden.baseAddress! + start * h, count: h)
        }
        if let last = layers.last {
            last.attention.forwardFirstTokens(batch, ws, clsRows: clsRows, scratch: scratch, scratchStride: stride)
            last.feedForward.forward(cls, rows: clsRows, ws)
        }
        return Array(UnsafeBufferPointer(start: cls, count: batch.sequenceCount * h))
    }
}

enum DebertaV2Model {
    /// The encoder and head of a `DebertaV2ForSequenceClassification`.
    static func load(
        _ b: TensorBinder, _ c: ModelConfig, parallel: Parallel, packWeights: Bool, precision: Precision
    ) -> (any SequenceEncoder, HeadWeights)? {
        let h = c.hiddenSize
        let embeddings = bindEmbeddings(b, c, parallel: parallel)
        let relative = c.disentangled.flatMap { relativeEmbeddings(b, c, $0, parallel: parallel) }
        let layers = (0..<c.layerCount).compactMap { bindLayer(b, "encoder.layer.\($0)", c) }
        let dense = b.linear("pooler.dense", h, h, encoderKey: false)
        let out = b.linear("classifier", c.labels.count, h, encoderKey: false)
        guard let embeddings, c.disentangled == nil || relative != nil, layers.count == c.layerCount, let dense,
            let out
        else { return nil }
        let positions = c.disentangled.map { RelativePositions($0, longest: c.maxSequenceLength) }
        let weights = layers.map(\.weights)
        let packed = packWeights ? EncoderLayerWeights.packing(weights, precision, parallel: parallel) : weights
        let encoderLayers = zip(layers, packed).map { layer, weights in
            let projections = relative.map { project($0, layer, c, parallel: parallel) }
            return (
                DisentangledSelfAttention(
                    weights: weights, positions: projections ?? PositionProjections(keys: nil, queries: nil),
                    relative: positions, config: c, parallel: parallel),
                BertFeedForward(weights: weights, config: c, parallel: parallel)
            )
        }
        let encoder = DebertaV2Encoder(embeddings: embeddings, layers: encoderLayers, config: c, parallel: parallel)
        return (encoder, .classifier(dense: dense, activation: c.headActivation, out: out))
    }

    private static func bindEmbeddings(_ b: TensorBinder, _ c: ModelConfig, parallel: Parallel) -> DebertaV2Embeddings?
    {
        let e = c.embeddingWidth
        let words = b.tensor("embeddings.word_embeddings.weight", [c.vocabSize, e], inPlace: true)
        let positions =
            c.hasAbsolutePositions ? b.tensor("embeddings.position_embeddings.weight", [c.maxPositions, e]) : nil
        let types = c.hasTokenTypes ? b.tensor("embeddings.token_type_embeddings.weight", [c.typeVocabSize, e]) : nil
        let projection = e == c.hiddenSize ? nil : b.tensor("embeddings.embed_proj.weight", [c.hiddenSize, e])
        let norm = b.layerNorm("embeddings.LayerNorm", c.hiddenSize)
        guard let words, positions != nil || !c.hasAbsolutePositions, types != nil || !c.hasTokenTypes,
            projection != nil || e == c.hiddenSize, let norm
        else { return nil }
        let tables = EmbeddingTables(
            words: words, positions: positions, tokenTypes: types, positionRule: .sequential, positionsFirst: true)
        let zeroBias = FloatTensor(shape: [c.hiddenSize], copying: [Float](repeating: 0, count: c.hiddenSize))
        return DebertaV2Embeddings(
            tables: tables, projection: projection.map { Linear(weight: $0, bias: zeroBias) }, norm: norm,
            hidden: c.hiddenSize, eps: c.layerNormEps, parallel: parallel)
    }

    /// `DebertaV2Encoder.get_rel_embedding`: the first 2 · span rows, LayerNorm'd per `norm_rel_ebd`.
    private static func relativeEmbeddings(
        _ b: TensorBinder, _ c: ModelConfig, _ settings: DisentangledAttention, parallel: Parallel
    ) -> [Float]? {
        let h = c.hiddenSize
        let rows = 2 * settings.span
        let table = b.tensor("encoder.rel_embeddings.weight", [rows, h])
        let norm = settings.normalizeRelativeEmbeddings ? b.layerNorm("encoder.LayerNorm", h) : nil
        guard let table, norm != nil || !settings.normalizeRelativeEmbeddings else { return nil }
        var values = Array(table.values)
        if let norm {
            values.withUnsafeMutableBufferPointer { buffer in
                for r in 0..<rows {
                    Elementwise.layerNormRow(buffer.baseAddress! + r * h, width: h, norm: norm, eps: c.layerNormEps)
                }
            }
        }
        return values
    }

    /// The layer's position keys and queries: the relative embeddings through key_proj / query_proj
    /// (`share_att_key`) or pos_key_proj / pos_query_proj.
    private static func project(
        _ relative: [Float], _ layer: (weights: EncoderLayerWeights, positionKey: Linear?, positionQuery: Linear?),
        _ c: ModelConfig, parallel: Parallel
    ) -> PositionProjections {
        guard let settings = c.disentangled else { return PositionProjections(keys: nil, queries: nil) }
        let rows = relative.count / c.hiddenSize
        func through(_ linear: Linear) -> [Float] {
            var out = [Float](repeating: 0, count: rows * c.hiddenSize)
            relative.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer {
                    linear.apply(x.baseAddress!, rows: rows, into: $0.baseAddress!, parallel: parallel)
                }
            }
            return out
        }
        let share = settings.shareAttentionKey
        let keyLinear = share ? layer.weights.key : layer.positionKey
        let queryLinear = share ? layer.weights.query : layer.positionQuery
        return PositionProjections(
            keys: settings.contentToPosition ? keyLinear.map(through) : nil,
            queries: settings.positionToContent ? queryLinear.map(through) : nil)
    }

    private static func bindLayer(
        _ b: TensorBinder, _ p: String, _ c: ModelConfig
    ) -> (weights: EncoderLayerWeights, positionKey: Linear?, positionQuery: Linear?)? {
        let h = c.hiddenSize
        let i = c.intermediateSize
        let q = b.linear("\(p).attention.self.query_proj", h, h)
        let k = b.linear("\(p).attention.self.key_proj", h, h)
        let v = b.linear("\(p).attention.self.value_proj", h, h)
        let separate = c.disentangled.map { !$0.shareAttentionKey } ?? false
        let positionKey =
            separate && c.disentangled?.contentToPosition == true
            ? b.linear("\(p).attention.self.pos_key_proj", h, h) : nil
        let positionQuery =
            separate && c.disentangled?.positionToContent == true
            ? b.linear("\(p).attention.self.pos_query_proj", h, h) : nil
        let o = b.linear("\(p).attention.output.dense", h, h)
        let n1 = b.layerNorm("\(p).attention.output.LayerNorm", h)
        let up = b.linear("\(p).intermediate.dense", i, h)
        let down = b.linear("\(p).output.dense", h, i)
        let n2 = b.layerNorm("\(p).output.LayerNorm", h)
        guard let q, let k, let v, let o, let n1, let up, let down, let n2 else { return nil }
        let weights = EncoderLayerWeights(
            query: q, key: k, value: v, attentionOutput: o, attentionNorm: n1,
            intermediate: up, output: down, outputNorm: n2)
        return (weights, positionKey, positionQuery)
    }
}
