// The BERT encoder over a packed batch, one type per transformers module
// (modeling_bert.py: BertEmbeddings, BertSelfAttention + BertSelfOutput, BertIntermediate + BertOutput).
// Every pass works on all real tokens of the batch; only attention looks at sequence boundaries.
import Checkpoint

extension Workspace {
    /// `residual = LayerNorm(input · Wᵀ + b + residual)`: BertSelfOutput and BertOutput, the projection
    /// back to the hidden width followed by the residual and LayerNorm pass.
    func projectAddNormalize(
        _ input: UnsafePointer<Float>, rows: Int, _ linear: Linear, _ norm: LayerNormWeights,
        residual: UnsafeMutablePointer<Float>, _ config: ModelConfig, _ parallel: Parallel
    ) {
        Matmul.times(input, rows: rows, linear, into: projected.baseAddress!, parallel: parallel)
        parallel.forEachChunk(count: rows, grain: 16) { _, range in
            Elementwise.biasResidualLayerNorm(
                projected.baseAddress!, bias: linear.bias, residual: residual, rows: range, norm: norm,
                eps: config.layerNormEps)
        }
    }
}

/// word + token-type + position embeddings, then LayerNorm (BertEmbeddings.forward).
struct BertEmbeddings: EmbeddingLayer {
    let weights: EmbeddingWeights
    let config: ModelConfig

    func forward(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        let types = weights.tokenTypes.values.baseAddress!
        let positions = weights.positions.values.baseAddress!
        for (start, length) in zip(batch.starts, batch.lengths) {
            for position in 0..<length {
                let t = start + position
                let ty = types + Int(batch.typeIds[t]) * h
                let p = positions + position * h
                let row = out + t * h
                weights.words.copyRow(Int(batch.ids[t]), into: row)
                // Same summation order as transformers: (inputs_embeds + token_type) + position.
                for j in 0..<h { row[j] = (row[j] + ty[j]) + p[j] }
                Elementwise.layerNormRow(row, width: h, norm: weights.norm, eps: config.layerNormEps)
            }
        }
    }
}

/// Multi-head self-attention plus its output projection, residual and LayerNorm.
struct BertAttention {
    let weights: EncoderLayerWeights
    let config: ModelConfig
    let parallel: Parallel

    /// Every token attends; `ws.hidden` is updated in place.
    func forward(_ batch: PackedBatch, _ ws: Workspace) {
        let rows = batch.tokenCount
        let x = UnsafePointer(ws.hidden.baseAddress!)
        project(x, rows: rows, [(weights.query, ws.query), (weights.key, ws.key), (weights.value, ws.value)])
        attendAll(batch, ws)
        ws.projectAddNormalize(
            ws.context.baseAddress!, rows: rows, weights.attentionOutput, weights.attentionNorm,
            residual: ws.hidden.baseAddress!, config, parallel)
    }

    /// Only each sequence's first token attends (to all of its sequence's tokens): the last layer,
    /// whose other rows nothing reads. Queries come from `ws.cls` (`clsRows` rows, the first
    /// `batch.sequenceCount` real) and the result replaces them; keys and values from `ws.hidden`.
    func forwardFirstTokens(_ batch: PackedBatch, _ ws: Workspace, clsRows: Int) {
        let h = config.hiddenSize
        project(
            UnsafePointer(ws.hidden.baseAddress!), rows: batch.tokenCount,
            [(weights.key, ws.key), (weights.value, ws.value)])
        project(UnsafePointer(ws.cls.baseAddress!), rows: clsRows, [(weights.query, ws.query)])
        let heads = config.headCount
        parallel.forEachInterleaved(count: batch.sequenceCount * heads) { chunk, task in
            let sequence = task / heads
            attend(
                queries: ws.query.baseAddress! + sequence * h, queryRows: 1, start: batch.starts[sequence],
                length: batch.lengths[sequence], head: task % heads,
                scores: ws.scores.baseAddress! + chunk * ws.longest * ws.longest,
                into: ws.context.baseAddress! + sequence * h, ws)
        }
        // Padding rows repeat the first sequence (see `BertEncoder.clsVectors`).
        let context = ws.context.baseAddress!
        for row in batch.sequenceCount..<clsRows { (context + row * h).update(from: context, count: h) }
        ws.projectAddNormalize(
            context, rows: clsRows, weights.attentionOutput, weights.attentionNorm, residual: ws.cls.baseAddress!,
            config, parallel)
    }

    /// `out = x · Wᵀ + b` for each (linear, out) pair; the bias passes share one parallel region.
    private func project(
        _ x: UnsafePointer<Float>, rows: Int, _ products: [(Linear, UnsafeMutableBufferPointer<Float>)]
    ) {
        Matmul.times(x, rows: rows, products.map { ($0.0, $0.1.baseAddress!) }, parallel: parallel)
        parallel.forEachChunk(count: rows, grain: 16) { _, range in
            for (linear, out) in products { Elementwise.addBias(out.baseAddress!, rows: range, linear.bias) }
        }
    }

    /// Every (sequence, head) pair is independent: they are spread over the threads, each with its
    /// own score block (OpenBLAS is single-threaded, see `Matmul`).
    private func attendAll(_ batch: PackedBatch, _ ws: Workspace) {
        let h = config.hiddenSize
        let heads = config.headCount
        // Longest sequences first, so the interleaved split stays balanced.
        let order = batch.lengths.indices.sorted { batch.lengths[$0] > batch.lengths[$1] }
        parallel.forEachInterleaved(count: order.count * heads) { chunk, task in
            let sequence = order[task / heads]
            let start = batch.starts[sequence]
            let length = batch.lengths[sequence]
            attend(
                queries: ws.query.baseAddress! + start * h, queryRows: length, start: start, length: length,
                head: task % heads, scores: ws.scores.baseAddress! + chunk * ws.longest * ws.longest,
                into: ws.context.baseAddress! + start * h, ws)
        }
    }

    /// softmax(Q Kᵀ / √d) V for one head: `queryRows` query rows (row stride `hidden`) against the
    /// `length` key and value rows from `start`. No mask is needed because a packed sequence has no
    /// padding, which is what the reference's additive mask achieves.
    private func attend(
        queries: UnsafePointer<Float>, queryRows: Int, start: Int, length: Int, head: Int,
        scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, _ ws: Workspace
    ) {
        let h = config.hiddenSize
        let d = config.headSize
        let offset = start * h + head * d
        let scale = 1 / Float(d).squareRoot()
        Matmul.timesTransposed(
            queries + head * d, lda: h, ws.key.baseAddress! + offset, ldb: h,
            m: queryRows, n: length, k: d, alpha: scale, into: scores, ldc: length)
        Elementwise.softmaxRows(scores, rows: queryRows, width: length, ld: length)
        Matmul.times(
            scores, lda: length, ws.value.baseAddress! + offset, ldb: h,
            m: queryRows, n: d, k: length, into: out + head * d, ldc: h)
    }
}

/// Intermediate (dense + GELU) and output (dense + residual + LayerNorm).
struct BertFeedForward {
    let weights: EncoderLayerWeights
    let config: ModelConfig
    let parallel: Parallel

    /// `hidden` (`rows` rows) is updated in place.
    func forward(_ hidden: UnsafeMutablePointer<Float>, rows: Int, _ ws: Workspace) {
        Matmul.times(
            hidden, rows: rows, weights.intermediate, into: ws.intermediate.baseAddress!, parallel: parallel)
        parallel.forEachChunk(count: rows, grain: 4) { _, range in
            Elementwise.biasGELU(ws.intermediate.baseAddress!, rows: range, weights.intermediate.bias)
        }
        ws.projectAddNormalize(
            ws.intermediate.baseAddress!, rows: rows, weights.output, weights.outputNorm, residual: hidden, config,
            parallel)
    }
}

/// The post-LayerNorm encoder BERT, RoBERTa, ELECTRA and DistilBERT share; only the embeddings differ.
struct BertEncoder: SequenceEncoder {
    let embeddings: any EmbeddingLayer
    let layers: [(attention: BertAttention, feedForward: BertFeedForward)]
    let config: ModelConfig

    let parallel: Parallel

    /// Fewest rows the [CLS]-only last layer runs with. Packed products treat every row alike, so one
    /// will do. OpenBLAS takes a separate small-matrix kernel, with different rounding, for products
    /// under about 10⁶ multiply-adds, and `Matmul` gives each thread a share of the columns; on that
    /// path four rows per thread keep the last layer's bert-base-width products on one kernel whether a
    /// pair is scored alone or in a batch (checked bit for bit at 1 and 2 threads).
    let minimumClsRows: Int

    /// `packWeights`: repack the layers' weights for the vector kernels (see `PackedWeight`); off,
    /// every product goes through OpenBLAS on the checkpoint's layout.
    init(
        weights: BertWeights, config: ModelConfig, threads: Int, packWeights: Bool = true, precision: Precision = .fp32
    ) {
        self.init(
            embeddings: BertEmbeddings(weights: weights.embeddings, config: config), layers: weights.layers,
            config: config, parallel: Parallel(threads: threads), packWeights: packWeights, precision: precision)
    }

    /// Another family's embeddings in front of BERT-shaped layers.
    init(
        embeddings: any EmbeddingLayer, layers: [EncoderLayerWeights], config: ModelConfig, parallel: Parallel,
        packWeights: Bool, precision: Precision = .fp32
    ) {
        self.embeddings = embeddings
        self.layers = (packWeights ? EncoderLayerWeights.packing(layers, precision, parallel: parallel) : layers).map {
            (
                BertAttention(weights: $0, config: config, parallel: parallel),
                BertFeedForward(weights: $0, config: config, parallel: parallel)
            )
        }
        self.config = config
        self.parallel = parallel
        minimumClsRows = Self.minimumClsRows(lastLayer: self.layers.last, parallel: parallel)
    }

    private static func minimumClsRows(
        lastLayer: (attention: BertAttention, feedForward: BertFeedForward)?, parallel: Parallel
    ) -> Int {
        // The last layer's products on the [CLS] rows (keys and values run on every row).
        let clsProducts =
            lastLayer.map {
                [
                    $0.attention.weights.query, $0.attention.weights.attentionOutput,
                    $0.feedForward.weights.intermediate, $0.feedForward.weights.output,
                ]
            } ?? []
        return clsProducts.allSatisfy { $0.computesRowByRow } ? 1 : 4 * parallel.threads
    }

    var layerWeights: [EncoderLayerWeights] { layers.map(\.attention.weights) }

    /// The last hidden state's first ([CLS]) row of every sequence, `[sequences, hidden]`.
    func clsVectors(_ batch: PackedBatch, workspace ws: Workspace) -> [Float] {
        let h = config.hiddenSize
        let rows = batch.tokenCount
        embeddings.forward(batch, into: ws.hidden.baseAddress!)
        for layer in layers.dropLast() {
            layer.attention.forward(batch, ws)
            layer.feedForward.forward(ws.hidden.baseAddress!, rows: rows, ws)
        }
        // The heads read only [CLS], and every pass but attention is row-wise: the last layer computes
        // keys and values for all tokens and everything else for each sequence's first token only.
        let clsRows = max(batch.sequenceCount, minimumClsRows)
        let cls = ws.cls.baseAddress!
        for row in 0..<clsRows {
            let start = row < batch.sequenceCount ? batch.starts[row] : 0
            (cls + row * h).update(from: ws.hidden.baseAddress! + start * h, count: h)
        }
        if let last = layers.last {
            last.attention.forwardFirstTokens(batch, ws, clsRows: clsRows)
            last.feedForward.forward(cls, rows: clsRows, ws)
        }
        return Array(UnsafeBufferPointer(start: cls, count: batch.sequenceCount * h))
    }
}
