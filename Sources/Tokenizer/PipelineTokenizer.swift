// A tokenizer assembled from the stages a tokenizer.json names (BPE and SentencePiece Unigram
// models, and WordPiece with any of the supported stages), run in `tokenizers`' order: raw added
// tokens → normaliser → normalised added tokens → pre-tokeniser → model, then longest-first
// truncation and the post-processor's template. The encode API is BertTokenizer's. The order of the
// stages is PairEncoding's; this file supplies the normaliser, pre-tokeniser and model, each
// stage's rules live in its own file, and reading JSON in TokenizerJSON (and TokenizerConfig).

public struct PipelineTokenizer: Sendable {
    enum Model: Sendable {
        case bpe(BPE)
        case unigram(Unigram)
        case wordPiece(WordPiece)
    }

    /// One more than the largest id the tokenizer can emit: the embedding rows a model needs.
    public let vocabularySize: Int
    /// The `model.type` of the file ("BPE", "Unigram", "WordPiece").
    public let modelType: String

    let normalizer: TextNormalizer?
    let preTokenizer: PreTokenizer?
    let model: Model
    let postProcessor: PostProcessor
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    /// tokenizer.json's added tokens, each with its id (tokenizer_config.json is checked against them).
    let addedTokens: [AddedToken]
    /// From tokenizer_config.json, when the tokenizer was loaded from a model directory.
    public internal(set) var limits = TokenizerLimits()

    /// See BertTokenizer.encode: an empty `second` counts as absent; without `truncation` nothing
    /// is cut.
    public func encode(
        _ first: String, _ second: String? = nil, truncation: Truncation? = nil, typeIds: TypeIdMode = .zeros
    ) -> Encoding {
        encodePair(first, second, truncation: truncation, typeIds: typeIds)
    }

    /// `encode` that polls `shouldStop` before starting and every few thousand units of work, and
    /// throws `TokenizerError.stopped` once it returns true.
    public func encode(
        _ first: String, _ second: String? = nil, truncation: Truncation? = nil, typeIds: TypeIdMode = .zeros,
        stopIf shouldStop: () -> Bool
    ) throws -> Encoding {
        try encodePair(first, second, truncation: truncation, typeIds: typeIds, stopIf: shouldStop)
    }

    /// The tokens of `text` without special tokens around it (added tokens inside it included).
    public func tokenize(_ text: String) -> [String] {
        tokenTexts(text)
    }

    func normalize<Failure>(
        _ raw: ArraySlice<Unicode.Scalar>, stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar] {
        try normalizer?.normalize(Array(raw), stop: &stop) ?? Array(raw)
    }

    func appendWordTokens<Failure>(
        of text: ArraySlice<Unicode.Scalar>, startsText: Bool, to tokens: inout [Token], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        let piece = Array(text)
        let words = try preTokenizer?.split(piece, context: PreTokenizer.Context(startsText: startsText), stop: &stop) ?? [piece]
        for word in words { try appendModelTokens(of: word, to: &tokens, stop: &stop) }
    }

    private func appendModelTokens<Failure>(
        of word: [Unicode.Scalar], to tokens: inout [Token], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        switch model {
        case .bpe(let bpe):
            try bpe.tokenize(word, into: &tokens, stop: &stop)
        case .unigram(let unigram):
            try unigram.tokenize(word, into: &tokens, stop: &stop)
        case .wordPiece(let wordPiece):
            try stop.record(word.count)
            wordPiece.tokenize(word[...], into: &tokens)
        }
    }
}

extension PipelineTokenizer: PairTokenizing {
    var pairFraming: PostProcessor { postProcessor }
}
