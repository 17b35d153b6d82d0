// A linear layer's weight quantised once at load to symmetric int8 with one scale per output channel,
// packed for the CKernels int16-code products (Int8Kernels.h). At run time each row of the input is
// quantised on its own (per token) to int16 codes, as wide as the product allows without overflowing its
// int32 sums (about 14 bits at BERT's hidden width, 12 at its intermediate width), so a row's result never
// depends on the other rows of the batch and no input channel needs special treatment. At int8 the
// feed-forward's second product runs this way (its GELU inputs lose too much as bytes), the others on
// byte codes (`ByteCodedWeight`), whose outlier channels also use these kernels.
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
    /// Codes per quantised input row (inputs rounded up to a pair).
    let rowWidth: Int
    private let values: UnsafeMutablePointer<Int8>
    private let scales: UnsafeMutablePointer<Float>

    /// nil when the output width is not a whole number of panels (callers keep fp32 then).
    init?(_ weight: FloatTensor) {
        guard weight.shape.count == 2 else { return nil }
        outputs = weight.shape[0]
        inputs = weight.shape[1]
        guard outputs > 0, inputs > 0, outputs % Int(RK_Q8_COLS) == 0 else { return nil }
        rowWidth = rk_q8_padded_inputs(inputs)
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, 64, outputs * rowWidth) == 0, let memory else { return nil }
        values = memory.bindMemory(to: Int8.self, capacity: outputs * rowWidth)
        scales = .allocate(capacity: outputs)
        weight.withValues { rk_q8_pack($0.baseAddress!, outputs, inputs, values, scales) }
        // The float original is not read again: a mapped checkpoint's pages need not stay resident.
        weight.releaseMappedPages()
    }

    deinit {
        free(values)
        scales.deallocate()
    }

    var panels: Int { outputs / Int(RK_Q8_COLS) }

    /// `out[rows, outputs] ≈ x[rows, inputs] · Wᵀ`.
    func times(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, parallel: Parallel) {
        Self.times(x, rows: rows, [(self, out)], parallel: parallel)
    }

    /// Several products of the same input (a layer's query, key and value): the rows are quantised
    /// once (split over the threads by rows), then all the products' panels are split over the threads
    /// in one pass.
    static func times(
        _ x: UnsafePointer<Float>, rows: Int, _ products: [(QuantizedWeight, UnsafeMutablePointer<Float>)],
        parallel: Parallel
    ) {
        guard rows > 0, let inputs = products.first?.0.inputs else { return }
        precondition(products.allSatisfy { $0.0.inputs == inputs }, "products of one input share its width")
        CodeScratch.with({ QuantizedRows(rows: rows, inputs: inputs, scratch: &$0) }) { quantized in
            parallel.forEachChunk(count: rows, grain: 16) { _, range in
                for row in range { quantized.quantize(row, from: x + row * inputs) }
            }
            parallel.forEachPanelRange(panels: products.map(\.0.panels)) { index, panels in
                let (weight, out) = products[index]
                rk_q8_gemm(
                    isa, rows, inputs, quantized.values, quantized.rowWidth, quantized.scales, weight.values,
                    weight.scales, panels.lowerBound, panels.upperBound, out, weight.outputs)
            }
        }
    }
}

/// One call's input rows as int16 codes with their per-row scales.
private struct QuantizedRows {
    let values: UnsafeMutablePointer<Int16>
    let scales: UnsafeMutablePointer<Float>
    let inputs: Int
    let rowWidth: Int

    /// Takes its buffers from `scratch` (see `CodeScratch`).
    init(rows: Int, inputs: Int, scratch: inout ScratchCarver) {
        self.inputs = inputs
        rowWidth = rk_q8_padded_inputs(inputs)
        values = scratch.take(rows * rowWidth, of: Int16.self)
        scales = scratch.take(rows, of: Float.self)
    }

    func quantize(_ row: Int, from x: UnsafePointer<Float>) {
        scales[row] = rk_q8_quantize_row(QuantizedWeight.isa, x, inputs, values + row * rowWidth)
    }
}
