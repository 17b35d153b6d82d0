// Splits row-wise work across the engine's threads. OpenBLAS threads the big products itself;
// this covers everything between them (attention, GELU, LayerNorm), which would otherwise run on
// one core while the others idle.
import Dispatch

struct Parallel: Sendable {
    let threads: Int

    /// Calls `body(chunk, range)` for `threads` contiguous ranges covering `0..<count`, in parallel.
    /// Small jobs (under `grain` items per thread) run inline: waking threads would cost more.
    func forEachChunk(count: Int, grain: Int = 1, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = min(threads, max(1, count / max(grain, 1)))
        guard chunks > 1 else {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBody(body: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                box.body(chunk, start..<end)
            }
        }
    }
}

extension Parallel {
    /// Calls `body(chunk, index)` for every index in `0..<count`, thread `chunk` taking every
    /// `threads`-th index, which balances work whose cost varies smoothly along the indices.
    func forEachInterleaved(count: Int, _ body: (_ chunk: Int, _ index: Int) -> Void) {
        let chunks = min(threads, count)
        guard chunks > 1 else {
            for index in 0..<count { body(0, index) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBody(body: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                for index in stride(from: chunk, to: count, by: chunks) { box.body(chunk, index) }
            }
        }
    }
}

/// concurrentPerform wants a Sendable closure; every chunk writes disjoint rows, which the type
/// system cannot see.
private struct UncheckedBody<Argument>: @unchecked Sendable {
    let body: (Int, Argument) -> Void
}
