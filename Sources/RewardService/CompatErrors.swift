// Each compatibility route's error shape. The service decides what failed and its status through
// `ServiceError`'s one table; a dialect only rewrites the body (and, where that API's contract
// says so, the status) so that a client library reads the failure the way it reads its own
// server's. Headers (Retry-After, Allow, WWW-Authenticate) are kept.
import HTTPServer

enum ErrorDialect: Sendable, Equatable {
    /// The product's own `{"error": {"type", "message"}}`.
    case native
    /// FastAPI's `{"detail": message}` (OpenRLHF's reward server is a FastAPI app).
    case openRLHF
    /// OpenAI-style `{"error": {"message", "type", "param", "code"}}`; vLLM answers request validation
    /// failures with 400, not 422 (a one-score route on a classifier stays 422).
    case vLLM
    /// text-embeddings-inference: `{"error": message, "error_type": "Validation" | "Overloaded" | …}`.
    case tei
    /// Cohere: `{"message": message}`.
    case cohere

    func response(for error: ServiceError, requestID: String, retryAfterSeconds: Int) -> HTTPResponse {
        var response = error.response(requestID: requestID, retryAfterSeconds: retryAfterSeconds)
        let message = error.publicMessage(requestID: requestID)
        switch self {
        case .native:
            return response
        case .openRLHF:
            response.body = objectBody([("detail", message)])
        case .cohere:
            response.body = objectBody([("message", message)])
        case .tei:
            response.body = objectBody([("error", message), ("error_type", Self.teiErrorType(response.status))])
        case .vLLM:
            if case .validation = error { response.status = .badRequest }
            response.body = Self.openAIBody(message: message, status: response.status)
        }
        return response
    }

    /// TEI's `ErrorType` names, by status.
    static func teiErrorType(_ status: HTTPStatus) -> String {
        switch status.code {
        case 429: "Overloaded"
        case 503: "Unhealthy"
        case 500...: "Backend"
        default: "Validation"
        }
    }

    /// `{"error": {"message", "type", "param": null, "code"}}`, the type named after the status as
    /// vLLM names it ("BadRequestError", "NotFoundError", …).
    static func openAIBody(message: String, status: HTTPStatus) -> [UInt8] {
        let words = status.reason.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        var type = words.joined()
        if !type.hasSuffix("Error") { type += "Error" }
        var out: [UInt8] = Array(#"{"error":{"message":"#.utf8)
        appendJSONString(message, to: &out)
        out.append(contentsOf: #","type":"#.utf8)
        appendJSONString(type, to: &out)
        out.append(contentsOf: #","param":null,"code":\#(status.code)}}"#.utf8)
        return out
    }

    /// A flat JSON object of string members.
    private func objectBody(_ members: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(member.0, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONString(member.1, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
