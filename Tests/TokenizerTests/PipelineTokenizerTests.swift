// PipelineTokenizer on the committed fixtures: stopping, and work that grows linearly with the
// input (counted as StopCheck polls, never timed) for 20 kB words without spaces (BPE merges,
// Unigram Viterbi), long texts, and a grapheme cluster of 25,000 scalars (Precompiled); a 100 kB
// word is merged completely.

import Foundation
import TestSupport
import Testing

@testable import Tokenizer

@Suite struct PipelineTokenizerTests {
    static func fixture(_ name: String) throws -> PipelineTokenizer {
        try PipelineTokenizer(tokenizerJSON: Fixtures.url("tokenizers/\(name)/tokenizer.json"))
    }

    static func polls(_ tokenizer: PipelineTokenizer, _ text: String) throws -> Int {
        var calls = 0
        _ = try tokenizer.encode(text) {
            calls += 1
            return false
        }
        return calls
    }

    /// Polls for `count` and `2 × count` repetitions of `unit`: at least one per interval of
    /// scalars, and doubling (within a few polls) when the text doubles.
    static func expectLinear(_ tokenizer: PipelineTokenizer, _ unit: String, count: Int) throws {
        let single = try polls(tokenizer, String(repeating: unit, count: count))
        let double = try polls(tokenizer, String(repeating: unit, count: 2 * count))
        let scalars = count * unit.unicodeScalars.count
        #expect(single >= scalars / StopCheck<Never>.interval, "\(unit.debugDescription): \(single) polls")
        #expect(abs(double - 2 * single) <= 3 + single / 20, "\(unit.debugDescription): \(single) then \(double) polls")
    }

    @Test(arguments: ["roberta-bpe", "deberta-unigram", "xlmr-unigram"])
    func workGrowsLinearlyWithTheText(_ name: String) throws {
        let tokenizer = try Self.fixture(name)
        // One 20 kB word without spaces (one pre-token), in two scripts, then ordinary text. (Kept
        // small: the tests share two cooperative threads with the service suites' loopback servers.)
        for unit in ["abcdefghij", "中文字", "Hello world, how are you? "] {
            try Self.expectLinear(tokenizer, unit, count: 20_000 / unit.utf8.count)
        }
    }

    @Test func aLongWordIsMergedCompletely() throws {
        let tokenizer = try Self.fixture("roberta-bpe")
        let word = String(repeating: "internationalization", count: 5_000)  // 100 kB, no spaces
        let tokens = tokenizer.tokenize(word)
        // Merges never lose bytes: the pieces spell the byte-mapped word.
        #expect(tokens.joined() == String(scalars: ByteLevelPreTokenizer.byteMapped(Array(word.unicodeScalars)[...])))
        #expect(tokens.count < word.utf8.count / 2, "merged: \(tokens.count) tokens")
        let short = tokenizer.tokenize("internationalization")
        #expect(Array(tokens.prefix(short.count)) == short)
    }

    @Test func aHugeGraphemeClusterIsNormalisedScalarByScalar() throws {
        let tokenizer = try Self.fixture("deberta-unigram")
        let cluster = "a" + String(repeating: "\u{301}", count: 25_000)
        let polls = try Self.polls(tokenizer, cluster)
        let doubled = try Self.polls(tokenizer, "a" + String(repeating: "\u{301}", count: 50_000))
        #expect(abs(doubled - 2 * polls) <= 3 + polls / 20, "\(polls) then \(doubled) polls")
    }

    static let sentence = "Café crème, s'il vous plaît! Hello world. 中文 "
    static let megabyte = String(repeating: sentence, count: 20_000)

    @Test(arguments: ["roberta-bpe", "deberta-unigram"])
    func stopsWhenTheConditionTurnsTrue(_ name: String) throws {
        let tokenizer = try Self.fixture(name)
        var calls = 0
        #expect(throws: TokenizerError.stopped) {
            try tokenizer.encode(Self.megabyte) {
                calls += 1
                return calls == 5
            }
        }
        #expect(calls == 5)
        calls = 0
        #expect(throws: TokenizerError.stopped) {
            try tokenizer.encode("hello", "world") {
                calls += 1
                return true
            }
        }
        #expect(calls == 1, "polled before any work")
    }

    @Test(arguments: ["roberta-bpe", "deberta-unigram", "xlmr-unigram"])
    func anUnstoppedEncodingIsThePlainOne(_ name: String) throws {
        let tokenizer = try TextTokenizer(directory: Fixtures.url("tokenizers/\(name)"))
        let cases: [(String, String?, Truncation?)] = [
            (String(repeating: Self.sentence, count: 100), nil, nil), ("Hello, world!", "the cat", nil),
            ("a<mask>b", "", Truncation(maxLength: 3)),
            (String(repeating: Self.sentence, count: 100), "Café ΟΔΟΣ", Truncation(maxLength: 512, side: .left)),
        ]
        for (first, second, truncation) in cases {
            let stoppable = try tokenizer.encode(first, second, truncation: truncation, typeIds: .segments) { false }
            #expect(stoppable == tokenizer.encode(first, second, truncation: truncation, typeIds: .segments))
        }
    }

    @Test func pairsFollowEachPostProcessor() throws {
        let roberta = try Self.fixture("roberta-bpe")
        let robertaPair = roberta.encode("a", "b", typeIds: .segments)
        #expect(robertaPair.tokens == ["<s>", "a", "</s>", "</s>", "b", "</s>"])
        #expect(robertaPair.typeIds == [0, 0, 0, 0, 0, 0])
        let deberta = try Self.fixture("deberta-unigram")
        let debertaPair = deberta.encode("a", "b", typeIds: .segments)
        #expect(debertaPair.tokens.first == "[CLS]" && debertaPair.tokens.last == "[SEP]")
        #expect(debertaPair.typeIds.suffix(2) == [1, 1] && debertaPair.typeIds.prefix(3) == [0, 0, 0])
        #expect(deberta.encode("a", "b").typeIds.allSatisfy { $0 == 0 }, "zeros unless segments are asked for")
    }

    @Test func specialTokensInTheTextAreMatchedBeforeTheModel() throws {
        let roberta = try Self.fixture("roberta-bpe")
        // <mask> has lstrip: it takes the space before it.
        #expect(roberta.tokenize("a <mask> b").contains("<mask>"))
        #expect(!roberta.tokenize("a <mask> b").contains("Ġ<"))
        let deberta = try Self.fixture("deberta-unigram")
        #expect(deberta.encode("x [SEP] y").ids.filter { $0 == 2 }.count == 2)
    }
}
