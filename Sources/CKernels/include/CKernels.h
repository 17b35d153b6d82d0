// Matrix products against weights packed once at load: C[m, n] = A[m, k] · Wᵀ for a PyTorch
// `[n, k]` weight W. Vector code is chosen at run time (AVX-512 or AVX2 + FMA), so the binary
// stays baseline x86-64; elsewhere no kernel is available and callers use BLAS.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

/// Columns per packed panel; a packed weight holds n / RK_PANEL panels of k × RK_PANEL floats.
#define RK_PANEL 32

typedef enum { RK_ISA_NONE = 0, RK_ISA_AVX2 = 1, RK_ISA_AVX512 = 2 } rk_isa;

/// The best kernel this CPU runs.
rk_isa rk_best_isa(void);

/// Packs w[n, k] (row-major, n a multiple of RK_PANEL) into `packed` (n · k floats; 64-byte aligned is fastest):
/// panel p holds, for each kk in 0..<k, the RK_PANEL values w[p·RK_PANEL + j][kk].
void rk_pack(const float *w, size_t n, size_t k, float *packed);

/// c[i, p·RK_PANEL + j] = Σ_kk a[i, kk] · w[p·RK_PANEL + j, kk] for rows 0..<m and panels
/// first..<last, with leading dimensions lda and ldc. Every output is one fused multiply-add chain
/// over kk in order, so a row's values do not depend on m or on which rows share its call.
void rk_gemm(rk_isa isa, size_t m, size_t k, const float *a, size_t lda, const float *packed, size_t first,
             size_t last, float *c, size_t ldc);

// int8 products (quantised weights, per-token activations).
#include "Int8Kernels.h"
// u8 x 7-bit products (asymmetric per-token activations, AVX2 vpmaddubsw / VNNI vpdpbusd).
#include "U8Kernels.h"
// The engine's worker threads.
#include "WorkerPool.h"

#endif
