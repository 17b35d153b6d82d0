// The mixed load of Scripts/mixed_load.py played on the queue state machine, with the engine's time
// counted in tokens: 32 clients sending one item per request beside 4 clients sending 64, each client
// sending its next request as soon as its last one completes, under the service's default limits. A
// request's latency is counted in batches (the one running when it arrives included) and in the tokens
// the engine computes from its admission to its completion, which is what wall-clock latency is when
// the engine's cost is linear in tokens, minus the machine's noise. The clock is the engine's work:
// one millisecond per token, so deadlines and deadline-aware admission play out too.
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

    /// Deadline-aware admission's estimate is a model of what will arrive while a request waits. Under
    /// this load the work actually done before a request completes stays within the margin
    /// `BatchQueue.deadlineHeadroom` (three quarters of the time left) leaves for it: at most 1.12
    /// times the estimate for either kind with this seed (long requests mostly about half of it).
    @Test func theWorkBeforeARequestCompletesStaysWithinTheHeadroomOfItsEstimate() async {
        let mixed = await ClosedLoop.played(lightClients: 32, heavyClients: 4, batches: 200)
        #expect(mixed.problems.isEmpty, "\(mixed.problems)")
        for kind in [ClosedLoop.Kind.light, .heavy] {
            let worst = mixed.underestimates[kind].max() ?? .infinity
            #expect(worst < 1 / TestQueue.deadlineHeadroom, "\(kind): actual work up to \(worst) × the estimate")
        }
    }

    /// The service's default 30 s deadline on an engine of 1000 tokens per second, where a heavy
    /// request among the others takes about 14 s: admission turns away at once the heavy requests its
    /// estimate says would not make it, the refused clients come back after their Retry-After, and
    /// nothing times out; heavy requests are still served, and single-item requests are neither
    /// refused nor slowed.
    @Test func atTheDefaultDeadlineSomeHeavyRequestsAreRefusedAtAdmissionAndNothingTimesOut() async {
        let mixed = await ClosedLoop.played(lightClients: 32, heavyClients: 4, batches: 400, deadlineMilliseconds: 30_000)
        #expect(mixed.problems.isEmpty, "\(mixed.problems)")
        #expect(mixed.expired.total == 0, "timed out: \(mixed.expired.values)")
        #expect(mixed.refused[.light] == 0)
        #expect(mixed.refused[.heavy] > 0)
        #expect(mixed.latencies[.heavy].count >= 8)
        #expect(mixed.worstBatches(.light) == 2)
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
    /// For each pending request: its client, and the batches cut and tokens computed when it was admitted.
    var pending: [RequestID: (client: Int, batchesCut: Int, tokensDone: Int)] = [:]
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
    /// For each measured request, the tokens computed from its admission to its completion divided by
    /// the estimate deadline-aware admission made of them.
    var underestimates = PerKind(values: [[Double](), []])
    var estimates: [RequestID: Int] = [:]
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
                let estimate = estimates.removeValue(forKey: done.id) ?? 0
                if request.tokensDone >= warmUpTokens {
                    let kind = kinds[request.client]
                    latencies[kind].append((batchesCut - request.batchesCut, tokensDone - request.tokensDone))
                    underestimates[kind].append(Double(tokensDone - request.tokensDone) / Double(estimate))
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
            estimates[id] = nil
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
            let deadline = deadlineMilliseconds.map { now + .milliseconds($0) } ?? never
            let estimate = queue.completionEstimate(tokenCounts: tokens, now: now)?.tokens ?? 0
            let admission = queue.admit(tags(client, count: count), tokenCounts: tokens, deadline: deadline, now: now)
            if case .deadlineUnreachable(_, _, let retryAfter) = admission.error {
                refused[kinds[client]] += 1
                retrying.append((client, tokensDone + retryAfter * 1000))
                continue
            }
            guard let id = admission.id else {
                problems.append("client \(client) was refused: \(String(describing: admission.error))")
                continue
            }
            pending[id] = (client, batchesCut, tokensDone)
            estimates[id] = estimate
        }
        returning = []
    }
}

extension ClosedLoop.PerKind where Value == Int {
    var total: Int { values.reduce(0, +) }
}
