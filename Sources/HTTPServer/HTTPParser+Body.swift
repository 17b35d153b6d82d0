// Message framing and body rules of the parser: Host, Content-Length, Transfer-Encoding and
// Expect checks at the end of the head (RFC 9112 §3.2, §6, §7; RFC 9110 §10.1.1), then
// fixed-length and chunked bodies. Trailer fields are syntax-checked and dropped.

extension HTTPParser {
    mutating func finishHead() -> Step {
        let headers = HTTPHeaders(partial.fields)
        let version = partial.version
        switch checkHost(headers, version: version) {
        case .some(let error): return .fail(error)
        case .none: break
        }
        let framing: HTTPRequestHead.BodyFraming
        switch bodyFraming(headers, version: version) {
        case .failure(let error): return .fail(error)
        case .success(let value): framing = value
        }
        var expectsContinue = false
        if let expect = headers["expect"] {
            guard asciiCaseInsensitiveEquals(expect, "100-continue") else { return .fail(.unsupportedExpectation) }
            expectsContinue = version == .http1_1
        }
        let done = HTTPRequestHead(
            method: partial.method, target: partial.target, version: version, headers: headers,
            expectsContinue: expectsContinue, framing: framing)
        head = done
        partial = PartialHead()
        sectionBytes = 0
        switch framing {
        case .none: state = .complete
        case .contentLength(let length): state = .fixedBody(remaining: length)
        case .chunked: state = .chunkSize
        }
        return .emit(.head(done))
    }

    private func checkHost(_ headers: HTTPHeaders, version: HTTPVersion) -> HTTPParseError? {
        let count = headers.fields.lazy.filter { asciiCaseInsensitiveEquals($0.name, "host") }.count
        if count > 1 { return .multipleHost }
        if count == 0 && version == .http1_1 { return .missingHost }
        return nil
    }

    private func bodyFraming(
        _ headers: HTTPHeaders, version: HTTPVersion
    ) -> Result<HTTPRequestHead.BodyFraming, HTTPParseError> {
        let lengths = headers.values(for: "content-length")
        let codings = headers.values(for: "transfer-encoding")
        if !codings.isEmpty {
            if !lengths.isEmpty { return .failure(.contentLengthWithTransferEncoding) }
            if version == .http1_0 { return .failure(.transferEncodingInHTTP10) }
            let list = codings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map(trimmedOWS)
            guard list.count == 1, asciiCaseInsensitiveEquals(list[0], "chunked") else {
                return .failure(.unsupportedTransferEncoding)
            }
            return .success(.chunked)
        }
        guard !lengths.isEmpty else { return .success(.none) }
        var agreed: Int?
        for element in lengths.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            guard let value = parseContentLength(trimmedOWS(element)) else { return .failure(.invalidContentLength) }
            if let agreed, agreed != value { return .failure(.conflictingContentLength) }
            agreed = value
        }
        let length = agreed ?? 0
        if length > limits.maxBodyBytes { return .failure(.bodyTooLarge) }
        return .success(length == 0 ? .none : .contentLength(length))
    }

    /// 1*DIGIT, at most 18 digits so it cannot overflow.
    private func parseContentLength(_ text: Substring) -> Int? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(isDigit) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    mutating func readFixedBody(_ remaining: Int) -> Step {
        guard bufferedByteCount >= remaining else { return .needMore }
        body = Array(buffer[index..<(index + remaining)])
        index += remaining
        state = .complete
        return .continue
    }

    // MARK: Chunked (RFC 9112 §7.1)

    mutating func parseChunkSize() -> Step {
        switch nextLine(limit: limits.maxChunkLineLength, overflow: .chunkLineTooLong) {
        case .needMore: return .needMore
        case .fail(let error): return .fail(error)
        case .line(let range):
            guard let size = readChunkSize(range) else { return .fail(.invalidChunkSize) }
            if size == 0 {
                state = .trailers
                sectionBytes = 0
                return .continue
            }
            if size > limits.maxBodyBytes - body.count { return .fail(.bodyTooLarge) }
            if body.isEmpty { body.reserveCapacity(min(size, 64 * 1024)) }
            state = .chunkData(remaining: size)
            return .continue
        }
    }

    /// `1*HEXDIG [BWS ";" chunk-ext]`; extensions are checked for bad bytes and ignored.
    private func readChunkSize(_ range: Range<Int>) -> Int? {
        var position = range.lowerBound
        var size = 0
        while position < range.upperBound, let digit = hexValue(buffer[position]) {
            guard size <= (Int.max >> 4) else { return nil }
            size = size << 4 | digit
            position += 1
        }
        guard position > range.lowerBound else { return nil }
        while position < range.upperBound, isOWS(buffer[position]) { position += 1 }
        guard position < range.upperBound else { return size }
        guard buffer[position] == UInt8(ascii: ";") else { return nil }
        return buffer[position..<range.upperBound].allSatisfy(isFieldValueByte) ? size : nil
    }

    mutating func readChunkData(_ remaining: Int) -> Step {
        let available = min(bufferedByteCount, remaining)
        guard available > 0 else { return .needMore }
        body.append(contentsOf: buffer[index..<(index + available)])
        index += available
        state = available == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - available)
        return .continue
    }

    mutating func readChunkDataEnd() -> Step {
        guard bufferedByteCount >= 2 else {
            if bufferedByteCount == 1 && buffer[index] != UInt8(ascii: "\r") { return .fail(.invalidChunkTerminator) }
            return .needMore
        }
        guard buffer[index] == UInt8(ascii: "\r"), buffer[index + 1] == UInt8(ascii: "\n") else {
            return .fail(.invalidChunkTerminator)
        }
        index += 2
        state = .chunkSize
        return .continue
    }

    mutating func parseTrailerLine() -> Step {
        let budget = limits.maxTrailerBytes - sectionBytes
        switch nextLine(limit: max(0, budget - 2), overflow: .headersTooLarge) {
        case .needMore: return .needMore
        case .fail(let error): return .fail(error)
        case .line(let range):
            sectionBytes += range.count + 2
            if range.isEmpty {
                state = .complete
                return .continue
            }
            if case .failure(let error) = readField(range) { return .fail(error) }
            return .continue
        }
    }
}

@inline(__always)
func hexValue(_ byte: UInt8) -> Int? {
    switch byte {
    case 0x30...0x39: Int(byte - 0x30)
    case 0x41...0x46: Int(byte - 0x41 + 10)
    case 0x61...0x66: Int(byte - 0x61 + 10)
    default: nil
    }
}
