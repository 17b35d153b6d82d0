// The BERT encoder over a packed batch, one type per transformers module
// (modeling_bert.py: BertEmbeddings, BertSelfAttention + BertSelfOutput, BertIntermediate + BertOutput).
// Every pass works on all real tokens of the batch; only attention looks at sequence boundaries.

/// Scratch buffers for one forward pass, sized for its token count.
final class Workspace {
    let hidden: UnsafeMutableBufferPointer<Float>
    let query: UnsafeMutableBufferPointer<Float>
    let key: UnsafeMutableBufferPointer<Float>
    let value: UnsafeMutableBufferPointer<Float>
    let context: UnsafeMutableBufferPointer<Float>
    let projected: UnsafeMutableBufferPointer<Float>
    let intermediate: UnsafeMutableBufferPointer<Float>
    let scores: UnsafeMutableBufferPointer<Float>

    /// `threads` attention score blocks, one per thread.
    init(tokens: Int, longest: Int, threads: Int, config: ModelConfig) {
        let width = tokens * config.hiddenSize
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            .allocate(capacity: max(count, 1))
        }
        hidden = buffer(width)
        query = buffer(width)
        key = buffer(width)
        value = buffer(width)
        context = buffer(width)
        projected = buffer(width)
        intermediate = buffer(tokens * config.intermediateSize)
        scores = buffer(longest * longest * threads)
    }

    deinit {
        for b in [hidden, query, key, value, context, projected, intermediate, scores] { b.deallocate() }
    }
}

extension Workspace {
    /// `hidden = LayerNorm(input · Wᵀ + b + hidden)`: BertSelfOutput and BertOutput, the projection
    /// back to the hidden width followed by the residual and LayerNorm pass.
    func projectAddNormalize(
        _ input: UnsafePointer<Float>, rows: Int, _ linear: Linear, _ norm: LayerNormWeights, _ config: ModelConfig,
        _ parallel: Parallel
    ) {
        Matmul.times(input, rows: rows, linear.weight, into: projected.baseAddress!, parallel: parallel)
        parallel.forEachChunk(count: rows, grain: 16) { _, range in
            Elementwise.biasResidualLayerNorm(
                projected.baseAddress!, bias: linear.bias, residual: hidden.baseAddress!, rows: range, norm: norm,
                eps: config.layerNormEps)
        }
    }
}

/// word + token-type + position embeddings, then LayerNorm (BertEmbeddings.forward).
struct BertEmbeddings {
    let weights: EmbeddingWeights
    let config: ModelConfig

    func forward(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        let words = weights.words.values.baseAddress!
        let types = weights.tokenTypes.values.baseAddress!
        let positions = weights.positions.values.baseAddress!
        for (start, length) in zip(batch.starts, batch.lengths) {
            for position in 0..<length {
                let t = start + position
                let w = words + Int(batch.ids[t]) * h
                let ty = types + Int(batch.typeIds[t]) * h
                let p = positions + position * h
                let row = out + t * h
                // Same summation order as transformers: (inputs_embeds + token_type) + position.
                for j in 0..<h { row[j] = (w[j] + ty[j]) + p[j] }
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

    func forward(_ batch: PackedBatch, _ ws: Workspace) {
        let rows = batch.tokenCount
        let x = UnsafePointer(ws.hidden.baseAddress!)
        for (linear, out) in [(weights.query, ws.query), (weights.key, ws.key), (weights.value, ws.value)] {
            Matmul.times(x, rows: rows, linear.weight, into: out.baseAddress!, parallel: parallel)
            parallel.forEachChunk(count: rows, grain: 16) { _, range in
                Elementwise.addBias(out.baseAddress!, rows: range, linear.bias)
            }
        }
        attendAll(batch, ws)
        ws.projectAddNormalize(
            ws.context.baseAddress!, rows: rows, weights.attentionOutput, weights.attentionNorm, config, parallel)
    }

    /// Every (sequence, head) pair is independent: they are spread over the threads, each with its
    /// own score block (OpenBLAS is single-threaded, see `Matmul`).
    private func attendAll(_ batch: PackedBatch, _ ws: Workspace) {
        let heads = config.headCount
        let longest = batch.lengths.max() ?? 0
        // Longest sequences first, so the interleaved split stays balanced.
        let order = batch.lengths.indices.sorted { batch.lengths[$0] > batch.lengths[$1] }
        parallel.forEachInterleaved(count: order.count * heads) { chunk, task in
            let sequence = order[task / heads]
            attend(
                start: batch.starts[sequence], length: batch.lengths[sequence], head: task % heads,
                scores: ws.scores.baseAddress! + chunk * longest * longest, ws)
        }
    }

    /// softmax(Q Kᵀ / √d) V for one head of one sequence; no mask is needed because a packed
    /// sequence has no padding, which is what the reference's additive mask achieves.
    private func attend(start: Int, length: Int, head: Int, scores: UnsafeMutablePointer<Float>, _ ws: Workspace) {
        let h = config.hiddenSize
        let d = config.headSize
        let offset = start * h + head * d
        let scale = 1 / Float(d).squareRoot()
        Matmul.timesTransposed(
            ws.query.baseAddress! + offset, lda: h, ws.key.baseAddress! + offset, ldb: h,
            m: length, n: length, k: d, alpha: scale, into: scores, ldc: length)
        Elementwise.softmaxRows(scores, rows: length, width: length, ld: length)
        Matmul.times(
            scores, lda: length, ws.value.baseAddress! + offset, ldb: h,
            m: length, n: d, k: length, into: ws.context.baseAddress! + offset, ldc: h)
    }
}

/// Intermediate (dense + GELU) and output (dense + residual + LayerNorm).
struct BertFeedForward {
    let weights: EncoderLayerWeights
    let config: ModelConfig
    let parallel: Parallel

    func forward(_ batch: PackedBatch, _ ws: Workspace) {
        let rows = batch.tokenCount
        Matmul.times(
            ws.hidden.baseAddress!, rows: rows, weights.intermediate.weight, into: ws.intermediate.baseAddress!,
            parallel: parallel)
        parallel.forEachChunk(count: rows, grain: 4) { _, range in
            Elementwise.biasGELU(ws.intermediate.baseAddress!, rows: range, weights.intermediate.bias)
        }
        ws.projectAddNormalize(
            ws.intermediate.baseAddress!, rows: rows, weights.output, weights.outputNorm, config, parallel)
    }
}

struct BertEncoder {
    let embeddings: BertEmbeddings
    let layers: [(attention: BertAttention, feedForward: BertFeedForward)]
    let config: ModelConfig

    let parallel: Parallel

    init(weights: BertWeights, config: ModelConfig, threads: Int) {
        let parallel = Parallel(threads: threads)
        embeddings = BertEmbeddings(weights: weights.embeddings, config: config)
        layers = weights.layers.map {
            (
                BertAttention(weights: $0, config: config, parallel: parallel),
                BertFeedForward(weights: $0, config: config, parallel: parallel)
            )
        }
        self.config = config
        self.parallel = parallel
    }

    /// The last hidden state's first ([CLS]) row of every sequence, `[sequences, hidden]`.
    func clsVectors(_ batch: PackedBatch) -> [Float] {
        let ws = Workspace(
            tokens: batch.tokenCount, longest: batch.lengths.max() ?? 0, threads: parallel.threads, config: config)
        embeddings.forward(batch, into: ws.hidden.baseAddress!)
        for layer in layers {
            layer.attention.forward(batch, ws)
            layer.feedForward.forward(batch, ws)
        }
        let h = config.hiddenSize
        var cls = [Float](repeating: 0, count: batch.sequenceCount * h)
        for (i, start) in batch.starts.enumerated() {
            for j in 0..<h { cls[i * h + j] = ws.hidden[start * h + j] }
        }
        return cls
    }
}
