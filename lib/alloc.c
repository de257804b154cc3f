/*
 * alloc.c - allocation failures on demand, for the tests and the fuzzers
 * (wc_test_fail_allocs): the slow path of wc_fail_alloc (alloc.h).
 */
#include "alloc.h"

_Atomic uint64_t wc_fail_countdown;
static _Atomic int wc_fail_persistent;

int wc_fail_alloc_slow(void)
{
    uint64_t c = atomic_load(&wc_fail_countdown);
    while (c != 0) {
        uint64_t next = c > 1 ? c - 1 : atomic_load(&wc_fail_persistent) ? 1 : 0;
        if (atomic_compare_exchange_weak(&wc_fail_countdown, &c, next))
            return c == 1;
    }
    return 0;
}

void wc_test_fail_allocs(uint64_t nth, int persistent)
{
    atomic_store(&wc_fail_persistent, persistent != 0);
    atomic_store(&wc_fail_countdown, nth);
}
