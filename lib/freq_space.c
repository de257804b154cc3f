/*
 * freq_space.c - the words of space mode into a frequency table, found as
 * runs.  A word is a maximal run of units that are not separators (' ',
 * '\n'), less a '\r' that ends it before a '\n'; the empty words between
 * separators are not counted, so they are never looked at.  The separator
 * masks come 1 KiB (units) at a time from the chosen class kernel
 * (kernels/wmask.h); each 64-unit word of a mask gives the starts of the
 * runs (a unit after a separator) and their ends (a separator after a
 * unit), which alternate, so they pair up in order: no branch a unit, and
 * none a separator.  A word of at most 16 bytes is read with two masked
 * 8-byte loads (wc_key_mask16) and, when casefold asks and it is ASCII,
 * lower-cased in those two words; everything else goes word by word
 * through the general enumerator's code (words.h: wc_space_word).
 *
 * The words, positions and errors are wc_words_range's with wc_emit_all:
 * tests/python/test_freq_space.py and fuzz/fuzz_words.c compare the two.
 */
#include "freq_sink.h"

/* The run [ws, k) (k a separator, or len) into the sink. */
WC_INLINE int wc_space_run(const struct wc_wtext *x, int w, int fold,
                           size_t ws, size_t k, struct wc_sink *s, size_t *err)
{
    const void *t = x->text;
    size_t e = k;
    /* "\r\n" ends the line: the '\r' is not in the word. */
    if (k < x->len && WC_UNIT(t, w, k) == '\n' && WC_UNIT(t, w, k - 1) == '\r')
        e--;
    size_t n = e - ws, bytes = n * (size_t)w;
    if (n == 0)
        return WC_OK;
    if (bytes <= WC_INLINE_KEY && (!fold || (w == 1 && s->tab->kw == 1))) {
        const uint8_t *p = (const uint8_t *)t + ws * (size_t)w;
        uint64_t a, b;
        if ((x->len - ws) * (size_t)w >= 16)
            wc_key_mask16(p, bytes, &a, &b);
        else
            wc_key_ab(p, bytes, &a, &b);
        if (!fold || ((a | b) & 0x8080808080808080ull) == 0) {
            if (fold) { /* ASCII: its fold is the word lower-cased */
                a = wc_lower8(a);
                b = wc_lower8(b);
            }
            return wc_sink_push16(s, a, b, n, wc_key_hash_ab(a, b, bytes),
                                  (s->pos + (uint64_t)ws) * 4);
        }
    }
    return wc_space_word(x, w, fold, ws, e, s->sc, wc_emit_all, s, err);
}

WC_INLINE int wc_space_runs(const struct wc_wtext *x, int w, int fold,
                            size_t lo, size_t hi, struct wc_sink *s,
                            size_t *err)
{
    uint64_t m[WC_SEPIT_WORDS];
    uint8_t st[64], en[64];
    size_t ws = lo;
    int in = 0;        /* a run is open, from ws */
    uint64_t prev = 1; /* the unit before is a separator (or lo) */
    int rc;
    for (size_t base = lo; base < hi; base += WC_SEPIT_WORDS * 64) {
        size_t n = hi - base < WC_SEPIT_WORDS * 64 ? hi - base
                                                   : WC_SEPIT_WORDS * 64;
        wc_wmask_units(x->text, w, base, n, WC_WMASK_SPACE, m);
        for (size_t wi = 0; wi * 64 < n; wi++) {
            uint64_t sep = m[wi], sh = (sep << 1) | prev;
            uint64_t starts = ~sep & sh, ends = sep & ~sh;
            prev = sep >> 63;
            if (n - wi * 64 < 64) /* past hi: no unit */
                starts &= ((uint64_t)1 << (n - wi * 64)) - 1;
            unsigned ns = 0, ne = 0, i = 0, j = 0;
            for (; starts != 0; starts &= starts - 1)
                st[ns++] = (uint8_t)__builtin_ctzll(starts);
            for (; ends != 0; ends &= ends - 1)
                en[ne++] = (uint8_t)__builtin_ctzll(ends);
            size_t b0 = base + wi * 64;
            if (in && ne > 0) {
                if ((rc = wc_space_run(x, w, fold, ws, b0 + en[0], s, err)) != WC_OK)
                    return rc;
                in = 0;
                j = 1;
            }
            for (; j < ne; i++, j++)
                if ((rc = wc_space_run(x, w, fold, b0 + st[i], b0 + en[j], s,
                                       err)) != WC_OK)
                    return rc;
            if (i < ns) {
                ws = b0 + st[i];
                in = 1;
            }
        }
    }
    /* A run open at hi: hi is the end of the text (else a separator comes
     * before it), where a word ends with no '\r' taken off. */
    return in ? wc_space_run(x, w, fold, ws, hi, s, err) : WC_OK;
}

int wc_freq_space_words(const struct wc_wtext *x, size_t lo, size_t hi,
                        struct wc_sink *s, size_t *err)
{
    switch (x->width * 2 + (x->fold != 0)) {
    case 2: return wc_space_runs(x, 1, 0, lo, hi, s, err);
    case 3: return wc_space_runs(x, 1, 1, lo, hi, s, err);
    case 4: return wc_space_runs(x, 2, 0, lo, hi, s, err);
    case 5: return wc_space_runs(x, 2, 1, lo, hi, s, err);
    case 8: return wc_space_runs(x, 4, 0, lo, hi, s, err);
    default: return wc_space_runs(x, 4, 1, lo, hi, s, err);
    }
}
