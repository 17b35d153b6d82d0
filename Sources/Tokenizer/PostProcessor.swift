// The post-processor: where special tokens go around one or two tokenised texts and which type id
// each token gets, as `tokenizers`' TemplateProcessing describes it. RobertaProcessing
// (`<s> A </s></s> B </s>`, all type ids 0) and BertProcessing (`[CLS] A [SEP] B [SEP]`, B part 1)
// are written as the templates they amount to; no post-processor is `A` / `A B` (B type id 1).

struct PostProcessor: Sendable {
    enum Piece: Sendable {
        /// The special token's tokens (usually one).
        case special([Token], typeId: Int32)
        /// The first (A) or second (B) text.
        case sequence(isFirst: Bool, typeId: Int32)
    }

    var single: [Piece]
    var pair: [Piece]

    static let none = PostProcessor(
        single: [.sequence(isFirst: true, typeId: 0)],
        pair: [.sequence(isFirst: true, typeId: 0), .sequence(isFirst: false, typeId: 1)])

    static func roberta(classifier: Token, separator: Token) -> PostProcessor {
        PostProcessor(
            single: [.special([classifier], typeId: 0), .sequence(isFirst: true, typeId: 0), .special([separator], typeId: 0)],
            pair: [
                .special([classifier], typeId: 0), .sequence(isFirst: true, typeId: 0), .special([separator], typeId: 0),
                .special([separator], typeId: 0), .sequence(isFirst: false, typeId: 0), .special([separator], typeId: 0),
            ])
    }

    static func bert(classifier: Token, separator: Token) -> PostProcessor {
        PostProcessor(
            single: [.special([classifier], typeId: 0), .sequence(isFirst: true, typeId: 0), .special([separator], typeId: 0)],
            pair: [
                .special([classifier], typeId: 0), .sequence(isFirst: true, typeId: 0), .special([separator], typeId: 0),
                .sequence(isFirst: false, typeId: 1), .special([separator], typeId: 1),
            ])
    }

    /// The number of special tokens added around one text or a pair (the truncation budget's cost).
    func specialTokenCount(hasSecond: Bool) -> Int {
        (hasSecond ? pair : single).reduce(0) { count, piece in
            if case .special(let tokens, _) = piece { count + tokens.count } else { count }
        }
    }

    func assemble(first: ArraySlice<Token>, second: ArraySlice<Token>?, typeIds mode: TypeIdMode) -> Encoding {
        var ids: [Int32] = []
        var texts: [String] = []
        var typeIds: [Int32] = []
        let count = first.count + (second?.count ?? 0) + specialTokenCount(hasSecond: second != nil)
        ids.reserveCapacity(count)
        texts.reserveCapacity(count)
        typeIds.reserveCapacity(count)
        func append(_ tokens: some Collection<Token>, _ typeId: Int32) {
            for token in tokens {
                ids.append(token.id)
                texts.append(token.text)
                typeIds.append(mode == .segments ? typeId : 0)
            }
        }
        for piece in second == nil ? single : pair {
            switch piece {
            case .special(let tokens, let typeId): append(tokens, typeId)
            case .sequence(let isFirst, let typeId): append(isFirst ? first : (second ?? []), typeId)
            }
        }
        return Encoding(ids: ids, tokens: texts, typeIds: typeIds)
    }
}
