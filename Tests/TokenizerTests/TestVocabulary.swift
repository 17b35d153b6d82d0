// Factories shared by the tokenizer tests: a small vocabulary and a tokenizer built on it.

import Foundation

@testable import Tokenizer

enum TestVocabulary {
    /// Special tokens at BERT's usual positions relative to each other, then a few words and pieces.
    static let tokens: [String] = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "hello", "world", "un", "##aff", "##able", "!", ",", "'", "t", "don", "a", "b", "c", "ab", "##c",
        "##b", "##bc", "cafe", "café", "中", "文", "i", "σ", "οδοσ", "the", "cat", "sat", "on", "mat", ".",
        "x", "##x",
    ]

    static func tokenizer(_ options: BertTokenizer.Options = .init()) throws -> BertTokenizer {
        try BertTokenizer(vocabulary: tokens, options: options)
    }

    static func id(_ token: String) -> Int32 {
        Int32(tokens.firstIndex(of: token)!)
    }

    /// A fresh empty directory under the temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
