/*
 * wc_words.h - private to the core: Unicode look-ups, UTF-8 decoding and the
 * word enumerators that words.c (wc_words_foreach) and freq.c (frequencies,
 * many needles) share.  Everything here is inline so that each caller gets
 * the enumerator specialised for its width, mode and sink.
 *
 * The words of a text, by mode (wordcount.h has the public statement):
 *   space    the words of the normative semantics (wc_impl.h), empty ones
 *            included; with casefold each word is folded after the split
 *            (folding never makes nor removes ' ', '\n' or '\r', which
 *            tools/gen_unicode.py could check but the tests do).
 *   unicode  maximal runs of word code points (c.isalnum() or c == '_'); with
 *            casefold the text is folded FIRST and the runs are found in the
 *            folded text, so that the words are re.findall(r"\w+",
 *            text.casefold()) (folding can change the class: U+0130 folds to
 *            "i" + U+0307, a combining mark that is not \w; U+0345, not \w,
 *            folds to iota, which is).
 *
 * A word is handed to the sink as a key: untransformed words are a slice of
 * the text in its own width; folded words are encoded into a scratch buffer,
 * as UTF-8 when the text is UTF-8 bytes and as UTF-32 otherwise ("transient":
 * the sink copies what it keeps).  pos is the word's first unit in the text;
 * sub (0 to 2) orders words that start in the fold of one code point: U+1FB7
 * folds to alpha, a combining mark and iota, two words at one pos.
 */
#ifndef WC_WORDS_H
#define WC_WORDS_H

#include <stdlib.h>

#include "wc_impl.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define WC_WORDS_SSE2 1
#endif

/* ---- Unicode tables (generated: tools/gen_unicode.py) ------------------ */

extern const uint16_t wc_uni_stage1[];
extern const uint8_t wc_uni_stage2[];
extern const uint32_t wc_uni_records[];
extern const uint32_t wc_uni_latin1[];
extern const uint32_t wc_uni_expansions[];

#define WC_UNI_SHIFT 7

/* The record of code point c (the layout is in tools/gen_unicode.py). */
WC_INLINE uint32_t wc_uni_rec(uint32_t c)
{
    if (c < 256)
        return wc_uni_latin1[c];
    if (c >= 0x110000)
        return 0; /* not a code point: no word, folds to itself */
    unsigned block = wc_uni_stage1[c >> WC_UNI_SHIFT];
    return wc_uni_records[wc_uni_stage2[(block << WC_UNI_SHIFT) |
                                        (c & ((1u << WC_UNI_SHIFT) - 1))]];
}

WC_INLINE int wc_uni_isword(uint32_t c)
{
    return (int)(wc_uni_rec(c) & 1);
}

/* Full case folding of c (record r) into out[0..n); returns n (1 to 3) and
 * sets bit k of *words when out[k] is a word code point. */
WC_INLINE int wc_uni_fold(uint32_t c, uint32_t r, uint32_t out[3],
                          unsigned *words)
{
    unsigned n = (r >> 1) & 3;
    if (n == 0) {
        out[0] = c + (uint32_t)((int32_t)r >> 8);
        *words = (r >> 3) & 1;
        return 1;
    }
    const uint32_t *e = wc_uni_expansions + (r >> 8);
    *words = 0;
    for (unsigned k = 0; k < n; k++) {
        out[k] = e[k];
        *words |= (unsigned)wc_uni_isword(e[k]) << k;
    }
    return (int)n;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/*
 * Decode one code point at p (avail >= 1 bytes) as CPython's strict UTF-8
 * decoder does: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Returns the sequence length (1 to 4), or 0 when no valid sequence starts at
 * p (the error's start is then p, as in CPython's UnicodeDecodeError).
 */
WC_INLINE int wc_utf8_decode(const uint8_t *p, size_t avail, uint32_t *cp)
{
    uint32_t b0 = p[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xC2)
        return 0;
    if (b0 < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((b0 & 0x1F) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (b0 < 0xF0) {
        if (avail < 3)
            return 0;
        uint32_t lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
            return 0;
        *cp = ((b0 & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        return 3;
    }
    if (b0 < 0xF5) {
        if (avail < 4)
            return 0;
        uint32_t lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        *cp = ((b0 & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) |
              ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        return 4;
    }
    return 0;
}

/* The length of the maximal invalid subpart at p (avail >= 1 bytes, where
 * wc_utf8_decode failed): the lead byte and the continuation bytes that
 * could still have completed it.  bytes.decode("utf-8", "replace") makes
 * each such subpart one U+FFFD (Unicode's "substitution of maximal
 * subparts"). */
WC_INLINE size_t wc_utf8_bad_len(const uint8_t *p, size_t avail)
{
    uint32_t b0 = p[0];
    size_t need = b0 >= 0xC2 && b0 < 0xE0 ? 2 : b0 >= 0xE0 && b0 < 0xF0 ? 3
                : b0 >= 0xF0 && b0 < 0xF5 ? 4 : 1;
    size_t k = 1;
    while (k < need && k < avail) {
        uint32_t lo = 0x80, hi = 0xBF;
        if (k == 1) {
            lo = b0 == 0xE0 ? 0xA0 : b0 == 0xF0 ? 0x90 : 0x80;
            hi = b0 == 0xED ? 0x9F : b0 == 0xF4 ? 0x8F : 0xBF;
        }
        if (p[k] < lo || p[k] > hi)
            break;
        k++;
    }
    return k;
}

/* Encode c (a code point, surrogates included) as UTF-8 at out; returns the
 * length.  Folded words of UTF-8 text never hold surrogates. */
WC_INLINE size_t wc_utf8_encode(uint32_t c, uint8_t *out)
{
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* ---- the enumerators ------------------------------------------------------ */

/* A text and how to cut it into words. */
struct wc_wtext {
    const void *text;
    size_t len;   /* in units */
    int width;    /* 1, 2 or 4 */
    int utf8;     /* width 1: UTF-8 bytes (decoded when words or fold need it) */
    int words;    /* WC_WORDS_SPACE or WC_WORDS_UNICODE */
    int fold;     /* casefold */
    int replace;  /* utf8: invalid UTF-8 is U+FFFD (WC_UTF8_REPLACE), not an
                   * error */
    int fold_utf8; /* folded keys are UTF-8 even when the text is not: freq.c
                    * sets it (1 byte per ASCII character instead of 4 keeps
                    * keys short and in the table entry) and converts the keys
                    * to UTF-32 when counting ends; 0 (wc_wtext_init): the
                    * documented key forms */
};

/* Check the arguments and fill *x (words.c). */
int wc_wtext_init(struct wc_wtext *x, const void *text, size_t len, int width,
                  const wc_word_opts *o);

/* Width in bytes of the keys of folded words: UTF-8 for UTF-8 text, else
 * UTF-32. */
WC_INLINE int wc_fold_width(const struct wc_wtext *x)
{
    return x->utf8 || x->fold_utf8 ? 1 : 4;
}

/* The ASCII fast paths below rely on what tools/gen_unicode.py asserts: an
 * ASCII character folds to one ASCII character (lower case) of the same
 * class, so wc_uni_latin1[c] gives class (bit 0) and fold (c + delta) of
 * c < 0x80 in one load, and the fold of a word of ASCII is that word
 * lower-cased. */

/* 1 when the words must be decoded as UTF-8. */
WC_INLINE int wc_wtext_decodes(const struct wc_wtext *x)
{
    return x->width == 1 && x->utf8 && (x->fold || x->words == WC_WORDS_UNICODE);
}

/* ---- allocations ---------------------------------------------------------- */

/* Every allocation of the word and frequency code goes through these, so
 * that the tests and the fuzzers can make any one of them fail
 * (wc_test_fail_allocs, words.c): a branch on a counter that is 0 outside
 * of tests. */
extern _Atomic uint64_t wc_fail_countdown;
int wc_fail_alloc_slow(void);

WC_INLINE int wc_fail_alloc(void)
{
    return __builtin_expect(atomic_load_explicit(&wc_fail_countdown,
                                                 memory_order_relaxed) != 0, 0) &&
           wc_fail_alloc_slow();
}

WC_INLINE void *wc_malloc(size_t n)
{
    return wc_fail_alloc() ? NULL : malloc(n);
}

WC_INLINE void *wc_calloc(size_t n, size_t size)
{
    return wc_fail_alloc() ? NULL : calloc(n, size);
}

WC_INLINE void *wc_realloc(void *p, size_t n)
{
    return wc_fail_alloc() ? NULL : realloc(p, n);
}

/* For tests: the nth allocation from now on (1: the next) fails, and with
 * `persistent` every one after it too; nth 0 turns failures off. */
void wc_test_fail_allocs(uint64_t nth, int persistent);

/* For tests: new tables start with this many slots (a power of two, at
 * least 2; 0: the default), so that small texts grow and merge tables. */
void wc_test_table_min(size_t slots);

/* A growable byte buffer for folded words (one per thread). */
struct wc_scratch {
    uint8_t *buf;
    size_t cap;
};

WC_INLINE int wc_scratch_reserve(struct wc_scratch *sc, size_t need)
{
    if (need <= sc->cap)
        return WC_OK;
    size_t cap = sc->cap < 256 ? 256 : sc->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return WC_ENOMEM;
        cap *= 2;
    }
    uint8_t *b = wc_realloc(sc->buf, cap);
    if (b == NULL)
        return WC_ENOMEM;
    sc->buf = b;
    sc->cap = cap;
    return WC_OK;
}

/* ---- 16 bytes at a time (SSE2, part of x86-64) --------------------------- */

#ifdef WC_WORDS_SSE2
/* Bit i set when p[i] is an ASCII word byte: [0-9A-Za-z_] (tools/
 * gen_unicode.py asserts that these are exactly the ASCII \w characters);
 * bytes >= 0x80 are negative here and never match. */
WC_INLINE unsigned wc_sse2_ascii_words(__m128i v)
{
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                  _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
    __m128i us = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(digit, alpha), us));
}

/* v with A-Z lower-cased (their full case folding). */
WC_INLINE __m128i wc_sse2_lower(__m128i v)
{
    __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                               _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    return _mm_add_epi8(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
}
#endif

/* The number of ASCII word bytes from p on, at most lim (> 0): they need no
 * decoding and are their own class. */
WC_INLINE size_t wc_ascii_word_run(const uint8_t *p, size_t lim)
{
    size_t j = 0;
#ifdef WC_WORDS_SSE2
    while (lim - j >= 16) {
        unsigned m = wc_sse2_ascii_words(
            _mm_loadu_si128((const __m128i *)(const void *)(p + j)));
        if (m != 0xFFFF)
            return j + (size_t)__builtin_ctz(~m);
        j += 16;
    }
#endif
    while (j < lim && p[j] < 0x80 && (wc_uni_latin1[p[j]] & 1))
        j++;
    return j;
}

/* The same run, lower-cased into sc->buf at *n (its UTF-8 fold). */
WC_INLINE int wc_ascii_word_fold(const uint8_t *p, size_t lim,
                                 struct wc_scratch *sc, size_t *n,
                                 size_t *run)
{
    size_t j = 0, o = *n;
    int rc;
#ifdef WC_WORDS_SSE2
    while (lim - j >= 16) {
        if (o + 16 > sc->cap && (rc = wc_scratch_reserve(sc, o + 16)) != WC_OK)
            return rc;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        _mm_storeu_si128((__m128i *)(void *)(sc->buf + o), wc_sse2_lower(v));
        unsigned m = wc_sse2_ascii_words(v);
        if (m != 0xFFFF) {
            size_t r = (size_t)__builtin_ctz(~m);
            *n = o + r;
            *run = j + r;
            return WC_OK;
        }
        j += 16;
        o += 16;
    }
#endif
    for (; j < lim && p[j] < 0x80; j++) {
        uint32_t r = wc_uni_latin1[p[j]];
        if (!(r & 1))
            break;
        if (o + 1 > sc->cap && (rc = wc_scratch_reserve(sc, o + 1)) != WC_OK)
            return rc;
        sc->buf[o++] = (uint8_t)(p[j] + (uint32_t)((int32_t)r >> 8));
    }
    *n = o;
    *run = j;
    return WC_OK;
}

/* The first ' ' or '\n' in p[0 .. lim), or lim. */
WC_INLINE size_t wc_find_sep(const uint8_t *p, size_t lim)
{
    size_t j = 0;
#ifdef WC_WORDS_SSE2
    const __m128i sp = _mm_set1_epi8(' '), nl = _mm_set1_epi8('\n');
    while (lim - j >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, nl)));
        if (m != 0)
            return j + (size_t)__builtin_ctz(m);
        j += 16;
    }
#endif
    while (j < lim && p[j] != ' ' && p[j] != '\n')
        j++;
    return j;
}

/* The sink: returns WC_OK or an error that stops the enumeration. */
typedef int (*wc_emit_fn)(void *ctx, const void *key, size_t len, size_t pos,
                          unsigned sub, int transient);

#define WC_UNIT(t, w, i)                                                      \
    ((w) == 1   ? (uint32_t)((const uint8_t *)(t))[i]                         \
     : (w) == 2 ? (uint32_t)((const uint16_t *)(t))[i]                        \
                : ((const uint32_t *)(t))[i])

/* Fold the units [s, e) of a space-mode word into sc; *klen gets the key
 * length in key units.  WC_EUTF8 with *err at the first bad byte. */
WC_INLINE int wc_fold_word(const struct wc_wtext *x, int w, size_t s, size_t e,
                           struct wc_scratch *sc, size_t *klen, size_t *err)
{
    int in8 = w == 1 && x->utf8, out8 = wc_fold_width(x) == 1;
    size_t n = 0;
    size_t k = s;
    int rc;
    if (s == e && (rc = wc_scratch_reserve(sc, 1)) != WC_OK)
        return rc;
    while (k < e) {
        /* Room for the fold of the next (at most) 4096 units, 12 bytes
         * each at most (three code points of UTF-32): a long word's buffer
         * grows with what it holds, not with 12x the word. */
        size_t stop = e - k > 4096 ? k + 4096 : e;
        rc = wc_scratch_reserve(sc, n * (out8 ? 1 : 4) + (stop - k) * 12 + 1);
        if (rc != WC_OK)
            return rc;
        uint8_t *o8 = sc->buf;
        uint32_t *o32 = (uint32_t *)(void *)sc->buf;
        while (k < stop) {
            uint32_t c = WC_UNIT(x->text, w, k);
            if (c < 0x80) { /* ASCII: lower-case it */
                c += (uint32_t)((int32_t)wc_uni_latin1[c] >> 8);
                if (out8)
                    o8[n++] = (uint8_t)c;
                else
                    o32[n++] = c;
                k++;
                continue;
            }
            if (in8) {
                const uint8_t *p = (const uint8_t *)x->text + k;
                int l = wc_utf8_decode(p, e - k, &c);
                if (l == 0 && !x->replace) {
                    *err = k;
                    return WC_EUTF8;
                }
                if (l == 0) {
                    c = 0xFFFD;
                    k += wc_utf8_bad_len(p, e - k);
                } else {
                    k += (size_t)l;
                }
            } else {
                k++;
            }
            uint32_t f[3];
            unsigned fw;
            int nf = wc_uni_fold(c, wc_uni_rec(c), f, &fw);
            for (int j = 0; j < nf; j++) {
                if (out8)
                    n += wc_utf8_encode(f[j], o8 + n);
                else
                    o32[n++] = f[j];
            }
        }
    }
    *klen = n;
    return WC_OK;
}

/* space mode, words [lo, hi): lo is 0 or follows a ' ' or '\n'; hi is len
 * or follows one (so every word lies wholly inside). */
WC_INLINE int wc_words_space(const struct wc_wtext *x, int w, int fold,
                             size_t lo, size_t hi, struct wc_scratch *sc,
                             wc_emit_fn emit, void *ctx, size_t *err)
{
    const void *t = x->text;
    size_t len = x->len, ws = lo;
    int rc;
    for (size_t k = lo;; k++) {
        size_t e;
        if (w == 1 && k < hi)
            k += wc_find_sep((const uint8_t *)t + k, hi - k);
        if (k < hi) {
            uint32_t c = WC_UNIT(t, w, k);
            if (c != ' ' && c != '\n')
                continue;
            e = k;
            if (c == '\n' && e > ws && WC_UNIT(t, w, e - 1) == '\r')
                e--; /* "\r\n" ends the line */
        } else {
            /* The end of the range: a word stops here only at the end of
             * the text (a bare final '\r' stays in it), and the empty word
             * at the very end exists only after a final ' '. */
            if (hi != len || len == 0 ||
                (ws == len && WC_UNIT(t, w, len - 1) != ' '))
                return WC_OK;
            e = len;
        }
        if (fold) {
            size_t klen;
            rc = wc_fold_word(x, w, ws, e, sc, &klen, err);
            if (rc == WC_OK)
                rc = emit(ctx, sc->buf, klen, ws, 0, 1);
        } else {
            rc = emit(ctx, (const char *)t + ws * (size_t)w, e - ws, ws, 0, 0);
        }
        if (rc != WC_OK || k >= hi)
            return rc;
        ws = k + 1;
    }
}

/* Decode the code point at k of [.., hi): sets *c, returns its length in
 * units, or 0 (invalid UTF-8 at k). */
WC_INLINE size_t wc_next_cp(const struct wc_wtext *x, int w, size_t k,
                            size_t hi, uint32_t *c)
{
    if (w == 1 && x->utf8) {
        const uint8_t *p = (const uint8_t *)x->text + k;
        if (*p < 0x80) {
            *c = *p;
            return 1;
        }
        return (size_t)wc_utf8_decode(p, hi - k, c);
    }
    *c = WC_UNIT(x->text, w, k);
    return 1;
}

/* unicode mode without folding: runs of word code points in [lo, hi); lo
 * and hi are 0, len or the start of a non-word code point. */
WC_INLINE int wc_words_unicode(const struct wc_wtext *x, int w, size_t lo,
                               size_t hi, wc_emit_fn emit, void *ctx,
                               size_t *err)
{
    const char *t = x->text;
    size_t run = SIZE_MAX;
    int rc;
    for (size_t k = lo; k < hi;) {
        uint32_t c = WC_UNIT(t, w, k);
        size_t l = 1;
        if (c >= 0x80) {
            l = wc_next_cp(x, w, k, hi, &c);
            if (l == 0 && !x->replace) {
                *err = k;
                return WC_EUTF8;
            }
            if (l == 0) { /* U+FFFD: a non-word character */
                c = 0xFFFD;
                l = 1;
            }
        }
        if (w == 1 && c < 0x80 && (wc_uni_latin1[c] & 1)) {
            /* A run of ASCII word bytes at once. */
            if (run == SIZE_MAX)
                run = k;
            k += wc_ascii_word_run((const uint8_t *)t + k, hi - k);
            continue;
        }
        if (c < 0x80 ? (int)(wc_uni_latin1[c] & 1) : wc_uni_isword(c)) {
            if (run == SIZE_MAX)
                run = k;
        } else if (run != SIZE_MAX) {
            rc = emit(ctx, t + run * (size_t)w, k - run, run, 0, 0);
            if (rc != WC_OK)
                return rc;
            run = SIZE_MAX;
        }
        k += l;
    }
    if (run != SIZE_MAX)
        return emit(ctx, t + run * (size_t)w, hi - run, run, 0, 0);
    return WC_OK;
}

/* unicode mode with folding: the runs of word code points of the folded
 * text; lo and hi are 0, len or a code point whose fold starts with a
 * non-word code point. */
WC_INLINE int wc_words_unicode_fold(const struct wc_wtext *x, int w, size_t lo,
                                    size_t hi, struct wc_scratch *sc,
                                    wc_emit_fn emit, void *ctx, size_t *err)
{
    size_t run = SIZE_MAX, n = 0;
    unsigned sub = 0;
    int out8 = wc_fold_width(x) == 1;
    int rc;
    for (size_t k = lo; k < hi;) {
        uint32_t c = WC_UNIT(x->text, w, k);
        if (c < 0x80) {
            /* ASCII: one word or non-word character, its own fold. */
            uint32_t r = wc_uni_latin1[c];
            if (r & 1) {
                if (run == SIZE_MAX) {
                    run = k;
                    sub = 0;
                    n = 0;
                }
                if (w == 1 && out8) {
                    /* A run of ASCII word bytes at once. */
                    size_t j;
                    rc = wc_ascii_word_fold((const uint8_t *)x->text + k,
                                            hi - k, sc, &n, &j);
                    if (rc != WC_OK)
                        return rc;
                    k += j;
                    continue;
                }
                if ((n + 1) * 4 > sc->cap &&
                    (rc = wc_scratch_reserve(sc, (n + 1) * 4)) != WC_OK)
                    return rc;
                c += (uint32_t)((int32_t)r >> 8);
                if (out8)
                    sc->buf[n++] = (uint8_t)c;
                else
                    ((uint32_t *)(void *)sc->buf)[n++] = c;
            } else if (run != SIZE_MAX) {
                rc = emit(ctx, sc->buf, n, run, sub, 1);
                if (rc != WC_OK)
                    return rc;
                run = SIZE_MAX;
            }
            k++;
            continue;
        }
        size_t l = wc_next_cp(x, w, k, hi, &c);
        if (l == 0 && !x->replace) {
            *err = k;
            return WC_EUTF8;
        }
        if (l == 0) { /* U+FFFD: a non-word character, its own fold */
            c = 0xFFFD;
            l = 1;
        }
        uint32_t f[3];
        unsigned fw;
        int nf = wc_uni_fold(c, wc_uni_rec(c), f, &fw);
        for (int j = 0; j < nf; j++) {
            if (fw & (1u << j)) {
                if (run == SIZE_MAX) {
                    run = k;
                    sub = (unsigned)j;
                    n = 0;
                }
                if ((n + 1) * 4 > sc->cap &&
                    (rc = wc_scratch_reserve(sc, (n + 1) * 4)) != WC_OK)
                    return rc;
                if (out8)
                    n += wc_utf8_encode(f[j], sc->buf + n);
                else
                    ((uint32_t *)(void *)sc->buf)[n++] = f[j];
            } else if (run != SIZE_MAX) {
                rc = emit(ctx, sc->buf, n, run, sub, 1);
                if (rc != WC_OK)
                    return rc;
                run = SIZE_MAX;
            }
        }
        k += l;
    }
    if (run != SIZE_MAX)
        return emit(ctx, sc->buf, n, run, sub, 1);
    return WC_OK;
}

/* The words of [lo, hi) (edges from wc_word_edge), specialised by width. */
#define WC_WORDS_DISPATCH(W)                                                  \
    do {                                                                      \
        if (x->words == WC_WORDS_SPACE)                                       \
            return x->fold ? wc_words_space(x, W, 1, lo, hi, sc, emit, ctx,   \
                                            err)                              \
                           : wc_words_space(x, W, 0, lo, hi, sc, emit, ctx,   \
                                            err);                             \
        return x->fold ? wc_words_unicode_fold(x, W, lo, hi, sc, emit, ctx,   \
                                               err)                           \
                       : wc_words_unicode(x, W, lo, hi, emit, ctx, err);      \
    } while (0)

WC_INLINE int wc_words_range(const struct wc_wtext *x, size_t lo, size_t hi,
                             struct wc_scratch *sc, wc_emit_fn emit, void *ctx,
                             size_t *err)
{
    switch (x->width) {
    case 1: WC_WORDS_DISPATCH(1);
    case 2: WC_WORDS_DISPATCH(2);
    default: WC_WORDS_DISPATCH(4);
    }
}

/* The first place at or after p where a range of words may start (0 < p <=
 * len): in space mode just after a ' ' or '\n'; in unicode mode before a code
 * point that is (or, folded, starts with) a non-word code point, or before
 * invalid UTF-8 (whose error the range before it reports).  Never inside a
 * UTF-8 sequence.  Returns len when there is none. */
size_t wc_word_edge(const struct wc_wtext *x, size_t p);

#endif /* WC_WORDS_H */
