// The pre-tokenisers a tokenizer.json may name, as `tokenizers` runs them on one piece of
// normalised text: Sequence, ByteLevel, Metaspace, Whitespace, WhitespaceSplit, BertPreTokenizer.
// They cut the text into the words the model sees (and rewrite them where the pre-tokeniser does:
// ▁ for spaces, byte stand-ins); each is a single scan. Vocabulary look-ups are the model's.

indirect enum PreTokenizer: Sendable {
    case sequence([PreTokenizer])
    case byteLevel(ByteLevelPreTokenizer)
    case metaspace(Metaspace)
    /// `\w+|[^\w\s]+`.
    case whitespace
    /// Split on White_Space, which is dropped.
    case whitespaceSplit
    case bert

    /// Where a piece of text sits: Metaspace's `first` scheme adds its ▁ only at the start of the
    /// whole text.
    struct Context {
        var startsText: Bool
    }

    /// The words of `scalars`.
    func split<Failure>(
        _ scalars: [Unicode.Scalar], context: Context, stop: inout StopCheck<Failure>
    ) throws(Failure) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        switch self {
        case .sequence(let steps):
            pieces = [scalars]
            for step in steps {
                var next: [[Unicode.Scalar]] = []
                for (position, piece) in pieces.enumerated() {
                    let inner = Context(startsText: context.startsText && position == 0)
                    next += try step.split(piece, context: inner, stop: &stop)
                }
                pieces = next
            }
        case .byteLevel(let byteLevel):
            try byteLevel.split(scalars[...], into: &pieces, stop: &stop)
        case .metaspace(let metaspace):
            try metaspace.split(scalars, startsText: context.startsText, into: &pieces, stop: &stop)
        case .whitespace:
            try stop.record(scalars.count)
            pieces = Self.runs(scalars, isWord: CharacterClasses.isWordCharacter)
        case .whitespaceSplit:
            try stop.record(scalars.count)
            pieces = Self.runs(scalars, isWord: nil)
        case .bert:
            try stop.record(scalars.count)
            pieces = BertPreTokenizer.wordRanges(in: scalars[...]).map { Array(scalars[$0]) }
        }
        return pieces
    }

    /// Maximal runs of non-whitespace; with `isWord`, each run is further cut where it changes
    /// between word and non-word scalars (`\w+|[^\w\s]+`).
    private static func runs(_ scalars: [Unicode.Scalar], isWord: ((Unicode.Scalar) -> Bool)?) -> [[Unicode.Scalar]] {
        var pieces: [[Unicode.Scalar]] = []
        var index = 0
        while index < scalars.count {
            guard !CharacterClasses.isWhitespace(scalars[index]) else {
                index += 1
                continue
            }
            let start = index
            let kind = isWord?(scalars[start])
            index += 1
            while index < scalars.count && !CharacterClasses.isWhitespace(scalars[index])
                && isWord?(scalars[index]) == kind
            {
                index += 1
            }
            pieces.append(Array(scalars[start..<index]))
        }
        return pieces
    }
}

/// SentencePiece-style spaces: ' ' becomes ▁ (or another replacement), a ▁ is put in front of the
/// text by the prepend scheme, and with `split` every ▁ starts a new word.
struct Metaspace: Sendable {
    enum PrependScheme: String, Sendable {
        case first, always, never
    }

    var replacement: Unicode.Scalar
    var prependScheme: PrependScheme
    var split: Bool

    func split<Failure>(
        _ scalars: [Unicode.Scalar], startsText: Bool, into pieces: inout [[Unicode.Scalar]],
        stop: inout StopCheck<Failure>
    ) throws(Failure) {
        guard !scalars.isEmpty else { return }
        try stop.record(scalars.count)
        var text: [Unicode.Scalar] = []
        text.reserveCapacity(scalars.count + 1)
        let prepend =
            scalars.first != " " && scalars.first != replacement
            && (prependScheme == .always || (prependScheme == .first && startsText))
        if prepend { text.append(replacement) }
        for scalar in scalars { text.append(scalar == " " ? replacement : scalar) }
        guard split else {
            pieces.append(text)
            return
        }
        // Split before every ▁ (the delimiter is merged with the word that follows it).
        var start = 0
        for index in 1..<max(text.count, 1) where text[index] == replacement {
            pieces.append(Array(text[start..<index]))
            start = index
        }
        pieces.append(Array(text[start...]))
    }
}
