// int8-weight products against weights quantised once at load: C[m, n] ≈ A[m, k] · Wᵀ for a PyTorch
// `[n, k]` weight W, with W symmetric int8 per output channel and each row of A quantised on its own
// (per token) to int16 codes, so a row's result never depends on the other rows. The integer part of
// every product is exact: every kernel (AVX-512 VNNI, AVX2, portable) returns the same int32 sums as
// the scalar reference `rk_q8_reference_i32`, bit for bit.
#ifndef INT8_KERNELS_H
#define INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Columns per int8 panel. A panel holds, for each pair of inputs, RK_Q8_COLS columns × 2 bytes
/// (the operand order of vpmaddwd and vpdpwssd once widened to int16).
#define RK_Q8_COLS 16

typedef enum { RK_Q8_PORTABLE = 0, RK_Q8_AVX2 = 1, RK_Q8_AVX512VNNI = 2 } rk_q8_isa;

/// The best int8 kernel this CPU runs.
rk_q8_isa rk_q8_best_isa(void);
/// Whether this CPU can run `isa` (tests run every path it can).
int rk_q8_supports(rk_q8_isa isa);

/// Inputs rounded up to a whole pair (the packed and quantised row width).
size_t rk_q8_padded_inputs(size_t k);

/// Quantises w[n, k] (n a multiple of RK_Q8_COLS) per output channel: scale[c] = max|w[c, :]| / 127
/// (1 for an all-zero channel), q = round-half-even(w / scale) clamped to ±127; writes the panels
/// into `packed` (n · rk_q8_padded_inputs(k) bytes, zero padded) and the scales.
void rk_q8_pack(const float *w, size_t n, size_t k, int8_t *packed, float *scale);

/// Largest activation code the kernels take.
#define RK_Q8_MAX_ACTIVATION 32767

/// The largest activation magnitude a product over k inputs may use so that no int32 sum can
/// overflow: min(RK_Q8_MAX_ACTIVATION, ⌊(2^31 − 1) / (127 · padded k)⌋), e.g. 22,017 for k = 768 and
/// 5,504 for k = 3,072.
int32_t rk_q8_activation_limit(size_t k);

/// Quantises one row x[k] per token: with L = rk_q8_activation_limit(k) and max = max|x|, returns the
/// scale s = max / L (0 for an all-zero row) and writes q[i] = round-half-even(x[i] · (L / max))
/// clamped to ±L, zero padded to rk_q8_padded_inputs(k). Every path writes the same codes; `isa` picks
/// the vector code (AVX2 for either x86 kernel).
float rk_q8_quantize_row(rk_q8_isa isa, const float *x, size_t k, int16_t *q);

/// The exact int32 sums acc[i, c] = Σ_kk q[i, kk] · w[c, kk] for rows 0..<m and columns of panels
/// first..<last, q with row stride lda elements (even, codes within rk_q8_activation_limit(k)), acc
/// with leading dimension ldc.
void rk_q8_gemm_i32(rk_q8_isa isa, size_t m, size_t k, const int16_t *q, size_t lda, const int8_t *packed,
                    size_t first, size_t last, int32_t *acc, size_t ldc);

/// The float product out[i, c] = (acc[i, c] · row_scale[i]) · scale[c], computed the same way on every
/// path, for the same rows and panels as `rk_q8_gemm_i32`.
void rk_q8_gemm(rk_q8_isa isa, size_t m, size_t k, const int16_t *q, size_t lda, const float *row_scale,
                const int8_t *packed, const float *scale, size_t first, size_t last, float *out, size_t ldc);

/// Scalar reference of the int32 sums, written for clarity (tests compare every kernel with it).
void rk_q8_reference_i32(size_t m, size_t k, const int16_t *q, size_t lda, const int8_t *w, size_t n, int32_t *acc,
                         size_t ldc);

#endif
