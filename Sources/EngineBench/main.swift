// Engine throughput benchmark: a bert-base-shaped model with seeded random weights, scored on
// fixed-length batches and on a mixed workload whose lengths match Scripts/bench_reference.py.
// Prints one JSON object; Scripts/bench.sh puts it beside PyTorch and ONNX Runtime.
// Not part of the service; `bash Scripts/bench.sh [--quick]` runs it beside the references.
import Foundation
import Inference

/// Workload sizes, the same as Scripts/bench_reference.py's FULL and QUICK tables.
struct Options {
    var quick = false
    var repeats = 3
    var latencyRuns = 10
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var batchSize = 16
    var sizes = ["fixed32": 64, "fixed128": 16, "fixed512": 4, "mixed": 32]
    var seed: UInt64 = 42

    init(_ args: [String]) {
        var it = args.dropFirst().makeIterator()
        while let arg = it.next() {
            switch arg {
            case "--quick":
                quick = true
                latencyRuns = 5
                sizes = ["fixed32": 16, "fixed128": 4, "fixed512": 1, "mixed": 6]
            case "--repeats": repeats = Int(it.next() ?? "") ?? repeats
            case "--threads": threads = Int(it.next() ?? "") ?? threads
            case "--mixed-count": sizes["mixed"] = Int(it.next() ?? "") ?? 32
            case "--seed": seed = UInt64(it.next() ?? "") ?? seed
            default:
                FileHandle.standardError.write(Data("unknown argument \(arg)\n".utf8))
                exit(2)
            }
        }
    }
}

/// The lengths generator shared with Scripts/bench_reference.py (a 64-bit LCG, seed 42).
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

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Median real tokens/s over `repeats` passes of the workload, cut into batches of `batchSize`.
func throughput(_ engine: RewardEngine, _ work: [TokenSequence], batchSize: Int, repeats: Int) throws -> Double {
    let tokens = work.reduce(0) { $0 + $1.ids.count }
    let batches = stride(from: 0, to: work.count, by: batchSize).map {
        Array(work[$0..<min($0 + batchSize, work.count)])
    }
    _ = try engine.scores(batches[0])  // warm-up
    let times = try (0..<repeats).map { _ in try seconds { for b in batches { _ = try engine.scores(b) } } }
    return Double(tokens) / median(times)
}

let options = Options(CommandLine.arguments)
let config = ModelConfig(
    layout: .sequenceClassification, vocabSize: 28996, hiddenSize: 768, layerCount: 12, headCount: 12,
    intermediateSize: 3072)
let engine = try RewardEngine(config: config, weights: InMemoryWeights.random(config: config), threads: options.threads)

var workloads: [String: Any] = [:]
for name in ["fixed32", "fixed128", "fixed512", "mixed"] {
    let work = sequences(lengths: lengths(name, options), vocab: config.vocabSize, seed: 7)
    let rate = try throughput(engine, work, batchSize: options.batchSize, repeats: options.repeats)
    workloads[name] = ["tokens_per_s": rate, "real_tokens": work.reduce(0) { $0 + $1.ids.count }]
}
let single = sequences(lengths: [128], vocab: config.vocabSize, seed: 1)
_ = try engine.scores(single)
let latency = median(try (0..<options.latencyRuns).map { _ in try seconds { _ = try engine.scores(single) } })
let results: [String: Any] = [
    "engine": "swift", "threads": options.threads, "batch": options.batchSize, "quick": options.quick,
    "workloads": workloads, "latency_128": ["median_ms": latency * 1000],
]
let json = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
