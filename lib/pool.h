/*
 * pool.h - private to the core: the thread pool that every parallel job runs
 * on (pool.c).
 */
#ifndef WC_POOL_H
#define WC_POOL_H

#include "common.h"

/* One task of a parallel job: `task` runs from 0 to ntasks - 1. */
typedef void (*wc_task_fn)(void *ctx, size_t task);

/*
 * Run tasks 0 .. ntasks-1 of fn on at most `threads` threads, the caller
 * included; returns when all have run.  Tasks are claimed one at a time, so
 * uneven tasks balance.  Several threads may call this at once.
 * Returns WC_OK, or WC_EFORKED in the child of a fork() that the calling
 * thread made during the job (from a callback), when tasks that workers had
 * begun are lost with them: the job's result is then incomplete.
 * A caller's thread that ends inside the job (pthread_exit from a callback,
 * as CPython ends a thread that takes the GIL back while it finalizes)
 * first stops the job's workers from taking more tasks and waits for them
 * to leave it: the job lives on that thread's stack.
 */
int wc_pool_run(int threads, wc_task_fn fn, void *ctx, size_t ntasks);

/* wc_pool_run, and while the caller, its own tasks done, waits for workers
 * still inside theirs, wait(wait_arg) every WC_POOL_WAIT_MS on it, with no
 * lock held (the caller's progress callback: a worker's task may be long,
 * a word of a file that runs on for gigabytes).  wait may fork(). */
#define WC_POOL_WAIT_MS 50
int wc_pool_run_wait(int threads, wc_task_fn fn, void *ctx, size_t ntasks,
                     void (*wait)(void *), void *wait_arg);

/* How long an idle worker waits for a job before it exits, in ms (< 0:
 * forever); WORD_COUNT_POOL_IDLE sets it at first use.  For tests. */
void wc_pool_set_idle(long ms);

/* On a pool worker, while a fork() is being prepared: wait until it is done.
 * Called between tasks and between the pieces of a task (wc_tick_caller),
 * where the worker holds no lock and its task's data is consistent. */
void wc_pool_safe_point(void);

/* Whether the calling thread is a worker that wc_pool_shutdown() is
 * stopping: a task that works through a job's shared pieces (spans,
 * blocks) leaves the rest to the job's other threads, its caller among
 * them, before it claims the next. */
int wc_pool_leaving(void);

/* A number that changes in every fork() child (the pool's workers are then
 * gone): a callback that returns with another value has forked, and this
 * is the child. */
unsigned wc_pool_generation(void);

#endif /* WC_POOL_H */
