// The output of encoding and the BERT pair template that produces it:
// [CLS] first [SEP] (second [SEP])?, with type ids chosen by TypeIdMode.

public struct Encoding: Sendable, Equatable {
    public var ids: [Int32]
    /// The token strings, as transformers' `convert_ids_to_tokens` reports them (an added token
    /// appears as its content, without the whitespace its strip flags absorbed).
    public var tokens: [String]
    public var typeIds: [Int32]

    public init(ids: [Int32], tokens: [String], typeIds: [Int32]) {
        self.ids = ids
        self.tokens = tokens
        self.typeIds = typeIds
    }
}

/// What `typeIds` holds.
public enum TypeIdMode: Sendable, Equatable {
    /// All zeros: the reward models this product serves were trained on one segment (DESIGN §2.3).
    case zeros
    /// 0 for [CLS], the first text and its [SEP]; 1 for the second text and the final [SEP]
    /// (Hugging Face's token_type_ids, for cross-encoders trained with segments).
    case segments
}

/// Assembles already tokenised sequences into a BERT encoding.
struct PairTemplate: Sendable {
    var classifier: Token
    var separator: Token

    func specialTokenCount(hasSecond: Bool) -> Int { hasSecond ? 3 : 2 }

    func assemble(first: ArraySlice<Token>, second: ArraySlice<Token>?, typeIds mode: TypeIdMode) -> Encoding {
        var tokens: [Token] = []
        tokens.reserveCapacity(first.count + (second?.count ?? 0) + 3)
        tokens.append(classifier)
        tokens.append(contentsOf: first)
        tokens.append(separator)
        let firstSegmentLength = tokens.count
        if let second {
            tokens.append(contentsOf: second)
            tokens.append(separator)
        }
        var typeIds = [Int32](repeating: 0, count: tokens.count)
        if mode == .segments {
            for index in firstSegmentLength..<tokens.count { typeIds[index] = 1 }
        }
        return Encoding(ids: tokens.map(\.id), tokens: tokens.map(\.text), typeIds: typeIds)
    }
}
