// What every model family's encoder offers the engine: scratch sizing and the last hidden state's first
// row per sequence (all the classifier heads read). BERT, RoBERTa, ELECTRA and DistilBERT share
// `BertEncoder` with their own embeddings; DeBERTa-v2 has its own layer loop (`DebertaV2Encoder`).
import Checkpoint

protocol SequenceEncoder: Sendable {
    var config: ModelConfig { get }
    var parallel: Parallel { get }
    /// Fewest rows the first-token products run with (see `BertEncoder.minimumClsRows`).
    var minimumClsRows: Int { get }
    /// Each layer's six products, in order (tests count which run in int8).
    var layerWeights: [EncoderLayerWeights] { get }
    /// `[sequences, hidden]`: the first token's final hidden state of every sequence.
    func clsVectors(_ batch: PackedBatch, workspace ws: Workspace) -> [Float]
}

extension SequenceEncoder {
    /// A workspace for `batch`: `retained` when it has room, a new retained one for batches of up to
    /// `Workspace.retainedTokens` tokens (as wide as `retained` and this model together, since engines
    /// share it), else a one-off workspace freed after the pass.
    func workspace(for batch: PackedBatch, retained: inout Workspace?) -> Workspace {
        let rows = max(batch.tokenCount, minimumClsRows)
        let longest = batch.lengths.max() ?? 0
        if let ws = retained, ws.fits(tokens: rows, longest: longest, threads: parallel.threads, config: config) {
            return ws
        }
        guard rows <= Workspace.retainedTokens else {
            return Workspace(tokens: rows, longest: longest, threads: parallel.threads, config: config)
        }
        // Untouched pages cost no memory, so the retained workspace is made at its full size at once.
        let ws = Workspace(
            tokens: Workspace.retainedTokens,
            longest: max(longest, min(config.maxPositions, Workspace.retainedTokens), retained?.longest ?? 0),
            threads: max(parallel.threads, retained?.threads ?? 0),
            hiddenSize: max(config.hiddenSize, retained?.hiddenSize ?? 0),
            intermediateSize: max(config.intermediateSize, retained?.intermediateSize ?? 0))
        retained = ws
        return ws
    }
}

/// A family's embedding module: writes `[tokens, hidden]` rows, normalised, for a packed batch.
protocol EmbeddingLayer: Sendable {
    func forward(_ batch: PackedBatch, into out: UnsafeMutablePointer<Float>)
}
