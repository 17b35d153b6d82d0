// `--model` values as serve reads them: a bare directory or repo id (one model, named as it always
// was, after its directory), or NAME=DIR_OR_REPO_ID, repeated to serve several. A value whose part
// before the first '=' contains a '/' is a bare path (a directory may have '=' in its name).
import ArgumentParser

struct ServedModelSpec: Sendable, Equatable {
    /// Nil for a bare value: the service names the model after its directory.
    var name: String?
    /// A model directory or a Hub repo id.
    var source: String

    /// The specs `values` give, in order; the default model when there are none. Several models must
    /// each be named, with names that are non-empty, free of whitespace and commas, and distinct.
    static func parse(_ values: [String]) throws(ValidationError) -> [ServedModelSpec] {
        guard !values.isEmpty else { return [ServedModelSpec(name: nil, source: ModelOptions.defaultModel)] }
        let specs = values.map(split)
        var seen: Set<String> = []
        for (spec, value) in zip(specs, values) {
            guard let name = spec.name else {
                guard values.count == 1 else {
                    throw ValidationError(
                        "--model '\(value)' has no name: with several models give each as --model NAME=DIR_OR_REPO_ID")
                }
                continue
            }
            if let problem = problem(name: name) {
                throw ValidationError("--model '\(value)': the name \(problem)")
            }
            guard !spec.source.isEmpty else {
                throw ValidationError("--model '\(value)': give a directory or repo id after '\(name)='")
            }
            guard seen.insert(name).inserted else {
                throw ValidationError("--model: the name '\(name)' is given twice; each model needs its own name")
            }
        }
        return specs
    }

    /// What is wrong with `name`, or nil.
    static func problem(name: String) -> String? {
        if name.isEmpty { return "before '=' is empty" }
        if name.contains(where: { $0.isWhitespace }) { return "'\(name)' contains whitespace" }
        if name.contains(",") { return "'\(name)' contains a comma" }
        return nil
    }

    private static func split(_ value: String) -> ServedModelSpec {
        guard let equals = value.firstIndex(of: "="), !value[..<equals].contains("/") else {
            return ServedModelSpec(name: nil, source: value)
        }
        return ServedModelSpec(name: String(value[..<equals]), source: String(value[value.index(after: equals)...]))
    }
}
