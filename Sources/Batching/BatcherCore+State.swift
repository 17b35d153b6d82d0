// The locked state's small transitions, shared by the driver's entry points. Each runs under the
// batcher's mutex and only records into the outbox what is to be done once it is released.

extension BatcherCore.State {
    mutating func reply(_ id: RequestID, _ result: Result<[Output], BatchingError>, _ outbox: inout BatcherCore.Outbox)
    {
        guard let completion = completions.removeValue(forKey: id) else { return }
        outbox.replies.append((completion, result))
    }

    mutating func expire(_ expired: [RequestID], _ outbox: inout BatcherCore.Outbox) {
        for id in expired {
            reply(id, .failure(.deadlineExceeded), &outbox)
            outbox.events.append(.expired(id))
        }
    }

    /// Routes a batch's engine result; returns the engine's error when the batch failed.
    mutating func finish(
        _ batch: Batch<Item>, _ result: Result<[Output], any Error>, _ outbox: inout BatcherCore.Outbox
    ) -> (any Error)? {
        let error: any Error
        switch result {
        case .success(let outputs) where outputs.count == batch.items.count:
            for done in queue.complete(batch.id, outputs: outputs) { reply(done.id, .success(done.outputs), &outbox) }
            return nil
        case .success(let outputs):
            error = EngineOutputCountMismatch(expected: batch.items.count, got: outputs.count)
        case .failure(let thrown):
            error = thrown
        }
        for id in queue.fail(batch.id) { reply(id, .failure(.engineFailed(error)), &outbox) }
        return error
    }

    mutating func wakeEngineIfSleeping(_ outbox: inout BatcherCore.Outbox) {
        guard engineSleeping else { return }
        engineSleeping = false
        engineWaitsUntil = nil
        outbox.wakeEngine = true
    }

    mutating func stop(_ outbox: inout BatcherCore.Outbox) {
        stopped = true
        alarm?.invalidate()
        alarm = nil
        outbox.stopWaiters = stopWaiters
        stopWaiters = []
    }

    /// Ends every locked section: re-arms the alarm for the next deadline or delay-wait end, and
    /// queues the section's events, with the stats they leave, for the observer.
    mutating func settle(_ outbox: inout BatcherCore.Outbox) {
        let wakeups = [queue.nextDeadline, engineWaitsUntil].compactMap { $0 }
        let next = wakeups.min()
        if next != alarmSetFor {
            alarm?.set(next)
            alarmSetFor = next
        }
        guard observed, !outbox.events.isEmpty else { return }
        let stats = queue.stats
        undeliveredEvents.append(contentsOf: outbox.events.map { ($0, stats) })
        if !deliveringEvents {
            deliveringEvents = true
            outbox.deliverEvents = true
        }
    }
}
