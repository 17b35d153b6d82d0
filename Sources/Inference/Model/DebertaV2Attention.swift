// DeBERTa-v2's disentangled self-attention (modeling_deberta_v2.py, DisentangledSelfAttention):
// content-to-content scores plus content-to-position (queries against relative-position keys) and
// position-to-content (keys against relative-position queries) terms, all divided by √(d · factor),
// over log-bucketed relative distances. The position keys and queries depend only on the weights, so
// they are projected once at load; per (sequence, head) only the distances that sequence spans are used.
import Checkpoint
import Foundation

/// The relative-embedding row of every distance i − j a sequence can hold
/// (`DisentangledAttention.embeddingRow`), looked up instead of recomputed per score.
struct RelativePositions: Sendable {
    private let indices: [Int32]
    private let longest: Int

    init(_ settings: DisentangledAttention, longest: Int) {
        self.longest = longest
        indices = (-(longest - 1)..<longest).map { Int32(settings.embeddingRow(distance: $0)) }
    }

    /// The table row for distance `i − j` (|distance| < the longest sequence).
    @inline(__always)
    func index(_ distance: Int) -> Int { Int(indices[distance + longest - 1]) }

    /// `body(rows, zero)`: `rows[zero + distance]` is `index(distance)`, without bounds checks in hot loops.
    func withRows<T>(_ body: (UnsafePointer<Int32>, Int) -> T) -> T {
        indices.withUnsafeBufferPointer { body($0.baseAddress!, longest - 1) }
    }
}

/// One layer's projections of the relative embeddings, `[2 · span, hidden]` each (nil when unused).
struct PositionProjections: Sendable {
    /// For content → position: key_proj (shared) or pos_key_proj of the relative embeddings.
    let keys: [Float]?
    /// For position → content: query_proj (shared) or pos_query_proj.
    let queries: [Float]?
}

struct DisentangledSelfAttention: Sendable {
    let weights: EncoderLayerWeights
    let positions: PositionProjections
    let relative: RelativePositions?
    let config: ModelConfig
    let parallel: Parallel

    /// Scratch per thread for the two position-score blocks (`[length, used distances]` each).
    static func scratchFloats(longest: Int, span: Int) -> Int { 2 * longest * min(2 * span, 2 * longest) }

    /// Every token attends; `ws.hidden` is updated in place (attention, output dense, residual, LayerNorm).
    func forward(_ batch: PackedBatch, _ ws: Workspace, scratch: UnsafeMutablePointer<Float>, scratchStride: Int) {
        let rows = batch.tokenCount
        let h = config.hiddenSize
        let x = UnsafePointer(ws.hidden.baseAddress!)
        for (linear, out) in [(weights.query, ws.query), (weights.key, ws.key), (weights.value, ws.value)] {
            linear.apply(x, rows: rows, into: out.baseAddress!, parallel: parallel)
        }
        let heads = config.headCount
        let order = batch.lengths.indices.sorted { batch.lengths[$0] > batch.lengths[$1] }
        parallel.forEachInterleaved(count: order.count * heads) { chunk, task in
            let sequence = order[task / heads]
            let start = batch.starts[sequence]
            attend(
                queries: ws.query.baseAddress! + start * h, queryRows: batch.lengths[sequence], start: start,
                length: batch.lengths[sequence], head: task % heads,
                scores: ws.scores.baseAddress! + chunk * ws.longest * ws.longest,
                positionScores: scratch + chunk * scratchStride, into: ws.context.baseAddress! + start * h, ws)
        }
        ws.projectAddNormalize(
            ws.context.baseAddress!, rows: rows, weights.attentionOutput, weights.attentionNorm,
            residual: ws.hidden.baseAddress!, config, parallel)
    }

    /// Only each sequence's first token attends (the last layer, whose other rows nothing reads): queries
    /// from `ws.cls` (`clsRows` rows, the first `batch.sequenceCount` real), keys and values from every row
    /// of `ws.hidden`; the result replaces the `ws.cls` rows.
    func forwardFirstTokens(
        _ batch: PackedBatch, _ ws: Workspace, clsRows: Int, scratch: UnsafeMutablePointer<Float>, scratchStride: Int
    ) {
        let h = config.hiddenSize
        let x = UnsafePointer(ws.hidden.baseAddress!)
        weights.key.apply(x, rows: batch.tokenCount, into: ws.key.baseAddress!, parallel: parallel)
        weights.value.apply(x, rows: batch.tokenCount, into: ws.value.baseAddress!, parallel: parallel)
        weights.query.apply(ws.cls.baseAddress!, rows: clsRows, into: ws.query.baseAddress!, parallel: parallel)
        let heads = config.headCount
        parallel.forEachInterleaved(count: batch.sequenceCount * heads) { chunk, task in
            let sequence = task / heads
            attend(
                queries: ws.query.baseAddress! + sequence * h, queryRows: 1, start: batch.starts[sequence],
                length: batch.lengths[sequence], head: task % heads,
                scores: ws.scores.baseAddress! + chunk * ws.longest * ws.longest,
                positionScores: scratch + chunk * scratchStride, into: ws.context.baseAddress! + sequence * h, ws)
        }
        // Padding rows repeat the first sequence (see `BertEncoder.clsVectors`).
        let context = ws.context.baseAddress!
        for row in batch.sequenceCount..<clsRows { (context + row * h).update(from: context, count: h) }
        ws.projectAddNormalize(
            context, rows: clsRows, weights.attentionOutput, weights.attentionNorm, residual: ws.cls.baseAddress!,
            config, parallel)
    }

    /// One head of one sequence: the first `queryRows` positions (query rows of stride hidden) against the
    /// `length` key and value rows from `start`; the context rows go to `out`.
    private func attend(
        queries: UnsafePointer<Float>, queryRows: Int, start: Int, length: Int, head: Int,
        scores: UnsafeMutablePointer<Float>, positionScores: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>, _ ws: Workspace
    ) {
        let h = config.hiddenSize
        let d = config.headSize
        let offset = start * h + head * d
        let q = queries + head * d
        let k = ws.key.baseAddress! + offset
        let factor = config.disentangled?.scaleFactor ?? 1
        let scale = (Float(d) * Float(factor)).squareRoot()
        Matmul.timesTransposed(
            q, lda: h, k, ldb: h, m: queryRows, n: length, k: d, alpha: 1 / scale, into: scores, ldc: length)
        if let relative {
            addPositionTerms(
                relative, q: q, queryRows: queryRows, k: k, length: length, head: head, scale: scale, scores,
                positionScores)
        }
        Elementwise.softmaxRows(scores, rows: queryRows, width: length, ld: length)
        Matmul.times(
            scores, lda: length, ws.value.baseAddress! + offset, ldb: h, m: queryRows, n: d, k: length,
            into: out + head * d, ldc: h)
    }

    /// `scores[i, j] += c2p[i, δ(i, j)] / scale + p2c[j, δ(i, j)] / scale` over the distances this sequence
    /// spans (`disentangled_attention_bias`; its gathers become lookups into the narrowed blocks). The
    /// division by the scale rides on the products (alpha), within an ulp of dividing afterwards.
    private func addPositionTerms(
        _ relative: RelativePositions, q: UnsafePointer<Float>, queryRows: Int, k: UnsafePointer<Float>, length: Int,
        head: Int, scale: Float, _ scores: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>
    ) {
        let h = config.hiddenSize
        let d = config.headSize
        let low = relative.index(-(length - 1))
        let used = relative.index(queryRows - 1) - low + 1
        // Unused terms stay zero blocks, so one loop serves every pos_att_type.
        let c2p = scratch
        let p2c = scratch + length * used
        // c2p: the query rows against the position keys; p2c: every key row against the position queries.
        for (table, x, m, block) in [(positions.keys, q, queryRows, c2p), (positions.queries, k, length, p2c)] {
            guard let table else {
                block.initialize(repeating: 0, count: m * used)
                continue
            }
            table.withUnsafeBufferPointer { rows in
                Matmul.timesTransposed(
                    x, lda: h, rows.baseAddress! + low * h + head * d, ldb: h, m: m, n: used, k: d,
                    alpha: 1 / scale, into: block, ldc: used)
            }
        }
        relative.withRows { rows, zero in
            for i in 0..<queryRows {
                let row = scores + i * length
                let c2pRow = c2p + i * used
                // rows[zero + i − j] is the table row of distance i − j.
                let distances = rows + zero + i
                for j in 0..<length {
                    let r = Int(distances[-j]) - low
                    // Same grouping as the reference: qk + (c2p / scale + p2c / scale).
                    row[j] += c2pRow[r] + p2c[j * used + r]
                }
            }
        }
    }
}
