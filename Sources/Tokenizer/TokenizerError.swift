// The one error type of the Tokenizer module: every way loading a tokenizer can fail, and the
// caller's stop. Any text has a tokenization, so encoding fails only when its caller stops it.

import Foundation

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The model directory has neither `tokenizer.json` nor `vocab.txt`.
    case missingTokenizerFiles(directory: String)
    /// A file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// A file is not valid JSON or lacks a field the tokenizer needs.
    case malformedFile(path: String, reason: String)
    /// `tokenizer.json` describes a pipeline this module does not implement (e.g. a BPE model).
    case unsupportedTokenizer(String)
    /// Tokens the tokenizer must emit (special tokens, the unknown token) are not in the vocabulary.
    case missingTokensInVocabulary([String])
    /// The vocabulary is empty, or an option is out of range.
    case invalidConfiguration(String)
    /// The caller's stop condition held during `encode(_:_:truncation:typeIds:stopIf:)`.
    case stopped

    public var description: String {
        switch self {
        case .missingTokenizerFiles(let directory):
            return "no tokenizer.json or vocab.txt in \(directory)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformedFile(let path, let reason):
            return "malformed \(path): \(reason)"
        case .unsupportedTokenizer(let detail):
            return "unsupported tokenizer: \(detail)"
        case .missingTokensInVocabulary(let tokens):
            return "tokens missing from the vocabulary: \(tokens.joined(separator: ", "))"
        case .invalidConfiguration(let detail):
            return "invalid tokenizer configuration: \(detail)"
        case .stopped:
            return "tokenization stopped by its caller"
        }
    }
}
