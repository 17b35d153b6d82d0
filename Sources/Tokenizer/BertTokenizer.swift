// The public BERT WordPiece tokenizer: it wires added-token extraction, BertNormalizer,
// BertPreTokenizer, WordPiece, truncation and the pair template together, reproducing what
// Hugging Face `tokenizers` (as driven by transformers 5) produces for `tok(first, second)`.
// It owns the order of the stages; each stage's rules live in its own file.

public struct BertTokenizer: Sendable {
    public struct Options: Sendable, Equatable {
        public var lowercase: Bool
        /// nil: strip accents exactly when lower-casing (BERT's convention).
        public var stripAccents: Bool?
        public var handleChineseCharacters: Bool
        public var cleanText: Bool
        public var unknownToken: String
        public var classifierToken: String
        public var separatorToken: String
        /// Looked up so `specialTokens.pad` can report it; nil when the vocabulary has none.
        public var paddingToken: String?
        /// Looked up so `specialTokens.mask` can report it; nil when the vocabulary has none.
        public var maskToken: String?
        public var continuingSubwordPrefix: String
        /// Longer words (in Unicode scalars, after normalisation) become the unknown token.
        public var maxInputCharactersPerWord: Int
        /// Tokens matched in the text besides the special tokens above, which always are. An entry
        /// with the same content as a special token replaces that token's default flags.
        public var addedTokens: [AddedToken]

        public init(
            lowercase: Bool = true, stripAccents: Bool? = nil, handleChineseCharacters: Bool = true,
            cleanText: Bool = true, unknownToken: String = "[UNK]", classifierToken: String = "[CLS]",
            separatorToken: String = "[SEP]", paddingToken: String? = "[PAD]", maskToken: String? = "[MASK]",
            continuingSubwordPrefix: String = "##", maxInputCharactersPerWord: Int = 100,
            addedTokens: [AddedToken] = []
        ) {
            self.lowercase = lowercase
            self.stripAccents = stripAccents
            self.handleChineseCharacters = handleChineseCharacters
            self.cleanText = cleanText
            self.unknownToken = unknownToken
            self.classifierToken = classifierToken
            self.separatorToken = separatorToken
            self.paddingToken = paddingToken
            self.maskToken = maskToken
            self.continuingSubwordPrefix = continuingSubwordPrefix
            self.maxInputCharactersPerWord = maxInputCharactersPerWord
            self.addedTokens = addedTokens
        }

        /// The special tokens as added tokens (not normalised, no stripping), then `addedTokens`.
        var allAddedTokens: [AddedToken] {
            let specials = [unknownToken, classifierToken, separatorToken, paddingToken, maskToken]
                .compactMap { $0 }
                .filter { special in !addedTokens.contains { ExactString($0.content) == ExactString(special) } }
                .map { AddedToken(content: $0, isSpecial: true) }
            return specials + addedTokens
        }
    }

    /// Ids of the special tokens, as found in the vocabulary.
    public struct SpecialTokens: Sendable, Equatable {
        public var classifier: Int32
        public var separator: Int32
        public var unknown: Int32
        public var padding: Int32?
        public var mask: Int32?
    }

    public let options: Options
    public let specialTokens: SpecialTokens
    /// One more than the largest id the tokenizer can emit: the embedding rows a model needs.
    public let vocabularySize: Int

    private let normalizer: BertNormalizer
    private let wordPiece: WordPiece
    private let rawAddedTokens: AddedTokenMatcher
    private let normalizedAddedTokens: AddedTokenMatcher
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
        let normalizer = BertNormalizer(
            cleanText: options.cleanText, handleChineseCharacters: options.handleChineseCharacters,
            stripAccents: options.stripAccents ?? options.lowercase, lowercase: options.lowercase)
        let added = try Self.resolveAddedTokens(options.allAddedTokens, in: vocabulary)
        let addedIds = Dictionary(added.map { (ExactString($0.token.content), $0.id) }, uniquingKeysWith: { $1 })
        func id(of token: String) -> Int32? { addedIds[ExactString(token)] ?? vocabulary[ExactString(token)] }

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
        guard let classifier = id(of: options.classifierToken), let separator = id(of: options.separatorToken),
            let unknown = id(of: options.unknownToken)
        else {
            let required = [options.classifierToken, options.separatorToken, options.unknownToken]
            throw TokenizerError.missingTokensInVocabulary(required.filter { id(of: $0) == nil })
        }
        self.specialTokens = SpecialTokens(
            classifier: classifier, separator: separator, unknown: unknown,
            padding: options.paddingToken.flatMap(id(of:)), mask: options.maskToken.flatMap(id(of:)))
        self.template = PairTemplate(
            classifier: Token(id: classifier, text: options.classifierToken),
            separator: Token(id: separator, text: options.separatorToken))
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
        let firstTokens = tokens(of: first)
        let secondTokens = second.flatMap { $0.isEmpty ? nil : tokens(of: $0) }
        guard let truncation else {
            return template.assemble(first: firstTokens[...], second: secondTokens?[...], typeIds: typeIds)
        }
        let kept = truncation.keptLengths(
            first: firstTokens.count, second: secondTokens?.count,
            specialTokens: template.specialTokenCount(hasSecond: secondTokens != nil))
        return template.assemble(
            first: truncation.cut(firstTokens, to: kept.first),
            second: secondTokens.map { truncation.cut($0, to: kept.second ?? $0.count) },
            typeIds: typeIds)
    }

    /// The tokens of `text` without special tokens around it (added tokens inside it included).
    public func tokenize(_ text: String) -> [String] {
        tokens(of: text).map(\.text)
    }

    func tokens(of text: String) -> [Token] {
        let raw = Array(text.unicodeScalars)
        var tokens: [Token] = []
        tokens.reserveCapacity(raw.count / 3 + 4)
        for segment in rawAddedTokens.split(raw[...]) {
            switch segment {
            case .token(let token): tokens.append(token)
            case .text(let range): appendTokens(ofUnnormalized: raw[range], to: &tokens)
            }
        }
        return tokens
    }

    private func appendTokens(ofUnnormalized raw: ArraySlice<Unicode.Scalar>, to tokens: inout [Token]) {
        let normalized = normalizer.normalize(raw)
        for segment in normalizedAddedTokens.split(normalized[...]) {
            switch segment {
            case .token(let token):
                tokens.append(token)
            case .text(let range):
                BertPreTokenizer.forEachWord(in: normalized[range]) { word in
                    wordPiece.tokenize(normalized[word], into: &tokens)
                }
            }
        }
    }
}
