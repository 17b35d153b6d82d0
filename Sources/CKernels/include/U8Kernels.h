// u8 × s7 products against weights quantised once at load: C[m, n] ≈ A[m, k] · Wᵀ for a PyTorch `[n, k]`
// weight W, with W symmetric 7-bit per output channel (|q| ≤ 63) and each row of A quantised on its own
// (per token) to asymmetric uint8 codes with a zero point, so a row's result never depends on the other
// rows. 7-bit weights keep AVX2's vpmaddubsw (u8 × s8 → saturating int16 pair sums) exact:
// 2 · 255 · 63 = 32,130 < 32,767. The integer part is exact on every path (AVX-512 VNNI, AVX2,
// portable): each returns the same int32 sums as the scalar reference `rk_u8_reference_i32`, bit for bit.
// The CPU paths are the int8 ones (rk_q8_isa, rk_q8_supports, rk_q8_best_isa in Int8Kernels.h).
#ifndef U8_KERNELS_H
#define U8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "Int8Kernels.h"

/// Columns per u8 panel. A panel holds, for each group of 4 inputs, RK_U8_COLS columns × 4 bytes (the
/// operand order of vpmaddubsw and vpdpbusd).
#define RK_U8_COLS 16

/// Largest weight code magnitude (7 bits), the bound that keeps vpmaddubsw from saturating.
#define RK_U8_WEIGHT_LIMIT 63

/// Inputs rounded up to a whole group of 4 (the packed and quantised row width).
size_t rk_u8_padded_inputs(size_t k);

/// Quantises w[n, k] (row stride k; n a multiple of RK_U8_COLS), each input column first multiplied by
/// column_factor[kk] (NULL: by 1; the smoothing factors), per output channel: scale[c] = max|w[c, :]| / 63 (1 for an all-zero channel), q = round-half-even(w / scale) clamped to
/// ±63; column_sum[c] = Σ_kk q[c, kk]; writes the panels into `packed` (n · rk_u8_padded_inputs(k)
/// bytes, zero padded): for each group of 4 inputs, 16 columns × 4 bytes.
void rk_u8_pack(const float *w, size_t n, size_t k, const float *column_factor, int8_t *packed, float *scale,
                int32_t *column_sum);

/// Quantises one row per token, asymmetric: y[i] = x[i] · multiplier[i] for i < k (multiplier NULL: 1;
/// the smoothing factors, 0 for channels coded elsewhere). With low = min(0, min y) and high = max(0, max y):
/// an all-zero row (high == low) returns 0 with *zero = 0 and codes 0. Otherwise inv = 255 / (high − low),
/// *zero = round-half-even(−low · inv), q[i] = clamp(round-half-even(y[i] · inv) + *zero, 0, 255), and
/// the scale (high − low) / 255 is returned, so y[i] ≈ (q[i] − *zero) · scale within scale / 2.
/// Codes are zero padded to rk_u8_padded_inputs(k). Every path writes the same codes and returns the
/// same scale and zero (the float operations are listed in u8.c); `isa` picks the vector code (AVX2
/// for either x86 kernel). Inputs must be finite.
float rk_u8_quantize_row(rk_q8_isa isa, const float *x, size_t k, const float *multiplier,
                         uint8_t *q, int32_t *zero);

/// The exact int32 sums acc[i, c] = Σ_kk q[i, kk] · w[c, kk] (raw codes, no zero-point correction) for
/// rows 0..<m and columns of panels first..<last; q with row stride lda bytes (a multiple of 4, at least
/// rk_u8_padded_inputs(k)), acc with leading dimension ldc. Exact for k ≤ 133,674 (255 · 63 · k < 2^31).
void rk_u8_gemm_i32(rk_q8_isa isa, size_t m, size_t k, const uint8_t *q, size_t lda, const int8_t *packed,
                    size_t first, size_t last, int32_t *acc, size_t ldc);

/// The float product out[i, c] = ((float)(acc[i, c] − row_zero[i] · column_sum[c]) · row_scale[i]) · scale[c],
/// or out[i, c] + that value when `accumulate` is nonzero, for the same rows and panels as
/// `rk_u8_gemm_i32`, with the same float operations in the same order on every path.
void rk_u8_gemm(rk_q8_isa isa, size_t m, size_t k, const uint8_t *q, size_t lda, const float *row_scale,
                const int32_t *row_zero, const int8_t *packed, const float *scale, const int32_t *column_sum,
                size_t first, size_t last, float *out, size_t ldc, int accumulate);

/// Scalar reference of the int32 sums against the plain weight codes w[n, k] (row stride k), written
/// for clarity (tests compare every kernel with it).
void rk_u8_reference_i32(size_t m, size_t k, const uint8_t *q, size_t lda, const int8_t *w, size_t n, int32_t *acc,
                         size_t ldc);

#endif
