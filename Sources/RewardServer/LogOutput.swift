// Where logs go: stderr, as text for people or as one JSON object per line for log collectors.
// Bootstrapped once by `serve`; the JSON handler is here because swift-log ships only text.
import ArgumentParser
import Foundation
import Logging

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum LogOutput {
    static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLineLogHandler(label: label) { line in
                    FileHandle.standardError.write(Data(line.utf8))
                }
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// One JSON object per event: time (UTC, ms), level, logger label, message, then the metadata keys
/// (handler, provider and event metadata merged, the event's winning). Each line is written whole.
struct JSONLineLogHandler: LogHandler {
    let label: String
    let write: @Sendable (String) -> Void
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        var fields = [
            ("time", Self.quoted(Self.timestamp(Date()))), ("level", Self.quoted(event.level.rawValue)),
            ("logger", Self.quoted(label)), ("message", Self.quoted(event.message.description)),
        ]
        let reserved = Set(fields.map(\.0))
        for key in merged.keys.sorted() where !reserved.contains(key) {
            fields.append((key, Self.json(merged[key]!)))
        }
        write("{" + fields.map { Self.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): quoted(string)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            "{" + dictionary.keys.sorted().map { quoted($0) + ":" + json(dictionary[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
