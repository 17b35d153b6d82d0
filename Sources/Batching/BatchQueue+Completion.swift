// Routing a finished batch back to its requests: outputs land at their item's index, a request
// completes when its last output arrives, and an engine failure fails exactly the requests that
// had items in the batch. Outputs for requests that were cancelled or expired are discarded.

extension BatchQueue {
    /// Records the engine's outputs for a batch returned by `nextBatch`, one per item in batch
    /// order, and returns the requests that now have every output, in the order they completed.
    public mutating func complete(_ batch: BatchID, outputs: [Output]) -> [CompletedRequest<Output>] {
        let slots = finishRunning(batch)
        precondition(outputs.count == slots.count, "\(batch) has \(slots.count) items but got \(outputs.count) outputs")
        var completed: [CompletedRequest<Output>] = []
        for (slot, output) in zip(slots, outputs) {
            // nil: the request was cancelled or expired while this batch ran; drop the output.
            guard requests[slot.request]?.record(output, at: slot.index) == true,
                let request = removeRequest(slot.request)
            else { continue }
            completed.append(CompletedRequest(id: slot.request, outputs: request.completedOutputs))
        }
        return completed
    }

    /// Reports that the engine failed on a batch. Every still-pending request with an item in it
    /// fails (its queued items are dropped too) and is returned once, in batch order; requests with
    /// no item in the batch are untouched.
    public mutating func fail(_ batch: BatchID) -> [RequestID] {
        var failed: [RequestID] = []
        for slot in finishRunning(batch) where removeRequest(slot.request) != nil {
            failed.append(slot.request)
        }
        return failed
    }

    private mutating func finishRunning(_ batch: BatchID) -> [ItemSlot] {
        guard let slots = running.removeValue(forKey: batch) else {
            preconditionFailure("\(batch) is not running (reported twice, or never cut)")
        }
        runningItems -= slots.count
        return slots
    }
}
