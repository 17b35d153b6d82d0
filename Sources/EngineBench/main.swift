// Engine throughput benchmark: a bert-base-shaped model with seeded random weights, scored on
// fixed-length batches and on a mixed workload whose lengths match Scripts/bench_reference.py,
// plus each workload's efficiency against OpenBLAS sgemm on the same shapes (SgemmCeiling.swift).
// Prints one JSON object; `bash Scripts/bench.sh [--quick]` puts it beside PyTorch and ONNX Runtime.
import CBLAS
import Checkpoint
import Foundation
import Inference

/// Median wall time of `repeats` passes over the batches, after one warm-up batch.
func medianSeconds(_ engine: RewardEngine, _ batches: [[TokenSequence]], repeats: Int) throws -> Double {
    _ = try engine.scores(batches[0])
    return median(try (0..<repeats).map { _ in try seconds { for b in batches { _ = try engine.scores(b) } } })
}

/// The 1-minute load average: above the thread count, other processes competed for the cores.
func loadAverage() -> Double {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) > 0 ? loads[0] : -1
}

let options = Options(CommandLine.arguments)
let loadAtStart = loadAverage()
let bertBase = ModelConfig(
    layout: .sequenceClassification, vocabSize: 28996, hiddenSize: 768, layerCount: 12, headCount: 12,
    intermediateSize: 3072)
// `--model DIR` times any supported checkpoint (Scripts/bench_architectures.py passes RoBERTa and DeBERTa ones).
let precision: Precision = options.int8 ? .int8 : .fp32
/// int8 calibration input: random token ids (the benchmark has no tokenizer; only speed is measured).
func calibration(vocab: Int) -> [TokenSequence] {
    precision == .int8 ? sequences(lengths: [24, 40, 64, 96], vocab: vocab, seed: 3) : []
}
let engine =
    try options.modelDirectory.map {
        let directory = URL(fileURLWithPath: $0)
        return try RewardEngine(
            directory: directory, threads: options.threads, precision: precision,
            calibration: calibration(vocab: ModelConfig.load(directory: directory).vocabSize))
    }
    ?? RewardEngine(
        config: bertBase, weights: InMemoryWeights.random(config: bertBase), threads: options.threads,
        precision: precision, calibration: calibration(vocab: bertBase.vocabSize))
let config = engine.config

let ceiling = SgemmCeiling(config: config, threads: options.threads, repeats: options.sgemmRepeats)
var sgemmByRows: [Int: SgemmCeiling.Measurement] = [:]

/// Times the batches through the engine, then sgemm on the same row counts right away, so both see the
/// same machine load; then lets OpenBLAS's pool threads go idle before the engine runs again.
@MainActor func efficiency(_ batches: [[TokenSequence]], seconds: () throws -> Double) rethrows -> Efficiency {
    let elapsed = try seconds()
    let lengths = batches.map { $0.map(\.ids.count) }
    let measured = ceiling.measure(rows: Set(lengths.map { $0.reduce(0, +) }))
    sgemmByRows.merge(measured) { $1 }
    usleep(300_000)
    return Efficiency(batchLengths: lengths, seconds: elapsed, engine: engine, ceiling: measured)
}

var workloads: [String: Any] = [:]
for name in options.workloads {
    let work = batches(
        sequences(lengths: lengths(name, options), vocab: config.vocabSize, seed: 7), size: options.batchSize)
    let result = try efficiency(work) { try medianSeconds(engine, work, repeats: options.repeats) }
    workloads[name] = result.json.merging([
        "tokens_per_s": Double(result.tokens) / result.seconds, "real_tokens": result.tokens,
        "batch_rows": work.map { $0.reduce(0) { $0 + $1.ids.count } },
    ]) { $1 }
}
let single = [sequences(lengths: [128], vocab: config.vocabSize, seed: 1)]
let latency = try efficiency(single) {
    _ = try engine.scores(single[0])
    return median(try (0..<options.latencyRuns).map { _ in try seconds { _ = try engine.scores(single[0]) } })
}
/// Per-product int8 SQNR on the first mixed batch's lengths (random token ids), on `--sqnr-model`'s checkpoint
/// or the random bert-base.
func productSQNR() throws -> [[String: Any]] {
    guard options.sqnr else { return [] }
    var sqnrConfig = config
    var store: any WeightStore = InMemoryWeights.random(config: config)
    if let path = options.sqnrModel {
        let directory = URL(fileURLWithPath: path)
        sqnrConfig = try ModelConfig.load(directory: directory)
        store = try WeightFiles.open(directory: directory)
    }
    let lengths = lengths("mixed", options).map { min($0, sqnrConfig.maxPositions) }
    let batch = batches(sequences(lengths: lengths, vocab: sqnrConfig.vocabSize, seed: 7), size: 16)[0]
    return try QuantizationDiagnostics.productSQNR(
        config: sqnrConfig, weights: store, batch: batch, threads: options.threads
    ).map { ["layer": $0.layer, "product": $0.product, "sqnr_db": $0.decibels] }
}
let sqnr = try productSQNR()
let results: [String: Any] = [
    "engine": "swift", "model": options.modelDirectory ?? "bert-base random", "family": config.family.rawValue,
    "precision": engine.precision.rawValue, "int8_kernel": engine.int8Kernel ?? "none",
    "sqnr": sqnr, "threads": options.threads, "loadavg_start": loadAtStart, "loadavg_end": loadAverage(),
    "batch": options.batchSize, "quick": options.quick,
    "workloads": workloads,
    "latency_128": latency.json.merging(["median_ms": latency.seconds * 1000]) { $1 },
    "sgemm": [
        "openblas_threads": options.threads, "openblas_core": String(cString: openblas_get_corename()),
        "repeats": options.sgemmRepeats,
        "layer_by_rows": Dictionary(
            uniqueKeysWithValues: sgemmByRows.map { rows, m in
                ("\(rows)", ["seconds": m.seconds, "gflops_per_s": m.gflopsPerSecond])
            }),
    ],
]
let json = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
