// Matrix products. The encoder's linear layers run on weights packed at load (`PackedWeight`) where
// this CPU has a kernel for them; everything else goes through OpenBLAS, with weights in PyTorch's
// `[out, in]` layout used transposed (CblasTrans costs nothing in OpenBLAS's packing).
// OpenBLAS itself runs single-threaded: the engine splits products across its own threads, because
// OpenBLAS's idle pool threads spin for a while after each call and would steal the cores from the
// attention and elementwise work that runs on the engine's threads in between.
import CBLAS
import Checkpoint

enum Matmul {
    /// `out = x · Wᵀ` split across `parallel`'s threads: by panels of a packed weight; for OpenBLAS by
    /// rows for tall products, by output columns for short ones (where every thread packing all of W
    /// would cost more than the product).
    /// Each thread computes whole dot products over the full K, so values do not depend on the split.
    static func times(
        _ x: UnsafePointer<Float>, rows: Int, _ linear: Linear, into out: UnsafeMutablePointer<Float>,
        parallel: Parallel
    ) {
        if let quantized = linear.quantized {
            quantized.times(x, rows: rows, into: out, parallel: parallel)
            return
        }
        if let byteCoded = linear.byteCoded {
            byteCoded.times(x, rows: rows, into: out, parallel: parallel)
            return
        }
        if let packed = linear.packed {
            // Panels split across the threads; every thread reads all of x, which stays in cache.
            parallel.forEachChunk(count: packed.panels) { _, panels in
                packed.times(x, rows: rows, panels: panels, into: out)
            }
            return
        }
        let weight = linear.weight
        let outputs = weight.shape[0]
        let inputs = weight.shape[1]
        let w = weight.values.baseAddress!
        if rows >= 256 {
            parallel.forEachChunk(count: rows, grain: 64) { _, range in
                product(
                    x + range.lowerBound * inputs, range.count, w, outputs, inputs, out + range.lowerBound * outputs,
                    outputs)
            }
        } else {
            // Column blocks of 64 keep every slice a multiple of the kernels' widths.
            parallel.forEachChunk(count: (outputs + 63) / 64) { _, blocks in
                let first = blocks.lowerBound * 64
                let last = min(blocks.upperBound * 64, outputs)
                product(x, rows, w + first * inputs, last - first, inputs, out + first, outputs)
            }
        }
    }

    /// Several products of one input (a layer's query, key and value): at int8 the input is quantised
    /// once for all of them; otherwise each runs on its own, as `times(_:rows:_:into:parallel:)`.
    static func times(
        _ x: UnsafePointer<Float>, rows: Int, _ products: [(Linear, UnsafeMutablePointer<Float>)], parallel: Parallel
    ) {
        let quantized = products.compactMap { linear, out in linear.quantized.map { ($0, out) } }
        if quantized.count == products.count {
            QuantizedWeight.times(x, rows: rows, quantized, parallel: parallel)
            return
        }
        let byteCoded = products.compactMap { linear, out in linear.byteCoded.map { ($0, out) } }
        if byteCoded.count == products.count {
            ByteCodedWeight.times(x, rows: rows, byteCoded, parallel: parallel)
            return
        }
        for (linear, out) in products { times(x, rows: rows, linear, into: out, parallel: parallel) }
    }

    /// One single-threaded sgemm: `c[m, n] = a[m, k] · b[n, k]ᵀ`, `c` with leading dimension `ldc`.
    private static func product(
        _ a: UnsafePointer<Float>, _ m: Int, _ b: UnsafePointer<Float>, _ n: Int, _ k: Int,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, c,
            Int32(ldc))
    }

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

/// OpenBLAS's own thread pool size. The engine keeps it at 1 and threads products itself.
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
