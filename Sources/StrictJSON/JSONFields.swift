// Typed reading of a parsed JSON value's fields, each named by its path (`pairs[3].prompt`), so that
// every reader of JSON in the product applies the same rules: what counts as a string, a boolean, an
// integer or a number, and that an explicit `null` is the same as an absent field. It only reads:
// what a field means, its default and its bounds belong to the caller, and so does turning a
// `JSONFieldError` into the caller's own error.

/// One JSON value and where it sits in its document.
package struct JSONFields: Sendable {
    package let value: JSONValue
    /// `pairs[3].prompt`: keys joined by ".", array indices in brackets; empty for the document itself.
    package let path: String

    package init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    /// The member `key`, unless it is absent or `null`. Like `JSONValue`'s subscript, it takes the last
    /// of repeated keys, compares keys by Unicode scalars, and finds no members in a value that is not
    /// an object: read a field as `.object` where an object is required.
    package func member(_ key: String) -> JSONFields? {
        guard let member = value[key] else { return nil }
        if case .null = member { return nil }
        return JSONFields(member, path: child(key))
    }

    /// This value as `type`.
    package func read<Value>(_ type: JSONFieldType<Value>) throws(JSONFieldError) -> Value {
        guard let converted = type.convert(self) else {
            throw JSONFieldError(path: path, expected: type.expected, problem: .wrongType(found: value))
        }
        return converted
    }

    /// The member `key` as `type`; absent or `null` is `JSONFieldError.Problem.missing`.
    package func required<Value>(_ key: String, _ type: JSONFieldType<Value>) throws(JSONFieldError) -> Value {
        guard let member = member(key) else {
            throw JSONFieldError(path: child(key), expected: type.expected, problem: .missing)
        }
        return try member.read(type)
    }

    /// The member `key` as `type`, or nil when it is absent or `null`.
    package func optional<Value>(_ key: String, _ type: JSONFieldType<Value>) throws(JSONFieldError) -> Value? {
        try member(key)?.read(type)
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func element(_ index: Int) -> String { "\(path)[\(index)]" }
}

/// A field that is absent, `null` where a value is required, or of another kind than expected.
package struct JSONFieldError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Problem: Equatable, Sendable {
        /// A required field is absent or `null`.
        case missing
        /// The field holds another kind of value (for integers: a fraction, or one beyond `Int`).
        case wrongType(found: JSONValue)
    }

    /// The field's path (see `JSONFields.path`); empty for the document itself.
    package let path: String
    /// What the field must be, as messages say it: "a string", "an integer", ….
    package let expected: String
    package let problem: Problem

    package init(path: String, expected: String, problem: Problem) {
        self.path = path
        self.expected = expected
        self.problem = problem
    }

    package var description: String {
        let name = path.isEmpty ? "the document" : "'\(path)'"
        switch problem {
        case .missing: return "missing field \(name)"
        case .wrongType(let found): return "\(name) must be \(expected), got \(found.kind)"
        }
    }
}
