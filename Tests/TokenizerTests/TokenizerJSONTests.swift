// Loading tokenizer.json into a PipelineTokenizer: the components it builds, and hostile files
// (unknown components, out-of-range ids, broken or oversized charsmaps, merges naming missing
// tokens) rejected with a typed error that names the JSON path, never a crash.

import Foundation
import TestSupport
import Testing

@testable import Tokenizer

@Suite struct TokenizerJSONTests {
    /// A small Unigram tokenizer.json; `edit` changes its JSON object before it is written.
    static func unigramJSON(_ edit: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        var json: [String: Any] = [
            "version": "1.0",
            "added_tokens": [["id": 0, "content": "<unk>", "special": true, "normalized": false,
                              "lstrip": false, "rstrip": false, "single_word": false]],
            "normalizer": ["type": "Sequence", "normalizers": [
                ["type": "Strip", "strip_left": true, "strip_right": true],
                ["type": "Replace", "pattern": ["Regex": " {2,}"], "content": " "]]],
            "pre_tokenizer": ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true],
            "post_processor": NSNull(),
            "model": ["type": "Unigram", "unk_id": 0, "byte_fallback": false, "vocab": [
                ["<unk>", 0.0], ["▁", -2.0], ["▁ab", -1.5], ["a", -3.0], ["b", -3.0], ["ab", -2.5], ["c", -4.0]]],
        ]
        edit(&json)
        return json
    }

    static func bpeJSON(_ edit: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        var json: [String: Any] = [
            "added_tokens": [] as [Any],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "WhitespaceSplit"],
            "post_processor": ["type": "RobertaProcessing", "sep": ["</s>", 1], "cls": ["<s>", 0]],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": "<unk>", "fuse_unk": false,
                      "byte_fallback": false, "vocab": ["<s>": 0, "</s>": 1, "<unk>": 2, "a": 3, "b": 4, "ab": 5, "abb": 6],
                      "merges": [["a", "b"], ["ab", "b"]]],
        ]
        edit(&json)
        return json
    }

    static func load(_ json: [String: Any]) throws -> PipelineTokenizer {
        let scratch = try ScratchDirectory()
        let data = try JSONSerialization.data(withJSONObject: json)
        let url = try scratch.write("tokenizer.json", [UInt8](data))
        return try PipelineTokenizer(tokenizerJSON: url)
    }

    /// The description of the error `json` is rejected with (which must be a TokenizerError).
    static func rejection(_ json: [String: Any]) -> String? {
        do {
            _ = try load(json)
            return nil
        } catch let error as TokenizerError {
            return error.description
        } catch {
            return "not a TokenizerError: \(error)"
        }
    }

    // MARK: what gets built

    @Test func aSmallUnigramTokenizerEncodes() throws {
        let tokenizer = try Self.load(Self.unigramJSON())
        #expect(tokenizer.tokenize("  ab   c ") == ["▁ab", "▁", "c"])
        #expect(tokenizer.tokenize("abx") == ["▁ab", "x"])
        #expect(tokenizer.encode("ab").ids == [2])
        #expect(tokenizer.vocabularySize == 7)
    }

    @Test func aSmallBPETokenizerMergesAndWrapsPairs() throws {
        let tokenizer = try Self.load(Self.bpeJSON())
        #expect(tokenizer.tokenize("abb ab ba") == ["abb", "ab", "b", "a"])
        #expect(tokenizer.encode("ab", "b").ids == [0, 5, 1, 1, 4, 1])
        // Unknown scalars are unknown tokens, one each (fuse_unk false).
        #expect(tokenizer.encode("axx").ids == [0, 3, 2, 2, 1])
    }

    @Test func theEntryPointChoosesByModelType() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("tokenizer.json", [UInt8](try JSONSerialization.data(withJSONObject: Self.bpeJSON())))
        guard case .pipeline(let pipeline) = try TextTokenizer(directory: scratch.url) else {
            Issue.record("a BPE tokenizer.json did not load as a pipeline")
            return
        }
        #expect(pipeline.modelType == "BPE")
        guard case .wordPiece = try TextTokenizer(directory: Fixtures.model("tiny-v2-cased-st")) else {
            Issue.record("a WordPiece tokenizer.json did not load as BertTokenizer")
            return
        }
    }

    // MARK: hostile files

    @Test func unsupportedComponentsNameTheirPath() {
        let nfkc = Self.rejection(Self.unigramJSON {
            $0["normalizer"] = ["type": "Sequence", "normalizers": [["type": "Lowercase"], ["type": "NFKC"]]]
        })
        #expect(nfkc == "unsupported tokenizer: normalizer.normalizers[1]: normalizer NFKC")
        let split = Self.rejection(Self.unigramJSON {
            $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "Punctuation"]]]
        })
        #expect(split == "unsupported tokenizer: pre_tokenizer.pretokenizers[0]: pre-tokenizer Punctuation")
        let regex = Self.rejection(Self.unigramJSON {
            $0["normalizer"] = ["type": "Replace", "pattern": ["Regex": "\\s+"], "content": " "]
        })
        #expect(regex == "unsupported tokenizer: normalizer.pattern: regex \\s+")
        let model = Self.rejection(Self.unigramJSON { $0["model"] = ["type": "WordLevel", "vocab": ["a": 0]] })
        #expect(model == "unsupported tokenizer: model: model type WordLevel")
        let dropout = Self.rejection(Self.bpeJSON {
            var model = $0["model"] as! [String: Any]
            model["dropout"] = 0.1
            $0["model"] = model
        })
        #expect(dropout == "unsupported tokenizer: model: BPE dropout (only null)")
        let processor = Self.rejection(Self.bpeJSON { $0["post_processor"] = ["type": "Fancy"] })
        #expect(processor == "unsupported tokenizer: post_processor: post-processor Fancy")
    }

    @Test func outOfRangeIdsAreRejected() {
        let unknown = Self.rejection(Self.unigramJSON {
            var model = $0["model"] as! [String: Any]
            model["unk_id"] = 7
            $0["model"] = model
        })
        #expect(unknown?.contains("model.unk_id 7 is outside the vocabulary (7 pieces)") == true)
        let negative = Self.rejection(Self.bpeJSON {
            var model = $0["model"] as! [String: Any]
            model["vocab"] = ["<s>": 0, "</s>": 1, "<unk>": -2]
            model["merges"] = [] as [Any]
            $0["model"] = model
        })
        #expect(negative?.contains("model.vocab[\"<unk>\"] is not a valid id") == true)
        let huge = Self.rejection(Self.bpeJSON {
            $0["post_processor"] = ["type": "RobertaProcessing", "sep": ["</s>", 1 << 40], "cls": ["<s>", 0]]
        })
        #expect(huge?.contains("post_processor.sep[1] is not a valid id") == true)
        let addedWithoutId = Self.rejection(Self.unigramJSON { $0["added_tokens"] = [["content": "<x>"]] })
        #expect(addedWithoutId?.contains("added_tokens[0].id is missing") == true)
    }

    @Test func inconsistentModelsAreRejected() {
        let merge = Self.rejection(Self.bpeJSON {
            var model = $0["model"] as! [String: Any]
            model["merges"] = ["a b", "b zz"]
            $0["model"] = model
        })
        #expect(merge?.contains("model.merges[1] names a token that is not in model.vocab") == true)
        let pair = Self.rejection(Self.unigramJSON {
            var model = $0["model"] as! [String: Any]
            model["vocab"] = [["<unk>", 0.0], ["a"]]
            $0["model"] = model
        })
        #expect(pair?.contains("model.vocab[1] is not [piece, score]") == true)
        let template = Self.rejection(Self.unigramJSON {
            $0["post_processor"] = ["type": "TemplateProcessing",
                                    "single": [["SpecialToken": ["id": "[CLS]", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                                    "pair": [] as [Any], "special_tokens": [:] as [String: Any]]
        })
        #expect(template?.contains("post_processor.single[0].SpecialToken.id \"[CLS]\" is not in special_tokens") == true)
        let unknownToken = Self.rejection(Self.bpeJSON {
            var model = $0["model"] as! [String: Any]
            model["unk_token"] = "<nope>"
            $0["model"] = model
        })
        #expect(unknownToken == TokenizerError.missingTokensInVocabulary(["<nope>"]).description)
    }

    static func precompiled(_ blob: [UInt8]) -> [String: Any] {
        unigramJSON {
            $0["normalizer"] = ["type": "Precompiled", "precompiled_charsmap": Data(blob).base64EncodedString()]
        }
    }

    @Test func brokenCharsmapsAreRejectedOrHarmless() throws {
        let short = Self.rejection(Self.precompiled([1, 0]))
        #expect(short?.contains("normalizer.precompiled_charsmap: charsmap of 2 bytes has no trie size") == true)
        // A trie size far beyond the blob (4 GB).
        let huge = Self.rejection(Self.precompiled([0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4]))
        #expect(huge?.contains("trie size 4294967295 does not fit a 8-byte charsmap") == true)
        #expect(Self.rejection(Self.precompiled([3, 0, 0, 0, 1, 2, 3]))?.contains("trie size 3") == true)
        let notBase64 = Self.rejection(Self.unigramJSON {
            $0["normalizer"] = ["type": "Precompiled", "precompiled_charsmap": "%%%"]
        })
        #expect(notBase64?.contains("normalizer.precompiled_charsmap is not base64") == true)
        // Random units: lookups wander anywhere, yet every access is checked and text passes through.
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let units = Int.random(in: 1...63, using: &generator)
            var blob: [UInt8] = [UInt8(units * 4 & 0xFF), UInt8(units * 4 >> 8), 0, 0]
            blob += (0..<(units * 4 + 16)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let tokenizer = try Self.load(Self.precompiled(blob))
            _ = tokenizer.encode("abc ab é 中文 \u{0}\u{1F600} ｱ", "x")
        }
    }

    /// A 1,000-byte piece that the text matches almost everywhere makes Viterbi walk ~1,000 bytes
    /// per position: the walk itself is counted, so the stop condition is still polled in step
    /// with the real work (about one poll per 4,096 bytes walked; it was one per piece found).
    @Test func aHugePieceIsPolledInStepWithTheWalk() throws {
        let tokenizer = try Self.load(Self.unigramJSON {
            var model = $0["model"] as! [String: Any]
            model["vocab"] = [["<unk>", 0.0], ["a", -1.0], [String(repeating: "a", count: 1_000), -2.0]]
            $0["model"] = model
            $0["normalizer"] = NSNull()
            $0["pre_tokenizer"] = NSNull()
        })
        var polls = 0
        let encoding = try tokenizer.encode(String(repeating: "a", count: 2_000)) {
            polls += 1
            return false
        }
        #expect(encoding.ids == [2, 2])
        let walked = 1_000 * 1_000 + 1_000 * 1_001 / 2  // positions before the last 1,000 walk 1,000 bytes
        // A poll may come up to one walk (1,001 units) late: a record overshoots the interval.
        #expect(polls >= walked / (StopCheck<Never>.interval + 1_001), "\(polls) polls")
    }

    @Test func repeatedScalarRegexes() {
        #expect(TokenizerJSONReader.repeatedScalar(" {2,}")?.minimum == 2)
        #expect(TokenizerJSONReader.repeatedScalar("▁{3,}")?.scalar == "▁")
        for regex in ["\\s{2,}", " {2}", " {0,}", " +", ".{2,}", " {2,5}", "  {2,}"] {
            #expect(TokenizerJSONReader.repeatedScalar(regex) == nil, "\(regex)")
        }
    }
}
