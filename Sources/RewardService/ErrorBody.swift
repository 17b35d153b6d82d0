// The product's error body, `{"error": {"type": "...", "message": "..."}}`, built without Foundation.
// Only `ServiceError.response` calls it: the table there picks every status and type.
import HTTPServer

extension HTTPResponse {
    /// A JSON error response with `Content-Type: application/json`; `extraHeaders` (e.g. `Allow`,
    /// `Retry-After`) are appended.
    static func error(
        _ status: HTTPStatus, type: String, message: String, extraHeaders: HTTPHeaders = [:]
    ) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        for field in extraHeaders { headers.add(name: field.name, value: field.value) }
        return HTTPResponse(status: status, headers: headers, body: errorBody(type: type, message: message))
    }
}

/// The JSON bytes `{"error":{"type":…,"message":…}}`, strings escaped per RFC 8259 §7.
func errorBody(type: String, message: String) -> [UInt8] {
    var out: [UInt8] = Array(#"{"error":{"type":"#.utf8)
    appendJSONString(type, to: &out)
    out.append(contentsOf: #","message":"#.utf8)
    appendJSONString(message, to: &out)
    out.append(contentsOf: "}}".utf8)
    return out
}

func appendJSONString(_ text: String, to out: inout [UInt8]) {
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0..<0x20:
            out.append(contentsOf: Array(#"\u00"#.utf8))
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        default: out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}
