// Engine throughput benchmark: a bert-base-shaped model with seeded random weights, scored on
// fixed-length batches and on a mixed workload whose lengths match Scripts/bench_reference.py.
// Prints one JSON object; Scripts/bench.sh puts it beside PyTorch and ONNX Runtime.
// Not part of the service; run with `swift run -c release engine-bench [--quick]`.
import Foundation
import Inference

struct Options {
    var quick = false
    var repeats = 3
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var batchSize = 16
    var mixedPairs = 64

    init(_ args: [String]) {
        var it = args.dropFirst().makeIterator()
        while let arg = it.next() {
            switch arg {
            case "--quick": quick = true; repeats = 2; mixedPairs = 32
            case "--repeats": repeats = Int(it.next() ?? "") ?? repeats
            case "--threads": threads = Int(it.next() ?? "") ?? threads
            case "--batch-size": batchSize = Int(it.next() ?? "") ?? batchSize
            case "--mixed-pairs": mixedPairs = Int(it.next() ?? "") ?? mixedPairs
            default: FileHandle.standardError.write("unknown argument \(arg)\n".data(using: .utf8)!); exit(2)
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
    let batches = stride(from: 0, to: work.count, by: batchSize).map { Array(work[$0..<min($0 + batchSize, work.count)]) }
    _ = try engine.scores(batches[0])  // warm-up
    let times = try (0..<repeats).map { _ in try seconds { for b in batches { _ = try engine.scores(b) } } }
    return Double(tokens) / median(times)
}

let options = Options(CommandLine.arguments)
BLASThreads.set(options.threads)
let config = ModelConfig(
    layout: .sequenceClassification, vocabSize: 28996, hiddenSize: 768, layerCount: 12, headCount: 12,
    intermediateSize: 3072)
let engine = try RewardEngine(config: config, weights: InMemoryWeights.random(config: config))

var results: [String: Any] = ["engine": "swift", "threads": options.threads, "batch_size": options.batchSize]
var fixed: [String: Double] = [:]
for length in [32, 128, 512] {
    let count = options.quick ? max(2, 1024 / length) : max(4, 4096 / length)
    let work = sequences(lengths: Array(repeating: length, count: count), vocab: config.vocabSize, seed: UInt64(length))
    fixed["\(length)"] = try throughput(engine, work, batchSize: options.batchSize, repeats: options.repeats)
}
results["fixed_tokens_per_s"] = fixed
let mixed = sequences(lengths: mixedLengths(count: options.mixedPairs), vocab: config.vocabSize, seed: 7)
results["mixed_tokens_per_s"] = try throughput(engine, mixed, batchSize: options.batchSize, repeats: options.repeats)
results["mixed_pairs"] = options.mixedPairs
let single = sequences(lengths: [128], vocab: config.vocabSize, seed: 1)
_ = try engine.scores(single)
results["latency_128_ms"] = median(try (0..<max(5, options.repeats * 3)).map { _ in try seconds { _ = try engine.scores(single) } }) * 1000

let json = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
