// BERT text normalisation, step for step as `tokenizers`' BertNormalizer:
// clean text → pad CJK ideographs → strip accents (NFD, drop Mn) → lower-case.
// It works on Unicode scalars (Rust `char`s) and knows nothing of words or vocabularies.

import Foundation

struct BertNormalizer: Sendable, Equatable {
    var cleanText: Bool
    var handleChineseCharacters: Bool
    var stripAccents: Bool
    var lowercase: Bool

    /// The normalised scalars of `text`.
    func normalize<S: Sequence<Unicode.Scalar>>(_ text: S) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.underestimatedCount + 8)
        var allASCII = true
        for scalar in text {
            if cleanText {
                if CharacterClasses.isRemovedByCleaning(scalar) { continue }
                if CharacterClasses.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && CharacterClasses.isChineseIdeograph(scalar) {
                scalars.append(contentsOf: [" ", scalar, " "])
            } else {
                scalars.append(scalar)
            }
            allASCII = allASCII && scalar.isASCII
        }
        if stripAccents && !allASCII {
            scalars = Self.decomposingWithoutNonspacingMarks(scalars)
        }
        if lowercase {
            scalars = allASCII ? Self.lowercasedASCII(scalars) : Self.lowercased(scalars)
        }
        return scalars
    }

    /// NFD, then every non-spacing mark removed. NFD runs over the cleaned text as a whole, as in
    /// `tokenizers`, so canonical reordering sees the same neighbours; scalars newer than its
    /// Unicode 9.0 tables pass through unchanged and, like starters, split the text into runs.
    private static func decomposingWithoutNonspacingMarks(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count + scalars.count / 4)
        var run = String.UnicodeScalarView()
        func flushRun() {
            guard !run.isEmpty else { return }
            let decomposed = String(run).decomposedStringWithCanonicalMapping.unicodeScalars
            result.append(contentsOf: decomposed.lazy.filter { !CharacterClasses.isNonspacingMark($0) })
            run = String.UnicodeScalarView()
        }
        for scalar in scalars {
            if CharacterClasses.isKnownToDecomposition(scalar) {
                run.append(scalar)
            } else {
                flushRun()
                if !CharacterClasses.isNonspacingMark(scalar) { result.append(scalar) }
            }
        }
        flushRun()
        return result
    }

    /// Rust `char::to_lowercase` applied scalar by scalar: the full (unconditional) lower-case
    /// mapping, so 'İ' becomes "i̇" and 'Σ' always becomes 'σ' (no final-sigma rule).
    private static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                result.append(lowercasedASCII(scalar))
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    private static func lowercasedASCII(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var scalars = scalars
        for index in scalars.indices { scalars[index] = lowercasedASCII(scalars[index]) }
        return scalars
    }

    private static func lowercasedASCII(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) + 0x20) : scalar
    }
}
