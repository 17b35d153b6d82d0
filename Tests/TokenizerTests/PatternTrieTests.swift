import Testing

@testable import Tokenizer

@Suite struct PatternTrieTests {
    func trie(_ patterns: [String]) -> PatternTrie {
        var trie = PatternTrie()
        for (index, pattern) in patterns.enumerated() {
            _ = trie.insert(Array(pattern.unicodeScalars), pattern: index)
        }
        return trie
    }

    func match(_ trie: PatternTrie, _ text: String, at index: Int = 0) -> Int? {
        trie.longestMatch(in: Array(text.unicodeScalars)[...], at: index)
    }

    @Test func findsTheLongestPatternAtAPosition() {
        let trie = trie(["[S", "[SEP]", "[SEP", "[CLS]"])
        #expect(match(trie, "[SEP]x") == 1)
        #expect(match(trie, "[SEPx") == 2)
        #expect(match(trie, "[SE") == 0)
        #expect(match(trie, "[CLS") == nil)
        #expect(match(trie, "x[CLS]", at: 1) == 3)
        #expect(match(trie, "") == nil)
    }

    @Test func theFirstOfTwoEqualPatternsKeepsItsPlace() {
        var trie = PatternTrie()
        let inserted = [("ab", 0), ("ab", 1), ("a", 2)].map { trie.insert(Array($0.unicodeScalars), pattern: $1) }
        #expect(inserted == [true, false, true])
        #expect(trie.longestMatch(in: Array("ab".unicodeScalars)[...], at: 0) == 0)
    }

    @Test func childrenInsertedInAnyOrderAreFound() {
        let patterns = ["z", "é", "a", "中", "\u{1F600}", "m", "\u{0}"]
        let trie = trie(patterns)
        for (index, pattern) in patterns.enumerated() {
            #expect(match(trie, pattern) == index, "\(pattern)")
        }
        #expect(match(trie, "b") == nil)
    }

    @Test func matchesInASliceUseTheSlicesIndices() {
        let trie = trie(["ab"])
        let scalars = Array("xxab".unicodeScalars)
        #expect(trie.longestMatch(in: scalars[2...], at: 2) == 0)
        #expect(trie.longestMatch(in: scalars[2..<3], at: 2) == nil)
    }
}
