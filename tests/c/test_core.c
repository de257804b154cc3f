/*
 * test_core.c - unit tests of the core, against a literal reference: split
 * into lines as Rust's str::lines does, split lines at ' ', compare words.
 * The reference shares no code with the core.
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "count.h"
#include "dispatch.h"
#include "pool.h"
#include "threads.h"
#include "ukernel_check.h"

/* ---- helpers ----------------------------------------------------------- */

static const char *const kernel_names[] = {"scalar", "sse2", "avx2", "avx512"};
#define NKERNELS 4

/* Random text over an alphabet rich in separators, with the needle planted. */
static void fill(uint8_t *t, size_t n, const uint8_t *nd, size_t m)
{
    static const char alpha[] = "  \n\n\r\tab\x0b";
    size_t k = 0;
    while (k < n) {
        uint64_t r = rnd() % 10;
        if (r < 3 && m > 0 && k + m <= n) {
            memcpy(t + k, nd, m);
            k += m;
        } else if (r == 3 && k + 2 <= n) {
            t[k++] = '\r';
            t[k++] = '\n';
        } else {
            t[k++] = (uint8_t)alpha[rnd() % (sizeof alpha - 1)];
        }
    }
}

/* ---- tests ------------------------------------------------------------- */

struct vector { const char *text; const char *needle; uint64_t count; };

static const struct vector vectors[] = {
    {"is is\nis", "is", 3}, {"is\r\n", "is", 1}, {"is\r", "is", 0},
    {"is\r", "is\r", 1},    {"is\r\r\n", "is\r", 1}, {"a\r\nb\r", "b", 0},
    {"", "", 0},            {"\n", "", 1},       {"a\n\n", "", 1},
    {" ", "", 2},           {"a  b", "", 1},     {"is\x0bis", "is", 0},
    {"is\tis", "is", 0},    {"\xc3\xa9 is \xc3\xa9", "\xc3\xa9", 2},
    {"is\n", "is", 1},      {"\r\n", "", 1},     {"\r\n\r\n", "", 2},
    {"a\r", "a", 0},        {"a b", "a b", 0},   {"a\nb", "a\nb", 0},
    {"is is", "i", 0},      {"xis is", "is", 1}, {"\r", "", 0},
    {"\r", "\r", 1},        {"a\r\n", "a\r", 0}, {" \n ", "", 4},
};

static void test_vectors(void)
{
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        const struct vector *x = &vectors[v];
        size_t n = strlen(x->text), m = strlen(x->needle);
        CHECK_EQ(ref_count((const uint8_t *)x->text, n,
                                   (const uint8_t *)x->needle, m),
                 x->count, "reference on vector %zu", v);
        for (int k = 0; k < NKERNELS; k++) {
            if (wc_force_kernel(kernel_names[k]) != WC_OK)
                continue;
            CHECK_EQ(wc_count(x->text, n, x->needle, m, 1), x->count,
                     "kernel %s, vector %zu", kernel_names[k], v);
        }
        wc_force_kernel("auto");
        /* The same in 2- and 4-byte units (ASCII vectors only). */
        uint16_t t16[64], n16[64];
        uint32_t t32[64], n32[64];
        if (n >= 64 || (x->text[0] & 0x80) != 0)
            continue;
        for (size_t k = 0; k < n; k++)
            t16[k] = t32[k] = (uint8_t)x->text[k];
        for (size_t k = 0; k < m; k++)
            n16[k] = n32[k] = (uint8_t)x->needle[k];
        CHECK_EQ(wc_count(t16, n, n16, m, 2), x->count, "u16 vector %zu", v);
        CHECK_EQ(wc_count(t32, n, n32, m, 4), x->count, "u32 vector %zu", v);
    }
}

/* Every kernel against the reference and the scalar kernel, on lengths around
 * every vector width (16, 32, 64 and their multiples, +-2) and needles of 0 to
 * 70 bytes, counted whole and as random consecutive ranges. */
static void test_kernels_random(void)
{
    static const size_t lengths[] = {0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 34,
                                     63, 64, 65, 66, 95, 96, 97, 127, 128,
                                     129, 130, 191, 192, 193, 255, 256, 257,
                                     1000, 4099};
    uint8_t *t = malloc(8192), nd[80];
    if (t == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        size_t n = lengths[li];
        for (size_t m = 0; m <= 70; m += (m < 10 ? 1 : 7)) {
            for (int rep = 0; rep < 6; rep++) {
                for (size_t k = 0; k < m; k++)
                    nd[k] = "ab\r\t"[rnd() % (k + 1 == m ? 3 : 4)];
                if (m > 0 && rep % 3 == 0)
                    nd[m - 1] = '\r';
                fill(t, n, nd, m);
                uint64_t want = ref_count(t, n, nd, m);
                for (int k = 0; k < NKERNELS; k++) {
                    if (wc_force_kernel(kernel_names[k]) != WC_OK)
                        continue;
                    CHECK_EQ(wc_count(t, n, nd, m, 1), want,
                             "kernel %s n=%zu m=%zu rep=%d", kernel_names[k],
                             n, m, rep);
                    /* Random consecutive ranges sum to the whole. */
                    uint64_t sum = 0;
                    size_t lo = 0;
                    while (lo < n) {
                        size_t hi = lo + 1 + (size_t)(rnd() % 80);
                        if (hi > n)
                            hi = n;
                        sum += wc_count_range(t, n, lo, hi, nd, m, 1);
                        lo = hi;
                    }
                    if (m == 0 && n > 0 && t[n - 1] == ' ')
                        sum++; /* the start n, which no kernel counts */
                    CHECK_EQ(sum, want, "ranges, kernel %s n=%zu m=%zu",
                             kernel_names[k], n, m);
                }
            }
        }
    }
    wc_force_kernel("auto");
    free(t);
}

/* 2- and 4-byte units on every kernel: needles of 0 to 12 units (past the
 * exact path of 4), texts around every vector width in units (8, 16, 32, 64
 * units), units beyond Latin-1 and beyond the BMP. */
static void test_wide_random(void)
{
    enum { MAXN = 700 };
    static uint16_t t16[MAXN], n16[16];
    static uint32_t t32[MAXN], n32[16];
    static uint8_t t8[MAXN], n8[16];
    for (int rep = 0; rep < 3000; rep++) {
        size_t n = (size_t)(rnd() % MAXN), m = (size_t)(rnd() % 13);
        if (rep % 4 == 0)
            n = (size_t)(8 << (rnd() % 4)) * (1 + rnd() % 3) + (size_t)(rnd() % 5) - 2;
        if (n > MAXN)
            n = MAXN;
        for (size_t k = 0; k < m; k++)
            n8[k] = "abb\r"[rnd() % (k + 1 == m ? 4 : 3)];
        fill(t8, n, n8, m);
        for (size_t k = 0; k < n; k++) {
            /* 'b' becomes a unit beyond Latin-1 (and beyond the BMP). */
            t16[k] = t8[k] == 'b' ? 0x2028 : t8[k];
            t32[k] = t8[k] == 'b' ? 0x1F600 : t8[k];
        }
        for (size_t k = 0; k < m; k++) {
            n16[k] = n8[k] == 'b' ? 0x2028 : n8[k];
            n32[k] = n8[k] == 'b' ? 0x1F600 : n8[k];
        }
        uint64_t want = ref_count(t8, n, n8, m);
        CHECK_EQ(ref_count16(t16, n, n16, m), want, "ref16 rep %d", rep);
        CHECK_EQ(ref_count32(t32, n, n32, m), want, "ref32 rep %d", rep);
        for (int k = 0; k < NKERNELS; k++) {
            if (wc_force_kernel(kernel_names[k]) != WC_OK)
                continue;
            CHECK_EQ(wc_count(t16, n, n16, m, 2), want, "u16 %s n=%zu m=%zu",
                     kernel_names[k], n, m);
            CHECK_EQ(wc_count(t32, n, n32, m, 4), want, "u32 %s n=%zu m=%zu",
                     kernel_names[k], n, m);
            /* consecutive ranges sum to the whole */
            uint64_t s16 = 0, s32 = 0;
            for (size_t lo = 0, hi; lo < n; lo = hi) {
                hi = lo + 1 + (size_t)(rnd() % 40);
                if (hi > n)
                    hi = n;
                s16 += wc_count_range(t16, n, lo, hi, n16, m, 2);
                s32 += wc_count_range(t32, n, lo, hi, n32, m, 4);
            }
            uint64_t end = (m == 0 && n > 0 && t8[n - 1] == ' ');
            CHECK_EQ(s16 + end, want, "u16 ranges %s", kernel_names[k]);
            CHECK_EQ(s32 + end, want, "u32 ranges %s", kernel_names[k]);
        }
        wc_force_kernel("auto");
    }
}

/* Parallel counts over the pool, with texts large enough to be split, at
 * 1 to 7 threads, for every kernel and all three widths. */
static void test_parallel(void)
{
    size_t n = 3 * wc_parallel_threshold() + 12345;
    uint8_t *t = malloc(n);
    uint32_t *t32 = malloc(n * 4);
    if (t == NULL || t32 == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    static const char *const needles[] = {"", "a", "ab", "ab\r", "b a"};
    for (size_t w = 0; w < sizeof needles / sizeof needles[0]; w++) {
        const uint8_t *nd = (const uint8_t *)needles[w];
        size_t m = strlen(needles[w]);
        fill(t, n, nd, m);
        uint64_t want = ref_count(t, n, nd, m);
        for (int k = 0; k < NKERNELS; k++) {
            if (wc_force_kernel(kernel_names[k]) != WC_OK)
                continue;
            for (int threads = 0; threads <= 7; threads++) {
                uint64_t got = 0;
                CHECK_EQ(wc_count_parallel(t, n, nd, m, 1, threads, &got), WC_OK,
                         "rc");
                CHECK_EQ(got, want, "parallel kernel %s threads %d needle %zu",
                         kernel_names[k], threads, w);
            }
        }
        wc_force_kernel("auto");
        uint32_t n32[4];
        for (size_t k = 0; k < n; k++)
            t32[k] = t[k];
        for (size_t k = 0; k < m; k++)
            n32[k] = nd[k];
        uint64_t got = 0;
        CHECK_EQ(wc_count_parallel(t32, n, n32, m, 4, 3, &got), WC_OK, "rc32");
        CHECK_EQ(got, want, "parallel u32 needle %zu", w);
    }
    uint64_t got;
    CHECK_EQ(wc_count_parallel(t, n, "a", 1, 3, 2, &got), WC_EINVAL, "width 3");
    CHECK_EQ(wc_count_parallel(t, n, "a", 1, 1, -1, &got), WC_EINVAL, "threads -1");
    CHECK_EQ(wc_count_parallel(t, n, "a", 1, 1, WC_MAX_THREADS + 1, &got),
             WC_EINVAL, "threads too many");
    free(t);
    free(t32);
}

/* Several threads counting at once share the pool without mixing jobs. */
struct concurrent_arg { const uint8_t *t; size_t n; uint64_t want; int bad; };

static void *concurrent_main(void *p)
{
    struct concurrent_arg *a = p;
    for (int rep = 0; rep < 20; rep++) {
        uint64_t got = 0;
        if (wc_count_parallel(a->t, a->n, "ab", 2, 1, 1 + rep % 4, &got) != WC_OK ||
            got != a->want)
            a->bad++;
    }
    return NULL;
}

static void test_concurrent_callers(void)
{
    size_t n = 2 * wc_parallel_threshold() + 999;
    uint8_t *t = malloc(n);
    if (t == NULL)
        exit(2);
    fill(t, n, (const uint8_t *)"ab", 2);
    struct concurrent_arg a[6];
    pthread_t th[6];
    uint64_t want = ref_count(t, n, (const uint8_t *)"ab", 2);
    for (int k = 0; k < 6; k++) {
        a[k] = (struct concurrent_arg){t, n, want, 0};
        CHECK_EQ(pthread_create(&th[k], NULL, concurrent_main, &a[k]), 0, "create");
    }
    for (int k = 0; k < 6; k++) {
        pthread_join(th[k], NULL);
        CHECK_EQ(a[k].bad, 0, "concurrent caller %d", k);
    }
    free(t);
}

/* The plain pass (the benchmarks' yardstick) against a byte loop. */
static void test_count_byte(void)
{
    size_t n = 3 * wc_parallel_threshold() + 77;
    uint8_t *t = malloc(n);
    if (t == NULL)
        exit(2);
    fill(t, n, (const uint8_t *)"ab", 2);
    uint64_t want = 0;
    for (size_t k = 0; k < n; k++)
        want += t[k] == ' ';
    for (int k = 0; k < NKERNELS; k++) {
        if (wc_force_kernel(kernel_names[k]) != WC_OK)
            continue;
        for (int threads = 1; threads <= 3; threads++) {
            uint64_t got = 0;
            CHECK_EQ(wc_count_byte_parallel(t, n, ' ', threads, &got), WC_OK, "rc");
            CHECK_EQ(got, want, "plain pass, kernel %s", kernel_names[k]);
            CHECK_EQ(wc_count_byte_parallel(t + 1, 100, ' ', threads, &got), WC_OK, "rc");
            uint64_t small = 0;
            for (size_t j = 1; j < 101; j++)
                small += t[j] == ' ';
            CHECK_EQ(got, small, "plain pass, short, kernel %s", kernel_names[k]);
        }
    }
    wc_force_kernel("auto");
    free(t);
}

static void test_misc(void)
{
    CHECK_EQ(wc_default_threads() >= 1, 1, "default threads");
    CHECK_EQ(wc_available_cpus() >= 1, 1, "available cpus");
    /* The cgroup quota's threads: ceil(quota / period), capped, with no
     * overflow for a quota near LLONG_MAX (it wrapped to a negative count,
     * so the quota was ignored; UBSan called it undefined). */
    CHECK_EQ(wc_quota_threads(150000, 100000), 2, "quota 1.5 CPUs");
    CHECK_EQ(wc_quota_threads(100000, 100000), 1, "quota 1 CPU");
    CHECK_EQ(wc_quota_threads(1, 100000), 1, "quota of 1 us");
    CHECK_EQ(wc_quota_threads(1, LLONG_MAX), 1, "a huge period");
    CHECK_EQ(wc_quota_threads(LLONG_MAX, 100000), WC_MAX_THREADS, "a huge quota");
    CHECK_EQ(wc_quota_threads(LLONG_MAX, 1), WC_MAX_THREADS, "a huge quota, period 1");
    CHECK_EQ(wc_quota_threads(LLONG_MAX - 1, LLONG_MAX), 1, "quota just under the period");
    CHECK_EQ(wc_quota_threads(0, 100000), 0, "no quota");
    CHECK_EQ(wc_quota_threads(-1, 100000), 0, "-1: no quota (v1)");
    CHECK_EQ(wc_quota_threads(100000, 0), 0, "no period");
    CHECK_EQ(wc_kernel_supported("scalar"), 1, "scalar supported");
    CHECK_EQ(wc_kernel_supported("nonsense"), 0, "unknown kernel");
    CHECK_EQ(wc_force_kernel("nonsense"), WC_ENOKERNEL, "force unknown");
    CHECK_EQ(wc_force_kernel("scalar"), WC_OK, "force scalar");
    CHECK_EQ(strcmp(wc_kernel_name(), "scalar"), 0, "kernel name");
    CHECK_EQ(wc_force_kernel("auto"), WC_OK, "force auto");
    CHECK_EQ(strlen(wc_strerror(WC_ENOMEM)) > 0, 1, "strerror");
    CHECK_EQ(wc_count("a", 1, "a", 1, 3), 0, "bad width counts 0");
    /* The tests before forced every kernel many times: the CPU was asked
     * for its features once (CPUID is a VM exit in a virtual machine). */
    for (int i = 0; i < 100; i++)
        CHECK_EQ(wc_kernel_supported("avx2") == wc_kernel_supported("avx2"), 1,
                 "kernel_supported is stable");
#if defined(__x86_64__) || defined(__i386__)
    CHECK_EQ(wc_test_cpu_detections(), 1, "CPU features detected once");
#else /* no SIMD kernels to choose from: nothing to detect */
    CHECK_EQ(wc_test_cpu_detections(), 0, "CPU features never detected");
#endif
}

/* The words-count needle kernels against the scalar one: every width, texts
 * of every length to 300 units from an alphabet of ASCII word and non-word
 * units (' ', '\n', '\r' among them) and units >= 0x80 (and, wide, units
 * whose low byte is an ASCII word unit), every needle length to 9 (some
 * ending with '\r'), the needle planted often (some of its letters in the
 * other case), random ranges, in every rule (fold, space mode); every range
 * also as [lo, len). */
static void test_ukernels(void)
{
    static const uint32_t alpha[] = {'i', 's', 'x', '_', '0', '9', 'Z', ' ', '-',
                                     '\n', 0x7F, 0x80, 0xC3, 0xA9, 0xFF, '/', ':',
                                     '@', '[', '`', '{', 'I', 'S', 'X', 'z', '\r'};
    static const uint32_t wide[] = {0x0169, 0x4E2D, 0xFF41, 0x8030, 0xFFFF,
                                    0x10073, 0x80000061, 0xFFFFFF5F};
    uint64_t r = 7;
    int bad = 0;
    for (int k = 0; k < NKERNELS; k++) {
        if (wc_force_kernel(kernel_names[k]) != WC_OK)
            continue;
        for (int width = 1; width <= 4; width *= 2) {
            for (size_t len = 0; len <= 300; len++) {
                uint32_t u[310], nd[10];
                size_t m = 1 + len % 9;
                for (size_t j = 0; j < m; j++) {
                    r = r * 6364136223846793005ull + 1442695040888963407ull;
                    nd[j] = alpha[(r >> 33) % 7]; /* word units, or ' ' */
                }
                if (len % 4 == 3)
                    nd[m - 1] = '\r'; /* space mode: not before "\n" */
                for (size_t j = 0; j < len; j++) {
                    r = r * 6364136223846793005ull + 1442695040888963407ull;
                    uint64_t x = r >> 33;
                    if (width > 1 && x % 11 == 0)
                        u[j] = wide[(x >> 8) % (width == 2 ? 5 : 8)];
                    else
                        u[j] = alpha[(x >> 8) % (sizeof alpha / sizeof alpha[0])];
                    if (j + m <= len && x % 5 == 0) { /* the needle, often */
                        memcpy(u + j, nd, m * sizeof *u);
                        for (size_t c = 0; c < m; c++) /* some letters in capitals */
                            if ((nd[c] | 0x20) - 'a' < 26 && (x >> (12 + c)) & 1)
                                u[j + c] ^= 0x20;
                        j += m - 1;
                    }
                }
                for (size_t lo = 0; lo < len + 1; lo += 1 + lo / 3) {
                    r = r * 6364136223846793005ull + 1442695040888963407ull;
                    size_t hi = lo + (r >> 33) % (len - lo + 1);
                    unsigned rule = (unsigned)(r >> 61) & (WC_UFOLD | WC_USPACE);
                    if (!uk_range_agrees(u, lo, hi, nd, m, width, rule) ||
                        !uk_range_agrees(u, lo, len, nd, m, width, rule)) {
                        if (bad++ < 5)
                            fprintf(stderr, "ukernel %s: width %d len %zu lo %zu m %zu "
                                    "rule %u\n", kernel_names[k], width, len, lo, m, rule);
                    }
                }
            }
        }
    }
    wc_force_kernel("auto");
    CHECK(bad == 0, "unicode needle kernels agree with the scalar one");
}

int main(void)
{
    test_ukernels();
    test_vectors();
    test_kernels_random();
    test_wide_random();
    test_parallel();
    test_concurrent_callers();
    test_count_byte();
    test_misc();
    wc_pool_shutdown(); /* so that leak checkers see every thread joined */
    printf("kernel %s, %d default threads\n", wc_kernel_name(),
           wc_default_threads());
    return check_report();
}
