// Configuration of a BertTokenizer: the options a model directory (or a caller) sets, and the
// special-token ids resolved from them. Values and lookups only; no tokenisation happens here.

extension BertTokenizer {
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

    /// Ids of the special tokens, as found in the vocabulary (or given by an added token).
    public struct SpecialTokens: Sendable, Equatable {
        public var classifier: Int32
        public var separator: Int32
        public var unknown: Int32
        public var padding: Int32?
        public var mask: Int32?

        public init(classifier: Int32, separator: Int32, unknown: Int32, padding: Int32?, mask: Int32?) {
            self.classifier = classifier
            self.separator = separator
            self.unknown = unknown
            self.padding = padding
            self.mask = mask
        }

        /// Looks each special token up: an added token's own id first, then the vocabulary.
        init(options: Options, vocabulary: [ExactString: Int32], addedTokens: [(token: AddedToken, id: Int32)]) throws {
            let addedIds = Dictionary(
                addedTokens.map { (ExactString($0.token.content), $0.id) }, uniquingKeysWith: { $1 })
            func id(of token: String) -> Int32? { addedIds[ExactString(token)] ?? vocabulary[ExactString(token)] }
            guard let classifier = id(of: options.classifierToken), let separator = id(of: options.separatorToken),
                let unknown = id(of: options.unknownToken)
            else {
                let required = [options.classifierToken, options.separatorToken, options.unknownToken]
                throw TokenizerError.missingTokensInVocabulary(required.filter { id(of: $0) == nil })
            }
            self.init(
                classifier: classifier, separator: separator, unknown: unknown,
                padding: options.paddingToken.flatMap(id(of:)), mask: options.maskToken.flatMap(id(of:)))
        }
    }
}

extension BertNormalizer {
    init(options: BertTokenizer.Options) {
        self.init(
            cleanText: options.cleanText, handleChineseCharacters: options.handleChineseCharacters,
            stripAccents: options.stripAccents ?? options.lowercase, lowercase: options.lowercase)
    }
}
