// DeBERTa-v2's disentangled self-attention (modeling_deberta_v2.py, DisentangledSelfAttention):
// content-to-content scores plus content-to-position (queries against relative-position keys) and
// position-to-content (keys against relative-position queries) terms, all divided by √(d · factor),
// over log-bucketed relative distances. The position keys and queries depend only on the weights, so
// they are projected once at load; per (sequence, head) only the distances that sequence spans are used.
import Checkpoint
import Foundation

/// The relative-position index of every distance i − j a sequence can hold: `build_relative_position`
/// with `make_log_bucket_position`, shifted by the span and clamped into the embedding table
/// (`c2p_pos` / `p2c_pos`, which coincide because buckets are odd in the distance).
struct RelativePositions: Sendable {
    let span: Int
    private let indices: [Int32]
    private let longest: Int

    init(_ settings: DisentangledAttention, longest: Int) {
        span = settings.span
        self.longest = longest
        let bucketed = settings.positionBuckets > 0 && settings.maxRelativePositions > 0
        indices = (-(longest - 1)..<longest).map { distance in
            let bucket =
                bucketed
                ? Self.logBucket(distance, buckets: settings.positionBuckets, maxPosition: settings.maxRelativePositions)
                : distance
            return Int32(min(max(bucket + settings.span, 0), 2 * settings.span - 1))
        }
    }

    /// The table row for distance `i − j` (|distance| < the longest sequence).
    @inline(__always)
    func index(_ distance: Int) -> Int { Int(indices[distance + longest - 1]) }

    /// `make_log_bucket_position`, in float32 as torch computes it: distances within ±buckets/2 stay,
    /// longer ones map logarithmically onto the remaining buckets up to `maxPosition`.
    static func logBucket(_ distance: Int, buckets: Int, maxPosition: Int) -> Int {
        let mid = buckets / 2
        let magnitude = distance < mid && distance > -mid ? mid - 1 : abs(distance)
        guard magnitude > mid else { return distance }
        let ratio = Foundation.log(Float(magnitude) / Float(mid)) / Foundation.log(Float(Double(maxPosition - 1) / Double(mid)))
        let logPosition = Int((ratio * Float(mid - 1)).rounded(.up)) + mid
        return distance < 0 ? -logPosition : logPosition
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
        let x = UnsafePointer(ws.hidden.baseAddress!)
        weights.query.apply(x, rows: rows, into: ws.query.baseAddress!, parallel: parallel)
        weights.key.apply(x, rows: rows, into: ws.key.baseAddress!, parallel: parallel)
        weights.value.apply(x, rows: rows, into: ws.value.baseAddress!, parallel: parallel)
        let heads = config.headCount
        let order = batch.lengths.indices.sorted { batch.lengths[$0] > batch.lengths[$1] }
        parallel.forEachInterleaved(count: order.count * heads) { chunk, task in
            let sequence = order[task / heads]
            attend(
                start: batch.starts[sequence], length: batch.lengths[sequence], head: task % heads,
                scores: ws.scores.baseAddress! + chunk * ws.longest * ws.longest,
                positionScores: scratch + chunk * scratchStride, ws)
        }
        ws.projectAddNormalize(
            ws.context.baseAddress!, rows: rows, weights.attentionOutput, weights.attentionNorm,
            residual: ws.hidden.baseAddress!, config, parallel)
    }

    private func attend(
        start: Int, length: Int, head: Int, scores: UnsafeMutablePointer<Float>,
        positionScores: UnsafeMutablePointer<Float>, _ ws: Workspace
    ) {
        let h = config.hiddenSize
        let d = config.headSize
        let offset = start * h + head * d
        let q = ws.query.baseAddress! + offset
        let k = ws.key.baseAddress! + offset
        let factor = config.disentangled?.scaleFactor ?? 1
        let scale = (Float(d) * Float(factor)).squareRoot()
        Matmul.timesTransposed(q, lda: h, k, ldb: h, m: length, n: length, k: d, alpha: 1 / scale, into: scores, ldc: length)
        if let relative { addPositionTerms(relative, q: q, k: k, length: length, head: head, scale: scale, scores, positionScores) }
        Elementwise.softmaxRows(scores, rows: length, width: length, ld: length)
        Matmul.times(
            scores, lda: length, ws.value.baseAddress! + offset, ldb: h, m: length, n: d, k: length,
            into: ws.context.baseAddress! + offset, ldc: h)
    }

    /// `scores[i, j] += c2p[i, δ(i, j)] / scale + p2c[j, δ(i, j)] / scale` over the distances this sequence
    /// spans (`disentangled_attention_bias`; its gathers become lookups into the narrowed blocks).
    private func addPositionTerms(
        _ relative: RelativePositions, q: UnsafePointer<Float>, k: UnsafePointer<Float>, length: Int, head: Int,
        scale: Float, _ scores: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>
    ) {
        let h = config.hiddenSize
        let d = config.headSize
        let low = relative.index(-(length - 1))
        let used = relative.index(length - 1) - low + 1
        let c2p = positions.keys.map { _ in scratch }
        let p2c = positions.queries.map { _ in scratch + length * used }
        positions.keys?.withUnsafeBufferPointer { table in
            Matmul.timesTransposed(
                q, lda: h, table.baseAddress! + low * h + head * d, ldb: h, m: length, n: used, k: d, alpha: 1,
                into: scratch, ldc: used)
        }
        positions.queries?.withUnsafeBufferPointer { table in
            Matmul.timesTransposed(
                k, lda: h, table.baseAddress! + low * h + head * d, ldb: h, m: length, n: used, k: d, alpha: 1,
                into: scratch + length * used, ldc: used)
        }
        for i in 0..<length {
            let row = scores + i * length
            for j in 0..<length {
                let r = relative.index(i - j) - low
                // Same order as the reference: score = c2p / scale, then += p2c / scale, then added.
                var bias: Float = 0
                if let c2p { bias += c2p[i * used + r] / scale }
                if let p2c { bias += p2c[j * used + r] / scale }
                row[j] += bias
            }
        }
    }
}
