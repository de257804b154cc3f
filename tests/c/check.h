/*
 * check.h - what every C test of the core shares: counters and CHECK macros
 * (thread-safe, the first 40 failures printed), a seeded xorshift64*
 * generator, an xmalloc that gives up cleanly, the literal reference count
 * (reference.h), and the closing line "N passed, N failed" that CI reads.
 */
#ifndef WC_TEST_CHECK_H
#define WC_TEST_CHECK_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"

static atomic_int g_passed, g_failed;

/* Counts a failure, and says whether to print it (the first 40 only). */
static inline int check_failed(void)
{
    return atomic_fetch_add(&g_failed, 1) < 40;
}

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            atomic_fetch_add(&g_passed, 1);                                   \
        } else if (check_failed()) {                                          \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

#define CHECK_EQ(got, want, ...)                                              \
    do {                                                                      \
        unsigned long long g_ = (unsigned long long)(got);                    \
        unsigned long long w_ = (unsigned long long)(want);                   \
        if (g_ == w_) {                                                       \
            atomic_fetch_add(&g_passed, 1);                                   \
        } else if (check_failed()) {                                          \
            fprintf(stderr, "FAIL %s:%d: got %llu, want %llu: ", __FILE__,    \
                    __LINE__, g_, w_);                                        \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

/* Whether the test runs under a user-mode CPU emulator (qemu-user: `make
 * test-cross` sets WC_TEST_EMULATED=1).  The emulator's own threads show in
 * /proc/self/task, it aborts in a child forked from a threaded process, and
 * madvise() advice is not applied, so the tests of thread counts, fork and
 * page faults skip those checks there. */
static inline int emulated(void)
{
    const char *e = getenv("WC_TEST_EMULATED");
    return e != NULL && strcmp(e, "1") == 0;
}

/* Prints the closing line; the process's exit status. */
static inline int check_report(void)
{
    int failed = atomic_load(&g_failed);
    printf("%d passed, %d failed\n", atomic_load(&g_passed), failed);
    return failed == 0 ? 0 : 1;
}

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* xorshift64*: each test file seeds it to its own constant. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static inline uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

#endif /* WC_TEST_CHECK_H */
