// The kinds of value a field can be read as, and the one rule for each: which JSON values count,
// and what Swift value they become. `JSONFields` applies them; nothing here knows a file format.

/// A kind of field value: `.string`, `.bool`, `.integer`, `.saturatingInteger`, `.double`, `.array`, `.object`.
package struct JSONFieldType<Value>: Sendable {
    /// How messages name the kind: "a string", "an integer", ….
    package let expected: String
    /// The value converted, or nil when it is of another kind.
    let convert: @Sendable (JSONFields) -> Value?
}

extension JSONFieldType where Value == String {
    package static var string: Self {
        Self(expected: "a string") { if case .string(let text) = $0.value { text } else { nil } }
    }
}

extension JSONFieldType where Value == Bool {
    /// `true` or `false` only: neither 0/1 nor "true" counts.
    package static var bool: Self {
        Self(expected: "a boolean") { if case .bool(let flag) = $0.value { flag } else { nil } }
    }
}

extension JSONFieldType where Value == Int {
    /// A number with an integral value within `Int`: `7`, and also `7.0` or `7e0`. Not `true`, `"7"`,
    /// `7.5` or `1e20`.
    package static var integer: Self {
        Self(expected: "an integer") { fields in
            switch fields.value {
            case .integer(let integer): integer
            case .number(let number): Int(exactly: number)
            default: nil
            }
        }
    }

    /// As `integer`, except that a finite integral number beyond `Int` becomes `Int.max` or `Int.min`
    /// (for fields where a huge value means "as many as there are", or is then checked against a bound).
    package static var saturatingInteger: Self {
        Self(expected: "an integer") { fields in
            switch fields.value {
            case .integer(let integer): integer
            case .number(let number) where number.isFinite && number.rounded() == number:
                Int(exactly: number) ?? (number > 0 ? Int.max : Int.min)
            default: nil
            }
        }
    }
}

extension JSONFieldType where Value == Double {
    /// Any number, integers included. `1e999` parses as infinity; callers that need finite values check.
    package static var double: Self {
        Self(expected: "a number") { fields in
            switch fields.value {
            case .integer(let integer): Double(integer)
            case .number(let number): number
            default: nil
            }
        }
    }
}

extension JSONFieldType where Value == [JSONFields] {
    /// The elements, each with its path (`responses[2]`).
    package static var array: Self {
        Self(expected: "an array") { fields in
            guard case .array(let items) = fields.value else { return nil }
            return items.enumerated().map { JSONFields($1, path: fields.element($0)) }
        }
    }
}

extension JSONFieldType where Value == [(key: String, value: JSONFields)] {
    /// The members in file order, each with its path; a repeated key appears once per occurrence
    /// unless the parse rejected repeats.
    package static var object: Self {
        Self(expected: "an object") { fields in
            guard case .object(let members) = fields.value else { return nil }
            return members.map { ($0.key, JSONFields($0.value, path: fields.child($0.key))) }
        }
    }
}
