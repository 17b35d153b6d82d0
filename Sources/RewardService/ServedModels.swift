// The models one process serves, and how a request's `model` field picks one. Each model has its
// own queue (batcher, limits from the shared flags) and its own measured request-token limit; their
// engine threads take turns through one `EngineTurns`, so a flood on one model cannot starve another.
// The first model is the default: requests that name none, and the routes of APIs without a
// `model` field, use it.

/// A model to serve and the name requests choose it by.
public struct ModelEntry: Sendable {
    /// Nil: the model is named as it names itself (its directory's name), as a single unnamed
    /// `--model` always was.
    public var name: String?
    public var model: any ScoringModel
    /// Other names requests may use for it (an unnamed `--model`'s value as given, e.g. a repo id,
    /// besides its directory's name). Answers and listings use the served name.
    public var aliases: [String]
    /// Set by start-up from the model's warm-up; nil falls back to the configured limit.
    var maxRequestTokens: Int?
    /// Set by start-up from the model's warm-up rate; seeds the batcher's deadline-aware admission
    /// unless the configuration sets a rate (nil in both: admission checks only the queue's bounds).
    var engineSecondsPerToken: Double?

    public init(name: String? = nil, model: any ScoringModel, aliases: [String] = []) {
        self.name = name
        self.model = model
        self.aliases = aliases
    }

    /// The name the model is served under.
    var servedName: String { name ?? ModelFacts(model.modelDescription).id }
}

/// One served model: what the routes need to score on it.
struct ServedModel: Sendable {
    let name: String
    let model: any ScoringModel
    let queue: ScoringQueue
    /// The id and labels the compatibility routes report (`id` is `name`).
    let facts: ModelFacts
    /// The request limits for this model: the shared ones, with its own `maxRequestTokens`.
    let requests: RequestLimits
}

struct ServedModels: Sendable {
    /// In serving order; the first is the default.
    let all: [ServedModel]
    private let byName: [String: Int]
    let turns: EngineTurns

    /// Starts each model's batcher. `entries` must be non-empty with distinct served names.
    init(_ entries: [ModelEntry], configuration: ServiceConfiguration, metrics: ServiceMetrics) {
        precondition(!entries.isEmpty, "at least one model must be served")
        let turns = EngineTurns(modelCount: entries.count)
        var all: [ServedModel] = []
        var byName: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            let name = entry.servedName
            precondition(byName[name] == nil, "two models are served as '\(name)'")
            byName[name] = index
            var facts = ModelFacts(entry.model.modelDescription)
            facts.id = name
            var requests = configuration.requests
            requests.maxRequestTokens = entry.maxRequestTokens ?? requests.maxRequestTokens
            var limits = configuration.batching
            limits.engineSecondsPerToken = limits.engineSecondsPerToken ?? entry.engineSecondsPerToken
            let queue = ScoringQueue(
                model: entry.model, limits: limits, series: metrics.series(model: name),
                turns: turns, turn: index)
            all.append(ServedModel(name: name, model: entry.model, queue: queue, facts: facts, requests: requests))
        }
        // Aliases never shadow a served name or an earlier alias.
        for (index, entry) in entries.enumerated() {
            for alias in entry.aliases where byName[alias] == nil { byName[alias] = index }
        }
        self.all = all
        self.byName = byName
        self.turns = turns
    }

    var `default`: ServedModel { all[0] }

    var names: [String] { all.map(\.name) }

    /// The model a request names; the default when it names none; 404 naming the served ones otherwise.
    func named(_ requested: String?) throws(ServiceError) -> ServedModel {
        guard let requested else { return self.default }
        guard let index = byName[requested] else { throw .modelNotServed(requested: requested, served: names) }
        return all[index]
    }

    /// Stops every batcher's admission and returns once all their admitted requests have finished.
    func drain() async {
        for served in all { await served.queue.drain() }
    }

    /// Stops every batcher without waiting (start-up failed before the service could be used).
    func shutdown() {
        for served in all { served.queue.batcher.shutdown() }
    }
}
