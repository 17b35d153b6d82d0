// The pipeline's stages on their own: the GPT-2 split pattern, byte mapping, Metaspace, Replace,
// Strip, the SentencePiece charsmap (the DeBERTa fixture's nmt_nfkc rules), the merge queue and
// Unigram's unknown handling. Expected values were checked against `tokenizers` 0.23.

import Foundation
import TestSupport
import Testing

@testable import Tokenizer

@Suite struct PipelineComponentsTests {
    static func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    static func gpt2Pieces(_ text: String) -> [String] {
        let scalars = scalars(text)
        var pieces: [String] = []
        var start = 0
        while start < scalars.count {
            let end = GPT2Pattern.matchEnd(in: scalars, from: start)
            pieces.append(String(scalars: scalars[start..<end]))
            start = end
        }
        return pieces
    }

    @Test func gpt2PatternSplitsLikeTheRegex() {
        #expect(Self.gpt2Pieces("Hello world") == ["Hello", " world"])
        #expect(Self.gpt2Pieces("I'm don't we'll they're 'x") == ["I", "'m", " don", "'t", " we", "'ll", " they", "'re", " '", "x"])
        #expect(Self.gpt2Pieces("a  b") == ["a", " ", " b"])
        #expect(Self.gpt2Pieces("a \n\n b ") == ["a", " \n\n", " b", " "])
        #expect(Self.gpt2Pieces("x\ny") == ["x", "\n", "y"])
        #expect(Self.gpt2Pieces("3.14 $5!!") == ["3", ".", "14", " $", "5", "!!"])
        #expect(Self.gpt2Pieces("naïve 中文٣") == ["naïve", " 中文", "٣"])
        #expect(Self.gpt2Pieces("'S") == ["'", "S"])
    }

    @Test func bytesMapToGPT2StandIns() {
        #expect(String(scalars: ByteLevelPreTokenizer.byteMapped(Self.scalars(" a\n")[...])) == "ĠaĊ")
        #expect(String(scalars: ByteLevelPreTokenizer.byteMapped(Self.scalars("é")[...])) == "Ã©")
        #expect(Set(ByteLevelPreTokenizer.alphabet).count == 256)
    }

    static func metaspace(_ text: String, _ scheme: Metaspace.PrependScheme, split: Bool = true, startsText: Bool = true)
        -> [String]
    {
        var pieces: [[Unicode.Scalar]] = []
        var stop = StopCheck<Never>.never
        Metaspace(replacement: "▁", prependScheme: scheme, split: split)
            .split(scalars(text), startsText: startsText, into: &pieces, stop: &stop)
        return pieces.map { String(scalars: $0) }
    }

    @Test func metaspaceReplacesSpacesAndSplitsBeforeEachMarker() {
        #expect(Self.metaspace("a b  c", .always) == ["▁a", "▁b", "▁", "▁c"])
        #expect(Self.metaspace(" a", .always) == ["▁a"])
        #expect(Self.metaspace("a ", .never) == ["a", "▁"])
        #expect(Self.metaspace("a b", .first, startsText: false) == ["a", "▁b"])
        #expect(Self.metaspace("a b", .first, split: false) == ["▁a▁b"])
        #expect(Self.metaspace("", .always).isEmpty)
    }

    static func normalize(_ normalizer: TextNormalizer, _ text: String) -> String {
        String(scalars: normalizer.normalize(scalars(text)))
    }

    @Test func replaceAndStrip() {
        let runs = TextNormalizer.replace(ReplaceRule(pattern: .run(" ", minimum: 2), content: ["▁"]))
        #expect(Self.normalize(runs, "a  b   c d") == "a▁b▁c d")
        let literal = TextNormalizer.replace(ReplaceRule(pattern: .literal(Self.scalars("aa")), content: ["b"]))
        #expect(Self.normalize(literal, "aaa aaaa") == "ba bb")
        #expect(Self.normalize(.strip(left: true, right: false), " \u{3000}a \n") == "a \n")
        #expect(Self.normalize(.strip(left: true, right: true), "\u{A0} a b\t") == "a b")
        #expect(Self.normalize(.lowercase, "ÀΣİ") == "àσi̇")
    }

    static func debertaCharsmap() throws -> PrecompiledCharsmap {
        let data = try Data(contentsOf: Fixtures.url("tokenizers/deberta-unigram/tokenizer.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let normalizer = try #require(json["normalizer"] as? [String: Any])
        let steps = try #require(normalizer["normalizers"] as? [[String: Any]])
        let encoded = try #require(steps.first { $0["type"] as? String == "Precompiled" }?["precompiled_charsmap"] as? String)
        return try PrecompiledCharsmap(blob: [UInt8](try #require(Data(base64Encoded: encoded))))
    }

    @Test func precompiledCharsmapAppliesNFKCRules() throws {
        let charsmap = try Self.debertaCharsmap()
        func normalized(_ text: String) -> String { Self.normalize(.precompiled(charsmap), text) }
        #expect(normalized("ＡＢＣ１") == "ABC1")
        #expect(normalized("ﬁ ① ｶ") == "fi 1 カ")
        #expect(normalized("e\u{301}") == "é", "a cluster shorter than 6 bytes is looked up whole")
        #expect(normalized("plain text") == "plain text")
        #expect(normalized("a\u{3000}b") == "a b")
    }

    @Test func mergeQueuePopsLowestRankThenLeftmost() {
        var queue = MergeQueue()
        for (rank, position) in [(3, 0), (1, 5), (1, 2), (2, 1), (1, 9)] {
            queue.push(MergeQueue.Entry(rank: Int32(rank), position: position, id: 0))
        }
        var order: [Int] = []
        while let entry = queue.pop() { order.append(entry.position) }
        #expect(order == [2, 5, 9, 1, 0])
    }

    @Test func unigramFusesUnknownsAndFallsBackToBytes() {
        func tokens(_ word: String, byteFallback: Bool) -> [String] {
            let pieces: [(text: String, score: Double)] = [("<unk>", 0), ("a", -1), ("<0xC3>", -5), ("<0xA9>", -5)]
            let unigram = Unigram(pieces: pieces, unknownId: 0, byteFallback: byteFallback)
            var result: [Token] = []
            var stop = StopCheck<Never>.never
            unigram.tokenize(Self.scalars(word), into: &result, stop: &stop)
            return result.map(\.text)
        }
        #expect(tokens("axyza", byteFallback: false) == ["a", "xyz", "a"])
        #expect(tokens("aéa", byteFallback: true) == ["a", "<0xC3>", "<0xA9>", "a"])
        #expect(tokens("aéxa", byteFallback: true) == ["a", "éx", "a"], "byte fallback needs every byte")
    }
}
