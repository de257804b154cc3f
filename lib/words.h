/*
 * words.h - private to the core: the word enumerators, which words.c
 * (wc_words_foreach) and freq.c (frequencies, many needles) share, and
 * wc_word_edge, where a range of words may start.  Everything but the edge
 * is inline so that each caller gets the enumerator specialised for its
 * width, mode and sink.
 *
 * The words of a text, by mode (wordcount.h has the public statement):
 *   space    the words of the normative semantics (kernels/kernels.h), empty ones
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

#include "alloc.h"
#include "unicode.h"
#include "utf8.h"
#include "common.h"
#include "kernels/wmask.h"

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
    int fold_utf8; /* folded keys are UTF-8 even when the text is not:
                    * frequencies set it (1 byte per ASCII character instead
                    * of 4 keeps keys short and in the table entry) and
                    * narrow the keys when they sort them; 0 (wc_wtext_init):
                    * the documented key forms */
    int keys_utf8; /* count_all of a width 2 or 4 text: every key is UTF-8
                    * while counting (freq_runs.c) and narrowed when
                    * sorted (wc_freq_sort) */
    /* NULL, or this is a block of a wide text narrowed into a buffer
     * (freq_runs.c: wc_wide_runs), and ahead is where the next block's
     * ahead_len units of ahead_w bytes are, fetched into the cache while
     * this one is counted (wc_fetch_ahead); wc_wtext_init sets NULL. */
    const uint8_t *ahead;
    size_t ahead_len;
    int ahead_w;
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

/* The ASCII bytes that start p[0 .. lim) (at most lim), lower-cased into
 * out; returns how many.  It may read p[0 .. room) (room >= lim) and write
 * out[0 .. lim + 7).  Words are short: up to 32 bytes, 8 at a time in a
 * uint64_t, with no call; the rest of a longer run by the chosen kernel
 * (kernels/wmask.h). */
WC_INLINE size_t wc_lower_ascii(const uint8_t *p, size_t lim, size_t room,
                                uint8_t *out)
{
    size_t a = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (a < lim && a < 32 && room - a >= 8) {
        uint64_t v, l;
        memcpy(&v, p + a, 8);
        l = wc_lower8(v);
        memcpy(out + a, &l, 8);
        uint64_t high = v & 0x8080808080808080ull;
        if (high != 0) {
            a += (size_t)__builtin_ctzll(high) / 8;
            return a < lim ? a : lim;
        }
        a += 8;
    }
    if (a >= lim)
        return lim;
    if (a == 32)
        return a + wc_lower_kernel()(p + a, lim - a, out + a);
#else
    (void)room;
#endif
    while (a < lim && p[a] < 0x80) {
        out[a] = wc_lower_byte(p[a]);
        a++;
    }
    return a;
}

/* 1 when the words must be decoded as UTF-8. */
WC_INLINE int wc_wtext_decodes(const struct wc_wtext *x)
{
    return x->width == 1 && x->utf8 && (x->fold || x->words == WC_WORDS_UNICODE);
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
            if (c < 0x80 && w == 1 && out8) {
                /* The ASCII bytes that start [k, stop) (at least this
                 * one) at once; the scratch holds 12 bytes a unit, so
                 * 7 bytes written past them fit. */
                size_t a = wc_lower_ascii((const uint8_t *)x->text + k,
                                          stop - k, x->len - k, o8 + n);
                n += a;
                k += a;
                continue;
            }
            if (c < 0x80 && w != 1 && out8) {
                /* The ASCII units that start [k, stop) at once, narrowed
                 * to bytes. */
                do {
                    o8[n++] = wc_lower_byte((uint8_t)c);
                    k++;
                } while (k < stop && (c = WC_UNIT(x->text, w, k)) < 0x80);
                continue;
            }
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
                    n += wc_utf8_encode_any(f[j], o8 + n);
                else
                    o32[n++] = f[j];
            }
        }
    }
    *klen = n;
    return WC_OK;
}

/* The units of [.., hi) in a class (inv 0) or out of it (inv 1), found
 * 1 KiB (units) at a time as bit masks by the chosen class kernel
 * (kernels/wmask.h; a unit wider than a byte is classified as min(unit,
 * 0xFF)) and walked with ctz: no branch a unit, and one a word.  Space mode
 * looks for the separators (' ', '\n'); unicode mode for the end of a run of
 * ASCII word units. */
#define WC_SEPIT_WORDS 16
struct wc_sepit {
    const uint8_t *p;
    size_t base, end, hi; /* the masks cover [base, end) */
    wc_wmask_fn fn;
    wc_wmaskw_fn fnw;
    int cls;
    int width;
    uint64_t m[WC_SEPIT_WORDS];
};

WC_INLINE void wc_sepit_init(struct wc_sepit *it, const void *p, size_t hi,
                             int cls, int width)
{
    it->cls = cls;
    it->width = width;
    it->p = p;
    it->base = it->end = 0;
    it->hi = hi;
    if (width == 1)
        it->fn = wc_wmask_kernel();
    else
        it->fnw = wc_wmaskw_kernel();
}

/* The first unit at or after k in the class (inv 0) or out of it (inv 1, a
 * constant), or hi; calls come with k increasing. */
WC_INLINE size_t wc_sepit_next(struct wc_sepit *it, size_t k, int inv)
{
    for (;;) {
        if (k >= it->end) {
            if (k >= it->hi)
                return it->hi;
            size_t n = it->hi - k < WC_SEPIT_WORDS * 64 ? it->hi - k
                                                        : WC_SEPIT_WORDS * 64;
            if (it->width == 1)
                it->fn(it->p + k, n, it->cls, it->m);
            else
                it->fnw(it->p + k * (size_t)it->width, n, it->width, it->cls,
                        it->m);
            it->base = k;
            it->end = k + n;
        }
        size_t off = k - it->base, wi = off / 64;
        uint64_t b = (inv ? ~it->m[wi] : it->m[wi]) >> (off % 64);
        if (b != 0) {
            /* Inverted, the bits past the end are set: not a unit. */
            size_t r = k + (size_t)__builtin_ctzll(b);
            if (!inv || r < it->end)
                return r;
        }
        k = it->base + (wi + 1) * 64;
        if (k > it->end)
            k = it->end;
    }
}

/* The class masks of the units [k, k + n) (n <= WC_SEPIT_WORDS * 64) by the
 * chosen kernel for width w. */
WC_INLINE void wc_wmask_units(const void *t, int w, size_t k, size_t n,
                              int cls, uint64_t *m)
{
    if (w == 1)
        wc_wmask_kernel()((const uint8_t *)t + k, n, cls, m);
    else
        wc_wmaskw_kernel()((const uint8_t *)t + k * (size_t)w, n, w, cls, m);
}

/*
 * The first 2 KiB of the next block of units (from k, before hi) fetched
 * into the cache while the words of this block are counted, so that its
 * class masks do not wait for memory.  The text is read in blocks of 1,024
 * units (1 to 4 KiB) with the look-ups of their words between, and the
 * hardware's prefetcher, which stops at each 4 KiB page, left the mask
 * kernel waiting at the start of every block: 12% of the count of the
 * UCS-2 prose, at about 6 GB/s where this machine reads 11-14.  With it,
 * frequencies() counted 3-8% faster (benchmarks/core_freq.c, interleaved:
 * the 50 MB prose 73.5-74.0 ms to 68.0-69.7, as UCS-2 98.9-100.4 to
 * 91.7-93.7, 20 MB of Zipf 24.5-24.8 to 22.7-23.0).  Fetching all of a
 * block of 4-byte units (64 lines) made the code as UCS-4 slower; 2 KiB
 * (32 lines) did not.
 */
WC_INLINE void wc_prefetch_next(const struct wc_wtext *x, int w, size_t k,
                                size_t hi)
{
    if (k >= hi)
        return;
    size_t bytes = (hi - k) * (size_t)w;
    if (bytes > 2048)
        bytes = 2048;
    const uint8_t *p = (const uint8_t *)x->text + k * (size_t)w;
    for (size_t b = 0; b < bytes; b += 64)
        __builtin_prefetch(p + b);
}

/* One space-mode word [ws, e) to the sink, folded or not. */
WC_INLINE int wc_space_word(const struct wc_wtext *x, int w, int fold,
                            size_t ws, size_t e, struct wc_scratch *sc,
                            wc_emit_fn emit, void *ctx, size_t *err)
{
    if (fold) {
        size_t n = e - ws;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* The common word: at most 16 ASCII units folded into UTF-8 keys,
         * lower-cased with two 8-byte loads (1-byte text) or unit by unit
         * (2-byte text), without the general loop's bookkeeping. */
        if (n <= 16 && wc_fold_width(x) == 1 && sc->cap >= 16 &&
            (w == 2 || (w == 1 && x->len - ws >= 16))) {
            uint8_t *o = sc->buf;
            if (w == 1) {
                const uint8_t *p = (const uint8_t *)x->text + ws;
                uint64_t a, b;
                memcpy(&a, p, 8);
                memcpy(&b, p + 8, 8);
                uint64_t la = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
                uint64_t lb = n <= 8    ? 0
                              : n >= 16 ? ~0ull
                                        : (1ull << (8 * (n - 8))) - 1;
                if ((((a & la) | (b & lb)) & 0x8080808080808080ull) == 0) {
                    a = wc_lower8(a);
                    b = wc_lower8(b);
                    memcpy(o, &a, 8);
                    memcpy(o + 8, &b, 8);
                    return emit(ctx, o, n, ws, 0, 1);
                }
            } else {
                const uint16_t *p = (const uint16_t *)x->text + ws;
                unsigned any = 0;
                for (size_t i = 0; i < n; i++)
                    any |= p[i];
                if (any < 0x80) {
                    for (size_t i = 0; i < n; i++)
                        o[i] = wc_lower_byte((uint8_t)p[i]);
                    return emit(ctx, o, n, ws, 0, 1);
                }
            }
        }
#endif
        size_t klen;
        int rc = wc_fold_word(x, w, ws, e, sc, &klen, err);
        return rc == WC_OK ? emit(ctx, sc->buf, klen, ws, 0, 1) : rc;
    }
    return emit(ctx, (const char *)x->text + ws * (size_t)w, e - ws, ws, 0, 0);
}

/* space mode, words [lo, hi): lo is 0 or follows a ' ' or '\n'; hi is len
 * or follows one (so every word lies wholly inside).  The separators are
 * the set bits of the class masks, 1 KiB (units) at a time, taken in order
 * with ctz and cleared with b & (b - 1): no branch a unit and no search a
 * word. */
WC_INLINE int wc_words_space(const struct wc_wtext *x, int w, int fold,
                             size_t lo, size_t hi, struct wc_scratch *sc,
                             wc_emit_fn emit, void *ctx, size_t *err)
{
    const void *t = x->text;
    size_t len = x->len, ws = lo;
    int rc;
    uint64_t m[WC_SEPIT_WORDS];
    for (size_t base = lo; base < hi; base += WC_SEPIT_WORDS * 64) {
        size_t n = hi - base < WC_SEPIT_WORDS * 64 ? hi - base
                                                   : WC_SEPIT_WORDS * 64;
        wc_wmask_units(t, w, base, n, WC_WMASK_SPACE, m);
        wc_prefetch_next(x, w, base + n, hi);
        for (size_t wi = 0; wi * 64 < n; wi++) {
            for (uint64_t b = m[wi]; b != 0; b &= b - 1) {
                size_t k = base + wi * 64 + (size_t)__builtin_ctzll(b);
                size_t e = k;
                /* "\r\n" ends the line: the '\r' is not in the word. */
                if (e > ws && WC_UNIT(t, w, e - 1) == '\r' &&
                    WC_UNIT(t, w, k) == '\n')
                    e--;
                rc = wc_space_word(x, w, fold, ws, e, sc, emit, ctx, err);
                if (rc != WC_OK)
                    return rc;
                ws = k + 1;
            }
        }
    }
    /* The end of the range: a word stops here only at the end of the text
     * (a bare final '\r' stays in it), and the empty word at the very end
     * exists only after a final ' '. */
    if (hi != len || len == 0 || (ws == len && WC_UNIT(t, w, len - 1) != ' '))
        return WC_OK;
    return wc_space_word(x, w, fold, ws, len, sc, emit, ctx, err);
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
    struct wc_sepit ends; /* the ends of the runs of ASCII word units */
    wc_sepit_init(&ends, t, hi, WC_WMASK_WORD, w);
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
        if (c < 0x80 && (wc_uni_latin1[c] & 1)) {
            /* A run of ASCII word units at once.  At least this one: the
             * masks were made from the units as they were, and a text that
             * is rewritten while it is counted (a bytearray or a shared
             * mmap that another thread or process writes) may hold a word
             * unit now where its mask saw none, which looped for ever. */
            if (run == SIZE_MAX)
                run = k;
            size_t e = wc_sepit_next(&ends, k, 1);
            k = e > k ? e : k + 1;
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
    struct wc_sepit ends; /* the ends of the runs of ASCII word units */
    if (out8)
        wc_sepit_init(&ends, x->text, hi, WC_WMASK_WORD, w);
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
                if (out8) {
                    /* A run of ASCII word units at once: its fold is the
                     * run lower-cased. */
                    size_t e = wc_sepit_next(&ends, k, 1);
                    if (e <= k) /* rewritten since its mask: see above */
                        e = k + 1;
                    if (n + (e - k) + 7 > sc->cap &&
                        (rc = wc_scratch_reserve(sc, n + (e - k) + 7)) != WC_OK)
                        return rc;
                    if (w != 1) { /* narrowed to bytes as they go */
                        uint8_t *o = sc->buf + n;
                        for (size_t a = 0; a < e - k; a++)
                            o[a] = wc_lower_byte(
                                (uint8_t)WC_UNIT(x->text, w, k + a));
                        n += e - k;
                        k = e;
                        continue;
                    }
                    const uint8_t *p = (const uint8_t *)x->text + k;
                    size_t r = e - k;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                    if (r <= 32 && x->len - k >= ((r + 7) & ~(size_t)7)) {
                        /* A short run, all ASCII: 8 bytes at a time. */
                        for (size_t a = 0; a < r; a += 8) {
                            uint64_t v;
                            memcpy(&v, p + a, 8);
                            v = wc_lower8(v);
                            memcpy(sc->buf + n + a, &v, 8);
                        }
                        n += r;
                        k = e;
                        continue;
                    }
#endif
                    n += wc_lower_ascii(p, r, x->len - k, sc->buf + n);
                    k = e;
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
                    n += wc_utf8_encode_any(f[j], sc->buf + n);
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

/* For counting needles in a long run of a UTF-8 or byte text (width 1)
 * without holding it whole (input_words.c): the last place c in (lo, lim]
 * where the words of [lo, c) and of [c, ..) are those of the whole text,
 * or lo when there is none.  Such places: the edges, and in unicode mode
 * the place after a code point whose fold (or itself) ends with a non-word
 * code point, before and after invalid UTF-8 (a stray continuation byte
 * included), and never inside a UTF-8 sequence.  lo
 * is such a place (or the start of the text), and every code point that
 * starts at lim or before ends before x->len.  *split: the start of the
 * last code point after the place returned (lo included) that folds to
 * word code points on both sides of a non-word one (U+1FB7: "α", U+0342,
 * "ι"), which splits its run of word code points where no place can (then
 * a run without such places is not one word); SIZE_MAX when there is
 * none. */
size_t wc_word_last_cut(const struct wc_wtext *x, size_t lo, size_t lim,
                        size_t *split);

#endif /* WC_WORDS_H */
