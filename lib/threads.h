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

#endif /* WC_THREADS_H */
