// int8 products against weights quantised once at load: C[m, n] ≈ A[m, k] · Wᵀ for a PyTorch `[n, k]`
// weight W, with W symmetric int8 per output channel and each row of A quantised to int8 on its own
// (per token), so a row's result never depends on the other rows. The integer part of every product
// is exact: every kernel (AVX-512 VNNI, AVX2, portable) returns the same int32 sums as the scalar
// reference `rk_q8_reference_i32`, bit for bit.
#ifndef INT8_KERNELS_H
#define INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Columns per int8 panel. A panel holds, for each group of 4 inputs, RK_Q8_COLS columns × 4 bytes
/// (the operand order of vpdpbusd and vpmaddubsw + vpmaddwd).
#define RK_Q8_COLS 16

typedef enum { RK_Q8_PORTABLE = 0, RK_Q8_AVX2 = 1, RK_Q8_AVX512VNNI = 2 } rk_q8_isa;

/// The best int8 kernel this CPU runs.
rk_q8_isa rk_q8_best_isa(void);
/// Whether this CPU can run `isa` (tests run every path it can).
int rk_q8_supports(rk_q8_isa isa);

/// Inputs rounded up to a whole group of 4 (the packed and quantised row width).
size_t rk_q8_padded_inputs(size_t k);

/// Quantises w[n, k] (n a multiple of RK_Q8_COLS) per output channel: scale[c] = max|w[c, :]| / 127
/// (1 for an all-zero channel), q = round-half-even(w / scale) clamped to ±127; writes the panels
/// into `packed` (n · rk_q8_padded_inputs(k) bytes, zero padded), the scales, and column_sums[c] =
/// Σ q[c, :] (the VNNI kernel's correction for its +128 shift of the activations).
void rk_q8_pack(const float *w, size_t n, size_t k, int8_t *packed, float *scale, int32_t *column_sums);

/// Most outlier channels a row may keep out of its quantisation.
#define RK_Q8_MAX_OUTLIERS 64

/// Picks a row's `count` (≤ RK_Q8_MAX_OUTLIERS, ≤ k) largest-magnitude channels into `channels`, in
/// index order (among equal magnitudes the lower indices), and returns the largest magnitude among the
/// others: the maximum the rest of the row is quantised with. count 0 returns max|x|. Linear in k.
float rk_q8_select_outliers(const float *x, size_t k, size_t count, uint32_t *channels);

/// Quantises one row x[k] per token with `max` (from rk_q8_select_outliers): returns the scale
/// s = max / 127 (0 when max is 0) and writes q[i] = round-half-even(x[i] · (127 / max)) clamped to ±127
/// (never −128), zero padded to rk_q8_padded_inputs(k). The `skips` channels in `skip` are written as
/// zero: the caller adds them in float (see `rk_q8_add_inputs`).
float rk_q8_quantize_row(const float *x, size_t k, float max, const uint32_t *skip, size_t skips, int8_t *q);

/// The exact int32 sums acc[i, c] = Σ_kk q[i, kk] · w[c, kk] for rows 0..<m and columns of panels
/// first..<last, q with row stride lda bytes (a multiple of 4), acc with leading dimension ldc.
void rk_q8_gemm_i32(rk_q8_isa isa, size_t m, size_t k, const int8_t *q, size_t lda, const int8_t *packed,
                    const int32_t *column_sums, size_t first, size_t last, int32_t *acc, size_t ldc);

/// The float product out[i, c] = (acc[i, c] · row_scale[i]) · scale[c], computed the same way on every
/// path, for the same rows and panels as `rk_q8_gemm_i32`; then, when `outliers` > 0, each row's
/// `outliers` float channels (channels[i · outliers ...], values from x with row stride ldx) added as
/// `rk_q8_add_inputs` does, panel by panel while the panel is in cache.
void rk_q8_gemm(rk_q8_isa isa, size_t m, size_t k, const int8_t *q, size_t lda, const float *row_scale,
                const float *x, size_t ldx, const uint32_t *channels, size_t outliers, const int8_t *packed,
                const int32_t *column_sums, const float *scale, size_t first, size_t last, float *out, size_t ldc);

/// out[c] += scale[c] · Σ_j x[j] · w[c, j] over the listed input channels j, for the columns of panels
/// first..<last: the float part of a row whose outlier channels were kept out of its quantisation.
/// Multiplies and adds in the same order on every path (no fused multiply-add): identical results.
void rk_q8_add_inputs(rk_q8_isa isa, size_t k, const float *x, const uint32_t *channels, size_t count,
                      const int8_t *packed, const float *scale, size_t first, size_t last, float *out);

/// Scalar reference of the int32 sums, written for clarity (tests compare every kernel with it).
void rk_q8_reference_i32(size_t m, size_t k, const int8_t *q, size_t lda, const int8_t *w, size_t n, int32_t *acc,
                         size_t ldc);

#endif
