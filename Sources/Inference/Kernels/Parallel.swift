// Splits row-wise work across the engine's threads: the products, and everything between them
// (attention, GELU, LayerNorm), which would otherwise run on one core while the others idle.
// The threads are a `WorkerPool` of the engine's own: a forward pass runs a dozen short parallel
// regions per layer, and persistent workers that spin briefly between them start each region on
// every core at once, where a thread woken per region (Dispatch) often arrived after the work was done.
import CKernels

struct Parallel: Sendable {
    let threads: Int
    private let pool: WorkerPool?

    init(threads: Int) {
        self.threads = max(1, threads)
        pool = self.threads > 1 ? WorkerPool(workers: self.threads - 1) : nil
    }

    /// Calls `body(chunk, range)` for `threads` contiguous ranges covering `0..<count`, in parallel.
    /// Small jobs (under `grain` items per thread) run inline: waking threads would cost more.
    func forEachChunk(count: Int, grain: Int = 1, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = min(threads, max(1, count / max(grain, 1)))
        guard chunks > 1, let pool else {
            body(0, 0..<count)
            return
        }
        pool.run(chunks: chunks) { chunk in
            body(chunk, count * chunk / chunks..<count * (chunk + 1) / chunks)
        }
    }
}

extension Parallel {
    /// Calls `body(chunk, index)` for every index in `0..<count`, thread `chunk` taking every
    /// `threads`-th index, which balances work whose cost varies smoothly along the indices.
    func forEachInterleaved(count: Int, _ body: (_ chunk: Int, _ index: Int) -> Void) {
        let chunks = min(threads, count)
        guard chunks > 1, let pool else {
            for index in 0..<count { body(0, index) }
            return
        }
        pool.run(chunks: chunks) { chunk in
            for index in stride(from: chunk, to: count, by: chunks) { body(chunk, index) }
        }
    }
}

extension Parallel {
    /// Splits the panels of several products, taken end to end, over the threads (one pass for a layer's
    /// query, key and value): calls `body(product, panels)` with each product's own panel range within
    /// a thread's share. `panels[i]`: product i's panel count.
    func forEachPanelRange(panels: [Int], _ body: (_ product: Int, _ panels: Range<Int>) -> Void) {
        // Panel p of the concatenated products: product `index`, its own panel p − firstPanel[index].
        var firstPanel = [0]
        for count in panels { firstPanel.append(firstPanel.last! + count) }
        forEachChunk(count: firstPanel.last!) { _, range in
            for index in panels.indices {
                let first = max(range.lowerBound, firstPanel[index]) - firstPanel[index]
                let last = min(range.upperBound, firstPanel[index + 1]) - firstPanel[index]
                if first < last { body(index, first..<last) }
            }
        }
    }
}

/// Persistent worker threads (CKernels' `rk_pool`), stopped when the last engine copy holding them goes.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: the C pool serialises regions itself (a second concurrent region runs inline).
    private let pool: OpaquePointer?

    init(workers: Int) {
        pool = rk_pool_create(workers)
    }

    deinit { rk_pool_destroy(pool) }

    /// Runs `body(chunk)` for every chunk in `0..<chunks`, on the workers and the calling thread;
    /// returns when all have finished. Without workers (none could be started) the chunks run here.
    func run(chunks: Int, _ body: (Int) -> Void) {
        guard let pool else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var task = body
            withUnsafeMutablePointer(to: &task) { context in
                rk_pool_run(pool, chunks, { context, chunk in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
                }, context)
            }
        }
    }
}
