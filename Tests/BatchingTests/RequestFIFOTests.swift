import Testing

@testable import Batching

@Suite struct RequestFIFOTests {
    @Test func keepsOrderAcrossCompactions() {
        var fifo = RequestFIFO()
        var expected: [UInt64] = []
        var removed: [UInt64] = []
        for number in 0..<500 as Range<UInt64> {
            fifo.append(RequestID(rawValue: number))
            expected.append(number)
            if number % 3 == 0, let first = fifo.first {
                removed.append(first.rawValue)
                fifo.removeFirst()
                expected.removeFirst()
            }
        }
        #expect(removed == Array(0..<UInt64(removed.count)))
        fifo.removeAll { $0.rawValue % 2 == 0 }
        expected.removeAll { $0 % 2 == 0 }
        #expect(fifo.count == expected.count)
        var drained: [UInt64] = []
        while let first = fifo.first {
            drained.append(first.rawValue)
            fifo.removeFirst()
        }
        #expect(drained == expected)
    }
}
