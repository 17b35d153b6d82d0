// The benchmark's token sequences: fixed lengths, and the mixed lengths Scripts/bench_reference.py
// draws from the same 64-bit LCG (seed 42), cut into batches in order.
import Inference

/// The lengths generator shared with Scripts/bench_reference.py.
func mixedLengths(count: Int, seed: UInt64 = 42) -> [Int] {
    var x = seed
    return (0..<count).map { _ in
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return 24 + Int((x >> 33) % 361)
    }
}

func lengths(_ workload: String, _ options: Options) -> [Int] {
    let count = options.sizes[workload] ?? 0
    switch workload {
    case "mixed": return mixedLengths(count: count, seed: options.seed)
    default: return Array(repeating: Int(workload.dropFirst("fixed".count)) ?? 0, count: count)
    }
}

func sequences(lengths: [Int], vocab: Int, seed: UInt64) -> [TokenSequence] {
    var rng = SplitMix64(seed: seed)
    return lengths.map { n in TokenSequence(ids: (0..<n).map { _ in Int32(rng.next() % UInt64(vocab)) }) }
}

/// Consecutive batches of at most `size` sequences, as the engine is fed them.
func batches(_ work: [TokenSequence], size: Int) -> [[TokenSequence]] {
    stride(from: 0, to: work.count, by: size).map { Array(work[$0..<min($0 + size, work.count)]) }
}
