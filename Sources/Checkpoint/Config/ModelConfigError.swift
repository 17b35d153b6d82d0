// Every way config.json can be unusable: unreadable, ill-typed, beyond the size limits, or
// contradicted by the checkpoint it ships with. Messages stay short whatever the file holds: values
// quoted from the file are abbreviated, so a hostile config cannot make a huge error message.

public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, limit: Int)
    case missingField(String)
    case invalidField(String, reason: String)
    /// A size beyond `ConfigLimits.maximum` (`value` as parsed from the file: "100000", "1e+30").
    case exceedsLimit(field: String, value: String, limit: Int)
    case unsupportedArchitecture(String)
    case unsupportedLabelCount(Int)
    /// Fields the checkpoint's tensor table contradicts, one entry per field (see `ModelConfig.check(against:)`).
    case contradictedByCheckpoint([ConfigContradiction])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .tooLarge(let path, let limit): "\(path) is larger than \(limit) bytes; a model's config.json is a few KB"
        case .missingField(let name): "config.json: missing field '\(name)'"
        case .invalidField(let name, let reason): "config.json: field '\(name)' \(reason)"
        case .exceedsLimit(let field, let value, let limit):
            "config.json: \(field) = \(value) exceeds the limit of \(limit)"
        case .unsupportedArchitecture(let name):
            "config.json: unsupported architecture \(name); expected RewardModel (bert-reward) or a "
                + "*ForSequenceClassification of bert, roberta, xlm-roberta, deberta-v2, distilbert, electra"
        case .unsupportedLabelCount(let count):
            "config.json: the model has \(count) labels; a reward model has exactly one"
        case .contradictedByCheckpoint(let contradictions):
            contradictions.map(\.description).joined(separator: "\n")
        }
    }
}

/// One config.json field the checkpoint disagrees with, and the tensor-table evidence.
public struct ConfigContradiction: Sendable, Equatable, CustomStringConvertible {
    /// The config.json name, e.g. `num_hidden_layers`.
    public let field: String
    public let configValue: Int
    /// What the checkpoint has instead, e.g. "the checkpoint has 12 layers (bert.encoder.layer.0 … 11)".
    public let evidence: String

    public init(field: String, configValue: Int, evidence: String) {
        self.field = field
        self.configValue = configValue
        self.evidence = evidence
    }

    public var description: String { "config.json says \(field) = \(configValue) but \(evidence)" }
}

extension String {
    /// At most `limit` characters of `self`, with a note of how much was left out.
    func abbreviated(to limit: Int = 100) -> String {
        guard count > limit else { return self }
        return "\(prefix(limit))… (\(count - limit) more characters)"
    }
}
