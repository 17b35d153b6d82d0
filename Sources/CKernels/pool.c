// Worker pool (see WorkerPool.h). One 64-bit word describes the running region: its generation
// (high 32 bits), its chunk count and the next chunk to claim (16 bits each). A thread claims a chunk
// by a compare-and-swap that also checks the generation, so a worker that wakes late can never take
// a chunk of a later region with the task of an earlier one. The caller waits for `remaining` to reach
// zero without sleeping: a region's chunks take about a millisecond.
#include "WorkerPool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define SPIN_HINT() _mm_pause()
#else
#define SPIN_HINT() ((void)0)
#endif

/// How long an idle worker waits for the next region before it sleeps (a forward pass starts its
/// regions well within this; between batches the workers sleep), and how long any waiting thread
/// spins before it yields its core at each check, so that waiting costs little on a busy machine.
#define IDLE_SPIN_NANOSECONDS 200000
#define PAUSE_SPIN_NANOSECONDS 2000

struct rk_pool {
    _Atomic uint64_t state;      // generation << 32 | chunks << 16 | next chunk
    _Atomic size_t remaining;    // chunks of the running region not finished yet
    _Atomic int sleepers;        // workers waiting on `wake`
    _Atomic int stopping;
    rk_pool_task task;           // written before the generation is published
    void *context;
    pthread_mutex_t submit;      // held by the thread running a region
    pthread_mutex_t lock;        // guards sleeping
    pthread_cond_t wake;
    size_t workers;
    pthread_t threads[];
};

static inline uint32_t generation_of(uint64_t s) { return (uint32_t)(s >> 32); }
static inline uint32_t chunks_of(uint64_t s) { return (uint32_t)(s >> 16) & 0xffff; }
static inline uint32_t next_of(uint64_t s) { return (uint32_t)s & 0xffff; }

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/// Claims and runs chunks of region `generation` until none is left or a newer region started.
static void work(rk_pool *pool, uint32_t generation) {
    uint64_t s = atomic_load(&pool->state);
    for (;;) {
        if (generation_of(s) != generation || next_of(s) >= chunks_of(s)) return;
        if (!atomic_compare_exchange_weak(&pool->state, &s, s + 1)) continue;
        // The region cannot finish (and its task change) before this chunk is counted down.
        pool->task(pool->context, next_of(s));
        atomic_fetch_sub_explicit(&pool->remaining, 1, memory_order_release);
        s = atomic_load(&pool->state);
    }
}

/// One step of a wait that started at `start`: a pause at first, then a yield to any other thread
/// waiting for this core (a worker holding a chunk, or another process).
static inline void wait_step(uint64_t start, unsigned spins) {
    if (spins < 64 || now_ns() - start < PAUSE_SPIN_NANOSECONDS) SPIN_HINT();
    else sched_yield();
}

static void *worker_main(void *argument) {
    rk_pool *pool = argument;
    uint32_t seen = generation_of(atomic_load(&pool->state));
    for (;;) {
        uint64_t start = now_ns();
        uint32_t generation = seen;
        for (unsigned spins = 0;; spins++) {
            generation = generation_of(atomic_load(&pool->state));
            if (generation != seen || atomic_load(&pool->stopping)) break;
            wait_step(start, spins);
            if ((spins & 63) == 63 && now_ns() - start > IDLE_SPIN_NANOSECONDS) {
                pthread_mutex_lock(&pool->lock);
                atomic_fetch_add(&pool->sleepers, 1);
                // Re-checked after announcing the sleep: a submitter either sees `sleepers` or is seen here.
                while (generation_of(atomic_load(&pool->state)) == seen && !atomic_load(&pool->stopping))
                    pthread_cond_wait(&pool->wake, &pool->lock);
                atomic_fetch_sub(&pool->sleepers, 1);
                pthread_mutex_unlock(&pool->lock);
                start = now_ns();
                spins = 0;
            }
        }
        if (atomic_load(&pool->stopping)) return NULL;
        seen = generation;
        work(pool, generation);
    }
}

rk_pool *rk_pool_create(size_t workers) {
    rk_pool *pool = calloc(1, sizeof(rk_pool) + workers * sizeof(pthread_t));
    if (!pool) return NULL;
    atomic_init(&pool->state, 0);
    atomic_init(&pool->remaining, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->stopping, 0);
    pthread_mutex_init(&pool->submit, NULL);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    for (size_t i = 0; i < workers; i++) {
        if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) {
            pool->workers = i;
            rk_pool_destroy(pool);
            return NULL;
        }
        pool->workers = i + 1;
    }
    return pool;
}

void rk_pool_destroy(rk_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->stopping, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < pool->workers; i++) pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&pool->submit);
    free(pool);
}

void rk_pool_run(rk_pool *pool, size_t chunks, rk_pool_task task, void *context) {
    if (chunks == 0) return;
    if (chunks == 1 || chunks > 0xffff || pool->workers == 0 || pthread_mutex_trylock(&pool->submit) != 0) {
        for (size_t c = 0; c < chunks; c++) task(context, c);
        return;
    }
    pool->task = task;
    pool->context = context;
    atomic_store_explicit(&pool->remaining, chunks, memory_order_relaxed);
    uint32_t generation = generation_of(atomic_load(&pool->state)) + 1;
    atomic_store(&pool->state, (uint64_t)generation << 32 | (uint64_t)chunks << 16);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }
    work(pool, generation);
    uint64_t start = now_ns();
    for (unsigned spins = 0; atomic_load_explicit(&pool->remaining, memory_order_acquire) != 0; spins++)
        wait_step(start, spins);
    pthread_mutex_unlock(&pool->submit);
}
