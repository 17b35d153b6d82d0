// Typed, bounded access to config.json's loosely typed JSON object. Every size field has an upper
// bound here, checked before anything is sized from it; errors name the field and the bound.
import Foundation

/// The bounds on config.json. Each is far above every BERT-family checkpoint published (bert-large:
/// 24 layers, width 1,024, intermediate 4,096; XLM-R: 250,002 tokens; long-context BERTs: 8,192
/// positions) and low enough that products of two sizes neither overflow nor describe an allocation
/// a server could make. The checkpoint itself is then compared field by field (`ModelConfig.check(against:)`).
public enum ConfigLimits {
    public static let maximum: [String: Int] = [
        "vocab_size": 1 << 20,
        "hidden_size": 1 << 14,
        "num_hidden_layers": 256,
        "num_attention_heads": 256,
        "intermediate_size": 1 << 16,
        "max_position_embeddings": 1 << 16,
        "type_vocab_size": 1 << 10,
        "linear_layer": 1 << 16,
        "linear_layer_output": 1 << 10,
    ]

    /// Bytes of config.json read at most; real ones are 1–2 KB.
    public static let maxFileBytes = 1 << 20
}

struct ConfigFields {
    let json: [String: Any]
    init(_ json: [String: Any]) { self.json = json }

    /// A positive integer no larger than the field's `ConfigLimits.maximum`.
    func positiveInt(_ name: String, default fallback: Int? = nil) throws -> Int {
        guard let raw = json[name], !(raw is NSNull) else {
            guard let fallback else { throw ModelConfigError.missingField(name) }
            return fallback
        }
        // Compared as Double so that 1e30 or 2.5 can neither trap nor truncate on the way to Int.
        guard let number = raw as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
            number.doubleValue > 0
        else {
            throw ModelConfigError.invalidField(name, reason: "must be a positive integer, found \(Self.describe(raw))")
        }
        // Every size field is in the table; 2^24 was the one bound for all of them before it existed.
        let limit = ConfigLimits.maximum[name] ?? 1 << 24
        guard number.doubleValue <= Double(limit) else {
            throw ModelConfigError.exceedsLimit(field: name, value: "\(number)".abbreviated(), limit: limit)
        }
        return Int(number.doubleValue)
    }

    func positiveDouble(_ name: String, default fallback: Double) throws -> Double {
        guard let raw = json[name], !(raw is NSNull) else { return fallback }
        guard let number = raw as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
            throw ModelConfigError.invalidField(name, reason: "must be a positive number, found \(Self.describe(raw))")
        }
        return number.doubleValue
    }

    func require(_ name: String, oneOf allowed: [String], default fallback: String) throws {
        let value = json[name] as? String ?? fallback
        guard allowed.contains(value) else {
            throw ModelConfigError.invalidField(
                name, reason: "is '\(value.abbreviated())'; supported: \(allowed.joined(separator: ", "))")
        }
    }

    /// A short description of a JSON value for an error message: never the whole of a large value.
    static func describe(_ raw: Any) -> String {
        switch raw {
        case let array as [Any]: "an array of \(array.count) items"
        case is [String: Any]: "an object"
        case let string as String: "\"\(string.abbreviated())\""
        default: "\(raw)".abbreviated()
        }
    }
}
