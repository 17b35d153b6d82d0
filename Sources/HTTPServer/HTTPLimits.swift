// Every size limit the request parser enforces, in one place. Memory held per connection is
// bounded by these numbers (plus one read buffer), whatever a client sends.

public struct HTTPLimits: Hashable, Sendable {
    /// Longest request-line, CRLF excluded. Longer: 414 URI Too Long.
    public var maxRequestLineLength: Int
    /// Bytes of the header section: field lines with their CRLFs (the empty line that ends the
    /// section is not counted). Larger: 431. Empty lines before a request-line, which RFC 9112
    /// §2.2 says to skip, are capped by the same number.
    public var maxHeaderBytes: Int
    /// Number of header fields. More: 431.
    public var maxHeaderCount: Int
    /// Bytes of a decoded body, whether framed by Content-Length or chunked. Larger: 413.
    public var maxBodyBytes: Int
    /// Longest chunk-size line, extensions included. Longer: 400.
    public var maxChunkLineLength: Int
    /// Bytes of the trailer section after the last chunk. Larger: 431.
    public var maxTrailerBytes: Int

    public init(
        maxRequestLineLength: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 4 * 1024 * 1024,
        maxChunkLineLength: Int = 1024,
        maxTrailerBytes: Int = 4 * 1024
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineLength = maxChunkLineLength
        self.maxTrailerBytes = maxTrailerBytes
    }
}
