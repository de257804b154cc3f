/*
 * test_words.c - the word enumerators, frequency tables and many needles of
 * the core, against references that share no code with it:
 *   - space words agree with the boundary rule wc_match_at8/16/32 for every
 *     needle (the rule the SIMD kernels implement) on every small text over
 *     a hard alphabet;
 *   - frequencies at 1, 2, 3 and 7 threads (with the parallel threshold
 *     lowered so that small texts are cut into many chunks) equal a literal
 *     split into lines and words;
 *   - a count in memory stops with WC_EINTR when the progress callback asks
 *     (at 2 and 4 threads, count_all and count_needles), leaves the table as
 *     it was and counts right after; a callback that never stops changes no
 *     result;
 *   - UTF-8 errors sit where the Unicode standard's "maximal subpart" rule
 *     (and CPython) put them; folds and word classes of a few characters
 *     whose values the Unicode standard fixes.
 * The Python tests check everything against re and str.casefold at scale.
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kernels/kernels.h"
#include "pool.h"

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

/* utf8 = WC_UTF8_REPLACE: invalid UTF-8 is U+FFFD.  In unicode mode that is
 * a non-word character, so on texts of ASCII and bytes that never start nor
 * continue a valid sequence there, the words are the runs of [0-9A-Za-z_],
 * found by a plain loop; frequency tables at 1 and 3 threads agree.  In
 * space mode with casefold each maximal invalid subpart is one EF BF BD in
 * the key, as bytes.decode("utf-8", "replace") gives. */
static int ref_ascii_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z') || c == '_';
}

static void test_utf8_replace(void)
{
    static const unsigned char alphabet[] = {'a', 'B', '_', '7', ' ', '\t',
                                             '\n', '\r', '-', 0x80, 0xbf,
                                             0xc0, 0xff, 0xf8, 0xc3};
    struct words *ws = calloc(1, sizeof *ws);
    char *t = malloc(3000);
    if (ws == NULL || t == NULL)
        goto out;
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(rnd() % 3000);
        for (size_t k = 0; k < n; k++)
            t[k] = (char)alphabet[rnd() % sizeof alphabet];
        /* No valid sequence: 0xc3 is never followed by a continuation. */
        for (size_t k = 0; k + 1 < n; k++)
            if ((unsigned char)t[k] == 0xc3 &&
                ((unsigned char)t[k + 1] & 0xc0) == 0x80)
                t[k + 1] = ' ';
        int has_bad = 0;
        for (size_t k = 0; k < n; k++)
            has_bad |= (unsigned char)t[k] >= 0x80;
        for (int fold = 0; fold <= 1; fold++) {
            wc_word_opts o = {WC_WORDS_UNICODE, fold, WC_UTF8_REPLACE, 1};
            memset(ws, 0, sizeof *ws);
            int rc = wc_words_foreach(t, n, 1, &o, collect, ws, NULL);
            size_t nw = 0, bad = 0;
            for (size_t k = 0; k < n;) {
                if (!ref_ascii_word((unsigned char)t[k])) {
                    k++;
                    continue;
                }
                size_t s0 = k;
                while (k < n && ref_ascii_word((unsigned char)t[k]))
                    k++;
                if (nw < ws->n) {
                    int same = ws->pos[nw] == s0 && ws->len[nw] == k - s0;
                    for (size_t j = 0; same && j < k - s0; j++) {
                        unsigned char c = (unsigned char)t[s0 + j];
                        if (fold && c >= 'A' && c <= 'Z')
                            c = (unsigned char)(c + 32);
                        same = ws->key[nw][j] == c;
                    }
                    bad += !same;
                }
                nw++;
            }
            CHECK(rc == WC_OK && ws->n == nw && bad == 0,
                  "round %d fold %d: rc %d, %zu words, want %zu (%zu differ)",
                  round, fold, rc, ws->n, nw, bad);
            /* Strict: the same text fails when it holds a bad byte. */
            o.utf8 = WC_UTF8_STRICT;
            memset(ws, 0, sizeof *ws);
            rc = wc_words_foreach(t, n, 1, &o, collect, ws, NULL);
            CHECK(rc == (has_bad ? WC_EUTF8 : WC_OK), "strict: rc %d", rc);
        }
        /* Frequencies on 1 and 3 threads: as many words as ASCII runs. */
        wc_set_parallel_threshold(64);
        for (int threads = 1; threads <= 3; threads += 2) {
            wc_word_opts o = {WC_WORDS_UNICODE, 0, WC_UTF8_REPLACE, threads};
            wc_freq *f = wc_freq_new(1, &o);
            if (f == NULL)
                continue;
            int rc = wc_freq_count_all(f, t, n, NULL);
            uint64_t total = 0;
            wc_freq_sort(f, 0);
            for (size_t i = 0; i < wc_freq_size(f); i++) {
                const void *key;
                size_t len;
                int width;
                uint64_t c;
                wc_freq_get(f, i, &key, &len, &width, &c);
                total += c;
            }
            size_t nw = 0;
            for (size_t k = 0; k < n; k++)
                nw += ref_ascii_word((unsigned char)t[k]) &&
                      (k == 0 || !ref_ascii_word((unsigned char)t[k - 1]));
            CHECK(rc == WC_OK && total == nw, "threads %d: rc %d total %llu, "
                  "want %zu", threads, rc, (unsigned long long)total, nw);
            wc_freq_free(f);
        }
        wc_set_parallel_threshold(0);
    }
    /* Maximal subparts (the Unicode standard's table 3-8; CPython agrees). */
    static const struct {
        const char *s, *want;
    } cases[] = {
        {"A\xe2\x82" "b", "a\xef\xbf\xbd" "b"},     /* one subpart */
        {"\xf0\x9f\x98", "\xef\xbf\xbd"},           /* truncated 4-byte */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},   /* overlong */
        {"\xf4\x90\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > 10FFFF */
        {"\xe0\xa0", "\xef\xbf\xbd"},               /* truncated 3-byte */
        {"X\xffY\xc3\xa9", "x\xef\xbf\xbdy\xc3\xa9"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wc_word_opts o = {WC_WORDS_SPACE, 1, WC_UTF8_REPLACE, 1};
        memset(ws, 0, sizeof *ws);
        size_t n = strlen(cases[k].s), m = strlen(cases[k].want);
        int rc = wc_words_foreach(cases[k].s, n, 1, &o, collect, ws, NULL);
        int same = rc == WC_OK && ws->n == 1 && ws->len[0] == m;
        for (size_t j = 0; same && j < m; j++)
            same = ws->key[0][j] == (unsigned char)cases[k].want[j];
        CHECK(same, "replace case %zu: rc %d n %zu", k, rc, ws->n);
        /* The needle is folded the same way, and matches its text. */
        wc_freq *f = wc_freq_new(1, &o);
        size_t id = WC_NO_ID;
        if (f == NULL)
            continue;
        rc = wc_freq_add_needle(f, cases[k].s, n, 1, &id, NULL);
        if (rc == WC_OK)
            rc = wc_freq_count_needles(f, cases[k].s, n, NULL);
        CHECK(rc == WC_OK && wc_freq_needle_count(f, id) == 1,
              "replace needle %zu: rc %d", k, rc);
        wc_freq_free(f);
    }
    /* A stray continuation byte after a valid sequence, with a block edge
     * on every byte of a file: every word counted (replace) or the error
     * at its offset (strict), as with one block. */
    static const char stray[] = "a\xc3\xa9\x80" "a b\x80\x80" "c";
    char path[] = "/tmp/wc_test_stray_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0 && write(fd, stray, sizeof stray - 1) == (ssize_t)(sizeof stray - 1)) {
        for (size_t block = 1; block <= 8; block++) {
            wc_io_options io = {.threads = 2, .block_size = block};
            wc_word_opts ro = {WC_WORDS_UNICODE, 0, WC_UTF8_REPLACE, 2};
            wc_freq *f = wc_freq_new(1, &ro);
            if (f == NULL)
                continue;
            int rc = wc_freq_count_file(f, WC_COUNT_ALL, path, &io, NULL);
            if (rc == WC_OK)
                rc = wc_freq_sort(f, 0);
            uint64_t total = 0;
            for (size_t i = 0; rc == WC_OK && i < wc_freq_size(f); i++) {
                const void *key;
                size_t len;
                int width;
                uint64_t cnt;
                wc_freq_get(f, i, &key, &len, &width, &cnt);
                total += cnt;
            }
            CHECK(rc == WC_OK && total == 4 && wc_freq_size(f) == 4,
                  "stray, block %zu: rc %d, %llu words", block, rc,
                  (unsigned long long)total);
            wc_freq_free(f);
            ro.utf8 = WC_UTF8_STRICT;
            f = wc_freq_new(1, &ro);
            if (f == NULL)
                continue;
            wc_utf8_error ue;
            rc = wc_freq_count_file(f, WC_COUNT_ALL, path, &io, &ue);
            CHECK(rc == WC_EUTF8 && ue.offset == 3, "strict stray, block %zu: "
                  "rc %d offset %llu", block, rc, (unsigned long long)ue.offset);
            wc_freq_free(f);
        }
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    wc_word_opts o = {WC_WORDS_SPACE, 0, 3, 1};
    CHECK(wc_freq_new(1, &o) == NULL, "utf8 = 3 is out of range");
out:
    free(ws);
    free(t);
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
 * distinct words, folded or not (every word of a 4-byte text is counted as
 * a UTF-8 key and narrowed after: the long forms of wc_utf8_encode_any): 0x20000020 is not ' ', 0xFFFFFFFF not 0x1FFFFF,
 * 0x4000000 not 0x3FFFFFF.  Keys come back in their narrowest width. */
static void test_fold_wide_units(void)
{
    static const uint32_t text[] = {
        0x20000020, ' ', 0xFFFFFFFF, ' ', 0x1FFFFF, ' ', 'A', ' ', 'a', ' ',
        0x110000, ' ', 0x4000000, 0x3FFFFFF, ' ', 0x3FFFFFF, 0x4000000, ' ',
        0x80000000, ' ', 0x7FFFFFFF, ' ', 0xFFFFFFFF};
    static const uint32_t want[2][10][2] = {
        {{0x20000020}, {0xFFFFFFFF}, {0x1FFFFF}, {'A'}, {'a'}, {0x110000},
         {0x4000000, 0x3FFFFFF}, {0x3FFFFFF, 0x4000000}, {0x80000000},
         {0x7FFFFFFF}},
        {{0x20000020}, {0xFFFFFFFF}, {0x1FFFFF}, {'a'}, {0x110000},
         {0x4000000, 0x3FFFFFF}, {0x3FFFFFF, 0x4000000}, {0x80000000},
         {0x7FFFFFFF}}};
    static const uint64_t counts[2][10] = {{1, 2, 1, 1, 1, 1, 1, 1, 1, 1},
                                           {1, 2, 1, 2, 1, 1, 1, 1, 1}};
    static const size_t nwant[2] = {10, 9};
    for (int fold = 0; fold < 2; fold++) {
        wc_word_opts o = {.words = WC_WORDS_SPACE, .casefold = fold, .threads = 1};
        wc_freq *f = wc_freq_new(4, &o);
        CHECK(f != NULL, "wc_freq_new");
        if (f == NULL)
            return;
        size_t err = 0;
        CHECK(wc_freq_count_all(f, text, sizeof text / sizeof text[0], &err) ==
                  WC_OK, "count");
        CHECK(wc_freq_sort(f, 0) == WC_OK, "sort");
        CHECK_EQ(wc_freq_size(f), nwant[fold], "distinct words, fold %d", fold);
        for (size_t i = 0; i < nwant[fold] && i < wc_freq_size(f); i++) {
            const void *key;
            size_t len;
            int width;
            uint64_t count;
            wc_freq_get(f, i, &key, &len, &width, &count);
            size_t wl = want[fold][i][1] != 0 ? 2 : 1;
            int ww = want[fold][i][0] < 0x100 ? 1 : 4;
            int same = width == ww && len == wl && count == counts[fold][i];
            for (size_t j = 0; same && j < wl; j++) {
                uint32_t u = 0;
                if (width == 4)
                    memcpy(&u, (const uint8_t *)key + 4 * j, 4);
                else
                    u = ((const uint8_t *)key)[j];
                same = u == want[fold][i][j];
            }
            CHECK(same, "fold %d word %zu: width %d len %zu count %llu", fold,
                  i, width, len, (unsigned long long)count);
        }
        wc_freq_free(f);
    }
}

/* ---- cancelling a count in memory (wc_freq_set_progress) --------------------- */

/* What the progress callback saw; it runs on the calling thread only. */
struct progress {
    pthread_t caller;
    atomic_int calls;
    atomic_int bad;     /* calls off the calling thread, done going back or
                           past total, a wrong total */
    uint64_t total, last_done;
    int stop_after;     /* ask to stop on call stop_after + 1; -1: never */
};

static int on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct progress *p = arg;
    if (!pthread_equal(pthread_self(), p->caller) || total != p->total ||
        done > total || done < p->last_done)
        atomic_fetch_add(&p->bad, 1);
    p->last_done = done;
    int calls = atomic_fetch_add(&p->calls, 1) + 1;
    return p->stop_after >= 0 && calls > p->stop_after;
}

/* Words that make casefolded unicode words slow to enumerate (decoded,
 * folded, some expanding: "ß" -> "ss", "İ" -> "i" + U+0307), and so a count
 * of a few MiB long enough (tens of ms) for a 1 ms interval to pass many
 * times within it. */
static const char *const cancel_pieces[] = {
    u8"Ὀδυσσεύς", u8"ΣΊΣΥΦΟΣ", u8"σίσυφος", u8"Straße", u8"STRASSE",
    u8"İstanbul", u8"Ǆemal", u8"КИРИЛЛИЦА", u8"кириллица", u8"ﬁne",
    u8"word_1", u8"Ⅻ", u8"Ωμέγα", u8"naïve", u8"NAÏVE", u8"ǅ",
};
#define NPIECES (sizeof cancel_pieces / sizeof cancel_pieces[0])
static const char *const cancel_seps[] = {" ", " ", "\n", ", ", u8" — ", "\r\n"};

/* 1 if the tables of a and b (both sorted the same way) are equal. */
static int same_table(const wc_freq *a, const wc_freq *b)
{
    if (wc_freq_size(a) != wc_freq_size(b))
        return 0;
    for (size_t i = 0; i < wc_freq_size(a); i++) {
        const void *ka, *kb;
        size_t la, lb;
        int wa, wb;
        uint64_t ca, cb;
        wc_freq_get(a, i, &ka, &la, &wa, &ca);
        wc_freq_get(b, i, &kb, &lb, &wb, &cb);
        if (la != lb || wa != wb || ca != cb ||
            memcmp(ka, kb, la * (size_t)wa) != 0)
            return 0;
    }
    return 1;
}

/* Count text into f (needles: f holds the needles of cancel_pieces, ids in
 * id[]), with the callback p (NULL: none) every 1 ms. */
static int cancel_count(wc_freq *f, int needles, const char *t, size_t n,
                        struct progress *p)
{
    if (p != NULL) {
        p->caller = pthread_self();
        p->total = n;
        p->last_done = 0;
        wc_freq_set_progress(f, on_progress, p, 1);
    } else {
        wc_freq_set_progress(f, NULL, NULL, 0);
    }
    return needles ? wc_freq_count_needles(f, t, n, NULL)
                   : wc_freq_count_all(f, t, n, NULL);
}

static wc_freq *cancel_table(int threads, int needles, size_t *id)
{
    wc_word_opts o = {WC_WORDS_UNICODE, 1, 1, threads};
    wc_freq *f = wc_freq_new(1, &o);
    if (f == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (size_t k = 0; needles && k < NPIECES; k++) {
        const char *nd = cancel_pieces[k];
        if (wc_freq_add_needle(f, nd, strlen(nd), 1, &id[k], NULL) != WC_OK) {
            fprintf(stderr, "add needle %s failed\n", nd);
            exit(2);
        }
    }
    return f;
}

static void test_freq_cancel(void)
{
    enum { SIZE = 6 << 20 };
    char *t = xmalloc(SIZE + 64);
    size_t n = 0;
    uint64_t seed = 2024;
    while (n < SIZE) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        const char *w = cancel_pieces[(seed >> 33) % NPIECES];
        const char *sep = cancel_seps[(seed >> 45) % 6];
        memcpy(t + n, w, strlen(w));
        n += strlen(w);
        memcpy(t + n, sep, strlen(sep));
        n += strlen(sep);
    }
    /* The reference: one thread, no callback. */
    size_t id[NPIECES], ref_id[NPIECES];
    uint64_t ref_counts[NPIECES];
    wc_freq *ref_all = cancel_table(1, 0, NULL);
    wc_freq *ref_nd = cancel_table(1, 1, ref_id);
    CHECK(cancel_count(ref_all, 0, t, n, NULL) == WC_OK &&
              wc_freq_sort(ref_all, 1) == WC_OK && wc_freq_size(ref_all) > 10,
          "reference count_all");
    CHECK(cancel_count(ref_nd, 1, t, n, NULL) == WC_OK, "reference needles");
    for (size_t k = 0; k < NPIECES; k++)
        ref_counts[k] = wc_freq_needle_count(ref_nd, ref_id[k]);
    CHECK(ref_counts[0] > 0 && ref_counts[3] > 0 && ref_counts[4] > 0,
          "needles counted");

    wc_set_parallel_threshold(4096);
    static const int threads[] = {2, 4};
    for (int ti = 0; ti < 2; ti++) {
        for (int needles = 0; needles <= 1; needles++) {
            const char *what = needles ? "count_needles" : "count_all";
            /* A callback that never stops: the same results. */
            struct progress go = {.stop_after = -1};
            wc_freq *f = cancel_table(threads[ti], needles, id);
            int rc = cancel_count(f, needles, t, n, &go);
            /* No call at all when the workers claimed every span before
             * the calling thread claimed one (see below): count again. */
            for (int tries = 0; tries < 20 && rc == WC_OK &&
                                atomic_load(&go.calls) == 0; tries++) {
                wc_freq_free(f);
                f = cancel_table(threads[ti], needles, id);
                rc = cancel_count(f, needles, t, n, &go);
            }
            CHECK(rc == WC_OK, "%s threads %d, never stops: rc %d", what,
                  threads[ti], rc);
            CHECK(atomic_load(&go.calls) > 0 && atomic_load(&go.bad) == 0,
                  "%s threads %d: %d calls, %d bad", what, threads[ti],
                  atomic_load(&go.calls), atomic_load(&go.bad));
            if (needles) {
                int same = 1;
                for (size_t k = 0; k < NPIECES; k++)
                    same &= wc_freq_needle_count(f, id[k]) == ref_counts[k];
                CHECK(same, "%s threads %d: counts differ", what, threads[ti]);
            } else {
                CHECK(wc_freq_sort(f, 1) == WC_OK && same_table(f, ref_all),
                      "%s threads %d: tables differ", what, threads[ti]);
            }
            wc_freq_free(f);

            /* Stop at the first call: WC_EINTR, the table untouched (then
             * freed, or counted again right). */
            for (int again = 0; again <= 1; again++) {
                struct progress stop = {.stop_after = 0};
                f = cancel_table(threads[ti], needles, id);
                rc = cancel_count(f, needles, t, n, &stop);
                /* The calling thread calls fn between its own spans only:
                 * on a loaded machine the workers may claim every span
                 * before it claims one, and the count ends with no call
                 * (the contract allows it).  Then count again, a few
                 * times, until a call is made and stops it. */
                for (int tries = 0; tries < 20 && rc == WC_OK &&
                                    atomic_load(&stop.calls) == 0; tries++) {
                    wc_freq_free(f);
                    atomic_store(&stop.calls, 0);
                    atomic_store(&stop.bad, 0);
                    f = cancel_table(threads[ti], needles, id);
                    rc = cancel_count(f, needles, t, n, &stop);
                }
                CHECK(rc == WC_EINTR && atomic_load(&stop.calls) == 1 &&
                          atomic_load(&stop.bad) == 0,
                      "%s threads %d, stop: rc %d, %d calls, %d bad", what,
                      threads[ti], rc, atomic_load(&stop.calls),
                      atomic_load(&stop.bad));
                uint64_t left = 0;
                for (size_t k = 0; needles && k < NPIECES; k++)
                    left += wc_freq_needle_count(f, id[k]);
                CHECK(left == 0 && (needles || wc_freq_size(f) == 0),
                      "%s threads %d: counts after the stop", what, threads[ti]);
                if (again) {
                    rc = cancel_count(f, needles, t, n, NULL);
                    int same = rc == WC_OK;
                    for (size_t k = 0; needles && k < NPIECES; k++)
                        same &= wc_freq_needle_count(f, id[k]) == ref_counts[k];
                    if (!needles)
                        same &= wc_freq_sort(f, 1) == WC_OK &&
                                same_table(f, ref_all);
                    CHECK(same, "%s threads %d: the count after a stop: rc %d",
                          what, threads[ti], rc);
                }
                wc_freq_free(f);
            }
        }
    }
    wc_set_parallel_threshold(0);
    wc_freq_free(ref_all);
    wc_freq_free(ref_nd);
    free(t);
}

/* ---- a text rewritten while it is counted ------------------------------- */

struct rewrite {
    char *text;
    size_t len, words, end;
};

/* After the first word, every space from unit 10 on becomes a letter, as
 * a bytearray that another thread writes may change under a count. */
static int rewrite_after_first(void *ctx, const void *key, size_t len,
                               int width, size_t pos)
{
    struct rewrite *r = ctx;
    (void)key;
    (void)width;
    if (r->words++ == 0)
        for (size_t k = 10; k < r->len; k++)
            if (r->text[k] == ' ')
                r->text[k] = 'x';
    r->end = pos + len;
    return 0;
}

/* The unicode enumerators take a run of ASCII word units from class masks
 * made ahead and read each unit again: a unit that turned into a word
 * character after its mask was made (a space then) gave a run of no units,
 * and the loop never moved on (a frequencies() of a bytearray rewritten by
 * another thread spun for ever, with the pool's thread too).  Now the count
 * goes on, and ends: what it counts of a changing text is whatever it is,
 * but the words it gives end within the text.  An alarm fails the test
 * instead of letting it hang. */
static void test_rewritten_text_ends(void)
{
    alarm(60);
    for (int fold = 0; fold <= 1; fold++) {
        size_t n = 3 * 700;
        char *t = malloc(n);
        CHECK(t != NULL, "out of memory");
        if (t == NULL)
            return;
        for (size_t k = 0; k < n; k += 3)
            memcpy(t + k, "ab ", 3);
        struct rewrite r = {t, n, 0, 0};
        wc_word_opts o = {WC_WORDS_UNICODE, fold, WC_UTF8_STRICT, 1};
        CHECK(wc_words_foreach(t, n, 1, &o, rewrite_after_first, &r, NULL) == WC_OK,
              "fold %d", fold);
        CHECK(r.words >= 2 && r.end <= n, "fold %d: %zu words, the last ending at %zu of %zu",
              fold, r.words, r.end, n);
        free(t);
    }
    alarm(0);
}

int main(void)
{
    test_fold_wide_units();
    test_space_words_match_rule();
    test_frequencies_threads();
    test_utf8_errors();
    test_utf8_replace();
    test_unicode_words();
    test_freq_cancel();
    test_rewritten_text_ends();
    wc_pool_shutdown();
    return check_report();
}
