// The mixed load of Scripts/mixed_load.py played on the queue state machine, with the engine's time
// counted in tokens: 32 clients sending one item per request beside 4 clients sending 64, each client
// sending its next request as soon as its last one completes, under the service's default limits. A
// request's latency is counted in batches (the one running when it arrives included) and in the tokens
// the engine computes from its admission to its completion, which is what wall-clock latency is when
// the engine's cost is linear in tokens, minus the machine's noise. The clock is the engine's work:
// one millisecond per token, so deadlines, deadline pacing and deadline-aware admission play out too.
import Foundation
import TestSupport
import Testing

@testable import Batching

@Suite struct BatchQueueMixedLoadTests {
    /// The benchmark's target, without the noise of a shared machine: heavy clients must not multiply
    /// a single-item request's worst latency by more than 3. Turns of one item per request give 2: a
    /// light request waits for the batch running when it arrives, then runs in the next one (first
    /// come first served would make it wait for the heavy requests ahead of it: 9 batches here).
    @Test func heavyClientsAtMostDoubleTheWorstLatencyOfSingleItemRequests() async {
        let alone = await ClosedLoop.played(lightClients: 32, heavyClients: 0, batches: 50)
        let mixed = await ClosedLoop.played(lightClients: 32, heavyClients: 4, batches: 200)
        #expect(alone.problems.isEmpty && mixed.problems.isEmpty, "\(alone.problems + mixed.problems)")
        #expect(alone.latencies[.light].count > 100 && mixed.latencies[.light].count > 1000)
        #expect(alone.worstBatches(.light) == 1)
        #expect(mixed.worstBatches(.light) == 2)
        let aloneWorst = alone.worstTokens(.light)
        let mixedWorst = mixed.worstTokens(.light)
        // Two batches of random sizes against the largest single one: about 2, never near 3.
        #expect(
            Double(mixedWorst) <= 2.5 * Double(aloneWorst),
            "light worst \(mixedWorst) tokens with heavy, \(aloneWorst) alone")
    }

    /// Fair is not starving the large requests either: they keep about half the engine and complete.
    @Test func heavyRequestsKeepAShareOfTheEngineAndComplete() async {
        let mixed = await ClosedLoop.played(lightClients: 32, heavyClients: 4, batches: 200)
        #expect(mixed.problems.isEmpty, "\(mixed.problems)")
        let heavyShare = Double(mixed.tokensComputed[.heavy]) / Double(mixed.tokensComputed.total)
        #expect(heavyShare > 0.33 && heavyShare < 0.67, "heavy clients got \(heavyShare) of the engine")
        #expect(mixed.latencies[.heavy].count >= 4 * 8)
        // Half of each 32-item batch goes to the light clients' turns and the four heavy requests share
        // the other half, 4 items each: a 64-item request completes in about 16 batches.
        #expect(mixed.worstBatches(.heavy) <= 20)
    }

    /// The service's default 30 s deadline on an engine of 1000 tokens per second. With 96 clients
    /// sending single items, round-robin turns alone would give each heavy request about one item per
    /// batch: 64 batches of about 1.8 s, four times its deadline. Pacing gives it the items its deadline
    /// needs, every admitted request completes before its pace end (three quarters of the way to its
    /// deadline) give or take the batch running then, nothing times out, and the single items' worst
    /// latency stays within 3 times what it is without the heavy clients.
    @Test func atTheDefaultDeadlineHeavyRequestsAreServedInTimeBesideManySingleItems() async {
        let alone = await ClosedLoop.played(lightClients: 96, heavyClients: 0, batches: 150, deadlineMilliseconds: 30_000)
        let mixed = await ClosedLoop.played(lightClients: 96, heavyClients: 4, batches: 400, deadlineMilliseconds: 30_000)
        #expect(alone.problems.isEmpty && mixed.problems.isEmpty, "\(alone.problems + mixed.problems)")
        #expect(mixed.expired.total == 0, "timed out: \(mixed.expired.values)")
        #expect(mixed.refused.total == 0, "refused: \(mixed.refused.values)")
        #expect(mixed.latencies[.heavy].count >= 12)
        #expect(mixed.worstLateness <= BatchLimits().maxBatchTokens, "\(mixed.worstLateness) ms after a pace end")
        let aloneWorst = alone.worstTokens(.light)
        let mixedWorst = mixed.worstTokens(.light)
        #expect(
            Double(mixedWorst) <= 3 * Double(aloneWorst),
            "light worst \(mixedWorst) tokens with heavy, \(aloneWorst) alone")
    }

    /// More heavy clients than half the engine can pace: admission turns away at once the requests it
    /// cannot book, the refused clients come back after their Retry-After, nothing times out, the
    /// admitted ones complete by their pace end, and single items are never refused.
    @Test func heavyRequestsBeyondWhatCanBeBookedAreRefusedAtAdmissionAndNothingTimesOut() async {
        let mixed = await ClosedLoop.played(lightClients: 96, heavyClients: 12, batches: 400, deadlineMilliseconds: 30_000)
        #expect(mixed.problems.isEmpty, "\(mixed.problems)")
        #expect(mixed.expired.total == 0, "timed out: \(mixed.expired.values)")
        #expect(mixed.refused[.light] == 0)
        #expect(mixed.refused[.heavy] > 0)
        #expect(mixed.latencies[.heavy].count >= 12)
        #expect(mixed.worstLateness <= BatchLimits().maxBatchTokens, "\(mixed.worstLateness) ms after a pace end")
    }
}

/// Closed-loop clients on a `BatchQueue` with the default limits, stepped one batch at a time.
private struct ClosedLoop: Sendable {
    enum Kind: Int { case light, heavy }

    /// One value per kind of client.
    struct PerKind<Value: Sendable>: Sendable {
        var values: [Value]
        subscript(kind: Kind) -> Value {
            get { values[kind.rawValue] }
            set { values[kind.rawValue] = newValue }
        }
    }

    var queue: TestQueue
    var generator = SeededGenerator(seed: 14)
    let kinds: [Kind]
    /// For each pending request: its client, the batches cut and tokens computed when it was admitted,
    /// and the engine milliseconds by which its pace has it done.
    var pending: [RequestID: (client: Int, batchesCut: Int, tokensDone: Int, paceEnd: Int)] = [:]
    var returning: [Int] = []
    var batchesCut = 0
    var tokensDone = 0
    var tokensComputed = PerKind(values: [0, 0])
    /// Each measured request's latency: batches from the one running at its admission to the one that
    /// completed it, both included, and the tokens computed meanwhile.
    var latencies = PerKind(values: [[(batches: Int, tokens: Int)](), []])
    /// What went wrong while playing (recorded here: the loop runs outside the test's task).
    var problems: [String] = []
    /// How long each request may take, in engine milliseconds (tokens); nil: no deadline.
    let deadlineMilliseconds: Int?
    /// Requests refused at admission as unable to meet their deadline, and requests that timed out.
    var refused = PerKind(values: [0, 0])
    var expired = PerKind(values: [0, 0])
    /// Refused clients waiting out their Retry-After: (client, engine milliseconds when they resend).
    var retrying: [(client: Int, at: Int)] = []
    /// How long after its pace end the latest request completed, in engine milliseconds (0 if none was late).
    var worstLateness = 0
    /// Requests admitted before this many tokens were computed are the warm-up, not measured.
    let warmUpTokens = 8 * BatchLimits().maxBatchTokens

    init(lightClients: Int, heavyClients: Int, deadlineMilliseconds: Int?) {
        kinds = Array(repeating: .light, count: lightClients) + Array(repeating: .heavy, count: heavyClients)
        returning = Array(kinds.indices)
        self.deadlineMilliseconds = deadlineMilliseconds
        // The engine computes a token per millisecond, and admission knows it.
        queue = TestQueue(limits: BatchLimits(engineSecondsPerToken: 0.001))
    }

    /// The engine's clock: a millisecond per token computed.
    var now: ContinuousClock.Instant { at(tokensDone) }

    /// The loop after `batches` batches, played on a thread of its own: seconds of computation on a
    /// loaded machine, which must not hold a thread of the concurrency pool or of Dispatch's global
    /// queues (both as wide as the cores) that other suites' servers wait for.
    static func played(
        lightClients: Int, heavyClients: Int, batches: Int, deadlineMilliseconds: Int? = nil
    ) async -> ClosedLoop {
        await withCheckedContinuation { continuation in
            Thread {
                var loop = ClosedLoop(
                    lightClients: lightClients, heavyClients: heavyClients, deadlineMilliseconds: deadlineMilliseconds)
                loop.run(batches: batches)
                continuation.resume(returning: loop)
            }.start()
        }
    }

    func worstBatches(_ kind: Kind) -> Int { latencies[kind].map(\.batches).max() ?? 0 }
    func worstTokens(_ kind: Kind) -> Int { latencies[kind].map(\.tokens).max() ?? 0 }

    /// The engine takes each batch the moment it is free, before the clients whose requests it just
    /// answered have sent their next ones (their answers still cross the network); they join the
    /// queue while that batch runs, or at once when the engine found nothing to do.
    mutating func run(batches: Int) {
        for _ in 0..<batches {
            var batch = nextBatch()
            admitReturningClients()
            if batch == nil { batch = nextBatch() }
            guard let batch else {
                problems.append("the engine found nothing to do")
                return
            }
            batchesCut += 1
            tokensDone += batch.tokenCount
            for (item, tokens) in zip(batch.items, batch.tokenCounts) { tokensComputed[kinds[item.request]] += tokens }
            for done in queue.complete(batch.id, outputs: batch.items.map(\.output)) {
                guard let request = pending.removeValue(forKey: done.id) else { continue }
                worstLateness = max(worstLateness, tokensDone - request.paceEnd)
                if request.tokensDone >= warmUpTokens {
                    let kind = kinds[request.client]
                    latencies[kind].append((batchesCut - request.batchesCut, tokensDone - request.tokensDone))
                }
                returning.append(request.client)
            }
            returning += retrying.filter { $0.at <= tokensDone }.map(\.client)
            retrying.removeAll { $0.at <= tokensDone }
        }
    }

    /// The engine's next batch, if any; clients whose requests expired meanwhile send their next one.
    private mutating func nextBatch() -> Batch<Tag>? {
        let decision = queue.nextBatch(now: now)
        for id in decision.expired {
            guard let request = pending.removeValue(forKey: id) else { continue }
            expired[kinds[request.client]] += 1
            returning.append(request.client)
        }
        return decision.batch
    }

    /// Sends each returning client's next request: one item, or 64, of 17 to 37 tokens each (the
    /// benchmark's short pairs).
    private mutating func admitReturningClients() {
        for client in returning {
            let count = kinds[client] == .light ? 1 : 64
            let tokens = (0..<count).map { _ in Int.random(in: 17...37, using: &generator) }
            let window = deadlineMilliseconds ?? 3_600_000
            let deadline = now + .milliseconds(window)
            let admission = queue.admit(tags(client, count: count), tokenCounts: tokens, deadline: deadline, now: now)
            if case .deadlineUnreachable(_, _, _, let retryAfter) = admission.error {
                refused[kinds[client]] += 1
                retrying.append((client, tokensDone + retryAfter * 1000))
                continue
            }
            guard let id = admission.id else {
                problems.append("client \(client) was refused: \(String(describing: admission.error))")
                continue
            }
            let paceEnd = tokensDone + Int(Double(window) * DeadlinePacing.windowShare)
            pending[id] = (client, batchesCut, tokensDone, paceEnd)
        }
        returning = []
    }
}

extension ClosedLoop.PerKind where Value == Int {
    var total: Int { values.reduce(0, +) }
}
