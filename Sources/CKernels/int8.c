// int8 packed products (see Int8Kernels.h). Every kernel keeps a block of int32 sums in registers and
// walks the inputs in groups of 4; the integer sums are exact, so the paths differ only in speed.
//   AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes, so the activations are shifted by +128
//     (q + 128 in 1..255) and 128 · Σ w of each column, computed at load, is subtracted at the end.
//   AVX2: vpmaddubsw adds two u8 × s8 products into a saturating int16. It gets |q| (0..127) and the
//     weight with q's sign moved onto it (vpsignb, still within ±127), so a pair sums to at most
//     2 · 127 · 127 = 32,258 < 32,767: it can never saturate (q is never −128, weights never −128).
//     vpmaddwd by ones then widens the pairs exactly into int32.
//   Portable: plain C over the same panels.
#include "Int8Kernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Float sums are written as separate multiplies and adds; no path may fuse them (see rk_q8_add_inputs).
#pragma clang fp contract(off)

/// Rows of A kept in cache while the panels of the caller's range pass over them.
#define Q8_ROW_BLOCK 192

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

size_t rk_q8_padded_inputs(size_t k) { return (k + 3) / 4 * 4; }

/// Round half to even of a value already within ±127.5 (then clamped to ±127): adding and subtracting
/// 1.5 · 2^23 leaves the float rounded to an integer in the default rounding mode, without a libm call.
static inline int8_t round_clamped(float v) {
    float r = (v + 12582912.f) - 12582912.f;
    if (r > 127.f) r = 127.f;
    if (r < -127.f) r = -127.f;
    return (int8_t)r;
}

void rk_q8_pack(const float *w, size_t n, size_t k, int8_t *packed, float *scale, int32_t *column_sums) {
    size_t kp = rk_q8_padded_inputs(k);
    memset(packed, 0, n * kp);
    for (size_t c = 0; c < n; c++) {
        const float *row = w + c * k;
        float max = 0;
        for (size_t kk = 0; kk < k; kk++) max = fmaxf(max, fabsf(row[kk]));
        float inverse = max > 0 ? 127.f / max : 0;
        scale[c] = max > 0 ? max / 127.f : 1;
        int8_t *panel = packed + (c / RK_Q8_COLS) * kp * RK_Q8_COLS;
        int32_t sum = 0;
        for (size_t kk = 0; kk < k; kk++) {
            int8_t q = round_clamped(row[kk] * inverse);
            panel[(kk / 4) * RK_Q8_COLS * 4 + (c % RK_Q8_COLS) * 4 + kk % 4] = q;
            sum += q;
        }
        column_sums[c] = sum;
    }
}

static inline uint32_t magnitude_bits(float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    return u & 0x7fffffffu; // |v|: non-negative floats order like their bit patterns
}

float rk_q8_select_outliers(const float *x, size_t k, size_t count, uint32_t *channels) {
    if (count > RK_Q8_MAX_OUTLIERS) count = RK_Q8_MAX_OUTLIERS;
    if (count > k) count = k;
    float rest = 0;
    if (count == 0) {
        for (size_t i = 0; i < k; i++) rest = fmaxf(rest, fabsf(x[i]));
        return rest;
    }
    // Radix select of the count-th largest magnitude, a byte at a time from the top: linear in k
    // whatever the values.
    uint32_t prefix = 0, mask = 0;
    size_t need = count;
    for (int shift = 24; shift >= 0; shift -= 8) {
        size_t histogram[256] = {0};
        for (size_t i = 0; i < k; i++) {
            uint32_t u = magnitude_bits(x[i]);
            if ((u & mask) == prefix) histogram[(u >> shift) & 255]++;
        }
        size_t above = 0;
        int bin = 255;
        for (; bin > 0; bin--) {
            if (above + histogram[bin] >= need) break;
            above += histogram[bin];
        }
        need -= above;
        prefix |= (uint32_t)bin << shift;
        mask |= 0xffu << shift;
    }
    // Everything above the threshold, then the first `need` equal to it (lower index first).
    size_t found = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t u = magnitude_bits(x[i]);
        if (u > prefix || (u == prefix && need > 0)) {
            if (u == prefix) need--;
            channels[found++] = (uint32_t)i;
        } else {
            rest = fmaxf(rest, fabsf(x[i]));
        }
    }
    return rest;
}

float rk_q8_quantize_row(const float *x, size_t k, float max, const uint32_t *skip, size_t skips, int8_t *q) {
    size_t kp = rk_q8_padded_inputs(k);
    if (!(max > 0)) {
        memset(q, 0, kp);
        return 0;
    }
    float inverse = 127.f / max;
    for (size_t i = 0; i < k; i++) q[i] = round_clamped(x[i] * inverse);
    for (size_t s = 0; s < skips; s++) q[skip[s]] = 0;
    for (size_t i = k; i < kp; i++) q[i] = 0;
    return max / 127.f;
}

void rk_q8_reference_i32(size_t m, size_t k, const int8_t *q, size_t lda, const int8_t *w, size_t n, int32_t *acc,
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

static void block_portable(size_t rows, size_t groups, const int8_t *q, size_t lda, const int8_t *panel,
                           const q8_sink *s) {
    for (size_t i = 0; i < rows; i++) {
        int32_t sums[RK_Q8_COLS] = {0};
        const int8_t *a = q + i * lda;
        for (size_t g = 0; g < groups; g++) {
            const int8_t *wg = panel + g * RK_Q8_COLS * 4;
            for (size_t c = 0; c < RK_Q8_COLS; c++)
                for (size_t b = 0; b < 4; b++) sums[c] += (int32_t)a[g * 4 + b] * (int32_t)wg[c * 4 + b];
        }
        for (size_t c = 0; c < RK_Q8_COLS; c++) sink_scalar(s, i, c, sums[c]);
    }
}

#if defined(__x86_64__)

// AVX2: up to 4 rows × 16 columns (two registers of 8 int32 sums per row).
#define AVX2_Q8_ROWS 4

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
rows_avx2(const size_t rows, size_t groups, const int8_t *q, size_t lda, const int8_t *panel, const q8_sink *s) {
    __m256i lo[AVX2_Q8_ROWS], hi[AVX2_Q8_ROWS];
    const __m256i ones = _mm256_set1_epi16(1);
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) lo[i] = hi[i] = _mm256_setzero_si256();
    for (size_t g = 0; g < groups; g++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(panel + g * RK_Q8_COLS * 4));
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(panel + g * RK_Q8_COLS * 4 + 32));
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            int32_t four;
            memcpy(&four, q + i * lda + g * 4, 4);
            __m256i a = _mm256_set1_epi32(four);
            __m256i magnitude = _mm256_sign_epi8(a, a);
            __m256i p0 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w0, a));
            __m256i p1 = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w1, a));
            lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(p0, ones));
            hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(p1, ones));
        }
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        sink_avx2(s, i, 0, lo[i]);
        sink_avx2(s, i, 8, hi[i]);
    }
}

__attribute__((target("avx2"))) static void block_avx2(size_t rows, size_t groups, const int8_t *q, size_t lda,
                                                        const int8_t *panel, const q8_sink *s) {
    for (size_t r = 0; r < rows; r += AVX2_Q8_ROWS) {
        q8_sink at = *s;
        if (at.acc) at.acc += r * at.ldc;
        else {
            at.out += r * at.ldc;
            at.row_scale += r;
        }
        size_t n = rows - r < AVX2_Q8_ROWS ? rows - r : AVX2_Q8_ROWS;
        switch (n) {
        case 1: rows_avx2(1, groups, q + r * lda, lda, panel, &at); break;
        case 2: rows_avx2(2, groups, q + r * lda, lda, panel, &at); break;
        case 3: rows_avx2(3, groups, q + r * lda, lda, panel, &at); break;
        default: rows_avx2(4, groups, q + r * lda, lda, panel, &at); break;
        }
    }
}

// AVX-512 VNNI: up to 8 rows × 16 columns, one register of 16 int32 sums per row.
#define VNNI_Q8_ROWS 8

__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void
rows_vnni(const size_t rows, size_t groups, const int8_t *q, size_t lda, const int8_t *panel,
          const int32_t *column_sums, const q8_sink *s) {
    __m512i sum[VNNI_Q8_ROWS];
    const __m512i shift = _mm512_set1_epi8((char)0x80);
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) sum[i] = _mm512_setzero_si512();
    for (size_t g = 0; g < groups; g++) {
        __m512i w = _mm512_loadu_si512((const void *)(panel + g * RK_Q8_COLS * 4));
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            int32_t four;
            memcpy(&four, q + i * lda + g * 4, 4);
            // q + 128 as unsigned bytes: flipping the sign bit.
            __m512i a = _mm512_xor_si512(_mm512_set1_epi32(four), shift);
            sum[i] = _mm512_dpbusd_epi32(sum[i], a, w);
        }
    }
    __m512i correction = _mm512_slli_epi32(_mm512_loadu_si512((const void *)column_sums), 7);
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        __m512i v = _mm512_sub_epi32(sum[i], correction);
        if (s->acc) {
            _mm512_storeu_si512((void *)(s->acc + i * s->ldc), v);
        } else {
            __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_set1_ps(s->row_scale[i]));
            _mm512_storeu_ps(s->out + i * s->ldc, _mm512_mul_ps(f, _mm512_loadu_ps(s->scale)));
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
block_vnni(size_t rows, size_t groups, const int8_t *q, size_t lda, const int8_t *panel, const int32_t *column_sums,
           const q8_sink *s) {
    for (size_t r = 0; r < rows; r += VNNI_Q8_ROWS) {
        q8_sink at = *s;
        if (at.acc) at.acc += r * at.ldc;
        else {
            at.out += r * at.ldc;
            at.row_scale += r;
        }
        size_t n = rows - r < VNNI_Q8_ROWS ? rows - r : VNNI_Q8_ROWS;
        switch (n) {
#define ROWS(c) \
    case c: rows_vnni(c, groups, q + r * lda, lda, panel, column_sums, &at); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7)
#undef ROWS
        default: rows_vnni(8, groups, q + r * lda, lda, panel, column_sums, &at); break;
        }
    }
}

#endif

typedef struct {
    const float *x;            // the float rows, for their outlier channels
    size_t ldx;
    const uint32_t *channels;  // `count` per row
    size_t count;
} q8_outliers;

static void add_inputs_panel(rk_q8_isa isa, size_t kp, const float *x, const uint32_t *channels, size_t count,
                             const int8_t *panel, const float *scale, float *out);

static void gemm(rk_q8_isa isa, size_t m, size_t k, const int8_t *q, size_t lda, const int8_t *packed,
                 const int32_t *column_sums, size_t first, size_t last, q8_sink sink, q8_outliers outliers) {
    size_t kp = rk_q8_padded_inputs(k);
    size_t groups = kp / 4;
    for (size_t r0 = 0; r0 < m; r0 += Q8_ROW_BLOCK) {
        size_t rows = m - r0 < Q8_ROW_BLOCK ? m - r0 : Q8_ROW_BLOCK;
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
            const int8_t *a = q + r0 * lda;
#if defined(__x86_64__)
            if (isa == RK_Q8_AVX512VNNI) block_vnni(rows, groups, a, lda, panel, column_sums + column, &s);
            else if (isa == RK_Q8_AVX2) block_avx2(rows, groups, a, lda, panel, &s);
            else
#endif
                block_portable(rows, groups, a, lda, panel, &s);
            // The outlier channels while the panel is still in cache.
            if (outliers.count > 0 && !s.acc) {
                for (size_t i = 0; i < rows; i++) {
                    add_inputs_panel(isa, kp, outliers.x + (r0 + i) * outliers.ldx,
                                     outliers.channels + (r0 + i) * outliers.count, outliers.count, panel,
                                     sink.scale + column, s.out + i * s.ldc);
                }
            }
        }
    }
}

void rk_q8_gemm_i32(rk_q8_isa isa, size_t m, size_t k, const int8_t *q, size_t lda, const int8_t *packed,
                    const int32_t *column_sums, size_t first, size_t last, int32_t *acc, size_t ldc) {
    q8_sink sink = {.acc = acc, .out = NULL, .row_scale = NULL, .scale = NULL, .ldc = ldc};
    q8_outliers none = {.x = NULL, .ldx = 0, .channels = NULL, .count = 0};
    gemm(isa, m, k, q, lda, packed, column_sums, first, last, sink, none);
}

void rk_q8_gemm(rk_q8_isa isa, size_t m, size_t k, const int8_t *q, size_t lda, const float *row_scale,
                const float *x, size_t ldx, const uint32_t *channels, size_t outliers, const int8_t *packed,
                const int32_t *column_sums, const float *scale, size_t first, size_t last, float *out, size_t ldc) {
    q8_sink sink = {.acc = NULL, .out = out, .row_scale = row_scale, .scale = scale, .ldc = ldc};
    q8_outliers extra = {.x = x, .ldx = ldx, .channels = channels, .count = outliers};
    gemm(isa, m, k, q, lda, packed, column_sums, first, last, sink, extra);
}

// Plain multiplies and adds in a fixed order (no fused multiply-add), so the vector path below gives
// the same floats as this one.
static void add_inputs_portable(size_t kp, const float *x, const uint32_t *channels, size_t count,
                                const int8_t *panel, const float *scale, float *out) {
    for (size_t c = 0; c < RK_Q8_COLS; c++) {
        float sum = 0;
        for (size_t o = 0; o < count; o++) {
            size_t j = channels[o];
            float product = x[j] * (float)panel[(j / 4) * RK_Q8_COLS * 4 + c * 4 + j % 4];
            sum = sum + product;
        }
        float scaled = scale[c] * sum;
        out[c] = out[c] + scaled;
    }
    (void)kp;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void add_inputs_avx2(size_t kp, const float *x, const uint32_t *channels,
                                                             size_t count, const int8_t *panel, const float *scale,
                                                             float *out) {
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    for (size_t o = 0; o < count; o++) {
        size_t j = channels[o];
        const int8_t *group = panel + (j / 4) * RK_Q8_COLS * 4;
        // Byte j % 4 of each column's 4 bytes, sign-extended: move it to the top, shift back arithmetically.
        __m128i left = _mm_cvtsi32_si128((int)(24 - 8 * (j % 4)));
        __m256i w0 = _mm256_sra_epi32(_mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)group), left),
                                      _mm_cvtsi32_si128(24));
        __m256i w1 = _mm256_sra_epi32(_mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)(group + 32)), left),
                                      _mm_cvtsi32_si128(24));
        __m256 v = _mm256_set1_ps(x[j]);
        lo = _mm256_add_ps(lo, _mm256_mul_ps(v, _mm256_cvtepi32_ps(w0)));
        hi = _mm256_add_ps(hi, _mm256_mul_ps(v, _mm256_cvtepi32_ps(w1)));
    }
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), _mm256_mul_ps(_mm256_loadu_ps(scale), lo)));
    _mm256_storeu_ps(out + 8, _mm256_add_ps(_mm256_loadu_ps(out + 8), _mm256_mul_ps(_mm256_loadu_ps(scale + 8), hi)));
    (void)kp;
}
#endif

static void add_inputs_panel(rk_q8_isa isa, size_t kp, const float *x, const uint32_t *channels, size_t count,
                             const int8_t *panel, const float *scale, float *out) {
#if defined(__x86_64__)
    if (isa != RK_Q8_PORTABLE) {
        add_inputs_avx2(kp, x, channels, count, panel, scale, out);
        return;
    }
#endif
    (void)isa;
    add_inputs_portable(kp, x, channels, count, panel, scale, out);
}

void rk_q8_add_inputs(rk_q8_isa isa, size_t k, const float *x, const uint32_t *channels, size_t count,
                      const int8_t *packed, const float *scale, size_t first, size_t last, float *out) {
    size_t kp = rk_q8_padded_inputs(k);
    for (size_t p = first; p < last; p++) {
        size_t column = p * RK_Q8_COLS;
        add_inputs_panel(isa, kp, x, channels, count, packed + p * kp * RK_Q8_COLS, scale + column, out + column);
    }
}
