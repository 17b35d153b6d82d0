import Testing

@testable import Checkpoint

/// The readers of untrusted files keep their traps: an out-of-range index or overflow in a parser
/// bug stops the process instead of reading or writing past a buffer.
@Test func theCheckpointReadersAreBuiltWithChecks() {
    #expect(BuildChecks.trapOnBadIndexOrOverflow)
}
