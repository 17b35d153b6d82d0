// Request-line and header-section rules of the parser (RFC 9112 §2-3, §5; RFC 9110 §5).

extension HTTPParser {
    mutating func parseRequestLine() -> Step {
        if let error = screenMethodPrefix() { return .fail(error) }
        switch nextLine(limit: limits.maxRequestLineLength, overflow: .requestLineTooLong) {
        case .needMore: return .needMore
        case .fail(let error): return .fail(error)
        case .line(let range):
            if range.isEmpty {
                // RFC 9112 §2.2: ignore empty lines before the request-line (counted against the
                // header budget so they cannot go on forever).
                sectionBytes += 2
                return sectionBytes > limits.maxHeaderBytes ? .fail(.headersTooLarge) : .continue
            }
            if let error = readRequestLine(range) { return .fail(error) }
            sectionBytes = 0
            state = .headerLines
            return .continue
        }
    }

    /// Rejects bytes that cannot begin a request as soon as they arrive, rather than once the line is
    /// complete (a TLS ClientHello or binary junk may never send a line feed, and would otherwise hold
    /// the connection until the header timeout). Looks at the bytes before the first SP, CR or LF,
    /// within the first 64 (junk shows at once; rescanning stays cheap when a line arrives byte by
    /// byte): each must be a method tchar. Applied whether or not the line is complete, so the outcome
    /// does not depend on how the bytes were split.
    private func screenMethodPrefix() -> HTTPParseError? {
        buffer.withUnsafeBufferPointer { bytes in
            guard index < bytes.count else { return nil }
            // A TLS record header (handshake content type 0x16) is never an HTTP method.
            if bytes[index] == 0x16 { return .tlsHandshake }
            for position in index..<min(bytes.count, index + 64) {
                let byte = bytes[position]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { return nil }
                if byte == 0 { return .nulByte }
                if !isTokenByte(byte) { return .invalidMethod }
            }
            return nil
        }
    }

    /// `method SP request-target SP HTTP-version`, single spaces, nothing else.
    private mutating func readRequestLine(_ range: Range<Int>) -> HTTPParseError? {
        let firstSpace = buffer[range].firstIndex(of: UInt8(ascii: " "))
        guard let firstSpace else { return .invalidRequestLine }
        let rest = (firstSpace + 1)..<range.upperBound
        guard let secondSpace = buffer[rest].firstIndex(of: UInt8(ascii: " ")) else { return .invalidRequestLine }
        let methodRange = range.lowerBound..<firstSpace
        let targetRange = (firstSpace + 1)..<secondSpace
        let versionRange = (secondSpace + 1)..<range.upperBound
        guard !methodRange.isEmpty, buffer[methodRange].allSatisfy(isTokenByte) else { return .invalidMethod }
        guard !targetRange.isEmpty else { return .invalidRequestLine }
        if buffer[versionRange].contains(UInt8(ascii: " ")) { return .invalidRequestLine }
        switch parseVersion(versionRange) {
        case .failure(let error): return error
        case .success(let version): partial.version = version
        }
        guard buffer[targetRange].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .invalidTarget }
        partial.method = string(methodRange)
        partial.target = string(targetRange)
        return checkTargetForm(targetRange)
    }

    private func parseVersion(_ range: Range<Int>) -> Result<HTTPVersion, HTTPParseError> {
        let start = range.lowerBound
        guard range.count == 8, buffer[start] == UInt8(ascii: "H"), buffer[start + 1] == UInt8(ascii: "T"),
            buffer[start + 2] == UInt8(ascii: "T"), buffer[start + 3] == UInt8(ascii: "P"),
            buffer[start + 4] == UInt8(ascii: "/")
        else { return .failure(.invalidVersion) }
        let major = buffer[start + 5]
        let dot = buffer[start + 6]
        let minor = buffer[start + 7]
        guard isDigit(major), dot == UInt8(ascii: "."), isDigit(minor) else { return .failure(.invalidVersion) }
        let version = HTTPVersion(major: Int(major - 48), minor: Int(minor - 48))
        guard version == .http1_1 || version == .http1_0 else { return .failure(.unsupportedVersion) }
        return .success(version)
    }

    /// Origin-form, or `*` for OPTIONS (RFC 9112 §3.2). Absolute-form and authority-form are
    /// proxy shapes this server does not serve.
    private func checkTargetForm(_ range: Range<Int>) -> HTTPParseError? {
        let first = buffer[range.lowerBound]
        if first == UInt8(ascii: "/") { return nil }
        if range.count == 1, first == UInt8(ascii: "*") {
            return partial.method == "OPTIONS" ? nil : .invalidTarget
        }
        return buffer[range].contains(UInt8(ascii: ":")) ? .absoluteFormTarget : .invalidTarget
    }

    mutating func parseHeaderLine() -> Step {
        let budget = limits.maxHeaderBytes - sectionBytes
        switch nextLine(limit: max(0, budget - 2), overflow: .headersTooLarge) {
        case .needMore: return .needMore
        case .fail(let error): return .fail(error)
        case .line(let range):
            sectionBytes += range.count + 2
            if range.isEmpty { return finishHead() }
            switch readField(range) {
            case .failure(let error): return .fail(error)
            case .success(let field):
                partial.fields.append(HTTPField(name: string(field.name), value: string(field.value)))
                return partial.fields.count > limits.maxHeaderCount ? .fail(.tooManyHeaders) : .continue
            }
        }
    }

    /// `field-name ":" OWS field-value OWS` (RFC 9112 §5). Returns the name and trimmed value.
    func readField(_ range: Range<Int>) -> Result<(name: Range<Int>, value: Range<Int>), HTTPParseError> {
        let first = buffer[range.lowerBound]
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { return .failure(.obsoleteLineFolding) }
        guard let colon = buffer[range].firstIndex(of: UInt8(ascii: ":")) else { return .failure(.invalidFieldName) }
        let name = range.lowerBound..<colon
        guard !name.isEmpty else { return .failure(.invalidFieldName) }
        let last = buffer[colon - 1]
        if last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { return .failure(.whitespaceBeforeColon) }
        guard buffer[name].allSatisfy(isTokenByte) else { return .failure(.invalidFieldName) }
        var start = colon + 1
        var end = range.upperBound
        while start < end, isOWS(buffer[start]) { start += 1 }
        while end > start, isOWS(buffer[end - 1]) { end -= 1 }
        guard buffer[start..<end].allSatisfy(isFieldValueByte) else { return .failure(.invalidFieldValue) }
        return .success((name, start..<end))
    }
}

// MARK: - Byte classes (RFC 9110 §5.6.2, §5.5)

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

@inline(__always)
func isOWS(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

/// tchar: ALPHA / DIGIT / one of ``!#$%&'*+-.^_`|~``.
@inline(__always)
func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
    default: false
    }
}

/// field-vchar, SP, HTAB and obs-text; every other control byte (and DEL) is rejected.
@inline(__always)
func isFieldValueByte(_ byte: UInt8) -> Bool {
    byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
}
