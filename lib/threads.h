/*
 * threads.h - private to the core: the default thread count's cache
 * (threads.c; wc_default_threads is public, wordcount.h).
 */
#ifndef WC_THREADS_H
#define WC_THREADS_H

#include "common.h"

/* Forget the cached default thread count (threads.c; called in a fork child,
 * whose affinity or environment may differ). */
void wc_threads_after_fork(void);

/* The threads a cgroup CPU quota allows: ceil(quota / period), at most
 * WC_MAX_THREADS; 0 (no limit) when either is not positive. */
int wc_quota_threads(long long quota, long long period);

#endif /* WC_THREADS_H */
