import Testing

@testable import Tokenizer

@Suite struct BertTokenizerTests {
    let id = TestVocabulary.id

    @Test func encodesASingleText() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let encoding = tokenizer.encode("Hello, world!")
        #expect(encoding.tokens == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
        #expect(encoding.ids == [id("[CLS]"), id("hello"), id(","), id("world"), id("!"), id("[SEP]")])
        #expect(encoding.typeIds == [0, 0, 0, 0, 0, 0])
    }

    @Test func encodesAPairWithZeroOrSegmentTypeIds() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let zeros = tokenizer.encode("hello", "the cat")
        #expect(zeros.tokens == ["[CLS]", "hello", "[SEP]", "the", "cat", "[SEP]"])
        #expect(zeros.typeIds == [0, 0, 0, 0, 0, 0])
        #expect(tokenizer.encode("hello", "the cat", typeIds: .segments).typeIds == [0, 0, 0, 1, 1, 1])
    }

    @Test func anEmptySecondTextMeansNoPairButAnEmptyFirstTextIsKept() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        #expect(tokenizer.encode("hello", "").tokens == ["[CLS]", "hello", "[SEP]"])
        #expect(tokenizer.encode("", "hello").tokens == ["[CLS]", "[SEP]", "hello", "[SEP]"])
        #expect(tokenizer.encode("", "").tokens == ["[CLS]", "[SEP]"])
        // Whitespace is not empty: the pair is present, with no tokens.
        #expect(tokenizer.encode("hello", " ").tokens == ["[CLS]", "hello", "[SEP]", "[SEP]"])
    }

    @Test func specialTokensWrittenInTheTextAreRecognisedBeforeNormalisation() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        #expect(tokenizer.tokenize("hello[SEP]world") == ["hello", "[SEP]", "world"])
        #expect(tokenizer.encode("a[SEP]b").ids == [id("[CLS]"), id("a"), id("[SEP]"), id("b"), id("[SEP]")])
        // Lower-case "[sep]" is ordinary text: punctuation and a word.
        #expect(tokenizer.tokenize("[sep]") == ["[UNK]", "[UNK]", "[UNK]"])
        #expect(tokenizer.tokenize("[MASK] [PAD][UNK]") == ["[MASK]", "[PAD]", "[UNK]"])
    }

    @Test func normalisedAddedTokensMatchAfterNormalisation() throws {
        var options = BertTokenizer.Options()
        options.addedTokens = [AddedToken(content: "Hello World", id: 500, isSpecial: false)]
        let tokenizer = try TestVocabulary.tokenizer(options)
        #expect(tokenizer.encode("HELLO WORLD!").ids == [id("[CLS]"), 500, id("!"), id("[SEP]")])
        #expect(tokenizer.vocabularySize == 501)
    }

    @Test func unknownWordsAndCJKCharacters() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        #expect(tokenizer.tokenize("zebra 中文") == ["[UNK]", "中", "文"])
        #expect(tokenizer.tokenize("Café ΟΔΟΣ") == ["cafe", "οδοσ"])
    }

    @Test func casedOptionsKeepAccents() throws {
        let tokenizer = try TestVocabulary.tokenizer(.init(lowercase: false))
        #expect(tokenizer.tokenize("café cafe") == ["café", "cafe"])
        #expect(tokenizer.tokenize("Hello") == ["[UNK]"])
    }

    @Test func truncatesThePairLongestFirst() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let long = "the cat sat on the mat"
        let right = tokenizer.encode(long, "hello world", truncation: Truncation(maxLength: 8), typeIds: .segments)
        #expect(right.tokens == ["[CLS]", "the", "cat", "sat", "[SEP]", "hello", "world", "[SEP]"])
        #expect(right.typeIds == [0, 0, 0, 0, 0, 1, 1, 1])
        let left = tokenizer.encode(long, "hello world", truncation: Truncation(maxLength: 8, side: .left))
        #expect(left.tokens == ["[CLS]", "on", "the", "mat", "[SEP]", "hello", "world", "[SEP]"])
        let untruncated = tokenizer.encode(long, "hello world")
        #expect(untruncated.ids.count == 11)
    }

    @Test func truncatesASingleText() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let encoding = tokenizer.encode("the cat sat on the mat", truncation: Truncation(maxLength: 4))
        #expect(encoding.tokens == ["[CLS]", "the", "cat", "[SEP]"])
        #expect(tokenizer.encode("the cat", truncation: Truncation(maxLength: 512)).ids.count == 4)
    }

    @Test func specialTokenIdsComeFromTheVocabulary() throws {
        let shuffled = ["x", "[SEP]", "[UNK]", "y", "[CLS]"]
        let tokenizer = try BertTokenizer(vocabulary: shuffled, options: .init(paddingToken: nil, maskToken: nil))
        #expect(
            tokenizer.specialTokens
                == BertTokenizer.SpecialTokens(classifier: 4, separator: 1, unknown: 2, padding: nil, mask: nil))
        #expect(tokenizer.encode("x y").ids == [4, 0, 3, 1])
        #expect(tokenizer.vocabularySize == 5)
    }

    @Test func missingSpecialTokensAreAllReported() {
        #expect(throws: TokenizerError.missingTokensInVocabulary(["[UNK]", "[CLS]", "[MASK]"])) {
            try BertTokenizer(vocabulary: ["[SEP]", "[PAD]", "a"])
        }
    }

    @Test func invalidConfigurationsAreRejected() {
        #expect(throws: TokenizerError.invalidConfiguration("empty vocabulary")) {
            try BertTokenizer(vocabulary: [])
        }
        #expect(throws: TokenizerError.self) {
            try TestVocabulary.tokenizer(.init(maxInputCharactersPerWord: 0))
        }
    }

    // MARK: Hostile inputs. Every stage is linear, so these take about a second in a debug build;
    // before decomposition went scalar by scalar, 800,000 "é" alone took 14 s.

    @Test func longRunsOfAccentedTextTokenize() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let unknownWord = [id("[CLS]"), id("[UNK]"), id("[SEP]")]
        #expect(tokenizer.encode(String(repeating: "é", count: 200_000)).ids == unknownWord)
        #expect(tokenizer.encode(String(repeating: "a\u{301}\u{316}", count: 100_000)).ids == unknownWord)
        let words = tokenizer.encode(String(repeating: "A\u{301}\u{316} Café ", count: 20_000)).ids
        #expect(words == [id("[CLS]")] + repeated([id("a"), id("cafe")], 20_000) + [id("[SEP]")])
    }

    @Test func longRunsOfCJKPunctuationAndLookAlikesTokenize() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let cjk = tokenizer.encode(String(repeating: "中文", count: 20_000)).ids
        #expect(cjk == [id("[CLS]")] + repeated([id("中"), id("文")], 20_000) + [id("[SEP]")])
        let punctuation = tokenizer.encode(String(repeating: "!", count: 40_000)).ids
        #expect(punctuation == [id("[CLS]")] + repeated([id("!")], 40_000) + [id("[SEP]")])
        // "[" is punctuation and "SEP" an unknown word: 2 tokens per look-alike, none of them [SEP].
        let lookAlikes = tokenizer.encode(String(repeating: "[SEP", count: 20_000)).ids
        #expect(lookAlikes == [id("[CLS]")] + repeated([id("[UNK]"), id("[UNK]")], 20_000) + [id("[SEP]")])
    }

    func repeated(_ ids: [Int32], _ count: Int) -> [Int32] {
        Array(repeating: ids, count: count).flatMap { $0 }
    }

    // MARK: Stopping

    static let sentence = "Café crème, s'il vous plaît! Hello world. 中文 "
    /// About 1 MB of mixed text, accents and punctuation included.
    static let megabyte = String(repeating: sentence, count: 20_000)

    @Test func stopsWhenTheConditionTurnsTrue() throws {
        let tokenizer = try TestVocabulary.tokenizer()
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

    @Test func anUnstoppedEncodingIsThePlainOne() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        let cases: [(String, String?, Truncation?)] = [
            (String(repeating: Self.sentence, count: 500), nil, nil), ("Hello, world!", "the cat", nil),
            ("a[SEP]b", "", Truncation(maxLength: 3)),
            (String(repeating: Self.sentence, count: 500), "Café ΟΔΟΣ", Truncation(maxLength: 512, side: .left)),
        ]
        for (first, second, truncation) in cases {
            let stoppable = try tokenizer.encode(first, second, truncation: truncation, typeIds: .segments) { false }
            #expect(stoppable == tokenizer.encode(first, second, truncation: truncation, typeIds: .segments))
        }
    }

    /// The condition is polled every few thousand scalars inside one long word (normalisation) and
    /// among many short ones (word pieces), and the number of polls grows linearly with the text.
    @Test func pollsInProportionToTheText() throws {
        let tokenizer = try TestVocabulary.tokenizer()
        func polls(_ text: String) throws -> Int {
            var calls = 0
            _ = try tokenizer.encode(text) {
                calls += 1
                return false
            }
            return calls
        }
        let interval = StopCheck<Never>.interval
        for unit in ["é", "a\u{301}\u{316}", "中", "! ", "Café crème. "] {
            let single = try polls(String(repeating: unit, count: 10_000))
            let double = try polls(String(repeating: unit, count: 20_000))
            let scalars = 10_000 * unit.unicodeScalars.count
            #expect(single >= scalars / interval, "\(unit.debugDescription): \(single) polls")
            #expect(abs(double - 2 * single) <= 2, "\(unit.debugDescription): \(single) then \(double) polls")
        }
    }
}
