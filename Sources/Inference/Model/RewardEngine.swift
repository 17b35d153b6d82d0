// The scoring engine: config + checkpoint in, raw reward scores (one-label models) or every label's
// logit (N-label classifiers) out for packed batches of token sequences, for every supported family
// (BERT, RoBERTa, XLM-R, DeBERTa-v2/v3, DistilBERT, ELECTRA). Immutable after loading; calls may
// overlap (forward passes themselves take turns and share one scratch workspace, see `ComputeLock`).
import Checkpoint
import Foundation
import Synchronization

public final class RewardEngine: Sendable {
    public let config: ModelConfig
    public let precision: Precision
    /// The int8 kernel in use (`avx512vnni`, `avx2`, `portable`), or nil at fp32.
    public var int8Kernel: String? { precision == .int8 ? QuantizedWeight.kernelName : nil }
    private let encoder: any SequenceEncoder
    private let head: RewardHead
    /// The classifier's outputs and how they become probabilities (`problem_type`, `id2label`).
    public var labels: ClassifierLabels { config.labels }
    /// Kept so mapped checkpoint memory outlives every tensor view into it.
    private let store: any WeightStore
    /// The calibration pass's real tokens and wall time (int8; nil when nothing was calibrated): a full
    /// forward pass that touched every weight, timed with its quantisation work included, so its rate
    /// understates the one later passes reach.
    public let calibrationPass: (tokens: Int, duration: Duration)?

    /// `threads`: cores this engine may use, for OpenBLAS and for the work between products.
    /// `precision`: `.int8` quantises the encoder's linear layers at load (see `QuantizedWeight` and
    /// `ByteCodedWeight`), after running `calibration` through the model in fp32 to measure each
    /// product's input channels (`CalibrationText`, tokenized by the caller; required at int8).
    public convenience init(
        config: ModelConfig, weights store: any WeightStore, threads: Int = 1, precision: Precision = .fp32,
        calibration: [TokenSequence] = []
    ) throws {
        try self.init(
            config: config, weights: store, threads: threads, packWeights: true, precision: precision,
            calibration: calibration)
    }

    /// `packWeights: false` keeps every product on OpenBLAS (tests compare the two paths).
    init(
        config: ModelConfig, weights store: any WeightStore, threads: Int, packWeights: Bool,
        precision: Precision = .fp32, calibration: [TokenSequence] = []
    ) throws {
        let loaded = try ModelLoader.load(
            config: config, store: store, threads: max(1, threads), packWeights: packWeights, precision: precision)
        self.config = config
        self.precision = precision
        self.store = store
        encoder = loaded.encoder
        // The engine threads every product itself (see `Matmul`); OpenBLAS's own pool stays idle.
        BLASThreads.set(1)
        head = RewardHead(weights: loaded.head.inOrdinaryMemory())
        calibrationPass = try Self.calibrate(calibration, encoder: loaded.encoder, config: config)
        // Packed products, copied small tensors and vocabulary rows read through the file no longer touch
        // the mapping; neither the load nor calibration's text should leave any of it resident.
        store.releaseResidentPages()
    }

    /// Loads `config.json` and the weights (safetensors, sharded safetensors or pytorch_model.bin).
    public convenience init(
        directory: URL, threads: Int = 1, precision: Precision = .fp32, calibration: [TokenSequence] = []
    ) throws {
        let config = try ModelConfig.load(directory: directory)
        try self.init(
            config: config, weights: WeightFiles.open(directory: directory), threads: threads, precision: precision,
            calibration: calibration)
    }

    /// Runs the calibration sequences through the encoder as one batch: each byte-coded product
    /// calibrates on the first input it multiplies (see `ByteCodedWeight.times`). Before the engine is
    /// returned, so no other thread sees a product change. Returns the pass's real tokens and wall time
    /// (nil when there was nothing to calibrate).
    private static func calibrate(
        _ calibration: [TokenSequence], encoder: any SequenceEncoder, config: ModelConfig
    ) throws -> (tokens: Int, duration: Duration)? {
        let pending = encoder.layerWeights.flatMap(\.linears).compactMap(\.byteCoded).filter { !$0.isCalibrated }
        guard !pending.isEmpty else { return nil }
        guard !calibration.isEmpty else { throw EngineError.calibrationMissing }
        // Cut to the model's limit: only the channels' magnitudes matter here.
        let limit = config.maxSequenceLength
        let batch = try PackedBatch(
            calibration.map {
                TokenSequence(ids: Array($0.ids.prefix(limit)), typeIds: Array($0.typeIds.prefix(limit)))
            },
            config: config)
        // A workspace of its own, freed when the pass ends: the calibration batch is larger than the
        // batches most servers see, and the shared one would keep its pages resident.
        let start = ContinuousClock.now
        let workspace = Workspace(
            tokens: max(batch.tokenCount, encoder.minimumClsRows), longest: batch.lengths.max() ?? 0,
            threads: encoder.parallel.threads, config: config)
        _ = ComputeLock.shared.withLock { _ in encoder.clsVectors(batch, workspace: workspace) }
        // Products the pass did not reach (none in the supported families) still get quantised.
        for weight in pending { weight.finishCalibration(parallel: encoder.parallel) }
        return (batch.tokenCount, ContinuousClock.now - start)
    }

    /// Raw head outputs, one per sequence, in order. Forward passes run one at a time in the process,
    /// since each already uses every thread it was given. A sequence's score does not depend on the
    /// others in the batch: linear layers are row-wise and attention stays within a sequence.
    /// One-label models only (`EngineError.notOneLabel` otherwise).
    public func scores(_ sequences: [TokenSequence]) throws -> [Float] {
        guard config.labels.count == 1 else { throw EngineError.notOneLabel(labels: config.labels.count) }
        guard !sequences.isEmpty else { return [] }
        let (cls, count) = try firstTokenVectors(sequences)
        return head.scores(cls: cls, count: count)
    }

    /// Every label's raw logit per sequence, `[sequences][labels.count]`, in order (no softmax or
    /// sigmoid; `ClassifierLabels.probabilities` applies the one `problem_type` names).
    public func logits(_ sequences: [TokenSequence]) throws -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let (cls, count) = try firstTokenVectors(sequences)
        return head.logits(cls: cls, count: count)
    }

    /// The [CLS] vectors of `sequences`, in order. A batch of more than `Workspace.retainedTokens` tokens
    /// runs as several passes of whole sequences that each fit the retained workspace: a sequence's
    /// vector does not depend on the rest of its batch, and one pass over the whole batch would need a
    /// workspace of its own (about 140 MB at 4,096 bert-base tokens) at the peak of the process's memory.
    /// An error names the sequence's index in `sequences` (a pass is a slice that keeps it).
    private func firstTokenVectors(_ sequences: [TokenSequence]) throws -> (cls: [Float], count: Int) {
        var cls: [Float] = []
        cls.reserveCapacity(sequences.count * config.hiddenSize)
        for pass in Self.passes(lengths: sequences.map(\.ids.count), tokenBudget: Workspace.retainedTokens) {
            let batch = try PackedBatch(sequences[pass], config: config)
            cls += ComputeLock.shared.withLock { retained in
                encoder.clsVectors(batch, workspace: encoder.workspace(for: batch, retained: &retained))
            }
        }
        return (cls, sequences.count)
    }

    /// Consecutive runs of sequences holding at most `tokenBudget` tokens each, in order; a longer
    /// sequence makes a run of its own.
    static func passes(lengths: [Int], tokenBudget: Int) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        var tokens = 0
        for (index, length) in lengths.enumerated() {
            if index > start && tokens + length > tokenBudget {
                runs.append(start..<index)
                (start, tokens) = (index, 0)
            }
            tokens += length
        }
        if start < lengths.count { runs.append(start..<lengths.count) }
        return runs
    }

    /// How many encoder products run in int8 (tests check that `.int8` reached every one).
    var quantizedProducts: Int {
        encoder.layerWeights.reduce(0) { $0 + $1.linears.filter(\.isInt8).count }
    }

    /// How many of those run on byte-coded inputs.
    var byteCodedProducts: Int {
        encoder.layerWeights.reduce(0) { $0 + $1.linears.filter { $0.byteCoded != nil }.count }
    }

    /// Rows the last layer's query, output and feed-forward products run on for a batch of
    /// `sequences`: one [CLS] row each, padded where OpenBLAS runs them (see `BertEncoder.minimumClsRows`;
    /// benchmarks count FLOPs with it).
    public func lastLayerRows(sequences: Int) -> Int { max(sequences, encoder.minimumClsRows) }
}

/// Serialises forward passes process-wide (see `RewardEngine.scores`), and holds the scratch
/// workspace every engine's passes share (see `Workspace`).
enum ComputeLock {
    static let shared = Mutex<Workspace?>(nil)
}
