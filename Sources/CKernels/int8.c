// int8-weight products (see Int8Kernels.h). Every kernel keeps a block of int32 sums in registers and
// walks the inputs in pairs; the integer sums are exact, so the paths differ only in speed.
//   Weights are int8 in memory (half the bytes of int16, a quarter of fp32) and widened to int16 in
//   registers (vpmovsxbw) once per pair of inputs, then reused by every row of the block.
//   Activations are int16, bounded by rk_q8_activation_limit(k) so that no int32 sum can overflow:
//   |Σ a·w| ≤ limit · 127 · k ≤ 2^31 − 1. That leaves 12 to 15 bits per activation at BERT's widths,
//   enough that no input channel needs to be kept out of the quantisation.
//   AVX2: vpmaddwd multiplies 16 int16 pairs and adds each pair exactly into int32 (no saturation:
//     |a0·w0 + a1·w1| ≤ 2 · 32,767 · 127), then vpaddd accumulates.
//   AVX-512 VNNI: vpdpwssd does both in one instruction (the non-saturating form).
//   Portable: plain C over the same panels.
#include "Int8Kernels.h"
#include "rounding.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Float sums are written as separate multiplies and adds; no path may fuse them.
#pragma clang fp contract(off)

/// Bytes of activation rows (int16) kept in cache while the panels of the caller's range pass over them.
#define Q8_ROW_BLOCK_BYTES (192 * 1024)

rk_q8_isa rk_q8_best_isa(void) {
    if (rk_q8_supports(RK_Q8_AVX512VNNI)) return RK_Q8_AVX512VNNI;
    if (rk_q8_supports(RK_Q8_AVX2)) return RK_Q8_AVX2;
    return RK_Q8_PORTABLE;
}

int rk_q8_supports(rk_q8_isa isa) {
    switch (isa) {
    case RK_Q8_PORTABLE: return 1;
#if defined(__x86_64__)
    case RK_Q8_AVX2: __builtin_cpu_init(); return __builtin_cpu_supports("avx2");
    case RK_Q8_AVX512VNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vnni");
#endif
    default: return 0;
    }
}

size_t rk_q8_padded_inputs(size_t k) { return (k + 1) / 2 * 2; }

int32_t rk_q8_activation_limit(size_t k) {
    size_t kp = rk_q8_padded_inputs(k);
    if (kp == 0) return RK_Q8_MAX_ACTIVATION;
    size_t limit = (size_t)INT32_MAX / (127 * kp);
    return limit < RK_Q8_MAX_ACTIVATION ? (int32_t)limit : RK_Q8_MAX_ACTIVATION;
}

// Each row is coded into contiguous scratch first (a loop the compiler vectorises), then copied into its
// panel a pair of codes at a time. A NaN weight codes as 0.
void rk_q8_pack(const float *w, size_t n, size_t k, int8_t *packed, float *scale) {
    size_t kp = rk_q8_padded_inputs(k);
    int8_t *codes = calloc(kp > 0 ? kp : 2, 1);
    if (!codes) abort();
    for (size_t c = 0; c < n; c++) {
        const float *row = w + c * k;
        float max = abs_max(row, k);
        float inverse = max > 0 ? 127.f / max : 0;
        scale[c] = max > 0 ? max / 127.f : 1;
        for (size_t kk = 0; kk < k; kk++) {
            float r = round_even(row[kk] * inverse);
            r = r > 127.f ? 127.f : r;
            r = r < -127.f ? -127.f : r;
            codes[kk] = (int8_t)(r == r ? r : 0);
        }
        int8_t *panel = packed + (c / RK_Q8_COLS) * kp * RK_Q8_COLS + (c % RK_Q8_COLS) * 2;
        for (size_t pair = 0; pair < kp / 2; pair++) memcpy(panel + pair * RK_Q8_COLS * 2, codes + pair * 2, 2);
    }
    free(codes);
}

static float quantize_row_portable(const float *x, size_t k, int16_t *q) {
    size_t kp = rk_q8_padded_inputs(k);
    float max = 0;
    for (size_t i = 0; i < k; i++) max = fmaxf(max, fabsf(x[i]));
    if (!(max > 0)) {
        memset(q, 0, kp * sizeof(int16_t));
        return 0;
    }
    float limit = (float)rk_q8_activation_limit(k);
    float inverse = limit / max;
    for (size_t i = 0; i < k; i++) {
        float r = round_even(x[i] * inverse);
        if (r > limit) r = limit;
        if (r < -limit) r = -limit;
        q[i] = (int16_t)r;
    }
    for (size_t i = k; i < kp; i++) q[i] = 0;
    return max / limit;
}

#if defined(__x86_64__)
// The same values as the portable path: vcvtps2dq rounds half to even in the default rounding mode,
// and the clamp is the same.
__attribute__((target("avx2"))) static float quantize_row_avx2(const float *x, size_t k, int16_t *q) {
    size_t kp = rk_q8_padded_inputs(k);
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m8 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) m8 = _mm256_max_ps(m8, _mm256_and_ps(_mm256_loadu_ps(x + i), magnitude));
    float lanes[8];
    _mm256_storeu_ps(lanes, m8);
    float max = 0;
    for (int l = 0; l < 8; l++) max = fmaxf(max, lanes[l]);
    for (; i < k; i++) max = fmaxf(max, fabsf(x[i]));
    if (!(max > 0)) {
        memset(q, 0, kp * sizeof(int16_t));
        return 0;
    }
    float limit = (float)rk_q8_activation_limit(k);
    float inverse = limit / max;
    const __m256 scale = _mm256_set1_ps(inverse), high = _mm256_set1_ps(limit), low = _mm256_set1_ps(-limit);
    i = 0;
    for (; i + 16 <= k; i += 16) {
        __m256 a = _mm256_mul_ps(_mm256_loadu_ps(x + i), scale);
        __m256 b = _mm256_mul_ps(_mm256_loadu_ps(x + i + 8), scale);
        a = _mm256_max_ps(_mm256_min_ps(_mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), high), low);
        b = _mm256_max_ps(_mm256_min_ps(_mm256_round_ps(b, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), high), low);
        // packs works within 128-bit lanes; the permute puts the 16 values back in order.
        __m256i packed = _mm256_packs_epi32(_mm256_cvtps_epi32(a), _mm256_cvtps_epi32(b));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permute4x64_epi64(packed, 0xd8));
    }
    for (; i < k; i++) {
        float r = round_even(x[i] * inverse);
        if (r > limit) r = limit;
        if (r < -limit) r = -limit;
        q[i] = (int16_t)r;
    }
    for (i = k; i < kp; i++) q[i] = 0;
    return max / limit;
}
#endif

float rk_q8_quantize_row(rk_q8_isa isa, const float *x, size_t k, int16_t *q) {
#if defined(__x86_64__)
    if (isa != RK_Q8_PORTABLE) return quantize_row_avx2(x, k, q);
#endif
    (void)isa;
    return quantize_row_portable(x, k, q);
}

void rk_q8_reference_i32(size_t m, size_t k, const int16_t *q, size_t lda, const int8_t *w, size_t n, int32_t *acc,
                         size_t ldc) {
    for (size_t i = 0; i < m; i++)
        for (size_t c = 0; c < n; c++) {
            int32_t sum = 0;
            for (size_t kk = 0; kk < k; kk++) sum += (int32_t)q[i * lda + kk] * (int32_t)w[c * k + kk];
            acc[i * ldc + c] = sum;
        }
}

// A block's sums are either stored as int32 (tests) or turned into floats the same way on every path.
typedef struct {
    int32_t *acc;          // int32 output, or NULL
    float *out;            // float output when acc is NULL
    const float *row_scale;
    const float *scale;    // the panel's column scales
    size_t ldc;
} q8_sink;

static inline void sink_scalar(const q8_sink *s, size_t i, size_t c, int32_t v) {
    if (s->acc) s->acc[i * s->ldc + c] = v;
    else s->out[i * s->ldc + c] = ((float)v * s->row_scale[i]) * s->scale[c];
}

static void block_portable(size_t rows, size_t pairs, const int16_t *q, size_t lda, const int8_t *panel,
                           const q8_sink *s) {
    for (size_t i = 0; i < rows; i++) {
        int32_t sums[RK_Q8_COLS] = {0};
        const int16_t *a = q + i * lda;
        for (size_t g = 0; g < pairs; g++) {
            const int8_t *wg = panel + g * RK_Q8_COLS * 2;
            for (size_t c = 0; c < RK_Q8_COLS; c++)
                for (size_t b = 0; b < 2; b++) sums[c] += (int32_t)a[g * 2 + b] * (int32_t)wg[c * 2 + b];
        }
        for (size_t c = 0; c < RK_Q8_COLS; c++) sink_scalar(s, i, c, sums[c]);
    }
}

/// Moves a sink to row r of its block.
static inline q8_sink sink_at(const q8_sink *s, size_t r) {
    q8_sink at = *s;
    if (at.acc) at.acc += r * at.ldc;
    else {
        at.out += r * at.ldc;
        at.row_scale += r;
    }
    return at;
}

#if defined(__x86_64__)

// AVX2: up to 6 rows × 16 columns, two registers of 8 int32 sums per row (12 sums, 2 weight
// registers and the broadcast pair: 15 of the 16 registers).
#define AVX2_Q8_ROWS 6

__attribute__((target("avx2"), always_inline)) static inline void
sink_avx2(const q8_sink *s, size_t i, size_t c, __m256i v) {
    if (s->acc) {
        _mm256_storeu_si256((__m256i *)(s->acc + i * s->ldc + c), v);
    } else {
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), _mm256_set1_ps(s->row_scale[i]));
        _mm256_storeu_ps(s->out + i * s->ldc + c, _mm256_mul_ps(f, _mm256_loadu_ps(s->scale + c)));
    }
}

__attribute__((target("avx2"), always_inline)) static inline void
rows_avx2(const size_t rows, size_t pairs, const int16_t *q, size_t lda, const int8_t *panel, const q8_sink *s) {
    __m256i lo[AVX2_Q8_ROWS], hi[AVX2_Q8_ROWS];
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) lo[i] = hi[i] = _mm256_setzero_si256();
    for (size_t g = 0; g < pairs; g++) {
        // Columns 0..7 and 8..15, each as (input 2g, input 2g + 1) int16 pairs.
        __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(panel + g * RK_Q8_COLS * 2)));
        __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(panel + g * RK_Q8_COLS * 2 + 16)));
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            int32_t two;
            memcpy(&two, q + i * lda + g * 2, 4);
            __m256i a = _mm256_set1_epi32(two);
            lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(a, w0));
            hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(a, w1));
        }
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        sink_avx2(s, i, 0, lo[i]);
        sink_avx2(s, i, 8, hi[i]);
    }
}

__attribute__((target("avx2"))) static void block_avx2(size_t rows, size_t pairs, const int16_t *q, size_t lda,
                                                        const int8_t *panel, const q8_sink *s) {
    for (size_t r = 0; r < rows; r += AVX2_Q8_ROWS) {
        q8_sink at = sink_at(s, r);
        size_t n = rows - r < AVX2_Q8_ROWS ? rows - r : AVX2_Q8_ROWS;
        switch (n) {
#define ROWS(c) \
    case c: rows_avx2(c, pairs, q + r * lda, lda, panel, &at); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5)
#undef ROWS
        default: rows_avx2(6, pairs, q + r * lda, lda, panel, &at); break;
        }
    }
}

// AVX-512 VNNI: up to 12 rows × 16 columns, one register of 16 int32 sums per row; vpdpwssd
// multiplies the int16 pairs and accumulates in one instruction.
#define VNNI_Q8_ROWS 12

__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void
rows_vnni(const size_t rows, size_t pairs, const int16_t *q, size_t lda, const int8_t *panel, const q8_sink *s) {
    __m512i sum[VNNI_Q8_ROWS];
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) sum[i] = _mm512_setzero_si512();
    for (size_t g = 0; g < pairs; g++) {
        __m512i w = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(panel + g * RK_Q8_COLS * 2)));
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            int32_t two;
            memcpy(&two, q + i * lda + g * 2, 4);
            sum[i] = _mm512_dpwssd_epi32(sum[i], _mm512_set1_epi32(two), w);
        }
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        if (s->acc) {
            _mm512_storeu_si512((void *)(s->acc + i * s->ldc), sum[i]);
        } else {
            __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(sum[i]), _mm512_set1_ps(s->row_scale[i]));
            _mm512_storeu_ps(s->out + i * s->ldc, _mm512_mul_ps(f, _mm512_loadu_ps(s->scale)));
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
block_vnni(size_t rows, size_t pairs, const int16_t *q, size_t lda, const int8_t *panel, const q8_sink *s) {
    for (size_t r = 0; r < rows; r += VNNI_Q8_ROWS) {
        q8_sink at = sink_at(s, r);
        size_t n = rows - r < VNNI_Q8_ROWS ? rows - r : VNNI_Q8_ROWS;
        switch (n) {
#define ROWS(c) \
    case c: rows_vnni(c, pairs, q + r * lda, lda, panel, &at); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11)
#undef ROWS
        default: rows_vnni(12, pairs, q + r * lda, lda, panel, &at); break;
        }
    }
}

#endif

static void gemm(rk_q8_isa isa, size_t m, size_t k, const int16_t *q, size_t lda, const int8_t *packed,
                 size_t first, size_t last, q8_sink sink) {
    size_t kp = rk_q8_padded_inputs(k);
    size_t pairs = kp / 2;
    // Whole microkernel blocks of rows whose activations fit in cache together.
    size_t block = Q8_ROW_BLOCK_BYTES / (lda * sizeof(int16_t) + 1);
    block = block < 24 ? 24 : block / 12 * 12;
    for (size_t r0 = 0; r0 < m; r0 += block) {
        size_t rows = m - r0 < block ? m - r0 : block;
        for (size_t p = first; p < last; p++) {
            const int8_t *panel = packed + p * kp * RK_Q8_COLS;
            q8_sink s = sink;
            size_t column = p * RK_Q8_COLS;
            if (s.acc) s.acc += r0 * s.ldc + column;
            else {
                s.out += r0 * s.ldc + column;
                s.row_scale += r0;
                s.scale += column;
            }
            const int16_t *a = q + r0 * lda;
#if defined(__x86_64__)
            if (isa == RK_Q8_AVX512VNNI) block_vnni(rows, pairs, a, lda, panel, &s);
            else if (isa == RK_Q8_AVX2) block_avx2(rows, pairs, a, lda, panel, &s);
            else
#endif
                block_portable(rows, pairs, a, lda, panel, &s);
        }
    }
}

void rk_q8_gemm_i32(rk_q8_isa isa, size_t m, size_t k, const int16_t *q, size_t lda, const int8_t *packed,
                    size_t first, size_t last, int32_t *acc, size_t ldc) {
    q8_sink sink = {.acc = acc, .out = NULL, .row_scale = NULL, .scale = NULL, .ldc = ldc};
    gemm(isa, m, k, q, lda, packed, first, last, sink);
}

void rk_q8_gemm(rk_q8_isa isa, size_t m, size_t k, const int16_t *q, size_t lda, const float *row_scale,
                const int8_t *packed, const float *scale, size_t first, size_t last, float *out, size_t ldc) {
    q8_sink sink = {.acc = NULL, .out = out, .row_scale = row_scale, .scale = scale, .ldc = ldc};
    gemm(isa, m, k, q, lda, packed, first, last, sink);
}
