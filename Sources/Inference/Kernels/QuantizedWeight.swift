// A linear layer's weight quantised once at load to symmetric int8 with one scale per output channel,
// packed for the CKernels int8 products (Int8Kernels.h). At run time each row of the input is quantised
// on its own (per token), after keeping its few largest-magnitude channels out (they are added in
// float against the same int8 weight), so a row's result never depends on the other rows of the batch.
// Owns the int8 weight and its run-time activation quantisation; the encoder loop knows nothing of it.
import CKernels
import Checkpoint

#if canImport(Glibc)
    import Glibc
#endif

/// How the encoder's linear layers compute: fp32 (exact, the default) or int8 (quantised at load).
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32, int8
}

final class QuantizedWeight: @unchecked Sendable {
    // @unchecked: every buffer is written once in init and only read afterwards.

    /// The int8 kernel this CPU runs: the best one, or the one `REWARD_SERVER_INT8_KERNEL`
    /// (`avx512vnni`, `avx2`, `portable`) names, when this CPU runs it (benchmarks compare the paths).
    static let isa: rk_q8_isa = {
        let forced: rk_q8_isa? =
            switch getenv("REWARD_SERVER_INT8_KERNEL").map({ String(cString: $0) }) {
            case "avx512vnni": RK_Q8_AVX512VNNI
            case "avx2": RK_Q8_AVX2
            case "portable": RK_Q8_PORTABLE
            default: nil
            }
        if let forced, rk_q8_supports(forced) != 0 { return forced }
        return rk_q8_best_isa()
    }()

    /// The kernel's name, for logs and `/info`.
    static var kernelName: String {
        switch isa {
        case RK_Q8_AVX512VNNI: "avx512vnni"
        case RK_Q8_AVX2: "avx2"
        default: "portable"
        }
    }

    let outputs: Int
    let inputs: Int
    /// Bytes per quantised input row (inputs rounded up to a group of 4).
    let rowBytes: Int
    /// Channels of each input row kept in float (see `Quantization.outliers`).
    let outliers: Int
    private let values: UnsafeMutablePointer<Int8>
    private let scales: UnsafeMutablePointer<Float>
    private let columnSums: UnsafeMutablePointer<Int32>

    /// nil when the output width is not a whole number of panels (callers keep fp32 then).
    init?(_ weight: FloatTensor, outliers: Int) {
        guard weight.shape.count == 2 else { return nil }
        outputs = weight.shape[0]
        inputs = weight.shape[1]
        guard outputs > 0, inputs > 0, outputs % Int(RK_Q8_COLS) == 0 else { return nil }
        rowBytes = rk_q8_padded_inputs(inputs)
        self.outliers = min(outliers, Int(RK_Q8_MAX_OUTLIERS), inputs)
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, 64, outputs * rowBytes) == 0, let memory else { return nil }
        values = memory.bindMemory(to: Int8.self, capacity: outputs * rowBytes)
        scales = .allocate(capacity: outputs)
        columnSums = .allocate(capacity: outputs)
        weight.withValues { rk_q8_pack($0.baseAddress!, outputs, inputs, values, scales, columnSums) }
        // The float original is not read again: a mapped checkpoint's pages need not stay resident.
        weight.releaseMappedPages()
    }

    deinit {
        free(values)
        scales.deallocate()
        columnSums.deallocate()
    }

    var panels: Int { outputs / Int(RK_Q8_COLS) }

    /// `out[rows, outputs] ≈ x[rows, inputs] · Wᵀ`: the rows are quantised (split over the threads by
    /// rows), then the panels are split over the threads.
    func times(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, parallel: Parallel) {
        guard rows > 0 else { return }
        let quantized = QuantizedRows(rows: rows, rowBytes: rowBytes, outliers: outliers)
        defer { quantized.release() }
        parallel.forEachChunk(count: rows, grain: 16) { _, range in
            for row in range { quantized.quantize(row, from: x + row * inputs, inputs: inputs) }
        }
        parallel.forEachChunk(count: panels) { _, range in
            rk_q8_gemm(
                Self.isa, rows, inputs, quantized.values, rowBytes, quantized.scales, x, inputs, quantized.channels,
                outliers, values, columnSums, scales, range.lowerBound, range.upperBound, out, outputs)
        }
    }
}

/// One call's input rows in int8: values, per-row scales and each row's float channels.
private struct QuantizedRows {
    let values: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let channels: UnsafeMutablePointer<UInt32>
    let rowBytes: Int
    let outliers: Int

    init(rows: Int, rowBytes: Int, outliers: Int) {
        values = .allocate(capacity: rows * rowBytes)
        scales = .allocate(capacity: rows)
        channels = .allocate(capacity: max(1, rows * outliers))
        self.rowBytes = rowBytes
        self.outliers = outliers
    }

    func quantize(_ row: Int, from x: UnsafePointer<Float>, inputs: Int) {
        let kept = channels + row * outliers
        let max = rk_q8_select_outliers(x, inputs, outliers, kept)
        scales[row] = rk_q8_quantize_row(x, inputs, max, kept, outliers, values + row * rowBytes)
    }

    func release() {
        values.deallocate()
        scales.deallocate()
        channels.deallocate()
    }
}

extension QuantizedWeight {
    /// Channels of each input row kept in float: the largest 1 in 32 (at most 64), where per-token int8
    /// loses the most (BERT's activations carry a few channels far larger than the rest, above all at
    /// the input of each layer's output projection). Chosen by measurement on all-MiniLM-L6-v2 over
    /// docstring pairs (ranking agreement with fp32): none 93.5%, 1 in 64 98.3%, 1 in 32 98.8%,
    /// int8 weights with fp32 activations 99.0%.
    static func outlierChannels(inputs: Int) -> Int { min(Int(RK_Q8_MAX_OUTLIERS), inputs / 32) }
}
