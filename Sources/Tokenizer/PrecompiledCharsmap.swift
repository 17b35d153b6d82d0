// SentencePiece's precompiled normalisation (`Precompiled` in tokenizer.json): a Darts-clone
// double-array trie from UTF-8 keys to offsets into a blob of NUL-terminated replacement strings,
// applied as `tokenizers` applies it: per extended grapheme cluster when the cluster is shorter
// than 6 UTF-8 bytes and the trie knows it (the first, i.e. shortest, key that is a prefix of the
// cluster wins and replaces the whole cluster), otherwise scalar by scalar.
// The blob comes from a file: every array access is bounds-checked and a broken trie means "no
// rule" at that position, never a crash. This file owns the blob format and the lookup only.

import Foundation

struct PrecompiledCharsmap: Sendable {
    /// Darts-clone units (little-endian u32 in the blob).
    private let units: [UInt32]
    /// The replacement strings, NUL-terminated, addressed by the trie's values.
    private let replacements: [UInt8]
    /// Where each NUL of `replacements` is, ascending: a string's end is found by binary search,
    /// not by scanning (a hostile blob without NULs must not make every look-up cost its size).
    private let terminators: [Int]
    /// The replacement of each ASCII scalar standing alone as a grapheme (nil: kept as it is),
    /// looked up once: most text is ASCII and needs no grapheme segmentation.
    private var asciiReplacements: [[Unicode.Scalar]?] = []

    /// Parses the blob: a little-endian u32 byte size of the trie, the trie, then the strings.
    init(blob: [UInt8]) throws(PrecompiledCharsmapError) {
        guard blob.count >= 4 else { throw .tooShort(blob.count) }
        let trieBytes = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard trieBytes % 4 == 0, trieBytes >= 4, trieBytes <= blob.count - 4 else {
            throw .badTrieSize(trieBytes, blobSize: blob.count)
        }
        var units = [UInt32](repeating: 0, count: trieBytes / 4)
        for index in units.indices {
            let base = 4 + index * 4
            units[index] =
                UInt32(blob[base]) | UInt32(blob[base + 1]) << 8 | UInt32(blob[base + 2]) << 16
                | UInt32(blob[base + 3]) << 24
        }
        self.units = units
        let replacements = Array(blob[(4 + trieBytes)...])
        self.replacements = replacements
        self.terminators = replacements.indices.filter { replacements[$0] == 0 }
        let table = (0..<128).map { byte in
            replacement(for: [UInt8(byte)]).map { Array(String(decoding: $0, as: UTF8.self).unicodeScalars) }
        }
        self.asciiReplacements = table
    }

    /// The replacement of the shortest key that is a prefix of `key` (spm_precompiled's
    /// `transform`); nil when no key is a prefix of it (or the trie is broken there).
    func replacement(for key: some Collection<UInt8>) -> ArraySlice<UInt8>? {
        guard let value = firstPrefixValue(of: key), value < replacements.count else { return nil }
        var low = 0
        var high = terminators.count
        while low < high {
            let middle = (low + high) / 2
            if terminators[middle] < value { low = middle + 1 } else { high = middle }
        }
        let end = low < terminators.count ? terminators[low] : replacements.count
        return replacements[value..<end]
    }

    /// Darts-clone common-prefix search, stopping at the first (shortest) key found.
    private func firstPrefixValue(of key: some Collection<UInt8>) -> Int? {
        guard let root = units.first else { return nil }
        var position = Self.offset(root)
        for byte in key {
            guard byte != 0 else { return nil }
            position ^= Int(byte)
            guard position < units.count else { return nil }
            let unit = units[position]
            guard Self.label(unit) == UInt32(byte) else { return nil }
            position ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                guard position < units.count else { return nil }
                return Int(units[position] & 0x7FFF_FFFF)
            }
        }
        return nil
    }

    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    private static func label(_ unit: UInt32) -> UInt32 { unit & (0x8000_0000 | 0xFF) }
    private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }

    /// Normalises `scalars` grapheme by grapheme (see the file comment). Between two ASCII scalars
    /// (other than CR LF) there is always a grapheme break, so an ASCII scalar with ASCII on both
    /// sides is a grapheme of its own and takes the precomputed table; only the stretches around
    /// other scalars are segmented into graphemes.
    func normalize<Failure>(
        _ scalars: [Unicode.Scalar], stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var stretchStart = 0
        for index in scalars.indices {
            let isBreakAfter =
                index + 1 == scalars.count
                || (scalars[index].isASCII && scalars[index + 1].isASCII
                    && !(scalars[index] == "\r" && scalars[index + 1] == "\n"))
            guard isBreakAfter else { continue }
            if index == stretchStart && scalars[index].isASCII {
                try stop.record()
                if let replacement = asciiReplacements[Int(scalars[index].value)] {
                    result.append(contentsOf: replacement)
                } else {
                    result.append(scalars[index])
                }
            } else {
                try appendGraphemes(of: scalars[stretchStart...index], to: &result, stop: &stop)
            }
            stretchStart = index + 1
        }
        return result
    }

    private func appendGraphemes<Failure>(
        of scalars: ArraySlice<Unicode.Scalar>, to result: inout [Unicode.Scalar], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        for grapheme in text {
            let utf8 = grapheme.utf8
            try stop.record(utf8.count)
            if utf8.count < 6, let replacement = replacement(for: utf8) {
                Self.appendDecoded(replacement, to: &result)
                continue
            }
            for scalar in grapheme.unicodeScalars {
                if let replacement = replacement(for: Self.utf8Bytes(of: scalar)) {
                    Self.appendDecoded(replacement, to: &result)
                } else {
                    result.append(scalar)
                }
            }
        }
    }

    private static func utf8Bytes(of scalar: Unicode.Scalar) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4)
        UTF8.encode(scalar) { bytes.append($0) }
        return bytes
    }

    /// Appends the scalars of a replacement string; invalid UTF-8 in the blob decodes as U+FFFD.
    private static func appendDecoded(_ bytes: ArraySlice<UInt8>, to result: inout [Unicode.Scalar]) {
        result.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
    }
}

/// Why a `precompiled_charsmap` blob was rejected.
enum PrecompiledCharsmapError: Error, Equatable, CustomStringConvertible {
    case tooShort(Int)
    case badTrieSize(Int, blobSize: Int)

    var description: String {
        switch self {
        case .tooShort(let size): "charsmap of \(size) bytes has no trie size"
        case .badTrieSize(let size, let blobSize): "trie size \(size) does not fit a \(blobSize)-byte charsmap"
        }
    }
}

