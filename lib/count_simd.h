/*
 * count_simd.h - the body of every SIMD kernel, written once.
 *
 * For each block of WC_W start places i it builds one bit mask of the places
 * where
 *   T[i-1] is ' ' or '\n'                    (a word starts at i)
 *   T[i] == N[0] and T[i+m-1] == N[m-1]      (first and last unit match)
 *   T[i+m] is ' ', '\n' or '\r'              (a word may end at i+m)
 * from four unaligned loads, and runs the full rule (wc_match_at8) on each set
 * bit.  Every filter is implied by the rule, so a bit never counts wrongly; it
 * only decides where the rule is worth running.  This is the "packed pair"
 * first/last filter of substring search (memchr's packedpair.rs) with two
 * more filters for the word boundaries, which keep candidates rare even for a
 * one-unit needle in a text made of that unit.
 *
 * The loads read T[i-1 .. i+WC_W-1+m], so the loop needs i >= 1 and
 * i + WC_W + m <= len; place 0 and the tail go to the scalar kernel.
 *
 * A file count_<isa>.c compiled with its instruction set defines, then
 * includes this header:
 *   WC_KERNEL            the function's name
 *   WC_W                 start places per step (the vector width in bytes)
 *   wc_vec, wc_bits      a loaded vector; the result of a comparison
 *   WC_LOAD(p)           unaligned load of WC_W bytes
 *   WC_SPLAT(c)          a vector of WC_W copies of byte c
 *   WC_EQ(v, s)          bytes of v equal to those of s, as wc_bits
 *   WC_OR(a, b), WC_AND(a, b)   on wc_bits
 *   WC_MASK(b)           wc_bits as an integer, bit k for byte k
 *   WC_BYTE_KERNEL       the name of the plain-pass function below
 */

WC_INLINE wc_bits wc_sep(wc_vec v) /* ' ' or '\n': a word starts after it */
{
    return WC_OR(WC_EQ(v, WC_SPLAT(' ')), WC_EQ(v, WC_SPLAT('\n')));
}

WC_INLINE wc_bits wc_term(wc_vec v) /* ' ', '\n' or '\r': may end a word */
{
    return WC_OR(wc_sep(v), WC_EQ(v, WC_SPLAT('\r')));
}

uint64_t WC_KERNEL(const uint8_t *t, size_t len, size_t lo, size_t hi,
                   const uint8_t *needle, size_t m)
{
    uint64_t count = 0;
    size_t i = lo;
    if (i == 0 && i < hi) {
        count += (uint64_t)wc_match_at8(t, len, 0, needle, m);
        i = 1;
    }
    if (m == 0) {
        for (; i + WC_W <= hi && i + WC_W <= len; i += WC_W) {
            uint64_t mask = WC_MASK(
                WC_AND(wc_sep(WC_LOAD(t + i - 1)), wc_term(WC_LOAD(t + i))));
            for (; mask != 0; mask &= mask - 1)
                count += (uint64_t)wc_match_at8(
                    t, len, i + (size_t)__builtin_ctzll(mask), needle, 0);
        }
    } else {
        const wc_vec first = WC_SPLAT((char)needle[0]);
        const wc_vec last = WC_SPLAT((char)needle[m - 1]);
        for (; i + WC_W <= hi && i + WC_W + m <= len; i += WC_W) {
            uint64_t mask = WC_MASK(WC_AND(
                WC_AND(wc_sep(WC_LOAD(t + i - 1)), WC_EQ(WC_LOAD(t + i), first)),
                WC_AND(WC_EQ(WC_LOAD(t + i + m - 1), last),
                       wc_term(WC_LOAD(t + i + m)))));
            for (; mask != 0; mask &= mask - 1)
                count += (uint64_t)wc_match_at8(
                    t, len, i + (size_t)__builtin_ctzll(mask), needle, m);
        }
    }
    if (i < hi)
        count += wc_count_scalar(t, len, i, hi, needle, m);
    return count;
}

/*
 * The plain pass: how many bytes of t[0 .. n) equal c.  Not a word count:
 * it is the benchmarks' yardstick for "one SIMD pass over the same bytes"
 * (one load and one comparison a vector), on the same dispatch and threads.
 */
uint64_t WC_BYTE_KERNEL(const uint8_t *t, size_t n, uint8_t c)
{
    uint64_t count = 0;
    size_t i = 0;
    const wc_vec s = WC_SPLAT((char)c);
    for (; i + WC_W <= n; i += WC_W)
        count += (uint64_t)__builtin_popcountll(WC_MASK(WC_EQ(WC_LOAD(t + i), s)));
    for (; i < n; i++)
        count += t[i] == c;
    return count;
}
