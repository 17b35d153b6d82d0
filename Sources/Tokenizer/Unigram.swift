// The SentencePiece Unigram model as `tokenizers` runs it on one pre-tokenised word: the Viterbi
// best path over the word's UTF-8 bytes, where every vocabulary piece starting at a scalar
// boundary is an edge weighted by its score and a scalar no single-scalar piece covers is an
// unknown edge scored min(score) − 10; consecutive unknowns fuse into one unknown token, and with
// `byte_fallback` an unknown becomes its `<0xAB>` byte pieces. Linear in the word's length times
// the longest piece (the prefix search stops where the trie does).

struct Unigram: Sendable {
    let pieces: [(text: String, score: Double)]
    let ids: [ExactString: Int32]
    let unknownId: Int32
    let byteFallback: Bool
    private let trie: ByteTrie
    private let unknownScore: Double

    /// `pieces` are (piece, score) by id; `unknownId` must index them.
    init(pieces: [(text: String, score: Double)], unknownId: Int32, byteFallback: Bool) {
        var ids: [ExactString: Int32] = [:]
        var trie = ByteTrie()
        var minimum = Double.infinity
        for (index, piece) in pieces.enumerated() {
            ids[ExactString(piece.text)] = Int32(index)
            trie.insert(Array(piece.text.utf8), value: Int32(index))
            minimum = min(minimum, piece.score)
        }
        self.pieces = pieces
        self.ids = ids
        self.unknownId = unknownId
        self.byteFallback = byteFallback
        self.trie = trie.frozen()
        self.unknownScore = minimum - 10
    }

    private struct Node {
        var id: Int32 = -1
        var score: Double = 0
        var start: Int = -1
    }

    /// Appends the tokens of `word` to `tokens`.
    func tokenize<Failure>(
        _ word: [Unicode.Scalar], into tokens: inout [Token], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        guard !word.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.count)
        for scalar in word { UTF8.encode(scalar) { bytes.append($0) } }
        var best = [Node](repeating: Node(), count: bytes.count + 1)
        var start = 0
        while start < bytes.count {
            let scalarLength = Self.utf8Length(leadingByte: bytes[start])
            let scoreHere = best[start].score
            var coversScalar = false
            let walked = trie.forEachPrefix(of: bytes, from: start) { length, id in
                let candidate = scoreHere + pieces[Int(id)].score
                let end = start + length
                if best[end].start < 0 || candidate > best[end].score {
                    best[end] = Node(id: id, score: candidate, start: start)
                }
                if length == scalarLength { coversScalar = true }
            }
            try stop.record(1 + walked)
            if !coversScalar {
                let end = min(start + scalarLength, bytes.count)
                let candidate = scoreHere + unknownScore
                if best[end].start < 0 || candidate > best[end].score {
                    best[end] = Node(id: unknownId, score: candidate, start: start)
                }
            }
            start += scalarLength
        }
        appendBestPath(best, bytes: bytes, into: &tokens)
    }

    /// Walks the best path back from the end, fusing runs of unknowns (contiguous bytes), and
    /// emits it in order.
    private func appendBestPath(_ best: [Node], bytes: [UInt8], into tokens: inout [Token]) {
        // (bytes, id): a vocabulary piece keeps the id its edge carries (the trie and `ids` both keep
        // a repeated piece's last id); a fused unknown run (id nil) is looked up by its text.
        var pieces: [(bytes: Range<Int>, id: Int32?)] = []
        var end = bytes.count
        var unknownRunEnd: Int?
        while end > 0 {
            let node = best[end]
            let start = max(node.start, 0)
            if node.id == unknownId {
                unknownRunEnd = unknownRunEnd ?? end
            } else {
                if let runEnd = unknownRunEnd { pieces.append((end..<runEnd, nil)) }
                unknownRunEnd = nil
                pieces.append((start..<end, node.id))
            }
            end = start
        }
        if let runEnd = unknownRunEnd { pieces.append((0..<runEnd, nil)) }
        for (range, id) in pieces.reversed() {
            let text = String(decoding: bytes[range], as: UTF8.self)
            if let id {
                tokens.append(Token(id: id, text: text))
            } else {
                append(text, to: &tokens)
            }
        }
    }

    /// A piece's id by its text, as `tokenizers` looks it up again; unknown text becomes byte
    /// pieces (with `byte_fallback`, when all exist) or the unknown id.
    private func append(_ piece: String, to tokens: inout [Token]) {
        if let id = ids[ExactString(piece)] {
            tokens.append(Token(id: id, text: piece))
            return
        }
        if byteFallback {
            let byteTokens = piece.utf8.map { byte -> Token? in
                let name = "<0x\(byte < 16 ? "0" : "")\(String(byte, radix: 16, uppercase: true))>"
                return ids[ExactString(name)].map { Token(id: $0, text: name) }
            }
            if byteTokens.allSatisfy({ $0 != nil }) {
                tokens += byteTokens.compactMap { $0 }
                return
            }
        }
        tokens.append(Token(id: unknownId, text: piece))
    }

    private static func utf8Length(leadingByte byte: UInt8) -> Int {
        switch byte {
        case 0..<0x80: 1
        case 0xF0...: 4
        case 0xE0...: 3
        default: 2
        }
    }
}
