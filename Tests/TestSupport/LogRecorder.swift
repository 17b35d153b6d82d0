// Keeps log records in memory so tests can check what was logged (no process-wide bootstrap).
import Logging
import Synchronization

public final class LogRecorder: Sendable {
    public struct Record: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])

    public init() {}

    public var all: [Record] { records.withLock { $0 } }
    public var messages: [String] { all.map(\.message) }
    func append(_ record: Record) { records.withLock { $0.append(record) } }

    public var logger: Logger {
        Logger(label: "reward.test") { _ in RecordingLogHandler(recorder: self) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
        recorder.append(LogRecorder.Record(level: event.level, message: "\(event.message)", metadata: merged))
    }
}
