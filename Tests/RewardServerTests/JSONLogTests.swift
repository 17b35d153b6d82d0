// --log-format json: every event is one parseable JSON object with the metadata as keys.
import Foundation
import Logging
import Synchronization
import Testing

@testable import RewardServer

private final class Lines: Sendable {
    let all = Mutex<[String]>([])
}

@Test func jsonLogLinesParseAndCarryLevelMessageAndMetadata() throws {
    let lines = Lines()
    var handler = JSONLineLogHandler(label: "reward-server") { line in lines.all.withLock { $0.append(line) } }
    handler.logLevel = .debug
    handler[metadataKey: "request.id"] = "req-7"
    var logger = Logger(label: "reward-server") { _ in handler }
    logger.logLevel = .debug
    logger.info(
        "quote \" backslash \\ newline \n tab \t bell \u{07} é 🎉",
        metadata: ["count": "\(3)", "list": ["a", "b"], "nested": ["k": "v"], "level": "spoof"])
    logger.debug("second")
    let written = lines.all.withLock { $0 }
    #expect(written.count == 2)
    #expect(written.allSatisfy { $0.hasSuffix("}\n") && $0.dropLast().firstIndex(of: "\n") == nil })
    let object = try #require(
        JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any], "\(written[0])")
    #expect(object["level"] as? String == "info")
    #expect(object["logger"] as? String == "reward-server")
    #expect(object["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07} é 🎉")
    #expect(object["request.id"] as? String == "req-7")
    #expect(object["count"] as? String == "3")
    #expect(object["list"] as? [String] == ["a", "b"])
    #expect(object["nested"] as? [String: String] == ["k": "v"])
    let time = try #require(object["time"] as? String)
    #expect(time.hasSuffix("Z") && time.contains("T") && time.contains("."), "\(time)")
    let second = try #require(JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
    #expect(second["level"] as? String == "debug")
}
