import Foundation
import Testing

@testable import Tokenizer

@Suite struct CanonicalDecompositionTests {
    func nfd(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var stop = StopCheck<Never>.never
        return CanonicalDecomposer.decompose(scalars, keeping: { _ in true }, stop: &stop)
    }

    func nfd(_ text: String) -> [UInt32] { nfd(Array(text.unicodeScalars)).map(\.value) }

    /// Foundation's NFD over each run of scalars known to Unicode 9.0, unknown scalars passed through
    /// between runs: what `tokenizers` computes, the slow way (with the Tibetan correction that
    /// `WholeTextNormalizer.foundationNFD` explains).
    static func referenceNFD(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        var run = String.UnicodeScalarView()
        for scalar in scalars + [nil] {
            if let scalar, CharacterClasses.isKnownToDecomposition(scalar) {
                run.append(scalar)
                continue
            }
            result.append(contentsOf: WholeTextNormalizer.foundationNFD(run))
            run = String.UnicodeScalarView()
            if let scalar { result.append(scalar) }
        }
        return result
    }

    @Test func matchesFoundationRunByRunOnARandomCorpus() {
        var mismatches = 0
        for text in UnicodeCorpus.texts(count: 4_000, seed: 0xDEC0) {
            let expected = Self.referenceNFD(text)
            let actual = nfd(text)
            guard actual != expected else { continue }
            mismatches += 1
            if mismatches <= 5 {
                Issue.record(
                    "\(UnicodeCorpus.hex(text)): got \(UnicodeCorpus.hex(actual)), expected \(UnicodeCorpus.hex(expected))"
                )
            }
        }
        #expect(mismatches == 0)
    }

    @Test func decomposesFullyAndOrdersMarksByClass() {
        #expect(nfd("é") == [0x65, 0x301])
        // Two levels: U+1EC7 → U+1EB9 U+0302 → e U+0323 U+0302.
        #expect(nfd("ệ") == [0x65, 0x323, 0x302])
        // A singleton: ANGSTROM SIGN → Å → A U+030A.
        #expect(nfd("\u{212B}") == [0x41, 0x30A])
        // Hangul, by the algorithm: LVT → three jamo.
        #expect(nfd("각") == [0x1100, 0x1161, 0x11A8])
        // Class 230 after 220 moves behind it; equal classes keep their order.
        #expect(nfd("a\u{301}\u{316}\u{300}") == [0x61, 0x316, 0x301, 0x300])
    }

    @Test func tibetanStartersThatDecomposeIntoNonStartersJoinTheRunOfMarks() {
        // U+0F73 (class 0) → U+0F71 (129) U+0F72 (130); U+0F74 (132) came first but sorts last.
        #expect(nfd("\u{0F40}\u{0F74}\u{0F73}") == [0xF40, 0xF71, 0xF72, 0xF74])
        // The marks of U+1E08 (classes 202, 230) sort after those of U+0F73, as in `tokenizers`.
        #expect(nfd("\u{1E08}\u{0F73}") == [0x43, 0xF71, 0xF72, 0x327, 0x301])
        // U+0F81 → U+0F71 (129) U+0F80 (130); the U+0F71 after it joins the same run.
        #expect(nfd("\u{0F40}\u{0F81}\u{0F71}") == [0xF40, 0xF71, 0xF71, 0xF80])
    }

    @Test func scalarsNewerThanUnicode9AreStartersThatNeverDecompose() {
        // U+11938 decomposes since Unicode 13.0: not to `tokenizers`.
        #expect(nfd("\u{11938}") == [0x11938])
        // U+1ABF (class 220 today) splits the run: U+0301 stays before it, U+0316 after.
        #expect(nfd("a\u{301}\u{1ABF}\u{316}") == [0x61, 0x301, 0x1ABF, 0x316])
    }

    @Test func aLongRunOfMarksIsSortedStablyInOnePass() {
        let pairs = 50_000
        func repeated(_ unit: [Unicode.Scalar]) -> [Unicode.Scalar] {
            Array(repeating: unit, count: pairs).flatMap { $0 }
        }
        let text: [Unicode.Scalar] = ["a"] + repeated(["\u{301}", "\u{316}"])
        let expected: [Unicode.Scalar] =
            ["a"] + Array(repeating: "\u{316}", count: pairs) + Array(repeating: "\u{301}", count: pairs)
        #expect(nfd(text) == expected)
        let sameClass: [Unicode.Scalar] = ["a"] + repeated(["\u{301}", "\u{300}"])
        #expect(nfd(sameClass) == sameClass)
    }

    @Test func theKeepPredicateDropsScalarsWithoutChangingTheOrderOfTheRest() {
        var stop = StopCheck<Never>.never
        let text = Array("a\u{1D16D}\u{301}\u{1D165}é".unicodeScalars)
        let kept = CanonicalDecomposer.decompose(text, keeping: { $0.value != 0x301 }, stop: &stop)
        #expect(kept.map(\.value) == [0x61, 0x1D165, 0x1D16D, 0x65])
    }

    /// The table skips unified ideographs and private-use scalars without asking Foundation; this
    /// checks that none of them decomposes, so the shortcut changes nothing.
    @Test func skippedScalarsHaveNoDecomposition() {
        var checked = 0
        for value in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value), CharacterClasses.isKnownToDecomposition(scalar),
                !CanonicalDecompositions.mayDecompose(scalar)
            else { continue }
            checked += 1
            let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
            #expect(decomposed.elementsEqual([scalar]), "U+\(String(value, radix: 16))")
        }
        #expect(checked > 200_000)
    }

    @Test func theTableHoldsUnicode9DecompositionsOnly() {
        let table = CanonicalDecompositions.table
        #expect(table[0xE9]?.map(\.scalar.value) == [0x65, 0x301])
        #expect(table[0xE9]?.map(\.combiningClass) == [0, 230])
        #expect(table[0x11938] == nil)
        #expect(table[0x4E2D] == nil)
        #expect(table.values.allSatisfy { (1...4).contains($0.count) })
    }
}
