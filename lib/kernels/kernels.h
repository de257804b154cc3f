/*
 * kernels.h - private to the core: the needle kernels' contract, one
 * signature for every instruction set (count_<isa>.c), and the boundary rule
 * that every kernel shares.
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
#ifndef WC_KERNELS_H
#define WC_KERNELS_H

#include "common.h"

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

/*
 * The needle kernels of a words count (unicode mode, the CLI's default:
 * grep's words; or space mode), for a needle of m >= 1 units, in a range
 * [lo, hi) whose ends no word crosses (lo: the text's start, or the start
 * of a non-word code point, or in space mode just after ' ' or '\n'; hi:
 * the text's end, or the same).  A place i in [lo, hi - m] counts when
 *   body:  T[i .. i+m) == N;
 * and, in unicode mode,
 *   left:  i == lo, or T[i-1] is not an ASCII word unit [0-9A-Za-z_];
 *   right: i + m == hi, or T[i+m] is not an ASCII word unit;
 * and, when a neighbour that is looked at is a unit >= 0x80 (part of a code
 * point that may or may not be a word character, or of invalid UTF-8),
 * check(ctx, i) says 1 (the caller decodes the neighbours and classifies
 * them).  check() depends on the neighbours of [i, i+m) only, so a kernel
 * may ask before it compares the body: a needle of m > 4 units is compared
 * only at places whose boundaries hold, the starts of words, so that a text
 * that is one word of non-ASCII letters costs no m units a place (n m in
 * all).  In space mode (rule WC_USPACE) the boundaries are those of the
 * rule above, with [lo, hi) for the text and no check():
 *   left:  i == lo, or T[i-1] is ' ' or '\n';
 *   right: with e = i + m, e == hi, or T[e] == ' ', or T[e] == '\n' and
 *          N[m-1] != '\r', or T[e] == '\r' and e + 1 < hi and T[e+1] == '\n'.
 * With WC_UFOLD the body compares ASCII letters without case: unit j
 * matches when T[i+j] == N[j], or N[j] is in 'a'..'z' and T[i+j] is N[j] -
 * 0x20 (casefold of needles that fold to ASCII: needle_words.c).  The
 * kernel reads T[lo .. hi) only.
 */
#define WC_UFOLD 1u
#define WC_USPACE 2u
typedef int (*wc_ucheck_fn)(void *ctx, size_t i);
typedef uint64_t (*wc_ukernel8_fn)(const uint8_t *t, size_t lo, size_t hi,
                                   const uint8_t *needle, size_t m,
                                   unsigned rule, wc_ucheck_fn check, void *ctx);
typedef uint64_t (*wc_ukernel16_fn)(const uint16_t *t, size_t lo, size_t hi,
                                    const uint16_t *needle, size_t m,
                                    unsigned rule, wc_ucheck_fn check, void *ctx);
typedef uint64_t (*wc_ukernel32_fn)(const uint32_t *t, size_t lo, size_t hi,
                                    const uint32_t *needle, size_t m,
                                    unsigned rule, wc_ucheck_fn check, void *ctx);

/* An ASCII word unit: [0-9A-Za-z_] (every unit >= 0x80 is not). */
WC_INLINE int wc_ascii_word_unit(uint32_t u)
{
    return u - '0' < 10 || (u | 0x20) - 'a' < 26 || u == '_';
}

/* Every instruction set has the same functions, named by suffix. */
#define WC_DECLARE_KERNELS(isa)                                               \
    uint64_t wc_count8_##isa(const uint8_t *t, size_t len, size_t lo,         \
                             size_t hi, const uint8_t *needle, size_t m);     \
    uint64_t wc_count16_##isa(const uint16_t *t, size_t len, size_t lo,       \
                              size_t hi, const uint16_t *needle, size_t m);   \
    uint64_t wc_count32_##isa(const uint32_t *t, size_t len, size_t lo,       \
                              size_t hi, const uint32_t *needle, size_t m);   \
    uint64_t wc_byte_count_##isa(const uint8_t *t, size_t n, uint8_t c);       \
    uint64_t wc_ucount8_##isa(const uint8_t *t, size_t lo, size_t hi,         \
                              const uint8_t *needle, size_t m, unsigned rule, \
                              wc_ucheck_fn check, void *ctx);                 \
    uint64_t wc_ucount16_##isa(const uint16_t *t, size_t lo, size_t hi,       \
                               const uint16_t *needle, size_t m,              \
                               unsigned rule, wc_ucheck_fn check, void *ctx); \
    uint64_t wc_ucount32_##isa(const uint32_t *t, size_t lo, size_t hi,       \
                               const uint32_t *needle, size_t m,              \
                               unsigned rule, wc_ucheck_fn check, void *ctx);

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
    { return wc_byte_count_scalar(t, n, c); }                                 \
    uint64_t wc_ucount8_##isa(const uint8_t *t, size_t lo, size_t hi,         \
                              const uint8_t *needle, size_t m, unsigned rule, \
                              wc_ucheck_fn check, void *ctx)                  \
    { return wc_ucount8_scalar(t, lo, hi, needle, m, rule, check, ctx); }     \
    uint64_t wc_ucount16_##isa(const uint16_t *t, size_t lo, size_t hi,       \
                               const uint16_t *needle, size_t m,              \
                               unsigned rule, wc_ucheck_fn check, void *ctx)  \
    { return wc_ucount16_scalar(t, lo, hi, needle, m, rule, check, ctx); }    \
    uint64_t wc_ucount32_##isa(const uint32_t *t, size_t lo, size_t hi,       \
                               const uint32_t *needle, size_t m,              \
                               unsigned rule, wc_ucheck_fn check, void *ctx)  \
    { return wc_ucount32_scalar(t, lo, hi, needle, m, rule, check, ctx); }

/* Each SIMD file defines wc_have_<isa> as 1 when it was compiled with its
 * instruction set, 0 when the build left it out.  dispatch.c asks these. */
extern const int wc_have_sse2, wc_have_avx2, wc_have_avx512;


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

/* The rule of wc_ucount* at the places [a, b) of [lo, hi): the scalar
 * kernel, and the vector kernels' first place and tail. */
#define WC_DEFINE_UMATCH(NAME, T, UEQ)                                        \
    WC_INLINE uint64_t NAME(const T *t, size_t lo, size_t hi, size_t a,       \
                            size_t b, const T *needle, size_t m,              \
                            unsigned rule, wc_ucheck_fn check, void *ctx)     \
    {                                                                         \
        uint64_t count = 0;                                                   \
        int fold = (rule & WC_UFOLD) != 0;                                    \
        for (size_t i = a; i < b && m <= hi - i; i++) {                       \
            size_t e = i + m;                                                 \
            if (rule & WC_USPACE) {                                           \
                if (i > lo && t[i - 1] != ' ' && t[i - 1] != '\n')            \
                    continue;                                                 \
                if (e < hi && t[e] != ' ' &&                                  \
                    !(t[e] == '\n' && needle[m - 1] != '\r') &&               \
                    !(t[e] == '\r' && e + 1 < hi && t[e + 1] == '\n'))        \
                    continue;                                                 \
                count += UEQ(t + i, needle, m, fold);                         \
                continue;                                                     \
            }                                                                 \
            int high = 0;                                                     \
            if (i > lo) {                                                     \
                if (wc_ascii_word_unit(t[i - 1]))                             \
                    continue;                                                 \
                high = t[i - 1] >= 0x80;                                      \
            }                                                                 \
            if (e < hi) {                                                     \
                if (wc_ascii_word_unit(t[e]))                                 \
                    continue;                                                 \
                high |= t[e] >= 0x80;                                         \
            }                                                                 \
            /* The boundaries before the body: linear (see wc_ucount*). */    \
            if (high && !check(ctx, i))                                       \
                continue;                                                     \
            count += UEQ(t + i, needle, m, fold);                             \
        }                                                                     \
        return count;                                                         \
    }

/* The body of the unicode-mode rule: p[0 .. m) equals the needle, with
 * ASCII letters compared without case when fold (see WC_UFOLD). */
#define WC_DEFINE_UEQ(NAME, T)                                                \
    WC_INLINE int NAME(const T *p, const T *needle, size_t m, int fold)       \
    {                                                                         \
        if (!fold)                                                            \
            return p[0] == needle[0] &&                                       \
                   memcmp(p, needle, m * sizeof(T)) == 0;                     \
        for (size_t j = 0; j < m; j++) {                                      \
            T n = needle[j];                                                  \
            if (p[j] != n &&                                                  \
                ((uint32_t)n - 'a' >= 26 || p[j] != (T)(n - 0x20)))           \
                return 0;                                                     \
        }                                                                     \
        return 1;                                                             \
    }

WC_DEFINE_UEQ(wc_ueq8, uint8_t)
WC_DEFINE_UEQ(wc_ueq16, uint16_t)
WC_DEFINE_UEQ(wc_ueq32, uint32_t)

WC_DEFINE_UMATCH(wc_umatch8, uint8_t, wc_ueq8)
WC_DEFINE_UMATCH(wc_umatch16, uint16_t, wc_ueq16)
WC_DEFINE_UMATCH(wc_umatch32, uint32_t, wc_ueq32)

WC_DEFINE_MATCH_AT(wc_match_at8, uint8_t)
WC_DEFINE_MATCH_AT(wc_match_at16, uint16_t)
WC_DEFINE_MATCH_AT(wc_match_at32, uint32_t)

#endif /* WC_KERNELS_H */
