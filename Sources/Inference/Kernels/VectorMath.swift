// exp and erf on eight floats at once, for softmax and GELU, where the scalar libm calls took a
// large share of the forward pass (erff alone ~12 ns a call). Written with bit tricks and
// `replacing(with:where:)` (a compare and a blend) instead of SIMD `rounded`, `pointwiseMin` and
// `pointwiseMax`, which Swift leaves as out-of-line per-lane calls.

typealias Float8 = SIMD8<Float>
typealias Double8 = SIMD8<Double>

enum VectorMath {
    /// e^x, relative error < 1e-7: x = n·ln2 + r, then Cephes' degree-6 polynomial for e^r.
    /// Inputs are clamped to [−87.3, 88.7] (softmax only feeds x ≤ 0; e^−87.3 ≈ 1e−38).
    @inline(__always)
    static func exp(_ x: Float8) -> Float8 {
        let c = x.clamped(below: 88.7, above: -87.3)
        // Adding 1.5·2^23 rounds x·log2(e) to an integer held in the low mantissa bits.
        let magic = Float8(repeating: 12_582_912)
        let shifted = c * 1.442_695_04 + magic
        let n = shifted - magic
        // ln2 split in two so that n·ln2 is subtracted exactly enough.
        var r = c - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Float8(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_66
        p = p * r + 0.5
        p = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return p * unsafeBitCast((integer &+ 127) &<< 23, to: Float8.self)
    }

    /// erf(x) by Abramowitz & Stegun 7.1.26, absolute error < 5e-7 in fp32 — for GELU's
    /// 0.5·x·(1 + erf(x/√2)) that is a few ulps.
    @inline(__always)
    static func erf(_ x: Float8) -> Float8 {
        let a = x.magnitude
        let t = 1 / (1 + 0.327_591_1 * a)
        var p = Float8(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let magnitude = 1 - p * t * exp(-(a * a))
        // erf is odd: copy x's sign bit onto the result.
        let sign = unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x8000_0000
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | sign, to: Float8.self)
    }
}

extension Float8 {
    /// Lane-wise min(max(self, low), high) as two compare-and-blends. NaN lanes stay NaN.
    @inline(__always)
    func clamped(below high: Float, above low: Float) -> Float8 {
        let high = Float8(repeating: high)
        let low = Float8(repeating: low)
        let capped = replacing(with: high, where: self .> high)
        return capped.replacing(with: low, where: capped .< low)
    }

    /// Lane-wise max, as a compare and a blend.
    @inline(__always)
    func maximum(_ other: Float8) -> Float8 { replacing(with: other, where: self .< other) }

    /// |x| lane-wise, by clearing the sign bits.
    @inline(__always)
    var magnitude: Float8 {
        unsafeBitCast(unsafeBitCast(self, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Float8 {
        UnsafeRawPointer(pointer).loadUnaligned(as: Float8.self)
    }

    @inline(__always)
    func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Float8.self)
    }
}
