// Truncation as `tokenizers` applies it when transformers asks for `truncation=True`
// (strategy `longest_first`, stride 0): the budget is `maxLength` minus the template's special
// tokens, and the lengths each sequence keeps are computed in one step. Pure arithmetic on lengths.

public enum TruncationSide: Sendable, Equatable {
    /// Drop tokens from the end (transformers' default).
    case right
    /// Drop tokens from the start.
    case left
}

public struct Truncation: Sendable, Equatable {
    /// The longest encoding allowed, special tokens included.
    public var maxLength: Int
    public var side: TruncationSide

    public init(maxLength: Int, side: TruncationSide = .right) {
        self.maxLength = maxLength
        self.side = side
    }

    /// How many content tokens each sequence keeps.
    ///
    /// With two sequences, `tokenizers`' LongestFirst gives the shorter one everything it needs if
    /// the longer can take the rest of the budget but no less than the shorter; otherwise both get
    /// half, the odd token going to the second sequence (also when both are equally long).
    ///
    /// When `maxLength` is smaller than the number of special tokens, `tokenizers` 0.23 computes
    /// the budget with an unsigned subtraction that wraps around, so nothing is truncated; this
    /// keeps that behaviour rather than inventing another.
    func keptLengths(first: Int, second: Int?, specialTokens: Int) -> (first: Int, second: Int?) {
        guard maxLength >= specialTokens else { return (first, second) }
        let budget = maxLength - specialTokens
        guard first + (second ?? 0) > budget else { return (first, second) }
        guard let second else { return (budget, nil) }
        var shorter = min(first, second)
        var longer = shorter > budget ? shorter : max(shorter, budget - shorter)
        if shorter + longer > budget {
            shorter = budget / 2
            longer = shorter + budget % 2
        }
        return first > second ? (longer, shorter) : (shorter, longer)
    }

    /// `tokens` cut to `length` from this truncation's side.
    func cut<T>(_ tokens: [T], to length: Int) -> ArraySlice<T> {
        guard tokens.count > length else { return tokens[...] }
        return side == .right ? tokens.prefix(length) : tokens.suffix(length)
    }
}
