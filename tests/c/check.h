/*
 * check.h - what every C test of the core shares: counters and CHECK macros
 * (thread-safe, the first 40 failures printed), a seeded xorshift64*
 * generator, an xmalloc that gives up cleanly, the literal reference count
 * (lines as Rust's str::lines, words split at ' '; no code shared with the
 * core), and the closing line "N passed, N failed" that CI reads.
 */
#ifndef WC_TEST_CHECK_H
#define WC_TEST_CHECK_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The literal reference, for code units of any width. */
#define REF_COUNT(NAME, T)                                                    \
    static inline uint64_t NAME(const T *t, size_t n, const T *nd, size_t m)  \
    {                                                                         \
        uint64_t c = 0;                                                       \
        size_t pos = 0;                                                       \
        while (pos < n) {                                                     \
            size_t end = pos;                                                 \
            while (end < n && t[end] != '\n')                                 \
                end++;                                                        \
            size_t stop = end;                                                \
            if (end < n && stop > pos && t[stop - 1] == '\r')                 \
                stop--; /* "\r\n" ends the line */                           \
            size_t w = pos;                                                   \
            for (size_t k = pos; k <= stop; k++) {                            \
                if (k == stop || t[k] == ' ') {                               \
                    if (k - w == m && memcmp(t + w, nd, m * sizeof(T)) == 0)  \
                        c++;                                                  \
                    w = k + 1;                                                \
                }                                                             \
            }                                                                 \
            pos = end + 1;                                                    \
        }                                                                     \
        return c;                                                             \
    }
REF_COUNT(ref_count, uint8_t)
REF_COUNT(ref_count16, uint16_t)
REF_COUNT(ref_count32, uint32_t)

#endif /* WC_TEST_CHECK_H */
