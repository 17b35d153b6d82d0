// Engine turns among served models: the gate's round-robin order on its own, and through the service
// a model flooded with requests cannot keep another model's batch waiting past the batch that was
// running when the other's request arrived. Deterministic: batches are held in the engine and
// released only once the waiting model has queued for its turn; no timing is asserted.
import Dispatch
import Foundation
import Synchronization
import Testing
import Tokenizer

@testable import RewardService

/// Runs `work` on a thread of its own (an engine thread blocks in `EngineTurns.take`).
private func onOwnThread(_ work: @escaping @Sendable () -> Void) {
    let thread = Thread(block: work)
    thread.start()
}

@Test func turnsGoRoundRobinAndAModelThatJustRanQueuesBehindTheOthers() async throws {
    let turns = EngineTurns(modelCount: 3)
    let order = Mutex<[Int]>([])
    let firstPassRunning = DispatchSemaphore(value: 0)
    let releaseFirstPass = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)

    onOwnThread {
        turns.take(model: 0) {
            order.withLock { $0.append(0) }
            firstPassRunning.signal()
            releaseFirstPass.wait()
        }
        done.signal()
    }
    firstPassRunning.wait()
    // Model 2 asks before model 1; model 1 asks for a second turn as soon as its first ends.
    onOwnThread {
        turns.take(model: 2) { order.withLock { $0.append(2) } }
        done.signal()
    }
    #expect(await eventually { turns.waitingModels == [2] })
    onOwnThread {
        for _ in 0..<2 { turns.take(model: 1) { order.withLock { $0.append(1) } } }
        done.signal()
    }
    #expect(await eventually { turns.waitingModels == [1, 2] })
    releaseFirstPass.signal()
    for _ in 0..<3 { done.wait() }
    // After 0: the next model after it (1), then 2, which waited while 1 ran, before 1's second turn.
    #expect(order.withLock { $0 } == [0, 1, 2, 1])
}

@Test func aSingleModelTakesTurnAfterTurn() {
    let turns = EngineTurns(modelCount: 1)
    var passes = 0
    for _ in 0..<5 { turns.take(model: 0) { passes += 1 } }
    #expect(passes == 5)
    #expect(turns.waitingModels.isEmpty)
}

/// A `Mutex` shared by reference between the two models.
private final class SharedLog: Sendable {
    let entries = Mutex<[String]>([])
}

@Test func aFloodOnOneModelDoesNotDelayAnotherModelsBatchPastTheRunningOne() async throws {
    let log = SharedLog()
    let floodedFake = FakeScoringModel()
    let flooded = HookedModel(floodedFake, beforeBatch: { log.entries.withLock { $0.append("flooded") } })
    let quiet = HookedModel(FakeScoringModel(), beforeBatch: { log.entries.withLock { $0.append("quiet") } })
    let service = RewardService(
        models: [ModelEntry(name: "flooded", model: flooded), ModelEntry(name: "quiet", model: quiet)],
        configuration: testConfiguration { $0.batching.maxBatchItems = 2 }, logger: quietLogger)
    service.markReady()
    floodedFake.hold()

    // 40 one-pair requests on the flooded model: the first batch is held in the engine, the rest queue.
    let floodTasks = (0..<40).map { index in
        Task {
            await service.call(
                post("/score", json: #"{"model": "flooded", "prompt": "flood \#(index)", "response": "r"}"#))
        }
    }
    #expect(await eventually { floodedFake.batchesInEngine == 1 })
    #expect(await eventually { service.state.models.all[0].queue.batcher.stats.queuedItems >= 20 })

    let quietTask = Task {
        await service.call(post("/score", json: #"{"model": "quiet", "prompt": "quiet", "response": "r"}"#))
    }
    #expect(await eventually { service.state.models.turns.waitingModels == [1] })
    // One pass at a time: the quiet model waits for its turn instead of running beside the held batch.
    #expect(log.entries.withLock { $0 } == ["flooded"])
    floodedFake.release()

    let quietResponse = await quietTask.value
    #expect(quietResponse.status == .ok)
    for task in floodTasks { #expect(await task.value.status == .ok) }
    let order = log.entries.withLock { $0 }
    // The held batch, then the quiet model's batch at once, although the flooded queue had ~19 batches.
    #expect(Array(order.prefix(2)) == ["flooded", "quiet"], "\(order)")
    #expect(order.filter { $0 == "quiet" }.count == 1)
    #expect(order.filter { $0 == "flooded" }.count >= 20)
    await service.drainQueue()
}
