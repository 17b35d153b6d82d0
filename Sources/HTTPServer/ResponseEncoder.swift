// Serialises what the connection state machine decided to send (RFC 9112 §4, §6.2-6.3).
// The server owns Date, Server, Content-Length and Connection; a handler's own values for
// those, Transfer-Encoding, and any field that would break framing (bad name, CR/LF/NUL in a
// value) are dropped rather than sent.

struct ResponseEncoder {
    let serverName: [UInt8]

    init(serverName: String) {
        self.serverName = Array(serverName.utf8.filter { isFieldValueByte($0) })
    }

    func encode(_ message: OutgoingMessage, date: [UInt8], into out: inout [UInt8]) {
        switch message {
        case .continueInterim:
            out.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
        case .response(let response, let framing):
            encode(response, framing: framing, date: date, into: &out)
        }
    }

    private func encode(_ response: HTTPResponse, framing: ResponseFraming, date: [UInt8], into out: inout [UInt8]) {
        let code = response.status.code
        out.append(contentsOf: framing.version == .http1_0 ? "HTTP/1.0 ".utf8 : "HTTP/1.1 ".utf8)
        appendDecimal(code, to: &out)
        out.append(UInt8(ascii: " "))
        appendFiltered(response.status.reason, to: &out)
        appendField("Server: ", serverName, to: &out)
        appendField("Date: ", date, to: &out)
        for field in response.headers where isSendable(field) {
            out.append(contentsOf: "\r\n".utf8)
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
        }
        let bodyAllowed = !(100...199).contains(code) && code != 204 && code != 304
        if bodyAllowed {
            out.append(contentsOf: "\r\nContent-Length: ".utf8)
            appendDecimal(response.body.count, to: &out)
        }
        if !framing.keepAlive {
            out.append(contentsOf: "\r\nConnection: close".utf8)
        } else if framing.version == .http1_0 {
            out.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        out.append(contentsOf: "\r\n\r\n".utf8)
        if bodyAllowed && !framing.isHead { out.append(contentsOf: response.body) }
    }

    private func appendField(_ prefix: String, _ value: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: prefix.utf8)
        out.append(contentsOf: value)
    }

    private static let serverOwned = ["date", "server", "content-length", "connection", "transfer-encoding"]

    private func isSendable(_ field: HTTPField) -> Bool {
        if ResponseEncoder.serverOwned.contains(where: { asciiCaseInsensitiveEquals(field.name, $0) }) { return false }
        return !field.name.isEmpty && field.name.utf8.allSatisfy(isTokenByte)
            && field.value.utf8.allSatisfy { isFieldValueByte($0) }
    }
}

/// Appends `text`, leaving out bytes not allowed in a field value or reason phrase (CR, LF, …).
private func appendFiltered(_ text: String, to out: inout [UInt8]) {
    for byte in text.utf8 where isFieldValueByte(byte) { out.append(byte) }
}

/// Appends a non-negative integer in decimal without allocating.
func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    var divisor = 1
    while divisor <= value / 10 { divisor *= 10 }
    var rest = max(0, value)
    while divisor > 0 {
        out.append(UInt8(48 + rest / divisor))
        rest %= divisor
        divisor /= 10
    }
}
