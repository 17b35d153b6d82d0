// The BPE model as `tokenizers` runs it on one pre-tokenised word: each scalar becomes its
// vocabulary symbol (with the continuing-subword prefix / end-of-word suffix where configured,
// byte-fallback pieces or the unknown token when absent), then merges are applied lowest rank
// first (leftmost among equal ranks) from a priority queue until none applies. Each merge costs
// O(log n), so a 100 kB word without spaces stays O(n log n), never quadratic.
// Only `dropout: null` is supported (dropout is random; scoring must be deterministic).

struct BPE: Sendable {
    struct Merge: Sendable {
        var rank: Int32
        var id: Int32
    }

    let vocabulary: [ExactString: Int32]
    let pieces: [Int32: String]
    /// (left id, right id) packed into one key → the merge's rank and the merged token's id.
    let merges: [UInt64: Merge]
    let unknown: Token?
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnknown: Bool
    let byteFallback: Bool
    /// A word that is itself in the vocabulary is emitted whole, without merging.
    let ignoreMerges: Bool
    /// The id of each scalar below `directScalarLimit` as a piece of its own (-1: not in the
    /// vocabulary): most symbols are looked up here, without building a String and hashing it.
    private let scalarIds: [Int32]
    private static let directScalarLimit: UInt32 = 0x800

    init(
        vocabulary: [ExactString: Int32], pieces: [Int32: String], merges: [UInt64: Merge], unknown: Token?,
        continuingSubwordPrefix: String?, endOfWordSuffix: String?, fuseUnknown: Bool, byteFallback: Bool,
        ignoreMerges: Bool
    ) {
        self.vocabulary = vocabulary
        self.pieces = pieces
        self.merges = merges
        self.unknown = unknown
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        var scalarIds = [Int32](repeating: -1, count: Int(Self.directScalarLimit))
        for (token, id) in vocabulary {
            var scalars = token.value.unicodeScalars.makeIterator()
            guard let scalar = scalars.next(), scalars.next() == nil, scalar.value < Self.directScalarLimit else {
                continue
            }
            scalarIds[Int(scalar.value)] = id
        }
        self.scalarIds = scalarIds
    }

    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    private struct Symbol {
        var id: Int32
        var previous: Int
        var next: Int
        var merged = false
    }

    /// Appends the tokens of `word` to `tokens`.
    func tokenize<Failure>(
        _ word: [Unicode.Scalar], into tokens: inout [Token], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        guard !word.isEmpty else { return }
        if ignoreMerges, let id = vocabulary[ExactString(String(scalars: word))] {
            tokens.append(Token(id: id, text: String(scalars: word)))
            return
        }
        var symbols = try initialSymbols(word, stop: &stop)
        try merge(&symbols, stop: &stop)
        for symbol in symbols where !symbol.merged {
            tokens.append(Token(id: symbol.id, text: pieces[symbol.id] ?? ""))
        }
    }

    /// One symbol per scalar (unknown scalars fused or not, byte fallback), linked as a list.
    private func initialSymbols<Failure>(
        _ word: [Unicode.Scalar], stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Symbol] {
        var ids: [Int32] = []
        ids.reserveCapacity(word.count)
        var pendingUnknown = false
        for (index, scalar) in word.enumerated() {
            try stop.record()
            func piece() -> String {
                var piece = String(scalar)
                if index > 0, let prefix = continuingSubwordPrefix { piece = prefix + piece }
                if index == word.count - 1, let suffix = endOfWordSuffix { piece += suffix }
                return piece
            }
            let isBare =
                (index == 0 || continuingSubwordPrefix == nil) && (index < word.count - 1 || endOfWordSuffix == nil)
            let known: Int32?
            if isBare && scalar.value < Self.directScalarLimit {
                let id = scalarIds[Int(scalar.value)]
                known = id >= 0 ? id : nil
            } else {
                known = vocabulary[ExactString(piece())]
            }
            if let id = known {
                if pendingUnknown, let unknown { ids.append(unknown.id) }
                pendingUnknown = false
                ids.append(id)
            } else if byteFallback, let bytes = byteFallbackIds(piece()) {
                ids += bytes
            } else if let unknown {
                if pendingUnknown && !fuseUnknown { ids.append(unknown.id) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknown { ids.append(unknown.id) }
        return ids.enumerated().map { Symbol(id: $1, previous: $0 - 1, next: $0 + 1) }
    }

    /// `<0xAB>` pieces for every UTF-8 byte of `piece`, or nil when one is missing.
    private func byteFallbackIds(_ piece: String) -> [Int32]? {
        var ids: [Int32] = []
        for byte in piece.utf8 {
            let hex = String(byte, radix: 16, uppercase: true)
            guard let id = vocabulary[ExactString("<0x\(byte < 16 ? "0" : "")\(hex)>")] else { return nil }
            ids.append(id)
        }
        return ids
    }

    /// Applies merges from a min-queue ordered by (rank, position), skipping stale entries.
    private func merge<Failure>(_ symbols: inout [Symbol], stop: inout StopCheck<Failure>) throws(Failure) {
        var queue = MergeQueue()
        for index in symbols.indices.dropLast() {
            if let merge = merges[Self.key(symbols[index].id, symbols[index + 1].id)] {
                queue.push(MergeQueue.Entry(rank: merge.rank, position: index, id: merge.id))
            }
        }
        while let top = queue.pop() {
            try stop.record()
            let position = top.position
            guard !symbols[position].merged, symbols[position].next < symbols.count else { continue }
            let right = symbols[position].next
            guard let current = merges[Self.key(symbols[position].id, symbols[right].id)], current.id == top.id
            else { continue }
            symbols[position].id = top.id
            symbols[right].merged = true
            symbols[position].next = symbols[right].next
            if symbols[right].next < symbols.count { symbols[symbols[right].next].previous = position }
            let previous = symbols[position].previous
            if previous >= 0, let merge = merges[Self.key(symbols[previous].id, top.id)] {
                queue.push(MergeQueue.Entry(rank: merge.rank, position: previous, id: merge.id))
            }
            let next = symbols[position].next
            if next < symbols.count, let merge = merges[Self.key(top.id, symbols[next].id)] {
                queue.push(MergeQueue.Entry(rank: merge.rank, position: position, id: merge.id))
            }
        }
    }
}

/// A binary min-heap of candidate merges ordered by rank, then position.
struct MergeQueue {
    struct Entry {
        var rank: Int32
        var position: Int
        var id: Int32

        func precedes(_ other: Entry) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    private var heap: [Entry] = []

    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var smallest = left
            if left + 1 < heap.count && heap[left + 1].precedes(heap[left]) { smallest = left + 1 }
            guard heap[smallest].precedes(heap[parent]) else { break }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
        return top
    }
}

extension String {
    init(scalars: some Sequence<Unicode.Scalar>) {
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        self = text
    }
}
