// The pair rules every tokenizer shares, as transformers applies them to `tok(first, second)`: each
// text is split at raw added tokens and the stretches between them tokenised (an empty second text
// counts as absent), cut longest-first so that the texts and the framing's special tokens fit the
// truncation length, then framed. Tokenizers differ only in how a stretch of text becomes tokens
// and how a pair is framed.

/// Where special tokens and type ids go around one or two tokenised texts.
protocol PairFraming {
    func specialTokenCount(hasSecond: Bool) -> Int
    func assemble(first: ArraySlice<Token>, second: ArraySlice<Token>?, typeIds mode: TypeIdMode) -> Encoding
}

extension PairTemplate: PairFraming {}
extension PostProcessor: PairFraming {}

protocol PairTokenizing {
    associatedtype Framing: PairFraming
    var pairFraming: Framing { get }
    /// Added tokens matched in the raw text, before normalisation.
    var rawAddedTokens: AddedTokenMatcher { get }
    /// Added tokens matched in the normalised text.
    var normalizedAddedTokens: AddedTokenMatcher { get }
    /// `raw` (a stretch between raw added tokens) normalised.
    func normalize<Failure>(
        _ raw: ArraySlice<Unicode.Scalar>, stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar]
    /// The tokens of `text` (normalised, free of added tokens; `startsText`: it is the beginning of
    /// the whole text), appended to `tokens`.
    func appendWordTokens<Failure>(
        of text: ArraySlice<Unicode.Scalar>, startsText: Bool, to tokens: inout [Token], stop: inout StopCheck<Failure>
    ) throws(Failure)
}

extension PairTokenizing {
    /// The tokens of `text` (added tokens inside it included), counting work on `stop`: raw added
    /// tokens are matched first, then each stretch between them is normalised and searched for
    /// normalised added tokens, and what remains goes to the pre-tokeniser and model.
    func tokens<Failure>(of text: String, stop: inout StopCheck<Failure>) throws(Failure) -> [Token] {
        let raw = Array(text.unicodeScalars)
        var tokens: [Token] = []
        tokens.reserveCapacity(raw.count / 3 + 4)
        for segment in try rawAddedTokens.split(raw[...], stop: &stop) {
            switch segment {
            case .token(let token):
                tokens.append(token)
            case .text(let rawRange):
                let normalized = try normalize(raw[rawRange], stop: &stop)
                for piece in try normalizedAddedTokens.split(normalized[...], stop: &stop) {
                    switch piece {
                    case .token(let token):
                        tokens.append(token)
                    case .text(let range):
                        let startsText = rawRange.lowerBound == 0 && range.lowerBound == 0
                        try appendWordTokens(of: normalized[range], startsText: startsText, to: &tokens, stop: &stop)
                    }
                }
            }
        }
        return tokens
    }

    func encodePair(_ first: String, _ second: String?, truncation: Truncation?, typeIds: TypeIdMode) -> Encoding {
        var stop = StopCheck<Never>.never
        return encodePair(first, second, truncation: truncation, typeIds: typeIds, stop: &stop)
    }

    /// Polls `shouldStop` before starting and every few thousand units of work; throws
    /// `TokenizerError.stopped` once it returns true.
    func encodePair(
        _ first: String, _ second: String?, truncation: Truncation?, typeIds: TypeIdMode,
        stopIf shouldStop: () -> Bool
    ) throws -> Encoding {
        try withoutActuallyEscaping(shouldStop) { shouldStop in
            var stop = StopCheck { () throws(TokenizerError) in
                if shouldStop() { throw TokenizerError.stopped }
            }
            try stop.pollNow()
            return try encodePair(first, second, truncation: truncation, typeIds: typeIds, stop: &stop)
        }
    }

    /// The token texts of `text` without special tokens around it.
    func tokenTexts(_ text: String) -> [String] {
        var stop = StopCheck<Never>.never
        return tokens(of: text, stop: &stop).map(\.text)
    }

    private func encodePair<Failure>(
        _ first: String, _ second: String?, truncation: Truncation?, typeIds: TypeIdMode,
        stop: inout StopCheck<Failure>
    ) throws(Failure) -> Encoding {
        let firstTokens = try tokens(of: first, stop: &stop)
        var secondTokens: [Token]?
        if let second, !second.isEmpty { secondTokens = try tokens(of: second, stop: &stop) }
        guard let truncation else {
            return pairFraming.assemble(first: firstTokens[...], second: secondTokens?[...], typeIds: typeIds)
        }
        let kept = truncation.keptLengths(
            first: firstTokens.count, second: secondTokens?.count,
            specialTokens: pairFraming.specialTokenCount(hasSecond: secondTokens != nil))
        return pairFraming.assemble(
            first: truncation.cut(firstTokens, to: kept.first),
            second: secondTokens.map { truncation.cut($0, to: kept.second ?? $0.count) },
            typeIds: typeIds)
    }
}
