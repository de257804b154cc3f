/*
 * fuzz_kernels.c - libFuzzer target: every kernel, every width, any range,
 * the parallel split, against the literal reference of tests/c/reference.h.
 *
 * The input is read as
 *   byte 0   control: bits 0-1 the width (1, 2, 4; 3 reads as 1), bits 3-5
 *            a thread count, bits 2, 6 and 7 all set: tile the text past the
 *            parallel threshold (an eighth of inputs: it costs 100 times more)
 *   byte 1   the needle's length in units (0 to 255: may exceed the text)
 *   byte 2   a seed for the range cuts
 *   then     the needle's units, then the text's units, one input byte a
 *            unit: bytes below 0xF0 are that unit, 0xF0..0xFF are wide units
 *            chosen to trap a kernel that compares only the low byte (0x120
 *            has the low byte of ' ', 0x10A that of '\n', and so on).
 * For each input it checks, against the reference:
 *   - wc_count with every kernel this CPU supports (wc_force_kernel);
 *   - the kernel contract: the text cut into random ranges [lo, hi) whose
 *     counts sum to the whole, each range counted from a copy that holds only
 *     t[lo-1 .. min(len, hi+m+1)) in its own allocation, so that ASan reports
 *     any read outside what the contract (lib/kernels/kernels.h) allows;
 *   - wc_count_parallel with 1 to 4 threads and the input's thread count, on
 *     the text itself and (control bits 2, 6 and 7) on the text repeated past
 *     wc_parallel_threshold(), so that the pool splits it into chunks;
 *   - wc_count_byte_parallel (the plain pass) against a byte loop;
 *   - the unicode needle kernels (wc_ucount*) against the scalar one, on
 *     the whole text and a random range (tests/c/ukernel_check.h).
 * A disagreement aborts, which libFuzzer reports as a crash with the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "kernels/kernels.h"
#include "../tests/c/reference.h"
#include "../tests/c/ukernel_check.h"

static const char *const kernels[] = {"scalar", "sse2", "avx2", "avx512"};
#define NKERNELS 4

/* 0xF0..0xFF as units of 2 and 4 bytes. */
static const uint32_t wide16[16] = {
    0x0120, 0x010A, 0x010D, 0x2020, 0x0A0A, 0x0D0A, 0x200A, 0xFF20,
    0x0161, 0x6100, 0x00E9, 0xFFFF, 0xD800, 0x0A20, 0x2000, 0x00FF};
static const uint32_t wide32[16] = {
    0x00010020, 0x0001000A, 0x0001000D, 0x20000020, 0x0000010A, 0x0A00000A,
    0x80000020, 0xFFFFFFFF, 0x00010061, 0x00610000, 0x0010FFFF, 0x00000120,
    0x0D0D0D0D, 0x20202020, 0x00200000, 0x000000FF};

static void fail(const char *what, unsigned long long got,
                 unsigned long long want, int width, size_t len, size_t m)
{
    fprintf(stderr, "MISMATCH %s: got %llu, want %llu (width %d, len %zu, m %zu)\n",
            what, got, want, width, len, m);
    abort();
}

/* ---- units ------------------------------------------------------------- */

static uint32_t unit_of(uint8_t b, int width)
{
    if (b < 0xF0 || width == 1)
        return b;
    return width == 2 ? wide16[b - 0xF0] : wide32[b - 0xF0];
}

static int match_end(const void *t, size_t len, size_t m, int width)
{
    if (m != 0 || len == 0)
        return 0;
    switch (width) {
    case 1: return wc_match_at8(t, len, len, NULL, 0);
    case 2: return wc_match_at16(t, len, len, NULL, 0);
    default: return wc_match_at32(t, len, len, NULL, 0);
    }
}

/* ---- the checks -------------------------------------------------------- */

static uint64_t rng;
static uint64_t next_rand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
}

/* Count [0, len) in random ranges, each from an exact copy of what the
 * kernel may read. */
static uint64_t count_in_ranges(const uint32_t *u, size_t len, const void *nd,
                                size_t m, int width)
{
    uint64_t total = 0;
    size_t lo = 0;
    while (lo < len) {
        size_t hi = lo + 1 + (size_t)(next_rand() % (len - lo));
        if (next_rand() % 4 == 0)
            hi = lo + 1 + (size_t)(next_rand() % 70); /* short, around widths */
        if (hi > len)
            hi = len;
        size_t from = lo > 0 ? lo - 1 : 0;
        size_t to = hi + m + 1 < len ? hi + m + 1 : len;
        void *window = uk_pack(u + from, to - from, width);
        /* The kernel indexes from the text's start: shift the pointer back
         * (never dereferenced below `from`, or ASan reports it). */
        const char *t = (const char *)window - from * (size_t)width;
        total += wc_count_range(t, len, lo, hi, nd, m, width);
        free(window);
        lo = hi;
    }
    return total;
}

static void check_parallel(const void *t, size_t len, const void *nd, size_t m,
                           int width, uint64_t want, int extra_threads,
                           const char *what)
{
    const int threads[] = {2, 4, extra_threads, 0, 1, 3};
    size_t n = len * (size_t)width < wc_parallel_threshold() ? 6 : 4;
    for (size_t k = 0; k < n; k++) {
        uint64_t got = 0;
        int rc = wc_count_parallel(t, len, nd, m, width, threads[k], &got);
        if (rc != WC_OK || got != want)
            fail(what, got, want, width, len, m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    static const int widths[4] = {1, 2, 4, 1};
    int width = widths[data[0] & 3];
    int tile = (data[0] & 0xC4) == 0xC4;
    int extra_threads = 1 + ((data[0] >> 3) & 7);
    size_t m = data[1];
    rng = data[2] | (uint64_t)size << 8;
    data += 3;
    size -= 3;
    if (m > size)
        m = size;
    size_t len = size - m;

    uint32_t *u = malloc((size + 1) * sizeof *u);
    if (u == NULL)
        abort();
    for (size_t k = 0; k < size; k++)
        u[k] = unit_of(data[k], width);
    const uint32_t *nu = u, *tu = u + m;
    void *nd = uk_pack(nu, m, width);
    void *t = uk_pack(tu, len, width);
    uint64_t want = ref_count32(tu, len, nu, m);
    int impossible = wc_needle_impossible(nd, m, width);
    if (impossible && want != 0)
        fail("needle with ' ' or '\\n'", 0, want, width, len, m);

    for (int k = 0; k < NKERNELS; k++) {
        if (wc_force_kernel(kernels[k]) != WC_OK)
            continue;
        uint64_t got = wc_count(t, len, nd, m, width);
        if (got != want)
            fail(kernels[k], got, want, width, len, m);
        if (!impossible) { /* the kernels' precondition */
            got = count_in_ranges(tu, len, nd, m, width) +
                  (uint64_t)match_end(t, len, m, width);
            if (got != want)
                fail("ranges", got, want, width, len, m);
        }
        /* The unicode needle kernel against the scalar one (any needle: the
         * two must agree whatever its units), on the whole text and on a
         * random range, each from a copy of that range alone, in every
         * rule (WC_UFOLD, WC_USPACE). */
        if (m > 0) {
            size_t lo = len > 0 ? (size_t)(next_rand() % (len + 1)) : 0;
            size_t hi = lo + (len > lo ? (size_t)(next_rand() % (len - lo + 1)) : 0);
            unsigned rule = (unsigned)next_rand() & (WC_UFOLD | WC_USPACE);
            if (!uk_range_agrees(tu, 0, len, nu, m, width, rule) ||
                !uk_range_agrees(tu, lo, hi, nu, m, width, rule))
                fail("unicode needle kernel", 0, 0, width, len, m);
        }
    }
    (void)wc_force_kernel(kernels[next_rand() % NKERNELS]); /* may be refused */
    check_parallel(t, len, nd, m, width, want, extra_threads, "parallel");

    if (tile && len > 0) {
        /* The text repeated past the threshold: the pool's chunk edges then
         * fall at many places of it. */
        size_t reps = wc_parallel_threshold() / ((size_t)width * len) + 2;
        if (reps > 300000)
            reps = 300000;
        size_t big_len = reps * len;
        uint32_t *bu = malloc(big_len * sizeof *bu);
        if (bu == NULL)
            abort();
        for (size_t r = 0; r < reps; r++)
            memcpy(bu + r * len, tu, len * sizeof *bu);
        void *big = uk_pack(bu, big_len, width);
        uint64_t big_want = ref_count32(bu, big_len, nu, m);
        check_parallel(big, big_len, nd, m, width, big_want, extra_threads,
                       "parallel, tiled");
        free(big);
        free(bu);
    }

    if (width == 1) {
        uint8_t c = m > 0 ? (uint8_t)nu[0] : ' ';
        uint64_t bytes = 0;
        for (size_t k = 0; k < len; k++)
            bytes += tu[k] == c;
        uint64_t got = 0;
        if (wc_count_byte_parallel(t, len, c, extra_threads, &got) != WC_OK ||
            got != bytes)
            fail("plain pass", got, bytes, width, len, 1);
    }
    (void)wc_force_kernel("auto");
    free(t);
    free(nd);
    free(u);
    return 0;
}
