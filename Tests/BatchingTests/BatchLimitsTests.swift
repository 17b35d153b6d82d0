import Batching
import Testing

@Suite struct BatchLimitsTests {
    @Test func defaultsAreUsable() { #expect(BatchLimits().problems.isEmpty) }

    @Test func everyBadFieldIsReported() {
        let limits = BatchLimits(
            maxBatchItems: 0, maxBatchTokens: 0, maxBatchDelay: .milliseconds(-1), maxQueuedItems: 0,
            maxQueuedTokens: -5)
        #expect(limits.problems.count == 5)
        #expect(limits.problems.contains { $0.contains("maxQueuedTokens") && $0.contains("-5") })
    }
}
