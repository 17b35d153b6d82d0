// The normalisers a tokenizer.json may name, applied as `tokenizers` applies them to one piece of
// text (the text between added tokens): Sequence, BertNormalizer, Strip, Replace, Lowercase and
// Precompiled. Each is one pass over the scalars, reporting its work to a StopCheck. Reading them
// from JSON is TokenizerJSON's business.

indirect enum TextNormalizer: Sendable {
    case sequence([TextNormalizer])
    case bert(BertNormalizer)
    /// Remove leading and/or trailing White_Space scalars.
    case strip(left: Bool, right: Bool)
    case replace(ReplaceRule)
    /// Rust `char::to_lowercase`, scalar by scalar (no final-sigma rule).
    case lowercase
    case precompiled(PrecompiledCharsmap)

    func normalize<Failure>(
        _ scalars: [Unicode.Scalar], stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar] {
        switch self {
        case .sequence(let normalizers):
            var text = scalars
            for normalizer in normalizers { text = try normalizer.normalize(text, stop: &stop) }
            return text
        case .bert(let bert):
            return try bert.normalize(scalars, stop: &stop)
        case .strip(let left, let right):
            try stop.record(scalars.count)
            var slice = scalars[...]
            while left, let first = slice.first, CharacterClasses.isWhitespace(first) { slice.removeFirst() }
            while right, let last = slice.last, CharacterClasses.isWhitespace(last) { slice.removeLast() }
            return Array(slice)
        case .replace(let rule):
            return try rule.apply(scalars, stop: &stop)
        case .lowercase:
            var result: [Unicode.Scalar] = []
            result.reserveCapacity(scalars.count)
            for scalar in scalars {
                try stop.record()
                if scalar.isASCII {
                    result.append(Unicode.Scalar(UInt8(ascii: scalar).lowercasedASCII))
                } else {
                    result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            return result
        case .precompiled(let charsmap):
            return try charsmap.normalize(scalars, stop: &stop)
        }
    }

    /// The same normaliser that never stops (for added tokens' contents, at load time).
    func normalize(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var stop = StopCheck<Never>.never
        return normalize(scalars, stop: &stop)
    }
}

/// `Replace`: every non-overlapping occurrence of a pattern, leftmost first, becomes `content`.
struct ReplaceRule: Sendable {
    enum Pattern: Sendable, Equatable {
        /// A literal string (non-empty).
        case literal([Unicode.Scalar])
        /// The regex `X{n,}` for one literal scalar X (the converters write `" {2,}"`): runs of at
        /// least `minimum` X.
        case run(Unicode.Scalar, minimum: Int)
    }

    var pattern: Pattern
    var content: [Unicode.Scalar]

    func apply<Failure>(_ scalars: [Unicode.Scalar], stop: inout StopCheck<Failure>) throws(Failure) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            try stop.record()
            if let length = matchLength(scalars, at: index) {
                result.append(contentsOf: content)
                index += length
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return result
    }

    /// The length of the match starting at `index`, if any. A literal costs at most its own length
    /// per position; a run is consumed whole, so the scan stays linear in the text.
    private func matchLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        switch pattern {
        case .literal(let literal):
            guard index + literal.count <= scalars.count else { return nil }
            return scalars[index..<(index + literal.count)].elementsEqual(literal) ? literal.count : nil
        case .run(let scalar, let minimum):
            var end = index
            while end < scalars.count && scalars[end] == scalar { end += 1 }
            return end - index >= minimum && end > index ? end - index : nil
        }
    }
}

extension UInt8 {
    fileprivate var lowercasedASCII: UInt8 { (0x41...0x5A).contains(self) ? self + 0x20 : self }
}
