// Canonical decomposition (NFD) in one pass, linear in the text, computed the way the
// `unicode-normalization` crate behind `tokenizers` computes it: each scalar is replaced by its
// full canonical decomposition; the non-starters (canonical combining class ≠ 0) that follow are
// held back and emitted, stably sorted by class, when the next starter or the end comes. Scalars
// the crate's Unicode 9.0 tables do not know pass through unchanged and count as starters.
//
// Foundation's whole-string NFD is superlinear (minutes for 4 MB of "é") and, unlike `tokenizers`,
// does not sort the marks on either side of U+0F73, U+0F75 or U+0F81 (class 0 themselves, but
// decomposing into non-starters) together, so Foundation is only asked about one scalar at a time,
// once per scalar, to build an immutable table.
// This file decomposes and orders; which scalars to keep is the caller's `keep` predicate.

import Foundation

struct CanonicalDecomposer {
    private struct Mark {
        var combiningClass: UInt8
        var scalar: Unicode.Scalar
    }

    /// The kept non-starters since the last starter, in text order.
    private var pending: [Mark] = []

    /// NFD of `scalars` without the scalars `keep` rejects. Filtering before ordering gives the same
    /// result as ordering first: a stable sort keeps the relative order of whatever remains.
    static func decompose<Failure>(
        _ scalars: [Unicode.Scalar], keeping keep: (Unicode.Scalar) -> Bool, stop: inout StopCheck<Failure>
    ) throws(Failure) -> [Unicode.Scalar] {
        var decomposer = CanonicalDecomposer()
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count + scalars.count / 4)
        for scalar in scalars {
            try stop.record()
            decomposer.append(scalar, to: &result, keeping: keep)
        }
        decomposer.finish(&result)
        return result
    }

    /// Decomposes `scalar` onto `output`, holding back non-starters until the next starter.
    mutating func append(
        _ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar], keeping keep: (Unicode.Scalar) -> Bool
    ) {
        if scalar.isASCII {
            accept(scalar, combiningClass: 0, to: &output, keeping: keep)
        } else if let decomposition = CanonicalDecompositions.table[scalar.value] {
            for part in decomposition {
                accept(part.scalar, combiningClass: part.combiningClass, to: &output, keeping: keep)
            }
        } else {
            accept(scalar, combiningClass: Self.combiningClass(of: scalar), to: &output, keeping: keep)
        }
    }

    /// Emits the held non-starters in canonical order: done at each starter, and to be called once
    /// after the last scalar.
    mutating func finish(_ output: inout [Unicode.Scalar]) {
        guard !pending.isEmpty else { return }
        if !Self.isOrdered(pending) {
            // Sorting by (class, position) keeps equal classes in text order whatever the algorithm.
            pending = pending.enumerated()
                .sorted { ($0.element.combiningClass, $0.offset) < ($1.element.combiningClass, $1.offset) }
                .map(\.element)
        }
        output.append(contentsOf: pending.lazy.map(\.scalar))
        pending.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private mutating func accept(
        _ scalar: Unicode.Scalar, combiningClass: UInt8, to output: inout [Unicode.Scalar],
        keeping keep: (Unicode.Scalar) -> Bool
    ) {
        if combiningClass == 0 {
            finish(&output)
            if keep(scalar) { output.append(scalar) }
        } else if keep(scalar) {
            pending.append(Mark(combiningClass: combiningClass, scalar: scalar))
        }
    }

    private static func isOrdered(_ marks: [Mark]) -> Bool {
        zip(marks, marks.dropFirst()).allSatisfy { $0.combiningClass <= $1.combiningClass }
    }

    /// The class `tokenizers` sees: 0 for scalars its Unicode 9.0 tables do not know. (Classes of
    /// assigned scalars never change between Unicode versions, so today's class is 9.0's.)
    static func combiningClass(of scalar: Unicode.Scalar) -> UInt8 {
        let combiningClass = scalar.properties.canonicalCombiningClass.rawValue
        guard combiningClass != 0, CharacterClasses.isKnownToDecomposition(scalar) else { return 0 }
        return combiningClass
    }
}

/// The full canonical decomposition of every scalar that has one in Unicode 9.0 (about 13,000 with
/// the Hangul syllables), each part with its combining class. Decomposition mappings never change
/// once assigned, so Foundation's current tables give 9.0's answer for scalars 9.0 knows.
/// Built on first use (a fraction of a second), read-only afterwards.
enum CanonicalDecompositions {
    struct Part: Sendable {
        var scalar: Unicode.Scalar
        var combiningClass: UInt8
    }

    static let table: [UInt32: [Part]] = build()

    /// Builds the table if no one has yet.
    static func prepare() { _ = table }

    private static func build() -> [UInt32: [Part]] {
        var table: [UInt32: [Part]] = [:]
        for value in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value), mayDecompose(scalar) else { continue }
            let parts = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
            guard !parts.elementsEqual([scalar]) else { continue }
            table[value] = parts.map { Part(scalar: $0, combiningClass: CanonicalDecomposer.combiningClass(of: $0)) }
        }
        return table
    }

    /// Scalars known to Unicode 9.0, less the large groups that have no decomposition mapping by
    /// definition (private use) or by fact (unified ideographs; CanonicalDecompositionTests checks
    /// every one), which would otherwise take most of the build time.
    static func mayDecompose(_ scalar: Unicode.Scalar) -> Bool {
        guard CharacterClasses.isKnownToDecomposition(scalar) else { return false }
        let properties = scalar.properties
        return !properties.isUnifiedIdeograph && properties.generalCategory != .privateUse
    }
}
