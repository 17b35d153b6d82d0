// A linear layer's weight repacked once at load into the column panels of the CKernels products.
// OpenBLAS repacks a weight on every call, which at a few hundred rows costs a sizeable share of the
// product; packed once, the vector kernels beat it at every batch size. Each output value is one
// fused multiply-add chain over the inputs in order, so scores do not depend on the batch at all.
import CKernels
import Checkpoint

#if canImport(Glibc)
    import Glibc
#endif

final class PackedWeight: @unchecked Sendable {
    // @unchecked: `values` is written once in init and only read afterwards.

    /// The kernel this CPU runs, decided once.
    static let isa = rk_best_isa()

    let outputs: Int
    let inputs: Int
    let values: UnsafeMutablePointer<Float>

    /// nil where no kernel runs (not x86-64 with AVX2 + FMA or AVX-512) or the output width is not a
    /// whole number of panels; callers then use BLAS on the original layout.
    init?(_ weight: FloatTensor) {
        guard Self.isa != RK_ISA_NONE, weight.shape.count == 2 else { return nil }
        outputs = weight.shape[0]
        inputs = weight.shape[1]
        guard outputs > 0, inputs > 0, outputs % Int(RK_PANEL) == 0 else { return nil }
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, 64, outputs * inputs * MemoryLayout<Float>.stride) == 0, let memory else {
            return nil
        }
        values = memory.bindMemory(to: Float.self, capacity: outputs * inputs)
        weight.withValues { rk_pack($0.baseAddress!, outputs, inputs, values) }
        // The original is not read again: a mapped checkpoint's pages need not stay resident.
        weight.releaseMappedPages()
    }

    deinit { free(values) }

    var panels: Int { outputs / Int(RK_PANEL) }

    /// `out[rows, outputs] = x[rows, inputs] · Wᵀ` for the panels in `range`.
    func times(
        _ x: UnsafePointer<Float>, rows: Int, panels range: Range<Int>, into out: UnsafeMutablePointer<Float>
    ) {
        rk_gemm(Self.isa, rows, inputs, x, inputs, values, range.lowerBound, range.upperBound, out, outputs)
    }
}
