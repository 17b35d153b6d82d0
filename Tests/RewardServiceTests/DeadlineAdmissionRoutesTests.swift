// Deadline-aware admission seen from the routes: a request the engine cannot compute before its
// deadline is answered 429 + Retry-After at once, in the route's own error shape, with nothing
// computed and the refusal counted; a small request in the same state is served. The fake model's
// engine is declared absurdly slow (the batcher's seed), so the decision does not depend on this
// machine's speed.
import Foundation
import Testing

@testable import HTTPServer
@testable import RewardService

/// A service whose engine is taken to need `secondsPerToken` per token, with the tests' 300 s timeout:
/// a request's pace runs over 225 s (three quarters) and may book half the engine.
private func slowEngineService(_ model: FakeScoringModel, secondsPerToken: Double, maxQueuedItems: Int = 1024)
    -> RewardService
{
    makeService(model: model) {
        $0.batching.engineSecondsPerToken = secondsPerToken
        $0.batching.maxQueuedItems = maxQueuedItems
        $0.requests.maxItemsPerRequest = min(64, maxQueuedItems)
    }
}

private func rejections(_ service: RewardService) -> Double? {
    metricValue(
        String(decoding: service.metrics.exposition(), as: UTF8.self),
        #"reward_rejections_total{reason="deadline_unreachable"}"#)
}

/// The `Retry-After` of a response as seconds, or nil.
private func retryAfter(_ response: HTTPResponse) -> Int? { response.headers["retry-after"].flatMap { Int($0) } }

@Suite struct DeadlineAdmissionRoutesTests {
    @Test func aRequestTheDeadlineCannotHoldIs429WithRetryAfterInEachShapeWhileOneThatFitsIsServed() async throws {
        let model = FakeScoringModel()
        // 20 s per token: half the engine over 225 s books 5.6 tokens. A pair "p"/"r" is 5 tokens
        // ([CLS] p [SEP] r [SEP]).
        let service = slowEngineService(model, secondsPerToken: 20)
        let fourPairs = Array(repeating: #"{"prompt":"p","response":"r"}"#, count: 4).joined(separator: ",")
        let native = await service.call(post("/score", json: #"{"pairs":[\#(fourPairs)]}"#))
        #expect(native.status.code == 429, "\(native.text)")
        #expect(native.errorType == "overloaded")
        // 400 s of engine time against the 112.5 s that half of it gives in 225 s: it would not fit even
        // in an idle engine, so the Retry-After is the whole time that was left.
        #expect((299...300).contains(retryAfter(native) ?? 0), "\(native.headers)")
        #expect(native.errorMessage.contains("deadline"), "\(native.errorMessage)")
        #expect(native.errorMessage.contains("400.0 s of engine time"), "\(native.errorMessage)")
        #expect(native.errorMessage.contains("112.5 s free"), "\(native.errorMessage)")

        let tei = await service.call(post("/rerank", json: #"{"query":"q","texts":["a","b","c","d"]}"#))
        #expect(tei.status.code == 429, "\(tei.text)")
        #expect(Shape.tei.matches(tei), "\(tei.text)")
        #expect(try tei.decodedObject()["error_type"] as? String == "Overloaded")
        #expect((299...300).contains(retryAfter(tei) ?? 0))

        let openAI = await service.call(post("/v1/score", json: #"{"text_1":"q","text_2":["a","b","c","d"]}"#))
        #expect(openAI.status.code == 429, "\(openAI.text)")
        #expect(Shape.openAI.matches(openAI), "\(openAI.text)")
        #expect(retryAfter(openAI) != nil)

        #expect(model.computedPrompts.isEmpty)
        #expect(rejections(service) == 3)
        let single = await service.call(post("/score", json: #"{"prompt":"p","response":"r"}"#))
        #expect(single.status == .ok, "\(single.text)")
        #expect(model.computedPrompts == ["p"])
        await service.drainQueue()
    }

    @Test func aRequestFedInPartsIsRefusedWholeBeforeAnyPartIsComputed() async throws {
        let model = FakeScoringModel()
        // Ten 10-token queries ([CLS] 8 bytes [SEP]) go in parts of 4 (half of 8 queued pairs). At 2 s
        // per token, half the engine over 225 s books 56 tokens: a part (40) would fit, the whole
        // request (100) does not.
        let service = slowEngineService(model, secondsPerToken: 2, maxQueuedItems: 8)
        let queries = (0..<10).map { "\"query-0\($0)\"" }.joined(separator: ",")
        let refused = await service.call(post("/get_reward", json: #"{"query":[\#(queries)]}"#))
        #expect(refused.status.code == 429, "\(refused.text)")
        #expect(Shape.fastAPI.matches(refused), "\(refused.text)")
        #expect((299...300).contains(retryAfter(refused) ?? 0), "\(refused.headers)")
        #expect(model.computedPrompts.isEmpty)
        // Four queries fit whole: served, in one part.
        let few = (0..<4).map { "\"query-0\($0)\"" }.joined(separator: ",")
        let served = await service.call(post("/get_reward", json: #"{"query":[\#(few)]}"#))
        #expect(served.status == .ok, "\(served.text)")
        #expect(model.computedPrompts.count == 4)
        #expect(rejections(service) == 1)
        await service.drainQueue()
    }
}

extension HTTPResponse {
    fileprivate func decodedObject() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }
}
