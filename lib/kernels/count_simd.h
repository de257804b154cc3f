/*
 * count_simd.h - the body of every SIMD kernel, written once, for every ISA
 * and every code-unit width.
 *
 * For a block of WC_N start places i, comparisons of unaligned loads build a
 * mask of the places that pass
 *   left:   T[i-1] is ' ' or '\n'
 *   body:   T[i+j] == N[j]                      (j < m, or j in {0, m-1})
 *   right:  T[i+m] is ' ', or '\n' (unless N ends with '\r'), or '\r'
 *           followed by '\n'
 * which is the rule of kernels.h with e = i + m < len - 1.  For needles of at
 * most WC_EXACT units every unit is compared, so the mask is exact and the
 * block's count is its popcount: no branch per match, which on English text
 * and a two-letter needle (a match every ~90 bytes) was the larger cost (the
 * earlier kernel, first/last unit + boundary filters and a call to the full
 * rule per candidate, ran at 8.3 GB/s on one core of an EPYC 7B13 against
 * 17.7 GB/s for a plain pass).  Longer needles compare the first and last
 * units only and run the full rule (wc_match_at*) on each candidate: the
 * boundary filters keep candidates rare even for a needle of one repeated
 * letter in a text made of it.  This is the "packed pair" of substring search
 * (memchr's packedpair.rs) with word-boundary filters added.
 *
 * The loads read T[i-1 .. i+WC_N+m], so the loop needs i >= 1 and
 * i + WC_N + m + 1 <= len; place 0 and the tail go to the scalar kernel.
 *
 * A file count_<isa>.c compiled with its instruction set defines
 *   WC_ISA               its suffix (sse2, avx2, avx512)
 *   wc_vec, wc_bits      a loaded vector; the result of a comparison
 *   WC_VBYTES            bytes in a vector
 *   WC_LOAD(p)           unaligned load of one vector
 *   WC_OR, WC_AND        on wc_bits
 *   WC_SPLAT(c)          a vector of units c, WC_BITS bits each
 *   WC_EQ(v, s)          units of v equal to those of s, as wc_bits
 *   WC_MASK(b)           wc_bits as a uint64_t
 *   WC_UB                mask bits per unit: 1 for AVX-512's compare masks,
 *                        WC_BITS / 8 for byte movemasks
 * and then includes this file once for each WC_BITS of 8, 16 and 32, which
 * defines wc_count<BITS>_<isa> (and, for 8, the plain pass
 * wc_byte_count_<isa>).  WC_BITS is #undef'd at the end.
 */

#define WC_CAT3_(a, b, c) a##b##c
#define WC_CAT3(a, b, c) WC_CAT3_(a, b, c)
#define WC_CAT4_(a, b, c, d) a##b##c##d
#define WC_CAT4(a, b, c, d) WC_CAT4_(a, b, c, d)
#define WC_KERNEL WC_CAT4(wc_count, WC_BITS, _, WC_ISA)
#define WC_T WC_CAT3(uint, WC_BITS, _t)
#define WC_N (WC_VBYTES / (WC_BITS / 8))
#define WC_MATCH_AT WC_CAT3(wc_match_at, WC_BITS, )
/* One bit a unit: a byte movemask sets WC_UB bits for each unit that
 * compares equal; keep the lowest so that each place counts once. */
#define WC_ONE_BIT_A_UNIT                                                     \
    (WC_UB == 1 ? ~0ull : WC_UB == 2 ? 0x5555555555555555ull                  \
                                     : 0x1111111111111111ull)
#define WC_SCALAR WC_CAT3(wc_count, WC_BITS, _scalar)

#ifndef WC_EXACT
#define WC_EXACT 4 /* longest needle compared in full in the vector loop */
#endif

#define WC_AT(p) WC_LOAD((const void *)(p))
#define WC_IS(v, c) WC_EQ((v), WC_SPLAT(c))
#define WC_SEP(v) WC_OR(WC_IS(v, ' '), WC_IS(v, '\n'))

/* The vectors a kernel compares with: each unit of a needle of at most
 * WC_EXACT units, else its first and last. */
#define WC_NEEDLE_UNITS WC_CAT4(wc_needle_units, WC_BITS, _, WC_ISA)
static inline void WC_NEEDLE_UNITS(wc_vec *unit, const WC_T *needle, size_t m)
{
    if (m <= WC_EXACT) {
        for (size_t j = 0; j < m; j++)
            unit[j] = WC_SPLAT(needle[j]);
    } else {
        unit[0] = WC_SPLAT(needle[0]);
        unit[1] = WC_SPLAT(needle[m - 1]);
    }
}

uint64_t WC_KERNEL(const WC_T *t, size_t len, size_t lo, size_t hi,
                   const WC_T *needle, size_t m)
{
    uint64_t count = 0;
    size_t i = lo;
    if (i == 0 && i < hi) {
        count += (uint64_t)WC_MATCH_AT(t, len, 0, needle, m);
        i = 1;
    }
    /* '\n' ends a word unless the needle's last unit is '\r' (then that
     * '\r' would be the line ending's, not the word's). */
    const int nl_ends = m == 0 || needle[m - 1] != '\r';
    const size_t exact = m <= WC_EXACT ? m : 2;
    wc_vec unit[WC_EXACT];
    WC_NEEDLE_UNITS(unit, needle, m);
    for (; i + WC_N <= hi && i + WC_N + m + 1 <= len; i += WC_N) {
        const WC_T *p = t + i;
        wc_bits v = WC_SEP(WC_AT(p - 1));
        if (m <= WC_EXACT) {
            for (size_t j = 0; j < exact; j++)
                v = WC_AND(v, WC_EQ(WC_AT(p + j), unit[j]));
        } else {
            v = WC_AND(v, WC_AND(WC_EQ(WC_AT(p), unit[0]),
                                 WC_EQ(WC_AT(p + m - 1), unit[1])));
        }
        wc_vec after = WC_AT(p + m);
        wc_bits right = WC_OR(WC_IS(after, ' '),
                              WC_AND(WC_IS(after, '\r'), WC_IS(WC_AT(p + m + 1), '\n')));
        if (nl_ends)
            right = WC_OR(right, WC_IS(after, '\n'));
        uint64_t mask = WC_MASK(WC_AND(v, right)) & WC_ONE_BIT_A_UNIT;
        if (m <= WC_EXACT) {
            count += (uint64_t)__builtin_popcountll(mask);
        } else {
            for (; mask != 0; mask &= mask - 1)
                count += (uint64_t)WC_MATCH_AT(
                    t, len, i + (size_t)__builtin_ctzll(mask) / WC_UB, needle, m);
        }
    }
    if (i < hi)
        count += WC_SCALAR(t, len, i, hi, needle, m);
    return count;
}

/*
 * The words-count kernel (kernels.h: wc_ucount*): the same packed pair,
 * with, in unicode mode, the boundary filters "not an ASCII word unit" on
 * both sides, by signed comparisons (a unit >= 0x80, negative or above
 * 0x7F, is never in a range of ASCII word units).  A place whose neighbour
 * is a unit >= 0x80 (in the HIGH mask) goes to check(); the others are
 * exact.  In space mode the boundaries are the space kernel's, exact.
 */
#define WC_UKERNEL WC_CAT4(wc_ucount, WC_BITS, _, WC_ISA)
#define WC_UMATCH WC_CAT3(wc_umatch, WC_BITS, )
#define WC_UEQ WC_CAT3(wc_ueq, WC_BITS, )
#define WC_IN(v, a, b) WC_ANDNOT(WC_GT(v, WC_SPLAT(b)), WC_GT(v, WC_SPLAT((a) - 1)))
#define WC_WORDV(v)                                                           \
    WC_OR(WC_OR(WC_IN(v, '0', '9'), WC_IN(WC_VOR(v, WC_SPLAT(0x20)), 'a', 'z')), \
          WC_IS(v, '_'))
#if WC_BITS == 8
#define WC_HIGHV(v) WC_GT(WC_SPLAT(0), v)
#else
#define WC_HIGHV(v) WC_OR(WC_GT(WC_SPLAT(0), v), WC_GT(v, WC_SPLAT(0x7F)))
#endif

/* The vectors OR'd into the text's units before they are compared with
 * those of WC_NEEDLE_UNITS: 0x20 where fold and the needle's unit is a
 * lowercase ASCII letter (then 'A' | 0x20 == 'a'; no other unit ORs to a
 * letter), else 0. */
#define WC_FOLD_UNITS WC_CAT4(wc_fold_units, WC_BITS, _, WC_ISA)
static inline void WC_FOLD_UNITS(wc_vec *low, const WC_T *needle, size_t m,
                                 int fold)
{
    size_t n = m <= WC_EXACT ? m : 2;
    for (size_t j = 0; j < n; j++) {
        WC_T c = m <= WC_EXACT || j == 0 ? needle[j] : needle[m - 1];
        low[j] = WC_SPLAT(fold && (uint32_t)c - 'a' < 26 ? 0x20 : 0);
    }
}

/* Units p[0 ..) compared with a needle's: OR'd with low first when fold
 * (a constant where WC_UBODY is inlined: no OR without it). */
#define WC_UEQV(p, j, fold)                                                   \
    WC_EQ((fold) ? WC_VOR(WC_AT(p), low[j]) : WC_AT(p), unit[j])

#define WC_UBODY WC_CAT4(wc_ubody, WC_BITS, _, WC_ISA)
WC_INLINE uint64_t WC_UBODY(const WC_T *t, size_t lo, size_t hi,
                            const WC_T *needle, size_t m, const unsigned rule,
                            wc_ucheck_fn check, void *ctx)
{
    const int fold = (rule & WC_UFOLD) != 0, space = (rule & WC_USPACE) != 0;
    /* Place lo has no left neighbour to look at: the scalar rule. */
    uint64_t count = WC_UMATCH(t, lo, hi, lo, lo + 1, needle, m, rule, check, ctx);
    size_t i = lo + 1;
    const size_t exact = m <= WC_EXACT ? m : 2;
    /* Space mode: '\n' ends a word unless the needle ends with '\r'. */
    const int nl_ends = needle[m - 1] != '\r';
    wc_vec unit[WC_EXACT], low[WC_EXACT];
    WC_NEEDLE_UNITS(unit, needle, m);
    WC_FOLD_UNITS(low, needle, m, fold);
    /* The loads read T[i-1 .. i+WC_N-1+m] (space mode: one more, for
     * "\r\n"): within [lo, hi). */
    for (; i + WC_N + m + (size_t)space <= hi; i += WC_N) {
        const WC_T *p = t + i;
        wc_vec before = WC_AT(p - 1), after = WC_AT(p + m);
        wc_bits v;
        if (m <= WC_EXACT) {
            v = WC_UEQV(p, 0, fold);
            for (size_t j = 1; j < exact; j++)
                v = WC_AND(v, WC_UEQV(p + j, j, fold));
        } else {
            v = WC_AND(WC_UEQV(p, 0, fold), WC_UEQV(p + m - 1, 1, fold));
        }
        uint64_t mask, high = 0;
        if (space) {
            /* The rule of the space kernels (WC_KERNEL above): exact. */
            wc_bits right = WC_OR(WC_IS(after, ' '),
                                  WC_AND(WC_IS(after, '\r'), WC_IS(WC_AT(p + m + 1), '\n')));
            if (nl_ends)
                right = WC_OR(right, WC_IS(after, '\n'));
            mask = WC_MASK(WC_AND(WC_SEP(before), WC_AND(right, v))) & WC_ONE_BIT_A_UNIT;
        } else {
            v = WC_ANDNOT(WC_WORDV(before), WC_ANDNOT(WC_WORDV(after), v));
            mask = WC_MASK(v) & WC_ONE_BIT_A_UNIT;
            if (mask == 0)
                continue;
            high = WC_MASK(WC_OR(WC_HIGHV(before), WC_HIGHV(after))) & mask;
        }
        if (m <= WC_EXACT) {
            count += (uint64_t)__builtin_popcountll(mask & ~high);
            for (; high != 0; high &= high - 1)
                count += (uint64_t)check(ctx, i + (size_t)__builtin_ctzll(high) / WC_UB);
        } else {
            /* The boundaries first: a place inside a word of non-ASCII
             * letters is then no compare (m units at each of them would
             * be quadratic in a word as long as the text). */
            for (; mask != 0; mask &= mask - 1) {
                unsigned b = (unsigned)__builtin_ctzll(mask);
                if ((high >> b) & 1 && !check(ctx, i + b / WC_UB))
                    continue;
                count += (uint64_t)WC_UEQ(p + b / WC_UB, needle, m, fold);
            }
        }
    }
    if (i < hi)
        count += WC_UMATCH(t, lo, hi, i, hi, needle, m, rule, check, ctx);
    return count;
}

uint64_t WC_UKERNEL(const WC_T *t, size_t lo, size_t hi, const WC_T *needle,
                    size_t m, unsigned rule, wc_ucheck_fn check, void *ctx)
{
    if (m == 0 || lo >= hi || m > hi - lo)
        return 0;
    switch (rule & (WC_UFOLD | WC_USPACE)) {
    case 0:
        return WC_UBODY(t, lo, hi, needle, m, 0, check, ctx);
    case WC_UFOLD:
        return WC_UBODY(t, lo, hi, needle, m, WC_UFOLD, check, ctx);
    case WC_USPACE:
        return WC_UBODY(t, lo, hi, needle, m, WC_USPACE, check, ctx);
    default:
        return WC_UBODY(t, lo, hi, needle, m, WC_UFOLD | WC_USPACE, check, ctx);
    }
}

#undef WC_UKERNEL
#undef WC_UMATCH
#undef WC_UEQ
#undef WC_UEQV
#undef WC_UBODY
#undef WC_FOLD_UNITS
#undef WC_IN
#undef WC_WORDV
#undef WC_HIGHV

#if WC_BITS == 8
/*
 * The plain pass: how many bytes of t[0 .. n) equal c.  Not a word count:
 * it is the benchmarks' yardstick for "one SIMD pass over the same bytes"
 * (one load and one comparison a vector), on the same dispatch and threads.
 */
uint64_t WC_CAT3(wc_byte_count_, WC_ISA, )(const uint8_t *t, size_t n, uint8_t c)
{
    uint64_t count = 0;
    size_t i = 0;
    const wc_vec s = WC_SPLAT(c);
    for (; i + WC_VBYTES <= n; i += WC_VBYTES)
        count += (uint64_t)__builtin_popcountll(WC_MASK(WC_EQ(WC_AT(t + i), s)));
    for (; i < n; i++)
        count += t[i] == c;
    return count;
}
#endif

#undef WC_NEEDLE_UNITS
#undef WC_AT
#undef WC_IS
#undef WC_SEP
#undef WC_KERNEL
#undef WC_T
#undef WC_N
#undef WC_MATCH_AT
#undef WC_ONE_BIT_A_UNIT
#undef WC_SCALAR
#undef WC_BITS
