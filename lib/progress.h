/*
 * progress.h - private to the core: the caller's progress callback and
 * cancellation over one count (progress.c).
 */
#ifndef WC_PROGRESS_H
#define WC_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "wordcount.h"

/* The caller's progress callback over one count. */
struct wc_ticker {
    wc_progress_fn fn;   /* NULL: none (never called) */
    void *arg;
    int rc;              /* 0, or why the count stops (sticky) */
    unsigned interval_ms;
    struct timespec last; /* the last call, or the start */
    uint64_t done, total; /* what the next call reports */
};

/* A ticker for a count of `total` bytes (WC_SIZE_UNKNOWN: not known), its
 * clock started now; interval_ms 0: 100 ms. */
void wc_ticker_init(struct wc_ticker *tk, wc_progress_fn fn, void *arg,
                    unsigned interval_ms, uint64_t total);

/* Call the callback with tk->done if `force` or interval_ms have passed
 * since the last call.  Returns 0 to go on, or the code the count stops
 * with: WC_EINTR when the callback asked to stop, WC_EFORKED when it called
 * fork() and this is the child (a count does not go on in the child: its
 * input, workers and results are the parent's).  Once nonzero, it returns
 * the same code at once without calling the callback again. */
int wc_tick(struct wc_ticker *tk, int force);

/* The cancel point of a pool task, between its pieces of work: on the
 * count's calling thread (`caller`) only, wc_tick with done = *done (what
 * the job's threads have counted so far); on a worker, a safe point for
 * fork() (wc_pool_safe_point) and 0; without a callback, 0.  Nonzero (the
 * code, also in tk->rc): the job must set its stop flag. */
int wc_tick_caller(struct wc_ticker *tk, pthread_t caller,
                   _Atomic uint64_t *done);

#endif /* WC_PROGRESS_H */
