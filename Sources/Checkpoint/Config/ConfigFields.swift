// Typed, bounded access to config.json's fields (read with StrictJSON's JSONFields). Every size field
// has an upper bound here, checked before anything is sized from it; errors name the field and the bound.
import StrictJSON

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

    /// The same bounds under the other families' names (DistilBERT's `dim`, …) and their extra widths.
    public static let familyMaximum: [String: Int] = [
        "embedding_size": 1 << 14,
        "pooler_hidden_size": 1 << 14,
        "dim": 1 << 14,
        "hidden_dim": 1 << 16,
        "n_layers": 256,
        "n_heads": 256,
    ]

    /// Classifier outputs (`id2label`, `num_labels`); real classifiers have a few to a few thousand.
    public static let maxLabels = 1 << 14

    /// Bytes of config.json read at most; real ones are 1–2 KB.
    public static let maxFileBytes = 1 << 20
}

/// config.json's fields through StrictJSON's `JSONFields`: an explicit `null` is an absent field,
/// and a wrongly typed one (`true` or `"7"` where a size belongs) is an `invalidField`.
struct ConfigFields {
    let fields: JSONFields

    /// A positive integer no larger than the field's `ConfigLimits.maximum`.
    func positiveInt(_ name: String, default fallback: Int? = nil) throws(ModelConfigError) -> Int {
        guard let field = fields.member(name) else {
            guard let fallback else { throw .missingField(name) }
            return fallback
        }
        // Saturating, so that 1e30 can neither trap nor truncate on the way to Int; 2.5 is refused.
        let number = try Self.value(field, .saturatingInteger, mustBe: "a positive integer") { $0 > 0 }
        // Every size field is in the table; 2^24 was the one bound for all of them before it existed.
        let limit = ConfigLimits.maximum[name] ?? ConfigLimits.familyMaximum[name] ?? 1 << 24
        guard number <= limit else {
            throw .exceedsLimit(field: name, value: Self.describe(field.value), limit: limit)
        }
        return number
    }

    func positiveDouble(_ name: String, default fallback: Double) throws(ModelConfigError) -> Double {
        guard let field = fields.member(name) else { return fallback }
        return try Self.value(field, .double, mustBe: "a positive number") { $0.isFinite && $0 > 0 }
    }

    func require(_ name: String, oneOf allowed: [String], default fallback: String) throws(ModelConfigError) {
        let value = try optional(name, .string) ?? fallback
        guard allowed.contains(value) else {
            throw ModelConfigError.invalidField(
                name, reason: "is '\(value.abbreviated())'; supported: \(allowed.joined(separator: ", "))")
        }
    }

    /// A list of strings (`architectures`), or nil when absent.
    func strings(_ name: String) throws(ModelConfigError) -> [String]? {
        try Self.reading { () throws(JSONFieldError) in
            try fields.optional(name, .array)?.map { (item) throws(JSONFieldError) in try item.read(.string) }
        }
    }

    /// How many keys an object (`id2label`) has, a repeated key counted once: Python's json module,
    /// which transformers reads config.json with, keeps one value per key.
    func keyCount(_ name: String) throws(ModelConfigError) -> Int? {
        guard let members = try optional(name, .object) else { return nil }
        return Set(members.map { Array($0.key.utf8) }).count
    }

    /// This field's own value as `type` (a member of an object such as `id2label`).
    func read<Value>(_ type: JSONFieldType<Value>) throws(ModelConfigError) -> Value {
        try Self.reading { () throws(JSONFieldError) in try fields.read(type) }
    }

    func optional<Value>(_ name: String, _ type: JSONFieldType<Value>) throws(ModelConfigError) -> Value? {
        try Self.reading { () throws(JSONFieldError) in try fields.optional(name, type) }
    }

    private static func reading<T>(_ read: () throws(JSONFieldError) -> T) throws(ModelConfigError) -> T {
        do {
            return try read()
        } catch {
            switch error.problem {
            case .missing: throw .missingField(error.path)
            case .wrongType(let found):
                throw .invalidField(error.path, reason: "must be \(error.expected), found \(describe(found))")
            }
        }
    }

    /// `field` read as `type` and accepted by `isValid`, else an `invalidField` that says what it must
    /// be and what it holds.
    private static func value<T>(
        _ field: JSONFields, _ type: JSONFieldType<T>, mustBe rule: String, _ isValid: (T) -> Bool
    ) throws(ModelConfigError) -> T {
        let read = Result { () throws(JSONFieldError) in try field.read(type) }
        if case .success(let value) = read, isValid(value) { return value }
        throw .invalidField(field.path, reason: "must be \(rule), found \(describe(field.value))")
    }

    /// A short description of a JSON value for an error message: never the whole of a large value.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .array(let items): "an array of \(items.count) items"
        case .object: "an object"
        case .string(let string): "\"\(string.abbreviated())\""
        case .integer(let integer): "\(integer)"
        case .number(let number): "\(number)"
        case .bool(let flag): "\(flag)"
        case .null: "null"
        }
    }
}
