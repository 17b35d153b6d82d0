// Whether this module was compiled with Swift's bounds and overflow checks. It parses downloaded
// files, so it must never be built with -Ounchecked (Package.swift keeps that to Inference); a test
// reads this so that moving the flag back fails loudly rather than silently dropping the traps.

package enum BuildChecks {
    /// False under -Ounchecked, where out-of-bounds indexing and integer overflow stop trapping.
    package static var trapOnBadIndexOrOverflow: Bool { !_isFastAssertConfiguration() }
}
