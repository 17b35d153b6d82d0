// Packed-weight products (see CKernels.h). Each micro-kernel keeps a block of C in registers and
// walks k once: per k it loads one panel row of W (32 floats) and broadcasts one value of A per
// row. Rows are blocked so a block of A stays in cache while every panel of the caller's range
// passes over it.
#include "CKernels.h"

#include <immintrin.h>
#include <string.h>

/// Rows of A kept in cache while the panels pass over them.
#define ROW_BLOCK 240

rk_isa rk_best_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return RK_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return RK_ISA_AVX2;
#endif
    return RK_ISA_NONE;
}

void rk_pack(const float *w, size_t n, size_t k, float *packed) {
    for (size_t p = 0; p < n / RK_PANEL; p++) {
        float *panel = packed + p * k * RK_PANEL;
        for (size_t j = 0; j < RK_PANEL; j++) {
            const float *row = w + (p * RK_PANEL + j) * k;
            for (size_t kk = 0; kk < k; kk++) panel[kk * RK_PANEL + j] = row[kk];
        }
    }
}

#if defined(__x86_64__)

// AVX-512: up to 12 rows × 32 columns in 24 registers. The body is written once for any row count
// and specialised for each (a switch over constants), so a short last block keeps its accumulators
// in registers too; every row's chain of fused multiply-adds is the same in each specialisation.
#define AVX512_ROWS 12

__attribute__((target("avx512f,fma"), always_inline)) static inline void
rows_avx512(const size_t rows, size_t k, const float *a, size_t lda, const float *panel, float *c, size_t ldc) {
    __m512 lo[AVX512_ROWS], hi[AVX512_ROWS];
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) lo[i] = hi[i] = _mm512_setzero_ps();
    for (size_t kk = 0; kk < k; kk++) {
        __m512 b0 = _mm512_loadu_ps(panel + kk * RK_PANEL);
        __m512 b1 = _mm512_loadu_ps(panel + kk * RK_PANEL + 16);
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            __m512 x = _mm512_set1_ps(a[i * lda + kk]);
            lo[i] = _mm512_fmadd_ps(x, b0, lo[i]);
            hi[i] = _mm512_fmadd_ps(x, b1, hi[i]);
        }
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        _mm512_storeu_ps(c + i * ldc, lo[i]);
        _mm512_storeu_ps(c + i * ldc + 16, hi[i]);
    }
}

__attribute__((target("avx512f,fma"))) static void block_avx512(size_t rows, size_t k, const float *a, size_t lda,
                                                                  const float *panel, float *c, size_t ldc) {
    switch (rows) {
#define ROWS(n) \
    case n: rows_avx512(n, k, a, lda, panel, c, ldc); break;
        ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12)
#undef ROWS
    }
}

// AVX2: up to 6 rows × 16 columns (half a panel) in 12 registers, specialised the same way.
#define AVX2_ROWS 6

__attribute__((target("avx2,fma"), always_inline)) static inline void
rows_avx2(const size_t rows, size_t k, const float *a, size_t lda, const float *half, float *c, size_t ldc) {
    __m256 lo[AVX2_ROWS], hi[AVX2_ROWS];
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) lo[i] = hi[i] = _mm256_setzero_ps();
    for (size_t kk = 0; kk < k; kk++) {
        __m256 b0 = _mm256_loadu_ps(half + kk * RK_PANEL);
        __m256 b1 = _mm256_loadu_ps(half + kk * RK_PANEL + 8);
#pragma clang loop unroll(full)
        for (size_t i = 0; i < rows; i++) {
            __m256 x = _mm256_broadcast_ss(a + i * lda + kk);
            lo[i] = _mm256_fmadd_ps(x, b0, lo[i]);
            hi[i] = _mm256_fmadd_ps(x, b1, hi[i]);
        }
    }
#pragma clang loop unroll(full)
    for (size_t i = 0; i < rows; i++) {
        _mm256_storeu_ps(c + i * ldc, lo[i]);
        _mm256_storeu_ps(c + i * ldc + 8, hi[i]);
    }
}

__attribute__((target("avx2,fma"))) static void half_block_avx2(size_t rows, size_t k, const float *a, size_t lda,
                                                                 const float *half, float *c, size_t ldc) {
    switch (rows) {
#define ROWS(n) \
    case n: rows_avx2(n, k, a, lda, half, c, ldc); break;
        ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6)
#undef ROWS
    }
}

#endif

void rk_gemm(rk_isa isa, size_t m, size_t k, const float *a, size_t lda, const float *packed, size_t first,
             size_t last, float *c, size_t ldc) {
#if defined(__x86_64__)
    for (size_t r0 = 0; r0 < m; r0 += ROW_BLOCK) {
        size_t r1 = r0 + ROW_BLOCK < m ? r0 + ROW_BLOCK : m;
        for (size_t p = first; p < last; p++) {
            const float *panel = packed + p * k * RK_PANEL;
            float *cp = c + p * RK_PANEL;
            if (isa == RK_ISA_AVX512) {
                for (size_t i = r0; i < r1; i += AVX512_ROWS) {
                    size_t rows = r1 - i < AVX512_ROWS ? r1 - i : AVX512_ROWS;
                    block_avx512(rows, k, a + i * lda, lda, panel, cp + i * ldc, ldc);
                }
            } else if (isa == RK_ISA_AVX2) {
                for (size_t i = r0; i < r1; i += AVX2_ROWS) {
                    size_t rows = r1 - i < AVX2_ROWS ? r1 - i : AVX2_ROWS;
                    half_block_avx2(rows, k, a + i * lda, lda, panel, cp + i * ldc, ldc);
                    half_block_avx2(rows, k, a + i * lda, lda, panel + 16, cp + i * ldc + 16, ldc);
                }
            }
        }
    }
#else
    (void)isa; (void)m; (void)k; (void)a; (void)lda; (void)packed; (void)first; (void)last; (void)c; (void)ldc;
#endif
}
