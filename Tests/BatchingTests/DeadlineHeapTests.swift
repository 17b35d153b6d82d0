import TestSupport
import Testing

@testable import Batching

@Suite struct DeadlineHeapTests {
    @Test func popsInDeadlineOrderThenRequestOrder() {
        var random = SeededGenerator(seed: 7)
        var heap = DeadlineHeap()
        var entries: [DeadlineHeap.Entry] = []
        for number in 0..<200 {
            let entry = DeadlineHeap.Entry(
                deadline: at(Int.random(in: 0..<50, using: &random)), request: RequestID(rawValue: UInt64(number)))
            entries.append(entry)
            heap.insert(entry)
        }
        var popped: [DeadlineHeap.Entry] = []
        while let entry = heap.removeMin() { popped.append(entry) }
        #expect(popped == entries.sorted { $0.precedes($1) })
    }

    @Test func filterKeepsHeapOrder() {
        var heap = DeadlineHeap()
        for number in 0..<100 {
            heap.insert(.init(deadline: at(100 - number), request: RequestID(rawValue: UInt64(number))))
        }
        heap.filter { $0.request.rawValue % 3 == 0 }
        #expect(heap.count == 34)
        var deadlines: [ContinuousClock.Instant] = []
        while let entry = heap.removeMin() { deadlines.append(entry.deadline) }
        #expect(deadlines == deadlines.sorted())
        #expect(deadlines.first == at(1))
    }
}
