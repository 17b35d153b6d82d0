// The public BERT WordPiece tokenizer: it wires added-token extraction, BertNormalizer,
// BertPreTokenizer, WordPiece, truncation and the pair template together, reproducing what
// Hugging Face `tokenizers` (as driven by transformers 5) produces for `tok(first, second)`.
// The order of the stages is PairEncoding's; each stage's rules live in its own file.

public struct BertTokenizer: Sendable {
    public let options: Options
    public let specialTokens: SpecialTokens
    /// One more than the largest id the tokenizer can emit: the embedding rows a model needs.
    public let vocabularySize: Int
    /// From tokenizer_config.json, when the tokenizer was loaded from a model directory.
    public internal(set) var limits = TokenizerLimits()

    private let normalizer: BertNormalizer
    private let wordPiece: WordPiece
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    private let template: PairTemplate

    /// A tokenizer whose token ids are the positions in `vocabulary` (as in vocab.txt; when a token
    /// appears twice, the later position wins).
    public init(vocabulary: [String], options: Options = Options()) throws {
        var ids: [ExactString: Int32] = [:]
        for (index, token) in vocabulary.enumerated() { ids[ExactString(token)] = Int32(index) }
        try self.init(ids: ids, options: options)
    }

    init(ids vocabulary: [ExactString: Int32], options: Options) throws {
        guard !vocabulary.isEmpty else { throw TokenizerError.invalidConfiguration("empty vocabulary") }
        guard options.maxInputCharactersPerWord > 0 else {
            throw TokenizerError.invalidConfiguration("maxInputCharactersPerWord must be positive")
        }
        let normalizer = BertNormalizer(options: options)
        // Build the decomposition table while loading, not in the first request with an accent.
        if normalizer.stripAccents { CanonicalDecompositions.prepare() }
        let added = try Self.resolveAddedTokens(options.allAddedTokens, in: vocabulary)
        let specialTokens = try SpecialTokens(options: options, vocabulary: vocabulary, addedTokens: added)
        self.options = options
        self.normalizer = normalizer
        self.wordPiece = try WordPiece(
            vocabulary: vocabulary, unknownToken: options.unknownToken,
            continuingSubwordPrefix: options.continuingSubwordPrefix,
            maxInputCharactersPerWord: options.maxInputCharactersPerWord)
        self.rawAddedTokens = AddedTokenMatcher(
            added.filter { !$0.token.normalized }.map { (Array($0.token.content.unicodeScalars), $0.token, $0.id) })
        self.normalizedAddedTokens = AddedTokenMatcher(
            added.filter(\.token.normalized).map {
                (normalizer.normalize($0.token.content.unicodeScalars), $0.token, $0.id)
            })
        self.specialTokens = specialTokens
        self.template = PairTemplate(
            classifier: Token(id: specialTokens.classifier, text: options.classifierToken),
            separator: Token(id: specialTokens.separator, text: options.separatorToken))
        let largestId = max(vocabulary.values.max() ?? 0, added.map(\.id).max() ?? 0)
        self.vocabularySize = Int(largestId) + 1
    }

    /// Each added token with its id: its own, else its id in the vocabulary. Throws naming every
    /// token that has neither.
    private static func resolveAddedTokens(
        _ tokens: [AddedToken], in vocabulary: [ExactString: Int32]
    ) throws -> [(token: AddedToken, id: Int32)] {
        var resolved: [(token: AddedToken, id: Int32)] = []
        var missing: [String] = []
        for token in tokens where !token.content.isEmpty {
            if let id = token.id ?? vocabulary[ExactString(token.content)] {
                resolved.append((token, id))
            } else {
                missing.append(token.content)
            }
        }
        guard missing.isEmpty else { throw TokenizerError.missingTokensInVocabulary(missing) }
        return resolved
    }

    /// `[CLS] first [SEP]`, or `[CLS] first [SEP] second [SEP]` when `second` is neither nil nor
    /// empty (transformers treats an empty pair as absent). Without `truncation` nothing is cut, so
    /// `ids.count` is the full length.
    public func encode(
        _ first: String, _ second: String? = nil, truncation: Truncation? = nil, typeIds: TypeIdMode = .zeros
    ) -> Encoding {
        encodePair(first, second, truncation: truncation, typeIds: typeIds)
    }

    /// `encode(_:_:truncation:typeIds:)` that calls `shouldStop` before starting and then every few
    /// thousand scalars of work (inside one long text too), and throws `TokenizerError.stopped` as
    /// soon as it returns true: for a deadline or a cancelled request.
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
        try normalizer.normalize(raw, stop: &stop)
    }

    /// BERT's pre-tokeniser does not depend on where the text starts, so `startsText` is unused.
    func appendWordTokens<Failure>(
        of text: ArraySlice<Unicode.Scalar>, startsText: Bool, to tokens: inout [Token], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        for word in BertPreTokenizer.wordRanges(in: text) {
            try stop.record(word.count)
            wordPiece.tokenize(text[word], into: &tokens)
        }
    }
}

extension BertTokenizer: PairTokenizing {
    var pairFraming: PairTemplate { template }
}
