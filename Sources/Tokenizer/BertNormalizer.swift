// BERT text normalisation, step for step as `tokenizers`' BertNormalizer:
// clean text → pad CJK ideographs → strip accents (NFD, drop Mn) → lower-case.
// It works on Unicode scalars (Rust `char`s) and knows nothing of words or vocabularies. Every
// step is one pass over the scalars, reporting its work to a StopCheck.

struct BertNormalizer: Sendable, Equatable {
    var cleanText: Bool
    var handleChineseCharacters: Bool
    var stripAccents: Bool
    var lowercase: Bool

    /// The normalised scalars of `text`.
    func normalize<S: Sequence<Unicode.Scalar>>(_ text: S) -> [Unicode.Scalar] {
        var stop = StopCheck<Never>.never
        return normalize(text, stop: &stop)
    }

    /// The normalised scalars of `text`, polling `stop` as it goes.
    func normalize<S: Sequence<Unicode.Scalar>, Failure>(
        _ text: S, stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar] {
        var (scalars, allASCII) = try cleaned(text, stop: &stop)
        if stripAccents && !allASCII {
            scalars = try CanonicalDecomposer.decompose(
                scalars, keeping: { !CharacterClasses.isNonspacingMark($0) }, stop: &stop)
        }
        if lowercase {
            scalars = allASCII ? Self.lowercasedASCII(scalars) : try Self.lowercased(scalars, stop: &stop)
        }
        return scalars
    }

    /// `clean_text` and `handle_chinese_chars`, and whether the result is all ASCII.
    private func cleaned<S: Sequence<Unicode.Scalar>, Failure>(
        _ text: S, stop: inout StopCheck<Failure>
    ) throws(Failure) -> (scalars: [Unicode.Scalar], allASCII: Bool) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.underestimatedCount + 8)
        var allASCII = true
        for scalar in text {
            try stop.record()
            if cleanText {
                if CharacterClasses.isRemovedByCleaning(scalar) { continue }
                if CharacterClasses.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && CharacterClasses.isChineseIdeograph(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
            allASCII = allASCII && scalar.isASCII
        }
        return (scalars, allASCII)
    }

    /// Rust `char::to_lowercase` applied scalar by scalar: the full (unconditional) lower-case
    /// mapping, so 'İ' becomes "i̇" and 'Σ' always becomes 'σ' (no final-sigma rule).
    private static func lowercased<Failure>(
        _ scalars: [Unicode.Scalar], stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for scalar in scalars {
            try stop.record()
            if scalar.isASCII {
                result.append(lowercasedASCII(scalar))
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    /// ASCII only: a tight loop cheap enough (a few milliseconds for 4 MB) to need no polling.
    private static func lowercasedASCII(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var scalars = scalars
        for index in scalars.indices { scalars[index] = lowercasedASCII(scalars[index]) }
        return scalars
    }

    private static func lowercasedASCII(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) + 0x20) : scalar
    }
}
