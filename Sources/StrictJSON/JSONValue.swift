// The value a strict JSON parse produces, shared by the readers of tokenizer files, config.json,
// checkpoint headers and shard indexes, and request bodies. Foundation's JSONSerialization and
// JSONDecoder key objects by Swift `String`, whose equality is canonical equivalence
// ("é" == "e\u{301}"), silently keep one of two repeated keys, and turn `1e3` into an integer. Here
// objects keep every member with its exact key, in file order, and integers stay apart from other
// numbers. What the members mean is the caller's business; `JSONFields` reads them by type.

/// A parsed JSON value. Keys and strings compare by Unicode scalars, never by canonical equivalence.
package enum JSONValue: Equatable, Sendable {
    /// Members in file order. A repeated key appears once per occurrence unless the parse rejected it.
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number.
    case number(Double)
    case bool(Bool)
    case null

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { exactlyEqual($0.key, $1.key) && $0.value == $1.value }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return exactlyEqual(a, b)
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The last member of an object whose key is exactly `key`, else nil. "Last" is the usual JSON
    /// convention for repeated keys; a parse that rejects them leaves at most one.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { Self.exactlyEqual($0.key, key) }?.value
    }

    /// A short name of the value's kind for error messages.
    package var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer, .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    private static func exactlyEqual(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }
}
