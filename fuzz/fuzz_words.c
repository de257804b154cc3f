/*
 * fuzz_words.c - libFuzzer target: the word machinery (lib/freq*.c,
 * lib/table.c, lib/words.c, lib/unicode.c): wc_words_foreach, frequencies
 * (wc_freq_count_all) and many needles (wc_freq_count_needles), in space
 * and unicode mode, with and without casefold, on bytes (UTF-8), Latin-1,
 * UCS-2 and UCS-4 texts, at 1 to 4 threads with the parallel threshold
 * lowered so that texts of a few bytes are cut into many chunks.
 *
 * The input is read as
 *   byte 0   control: bit 0 unicode mode, bit 1 casefold, bits 2-3 the
 *            encoding (0: UTF-8 bytes, 1: Latin-1, 2: UCS-2, 3: UCS-4);
 *            bits 4-6 all set (an eighth of inputs, which cost 50 times
 *            more): the text repeated to about 48 KiB; bit 7: tables
 *            start at 2 << (byte 1 & 3) slots, so that counts grow them and
 *            merges grow their targets, and frequencies is counted once
 *            more with allocation 1 + (byte 1 >> 3) failing (and every later
 *            one when bit 2 of byte 1 is set)
 *   byte 1   the parallel threshold, 1 to 256 bytes (wc_make_edges cuts
 *            chunks of at least that)
 *   byte 2   the number of needles of the input (modulo 5), then each as a
 *            length byte (modulo 10) and its units; then the text's units.
 * A unit is one input byte: below 0xE0 that code unit; for UCS-2 and UCS-4
 * 0xE0..0xFF are code points chosen for their case folding and word
 * classes (expansions, the Kelvin sign, surrogates, not-a-code-point...).
 *
 * What is checked:
 *   - the words of wc_words_foreach (key, width, position), in space mode
 *     without casefold always, and for any mode when the text is ASCII,
 *     against a literal reference written here: lines as Rust's str::lines,
 *     then pieces at ' '; or runs of [A-Za-z0-9_] (what \w is in ASCII);
 *     casefold of ASCII is lowercase;
 *   - frequencies at 1, 2, 3 and 4 threads, ordered by first occurrence and
 *     by count (ties by first occurrence): exactly the distinct non-empty
 *     words of wc_words_foreach with their counts, in that order (the keys
 *     of a wide text and the folded keys of a Latin-1 one in their
 *     narrowest width, or on 2 and 4 threads, after wc_freq_keep_utf8, as
 *     the UTF-8 of their units);
 *   - count_many at 1 to 4 threads: for needles without casefold, and for
 *     needles that are words of the text, the count of equal words in
 *     wc_words_foreach's list; for ASCII needles of ASCII texts with
 *     casefold, the literal count; for every needle, the same count at
 *     every thread count, and counted alone (by the needle kernels, with
 *     casefold when it folds to ASCII) the same count or error, and all of
 *     them among 9 needles that no text holds (word by word) the same
 *     counts;
 *   - with a failing allocation: WC_ENOMEM with the table empty (it then
 *     counts right), or the right result;
 *   - on every kernel this CPU runs (wc_force_kernel): the byte-class masks
 *     of the text's bytes (and the narrowing of its units) equal the scalar
 *     kernel's, and wc_words_foreach gives the same words; frequencies at
 *     1, 2, 3, 4 threads run on the
 *     scalar, SSE2, AVX2, AVX-512 kernel (those this CPU runs);
 *   - invalid UTF-8 (text or needle, when the mode decodes it) fails with
 *     WC_EUTF8 at the offset that a literal validator written here finds
 *     (where CPython's UnicodeDecodeError starts), at every thread count.
 * A disagreement aborts, which libFuzzer reports as a crash with the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wordcount.h"
#include "table.h" /* wc_test_table_min, wc_test_fail_allocs, wc_test_release_zero */
#include "freq.h"  /* wc_test_sort_stream */
#include "kernels/wmask.h"

#define MAX_NEEDLES 12
/* needle_words.h's WC_UNEEDLE_MAX: more needles go word by word. */
#define WC_UNEEDLE_MAX_TEST 8
#define NO_ERROR ((size_t)-1)

static void failf(const char *what, size_t a, size_t b)
{
    fprintf(stderr, "MISMATCH %s: %zu against %zu\n", what, a, b);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

/* ---- units ---------------------------------------------------------------- */

static const uint32_t special16[32] = {
    0x0130, 0x212A, 0x1E9E, 0xD800, 0xDC00, 0xFB03, 0x1F88, 0x0390,
    0x0345, 0x2126, 0x3000, 0x0660, 0x2028, 0x0120, 0x010A, 0x0149,
    0x0587, 0x1E96, 0x03A3, 0x03C2, 0x0300, 0x4E00, 0xFF21, 0x2160,
    0x200B, 0x0A0A, 0x2020, 0xFFFF, 0x0131, 0x017F, 0x00DF, 0x1E00};
static const uint32_t special32[32] = {
    0x0130,   0x212A,   0x1E9E,     0x10400,    0xD800,  0xFB03,  0x1F88,
    0x0390,   0x0345,   0x2126,     0x3000,     0x0660,  0x2028,  0x00010020,
    0x0001000A, 0x0149, 0x0587,     0x1E96,     0x03A3,  0x1D400, 0x0300,
    0x4E00,   0x1F600,  0x2160,     0x110000,   0xFFFFFFFF, 0x20000020,
    0x1E921,  0x0131,   0x017F,     0x10428,    0x0A0A};

static uint32_t unit_of(uint8_t b, int width)
{
    if (b < 0xE0 || width == 1)
        return b;
    return width == 2 ? special16[b - 0xE0] : special32[b - 0xE0];
}

static void put_unit(void *p, size_t k, uint32_t c, int width)
{
    if (width == 1)
        ((uint8_t *)p)[k] = (uint8_t)c;
    else if (width == 2)
        ((uint16_t *)p)[k] = (uint16_t)c;
    else
        ((uint32_t *)p)[k] = c;
}

static void *pack(const uint32_t *u, size_t n, int width)
{
    void *p = xmalloc(n * (size_t)width);
    for (size_t k = 0; k < n; k++)
        put_unit(p, k, u[k], width);
    return p;
}

/* ---- a literal UTF-8 validator (Unicode's table 3-7) ----------------------- */

/* The offset of the first byte where no well-formed sequence starts (the
 * start of CPython's UnicodeDecodeError), or NO_ERROR. */
static size_t utf8_error(const uint8_t *s, size_t n)
{
    static const struct { uint8_t lo, hi, n, lo1, hi1; } forms[] = {
        {0x00, 0x7F, 1, 0, 0},       {0xC2, 0xDF, 2, 0x80, 0xBF},
        {0xE0, 0xE0, 3, 0xA0, 0xBF}, {0xE1, 0xEC, 3, 0x80, 0xBF},
        {0xED, 0xED, 3, 0x80, 0x9F}, {0xEE, 0xEF, 3, 0x80, 0xBF},
        {0xF0, 0xF0, 4, 0x90, 0xBF}, {0xF1, 0xF3, 4, 0x80, 0xBF},
        {0xF4, 0xF4, 4, 0x80, 0x8F},
    };
    size_t i = 0;
    while (i < n) {
        size_t f = 0, nf = sizeof forms / sizeof forms[0];
        while (f < nf && !(s[i] >= forms[f].lo && s[i] <= forms[f].hi))
            f++;
        if (f == nf || n - i < forms[f].n)
            return i;
        if (forms[f].n > 1 && !(s[i + 1] >= forms[f].lo1 && s[i + 1] <= forms[f].hi1))
            return i;
        for (size_t k = 2; k < forms[f].n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return i;
        i += forms[f].n;
    }
    return NO_ERROR;
}

/* ---- lists of words ------------------------------------------------------- */

struct word {
    size_t off;   /* of the key in the list's buffer */
    size_t bytes; /* the key's size */
    size_t pos;   /* the word's first unit in the text */
};

struct wlist {
    struct word *v;
    size_t n, cap;
    uint8_t *buf;
    size_t used, bufcap;
    int width; /* of every key (-1: not set yet) */
};

static void wl_init(struct wlist *l)
{
    memset(l, 0, sizeof *l);
    l->width = -1;
}

static void wl_free(struct wlist *l)
{
    free(l->v);
    free(l->buf);
}

static void wl_add(struct wlist *l, const void *key, size_t bytes, size_t pos)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (l->v == NULL)
            abort();
    }
    if (l->used + bytes > l->bufcap) {
        while (l->used + bytes > l->bufcap)
            l->bufcap = l->bufcap ? l->bufcap * 2 : 1024;
        l->buf = realloc(l->buf, l->bufcap);
        if (l->buf == NULL)
            abort();
    }
    if (bytes > 0)
        memcpy(l->buf + l->used, key, bytes);
    l->v[l->n++] = (struct word){l->used, bytes, pos};
    l->used += bytes;
}

static const uint8_t *wl_key(const struct wlist *l, size_t i)
{
    static const uint8_t none[1];
    return l->buf != NULL ? l->buf + l->v[i].off : none; /* all keys empty */
}

static int same_key(const void *a, size_t na, const void *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static void wl_expect_equal(const char *what, const struct wlist *a,
                            const struct wlist *b)
{
    if (a->n != b->n)
        failf(what, a->n, b->n);
    if (a->n > 0 && a->width != b->width)
        failf("key width", (size_t)a->width, (size_t)b->width);
    for (size_t i = 0; i < a->n; i++)
        if (!same_key(wl_key(a, i), a->v[i].bytes, wl_key(b, i), b->v[i].bytes) ||
            a->v[i].pos != b->v[i].pos)
            failf(what, i, a->v[i].pos);
}

/* The words of wc_words_foreach. */
static int collect(void *ctx, const void *key, size_t len, int width, size_t pos)
{
    struct wlist *l = ctx;
    if (l->width >= 0 && l->width != width)
        failf("foreach key widths differ", (size_t)l->width, (size_t)width);
    l->width = width;
    wl_add(l, key, len * (size_t)width, pos);
    return 0;
}

/* ---- the literal references ----------------------------------------------- */

static int ascii_word(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static uint32_t ascii_lower(uint32_t c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Add the key of units u[s..e) to l: as they are (width w), or lowercased
 * as keys of width kw when fold. */
static void add_literal(struct wlist *l, const uint32_t *u, size_t s, size_t e,
                        int fold, int w, int kw)
{
    int width = fold ? kw : w;
    uint8_t *key = xmalloc((e - s) * 4);
    for (size_t k = s; k < e; k++)
        put_unit(key, k - s, fold ? ascii_lower(u[k]) : u[k], width);
    l->width = width;
    wl_add(l, key, (e - s) * (size_t)width, s);
    free(key);
}

/* Space mode: lines as str::lines, then pieces at ' ', empty ones included. */
static void literal_space(const uint32_t *u, size_t n, int fold, int w, int kw,
                          struct wlist *l)
{
    size_t line = 0;
    while (line < n) {
        size_t nl = line;
        while (nl < n && u[nl] != '\n')
            nl++;
        size_t stop = nl;
        if (nl < n && stop > line && u[stop - 1] == '\r')
            stop--;
        size_t word = line;
        for (size_t k = line; k <= stop; k++) {
            if (k == stop || u[k] == ' ') {
                add_literal(l, u, word, k, fold, w, kw);
                word = k + 1;
            }
        }
        line = nl + 1;
    }
}

/* Unicode mode on ASCII: maximal runs of [A-Za-z0-9_]. */
static void literal_runs(const uint32_t *u, size_t n, int fold, int w, int kw,
                         struct wlist *l)
{
    size_t k = 0;
    while (k < n) {
        if (!ascii_word(u[k])) {
            k++;
            continue;
        }
        size_t s = k;
        while (k < n && ascii_word(u[k]))
            k++;
        add_literal(l, u, s, k, fold, w, kw);
    }
}

/* ---- distinct words and their order ----------------------------------------- */

struct distinct {
    size_t first; /* index of the first occurrence in the list */
    size_t count;
};

static const struct wlist *sort_list;

static int by_key(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const struct word *x = &sort_list->v[i], *y = &sort_list->v[j];
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? -1 : 1;
    int c = x->bytes ? memcmp(wl_key(sort_list, i), wl_key(sort_list, j), x->bytes) : 0;
    if (c != 0)
        return c;
    return (i > j) - (i < j);
}

static int by_first(const void *a, const void *b)
{
    const struct distinct *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

static int by_count(const void *a, const void *b)
{
    const struct distinct *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->first > y->first) - (x->first < y->first);
}

/* The distinct non-empty words of l in order of first occurrence. */
static struct distinct *distinct_words(const struct wlist *l, size_t *nd)
{
    size_t *idx = xmalloc(l->n * sizeof *idx);
    for (size_t i = 0; i < l->n; i++)
        idx[i] = i;
    sort_list = l;
    qsort(idx, l->n, sizeof *idx, by_key);
    struct distinct *d = xmalloc(l->n * sizeof *d);
    size_t n = 0;
    for (size_t i = 0; i < l->n;) {
        size_t j = i + 1;
        while (j < l->n && same_key(wl_key(l, idx[i]), l->v[idx[i]].bytes,
                                    wl_key(l, idx[j]), l->v[idx[j]].bytes))
            j++;
        if (l->v[idx[i]].bytes > 0)
            d[n++] = (struct distinct){idx[i], j - i};
        i = j;
    }
    free(idx);
    qsort(d, n, sizeof *d, by_first);
    *nd = n;
    return d;
}

static uint64_t count_in(const struct wlist *l, const void *key, size_t bytes)
{
    uint64_t c = 0;
    for (size_t i = 0; i < l->n; i++)
        c += same_key(wl_key(l, i), l->v[i].bytes, key, bytes);
    return c;
}

/* ---- the table against the distinct words ----------------------------------- */

/* Keys narrowed by wc_freq_get: every key of a UCS-2 or UCS-4 text, and
 * the folded keys of a Latin-1 one; o_keep: those keys left as UTF-8
 * instead (wc_freq_keep_utf8). */
static int o_narrow, o_keep;

/* Unit c as the core's UTF-8 of any 32-bit value: UTF-8 below U+110000
 * (surrogates in the 3-byte form), the 4-byte form up to 0x1FFFFF, then
 * the 5-, 6- and 7-byte forms of the original UTF-8 (leads 0xF8, 0xFC,
 * 0xFE).  Returns its bytes. */
static size_t any_utf8(uint32_t c, uint8_t *out)
{
    static const uint32_t below[6] = {0x80, 0x800, 0x10000, 0x200000,
                                      0x4000000, 0x80000000u};
    static const uint8_t lead[8] = {0, 0, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE};
    size_t n = 1;
    while (n < 7 && c >= below[n - 1])
        n++;
    if (n == 1) {
        out[0] = (uint8_t)c;
        return 1;
    }
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (uint8_t)(0x80 | (c & 0x3F));
        c >>= 6;
    }
    out[0] = (uint8_t)(lead[n] | c);
    return n;
}

static uint32_t unit_at(const void *p, int width, size_t j)
{
    return width == 1   ? ((const uint8_t *)p)[j]
           : width == 2 ? ((const uint16_t *)p)[j]
                        : ((const uint32_t *)p)[j];
}

/* The table holds the nd words of d; its first `upto` are d's first, in
 * d's order. */
static void expect_prefix(const char *what, wc_freq *f, const struct wlist *l,
                          const struct distinct *d, size_t nd, size_t upto)
{
    if (wc_freq_size(f) != nd)
        failf(what, wc_freq_size(f), nd);
    for (size_t i = 0; i < upto && i < nd; i++) {
        const void *key;
        size_t len;
        int width;
        uint64_t count;
        wc_freq_get(f, i, &key, &len, &width, &count);
        const struct word *w = &l->v[d[i].first];
        if (o_narrow && o_keep) {
            /* The key as the UTF-8 of the word's units, width 1. */
            const uint8_t *k = key;
            const void *wk = wl_key(l, d[i].first);
            size_t wn = w->bytes / (size_t)l->width, at = 0;
            int same = width == 1;
            for (size_t j = 0; j < wn && same; j++) {
                uint8_t u8[7];
                size_t b = any_utf8(unit_at(wk, l->width, j), u8);
                same = b <= len - at && memcmp(k + at, u8, b) == 0;
                at += b;
            }
            if (!same || at != len || count != d[i].count)
                failf(what, i, (size_t)count);
            continue;
        }
        if (o_narrow) {
            /* The key in its narrowest width (1, 2 or 4), the word in the
             * list's: compare code points. */
            const void *wk = wl_key(l, d[i].first);
            size_t wn = w->bytes / (size_t)l->width;
            uint32_t max = 0;
            int same = len == wn;
            for (size_t j = 0; j < len && same; j++) {
                uint32_t kc = unit_at(key, width, j), wc = unit_at(wk, l->width, j);
                same = kc == wc;
                max = kc > max ? kc : max;
            }
            if (same && width != (max < 0x100 ? 1 : max < 0x10000 ? 2 : 4))
                failf("key not in its narrowest width", i, max);
            if (!same || count != d[i].count)
                failf(what, i, (size_t)count);
            continue;
        }
        if (width != l->width || count != d[i].count ||
            !same_key(key, len * (size_t)width, wl_key(l, d[i].first), w->bytes))
            failf(what, i, (size_t)count);
    }
}

static void expect_table(const char *what, wc_freq *f, const struct wlist *l,
                         const struct distinct *d, size_t nd)
{
    expect_prefix(what, f, l, d, nd, nd);
}

/* ---- the input ----------------------------------------------------------------- */

struct needle {
    void *p;
    size_t len;
    int width;
    int exact;       /* want is the count */
    uint64_t want;
    size_t utf8_err; /* NO_ERROR, or where adding it must fail */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    static const int widths[4] = {1, 1, 2, 4};
    uint8_t ctl = data[0];
    int enc = (ctl >> 2) & 3;
    int width = widths[enc];
    wc_word_opts o = {
        .words = ctl & 1 ? WC_WORDS_UNICODE : WC_WORDS_SPACE,
        .casefold = (ctl >> 1) & 1,
        .utf8 = enc == 0,
    };
    int tile = (ctl & 0x70) == 0x70;
    o_narrow = !o.utf8 && (o.casefold || width != 1);
    /* Bit 7: tables start at 2 to 16 slots (every count grows them and the
     * merges of the threads' tables grow their targets), and one more
     * frequencies count runs with an allocation failing (byte 1). */
    int small = ctl >> 7;
    uint8_t knob = data[1];
    wc_test_table_min(small ? (size_t)2 << (knob & 3) : 0);
    /* What the merges and the sort's readers give back is zeroed, exactly
     * and in tables of any size: a word read from a slot after its release
     * is lost, and the references see it. */
    wc_test_release_zero(1);
    /* Byte 1's top bit: every sort scatters through lines, as the sorts of
     * millions of words do. */
    wc_test_sort_stream(knob & 0x80 ? 1 : 0);
    wc_set_parallel_threshold(1 + (size_t)data[1]);
    size_t nin = data[2] % 5;
    data += 3;
    size -= 3;

    /* The needles of the input, in units. */
    uint32_t *nu[5];
    size_t nlen[5];
    for (size_t k = 0; k < nin; k++) {
        size_t m = size > 0 ? data[0] % 10 : 0;
        if (size > 0) {
            data++;
            size--;
        }
        if (m > size)
            m = size;
        nu[k] = xmalloc(m * sizeof *nu[k]);
        for (size_t i = 0; i < m; i++)
            nu[k][i] = unit_of(data[i], width);
        nlen[k] = m;
        data += m;
        size -= m;
    }
    size_t len = size;
    /* Tiled: the text repeated to some 48 KiB, long enough that the pool's
     * workers join the job and the per-thread tables are merged (a text of a
     * few bytes is counted before a worker wakes up). */
    size_t reps = 1;
    if (tile && len > 0)
        reps = (48 * 1024) / (len * (size_t)width) + 1;
    uint32_t *u = xmalloc(len * reps * sizeof *u);
    int ascii = 1;
    for (size_t k = 0; k < len; k++) {
        u[k] = unit_of(data[k], width);
        ascii &= u[k] < 0x80;
    }
    for (size_t r = 1; r < reps; r++)
        memcpy(u + r * len, u, len * sizeof *u);
    len *= reps;
    void *text = pack(u, len, width);
    int kw = o.casefold ? (o.utf8 ? 1 : 4) : width;
    int decodes = o.utf8 && (o.casefold || o.words == WC_WORDS_UNICODE);
    size_t text_err = decodes ? utf8_error(text, len) : NO_ERROR;

    /* The words, one by one. */
    struct wlist words;
    wl_init(&words);
    size_t err = 0;
    int rc = wc_words_foreach(text, len, width, &o, collect, &words, &err);
    if (text_err != NO_ERROR) {
        if (rc != WC_EUTF8 || err != text_err)
            failf("foreach: invalid UTF-8 not reported at its offset", err, text_err);
    } else if (rc != WC_OK) {
        failf("foreach failed", (size_t)-rc, 0);
    }
    int literal = o.words == WC_WORDS_SPACE && !o.casefold ? 1 : ascii;
    struct wlist lit;
    wl_init(&lit);
    if (literal) {
        if (o.words == WC_WORDS_SPACE)
            literal_space(u, len, o.casefold, width, kw, &lit);
        else
            literal_runs(u, len, o.casefold, width, kw, &lit);
        if (lit.n == 0)
            lit.width = words.width;
        if (rc == WC_OK)
            wl_expect_equal("foreach against the literal words", &words, &lit);
    }
    /* Every kernel this CPU runs (the byte-class masks of the enumerators):
     * its masks equal the scalar kernel's on the text's bytes, and its
     * words those of the automatic choice. */
    static const char *const kernels[] = {"scalar", "sse2", "avx2", "avx512"};
    for (int k = 0; k < 4 && rc == WC_OK; k++) {
        if (wc_force_kernel(kernels[k]) != WC_OK)
            continue;
        size_t nb = len * (size_t)width, nw = (nb + 63) / 64;
        uint64_t *m1 = xmalloc((nw + 1) * sizeof *m1);
        uint64_t *m2 = xmalloc((nw + 1) * sizeof *m2);
        for (int cls = 0; cls < 3; cls++) {
            wc_wmask_scalar(text, nb, cls, m1);
            wc_wmask_kernel()(text, nb, cls, m2);
            if (memcmp(m1, m2, nw * sizeof *m1) != 0)
                failf("byte-class masks differ from the scalar kernel's",
                      (size_t)k, (size_t)cls);
        }
        /* The text's own units (width 2 or 4): the wide kernels too. */
        size_t nuw = (len + 63) / 64;
        for (int cls = 0; width > 1 && cls < 3; cls++) {
            wc_wmaskw_scalar(text, len, width, cls, m1);
            wc_wmaskw_kernel()(text, len, width, cls, m2);
            if (memcmp(m1, m2, nuw * sizeof *m1) != 0)
                failf("unit-class masks differ from the scalar kernel's",
                      (size_t)k, (size_t)cls);
        }
        free(m1);
        free(m2);
        /* And their narrowing (from every unit on: the prefix below 0x80
         * ends anywhere). */
        if (width > 1) {
            uint8_t *b1 = xmalloc(len + 1), *b2 = xmalloc(len + 1);
            for (size_t at = 0; at < len; at += 1 + at / 8) {
                const uint8_t *from = (const uint8_t *)text + at * (size_t)width;
                size_t a1 = wc_narrow_scalar(from, len - at, width, b1);
                size_t a2 = wc_narrow_kernel()(from, len - at, width, b2);
                if (a1 != a2 || memcmp(b1, b2, a1) != 0)
                    failf("narrowed units differ from the scalar kernel's",
                          (size_t)k, at);
            }
            free(b1);
            free(b2);
        }
        struct wlist again;
        wl_init(&again);
        size_t err2 = 0;
        if (wc_words_foreach(text, len, width, &o, collect, &again, &err2) != WC_OK)
            failf("foreach failed on a forced kernel", (size_t)k, 0);
        wl_expect_equal("foreach on a forced kernel", &again, &words);
        wl_free(&again);
    }
    wc_force_kernel("auto");
    size_t nd = 0;
    struct distinct *d = distinct_words(&words, &nd);

    /* The needles: those of the input, words of the text, and two odd ones. */
    struct needle nds[MAX_NEEDLES];
    size_t n = 0;
    for (size_t k = 0; k < nin; k++) {
        struct needle *q = &nds[n++];
        q->p = pack(nu[k], nlen[k], width);
        q->len = nlen[k];
        q->width = width;
        q->utf8_err = decodes ? utf8_error(q->p, q->len) : NO_ERROR;
        int needle_ascii = 1;
        for (size_t i = 0; i < nlen[k]; i++)
            needle_ascii &= nu[k][i] < 0x80;
        q->exact = 0;
        if (!o.casefold) {
            /* Keys are the units themselves. */
            q->exact = 1;
            q->want = count_in(&words, q->p, q->len * (size_t)width);
        } else if (literal && needle_ascii) {
            uint8_t *key = xmalloc(q->len * 4);
            for (size_t i = 0; i < q->len; i++)
                put_unit(key, i, ascii_lower(nu[k][i]), kw);
            q->exact = 1;
            q->want = count_in(&lit, key, q->len * (size_t)kw);
            free(key);
        }
    }
    for (size_t k = 0; k < 3 && k < nd; k++) {
        size_t i = d[(k * 7 + len) % nd].first;
        struct needle *q = &nds[n++];
        q->width = words.width;
        q->len = words.v[i].bytes / (size_t)q->width;
        q->p = xmalloc(words.v[i].bytes);
        memcpy(q->p, wl_key(&words, i), words.v[i].bytes);
        q->exact = 1; /* folding a folded word changes nothing */
        q->want = count_in(&words, q->p, words.v[i].bytes);
        q->utf8_err = NO_ERROR;
    }
    static const uint32_t odd[2][3] = {{0, 0, 0}, {'a', ' ', 'b'}};
    static const size_t odd_len[2] = {0, 3};
    for (size_t k = 0; k < 2; k++) {
        struct needle *q = &nds[n++];
        q->p = pack(odd[k], odd_len[k], width);
        q->len = odd_len[k];
        q->width = width;
        q->exact = 1;
        /* Empty words exist in space mode only; no word holds ' '. */
        q->want = k == 0 && o.words == WC_WORDS_SPACE
                      ? count_in(&words, q->p, 0) : 0;
        q->utf8_err = NO_ERROR;
    }

    uint64_t first_counts[MAX_NEEDLES] = {0};
    for (int threads = 1; threads <= 4; threads++) {
        o.threads = threads;

        /* frequencies, on kernel threads - 1 (scalar, sse2, avx2, avx512)
         * where this CPU runs it: the runs of space mode (freq_space.c)
         * come from each kernel's masks. */
        wc_force_kernel("auto");
        (void)wc_force_kernel(kernels[threads - 1]);
        wc_freq *f = wc_freq_new(width, &o);
        if (f == NULL)
            abort();
        /* On 2 and 4 threads, the keys a sort would narrow stay UTF-8. */
        o_keep = o_narrow && threads % 2 == 0;
        if (o_keep)
            wc_freq_keep_utf8(f);
        err = 0;
        rc = wc_freq_count_all(f, text, len, &err);
        if (text_err != NO_ERROR) {
            if (rc != WC_EUTF8 || err != text_err)
                failf("frequencies: invalid UTF-8 not reported at its offset",
                      err, text_err);
        } else {
            if (rc != WC_OK)
                failf("frequencies failed", (size_t)-rc, (size_t)threads);
            if (wc_freq_sort(f, 0) != WC_OK)
                abort();
            if (wc_freq_keys_utf8(f) != o_keep)
                failf("keys left as UTF-8", (size_t)wc_freq_keys_utf8(f),
                      (size_t)o_keep);
            expect_table("frequencies by first occurrence", f, &words, d, nd);
            if (wc_freq_sort(f, 1) != WC_OK)
                abort();
            qsort(d, nd, sizeof *d, by_count);
            expect_table("frequencies by count", f, &words, d, nd);
            /* The top k (0 to nd + 1, from the input) from the order of
             * first occurrence: the first k by count, no word lost. */
            size_t k = ((size_t)knob * 7 + len + (size_t)threads) % (nd + 2);
            if (wc_freq_sort(f, 0) != WC_OK || wc_freq_sort_top(f, k) != WC_OK)
                abort();
            expect_prefix("frequencies, top k", f, &words, d, nd, k);
            if (wc_freq_sort(f, 1) != WC_OK)
                abort();
            expect_table("frequencies by count after top k", f, &words, d, nd);
            qsort(d, nd, sizeof *d, by_first);
        }
        wc_freq_free(f);
        o_keep = 0;
        wc_force_kernel("auto");

        /* frequencies again, the (knob >> 3)th allocation of the count and
         * the sort failing (and every later one with bit 2): WC_ENOMEM from
         * the count leaves the table empty and able to count, from the sort
         * (the keys of a wide text are narrowed there) able to sort; else
         * the result is the same. */
        if (small && text_err == NO_ERROR) {
            f = wc_freq_new(width, &o);
            if (f == NULL)
                abort();
            wc_test_fail_allocs(1 + (uint64_t)(knob >> 3), (knob >> 2) & 1);
            rc = wc_freq_count_all(f, text, len, &err);
            if (rc == WC_ENOMEM) {
                wc_test_fail_allocs(0, 0);
                if (wc_freq_size(f) != 0)
                    failf("out of memory left words", wc_freq_size(f), 0);
                rc = wc_freq_count_all(f, text, len, &err);
            }
            if (rc != WC_OK)
                failf("frequencies after out of memory", (size_t)-rc, 0);
            rc = wc_freq_sort(f, 0);
            wc_test_fail_allocs(0, 0);
            if (rc == WC_ENOMEM)
                rc = wc_freq_sort(f, 0);
            if (rc != WC_OK)
                failf("sort after out of memory", (size_t)-rc, 0);
            expect_table("frequencies after a failed allocation", f, &words, d, nd);
            wc_freq_free(f);
        }

        /* count_many */
        f = wc_freq_new(width, &o);
        if (f == NULL)
            abort();
        size_t ids[MAX_NEEDLES];
        for (size_t k = 0; k < n; k++) {
            err = 0;
            rc = wc_freq_add_needle(f, nds[k].p, nds[k].len, nds[k].width,
                                    &ids[k], &err);
            if (nds[k].utf8_err != NO_ERROR) {
                if (rc != WC_EUTF8 || err != nds[k].utf8_err)
                    failf("needle: invalid UTF-8 not reported at its offset",
                          err, nds[k].utf8_err);
                ids[k] = WC_NO_ID;
            } else if (rc != WC_OK) {
                failf("wc_freq_add_needle failed", (size_t)-rc, k);
            }
        }
        err = 0;
        rc = wc_freq_count_needles(f, text, len, &err);
        if (text_err != NO_ERROR) {
            if (rc != WC_EUTF8 || err != text_err)
                failf("count_many: invalid UTF-8 not reported at its offset",
                      err, text_err);
            /* The first needle alone (the unicode needle kernels' path in
             * unicode mode): the same error at the same offset (on 1 and 3
             * threads). */
            wc_freq *g = threads % 2 == 1 ? wc_freq_new(width, &o) : NULL;
            size_t id1 = WC_NO_ID, err1 = 0;
            if (g != NULL && n > 0 && nds[0].utf8_err == NO_ERROR &&
                wc_freq_add_needle(g, nds[0].p, nds[0].len, nds[0].width, &id1,
                                   &err1) == WC_OK &&
                (wc_freq_count_needles(g, text, len, &err1) != WC_EUTF8 ||
                 err1 != text_err))
                failf("one needle: invalid UTF-8 not reported at its offset",
                      err1, text_err);
            wc_freq_free(g);
        } else {
            if (rc != WC_OK)
                failf("count_many failed", (size_t)-rc, (size_t)threads);
            for (size_t k = 0; k < n; k++) {
                if (nds[k].utf8_err != NO_ERROR)
                    continue;
                uint64_t got = wc_freq_needle_count(f, ids[k]);
                /* The needle alone: the needle kernels count it
                 * (needle_words.c) where they take it, as they may f's
                 * needles; the same count either way.  Needle k
                 * at one thread count (they take turns: all four at every
                 * count made the target 7 times slower). */
                if (threads == 1 + (int)(k % 4)) {
                    wc_freq *g = wc_freq_new(width, &o);
                    size_t id1 = WC_NO_ID, err1 = 0;
                    if (g == NULL ||
                        wc_freq_add_needle(g, nds[k].p, nds[k].len,
                                           nds[k].width, &id1, &err1) != WC_OK ||
                        wc_freq_count_needles(g, text, len, &err1) != WC_OK)
                        failf("one needle failed", k, (size_t)threads);
                    if (wc_freq_needle_count(g, id1) != got)
                        failf("one needle against count_many",
                              (size_t)wc_freq_needle_count(g, id1), (size_t)got);
                    wc_freq_free(g);
                }
                if (nds[k].exact && got != nds[k].want)
                    failf("count_many", (size_t)got, (size_t)nds[k].want);
                if (threads == 1)
                    first_counts[k] = got;
                else if (got != first_counts[k])
                    failf("count_many differs between thread counts",
                          (size_t)got, (size_t)first_counts[k]);
            }
            /* All the needles again beside more than the kernels take
             * (words that no text holds: "\x01", "\x01\x01", ...): word by
             * word through the table, whether f's kernels counted them or
             * not; once, on one thread. */
            if (threads == 1) {
                static const uint8_t ones[WC_UNEEDLE_MAX_TEST + 1] = {
                    1, 1, 1, 1, 1, 1, 1, 1, 1};
                wc_freq *g = wc_freq_new(width, &o);
                size_t gid[MAX_NEEDLES], err1 = 0;
                int bad = g == NULL;
                for (size_t k = 0; k < n && !bad; k++)
                    bad = nds[k].utf8_err == NO_ERROR &&
                          wc_freq_add_needle(g, nds[k].p, nds[k].len, nds[k].width,
                                             &gid[k], &err1) != WC_OK;
                for (size_t j = 1; j <= WC_UNEEDLE_MAX_TEST + 1 && !bad; j++) {
                    size_t idj;
                    bad = wc_freq_add_needle(g, ones, j, 1, &idj, &err1) != WC_OK;
                }
                if (bad || wc_freq_count_needles(g, text, len, &err1) != WC_OK)
                    failf("the needles among fillers failed", n, (size_t)threads);
                for (size_t k = 0; k < n; k++)
                    if (nds[k].utf8_err == NO_ERROR &&
                        wc_freq_needle_count(g, gid[k]) != wc_freq_needle_count(f, ids[k]))
                        failf("count_many against word by word",
                              (size_t)wc_freq_needle_count(g, gid[k]),
                              (size_t)wc_freq_needle_count(f, ids[k]));
                wc_freq_free(g);
            }
        }
        wc_freq_free(f);
    }

    for (size_t k = 0; k < n; k++)
        free(nds[k].p);
    for (size_t k = 0; k < nin; k++)
        free(nu[k]);
    free(d);
    wl_free(&lit);
    wl_free(&words);
    free(text);
    free(u);
    return 0;
}
