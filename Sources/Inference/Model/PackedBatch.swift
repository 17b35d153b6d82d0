// A batch of token sequences laid end to end with no padding: linear layers run over all
// real tokens at once and attention uses the offsets to stay within each sequence.
import Checkpoint

/// One encoded input as the engine sees it.
public struct TokenSequence: Sendable, Equatable {
    public var ids: [Int32]
    /// Segment ids; all zero for the reward models this service serves (DESIGN.md §2.3).
    public var typeIds: [Int32]

    public init(ids: [Int32], typeIds: [Int32]? = nil) {
        self.ids = ids
        self.typeIds = typeIds ?? [Int32](repeating: 0, count: ids.count)
    }
}

public enum EngineError: Error, CustomStringConvertible, Equatable {
    case emptySequence(index: Int)
    case sequenceTooLong(index: Int, length: Int, limit: Int)
    case tokenOutOfRange(index: Int, id: Int32, vocabSize: Int)
    case typeIdOutOfRange(index: Int, id: Int32, typeVocabSize: Int)
    case typeIdsLengthMismatch(index: Int)
    /// `scores` on a classifier with several outputs; `logits` gives all of them.
    case notOneLabel(labels: Int)
    /// int8 without calibration sequences (see `RewardEngine.init`).
    case calibrationMissing

    public var description: String {
        switch self {
        case .emptySequence(let i): "sequence \(i) is empty"
        case .sequenceTooLong(let i, let length, let limit):
            "sequence \(i) has \(length) tokens; the model accepts at most \(limit)"
        case .tokenOutOfRange(let i, let id, let size): "sequence \(i): token id \(id) outside vocabulary of \(size)"
        case .typeIdOutOfRange(let i, let id, let size): "sequence \(i): type id \(id) outside 0..<\(size)"
        case .typeIdsLengthMismatch(let i): "sequence \(i): type ids and token ids differ in length"
        case .notOneLabel(let labels):
            "the model is a classifier with \(labels) labels; a single score needs a one-label model"
        case .calibrationMissing: "int8 needs calibration sequences to quantise the model's products"
        }
    }
}

struct PackedBatch {
    let ids: [Int32]
    let typeIds: [Int32]
    /// Start of each sequence in the packed rows; `starts[i] ..< starts[i] + lengths[i]`.
    let starts: [Int]
    let lengths: [Int]
    var tokenCount: Int { ids.count }
    var sequenceCount: Int { lengths.count }

    init(_ sequences: [TokenSequence], config: ModelConfig) throws {
        try self.init(sequences[...], config: config)
    }

    /// Errors name a sequence by its index in `sequences`' base (a slice keeps the caller's indices).
    init(_ sequences: ArraySlice<TokenSequence>, config: ModelConfig) throws {
        var ids: [Int32] = []
        var typeIds: [Int32] = []
        var starts: [Int] = []
        var lengths: [Int] = []
        ids.reserveCapacity(sequences.reduce(0) { $0 + $1.ids.count })
        typeIds.reserveCapacity(ids.capacity)
        for (index, sequence) in zip(sequences.indices, sequences) {
            try Self.validate(sequence, index: index, config: config)
            starts.append(ids.count)
            lengths.append(sequence.ids.count)
            ids += sequence.ids
            typeIds += sequence.typeIds
        }
        (self.ids, self.typeIds, self.starts, self.lengths) = (ids, typeIds, starts, lengths)
    }

    private static func validate(_ s: TokenSequence, index: Int, config: ModelConfig) throws {
        guard !s.ids.isEmpty else { throw EngineError.emptySequence(index: index) }
        guard s.ids.count <= config.maxSequenceLength else {
            throw EngineError.sequenceTooLong(index: index, length: s.ids.count, limit: config.maxSequenceLength)
        }
        guard s.typeIds.count == s.ids.count else { throw EngineError.typeIdsLengthMismatch(index: index) }
        if let bad = s.ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw EngineError.tokenOutOfRange(index: index, id: bad, vocabSize: config.vocabSize)
        }
        // Families without a token-type table ignore type ids, as transformers does.
        if config.hasTokenTypes, let bad = s.typeIds.first(where: { $0 < 0 || Int($0) >= config.typeVocabSize }) {
            throw EngineError.typeIdOutOfRange(index: index, id: bad, typeVocabSize: config.typeVocabSize)
        }
    }
}
