// Token-id parity with Hugging Face `tokenizers` for the BPE and Unigram tokenizer.json fixtures:
// every line of Tests/Fixtures/tokenizers/corpus.jsonl (the BERT goldens' adversarial corpus plus
// every Unicode general category) must encode to exactly the ids and type ids in each tokenizer's
// goldens.jsonl (made by Scripts/make_tokenizer_fixtures.py with tokenizers 0.23).

import Foundation
import TestSupport
import Testing

@testable import Tokenizer

@Suite struct PipelineGoldenParityTests {
    struct CorpusCase: Decodable {
        var category: String
        var first: String
        var second: String?
        var max_length: Int?
        var truncation_side: String
    }

    /// `{}` for a corpus line the tokenizer has no golden for (suffix-bpe covers every fourth).
    struct Golden: Decodable {
        var ids: [Int32]?
        var type_ids: [Int32]?
    }

    static let reportedMismatches = 10

    @Test(arguments: ["roberta-bpe", "deberta-unigram", "xlmr-unigram", "suffix-bpe"])
    func idsMatchTokenizers(_ name: String) throws {
        let directory = Fixtures.url("tokenizers/\(name)")
        let cases = try Self.read(CorpusCase.self, Fixtures.url("tokenizers/corpus.jsonl"))
        let goldens = try Self.read(Golden.self, directory.appendingPathComponent("goldens.jsonl"))
        try #require(cases.count == goldens.count && cases.count > 1_000)
        let categories = Set(cases.map(\.category))
        #expect(categories.filter { $0.hasPrefix("scalar_class_") }.count >= 29, "every general category")
        let tokenizer = try TextTokenizer(directory: directory)
        guard case .pipeline = tokenizer else {
            Issue.record("\(name) did not load as a BPE/Unigram pipeline")
            return
        }
        var mismatches = 0
        var checked = 0
        for (corpusCase, golden) in zip(cases, goldens) {
            guard let ids = golden.ids else { continue }
            checked += 1
            let truncation = corpusCase.max_length.map {
                Truncation(maxLength: $0, side: corpusCase.truncation_side == "left" ? .left : .right)
            }
            let encoding = tokenizer.encode(
                corpusCase.first, corpusCase.second, truncation: truncation, typeIds: .segments)
            let expectedTypeIds = golden.type_ids ?? Array(repeating: 0, count: ids.count)
            guard encoding.ids != ids || encoding.typeIds != expectedTypeIds else { continue }
            mismatches += 1
            if mismatches <= Self.reportedMismatches {
                Issue.record(Comment(rawValue: Self.describe(corpusCase, expected: ids, actual: encoding)))
            }
        }
        #expect(checked >= 300)
        #expect(mismatches == 0, "\(name): \(checked - mismatches)/\(checked) match")
    }

    /// The generic pipeline also runs WordPiece (BertNormalizer, BertPreTokenizer, TemplateProcessing)
    /// and matches the BERT goldens for the cased tokenizer.json (which TextTokenizer gives to
    /// BertTokenizer).
    @Test func theWordPiecePipelineMatchesTheBERTGoldens() throws {
        let tokenizer = try PipelineTokenizer(tokenizerJSON: Fixtures.url("models/tiny-v2-cased-st/tokenizer.json"))
        let cases = try GoldenParityTests.readCases(Fixtures.url("goldens/tokenizer-cased.jsonl"))
        var mismatches = 0
        for golden in cases {
            let truncation = golden.max_length.map {
                Truncation(maxLength: $0, side: golden.truncation_side == "left" ? .left : .right)
            }
            let encoding = tokenizer.encode(golden.first, golden.second, truncation: truncation, typeIds: .segments)
            let expected = Encoding(ids: golden.ids, tokens: golden.tokens, typeIds: golden.type_ids)
            guard encoding != expected else { continue }
            mismatches += 1
            if mismatches <= Self.reportedMismatches {
                Issue.record(Comment(rawValue: GoldenParityTests.describe(golden, encoding)))
            }
        }
        #expect(mismatches == 0, "\(cases.count - mismatches)/\(cases.count) match")
    }

    static func read<T: Decodable>(_ type: T.Type, _ url: URL) throws -> [T] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(T.self, from: Data($0.utf8)) }
    }

    /// The case and a window of ids around the first difference.
    static func describe(_ corpusCase: CorpusCase, expected: [Int32], actual: Encoding) -> String {
        let firstDifference =
            zip(expected, actual.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expected.count, actual.ids.count)
        let window = max(0, firstDifference - 4)..<(firstDifference + 5)
        let actualTokens = zip(actual.ids, actual.tokens).map { "\($1)(\($0))" }
        return """
            [\(corpusCase.category)] first: \(corpusCase.first.debugDescription) \
            second: \(corpusCase.second?.debugDescription ?? "nil") max_length: \(corpusCase.max_length.map(String.init) ?? "nil")
              first difference at \(firstDifference) (lengths \(expected.count) expected, \(actual.ids.count) actual)
              expected: \(expected[window.clamped(to: expected.indices)])
              actual:   \(actualTokens[window.clamped(to: actualTokens.indices)].joined(separator: " "))
            """
    }
}
