// The added-token patterns as a trie over scalars: finding the longest pattern at one position of
// a text costs at most the longest pattern's length, however many patterns there are or share a
// prefix. It stores and matches sequences only; what a match means is AddedTokenMatcher's business.

/// A trie of scalar sequences; the node where a sequence ends names it by its index.
struct PatternTrie: Sendable {
    private struct Node: Sendable {
        /// Children's scalars in ascending order (binary search), and the child node of each.
        var scalars: [Unicode.Scalar] = []
        var children: [Int] = []
        var pattern: Int?
    }

    private var nodes = [Node()]

    /// Adds `scalars` as pattern `pattern`; false (and no change) when it is already there.
    mutating func insert(_ scalars: [Unicode.Scalar], pattern: Int) -> Bool {
        var node = 0
        for scalar in scalars {
            let slot = nodes[node].scalars.partitioningIndex { $0.value >= scalar.value }
            if slot < nodes[node].scalars.count && nodes[node].scalars[slot] == scalar {
                node = nodes[node].children[slot]
            } else {
                nodes.append(Node())
                nodes[node].scalars.insert(scalar, at: slot)
                nodes[node].children.insert(nodes.count - 1, at: slot)
                node = nodes.count - 1
            }
        }
        guard nodes[node].pattern == nil else { return false }
        nodes[node].pattern = pattern
        return true
    }

    /// The longest pattern that `scalars` holds at `index`.
    func longestMatch(in scalars: ArraySlice<Unicode.Scalar>, at index: Int) -> Int? {
        var node = 0
        var longest: Int?
        for position in index..<scalars.endIndex {
            guard let child = child(of: node, for: scalars[position]) else { break }
            node = child
            longest = nodes[node].pattern ?? longest
        }
        return longest
    }

    private func child(of node: Int, for scalar: Unicode.Scalar) -> Int? {
        let keys = nodes[node].scalars
        let slot = keys.partitioningIndex { $0.value >= scalar.value }
        return slot < keys.count && keys[slot] == scalar ? nodes[node].children[slot] : nil
    }
}

extension Array {
    /// The first index whose element satisfies `isAbove`, which must be false then true along
    /// the array (binary search).
    fileprivate func partitioningIndex(where isAbove: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if isAbove(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
