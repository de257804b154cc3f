/*
 * test_wmask.c - the byte-class kernels of the word enumerators
 * (lib/kernels/wmask.h): every kernel this CPU runs, every class, every
 * length from 0 to 300 (around each vector width and the 64-byte words of
 * the mask) at every offset 0 to 63 from an aligned base, on random bytes
 * and on bytes drawn from the edges of the classes; each mask against a
 * byte-at-a-time oracle written here (not the scalar kernel), and the
 * input in its own allocation of exactly n bytes (ASan: no read past it).
 * The lower-casing kernels (wc_lower_<isa>) the same way, against a
 * byte-at-a-time oracle: the ASCII prefix, lower-cased, and its length.
 * The kernels of wider units (wc_wmaskw_<isa>, widths 2 and 4) the same
 * way, on units drawn from the edges of the classes and the values whose
 * low byte is in a class (0x120, 0x8020, 0x1000A: a truncating or signed
 * narrowing puts them in it).
 * The narrowing kernels (wc_narrow_<isa>) on those units too, against a
 * unit-at-a-time oracle: the length of the prefix below 0x80 and its
 * bytes, with a unit >= 0x80 at every place of a run of 200.
 * Also: dispatch gives each kernel's function once forced, so
 * WORD_COUNT_KERNEL reaches the word kernels.
 */
#include "check.h"
#include "wordcount.h"
#include "kernels/wmask.h"

static const char *const names[] = {"scalar", "sse2", "avx2", "avx512"};
static const wc_wmask_fn fns[] = {wc_wmask_scalar, wc_wmask_sse2,
                                  wc_wmask_avx2, wc_wmask_avx512};

static const wc_wmaskw_fn wfns[] = {wc_wmaskw_scalar, wc_wmaskw_sse2,
                                    wc_wmaskw_avx2, wc_wmaskw_avx512};

static const wc_lower_fn lowers[] = {wc_lower_scalar, wc_lower_sse2,
                                      wc_lower_avx2, wc_lower_avx512};

static const wc_narrow_fn narrows[] = {wc_narrow_scalar, wc_narrow_sse2,
                                       wc_narrow_avx2, wc_narrow_avx512};

/* The edges of every class: the bytes just inside and just outside. */
static const uint8_t edges[] = {' ', '\n', '\r', '\t', 0, 0x1F, 0x21,
                                '/', '0', '9', ':', '@', 'A', 'Z', '[',
                                '^', '_', '`', 'a', 'z', '{', 0x7F, 0x80,
                                0x8A, 0xA0, 0xC1, 0xDA, 0xDF, 0xE1, 0xFA,
                                0xFF, 0x2A, 0x4A, 0x6A, 0x0A + 0x80, 0x20 + 0x80};

static int oracle(uint8_t b, int cls)
{
    if (cls == WC_WMASK_SPACE)
        return b == 0x20 || b == 0x0A;
    if (cls == WC_WMASK_HIGH)
        return b > 0x7F;
    return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) ||
           (b >= 0x61 && b <= 0x7A) || b == 0x5F;
}

static void check_one(int k, const uint8_t *src, size_t n, int cls,
                      const char *what)
{
    uint8_t *p = xmalloc(n ? n : 1);
    memcpy(p, src, n);
    uint64_t out[8];
    for (size_t w = 0; w < 8; w++)
        out[w] = 0xA5A5A5A5A5A5A5A5ull; /* every word must be written */
    fns[k](p, n, cls, out);
    size_t nw = (n + 63) / 64;
    int bad = 0;
    for (size_t i = 0; i < nw * 64 && !bad; i++) {
        int want = i < n ? oracle(p[i], cls) : 0;
        int got = (int)((out[i / 64] >> (i % 64)) & 1);
        if (got != want) {
            CHECK(got == want, "%s: %s, class %d, n %zu, bit %zu", names[k],
                  what, cls, n, i);
            bad = 1;
        }
    }
    if (!bad)
        CHECK(1, "%s", what);
    /* n <= 300: at most 5 words, and the next one untouched. */
    CHECK(out[nw] == 0xA5A5A5A5A5A5A5A5ull, "%s wrote past its words, n %zu",
          names[k], n);
    free(p);
}

/* Units of the wider texts: every byte edge, and the same low bytes with
 * bits above them (in no class but WC_WMASK_HIGH). */
static const uint32_t wedges[] = {0x20, 0x0A, 0x0D, 0x30, 0x39, 0x41, 0x5A,
                                  0x5F, 0x61, 0x7A, 0x7F, 0x80, 0xFF, 0x100,
                                  0x120, 0x10A, 0x130, 0x161, 0x15F, 0x17F,
                                  0x180, 0x1FF, 0x7F20, 0x8020, 0x800A,
                                  0x8041, 0xFF20, 0xFF61, 0xFFFF, 0x10000,
                                  0x1000A, 0x10020, 0x10061, 0x10FFFF,
                                  0x7FFFFF20, 0x80000020, 0xFFFFFF5F,
                                  0xFFFFFFFF, 0xFFFF0020, 0x00FF0041};

static int woracle(uint32_t u, int cls)
{
    if (cls == WC_WMASK_HIGH)
        return u > 0x7F;
    return u <= 0x7F && oracle((uint8_t)u, cls);
}

/* wc_wmaskw_<isa> on n units of width w at src (their own allocation). */
static void check_wide(int k, const uint32_t *src, size_t n, int w, int cls,
                       const char *what)
{
    void *p = xmalloc(n ? n * (size_t)w : 1);
    for (size_t i = 0; i < n; i++) {
        if (w == 2)
            ((uint16_t *)p)[i] = (uint16_t)src[i];
        else
            ((uint32_t *)p)[i] = src[i];
    }
    uint64_t out[8];
    for (size_t j = 0; j < 8; j++)
        out[j] = 0xA5A5A5A5A5A5A5A5ull;
    wfns[k](p, n, w, cls, out);
    size_t nw = (n + 63) / 64;
    int bad = 0;
    for (size_t i = 0; i < nw * 64 && !bad; i++) {
        uint32_t u = i < n ? (w == 2 ? (uint32_t)(uint16_t)src[i] : src[i]) : 0;
        int want = i < n ? woracle(u, cls) : 0;
        int got = (int)((out[i / 64] >> (i % 64)) & 1);
        if (got != want) {
            CHECK(got == want, "%s: width %d, %s, class %d, n %zu, unit %zu "
                  "(0x%X)", names[k], w, what, cls, n, i, (unsigned)u);
            bad = 1;
        }
    }
    if (!bad)
        CHECK(1, "%s", what);
    CHECK(out[nw] == 0xA5A5A5A5A5A5A5A5ull,
          "%s width %d wrote past its words, n %zu", names[k], w, n);
    free(p);
}

/* wc_lower_<isa> on p[0 .. n) (its own allocation, as is out): the length
 * of the ASCII prefix and its bytes lower-cased. */
static void check_lower(int k, const uint8_t *src, size_t n, const char *what)
{
    uint8_t *p = xmalloc(n ? n : 1), *out = xmalloc(n ? n : 1);
    memcpy(p, src, n);
    memset(out, 0xA5, n ? n : 1);
    size_t want = 0;
    while (want < n && p[want] <= 0x7F)
        want++;
    size_t got = lowers[k](p, n, out);
    int ok = got == want;
    for (size_t i = 0; ok && i < want; i++) {
        uint8_t c = p[i] >= 0x41 && p[i] <= 0x5A ? (uint8_t)(p[i] | 0x20) : p[i];
        ok = out[i] == c;
    }
    CHECK(ok, "lower %s: %s, n %zu: %zu bytes, want %zu", names[k], what, n,
          got, want);
    free(p);
    free(out);
}

/* wc_narrow_<isa> on n units of width w at src (their own allocation, as
 * is out): the length of the prefix of units below 0x80, and its bytes. */
static void check_narrow(int k, const uint32_t *src, size_t n, int w,
                         const char *what)
{
    void *p = xmalloc(n ? n * (size_t)w : 1);
    uint8_t *out = xmalloc(n ? n : 1);
    memset(p, 0, n ? n * (size_t)w : 1); /* n 0: the kernel reads none */
    for (size_t i = 0; i < n; i++) {
        if (w == 2)
            ((uint16_t *)p)[i] = (uint16_t)src[i];
        else
            ((uint32_t *)p)[i] = src[i];
    }
    memset(out, 0xA5, n ? n : 1);
    size_t want = 0;
    while (want < n &&
           (w == 2 ? (uint32_t)(uint16_t)src[want] : src[want]) <= 0x7F)
        want++;
    size_t got = narrows[k](p, n, w, out);
    int ok = got == want;
    for (size_t i = 0; ok && i < want; i++)
        ok = out[i] == (uint8_t)src[i];
    CHECK(ok, "narrow %s: width %d, %s, n %zu: %zu units, want %zu", names[k],
          w, what, n, got, want);
    free(p);
    free(out);
}

int main(void)
{
    rng_state = 0x3141592653589793ull;
    uint8_t buf[300 + 64];
    int ran = 0;
    for (int k = 0; k < 4; k++) {
        if (!wc_kernel_supported(names[k])) {
            printf("kernel %s: not on this CPU or build, skipped\n", names[k]);
            continue;
        }
        ran++;
        for (int kind = 0; kind < 3; kind++) {
            for (size_t i = 0; i < sizeof buf; i++) {
                uint64_t r = rnd();
                buf[i] = kind == 0 ? (uint8_t)r
                       : kind == 1 ? edges[r % sizeof edges]
                                   : (r & 1 ? ' ' : 'a'); /* dense edges */
            }
            const char *what = kind == 0 ? "random" : kind == 1 ? "edges" : "dense";
            for (size_t off = 0; off < 64; off += kind == 1 ? 1 : 7)
                for (size_t n = 0; n <= 300; n++)
                    for (int cls = 0; cls < 3; cls++)
                        check_one(k, buf + off, n, cls, what);
            /* Lower-casing: random bytes end the ASCII prefix early; the
             * edges mostly; the ASCII-only buffer never. */
            for (size_t i = 0; kind == 2 && i < sizeof buf; i++)
                buf[i] = (uint8_t)(rnd() % 0x80);
            for (size_t off = 0; off < 64; off++)
                for (size_t n = 0; n <= 300; n++)
                    check_lower(k, buf + off, n, what);
        }
        /* The first byte >= 0x80 at every place of an ASCII run. */
        for (size_t n = 1; n <= 200; n++)
            for (size_t at = 0; at < n; at++) {
                for (size_t i = 0; i < n; i++)
                    buf[i] = (uint8_t)('A' + (i % 58));
                buf[at] = (uint8_t)(0x80 + (at % 0x80));
                check_lower(k, buf, n, "high byte");
            }
        /* Every byte value in every lane of a whole vector. */
        for (int b = 0; b < 256; b++) {
            for (size_t lane = 0; lane < 64; lane++) {
                memset(buf, 'a', 64);
                buf[lane] = (uint8_t)b;
                for (int cls = 0; cls < 3; cls++)
                    check_one(k, buf, 64, cls, "one byte in a lane");
            }
        }
        /* The wider units: random, edges, dense separators. */
        uint32_t ubuf[300 + 64];
        for (int kind = 0; kind < 3; kind++) {
            for (size_t i = 0; i < 300 + 64; i++) {
                uint64_t r = rnd();
                ubuf[i] = kind == 0 ? (uint32_t)(r >> (r % 32))
                        : kind == 1 ? wedges[r % (sizeof wedges / sizeof wedges[0])]
                                    : (r & 1 ? 0x20 : 0x61 + (r & 2) * 0x80);
            }
            const char *what = kind == 0 ? "random" : kind == 1 ? "edges" : "dense";
            for (int w = 2; w <= 4; w += 2)
                for (size_t off = 0; off < 64; off += kind == 1 ? 1 : 7)
                    for (size_t n = 0; n <= 300; n++)
                        for (int cls = 0; cls < 3; cls++)
                            check_wide(k, ubuf + off, n, w, cls, what);
        }
        /* Narrowing: random units end the prefix at once, the edges soon,
         * the dense ones (0x61 + 0x100 at random) about every other unit,
         * ASCII units never. */
        for (int kind = 0; kind < 4; kind++) {
            for (size_t i = 0; i < 300 + 64; i++) {
                uint64_t r = rnd();
                ubuf[i] = kind == 0 ? (uint32_t)(r >> (r % 32))
                        : kind == 1 ? wedges[r % (sizeof wedges / sizeof wedges[0])]
                        : kind == 2 ? (r & 1 ? 0x20 : 0x61 + (r & 2) * 0x80)
                                    : (uint32_t)(r % 0x80);
            }
            for (int w = 2; w <= 4; w += 2)
                for (size_t off = 0; off < 64; off += 7)
                    for (size_t n = 0; n <= 300; n++)
                        check_narrow(k, ubuf + off, n, w, "mixed");
        }
        /* A unit >= 0x80 (every edge of it) at every place of an ASCII
         * run: inside each vector and 64-unit block and in the tail. */
        for (size_t n = 1; n <= 200; n++)
            for (size_t at = 0; at < n; at++) {
                static const uint32_t high[] = {0x80, 0xFF, 0x100, 0x180,
                                                0x8020, 0xFFFF, 0x10000,
                                                0x80000041, 0xFFFFFFFF};
                for (size_t i = 0; i < n; i++)
                    ubuf[i] = (uint32_t)(' ' + i % 0x5F);
                ubuf[at] = high[(n + at) % (sizeof high / sizeof high[0])];
                for (int w = 2; w <= 4; w += 2)
                    check_narrow(k, ubuf, n, w, "high unit");
            }
        /* Every edge unit in every lane of a block of 64. */
        for (size_t e = 0; e < sizeof wedges / sizeof wedges[0]; e++)
            for (size_t lane = 0; lane < 64; lane++) {
                for (size_t i = 0; i < 64; i++)
                    ubuf[i] = 'a';
                ubuf[lane] = wedges[e];
                for (int w = 2; w <= 4; w += 2)
                    for (int cls = 0; cls < 3; cls++)
                        check_wide(k, ubuf, 64, w, cls, "one unit in a lane");
            }
        /* Forcing the kernel by name also chooses its byte classes. */
        CHECK_EQ(wc_force_kernel(names[k]), WC_OK, "%s", names[k]);
        CHECK(wc_wmask_kernel() == fns[k], "dispatch of %s", names[k]);
        CHECK(wc_wmaskw_kernel() == wfns[k], "dispatch of wide %s", names[k]);
        CHECK(wc_lower_kernel() == lowers[k], "dispatch of lower %s", names[k]);
        CHECK(wc_narrow_kernel() == narrows[k], "dispatch of narrow %s", names[k]);
    }
    CHECK(ran >= 1, "no kernel ran");
    CHECK_EQ(wc_force_kernel("auto"), WC_OK, "auto");
    return check_report();
}
