// Optional API-key check for the scoring routes: `Authorization: Bearer <key>`. The comparison
// takes the same time wherever the first differing byte is, so response times do not reveal
// how much of a guess was right.

/// The configured key; `permits` is the whole check.
public struct BearerAuthorization: Sendable, Equatable {
    private let key: [UInt8]

    /// nil when there is no key to require (an empty key would let an empty header through).
    public init?(key: String?) {
        guard let key, !key.isEmpty else { return nil }
        self.key = Array(key.utf8)
    }

    /// Whether an `Authorization` header value carries the key. The scheme is case-insensitive
    /// (RFC 9110 §11.1); the token is compared exactly.
    public func permits(_ header: String?) -> Bool {
        guard let header else { return false }
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ ($0 | 0x20) == $1 || ($0 == 0x20 && $1 == 0x20) })
        else { return false }
        return Self.constantTimeEqual(Array(bytes[scheme.count...]), key)
    }

    /// Touches every byte of the longer input whatever the contents; only the lengths' maximum shows.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}
