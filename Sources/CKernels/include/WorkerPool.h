// A small pool of persistent worker threads for the engine's parallel regions (a forward pass has a
// dozen per layer, each a millisecond or less). Idle workers spin briefly before they sleep, so the
// next region of the same pass starts on both cores at once instead of waiting for a thread to be
// woken: on a virtual machine a sleeping vCPU can take tens to hundreds of microseconds to wake.
#ifndef WORKER_POOL_H
#define WORKER_POOL_H

#include <stddef.h>

typedef struct rk_pool rk_pool;

/// `task(context, chunk)` runs one chunk of a region.
typedef void (*rk_pool_task)(void *context, size_t chunk);

/// A pool of `workers` threads (the calling thread is the extra participant of every region);
/// NULL if a thread cannot be started.
rk_pool *rk_pool_create(size_t workers);

/// Stops and joins the workers, then frees the pool. No region may be running.
void rk_pool_destroy(rk_pool *pool);

/// Runs `task` for every chunk in 0..<chunks (at most 65,535) and returns when all have finished. The
/// calling thread takes chunks too; which thread runs a chunk is not fixed, so a task's result must
/// not depend on it. A region started while another is running on the same pool (another thread, or a
/// task itself) runs its chunks on the calling thread, in order.
void rk_pool_run(rk_pool *pool, size_t chunks, rk_pool_task task, void *context);

#endif
