// Command-line options of engine-bench. Workload sizes are the same as Scripts/bench_reference.py's
// FULL and QUICK tables, so both sides time the same sequences.
import Foundation

struct Options {
    var quick = false
    var repeats = 3
    var latencyRuns = 10
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var batchSize = 16
    var sizes = ["fixed32": 64, "fixed128": 16, "fixed512": 4, "mixed": 32]
    var seed: UInt64 = 42
    /// Timed runs per row count when measuring the sgemm ceiling (median).
    var sgemmRepeats = 5
    /// A model directory (config.json + weights) to time instead of the random bert-base-shaped model.
    var modelDirectory: String? = nil
    /// The workloads to time, comma-separated on the command line.
    var workloads = ["fixed32", "fixed128", "fixed512", "mixed"]
    /// `--precision int8`: the engine quantised at load (REWARD_SERVER_INT8_KERNEL forces a kernel).
    var int8 = false
    /// `--sqnr`: also print each encoder product's int8 SQNR against fp32 (dB) on the mixed workload.
    var sqnr = false
    /// `--sqnr-model DIR`: measure the SQNR on this checkpoint instead of the random bert-base.
    var sqnrModel: String?

    init(_ args: [String]) {
        var it = args.dropFirst().makeIterator()
        while let arg = it.next() {
            switch arg {
            case "--quick":
                quick = true
                latencyRuns = 5
                sgemmRepeats = 3
                sizes = ["fixed32": 16, "fixed128": 4, "fixed512": 1, "mixed": 6]
            case "--repeats": repeats = Int(it.next() ?? "") ?? repeats
            case "--latency-runs": latencyRuns = Int(it.next() ?? "") ?? latencyRuns
            case "--threads": threads = Int(it.next() ?? "") ?? threads
            case "--mixed-count": sizes["mixed"] = Int(it.next() ?? "") ?? 32
            case "--seed": seed = UInt64(it.next() ?? "") ?? seed
            case "--sgemm-repeats": sgemmRepeats = Int(it.next() ?? "") ?? sgemmRepeats
            case "--model": modelDirectory = it.next()
            case "--workloads": workloads = (it.next() ?? "").split(separator: ",").map(String.init)
            case "--precision": int8 = it.next() == "int8"
            case "--sqnr": sqnr = true
            case "--sqnr-model":
                sqnr = true
                sqnrModel = it.next()
            default:
                FileHandle.standardError.write(Data("unknown argument \(arg)\n".utf8))
                exit(2)
            }
        }
    }
}
