// A trie over UTF-8 bytes for the Unigram model: every key that is a prefix of the text at a
// position, shortest first, in time proportional to the longest match. Built mutable, then frozen
// into flat sorted arrays (one binary search per byte) so a 250k-piece vocabulary stays compact.
// It stores keys and values only; scores and the Viterbi search are Unigram's.

struct ByteTrie: Sendable {
    private struct BuildNode {
        var children: [UInt8: Int] = [:]
        var value: Int32 = -1
    }

    private var building: [BuildNode] = [BuildNode()]
    /// Frozen form: node n's children are labels/targets[firstChild[n] ..< firstChild[n + 1]].
    private var firstChild: [Int32] = []
    private var labels: [UInt8] = []
    private var targets: [Int32] = []
    private var values: [Int32] = []

    /// Adds `key` with `value`; a repeated key keeps the later value (as a dictionary would).
    mutating func insert(_ key: [UInt8], value: Int32) {
        var node = 0
        for byte in key {
            if let child = building[node].children[byte] {
                node = child
            } else {
                building.append(BuildNode())
                building[node].children[byte] = building.count - 1
                node = building.count - 1
            }
        }
        building[node].value = value
    }

    /// The searchable form (breadth-first numbering is not needed: node ids are kept).
    func frozen() -> ByteTrie {
        var trie = ByteTrie()
        trie.building = []
        trie.firstChild.reserveCapacity(building.count + 1)
        trie.values.reserveCapacity(building.count)
        for node in building {
            trie.firstChild.append(Int32(trie.labels.count))
            trie.values.append(node.value)
            for (label, target) in node.children.sorted(by: { $0.key < $1.key }) {
                trie.labels.append(label)
                trie.targets.append(Int32(target))
            }
        }
        trie.firstChild.append(Int32(trie.labels.count))
        return trie
    }

    /// Calls `found(length, value)` for each key that `bytes[start...]` begins with, shortest first;
    /// returns how many bytes the walk went through (its cost, for the caller's stop check).
    @discardableResult
    func forEachPrefix(of bytes: [UInt8], from start: Int, _ found: (Int, Int32) -> Void) -> Int {
        guard !values.isEmpty else { return 0 }
        var node = 0
        var position = start
        while position < bytes.count, let child = child(of: node, bytes[position]) {
            node = child
            position += 1
            if values[node] >= 0 { found(position - start, values[node]) }
        }
        return position - start
    }

    private func child(of node: Int, _ byte: UInt8) -> Int? {
        var low = Int(firstChild[node])
        var high = Int(firstChild[node + 1])
        while low < high {
            let middle = (low + high) / 2
            if labels[middle] < byte { low = middle + 1 } else { high = middle }
        }
        return low < Int(firstChild[node + 1]) && labels[low] == byte ? Int(targets[low]) : nil
    }
}
