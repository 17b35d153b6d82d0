// The mixed load of Scripts/mixed_load.py played on the queue state machine, with the engine's time
// counted in tokens: 32 clients sending one item per request beside 4 clients sending 64, each client
// sending its next request as soon as its last one completes, under the service's default limits. A
// request's latency is counted in batches (the one running when it arrives included) and in the tokens
// the engine computes from its admission to its completion, which is what wall-clock latency is when
// the engine's cost is linear in tokens, minus the machine's noise.
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

    var queue = TestQueue(limits: BatchLimits())
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
    /// Requests admitted before this many tokens were computed are the warm-up, not measured.
    let warmUpTokens = 8 * BatchLimits().maxBatchTokens

    init(lightClients: Int, heavyClients: Int) {
        kinds = Array(repeating: .light, count: lightClients) + Array(repeating: .heavy, count: heavyClients)
        returning = Array(kinds.indices)
    }

    /// The loop after `batches` batches, played on a thread of its own: seconds of computation on a
    /// loaded machine, which must not hold a thread of the concurrency pool or of Dispatch's global
    /// queues (both as wide as the cores) that other suites' servers wait for.
    static func played(lightClients: Int, heavyClients: Int, batches: Int) async -> ClosedLoop {
        await withCheckedContinuation { continuation in
            Thread {
                var loop = ClosedLoop(lightClients: lightClients, heavyClients: heavyClients)
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
            var batch = queue.nextBatch(now: at(0)).batch
            admitReturningClients()
            if batch == nil { batch = queue.nextBatch(now: at(0)).batch }
            guard let batch else {
                problems.append("the engine found nothing to do")
                return
            }
            batchesCut += 1
            tokensDone += batch.tokenCount
            for (item, tokens) in zip(batch.items, batch.tokenCounts) { tokensComputed[kinds[item.request]] += tokens }
            for done in queue.complete(batch.id, outputs: batch.items.map(\.output)) {
                guard let request = pending.removeValue(forKey: done.id) else { continue }
                if request.tokensDone >= warmUpTokens {
                    latencies[kinds[request.client]].append(
                        (batchesCut - request.batchesCut, tokensDone - request.tokensDone))
                }
                returning.append(request.client)
            }
        }
    }

    /// Sends each returning client's next request: one item, or 64, of 17 to 37 tokens each (the
    /// benchmark's short pairs).
    private mutating func admitReturningClients() {
        for client in returning {
            let count = kinds[client] == .light ? 1 : 64
            let tokens = (0..<count).map { _ in Int.random(in: 17...37, using: &generator) }
            let admission = queue.admit(tags(client, count: count), tokenCounts: tokens, deadline: never, now: at(0))
            guard let id = admission.id else {
                problems.append("client \(client) was refused: \(String(describing: admission.error))")
                continue
            }
            pending[id] = (client, batchesCut, tokensDone)
        }
        returning = []
    }
}

extension ClosedLoop.PerKind where Value == Int {
    var total: Int { values.reduce(0, +) }
}
