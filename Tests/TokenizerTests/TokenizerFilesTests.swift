import Foundation
import Testing

@testable import Tokenizer

@Suite struct TokenizerFilesTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "Hello", "world", "café", "cafe"]

    /// A tokenizer.json as `tokenizers` writes it for BERT, with overridable parts.
    static func tokenizerJSON(
        lowercase: Bool = false, modelType: String = "WordPiece", extra: String = ""
    ) -> String {
        let vocab = vocabulary.enumerated().map { "\"\($1)\": \($0)" }.joined(separator: ", ")
        return """
            {"version": "1.0",
             "truncation": {"max_length": 3, "strategy": "LongestFirst", "stride": 0},
             "padding": {"strategy": {"Fixed": 128}, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
             "added_tokens": [{"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false,
                               "normalized": false, "special": true}\(extra)],
             "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                            "strip_accents": null, "lowercase": \(lowercase)},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
               "pair": [], "special_tokens": {}},
             "model": {"type": "\(modelType)", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100, "vocab": {\(vocab)}}}
            """
    }

    static func directory(_ files: [String: String]) throws -> URL {
        let directory = try TestVocabulary.temporaryDirectory()
        for (name, contents) in files {
            try Data(contents.utf8).write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    @Test func loadsTokenizerJSONAndIgnoresItsTruncationAndPadding() throws {
        let tokenizer = try BertTokenizer(directory: Self.directory(["tokenizer.json": Self.tokenizerJSON()]))
        let encoding = tokenizer.encode("Hello café world")
        #expect(encoding.tokens == ["[CLS]", "Hello", "café", "world", "[SEP]"])
        #expect(encoding.ids == [2, 6, 8, 7, 3])
        #expect(tokenizer.specialTokens == .init(classifier: 2, separator: 3, unknown: 1, padding: 0, mask: 4))
        #expect(tokenizer.options.lowercase == false)
        #expect(tokenizer.vocabularySize == 10)
    }

    @Test func tokenizerConfigOverridesTheNormalizerAsTransformersDoes() throws {
        let directory = try Self.directory([
            "tokenizer.json": Self.tokenizerJSON(lowercase: false),
            "tokenizer_config.json": #"{"do_lower_case": true, "strip_accents": null}"#,
        ])
        let tokenizer = try BertTokenizer(directory: directory)
        #expect(tokenizer.tokenize("Hello café") == ["hello", "cafe"])
    }

    @Test func tokenizerJSONNormalizerStandsWhereTheConfigIsSilent() throws {
        let directory = try Self.directory([
            "tokenizer.json": Self.tokenizerJSON(lowercase: false),
            "tokenizer_config.json": #"{"model_max_length": 512}"#,
        ])
        #expect(try BertTokenizer(directory: directory).tokenize("Hello café") == ["Hello", "café"])
    }

    @Test func loadsVocabTextWithTokenizerConfigAndSpecialTokensMap() throws {
        let directory = try Self.directory([
            "vocab.txt": Self.vocabulary.joined(separator: "\n") + "\n",
            "tokenizer_config.json": #"{"do_lower_case": false, "tokenize_chinese_chars": true}"#,
            "special_tokens_map.json": #"{"cls_token": {"content": "[CLS]", "lstrip": false}, "sep_token": "[SEP]"}"#,
        ])
        let tokenizer = try BertTokenizer(directory: directory)
        #expect(tokenizer.encode("Hello[SEP]café").tokens == ["[CLS]", "Hello", "[SEP]", "café", "[SEP]"])
        #expect(tokenizer.specialTokens.classifier == 2)
    }

    @Test func vocabTextDefaultsToLowercasing() throws {
        let directory = try Self.directory(["vocab.txt": Self.vocabulary.joined(separator: "\n")])
        #expect(try BertTokenizer(directory: directory).tokenize("Hello Café") == ["hello", "cafe"])
    }

    @Test func vocabTextLinesAreTrimmedAtTheEndAndLaterDuplicatesWin() throws {
        let directory = try Self.directory(["vocab.txt": "[UNK]\r\nab \nab\n\u{3000}x\u{3000}\n\ncd"])
        let vocabulary = try TokenizerFiles.readVocabularyText(directory.appendingPathComponent("vocab.txt"))
        #expect(vocabulary[ExactString("[UNK]")] == 0)
        #expect(vocabulary[ExactString("ab")] == 2)
        #expect(vocabulary[ExactString("\u{3000}x")] == 3)
        #expect(vocabulary[ExactString("")] == 4)
        #expect(vocabulary[ExactString("cd")] == 5)
        #expect(vocabulary.count == 5)
    }

    @Test func canonicallyEquivalentVocabularyKeysStayDistinct() throws {
        let json = Self.tokenizerJSON().replacingOccurrences(of: "\"cafe\": 9", with: "\"cafe\\u0301\": 9")
        let tokenizer = try BertTokenizer(directory: Self.directory(["tokenizer.json": json]))
        #expect(tokenizer.encode("café").ids == [2, 8, 3])
        #expect(tokenizer.encode("cafe\u{301}").ids == [2, 9, 3])
    }

    @Test func addedTokensFromTokenizerJSONKeepTheirIdsAndFlags() throws {
        let extra = """
            , {"id": 42, "content": "<new>", "single_word": true, "lstrip": false, "rstrip": false,
               "normalized": false, "special": false}
            """
        let tokenizer = try BertTokenizer(
            directory: Self.directory(["tokenizer.json": Self.tokenizerJSON(extra: extra)]))
        #expect(tokenizer.encode("hello <new> x<new>").ids.prefix(3) == [2, 5, 42])
        #expect(tokenizer.vocabularySize == 43)
    }

    @Test func nonWordPieceModelsAreRejectedClearly() throws {
        let directory = try Self.directory(["tokenizer.json": Self.tokenizerJSON(modelType: "BPE")])
        #expect(throws: TokenizerError.unsupportedTokenizer("model type BPE (only WordPiece is supported)")) {
            try BertTokenizer(directory: directory)
        }
    }

    @Test func missingFilesAreReported() throws {
        let directory = try Self.directory(["config.json": "{}"])
        #expect(throws: TokenizerError.missingTokenizerFiles(directory: directory.path)) {
            try BertTokenizer(directory: directory)
        }
    }

    @Test func malformedJSONNamesTheFile() throws {
        let directory = try Self.directory(["tokenizer.json": #"{"model": {"type": "WordPiece",}"#])
        let path = directory.appendingPathComponent("tokenizer.json").path
        #expect {
            try BertTokenizer(directory: directory)
        } throws: { error in
            guard case .malformedFile(let failingPath, _) = error as? TokenizerError else { return false }
            return failingPath == path
        }
    }

    @Test func wrongFieldTypesAreMalformed() throws {
        let directory = try Self.directory([
            "vocab.txt": Self.vocabulary.joined(separator: "\n"),
            "tokenizer_config.json": #"{"do_lower_case": "yes"}"#,
        ])
        #expect(
            throws: TokenizerError.malformedFile(
                path: directory.appendingPathComponent("tokenizer_config.json").path,
                reason: "do_lower_case is not a boolean")
        ) {
            try BertTokenizer(directory: directory)
        }
    }

    @Test func wrongFieldTypesInEachFileAreNamedByTheirPath() throws {
        let cases: [(name: String, contents: String, reason: String)] = [
            (
                "tokenizer.json",
                Self.tokenizerJSON().replacingOccurrences(
                    of: "\"max_input_chars_per_word\": 100", with: "\"max_input_chars_per_word\": 1.5"),
                "model.max_input_chars_per_word is not an integer"
            ),
            (
                "tokenizer.json",
                Self.tokenizerJSON().replacingOccurrences(of: "\"lowercase\": false", with: "\"lowercase\": 0"),
                "normalizer.lowercase is not a boolean"
            ),
            ("special_tokens_map.json", #"{"cls_token": {"content": 1}}"#, "cls_token.content is not a string"),
            (
                "tokenizer_config.json", #"{"added_tokens_decoder": {"5": {"content": "x", "rstrip": "no"}}}"#,
                "added token rstrip is not a boolean"
            ),
        ]
        for (name, contents, reason) in cases {
            var files = ["vocab.txt": Self.vocabulary.joined(separator: "\n")]
            files[name] = contents
            let directory = try Self.directory(files)
            #expect(
                throws: TokenizerError.malformedFile(path: directory.appendingPathComponent(name).path, reason: reason)
            ) { try BertTokenizer(directory: directory) }
        }
    }

    @Test func namedSpecialTokensMissingFromTheVocabularyAreReported() throws {
        let directory = try Self.directory([
            "vocab.txt": Self.vocabulary.joined(separator: "\n"),
            "special_tokens_map.json": #"{"mask_token": "<mask>", "additional_special_tokens": ["<extra>"]}"#,
        ])
        #expect(throws: TokenizerError.missingTokensInVocabulary(["<mask>", "<extra>"])) {
            try BertTokenizer(directory: directory)
        }
    }
}
