// tokenizer_config.json next to a BPE or Unigram tokenizer.json: fields that agree with the file
// load and change no id, fields that would change ids are refused naming the field, and
// model_max_length / truncation_side are read. Expected ids come from transformers 5.24's
// `AutoTokenizer` on the same directory (both the generic fast tokenizer and RobertaTokenizer
// give them), e.g. `tok("one two ... ten", truncation=True)["input_ids"]`.

import Foundation
import TestSupport
import Testing

@testable import Tokenizer

@Suite struct TokenizerConfigTests {
    /// A model directory with the fixture's tokenizer.json and `config` as tokenizer_config.json.
    static func directory(_ fixture: String, config: String?) throws -> URL {
        let directory = try TestVocabulary.temporaryDirectory()
        let source = Fixtures.url("tokenizers/\(fixture)/tokenizer.json")
        try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent("tokenizer.json"))
        if let config { try Data(config.utf8).write(to: directory.appendingPathComponent("tokenizer_config.json")) }
        return directory
    }

    static func load(_ fixture: String, config: String?) throws -> PipelineTokenizer {
        try PipelineTokenizer(directory: directory(fixture, config: config))
    }

    /// tokenizer.json's added tokens written as tokenizer_config.json's `added_tokens_decoder`.
    static let robertaAddedTokens = """
        {"0": {"content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
         "1": {"content": "<pad>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
         "2": {"content": "</s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
         "3": {"content": "<unk>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
         "4": {"content": "<mask>", "lstrip": true, "normalized": false, "rstrip": false, "single_word": false, "special": true}}
        """

    static let robertaConfig = """
        {"model_max_length": 8, "truncation_side": "left", "add_prefix_space": false, "do_lower_case": false,
         "cls_token": "<s>", "sep_token": {"content": "</s>", "lstrip": false}, "bos_token": "<s>",
         "padding_side": "left", "clean_up_tokenization_spaces": true, "add_bos_token": false,
         "tokenizer_class": "RobertaTokenizer", "added_tokens_decoder": \(robertaAddedTokens)}
        """

    @Test func agreeingFieldsLoadAndChangeNoId() throws {
        let configured = try Self.load("roberta-bpe", config: Self.robertaConfig)
        let bare = try PipelineTokenizerTests.fixture("roberta-bpe")
        for (first, second) in [("one two three", "four five six seven eight nine ten <mask>"), (" Héllo\tworld!", "")] {
            #expect(configured.encode(first, second).ids == bare.encode(first, second).ids)
        }
        #expect(
            configured.encode("one two three", "four five six seven eight nine ten <mask>").ids
                == [0, 281, 73, 1102, 812, 2, 2, 74, 482, 280, 531, 261, 77, 92, 261, 840, 290, 346, 395, 288, 731, 263, 290, 4, 2])
    }

    @Test func truncationSettingsAreRead() throws {
        let tokenizer = try Self.load("roberta-bpe", config: Self.robertaConfig)
        #expect(tokenizer.limits == TokenizerLimits(modelMaxLength: 8, truncationSide: .left))
        // What `truncation=True` does with them in transformers.
        let truncation = Truncation(maxLength: 8, side: .left)
        #expect(
            tokenizer.encode("one two three four five six seven eight nine ten", truncation: truncation).ids
                == [0, 346, 395, 288, 731, 263, 290, 2])
        #expect(
            tokenizer.encode("one two three", "four five six seven eight nine ten <mask>", truncation: truncation).ids
                == [0, 1102, 812, 2, 2, 290, 4, 2])
        let textTokenizer = try TextTokenizer(directory: Self.directory("roberta-bpe", config: Self.robertaConfig))
        #expect(textTokenizer.limits == TokenizerLimits(modelMaxLength: 8, truncationSide: .left))
    }

    @Test(arguments: [
        ("{}", TokenizerLimits()),
        (#"{"model_max_length": 1000000000000000019884624838656}"#, TokenizerLimits()),
        (#"{"model_max_length": 1e30, "truncation_side": "right"}"#, TokenizerLimits(truncationSide: .right)),
        (#"{"model_max_length": 512}"#, TokenizerLimits(modelMaxLength: 512)),
    ])
    func unsetLimitsReadAsNone(_ config: String, _ expected: TokenizerLimits) throws {
        #expect(try Self.load("deberta-unigram", config: config).limits == expected)
        #expect(try Self.load("deberta-unigram", config: nil).limits == TokenizerLimits())
    }

    /// A realistic DeBERTa-v3 reward model's tokenizer_config.json loads; its tokenizer.json decides the ids.
    @Test func debertaV3ConfigLoads() throws {
        let config = """
            {"bos_token": "[CLS]", "cls_token": "[CLS]", "do_lower_case": false, "eos_token": "[SEP]",
             "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "split_by_punct": false,
             "sp_model_kwargs": {}, "tokenizer_class": "DebertaV2Tokenizer", "unk_token": "[UNK]", "vocab_type": "spm",
             "add_prefix_space": true}
            """
        let configured = try Self.load("deberta-unigram", config: config)
        let bare = try PipelineTokenizerTests.fixture("deberta-unigram")
        #expect(configured.encode("Hello world", "again").ids == bare.encode("Hello world", "again").ids)
    }

    @Test(arguments: [
        ("roberta-bpe", #"{"add_prefix_space": true}"#, "add_prefix_space"),
        ("xlmr-unigram", #"{"add_prefix_space": false}"#, "add_prefix_space"),
        ("deberta-unigram", #"{"add_prefix_space": false, "tokenizer_class": "DebertaV2Tokenizer"}"#, "add_prefix_space"),
        ("suffix-bpe", #"{"add_prefix_space": false}"#, "add_prefix_space"),
        ("deberta-unigram", #"{"do_lower_case": true}"#, "do_lower_case"),
        ("suffix-bpe", #"{"do_lower_case": false}"#, "do_lower_case"),
        ("deberta-unigram", #"{"split_by_punct": true}"#, "split_by_punct"),
        ("roberta-bpe", #"{"cls_token": "[CLS]"}"#, "cls_token"),
        ("xlmr-unigram", #"{"sep_token": {"content": "<s>"}}"#, "sep_token"),
        ("roberta-bpe", #"{"added_tokens_decoder": {"1200": {"content": "zzz", "special": true}}}"#, "added_tokens_decoder"),
        ("roberta-bpe", #"{"added_tokens_decoder": {"4": {"content": "<mask>", "lstrip": false, "special": true}}}"#, "added_tokens_decoder"),
    ])
    func idChangingValuesAreRefusedByName(_ fixture: String, _ config: String, _ field: String) throws {
        do {
            _ = try Self.load(fixture, config: config)
            Issue.record("\(fixture) loaded with \(config)")
        } catch let error as TokenizerError {
            guard case .unsupportedTokenizer(let message) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(message.contains("tokenizer_config.json: \(field) "), "\(message)")
        }
    }

    @Test(arguments: [
        (#"{"model_max_length": "long"}"#, "model_max_length"), (#"{"model_max_length": 0}"#, "model_max_length"),
        (#"{"model_max_length": 12.5}"#, "model_max_length"), (#"{"truncation_side": "middle"}"#, "truncation_side"),
        (#"{"add_prefix_space": "yes"}"#, "add_prefix_space"),
    ])
    func malformedValuesNameTheirField(_ config: String, _ field: String) throws {
        do {
            _ = try Self.load("roberta-bpe", config: config)
            Issue.record("loaded with \(config)")
        } catch let error as TokenizerError {
            guard case .malformedFile(let path, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(path.hasSuffix("tokenizer_config.json") && reason.contains(field), "\(reason)")
        }
    }
}
