/*
 * wc_impl.h - private to the core: the kernel contract, the boundary rule that
 * every kernel shares, and the internal interfaces between the parts of lib/.
 *
 * How a match is counted.  A word equal to the needle N (m units, with no ' '
 * and no '\n' in it) is a place i in the text T (n units) where
 *   left:  i == 0, or T[i-1] is ' ' or '\n';
 *   body:  T[i .. i+m) == N;
 *   right: with e = i + m, one of
 *            e == n            (for m == 0 only when T[n-1] == ' ': a final
 *                               '\n' starts no line, an empty text has none)
 *            T[e] == ' '
 *            T[e] == '\n'      and not (m > 0 and T[e-1] == '\r'): that '\r'
 *                               belongs to the line ending, so the word is
 *                               one unit shorter than N
 *            T[e] == '\r' and T[e+1] == '\n'.
 * That rule is exactly "split into lines as Rust's str::lines, then at ' '";
 * tests/python/test_semantics.py checks it against a literal implementation.
 *
 * Because it looks at most one unit left of i and two units right of e, any
 * range of start places can be counted alone, given those neighbours: that is
 * what makes chunks, blocks and threads exact without aligning them to lines.
 */
#ifndef WC_IMPL_H
#define WC_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "wordcount.h"

#define WC_INLINE static inline __attribute__((always_inline))

/*
 * A kernel counts the matches whose start i lies in [lo, hi) in the text
 * t[0 .. len), which it treats as the whole text (so i == 0 has a left
 * boundary and len is the end of the text).
 * Preconditions: lo <= hi <= len; the needle holds neither ' ' nor '\n'.
 * It reads t[lo-1 .. min(len, hi+m+1)) at most.  A caller that holds only a
 * window of a longer text passes lo >= 1 and hi <= len - m - 1, so that no
 * counted start depends on the window's edges.
 * The start i == len (an empty word at the very end, m == 0) is not a kernel's
 * business: wc_match_at() checks it.
 */
typedef uint64_t (*wc_kernel8_fn)(const uint8_t *t, size_t len, size_t lo,
                                  size_t hi, const uint8_t *needle, size_t m);
typedef uint64_t (*wc_kernel16_fn)(const uint16_t *t, size_t len, size_t lo,
                                   size_t hi, const uint16_t *needle, size_t m);
typedef uint64_t (*wc_kernel32_fn)(const uint32_t *t, size_t len, size_t lo,
                                   size_t hi, const uint32_t *needle, size_t m);
/* The plain pass (the benchmarks' yardstick): bytes of t[0 .. n) equal to c. */
typedef uint64_t (*wc_byte_fn)(const uint8_t *t, size_t n, uint8_t c);

/* Every instruction set has the same four functions, named by suffix. */
#define WC_DECLARE_KERNELS(isa)                                               \
    uint64_t wc_count8_##isa(const uint8_t *t, size_t len, size_t lo,         \
                             size_t hi, const uint8_t *needle, size_t m);     \
    uint64_t wc_count16_##isa(const uint16_t *t, size_t len, size_t lo,       \
                              size_t hi, const uint16_t *needle, size_t m);   \
    uint64_t wc_count32_##isa(const uint32_t *t, size_t len, size_t lo,       \
                              size_t hi, const uint32_t *needle, size_t m);   \
    uint64_t wc_byte_count_##isa(const uint8_t *t, size_t n, uint8_t c);

WC_DECLARE_KERNELS(scalar)
WC_DECLARE_KERNELS(sse2)
WC_DECLARE_KERNELS(avx2)
WC_DECLARE_KERNELS(avx512)

/* The four functions of an instruction set that the build left out: they
 * exist so that dispatch always links, and dispatch never chooses them. */
#define WC_DEFINE_STUBS(isa)                                                  \
    uint64_t wc_count8_##isa(const uint8_t *t, size_t len, size_t lo,         \
                             size_t hi, const uint8_t *needle, size_t m)      \
    { return wc_count8_scalar(t, len, lo, hi, needle, m); }                   \
    uint64_t wc_count16_##isa(const uint16_t *t, size_t len, size_t lo,       \
                              size_t hi, const uint16_t *needle, size_t m)    \
    { return wc_count16_scalar(t, len, lo, hi, needle, m); }                  \
    uint64_t wc_count32_##isa(const uint32_t *t, size_t len, size_t lo,       \
                              size_t hi, const uint32_t *needle, size_t m)    \
    { return wc_count32_scalar(t, len, lo, hi, needle, m); }                  \
    uint64_t wc_byte_count_##isa(const uint8_t *t, size_t n, uint8_t c)       \
    { return wc_byte_count_scalar(t, n, c); }

/* Each SIMD file defines wc_have_<isa> as 1 when it was compiled with its
 * instruction set, 0 when the build left it out.  dispatch.c asks these. */
extern const int wc_have_sse2, wc_have_avx2, wc_have_avx512;

/* The kernels chosen once (dispatch.c), for each width, and the plain pass
 * of the same instruction set. */
wc_kernel8_fn wc_kernel8(void);
wc_kernel16_fn wc_kernel16(void);
wc_kernel32_fn wc_kernel32(void);
wc_byte_fn wc_byte_kernel(void);

/* Count the starts [lo, hi) of a text of any width with the chosen kernel. */
uint64_t wc_count_range(const void *t, size_t len, size_t lo, size_t hi,
                        const void *needle, size_t m, int width);

/* 1 if the needle holds ' ' or '\n' and so can never match. */
int wc_needle_impossible(const void *needle, size_t m, int width);

/* ---- the thread pool (pool.c) ----------------------------------------- */

/* One task of a parallel job: `task` runs from 0 to ntasks - 1. */
typedef void (*wc_task_fn)(void *ctx, size_t task);

/*
 * Run tasks 0 .. ntasks-1 of fn on at most `threads` threads, the caller
 * included; returns when all have run.  Tasks are claimed one at a time, so
 * uneven tasks balance.  Several threads may call this at once.
 * Returns WC_OK, or WC_EFORKED in the child of a fork() that the calling
 * thread made during the job (from a callback), when tasks that workers had
 * begun are lost with them: the job's result is then incomplete.
 */
int wc_pool_run(int threads, wc_task_fn fn, void *ctx, size_t ntasks);

/* How long an idle worker waits for a job before it exits, in ms (< 0:
 * forever); WORD_COUNT_POOL_IDLE sets it at first use.  For tests. */
void wc_pool_set_idle(long ms);

/* On a pool worker, while a fork() is being prepared: wait until it is done.
 * Called between tasks and between the pieces of a task (wc_tick_caller),
 * where the worker holds no lock and its task's data is consistent. */
void wc_pool_safe_point(void);

/* A number that changes in every fork() child (the pool's workers are then
 * gone): a callback that returns with another value has forked, and this
 * is the child. */
unsigned wc_pool_generation(void);

/* Forget the cached default thread count (threads.c; called in a fork child,
 * whose affinity or environment may differ). */
void wc_threads_after_fork(void);

/* ---- progress and cancellation (progress.c) ----------------------------- */

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

/* ---- the boundary rule, for every width -------------------------------- */

#define WC_DEFINE_MATCH_AT(NAME, T)                                           \
    WC_INLINE int NAME(const T *t, size_t len, size_t i, const T *needle,     \
                       size_t m)                                              \
    {                                                                         \
        if (i > 0 && t[i - 1] != ' ' && t[i - 1] != '\n')                     \
            return 0;                                                         \
        if (m > len - i)                                                      \
            return 0;                                                         \
        if (m > 0 && memcmp(t + i, needle, m * sizeof(T)) != 0)               \
            return 0;                                                         \
        size_t e = i + m;                                                     \
        if (e == len)                                                         \
            return m > 0 || (len > 0 && t[len - 1] == ' ');                   \
        T c = t[e];                                                           \
        if (c == ' ')                                                         \
            return 1;                                                         \
        if (c == '\n')                                                        \
            return !(m > 0 && t[e - 1] == '\r');                              \
        return c == '\r' && e + 1 < len && t[e + 1] == '\n';                  \
    }

WC_DEFINE_MATCH_AT(wc_match_at8, uint8_t)
WC_DEFINE_MATCH_AT(wc_match_at16, uint16_t)
WC_DEFINE_MATCH_AT(wc_match_at32, uint32_t)

#endif /* WC_IMPL_H */
