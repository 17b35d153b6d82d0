// The efficiency yardstick: OpenBLAS cblas_sgemm alone on one encoder layer's six linear products
// (M = a batch's real tokens; K×N = 768×768 four times, 768×3072, 3072×768 for bert-base), in the
// engine's layout (x · Wᵀ with W stored [out, in]). OpenBLAS runs its own `threads` threads here,
// the setting that gives sgemm its best on these shapes; the previous setting is restored after.
import CBLAS
import Checkpoint
import Inference

struct SgemmCeiling {
    let config: ModelConfig
    let threads: Int
    let repeats: Int

    struct Measurement {
        let rows: Int
        /// Median wall time of one layer's six products.
        let seconds: Double
        let flops: Double
        var gflopsPerSecond: Double { flops / seconds / 1e9 }
    }

    /// One measurement per distinct row count.
    func measure(rows: Set<Int>) -> [Int: Measurement] {
        let previous = BLASThreads.current
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(Int32(previous)) }
        return Dictionary(uniqueKeysWithValues: rows.sorted().map { ($0, measure(rows: $0)) })
    }

    private func measure(rows m: Int) -> Measurement {
        let h = config.hiddenSize
        let i = config.intermediateSize
        var rng = SplitMix64(seed: 3)
        func filled(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.next() % 2001) / 1000 - 1 } }
        // Distinct weights per product, as in a real layer, so none is served from cache by a twin.
        let square = (0..<4).map { _ in filled(h * h) }
        let up = filled(i * h)
        let down = filled(h * i)
        let input = filled(m * h)
        var hidden = [Float](repeating: 0, count: m * h)
        var intermediate = [Float](repeating: 0, count: m * i)

        func layer() {
            for w in square { product(input, m, w, h, h, &hidden) }
            product(input, m, up, i, h, &intermediate)
            product(intermediate, m, down, h, i, &hidden)
        }
        layer()  // warm-up: OpenBLAS's threads and buffers
        let times = (0..<max(1, repeats)).map { _ in seconds { layer() } }
        return Measurement(
            rows: m, seconds: median(times), flops: FlopCount(config: config).linearProducts(rows: m, queryRows: m))
    }

    /// `c[m, n] = a[m, k] · b[n, k]ᵀ`, as the engine calls it.
    private func product(_ a: [Float], _ m: Int, _ b: [Float], _ n: Int, _ k: Int, _ c: inout [Float]) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, &c,
            Int32(n))
    }
}

/// A workload's efficiency: its forward passes' achieved rate over sgemm's rate on the same batches.
struct Efficiency {
    /// All FLOPs of the workload's forward passes (FlopCount.forward summed over its batches).
    let flops: Double
    /// Wall time of the workload through the engine (the median pass).
    let seconds: Double
    /// sgemm's rate over the workload's linear products: their FLOPs over their measured times.
    let sgemmGflopsPerSecond: Double
    let tokens: Int

    init(batchLengths: [[Int]], seconds: Double, engine: RewardEngine, ceiling: [Int: SgemmCeiling.Measurement]) {
        let config = engine.config
        let count = FlopCount(config: config)
        flops = batchLengths.reduce(0) {
            $0 + count.forward(lengths: $1, lastLayerRows: engine.lastLayerRows(sequences: $1.count))
        }
        var sgemmFlops = 0.0
        var sgemmSeconds = 0.0
        for lengths in batchLengths {
            let layer = ceiling[lengths.reduce(0, +)]!
            sgemmFlops += layer.flops * Double(config.layerCount)
            sgemmSeconds += layer.seconds * Double(config.layerCount)
        }
        self.seconds = seconds
        sgemmGflopsPerSecond = sgemmFlops / sgemmSeconds / 1e9
        tokens = batchLengths.reduce(0) { $0 + $1.reduce(0, +) }
    }

    var gflopsPerSecond: Double { flops / seconds / 1e9 }
    var ratio: Double { gflopsPerSecond / sgemmGflopsPerSecond }
    /// Tokens/s if every FLOP of the forward pass ran at sgemm's rate.
    var ceilingTokensPerSecond: Double { Double(tokens) / (flops / (sgemmGflopsPerSecond * 1e9)) }

    var json: [String: Any] {
        [
            "flops": flops, "gflops_per_s": gflopsPerSecond, "sgemm_gflops_per_s": sgemmGflopsPerSecond,
            "efficiency": ratio, "ceiling_tokens_per_s": ceilingTokensPerSecond,
        ]
    }
}
