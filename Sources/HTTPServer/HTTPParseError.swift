// Why the parser rejected a request, and the status that answers it. Every error closes the
// connection: after one, the parser never reads another byte as a request.

public enum HTTPParseError: Error, Hashable, Sendable {
    // 400: framing and syntax (RFC 9112 §2-7).
    case bareCarriageReturn
    case bareLineFeed
    case nulByte
    case invalidMethod
    /// The connection opened with a TLS handshake: a client speaking https:// to this plain-HTTP port.
    case tlsHandshake
    case invalidTarget
    case absoluteFormTarget
    case invalidVersion
    case invalidRequestLine
    case obsoleteLineFolding
    case whitespaceBeforeColon
    case invalidFieldName
    case invalidFieldValue
    case missingHost
    case multipleHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case unsupportedTransferEncoding
    case transferEncodingInHTTP10
    case invalidChunkSize
    case chunkLineTooLong
    case invalidChunkTerminator
    // Limits.
    case requestLineTooLong
    case headersTooLarge
    case tooManyHeaders
    case bodyTooLarge
    // Other statuses.
    case unsupportedVersion
    case unsupportedExpectation

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    /// A short message safe to show a client.
    public var message: String {
        switch self {
        case .bareCarriageReturn: "bare CR where CRLF is required"
        case .bareLineFeed: "bare LF where CRLF is required"
        case .nulByte: "NUL byte in request head"
        case .invalidMethod: "invalid method token"
        case .tlsHandshake: "TLS handshake received on a plain-HTTP port; use http://"
        case .invalidTarget: "invalid request-target"
        case .absoluteFormTarget: "absolute-form and authority-form targets are not served"
        case .invalidVersion: "malformed HTTP version"
        case .invalidRequestLine: "malformed request-line"
        case .obsoleteLineFolding: "obsolete line folding is not accepted"
        case .whitespaceBeforeColon: "whitespace between field name and colon"
        case .invalidFieldName: "invalid header field name"
        case .invalidFieldValue: "invalid character in header field value"
        case .missingHost: "HTTP/1.1 request without Host"
        case .multipleHost: "more than one Host header"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingContentLength: "differing Content-Length values"
        case .contentLengthWithTransferEncoding: "both Content-Length and Transfer-Encoding"
        case .unsupportedTransferEncoding: "only the chunked transfer coding is accepted"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .invalidChunkSize: "invalid chunk size"
        case .chunkLineTooLong: "chunk-size line too long"
        case .invalidChunkTerminator: "chunk data not followed by CRLF"
        case .requestLineTooLong: "request-line too long"
        case .headersTooLarge: "header section too large"
        case .tooManyHeaders: "too many header fields"
        case .bodyTooLarge: "request body too large"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .unsupportedExpectation: "only the 100-continue expectation is supported"
        }
    }
}
