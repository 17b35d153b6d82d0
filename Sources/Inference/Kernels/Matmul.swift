// Matrix products through OpenBLAS. Weights stay in PyTorch's `[out, in]` layout and are used
// transposed (CblasTrans costs nothing in OpenBLAS's packing), so a mapped checkpoint is used as is.
import CBLAS

enum Matmul {
    /// `out[rows, W.outputs] = x[rows, W.inputs] · Wᵀ` (no bias; callers fuse it into the next pass).
    static func times(
        _ x: UnsafePointer<Float>, rows: Int, _ weight: FloatTensor, into out: UnsafeMutablePointer<Float>
    ) {
        let outputs = Int32(weight.shape[0])
        let inputs = Int32(weight.shape[1])
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), outputs, inputs,
            1, x, inputs, weight.values.baseAddress, inputs, 0, out, outputs)
    }

    /// `out[m, n] = alpha · a[m, k] · b[n, k]ᵀ` with leading dimensions, for per-head attention scores.
    static func timesTransposed(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        m: Int, n: Int, k: Int, alpha: Float, into out: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), 0, out, Int32(ldc))
    }

    /// `out[m, n] = a[m, k] · b[k, n]` with leading dimensions, for attention-weighted values.
    static func times(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        m: Int, n: Int, k: Int, into out: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(lda), b, Int32(ldb), 0, out, Int32(ldc))
    }
}

/// OpenBLAS's own thread pool size; the engine sets it once from its thread budget.
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
