// u8 × s7 products (see U8Kernels.h). Every kernel keeps a block of int32 sums in registers and walks the
// inputs in groups of 4; the integer sums are exact, so the paths differ only in speed.
//   Activations are uint8 codes with a per-row zero point, weights int8 codes within ±63, both one byte
//   in memory and in registers (no widening).
//   AVX2: vpmaddubsw multiplies 32 u8 × s8 pairs and adds adjacent products into int16; it saturates,
//     but |a0·w0 + a1·w1| ≤ 2 · 255 · 63 = 32,130 < 32,767 never reaches the bound. vpmaddwd against
//     ones adds those pairs into int32 exactly, then vpaddd accumulates.
//   AVX-512 VNNI: vpdpbusd does all of it in one instruction (4 products into each int32, no saturation).
//   Portable: plain C over the same panels.
// No int32 sum can overflow for k ≤ 133,674: |Σ q·w| ≤ 255 · 63 · k < 2^31. The zero-point correction
// acc − zero · column_sum = Σ (q − zero) · w has |q − zero| ≤ 255 (both within 0..255), so it and
// zero · column_sum obey the same bound.
// The three paths stay in one file (longer than most) so their arithmetic can be read side by side.
#include "U8Kernels.h"
#include "rounding.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Float sums are written as separate multiplies and adds; no path may fuse them.
#pragma clang fp contract(off)

/// Bytes of activation rows (uint8) kept in cache while the panels of the caller's range pass over them.
#define U8_ROW_BLOCK_BYTES (192 * 1024)

size_t rk_u8_padded_inputs(size_t k) { return (k + 3) / 4 * 4; }

// Each row is scaled and coded into contiguous scratch first (loops the compiler vectorises), then
// copied into its panel 4 codes at a time. A NaN weight codes as 0.
void rk_u8_pack(const float *w, size_t n, size_t k, const float *column_factor, int8_t *packed, float *scale,
                int32_t *column_sum) {
    size_t kp = rk_u8_padded_inputs(k);
    const float limit = RK_U8_WEIGHT_LIMIT;
    float *scaled = malloc((k > 0 ? k : 1) * sizeof(float));
    int8_t *codes = calloc(kp > 0 ? kp : 4, 1);
    if (!scaled || !codes) abort();
    for (size_t c = 0; c < n; c++) {
        const float *row = w + c * k;
        for (size_t kk = 0; kk < k; kk++) scaled[kk] = column_factor ? row[kk] * column_factor[kk] : row[kk];
        float max = abs_max(scaled, k);
        float inverse = max > 0 ? limit / max : 0;
        scale[c] = max > 0 ? max / limit : 1;
        int32_t sum = 0;
        for (size_t kk = 0; kk < k; kk++) {
            float r = round_even(scaled[kk] * inverse);
            r = r > limit ? limit : r;
            r = r < -limit ? -limit : r;
            r = r == r ? r : 0;
            codes[kk] = (int8_t)r;
            sum += (int32_t)r;
        }
        int8_t *panel = packed + (c / RK_U8_COLS) * kp * RK_U8_COLS + (c % RK_U8_COLS) * 4;
        for (size_t group = 0; group < kp / 4; group++) memcpy(panel + group * RK_U8_COLS * 4, codes + group * 4, 4);
        column_sum[c] = sum;
    }
    free(scaled);
    free(codes);
}

// Row quantisation. Every path evaluates, in float with the default rounding mode and nothing fused:
//   y[i]  = x[i] · multiplier[i]                     (no multiply when multiplier is NULL)
//   low   = min(0, y...), high = max(0, y...)        (exact, so the order of the lanes does not matter;
//                                                      min(a, b) = a < b ? a : b, as vminps)
//   inv   = 255 / (high − low); zero = round-half-even(−low · inv), clamped to 0..255
//   code  = round-half-even(y[i] · inv) + zero, then max(code, 0), then min(code, 255)
//   scale = (high − low) / 255
// The scalar tails use round_even, the vector loops vroundps; the two agree for |v| ≤ 2^22.

static inline float u8_min(float a, float b) { return a < b ? a : b; }
static inline float u8_max(float a, float b) { return a > b ? a : b; }

static inline float scaled(const float *x, const float *multiplier, size_t i) {
    return multiplier ? x[i] * multiplier[i] : x[i];
}

static inline uint8_t code(float y, float inverse, float zero) {
    float r = round_even(y * inverse) + zero;
    r = u8_max(r, 0.f);
    r = u8_min(r, 255.f);
    return (uint8_t)r;
}

/// The row's parameters from its range (shared by every path): inverse step, zero point, and the scale.
static float row_parameters(float low, float high, float *inverse, int32_t *zero) {
    float range = high - low;
    *inverse = 255.f / range;
    float z = u8_min(u8_max(round_even(-low * *inverse), 0.f), 255.f);
    *zero = (int32_t)z;
    return range / 255.f;
}

/// Widens [low, high] by y[i] for i in from..<k: the portable path's whole row, the vector path's tail.
static inline void widen_range(const float *x, const float *multiplier, size_t from, size_t k, float *low,
                               float *high) {
    for (size_t i = from; i < k; i++) {
        float y = scaled(x, multiplier, i);
        *low = u8_min(y, *low);
        *high = u8_max(y, *high);
    }
}

/// Zero codes after the row's k, up to its padded width.
static inline void pad_codes(size_t k, uint8_t *q) { memset(q + k, 0, rk_u8_padded_inputs(k) - k); }

/// The all-zero row: scale 0, zero point 0, codes 0.
static float zero_row(size_t k, uint8_t *q, int32_t *zero) {
    memset(q, 0, rk_u8_padded_inputs(k));
    *zero = 0;
    return 0;
}

static float quantize_row_portable(const float *x, size_t k, const float *multiplier, uint8_t *q, int32_t *zero) {
    float low = 0, high = 0;
    widen_range(x, multiplier, 0, k, &low, &high);
    if (high == low) return zero_row(k, q, zero);
    float inverse;
    float scale = row_parameters(low, high, &inverse, zero);
    float zf = (float)*zero;
    for (size_t i = 0; i < k; i++) q[i] = code(scaled(x, multiplier, i), inverse, zf);
    pad_codes(k, q);
    return scale;
}

#if defined(__x86_64__)

/// Eight values of y from index i.
__attribute__((target("avx2"), always_inline)) static inline __m256 scaled8(const float *x, const float *multiplier,
                                                                            size_t i) {
    __m256 v = _mm256_loadu_ps(x + i);
    return multiplier ? _mm256_mul_ps(v, _mm256_loadu_ps(multiplier + i)) : v;
}

/// Eight codes as int32, the same operations as `code`: vmaxps(r, 0) is r > 0 ? r : 0, vminps likewise.
__attribute__((target("avx2"), always_inline)) static inline __m256i code8(__m256 y, __m256 inverse, __m256 zero) {
    __m256 r = _mm256_round_ps(_mm256_mul_ps(y, inverse), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_add_ps(r, zero);
    r = _mm256_max_ps(r, _mm256_setzero_ps());
    r = _mm256_min_ps(r, _mm256_set1_ps(255.f));
    return _mm256_cvtps_epi32(r);
}

__attribute__((target("avx2"))) static float quantize_row_avx2(const float *x, size_t k, const float *multiplier,
                                                               uint8_t *q, int32_t *zero) {
    __m256 low8 = _mm256_setzero_ps(), high8 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 y = scaled8(x, multiplier, i);
        low8 = _mm256_min_ps(y, low8);
        high8 = _mm256_max_ps(y, high8);
    }
    float lows[8], highs[8];
    _mm256_storeu_ps(lows, low8);
    _mm256_storeu_ps(highs, high8);
    float low = 0, high = 0;
    for (int l = 0; l < 8; l++) {
        low = u8_min(lows[l], low);
        high = u8_max(highs[l], high);
    }
    widen_range(x, multiplier, i, k, &low, &high);
    if (high == low) return zero_row(k, q, zero);
    float inverse;
    float scale = row_parameters(low, high, &inverse, zero);
    float zf = (float)*zero;
    const __m256 inverse8 = _mm256_set1_ps(inverse), zero8 = _mm256_set1_ps(zf);
    // Packing within 128-bit lanes leaves the 32 codes as 4-byte groups a0 b0 c0 d0 a1 b1 c1 d1 (a, b, c,
    // d the four sources, 0/1 their halves); the permute puts them back in order.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (i = 0; i + 32 <= k; i += 32) {
        __m256i a = code8(scaled8(x, multiplier, i), inverse8, zero8);
        __m256i b = code8(scaled8(x, multiplier, i + 8), inverse8, zero8);
        __m256i c = code8(scaled8(x, multiplier, i + 16), inverse8, zero8);
        __m256i d = code8(scaled8(x, multiplier, i + 24), inverse8, zero8);
        __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(bytes, order));
    }
    for (; i < k; i++) q[i] = code(scaled(x, multiplier, i), inverse, zf);
    pad_codes(k, q);
    return scale;
}

#endif

float rk_u8_quantize_row(rk_q8_isa isa, const float *x, size_t k, const float *multiplier, uint8_t *q,
                         int32_t *zero) {
#if defined(__x86_64__)
    if (isa != RK_Q8_PORTABLE) return quantize_row_avx2(x, k, multiplier, q, zero);
#endif
    (void)isa;
    return quantize_row_portable(x, k, multiplier, q, zero);
}

void rk_u8_reference_i32(size_t m, size_t k, const uint8_t *q, size_t lda, const int8_t *w, size_t n, int32_t *acc,
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
    int32_t *acc;              // int32 output, or NULL
    float *out;                // float output when acc is NULL
    const float *row_scale;
    const int32_t *row_zero;
    const float *scale;        // the panel's column scales
    const int32_t *column_sum; // the panel's column code sums
    size_t ldc;
    int accumulate;            // add to out instead of overwriting it
} u8_sink;

static inline void sink_scalar(const u8_sink *s, size_t i, size_t c, int32_t v) {
    if (s->acc) {
        s->acc[i * s->ldc + c] = v;
        return;
    }
    float value = ((float)(v - s->row_zero[i] * s->column_sum[c]) * s->row_scale[i]) * s->scale[c];
    float *out = s->out + i * s->ldc + c;
    *out = s->accumulate ? *out + value : value;
}

/// Moves a sink to row r of its block.
static inline u8_sink sink_at(const u8_sink *s, size_t r) {
    u8_sink at = *s;
    if (at.acc) at.acc += r * at.ldc;
    else {
        at.out += r * at.ldc;
        at.row_scale += r;
        at.row_zero += r;
    }
    return at;
}

static void block_portable(size_t rows, size_t groups, const uint8_t *q, size_t lda, const int8_t *panel,
                           const u8_sink *s) {
    for (size_t i = 0; i < rows; i++) {
        int32_t sums[RK_U8_COLS] = {0};
        const uint8_t *a = q + i * lda;
        for (size_t g = 0; g < groups; g++) {
            const int8_t *wg = panel + g * RK_U8_COLS * 4;
            for (size_t c = 0; c < RK_U8_COLS; c++)
                for (size_t b = 0; b < 4; b++) sums[c] += (int32_t)a[g * 4 + b] * (int32_t)wg[c * 4 + b];
        }
        for (size_t c = 0; c < RK_U8_COLS; c++) sink_scalar(s, i, c, sums[c]);
    }
}

/// A row's 4 codes of group g, as one int32 to broadcast.
static inline int32_t four_codes(const uint8_t *row, size_t g) {
    int32_t four;
    memcpy(&four, row + g * 4, 4);
    return four;
}

#if defined(__x86_64__)

// AVX2: up to 5 rows × 16 columns, two registers of 8 int32 sums per row: 10 sums, 2 weight registers,
// the broadcast codes, the ones and a product fill 15 of the 16 registers. Six rows measured the same
// (both reach the vpmaddubsw + vpmaddwd + vpaddd ceiling) but spill a register in the loop.
#define AVX2_U8_ROWS 5

__attribute__((target("avx2"), always_inline)) static inline void
sink_avx2(const u8_sink *s, size_t i, size_t c, __m256i v) {
    if (s->acc) {
        _mm256_storeu_si256((__m256i *)(s->acc + i * s->ldc + c), v);
        return;
    }
    __m256i correction = _mm256_mullo_epi32(_mm256_set1_epi32(s->row_zero[i]),
                                            _mm256_loadu_si256((const __m256i *)(s->column_sum + c)));
    __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, correction)), _mm256_set1_ps(s->row_scale[i]));
    f = _mm256_mul_ps(f, _mm256_loadu_ps(s->scale + c));
    float *out = s->out + i * s->ldc + c;
    if (s->accumulate) f = _mm256_add_ps(_mm256_loadu_ps(out), f);
    _mm256_storeu_ps(out, f);
}

__attribute__((target("avx2"), always_inline)) static inline void
rows_avx2(const size_t rows, size_t groups, const uint8_t *q, size_t lda, const int8_t *panel, const u8_sink *s) {
    __m256i lo[AVX2_U8_ROWS], hi[AVX2_U8_ROWS];
    const __m256i ones = _mm256_set1_epi16(1);
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) lo[i] = hi[i] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        // Columns 0..7 and 8..15, each as the 4 weights of the group.
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(panel + g * RK_U8_COLS * 4));
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(panel + g * RK_U8_COLS * 4 + 32));
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            __m256i a = _mm256_set1_epi32(four_codes(q + i * lda, g));
            lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w0), ones));
            hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w1), ones));
        }
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        sink_avx2(s, i, 0, lo[i]);
        sink_avx2(s, i, 8, hi[i]);
    }
}

__attribute__((target("avx2"))) static void block_avx2(size_t rows, size_t groups, const uint8_t *q, size_t lda,
                                                        const int8_t *panel, const u8_sink *s) {
    for (size_t r = 0; r < rows; r += AVX2_U8_ROWS) {
        u8_sink at = sink_at(s, r);
        size_t n = rows - r < AVX2_U8_ROWS ? rows - r : AVX2_U8_ROWS;
        switch (n) {
#define ROWS(c) \
    case c: rows_avx2(c, groups, q + r * lda, lda, panel, &at); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4)
#undef ROWS
        default: rows_avx2(AVX2_U8_ROWS, groups, q + r * lda, lda, panel, &at); break;
        }
    }
}

// AVX-512 VNNI: up to 12 rows × 16 columns, one register of 16 int32 sums per row; vpdpbusd multiplies
// the 4 u8 × s8 products of each column and accumulates them in one instruction.
#define VNNI_U8_ROWS 12

__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void
rows_vnni(const size_t rows, size_t groups, const uint8_t *q, size_t lda, const int8_t *panel, const u8_sink *s) {
    __m512i sum[VNNI_U8_ROWS];
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) sum[i] = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
        __m512i w = _mm512_loadu_si512((const void *)(panel + g * RK_U8_COLS * 4));
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++)
            sum[i] = _mm512_dpbusd_epi32(sum[i], _mm512_set1_epi32(four_codes(q + i * lda, g)), w);
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        if (s->acc) {
            _mm512_storeu_si512((void *)(s->acc + i * s->ldc), sum[i]);
            continue;
        }
        __m512i correction = _mm512_mullo_epi32(_mm512_set1_epi32(s->row_zero[i]),
                                                _mm512_loadu_si512((const void *)s->column_sum));
        __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(sum[i], correction)),
                                 _mm512_set1_ps(s->row_scale[i]));
        f = _mm512_mul_ps(f, _mm512_loadu_ps(s->scale));
        float *out = s->out + i * s->ldc;
        if (s->accumulate) f = _mm512_add_ps(_mm512_loadu_ps(out), f);
        _mm512_storeu_ps(out, f);
    }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
block_vnni(size_t rows, size_t groups, const uint8_t *q, size_t lda, const int8_t *panel, const u8_sink *s) {
    for (size_t r = 0; r < rows; r += VNNI_U8_ROWS) {
        u8_sink at = sink_at(s, r);
        size_t n = rows - r < VNNI_U8_ROWS ? rows - r : VNNI_U8_ROWS;
        switch (n) {
#define ROWS(c) \
    case c: rows_vnni(c, groups, q + r * lda, lda, panel, &at); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11)
#undef ROWS
        default: rows_vnni(VNNI_U8_ROWS, groups, q + r * lda, lda, panel, &at); break;
        }
    }
}

#endif

static void gemm(rk_q8_isa isa, size_t m, size_t k, const uint8_t *q, size_t lda, const int8_t *packed,
                 size_t first, size_t last, u8_sink sink) {
    size_t kp = rk_u8_padded_inputs(k);
    size_t groups = kp / 4;
    // Whole microkernel blocks of rows (5 for AVX2, 12 for VNNI) whose activations fit in cache together.
    size_t block = U8_ROW_BLOCK_BYTES / (lda + 1);
    block = block < 60 ? 60 : block / 60 * 60;
    for (size_t r0 = 0; r0 < m; r0 += block) {
        size_t rows = m - r0 < block ? m - r0 : block;
        for (size_t p = first; p < last; p++) {
            const int8_t *panel = packed + p * kp * RK_U8_COLS;
            u8_sink s = sink;
            size_t column = p * RK_U8_COLS;
            if (s.acc) s.acc += r0 * s.ldc + column;
            else {
                s.out += r0 * s.ldc + column;
                s.row_scale += r0;
                s.row_zero += r0;
                s.scale += column;
                s.column_sum += column;
            }
            const uint8_t *a = q + r0 * lda;
#if defined(__x86_64__)
            if (isa == RK_Q8_AVX512VNNI) block_vnni(rows, groups, a, lda, panel, &s);
            else if (isa == RK_Q8_AVX2) block_avx2(rows, groups, a, lda, panel, &s);
            else
#endif
                block_portable(rows, groups, a, lda, panel, &s);
        }
    }
}

void rk_u8_gemm_i32(rk_q8_isa isa, size_t m, size_t k, const uint8_t *q, size_t lda, const int8_t *packed,
                    size_t first, size_t last, int32_t *acc, size_t ldc) {
    u8_sink sink = {.acc = acc, .ldc = ldc};
    gemm(isa, m, k, q, lda, packed, first, last, sink);
}

void rk_u8_gemm(rk_q8_isa isa, size_t m, size_t k, const uint8_t *q, size_t lda, const float *row_scale,
                const int32_t *row_zero, const int8_t *packed, const float *scale, const int32_t *column_sum,
                size_t first, size_t last, float *out, size_t ldc, int accumulate) {
    u8_sink sink = {.out = out,
                    .row_scale = row_scale,
                    .row_zero = row_zero,
                    .scale = scale,
                    .column_sum = column_sum,
                    .ldc = ldc,
                    .accumulate = accumulate};
    gemm(isa, m, k, q, lda, packed, first, last, sink);
}
