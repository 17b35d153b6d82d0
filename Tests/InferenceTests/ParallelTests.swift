import Dispatch
import Foundation
import Testing

@testable import Inference

/// Counts how often each index was visited (chunks write disjoint indices, the counts are checked after).
private final class Visits: @unchecked Sendable {
    var counts: [Int]
    init(_ count: Int) { counts = Array(repeating: 0, count: count) }
}

@Test(arguments: [1, 2, 3, 4])
func everyIndexRunsExactlyOnceAcrossManyRegions(threads: Int) {
    let parallel = Parallel(threads: threads)
    // Thousands of back-to-back regions of varying sizes exercise the workers' hand-over between regions.
    for round in 0..<3_000 {
        let count = round % 97
        let visits = Visits(count)
        parallel.forEachChunk(count: count, grain: round % 3 + 1) { _, range in
            for index in range { visits.counts[index] += 1 }
        }
        #expect(visits.counts.allSatisfy { $0 == 1 }, "round \(round), \(count) items")
        let interleaved = Visits(count)
        parallel.forEachInterleaved(count: count) { chunk, index in
            #expect(index % min(threads, count) == chunk)
            interleaved.counts[index] += 1
        }
        #expect(interleaved.counts.allSatisfy { $0 == 1 }, "round \(round), \(count) interleaved items")
    }
}

@Test func chunksCoverContiguousRangesInOrder() {
    let parallel = Parallel(threads: 2)
    let ranges = Visits(4)
    parallel.forEachChunk(count: 10) { chunk, range in
        ranges.counts[chunk * 2] = range.lowerBound
        ranges.counts[chunk * 2 + 1] = range.upperBound
    }
    #expect(ranges.counts == [0, 5, 5, 10])
}

@Test func aRegionStartedInsideAnotherRunsInline() {
    let parallel = Parallel(threads: 2)
    let visits = Visits(2 * 50)
    parallel.forEachChunk(count: 2) { outer, _ in
        parallel.forEachChunk(count: 50) { _, range in
            for index in range { visits.counts[outer * 50 + index] += 1 }
        }
    }
    #expect(visits.counts.allSatisfy { $0 == 1 })
}

@Test func regionsFromSeveralThreadsAtOnceEachCompleteOnce() {
    let parallel = Parallel(threads: 2)
    let callers = 4
    let perCaller = (0..<callers).map { _ in Visits(200 * 64) }
    DispatchQueue.concurrentPerform(iterations: callers) { caller in
        for round in 0..<200 {
            parallel.forEachChunk(count: 64) { _, range in
                for index in range { perCaller[caller].counts[round * 64 + index] += 1 }
            }
        }
    }
    for visits in perCaller { #expect(visits.counts.allSatisfy { $0 == 1 }) }
}

@Test func poolsStopWhenTheirEnginesGo() {
    // Each Parallel starts its own workers; dropping it must join them (a hang fails the test run).
    for _ in 0..<200 {
        let parallel = Parallel(threads: 3)
        let visits = Visits(30)
        parallel.forEachChunk(count: 30) { _, range in
            for index in range { visits.counts[index] += 1 }
        }
        #expect(visits.counts.allSatisfy { $0 == 1 })
    }
}
