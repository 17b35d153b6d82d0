// The JSON bodies of /score and /rank, as Codable values (clients and tests encode them; the service
// decodes requests through `RequestDecoding` so that a syntax error (400) and a wrong field (422)
// get different answers, and `1e999` is seen as the infinity it is instead of a parse failure).

/// One (prompt, response) pair.
public struct Pair: Codable, Sendable, Equatable {
    public var prompt: String
    public var response: String

    public init(prompt: String, response: String) {
        self.prompt = prompt
        self.response = response
    }
}

/// `POST /score`: either `prompt` + `response`, or `pairs`.
public struct ScoreRequest: Codable, Sendable, Equatable {
    public var prompt: String?
    public var response: String?
    public var pairs: [Pair]?
    public var alpha: Double?
    public var truncate: Bool?
    /// A served model's name; absent: the default model.
    public var model: String?

    public init(
        prompt: String? = nil, response: String? = nil, pairs: [Pair]? = nil, alpha: Double? = nil,
        truncate: Bool? = nil, model: String? = nil
    ) {
        self.prompt = prompt
        self.response = response
        self.pairs = pairs
        self.alpha = alpha
        self.truncate = truncate
        self.model = model
    }
}

/// `POST /rank`: candidates for one prompt.
public struct RankRequest: Codable, Sendable, Equatable {
    public var prompt: String
    public var responses: [String]
    public var alpha: Double?
    public var topK: Int?
    public var returnText: Bool?
    public var truncate: Bool?
    /// A served model's name; absent: the default model.
    public var model: String?

    public init(
        prompt: String, responses: [String], alpha: Double? = nil, topK: Int? = nil, returnText: Bool? = nil,
        truncate: Bool? = nil, model: String? = nil
    ) {
        self.prompt = prompt
        self.responses = responses
        self.alpha = alpha
        self.topK = topK
        self.returnText = returnText
        self.truncate = truncate
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case prompt, responses, alpha, truncate, model
        case topK = "top_k"
        case returnText = "return_text"
    }
}

/// The answer to a single-pair `/score`.
public struct ScoreResponse: Codable, Sendable, Equatable {
    public var score: Double
}

/// The answer to a `pairs` `/score`: one score per pair, in input order.
public struct BatchScoreResponse: Codable, Sendable, Equatable {
    public var scores: [Double]
}

/// One entry of a `/rank` answer.
public struct RankedResponse: Codable, Sendable, Equatable {
    /// The candidate's position in the request's `responses`.
    public var index: Int
    public var score: Double
    /// The candidate's text, when the request asked for `return_text`.
    public var response: String?
}

/// The answer to `/rank`: highest score first, ties by lower index.
public struct RankResponse: Codable, Sendable, Equatable {
    public var ranking: [RankedResponse]
}

/// The error body every failure carries.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var type: String
        public var message: String
    }

    public var error: Detail
}
