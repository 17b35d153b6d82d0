// What the compatibility adapters (CompatOpenRLHF, CompatVLLM, CompatTEI, CompatCohere) share: the
// served model's name and labels as those APIs report them, the activations they apply by default,
// and readers for the field forms their bodies use (a string or a list of strings). Every adapter
// scores through `ServiceState.scored(_:…)`, the same call as /score; nothing here scores.
import Foundation
import HTTPServer
import StrictJSON

/// The model as other APIs name it: an id (its served name: the model directory's name unless
/// `--model NAME=…` names it) and its labels in id order (`config.json`'s `id2label`; `LABEL_0`…
/// when the file gives none).
struct ModelFacts: Sendable, Equatable {
    var id: String
    var labels: [String]
    /// How the labels' logits become probabilities by default (the model's `problem_type`).
    var activation: Activation.Function

    init(id: String, labels: [String], problemType: String? = nil) {
        self.id = id
        self.labels = labels.isEmpty ? ["LABEL_0"] : labels
        activation = Activation.Function(problemType: problemType, labelCount: self.labels.count)
    }

    /// Read once at start-up: the labels the model reports, else the directory's config.json; a
    /// model with neither (a test fake) gets the default label.
    init(_ description: ModelDescription) {
        let directory = URL(fileURLWithPath: description.path)
        let name = directory.lastPathComponent
        let labels =
            description.labels
            ?? (try? Data(contentsOf: directory.appendingPathComponent("config.json")))
            .flatMap { Self.labels(fromConfig: Array($0)) }
        self.init(id: name.isEmpty ? "reward-model" : name, labels: labels ?? [], problemType: description.problemType)
    }

    /// `id2label` ordered by id, when every key is an integer and every value a string.
    static func labels(fromConfig bytes: [UInt8]) -> [String]? {
        guard let config = try? JSONValue.parse(bytes, options: JSONParseOptions(duplicateKeys: .lastWins, maxDepth: 16)),
            case .object(let members)? = config["id2label"]
        else { return nil }
        var byID: [(Int, String)] = []
        for member in members {
            guard let id = Int(member.key), case .string(let label) = member.value else { return nil }
            byID.append((id, label))
        }
        return byID.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// The activations other servers apply to a classifier's logits.
enum Activation {
    /// What turns one pair's logits into the answer's values.
    enum Function: Sendable, Equatable {
        case sigmoid, softmax, raw

        /// The model's default, as transformers' pipeline, vLLM and TEI choose it: sigmoid for one
        /// label or a multi-label classifier, softmax over several single-label classes, the raw
        /// values for regression with several outputs.
        init(problemType: String?, labelCount: Int) {
            switch problemType {
            case _ where labelCount == 1: self = .sigmoid
            case "multi_label_classification": self = .sigmoid
            case "regression": self = .raw
            default: self = .softmax
            }
        }

        func apply(_ logits: [Double]) -> [Double] {
            switch self {
            case .sigmoid: logits.map(Activation.sigmoid)
            case .softmax: Activation.softmax(logits)
            case .raw: logits
            }
        }
    }

    static func softmax(_ logits: [Double]) -> [Double] {
        guard let largest = logits.max() else { return [] }
        let exponentials = logits.map { Foundation.exp($0 - largest) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    /// One label: sigmoid; several: softmax. What TEI (unless `raw_scores`), vLLM (unless
    /// `use_activation` is false) and transformers' text-classification pipeline return by default.
    static func probabilities(_ logits: [Double]) -> [Double] {
        logits.count == 1 ? [sigmoid(logits[0])] : softmax(logits)
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
}

/// Readers for the other APIs' request bodies; every failure is a `ServiceError` the dialect shapes.
enum CompatFields {
    static func body(_ bytes: [UInt8]) throws(ServiceError) -> JSONFields { try RequestDecoding.object(bytes) }

    /// `read`'s result, or its missing or wrongly typed field as a validation error.
    static func read<T>(_ read: () throws(JSONFieldError) -> T) throws(ServiceError) -> T {
        do {
            return try read()
        } catch {
            throw ServiceError(error)
        }
    }

    /// A field that holds one string or a list of strings; nil when absent. `isList` tells the
    /// answer's shape apart where an API answers a single input differently.
    static func strings(_ body: JSONFields, _ key: String) throws(ServiceError) -> (values: [String], isList: Bool)? {
        guard let member = body.member(key) else { return nil }
        if case .string(let text) = member.value { return ([text], false) }
        guard case .array = member.value else {
            throw .validation("field '\(member.path)' must be a string or an array of strings, got \(member.value.kind)")
        }
        let values = try read { () throws(JSONFieldError) in
            try member.read(.array).map { (item) throws(JSONFieldError) in try item.read(.string) }
        }
        return (values, true)
    }

    /// A list's length against the per-request item limit: over it is a size error (413), as the
    /// other servers answer a batch over their client batch size.
    static func checkCount(_ count: Int, field: String, limits: RequestLimits) throws(ServiceError) {
        guard count > 0 else { throw .validation("'\(field)' must not be empty") }
        guard count <= limits.maxItemsPerRequest else {
            throw .requestTooLarge(
                "'\(field)' has \(count) items, more than the limit of \(limits.maxItemsPerRequest) "
                    + "(max_client_batch_size in GET /info; --max-items-per-request)")
        }
    }

    /// `alpha`, where the API tolerates extra fields; the server's default otherwise.
    static func alpha(_ body: JSONFields, limits: RequestLimits) throws(ServiceError) -> Double {
        try RequestValidation.alpha(try read { () throws(JSONFieldError) in try body.optional("alpha", .double) }, limits: limits)
    }

    /// `model`: a served model's name, or absent for the default (a string when given).
    static func model(_ body: JSONFields) throws(ServiceError) -> String? {
        try read { () throws(JSONFieldError) in try body.optional("model", .string) }
    }

    static func bool(_ body: JSONFields, _ key: String) throws(ServiceError) -> Bool? {
        try read { () throws(JSONFieldError) in try body.optional(key, .bool) }
    }
}

extension ServiceState {
    /// A compatibility route's failure: counted and logged as any other, in that API's shape.
    func failure(_ error: ServiceError, dialect: ErrorDialect, context: RequestContext) -> HTTPResponse {
        let native = failure(error, context: context)
        guard dialect != .native else { return native }
        return dialect.response(
            for: error, requestID: context.requestID, retryAfterSeconds: configuration.requests.retryAfterSeconds)
    }

    /// Seconds since the epoch, for the `created` fields of OpenAI-style answers.
    var createdTimestamp: Int { Int(Date().timeIntervalSince1970) }
}

/// An id for an answer that carries one (`score-…`, `classify-…`): the request's id, which is also
/// in `X-Request-Id` and the log.
func answerID(_ prefix: String, _ context: RequestContext) -> String { "\(prefix)-\(context.requestID)" }
