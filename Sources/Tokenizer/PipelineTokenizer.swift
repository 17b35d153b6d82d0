// A tokenizer assembled from the stages a tokenizer.json names (BPE and SentencePiece Unigram
// models, and WordPiece with any of the supported stages), run in `tokenizers`' order: raw added
// tokens → normaliser → normalised added tokens → pre-tokeniser → model, then longest-first
// truncation and the post-processor's template. The encode API is BertTokenizer's. It owns the
// order of the stages; each stage's rules live in its own file, and reading JSON in TokenizerJSON.

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

    func tokens<Failure>(of text: String, stop: inout StopCheck<Failure>) throws(Failure) -> [Token] {
        let raw = Array(text.unicodeScalars)
        var tokens: [Token] = []
        tokens.reserveCapacity(raw.count / 3 + 4)
        for segment in try rawAddedTokens.split(raw[...], stop: &stop) {
            switch segment {
            case .token(let token):
                tokens.append(token)
            case .text(let range):
                try appendTokens(
                    ofUnnormalized: raw[range], startsText: range.lowerBound == 0, to: &tokens, stop: &stop)
            }
        }
        return tokens
    }

    private func appendTokens<Failure>(
        ofUnnormalized raw: ArraySlice<Unicode.Scalar>, startsText: Bool, to tokens: inout [Token],
        stop: inout StopCheck<Failure>
    ) throws(Failure) {
        let normalized = try normalizer?.normalize(Array(raw), stop: &stop) ?? Array(raw)
        for segment in try normalizedAddedTokens.split(normalized[...], stop: &stop) {
            switch segment {
            case .token(let token):
                tokens.append(token)
            case .text(let range):
                let piece = Array(normalized[range])
                let context = PreTokenizer.Context(startsText: startsText && range.lowerBound == 0)
                let words = try preTokenizer?.split(piece, context: context, stop: &stop) ?? [piece]
                for word in words { try appendModelTokens(of: word, to: &tokens, stop: &stop) }
            }
        }
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
