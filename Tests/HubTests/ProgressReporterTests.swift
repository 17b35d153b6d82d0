// Progress output driven by a hand-moved clock: which lines appear, not how long anything took.
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Hub

@Suite struct ProgressReporterTests {
    @Test func logLinesAtStartEveryTenPercentAndEnd() {
        let logs = LogRecorder()
        let clock = ManualClock()
        let reporter = ProgressReporter(
            file: "model.safetensors", total: 1000, alreadyDone: 0, output: .log, logger: logs.logger, now: clock.seconds)
        for _ in 0..<100 {
            clock.advance(by: .milliseconds(10))
            reporter.advance(by: 10)
        }
        reporter.finish()
        let lines = logs.messages
        #expect(lines.first == "downloading model.safetensors (1.0 kB)")
        #expect(lines.last?.hasPrefix("downloaded model.safetensors (1.0 kB in 1s") == true)
        let middle = lines.dropFirst().dropLast()
        #expect(middle.count == 9)  // 10 % … 90 %; 100 % is the end line
        #expect(middle.first?.hasPrefix("model.safetensors: 100 B / 1.0 kB (10%)") == true)
        #expect(middle.allSatisfy { $0.contains("/s") && $0.contains("ETA") })
    }

    /// The observer (the service's /ready) hears every change: the resumed start, each chunk, a
    /// restart from 0, and a size learnt late; not throttled like the log lines.
    @Test func theObserverHearsEveryChangeOfProgress() {
        let heard = Mutex<[DownloadProgress]>([])
        let reporter = ProgressReporter(
            file: "w.bin", total: nil, alreadyDone: 300, output: .log, logger: LogRecorder().logger,
            observer: { progress in heard.withLock { $0.append(progress) } })
        reporter.advance(by: 100)
        reporter.setTotal(1000)
        reporter.restart()
        reporter.advance(by: 50)
        let done = heard.withLock { $0 }.map(\.bytesDone)
        let totals = heard.withLock { $0 }.map(\.bytesTotal)
        #expect(done == [300, 400, 400, 0, 50])
        #expect(totals == [nil, nil, 1000, 1000, 1000])
        #expect(heard.withLock { $0 }.allSatisfy { $0.file == "w.bin" })
    }

    @Test func slowDownloadsLogAtLeastEveryFiveSeconds() {
        let logs = LogRecorder()
        let clock = ManualClock()
        let reporter = ProgressReporter(
            file: "big.bin", total: 1_000_000, alreadyDone: 0, output: .log, logger: logs.logger, now: clock.seconds)
        for _ in 0..<12 {
            clock.advance(by: .seconds(1))
            reporter.advance(by: 1000)  // 0.1 % a second: only the 5-second rule fires
        }
        #expect(logs.messages.count == 1 + 2)
    }

    @Test func aResumedDownloadSaysWhereItResumes() {
        let logs = LogRecorder()
        _ = ProgressReporter(
            file: "w.bin", total: 2_000_000, alreadyDone: 500_000, output: .log, logger: logs.logger,
            now: ManualClock().seconds)
        #expect(logs.messages == ["downloading w.bin (2.0 MB), resuming at 500.0 kB"])
    }

    @Test func aTerminalGetsOneLineRedrawnInPlace() {
        let logs = LogRecorder()
        let clock = ManualClock()
        let drawn = Mutex<[String]>([])
        let reporter = ProgressReporter(
            file: "w.bin", total: 4_000_000, alreadyDone: 0,
            output: .terminal({ text in drawn.withLock { $0.append(text) } }),
            logger: logs.logger, now: clock.seconds)
        for _ in 0..<4 {
            clock.advance(by: .seconds(1))
            reporter.advance(by: 1_000_000)
        }
        reporter.finish()
        let frames = drawn.withLock { $0 }
        #expect(frames.last == "\n")
        #expect(frames.dropLast().allSatisfy { $0.hasPrefix("\r\u{1B}[Kw.bin  ") })
        #expect(frames.contains("\r\u{1B}[Kw.bin  2.0 MB / 4.0 MB (50%), 1.0 MB/s, ETA 2s"))
        #expect(logs.messages.count == 1)  // only the summary goes to the log
    }

    @Test func byteAndDurationFormats() {
        #expect(ProgressReporter.bytes(999) == "999 B")
        #expect(ProgressReporter.bytes(527_148) == "527.1 kB")
        #expect(ProgressReporter.bytes(438_000_000) == "438.0 MB")
        #expect(ProgressReporter.bytes(999_960) == "1.0 MB")
        #expect(ProgressReporter.duration(7.2) == "7s")
        #expect(ProgressReporter.duration(185) == "3m05s")
        #expect(ProgressReporter.duration(7440) == "2h04m")
    }
}
