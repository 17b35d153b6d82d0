// Times the u8 × s7 product (rk_u8_gemm) against the int16 × int8 one (rk_q8_gemm) on one bert-base
// layer's shapes with M rows, on one thread or two splitting the panels as the engine does, both on the
// same ISA. Weights come from COPIES (default 24) packed copies in turn, so they stream from memory as in
// a forward pass (COPIES=1 keeps them in cache).
//   ubench [rows=128] [threads=1] [repetitions=50] [isa=best: 0 portable, 1 avx2, 2 avx512vnni]
// prints the best and mean time of each product and the layer's GMAC/s for both, then the time to quantise
// the rows (int16 codes, uint8 codes, uint8 codes with per-channel factors, as the engine quantises them).
#include "U8Kernels.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_COPIES 24

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    rk_q8_isa isa;
    int u8; // 1: rk_u8_gemm, 0: rk_q8_gemm
    size_t m, k, n, first, last;
    const void *q, *w;
    const float *row_scale, *scale;
    const int32_t *row_zero, *column_sum;
    float *out;
} job;

static void *run(void *p) {
    job *j = p;
    if (j->u8)
        rk_u8_gemm(j->isa, j->m, j->k, j->q, rk_u8_padded_inputs(j->k), j->row_scale, j->row_zero, j->w, j->scale,
                   j->column_sum, j->first, j->last, j->out, j->n, 0);
    else
        rk_q8_gemm(j->isa, j->m, j->k, j->q, rk_q8_padded_inputs(j->k), j->row_scale, j->w, j->scale, j->first,
                   j->last, j->out, j->n);
    return 0;
}

/// Mean seconds of `reps` products (the best in *best), cycling through the weight copies.
static double time_product(job base, void *const *copies, int count, int threads, int reps, double *best) {
    double sum = 0;
    *best = 1e9;
    for (int r = 0; r < reps; r++) {
        job j[2];
        pthread_t t[2];
        size_t panels = base.n / 16;
        double t0 = now();
        for (int h = 0; h < threads; h++) {
            j[h] = base;
            j[h].w = copies[r % count];
            j[h].first = panels * h / threads;
            j[h].last = panels * (h + 1) / threads;
            if (threads > 1) pthread_create(&t[h], 0, run, &j[h]);
            else run(&j[h]);
        }
        if (threads > 1)
            for (int h = 0; h < threads; h++) pthread_join(t[h], 0);
        double dt = now() - t0;
        sum += dt;
        if (dt < *best) *best = dt;
    }
    return sum / reps;
}

/// Best time over `reps` of quantising m rows of k inputs: 0 int16 codes, 1 uint8 codes, 2 uint8 scaled.
static double time_quantize(rk_q8_isa isa, int kind, size_t m, size_t k, const float *x, int reps) {
    float *multiplier = malloc(k * 4);
    for (size_t i = 0; i < k; i++) multiplier[i] = 1.25f;
    int16_t *q16 = malloc(rk_q8_padded_inputs(k) * 2);
    uint8_t *q8 = malloc(rk_u8_padded_inputs(k));
    int32_t zero;
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (size_t i = 0; i < m; i++) {
            if (kind == 0) rk_q8_quantize_row(isa, x + i * k, k, q16);
            else rk_u8_quantize_row(isa, x + i * k, k, kind == 2 ? multiplier : NULL, q8, &zero);
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    free(multiplier), free(q16), free(q8);
    return best;
}

int main(int argc, char **argv) {
    size_t m = argc > 1 ? (size_t)atoi(argv[1]) : 128;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    int reps = argc > 3 ? atoi(argv[3]) : 50;
    rk_q8_isa isa = argc > 4 ? (rk_q8_isa)atoi(argv[4]) : rk_q8_best_isa();
    int copies = getenv("COPIES") ? atoi(getenv("COPIES")) : MAX_COPIES;
    if (copies < 1 || copies > MAX_COPIES) copies = MAX_COPIES;
    if (!rk_q8_supports(isa)) {
        fprintf(stderr, "this CPU cannot run isa %d\n", isa);
        return 1;
    }
    size_t shapes[3][2] = {{768, 768}, {768, 3072}, {3072, 768}};
    double layer_mac = 0, layer_time[2] = {0, 0};
    for (int s = 0; s < 3; s++) {
        size_t k = shapes[s][0], n = shapes[s][1];
        size_t kp8 = rk_q8_padded_inputs(k), kpu = rk_u8_padded_inputs(k);
        float *wf = malloc(n * k * 4), *x = malloc(m * k * 4), *out = aligned_alloc(64, m * n * 4);
        for (size_t i = 0; i < n * k; i++) wf[i] = (rand() % 2001 - 1000) / 1000.f;
        for (size_t i = 0; i < m * k; i++) x[i] = (rand() % 2001 - 1000) / 1000.f;
        float *sc8 = malloc(n * 4), *scu = malloc(n * 4), *rs8 = malloc(m * 4), *rsu = malloc(m * 4);
        int32_t *column_sum = malloc(n * 4), *zero = malloc(m * 4);
        void *w8[MAX_COPIES], *wu[MAX_COPIES];
        for (int c = 0; c < copies; c++) {
            w8[c] = aligned_alloc(64, n * kp8);
            wu[c] = aligned_alloc(64, n * kpu);
            rk_q8_pack(wf, n, k, w8[c], sc8);
            rk_u8_pack(wf, n, k, NULL, wu[c], scu, column_sum);
        }
        int16_t *q8 = aligned_alloc(64, m * kp8 * 2 + 64);
        uint8_t *qu = aligned_alloc(64, m * kpu + 64);
        for (size_t i = 0; i < m; i++) {
            rs8[i] = rk_q8_quantize_row(isa, x + i * k, k, q8 + i * kp8);
            rsu[i] = rk_u8_quantize_row(isa, x + i * k, k, NULL, qu + i * kpu, zero + i);
        }
        job q8job = {isa, 0, m, k, n, 0, 0, q8, NULL, rs8, sc8, NULL, NULL, out};
        job u8job = {isa, 1, m, k, n, 0, 0, qu, NULL, rsu, scu, zero, column_sum, out};
        double mac = (double)m * k * n, best[2], mean[2];
        mean[0] = time_product(q8job, w8, copies, threads, reps, &best[0]);
        mean[1] = time_product(u8job, wu, copies, threads, reps, &best[1]);
        const char *names[2] = {"rk_q8_gemm", "rk_u8_gemm"};
        for (int v = 0; v < 2; v++) {
            printf("%s M=%zu K=%zu N=%zu threads=%d: best %.3f ms (%.1f GMAC/s), mean %.3f ms (%.1f GMAC/s)\n",
                   names[v], m, k, n, threads, best[v] * 1e3, mac / best[v] / 1e9, mean[v] * 1e3,
                   mac / mean[v] / 1e9);
            // A layer runs the 768 × 768 product four times (q, k, v, output).
            layer_time[v] += mean[v] * (s == 0 ? 4 : 1);
        }
        layer_mac += mac * (s == 0 ? 4 : 1);
        if (s != 1) // the two input widths
            printf("quantise %zu rows of %zu: int16 %.1f us, uint8 %.1f us, uint8 scaled %.1f us\n", m, k,
                   time_quantize(isa, 0, m, k, x, reps) * 1e6, time_quantize(isa, 1, m, k, x, reps) * 1e6,
                   time_quantize(isa, 2, m, k, x, reps) * 1e6);
    }
    printf("layer (4x768x768 + 768x3072 + 3072x768), threads=%d isa=%d: rk_q8_gemm %.3f ms (%.1f GMAC/s), "
           "rk_u8_gemm %.3f ms (%.1f GMAC/s), %.2fx\n",
           threads, isa, layer_time[0] * 1e3, layer_mac / layer_time[0] / 1e9, layer_time[1] * 1e3,
           layer_mac / layer_time[1] / 1e9, layer_time[0] / layer_time[1]);
}
