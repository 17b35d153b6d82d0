// Request bodies → API values, with the product's two kinds of failure kept apart: bytes that are
// not JSON (400) and JSON that does not fit the schema (422, naming the field). StrictJSON parses;
// `1e999` comes back as infinity and is then rejected as a non-finite alpha, not as bad syntax.
// Unknown fields are ignored.
import HTTPServer
import StrictJSON

enum RequestDecoding {
    /// Most nesting a request body may have; the API's deepest value is `pairs[i].prompt` (depth 3).
    static let maxDepth = 32

    /// 415 unless the Content-Type is JSON (`application/json`, any `+json`) or absent.
    /// A missing Content-Type is read as JSON so that bare clients work; a declared other type
    /// (curl `-d` sends `application/x-www-form-urlencoded`) is refused with a hint.
    static func checkContentType(_ headers: HTTPHeaders) throws(ServiceError) {
        guard let value = headers["content-type"] else { return }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces().lowercased() } ?? ""
        if mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) {
            return
        }
        throw .unsupportedMediaType(
            "Content-Type must be application/json, got '\(value)' (with curl, add -H 'Content-Type: application/json')"
        )
    }

    /// Bodies are taken as sent: a compressed one would be parsed as garbage, so it is refused.
    static func checkContentEncoding(_ headers: HTTPHeaders) throws(ServiceError) {
        for value in headers.values(for: "content-encoding") {
            for coding in value.split(separator: ",") where coding.trimmingSpaces().lowercased() != "identity" {
                throw .unsupportedMediaType(
                    "Content-Encoding '\(value)' is not supported; send the body uncompressed (identity)")
            }
        }
    }

    static func object(_ body: [UInt8]) throws(ServiceError) -> FieldReader {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body, options: JSONParseOptions(duplicateKeys: .lastWins, maxDepth: maxDepth))
        } catch {
            throw .malformedJSON("the body is not valid JSON: \(error.description)")
        }
        guard case .object = value else { throw .validation("the body must be a JSON object, got \(value.kind)") }
        return FieldReader(value: value, path: "")
    }

    static func scoreRequest(_ body: [UInt8]) throws(ServiceError) -> ScoreRequest {
        let body = try object(body)
        let pairs = try body.optionalArray("pairs")?.map { (item) throws(ServiceError) -> Pair in
            Pair(prompt: try item.string("prompt"), response: try item.string("response"))
        }
        let hasSingle = body.has("prompt") || body.has("response")
        if pairs != nil && hasSingle {
            throw .validation("give either 'prompt' and 'response', or 'pairs', not both")
        }
        return ScoreRequest(
            prompt: pairs == nil ? try body.string("prompt") : nil,
            response: pairs == nil ? try body.string("response") : nil,
            pairs: pairs, alpha: try body.optionalNumber("alpha"), truncate: try body.optionalBool("truncate"))
    }

    static func rankRequest(_ body: [UInt8]) throws(ServiceError) -> RankRequest {
        let body = try object(body)
        let responses = try body.array("responses").map { (item) throws(ServiceError) -> String in try item.string() }
        return RankRequest(
            prompt: try body.string("prompt"), responses: responses, alpha: try body.optionalNumber("alpha"),
            topK: try body.optionalInteger("top_k"), returnText: try body.optionalBool("return_text"),
            truncate: try body.optionalBool("truncate"))
    }
}

/// Typed access to one JSON value, with errors that name the field's path (`pairs[2].prompt`).
/// An explicit `null` counts as absent for optional fields.
struct FieldReader {
    let value: JSONValue
    let path: String

    func has(_ key: String) -> Bool {
        guard let member = value[key] else { return false }
        return member != .null
    }

    func member(_ key: String) -> FieldReader? {
        guard let member = value[key], member != .null else { return nil }
        return FieldReader(value: member, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func required(_ key: String) throws(ServiceError) -> FieldReader {
        guard let member = member(key) else { throw .validation("missing field '\(child(key))'") }
        return member
    }

    func string() throws(ServiceError) -> String {
        guard case .string(let text) = value else { throw wrongType("a string") }
        return text
    }

    func string(_ key: String) throws(ServiceError) -> String { try required(key).string() }

    func array(_ key: String) throws(ServiceError) -> [FieldReader] {
        let field = try required(key)
        guard case .array(let items) = field.value else { throw field.wrongType("an array") }
        return items.enumerated().map { FieldReader(value: $1, path: "\(field.path)[\($0)]") }
    }

    func optionalArray(_ key: String) throws(ServiceError) -> [FieldReader]? {
        has(key) ? try array(key) : nil
    }

    func optionalNumber(_ key: String) throws(ServiceError) -> Double? {
        guard let field = member(key) else { return nil }
        switch field.value {
        case .integer(let integer): return Double(integer)
        case .number(let number): return number
        default: throw field.wrongType("a number")
        }
    }

    func optionalInteger(_ key: String) throws(ServiceError) -> Int? {
        guard let field = member(key) else { return nil }
        switch field.value {
        case .integer(let integer): return integer
        // A whole number too large for Int (e.g. top_k 1e20) saturates: it means "everything".
        case .number(let number) where number.isFinite && number.rounded() == number:
            return Int(exactly: number) ?? (number > 0 ? Int.max : Int.min)
        default: throw field.wrongType("an integer")
        }
    }

    func optionalBool(_ key: String) throws(ServiceError) -> Bool? {
        guard let field = member(key) else { return nil }
        guard case .bool(let flag) = field.value else { throw field.wrongType("a boolean") }
        return flag
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func wrongType(_ expected: String) -> ServiceError {
        .validation("field '\(path.isEmpty ? "body" : path)' must be \(expected), got \(value.kind)")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
