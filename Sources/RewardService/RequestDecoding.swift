// Request bodies → API values, with the product's two kinds of failure kept apart: bytes that are
// not JSON (400) and JSON that does not fit the schema (422, naming the field). StrictJSON parses;
// `1e999` comes back as infinity and is then rejected as a non-finite alpha, not as bad syntax.
// Fields are read with StrictJSON's `JSONFields` (an explicit `null` is an absent field; a list
// element that is not an object has no fields). Unknown fields are ignored.
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

    static func object(_ body: [UInt8]) throws(ServiceError) -> JSONFields {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body, options: JSONParseOptions(duplicateKeys: .lastWins, maxDepth: maxDepth))
        } catch {
            throw .malformedJSON("the body is not valid JSON: \(error.description)")
        }
        guard case .object = value else { throw .validation("the body must be a JSON object, got \(value.kind)") }
        return JSONFields(value)
    }

    static func scoreRequest(_ bytes: [UInt8]) throws(ServiceError) -> ScoreRequest {
        try scoreRequest(object(bytes))
    }

    /// `scoreRequest` of a body already read as an object (/score reads it once to tell ours from vLLM's).
    static func scoreRequest(_ body: JSONFields) throws(ServiceError) -> ScoreRequest {
        let pairs = try fields { () throws(JSONFieldError) in
            try body.optional("pairs", .array)?.map { (item) throws(JSONFieldError) -> Pair in
                Pair(prompt: try item.required("prompt", .string), response: try item.required("response", .string))
            }
        }
        if pairs != nil && (body.member("prompt") != nil || body.member("response") != nil) {
            throw .validation("give either 'prompt' and 'response', or 'pairs', not both")
        }
        return try fields { () throws(JSONFieldError) in
            ScoreRequest(
                prompt: pairs == nil ? try body.required("prompt", .string) : nil,
                response: pairs == nil ? try body.required("response", .string) : nil,
                pairs: pairs, alpha: try body.optional("alpha", .double),
                truncate: try body.optional("truncate", .bool), model: try body.optional("model", .string))
        }
    }

    static func rankRequest(_ bytes: [UInt8]) throws(ServiceError) -> RankRequest {
        let body = try object(bytes)
        return try fields { () throws(JSONFieldError) in
            let responses = try body.required("responses", .array).map { (item) throws(JSONFieldError) in
                try item.read(.string)
            }
            // A whole number too large for Int (e.g. top_k 1e20) saturates: it means "everything".
            return RankRequest(
                prompt: try body.required("prompt", .string), responses: responses,
                alpha: try body.optional("alpha", .double), topK: try body.optional("top_k", .saturatingInteger),
                returnText: try body.optional("return_text", .bool), truncate: try body.optional("truncate", .bool),
                model: try body.optional("model", .string))
        }
    }

    /// `read`'s result, or its missing or wrongly typed field as a validation error (422).
    private static func fields<T>(_ read: () throws(JSONFieldError) -> T) throws(ServiceError) -> T {
        do {
            return try read()
        } catch {
            throw ServiceError(error)
        }
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
