/*
 * progress.c - the caller's progress callback (wc_progress_fn) and the
 * cancel points of long counts: files and streams (input.c) and texts in
 * memory (freq.c).
 *
 * Only the thread that called the count calls the callback, so a client may
 * touch its own state there (the extension takes the GIL and runs Python's
 * signal handlers).  The pool's threads add what they have counted to a
 * shared counter and look at their job's stop flag between pieces of work;
 * the calling thread, between its own pieces, asks wc_tick_caller, which
 * calls the callback at most every interval_ms.
 *
 * The callback may call fork() (Python code can, from a progress callable
 * or a signal handler).  The parent goes on.  The child stops the count
 * with WC_EFORKED: the workers that shared the job do not exist there, and
 * a stream would be read by two processes.
 */
#include <time.h>

#include "pool.h"
#include "progress.h"

#define WC_TICK_INTERVAL_MS 100

void wc_ticker_init(struct wc_ticker *tk, wc_progress_fn fn, void *arg,
                    unsigned interval_ms, uint64_t total)
{
    tk->fn = fn;
    tk->arg = arg;
    tk->rc = 0;
    tk->interval_ms = interval_ms ? interval_ms : WC_TICK_INTERVAL_MS;
    tk->done = 0;
    tk->total = total;
    if (clock_gettime(CLOCK_MONOTONIC, &tk->last) != 0)
        tk->last = (struct timespec){0, 0}; /* wc_tick then calls at once */
}

int wc_tick(struct wc_ticker *tk, int force)
{
    if (tk->fn == NULL || tk->rc != 0)
        return tk->rc;
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        /* Cannot fail with CLOCK_MONOTONIC; if it did, calling too often
         * is better than never being able to stop. */
        force = 1;
        now = tk->last;
    }
    int64_t ms = (int64_t)(now.tv_sec - tk->last.tv_sec) * 1000 +
                 (now.tv_nsec - tk->last.tv_nsec) / 1000000;
    if (!force && ms < (int64_t)tk->interval_ms)
        return 0;
    tk->last = now;
    unsigned gen = wc_pool_generation();
    int stop = tk->fn(tk->arg, tk->done, tk->total) != 0;
    if (wc_pool_generation() != gen)
        tk->rc = WC_EFORKED;
    else if (stop)
        tk->rc = WC_EINTR;
    return tk->rc;
}

int wc_tick_caller(struct wc_ticker *tk, pthread_t caller,
                   _Atomic uint64_t *done)
{
    if (!pthread_equal(pthread_self(), caller)) {
        wc_pool_safe_point();
        return 0;
    }
    if (tk->fn == NULL)
        return 0;
    tk->done = atomic_load_explicit(done, memory_order_relaxed);
    return wc_tick(tk, 0);
}
