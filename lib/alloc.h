/*
 * alloc.h - private to the core: the allocation wrappers of the word and
 * frequency code (any one can be made to fail in tests and fuzzers) and the
 * growable scratch buffer that folded words are written into.
 */
#ifndef WC_ALLOC_H
#define WC_ALLOC_H

#include <stdatomic.h>
#include <stdlib.h>

#include "common.h"

/* Every allocation of the word and frequency code, and of the reads of
 * files and streams (input*.c, long_needles.c), goes through these, so
 * that the tests and the fuzzers can make any one of them fail
 * (wc_test_fail_allocs, words.c): a branch on a counter that is 0 outside
 * of tests. */
extern _Atomic uint64_t wc_fail_countdown;
int wc_fail_alloc_slow(void);

WC_INLINE int wc_fail_alloc(void)
{
    return __builtin_expect(atomic_load_explicit(&wc_fail_countdown,
                                                 memory_order_relaxed) != 0, 0) &&
           wc_fail_alloc_slow();
}

WC_INLINE void *wc_malloc(size_t n)
{
    return wc_fail_alloc() ? NULL : malloc(n);
}

WC_INLINE void *wc_calloc(size_t n, size_t size)
{
    return wc_fail_alloc() ? NULL : calloc(n, size);
}

WC_INLINE void *wc_realloc(void *p, size_t n)
{
    return wc_fail_alloc() ? NULL : realloc(p, n);
}

/* n bytes aligned to `align` (a power of two, a multiple of
 * sizeof(void *)), freed by free(); NULL when out of memory. */
WC_INLINE void *wc_aligned_alloc(size_t align, size_t n)
{
    void *p = NULL;
    if (wc_fail_alloc() || posix_memalign(&p, align, n) != 0)
        return NULL;
    return p;
}

/* For tests: the nth allocation from now on (1: the next) fails, and with
 * `persistent` every one after it too; nth 0 turns failures off. */
void wc_test_fail_allocs(uint64_t nth, int persistent);

/* A growable byte buffer for folded words (one per thread). */
struct wc_scratch {
    uint8_t *buf;
    size_t cap;
};

WC_INLINE int wc_scratch_reserve(struct wc_scratch *sc, size_t need)
{
    if (need <= sc->cap)
        return WC_OK;
    size_t cap = sc->cap < 256 ? 256 : sc->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return WC_ENOMEM;
        cap *= 2;
    }
    uint8_t *b = wc_realloc(sc->buf, cap);
    if (b == NULL)
        return WC_ENOMEM;
    sc->buf = b;
    sc->cap = cap;
    return WC_OK;
}

#endif /* WC_ALLOC_H */
