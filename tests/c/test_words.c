/*
 * test_words.c - the word enumerators, frequency tables and many needles of
 * the core, against references that share no code with it:
 *   - space words agree with the boundary rule wc_match_at8/16/32 for every
 *     needle (the rule the SIMD kernels implement) on every small text over
 *     a hard alphabet;
 *   - frequencies at 1, 2, 3 and 7 threads (with the parallel threshold
 *     lowered so that small texts are cut into many chunks) equal a literal
 *     split into lines and words;
 *   - UTF-8 errors sit where the Unicode standard's "maximal subpart" rule
 *     (and CPython) put them; folds and word classes of a few characters
 *     whose values the Unicode standard fixes.
 * The Python tests check everything against re and str.casefold at scale.
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wc_impl.h"

/* ---- collecting words ------------------------------------------------------ */

#define MAXW 4096
struct words {
    size_t n;
    size_t pos[MAXW];
    size_t len[MAXW];
    uint32_t key[MAXW][64];
};

static int collect(void *ctx, const void *key, size_t len, int width,
                   size_t pos)
{
    struct words *w = ctx;
    if (w->n == MAXW || len > 64)
        return -100;
    for (size_t k = 0; k < len; k++)
        w->key[w->n][k] = width == 1 ? ((const uint8_t *)key)[k]
                        : width == 2 ? ((const uint16_t *)key)[k]
                                     : ((const uint32_t *)key)[k];
    w->len[w->n] = len;
    w->pos[w->n] = pos;
    w->n++;
    return 0;
}

static void widen(const uint8_t *src, size_t n, int width, void *dst)
{
    for (size_t k = 0; k < n; k++) {
        if (width == 1)
            ((uint8_t *)dst)[k] = src[k];
        else if (width == 2)
            ((uint16_t *)dst)[k] = src[k];
        else
            ((uint32_t *)dst)[k] = src[k];
    }
}

static int match_at(const void *t, size_t len, size_t i, const void *nd,
                    size_t m, int width)
{
    if (width == 1)
        return wc_match_at8(t, len, i, nd, m);
    if (width == 2)
        return wc_match_at16(t, len, i, nd, m);
    return wc_match_at32(t, len, i, nd, m);
}

/* ---- space words agree with the boundary rule ------------------------------ */

static void test_space_words_match_rule(void)
{
    static const char alpha[] = "ab \n\r";
    uint8_t t8[16];
    uint32_t tw[16], nw[16];
    uint8_t nd8[16];
    unsigned long long seed = 12345;
    int bad = 0, checked = 0;
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t len = (size_t)(seed >> 33) % 13;
        unsigned long long r = seed;
        for (size_t k = 0; k < len; k++) {
            r = r * 6364136223846793005ull + 1;
            t8[k] = (uint8_t)alpha[(r >> 33) % 5];
        }
        for (int width = 1; width <= 4; width *= 2) {
            widen(t8, len, width, tw);
            wc_word_opts o = {WC_WORDS_SPACE, 0, 0, 1};
            static struct words ws;
            ws.n = 0;
            int rc = wc_words_foreach(tw, len, width, &o, collect, &ws, NULL);
            if (rc != WC_OK) {
                bad++;
                continue;
            }
            /* Every word seen, and a few others, as needles. */
            static const char *extra[] = {"", "a", "b", "ab", "a\r", "\r", "ba"};
            for (size_t q = 0; q < ws.n + 7; q++) {
                size_t m;
                if (q < ws.n) {
                    m = ws.len[q];
                    for (size_t k = 0; k < m; k++)
                        nd8[k] = (uint8_t)ws.key[q][k];
                } else {
                    m = strlen(extra[q - ws.n]);
                    memcpy(nd8, extra[q - ws.n], m);
                }
                widen(nd8, m, width, nw);
                uint64_t by_rule = 0, by_words = 0;
                for (size_t i = 0; i <= len; i++)
                    by_rule += (uint64_t)match_at(tw, len, i, nw, m, width);
                for (size_t j = 0; j < ws.n; j++) {
                    int eq = ws.len[j] == m;
                    for (size_t k = 0; eq && k < m; k++)
                        eq = ws.key[j][k] == nd8[k];
                    by_words += (uint64_t)eq;
                }
                checked++;
                if (by_rule != by_words && bad++ < 5)
                    fprintf(stderr, "  text %.*s width %d needle %.*s: rule %llu words %llu\n",
                            (int)len, (const char *)t8, width, (int)m,
                            (const char *)nd8, (unsigned long long)by_rule,
                            (unsigned long long)by_words);
            }
        }
    }
    CHECK(bad == 0, "space words disagree with wc_match_at in %d of %d cases",
          bad, checked);
}

/* ---- frequencies against a literal split --------------------------------------- */

/* The non-empty words of text, split literally: lines at '\n' (one '\r'
 * before it dropped, no line after a final '\n'), then at ' '. */
static size_t ref_words(const char *t, size_t n, size_t *ws, size_t *wl)
{
    size_t nw = 0, pos = 0;
    while (pos < n) {
        size_t end = pos;
        while (end < n && t[end] != '\n')
            end++;
        size_t stop = end;
        if (end < n && stop > pos && t[stop - 1] == '\r')
            stop--;
        size_t w = pos;
        for (size_t k = pos; k <= stop; k++) {
            if (k == stop || t[k] == ' ') {
                if (k > w) {
                    ws[nw] = w;
                    wl[nw] = k - w;
                    nw++;
                }
                w = k + 1;
            }
        }
        pos = end + 1;
    }
    return nw;
}

static void test_frequencies_threads(void)
{
    enum { N = 3000 };
    static char t[N];
    static size_t ws[N], wl[N];
    static const char *const pieces[] = {"a", "bb", " ", " ", "\n", "\r\n", "\r",
                                         "ccc", "a b", "  "};
    unsigned long long seed = 99;
    size_t n = 0;
    while (n < N - 4) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        const char *p = pieces[(seed >> 33) % 10];
        memcpy(t + n, p, strlen(p));
        n += strlen(p);
    }
    size_t nw = ref_words(t, n, ws, wl);
    wc_set_parallel_threshold(16);
    static const int threads[] = {1, 2, 3, 7};
    for (int ti = 0; ti < 4; ti++) {
        wc_word_opts o = {WC_WORDS_SPACE, 0, 1, threads[ti]};
        wc_freq *f = wc_freq_new(1, &o);
        CHECK(f != NULL, "wc_freq_new");
        if (f == NULL)
            continue;
        int rc = wc_freq_count_all(f, t, n, NULL);
        CHECK(rc == WC_OK, "count_all: %d", rc);
        wc_freq_sort(f, 0);
        /* Each distinct word, in order of first occurrence, with its count. */
        size_t got = 0;
        int bad = 0;
        for (size_t i = 0; i < nw; i++) {
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = wl[j] == wl[i] && memcmp(t + ws[j], t + ws[i], wl[i]) == 0;
            if (seen)
                continue;
            uint64_t c = 0;
            for (size_t j = i; j < nw; j++)
                c += wl[j] == wl[i] && memcmp(t + ws[j], t + ws[i], wl[i]) == 0;
            const void *key;
            size_t len;
            int width;
            uint64_t count;
            if (got >= wc_freq_size(f)) {
                bad++;
                break;
            }
            wc_freq_get(f, got++, &key, &len, &width, &count);
            if (len != wl[i] || memcmp(key, t + ws[i], len) != 0 || count != c)
                bad++;
        }
        CHECK(bad == 0 && got == wc_freq_size(f),
              "threads %d: %d words differ (%zu distinct, table %zu)",
              threads[ti], bad, got, wc_freq_size(f));
        wc_freq_free(f);

        /* Many needles, duplicates and an absent one. */
        f = wc_freq_new(1, &o);
        size_t id[4];
        CHECK(wc_freq_add_needle(f, "bb", 2, 1, &id[0], NULL) == WC_OK &&
              wc_freq_add_needle(f, "zz", 2, 1, &id[1], NULL) == WC_OK &&
              wc_freq_add_needle(f, "bb", 2, 1, &id[2], NULL) == WC_OK &&
              wc_freq_add_needle(f, "", 0, 1, &id[3], NULL) == WC_OK,
              "add needles");
        CHECK(id[0] == id[2], "duplicate needles share an id");
        CHECK(wc_freq_count_needles(f, t, n, NULL) == WC_OK, "count needles");
        CHECK(wc_freq_needle_count(f, id[0]) == wc_count(t, n, "bb", 2, 1),
              "needle bb: %llu vs %llu",
              (unsigned long long)wc_freq_needle_count(f, id[0]),
              (unsigned long long)wc_count(t, n, "bb", 2, 1));
        CHECK(wc_freq_needle_count(f, id[1]) == 0, "absent needle");
        CHECK(wc_freq_needle_count(f, id[3]) == wc_count(t, n, "", 0, 1),
              "empty needle counts empty words");
        wc_freq_free(f);
    }
    wc_set_parallel_threshold(0);
}

/* ---- UTF-8 and Unicode ------------------------------------------------------- */

static void test_utf8_errors(void)
{
    static const struct {
        const char *s;
        size_t n, off;
    } cases[] = {
        {"ab \xff", 4, 3},           /* never a lead byte */
        {"a\x80", 2, 1},             /* stray continuation */
        {"x \xe2\x82", 4, 2},        /* truncated at the end */
        {"\xe2\x82" "a", 3, 0},      /* truncated by an ASCII byte */
        {"ok \xed\xa0\x80", 6, 3},   /* a surrogate */
        {"\xc0\xaf", 2, 0},          /* overlong */
        {"abc \xf4\x90\x80\x80", 8, 4}, /* above U+10FFFF */
        {"\xc3\xa9 \xe0\x80\x80", 6, 3}, /* overlong 3-byte */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (int words = 0; words <= 1; words++) {
            wc_word_opts o = {words, 1 - words, 1, 1};
            size_t off = 12345;
            struct words *ws = calloc(1, sizeof *ws);
            if (ws == NULL)
                return;
            int rc = wc_words_foreach(cases[k].s, cases[k].n, 1, &o, collect,
                                      ws, &off);
            CHECK(rc == WC_EUTF8 && off == cases[k].off,
                  "case %zu words %d: rc %d off %zu, want %zu", k, words, rc,
                  off, cases[k].off);
            free(ws);
        }
    }
    /* Space words without casefold do not decode. */
    wc_word_opts o = {WC_WORDS_SPACE, 0, 1, 1};
    struct words *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return;
    CHECK(wc_words_foreach("\xff \xfe", 3, 1, &o, collect, ws, NULL) == WC_OK &&
          ws->n == 2, "bytes are bytes");
    free(ws);
}

/* Words of a UTF-32 text as UTF-32 strings joined by '|'. */
static void test_unicode_words(void)
{
    static const struct {
        uint32_t text[8];
        size_t n;
        int fold;
        uint32_t want[16];
        size_t nwant;
    } cases[] = {
        /* "Straße!" folded: "strasse" */
        {{'S', 't', 'r', 'a', 0xDF, 'e', '!'}, 7, 1,
         {'s', 't', 'r', 'a', 's', 's', 'e'}, 7},
        /* U+0130 folds to "i" + U+0307 (not a word character): "i|x" */
        {{0x130, 'x'}, 2, 1, {'i', '|', 'x'}, 3},
        /* ... but unfolded it is one word */
        {{0x130, 'x'}, 2, 0, {0x130, 'x'}, 2},
        /* final sigma folds to sigma */
        {{0x3A3, 0x3C2}, 2, 1, {0x3C3, 0x3C3}, 2},
        /* U+0345 is no word character, its fold (iota) is */
        {{'a', 0x345, 'b'}, 3, 0, {'a', '|', 'b'}, 3},
        {{'a', 0x345, 'b'}, 3, 1, {'a', 0x3B9, 'b'}, 3},
        /* digits of other scripts, '_', an emoji between */
        {{0x663, '_', 0x1F600, 'x'}, 4, 0, {0x663, '_', '|', 'x'}, 4},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wc_word_opts o = {WC_WORDS_UNICODE, cases[k].fold, 0, 1};
        struct words *ws = calloc(1, sizeof *ws);
        if (ws == NULL)
            return;
        int rc = wc_words_foreach(cases[k].text, cases[k].n, 4, &o, collect, ws,
                                  NULL);
        uint32_t joined[32];
        size_t nj = 0;
        for (size_t i = 0; i < ws->n; i++) {
            if (i > 0)
                joined[nj++] = '|';
            for (size_t j = 0; j < ws->len[i]; j++)
                joined[nj++] = ws->key[i][j];
        }
        CHECK(rc == WC_OK && nj == cases[k].nwant &&
                  memcmp(joined, cases[k].want, nj * 4) == 0,
              "unicode case %zu: rc %d, %zu units", k, rc, nj);
        free(ws);
    }
    CHECK(strlen(wc_unicode_version()) >= 5, "unicode version %s",
          wc_unicode_version());
}

/* 4-byte units beyond Unicode (the C API allows any 32-bit value) stay
 * distinct words when folded: 0x20000020 is not ' ', 0xFFFFFFFF not 0x1FFFFF. */
static void test_fold_wide_units(void)
{
    static const uint32_t text[] = {0x20000020, ' ', 0xFFFFFFFF, ' ', 0x1FFFFF,
                                    ' ', 'A', ' ', 'a', ' ', 0x110000};
    wc_word_opts o = {.words = WC_WORDS_SPACE, .casefold = 1, .threads = 1};
    wc_freq *f = wc_freq_new(4, &o);
    CHECK(f != NULL, "wc_freq_new");
    if (f == NULL)
        return;
    size_t err = 0;
    CHECK(wc_freq_count_all(f, text, sizeof text / sizeof text[0], &err) == WC_OK,
          "count");
    CHECK(wc_freq_sort(f, 0) == WC_OK, "sort");
    CHECK_EQ(wc_freq_size(f), 5, "distinct words");
    static const uint32_t want[] = {0x20000020, 0xFFFFFFFF, 0x1FFFFF, 'a', 0x110000};
    static const uint64_t counts[] = {1, 1, 1, 2, 1};
    for (size_t i = 0; i < 5 && i < wc_freq_size(f); i++) {
        const void *key;
        size_t len;
        int width;
        uint64_t count;
        wc_freq_get(f, i, &key, &len, &width, &count);
        uint32_t u = 0;
        if (width == 4 && len == 1)
            memcpy(&u, key, 4);
        CHECK(width == 4 && len == 1 && u == want[i] && count == counts[i],
              "word %zu: width %d len %zu unit %#x count %llu", i, width, len,
              (unsigned)u, (unsigned long long)count);
    }
    wc_freq_free(f);
}

int main(void)
{
    test_fold_wide_units();
    test_space_words_match_rule();
    test_frequencies_threads();
    test_utf8_errors();
    test_unicode_words();
    wc_pool_shutdown();
    return check_report();
}
