/*
 * freq_runs.c - the words of a text into a frequency table, found as runs
 * from the class masks: the count_all enumerators of frequencies().
 *
 * Space mode: a word is a maximal run of units that are not separators (' ',
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
 * Unicode mode: a word is a run of word code points.  Where a 64-unit
 * word of the masks holds only ASCII, the runs are those of the ASCII word
 * bytes [0-9A-Za-z_] (WC_WMASK_WORD), paired as above, and folding is
 * lower-casing; a 64-unit word with a unit >= 0x80 (WC_WMASK_HIGH) goes,
 * from the start of the open run (or of the word) to the next edge
 * (wc_word_edge), to the general enumerator, which decodes, classifies and
 * folds code point by code point.
 *
 * The words of a 2- or 4-byte text are counted as UTF-8 keys (keys_utf8,
 * set by wc_freq_count_all; narrowed by the sort): its ASCII stretches are
 * narrowed into a buffer and counted there as a 1-byte text (wc_wide_runs,
 * at the end), and elsewhere an ASCII word of up to 16 units is packed into
 * the two words of a 16-byte key, so it costs what the same word of a bytes
 * text costs.
 *
 * The words, positions and errors are wc_words_range's with wc_emit_all:
 * tests/python/test_freq_runs.py and fuzz/fuzz_words.c compare the two.
 */
#include "freq_sink.h"

#ifdef __SSE2__ /* x86-64's baseline: no dispatch needed */
#include <emmintrin.h>
#endif

/* The loops below are specialised for each width and fold: fn(x, w, fold,
 * a, b, s, err) with the two as constants, so the compiler drops what a
 * case does not need.  WC_SPECIALISE(name, fn) makes the six cases, each a
 * function of its own (not inlined), and name(x, w, fold, ...), which calls
 * the one asked for.  What a word rarely needs (the general enumerator:
 * long, non-ASCII or folded words) is such a call too, not inlined at every
 * call site of every loop: the builds of this file (the sanitized ones
 * above all) then take seconds, where one function holding every case took
 * clang with ASan and UBSan 14 minutes and 5 GB. */
#define WC_SPECIALISE_CASE(name, fn, w, fold)                                 \
    static __attribute__((noinline)) int name##_##w##fold(                    \
        const struct wc_wtext *x, size_t a, size_t b, struct wc_sink *s,       \
        size_t *err)                                                           \
    {                                                                          \
        return fn(x, w, fold, a, b, s, err);                                   \
    }
#define WC_SPECIALISE(name, fn)                                                \
    WC_SPECIALISE_CASE(name, fn, 1, 0)                                         \
    WC_SPECIALISE_CASE(name, fn, 1, 1)                                         \
    WC_SPECIALISE_CASE(name, fn, 2, 0)                                         \
    WC_SPECIALISE_CASE(name, fn, 2, 1)                                         \
    WC_SPECIALISE_CASE(name, fn, 4, 0)                                         \
    WC_SPECIALISE_CASE(name, fn, 4, 1)                                         \
    static int name(const struct wc_wtext *x, int w, int fold, size_t a,       \
                    size_t b, struct wc_sink *s, size_t *err)                  \
    {                                                                          \
        switch (w * 2 + (fold != 0)) {                                         \
        case 2: return name##_10(x, a, b, s, err);                             \
        case 3: return name##_11(x, a, b, s, err);                             \
        case 4: return name##_20(x, a, b, s, err);                             \
        case 5: return name##_21(x, a, b, s, err);                             \
        case 8: return name##_40(x, a, b, s, err);                             \
        default: return name##_41(x, a, b, s, err);                            \
        }                                                                      \
    }

/* ---- the words of a wide text, as UTF-8 keys ------------------------------ */

/* 4 units (each < 0x100) in v packed into 4 bytes (2-byte units), or 2
 * units into 2 bytes (4-byte units). */
WC_INLINE uint64_t wc_pack_units(uint64_t v, int w)
{
    if (w == 4)
        return (v & 0xFF) | ((v >> 24) & 0xFF00);
    return (v & 0xFF) | ((v >> 8) & 0xFF00) | ((v >> 16) & 0xFF0000) |
           ((v >> 24) & 0xFF000000);
}

/* The n <= 16 units (of w = 2 or 4 bytes) at p as the two words of a key
 * of n bytes (wc_key_ab) when they are all ASCII: 1, else 0.  full: 16
 * units are readable at p. */
WC_INLINE int wc_pack_ascii(const uint8_t *p, int w, size_t n, int full,
                            uint64_t *a, uint64_t *b)
{
    uint64_t ka = 0, kb = 0, bad = 0;
#ifdef __SSE2__
    if (full) {
        /* The 16 units in 2 (w 2) or 4 (w 4) vectors, those past n zeroed,
         * checked below 0x80 and narrowed by saturating packs (a unit at
         * or above 0x80 fails the check before any pack could hide it). */
        const __m128i zero = _mm_setzero_si128();
        __m128i v[4];
        for (int i = 0; i < w; i++)
            v[i] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i any = zero;
        if (w == 2) {
            __m128i nn = _mm_set1_epi16((short)n);
            v[0] = _mm_and_si128(v[0], _mm_cmpgt_epi16(
                nn, _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7)));
            v[1] = _mm_and_si128(v[1], _mm_cmpgt_epi16(
                nn, _mm_setr_epi16(8, 9, 10, 11, 12, 13, 14, 15)));
            any = _mm_and_si128(_mm_or_si128(v[0], v[1]),
                                _mm_set1_epi16((short)0xFF80));
        } else {
            __m128i nn = _mm_set1_epi32((int)n);
            for (int i = 0; i < 4; i++) {
                __m128i idx = _mm_setr_epi32(4 * i, 4 * i + 1, 4 * i + 2,
                                             4 * i + 3);
                v[i] = _mm_and_si128(v[i], _mm_cmpgt_epi32(nn, idx));
                any = _mm_or_si128(any, v[i]);
            }
            any = _mm_and_si128(any, _mm_set1_epi32((int)0xFFFFFF80u));
            v[0] = _mm_packs_epi32(v[0], v[1]); /* units < 0x80: exact */
            v[1] = _mm_packs_epi32(v[2], v[3]);
        }
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(any, zero)) != 0xFFFF)
            return 0;
        __m128i k = _mm_packus_epi16(v[0], v[1]);
        *a = (uint64_t)_mm_cvtsi128_si64(k);
        *b = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(k, k));
        return 1;
    }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (full) {
        /* 8-byte loads, 4 (w 2) or 2 (w 4) units each, masked to the word;
         * the key's two words in registers (no array: a 16-byte reload of
         * two 8-byte stores stalls store forwarding). */
        const uint64_t high = w == 2 ? 0xFF80FF80FF80FF80ull
                                     : 0xFFFFFF80FFFFFF80ull;
        size_t bytes = n * (size_t)w, loads = (size_t)(2 * w);
        unsigned shift = (unsigned)(64 / w); /* the bits a load packs into */
        for (size_t i = 0; i < loads; i++) {
            size_t r = bytes > 8 * i ? bytes - 8 * i : 0;
            uint64_t v = wc_load64(p + 8 * i) & wc_key_lo_mask[r > 8 ? 8 : r];
            bad |= v & high;
            uint64_t u = wc_pack_units(v, w);
            if (i < loads / 2)
                ka |= u << (shift * i);
            else
                kb |= u << (shift * (i - loads / 2));
        }
        *a = ka;
        *b = kb;
        return bad == 0;
    }
#endif
    (void)full;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = WC_UNIT(p, w, i);
        bad |= u >= 0x80;
        if (i < 8)
            ka |= (uint64_t)(u & 0xFF) << (8 * i);
        else
            kb |= (uint64_t)(u & 0xFF) << (8 * (i - 8));
    }
    *a = ka;
    *b = kb;
    return bad == 0;
}

/* A word of a wide text (a slice, transient 0) into a count_all sink as
 * UTF-8 (wc_emit_fn, keys_utf8): every unit by wc_utf8_encode_any, so that
 * no two words of 4-byte units, whatever their values, get one key (ASCII
 * units are their own encoding: 16 of them packed at once). */
WC_INLINE int wc_emit_u8(void *ctx, const void *key, size_t len, size_t pos,
                         unsigned sub, int w)
{
    struct wc_sink *s = ctx;
    if (len > (SIZE_MAX - 1) / 7)
        return WC_ENOMEM;
    int rc = wc_scratch_reserve(s->sc, len * (w == 2 ? 3 : 7) + 1);
    if (rc != WC_OK)
        return rc;
    /* 16 ASCII units at once where they are (wc_pack_ascii); where a block
     * of 16 is not ASCII, its units one by one.  Fewer than 16 left of a
     * word of 16 or more, all ASCII so far (out and the units then line
     * up): its last 16 units at once if they are ASCII, over units already
     * written (which they repeat), else one by one (17% fewer
     * instructions in this function than the tail one by one: callgrind,
     * 5 MB of the prose corpus as UCS-2). */
    const uint8_t *p = key;
    uint8_t *out = s->sc->buf;
    size_t n = 0, i = 0;
    while (i < len) {
        uint64_t a, b;
        if (len - i >= 16 &&
            wc_pack_ascii(p + (size_t)w * i, w, 16, 1, &a, &b)) {
            memcpy(out + n, &a, 8);
            memcpy(out + n + 8, &b, 8);
            n += 16;
            i += 16;
            continue;
        }
        if (len - i < 16 && len >= 16 && n == i &&
            wc_pack_ascii(p + (size_t)w * (len - 16), w, 16, 1, &a, &b)) {
            memcpy(out + len - 16, &a, 8);
            memcpy(out + len - 8, &b, 8);
            n = i = len;
            break;
        }
        for (size_t stop = len - i < 16 ? len : i + 16; i < stop; i++)
            n += wc_utf8_encode_any(WC_UNIT(p, w, i), out + n);
    }
    return wc_emit_all(s, out, n, pos, sub, 1);
}

static int wc_emit_u8_2(void *ctx, const void *key, size_t len, size_t pos,
                        unsigned sub, int transient)
{
    (void)transient;
    return wc_emit_u8(ctx, key, len, pos, sub, 2);
}

static int wc_emit_u8_4(void *ctx, const void *key, size_t len, size_t pos,
                        unsigned sub, int transient)
{
    (void)transient;
    return wc_emit_u8(ctx, key, len, pos, sub, 4);
}

/* The word [ws, e) of a wide text (keys_utf8), at most 16 units: into the
 * sink at once when it is ASCII (1), else 0 (*rc untouched). */
WC_INLINE int wc_ascii_word(const struct wc_wtext *x, int w, int fold,
                            size_t ws, size_t e, struct wc_sink *s, int *rc)
{
    uint64_t a, b;
    size_t n = e - ws;
    if (!wc_pack_ascii((const uint8_t *)x->text + (size_t)w * ws, w, n,
                       x->len - ws >= 16, &a, &b))
        return 0;
    if (fold) {
        a = wc_lower8(a);
        b = wc_lower8(b);
    }
    *rc = wc_sink_push16(s, a, b, n, wc_key_hash_ab(a, b, n),
                         (s->pos + (uint64_t)ws) * 4);
    return 1;
}

/* A word of 17 to WC_BATCH_KEY bytes of a 1-byte text, to be folded into
 * a table of UTF-8 keys: when it is ASCII, its fold is the word
 * lower-cased, 8 bytes at a time in registers, into the sink as a
 * transient key (1, *rc set); else 0, for the general fold (wc_fold_word,
 * which takes a word's ASCII bytes by the same lower-casing but through
 * the scratch buffer and its bookkeeping: 8% of the instructions of the
 * casefolded count of 5 MB of the prose, a tenth of whose words are longer
 * than 16 bytes, and 3.7% fewer in all with this path; callgrind). */
WC_INLINE int wc_fold_long_ascii(const struct wc_wtext *x, size_t ws, size_t n,
                                 struct wc_sink *s, int *rc)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint8_t *p = (const uint8_t *)x->text + ws;
    uint64_t k[WC_BATCH_KEY / 8], high = 0;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t v = wc_load64(p + i);
        high |= v;
        k[i / 8] = wc_lower8(v);
    }
    if (i < n) { /* the last n - i bytes: the word's last 8, shifted down */
        uint64_t v = wc_load64(p + n - 8) >> (8 * (8 - (n - i)));
        high |= v;
        k[i / 8] = wc_lower8(v);
    }
    if (high & 0x8080808080808080ull)
        return 0;
    *rc = wc_emit_all(s, k, n, ws, 0, 1);
    return 1;
#else
    (void)x, (void)ws, (void)n, (void)s, (void)rc;
    return 0;
#endif
}

/* ---- the edges of the runs ----------------------------------------------- */

/* The set bits of x (baseline x86-64 has no popcnt instruction, and the
 * builtin would call libgcc). */
WC_INLINE unsigned wc_popcount64(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* The positions b0 + i of the set bits i of m, lowest first, into out
 * (room for 64: they are written 8 at a time, the last round past the
 * count with b0 + 63s), and how many.  The starts and ends of the runs of
 * a 64-unit word alternate, so one such list holds both (one loop, whose
 * rounds of 8 have no branch between them, instead of a loop a start and a
 * loop an end, each of whose exits the branch predictor missed). */
WC_INLINE unsigned wc_edge_positions(uint64_t m, size_t b0, size_t *out)
{
    unsigned n = wc_popcount64(m);
    for (unsigned k = 0; k < n; k += 8)
        for (unsigned q = 0; q < 8; q++) {
            /* bit 63 set: ctz is defined, and right while m holds bits */
            out[k + q] = b0 + (size_t)__builtin_ctzll(m | ((uint64_t)1 << 63));
            m &= m - 1;
        }
    return n;
}

/* The block that the loops below read: a text's units as they are (ahead
 * 0), where the class masks of the next 1,024 units are fetched as each
 * 1,024 are counted (wc_prefetch_next), or a block of a wide text narrowed
 * into a buffer by wc_wide_runs (ahead 1, width 1), which is in the cache
 * already, and where the units of the next block are fetched instead as
 * each 64 are counted, the 2 or 4 lines of those that pair with units
 * [b0, b0 + 64) of this one (wc_fetch_ahead; see wc_wide_runs). */
WC_INLINE void wc_fetch_next(const struct wc_wtext *x, int w, int ahead,
                             size_t k, size_t hi)
{
    if (!ahead)
        wc_prefetch_next(x, w, k, hi);
}

WC_INLINE void wc_fetch_ahead(const struct wc_wtext *x, int ahead, size_t b0)
{
    if (ahead && b0 < x->ahead_len) {
        const uint8_t *p = x->ahead + b0 * (size_t)x->ahead_w;
        for (int q = 0; q < x->ahead_w; q++)
            __builtin_prefetch(p + 64 * q);
    }
}

/* ---- space mode ------------------------------------------------------------ */

/* The word [ws, e) of space mode through the general code, emitted as
 * wc_words_range would (wide texts with keys_utf8: as UTF-8). */
WC_INLINE int wc_space_general(const struct wc_wtext *x, int w, int fold,
                               size_t ws, size_t e, struct wc_sink *s,
                               size_t *err)
{
    if (w != 1 && x->keys_utf8) {
        if (fold) /* folded keys are UTF-8 (fold_utf8) */
            return wc_space_word(x, w, 1, ws, e, s->sc, wc_emit_all, s, err);
        return wc_space_word(x, w, 0, ws, e, s->sc,
                             w == 2 ? wc_emit_u8_2 : wc_emit_u8_4, s, err);
    }
    return wc_space_word(x, w, fold, ws, e, s->sc, wc_emit_all, s, err);
}

WC_SPECIALISE(wc_space_slow, wc_space_general)

/* The run [ws, k) (k a separator, or len) into the sink. */
WC_INLINE int wc_space_run(const struct wc_wtext *x, int w, int fold,
                           size_t ws, size_t k, struct wc_sink *s, size_t *err)
{
    const void *t = x->text;
    size_t e = k;
    /* "\r\n" ends the line: the '\r' is not in the word.  The run is not
     * empty (k - 1 is its last unit), and its last unit is looked at
     * first: it is seldom '\r', where the separator after a word is '\n'
     * at random, a branch the predictor missed. */
    if (WC_UNIT(t, w, k - 1) == '\r' && k < x->len && WC_UNIT(t, w, k) == '\n')
        e--;
    size_t n = e - ws, bytes = n * (size_t)w;
    if (n == 0)
        return WC_OK;
    if (w != 1 && x->keys_utf8) {
        int rc;
        if (n <= WC_INLINE_KEY && wc_ascii_word(x, w, fold, ws, e, s, &rc))
            return rc;
        return wc_space_slow(x, w, fold, ws, e, s, err);
    }
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
    if (fold && w == 1 && s->tab->kw == 1 && bytes > WC_INLINE_KEY &&
        bytes <= WC_BATCH_KEY) {
        int rc;
        if (wc_fold_long_ascii(x, ws, n, s, &rc))
            return rc;
    }
    return wc_space_slow(x, w, fold, ws, e, s, err);
}

WC_INLINE int wc_space_runs(const struct wc_wtext *x, int w, int fold,
                            int ahead, size_t lo, size_t hi, struct wc_sink *s,
                            size_t *err)
{
    uint64_t m[WC_SEPIT_WORDS];
    size_t ed[65]; /* the open run's start, then a word's edges */
    size_t ws = lo;
    int in = 0;        /* a run is open, from ws */
    uint64_t prev = 1; /* the unit before is a separator (or lo) */
    int rc;
    for (size_t base = lo; base < hi; base += WC_SEPIT_WORDS * 64) {
        size_t n = hi - base < WC_SEPIT_WORDS * 64 ? hi - base
                                                   : WC_SEPIT_WORDS * 64;
        wc_wmask_units(x->text, w, base, n, WC_WMASK_SPACE, m);
        wc_fetch_next(x, w, ahead, base + n, hi);
        for (size_t wi = 0; wi * 64 < n; wi++) {
            /* The edges: a unit after a separator starts a run, a
             * separator after a unit ends one. */
            wc_fetch_ahead(x, ahead, base + wi * 64);
            uint64_t sep = m[wi], edges = sep ^ ((sep << 1) | prev);
            prev = sep >> 63;
            if (n - wi * 64 < 64) /* past hi: no unit (nor separator) */
                edges &= ((uint64_t)1 << (n - wi * 64)) - 1;
            /* ed[0] is the start of the run open before this word, if
             * one is (then the first edge ends it): from there, the edges
             * pair up as runs, with no branch on whether one was open. */
            ed[0] = ws;
            unsigned ne = 1 + wc_edge_positions(edges, base + wi * 64, ed + 1);
            unsigned i = in ? 0 : 1;
            for (; i + 1 < ne; i += 2)
                if ((rc = wc_space_run(x, w, fold, ed[i], ed[i + 1], s, err)) !=
                    WC_OK)
                    return rc;
            in = i < ne; /* a run is open from ed[i] */
            ws = ed[in ? i : 0];
        }
    }
    /* A run open at hi: hi is the end of the text (else a separator comes
     * before it), where a word ends with no '\r' taken off. */
    return in ? wc_space_run(x, w, fold, ws, hi, s, err) : WC_OK;
}

/* ---- unicode mode ---------------------------------------------------------- */

/* An ASCII word run [ws, e) of unicode mode that is not a short key of a
 * bytes text (nor a short ASCII word of a wide one). */
WC_INLINE int wc_uni_long(const struct wc_wtext *x, int w, int fold,
                          size_t ws, size_t e, struct wc_sink *s, size_t *err)
{
    const uint8_t *p = (const uint8_t *)x->text + ws * (size_t)w;
    if (fold)
        return wc_words_unicode_fold(x, w, ws, e, s->sc, wc_emit_all, s, err);
    if (w != 1 && x->keys_utf8)
        return wc_emit_u8(s, p, e - ws, ws, 0, w);
    return wc_emit_all(s, p, e - ws, ws, 0, 0);
}

WC_SPECIALISE(wc_uni_slow, wc_uni_long)

/* [glo, ghi) of unicode mode (edges, holding a code point >= 0x80) by the
 * general enumerator. */
WC_INLINE int wc_uni_general(const struct wc_wtext *x, int w, int fold,
                             size_t glo, size_t ghi, struct wc_sink *s,
                             size_t *err)
{
    if (fold)
        return wc_words_unicode_fold(x, w, glo, ghi, s->sc, wc_emit_all, s,
                                     err);
    if (w != 1 && x->keys_utf8)
        return wc_words_unicode(x, w, glo, ghi,
                                w == 2 ? wc_emit_u8_2 : wc_emit_u8_4, s, err);
    return wc_words_unicode(x, w, glo, ghi, wc_emit_all, s, err);
}

WC_SPECIALISE(wc_uni_mixed, wc_uni_general)

/* The ASCII word run [ws, e) of unicode mode (e: a non-word ASCII unit,
 * or hi) into the sink. */
WC_INLINE int wc_uni_run(const struct wc_wtext *x, int w, int fold, size_t ws,
                         size_t e, struct wc_sink *s, size_t *err)
{
    size_t n = e - ws, bytes = n * (size_t)w;
    const uint8_t *p = (const uint8_t *)x->text + ws * (size_t)w;
    if (w != 1 && x->keys_utf8) {
        int rc;
        if (n <= WC_INLINE_KEY && wc_ascii_word(x, w, fold, ws, e, s, &rc))
            return rc; /* always: the run is ASCII */
        return wc_uni_slow(x, w, fold, ws, e, s, err);
    }
    if (bytes <= WC_INLINE_KEY) {
        uint64_t a, b;
        if ((x->len - ws) * (size_t)w >= 16)
            wc_key_mask16(p, bytes, &a, &b);
        else
            wc_key_ab(p, bytes, &a, &b);
        if (fold) { /* ASCII (w == 1): its fold is the run lower-cased */
            a = wc_lower8(a);
            b = wc_lower8(b);
        }
        return wc_sink_push16(s, a, b, n, wc_key_hash_ab(a, b, bytes),
                              (s->pos + (uint64_t)ws) * 4);
    }
    if (fold && w == 1 && bytes <= WC_BATCH_KEY) { /* an ASCII run */
        int rc;
        if (wc_fold_long_ascii(x, ws, n, s, &rc))
            return rc;
    }
    return wc_uni_slow(x, w, fold, ws, e, s, err);
}

/* unicode mode, [lo, hi): lo and hi are edges (wc_word_edge).  Folding
 * here needs UTF-8 keys (the caller checks). */
WC_INLINE int wc_uni_runs(const struct wc_wtext *x, int w, int fold,
                          int ahead, size_t lo, size_t hi, struct wc_sink *s,
                          size_t *err)
{
    uint64_t mw[WC_SEPIT_WORDS], mh[WC_SEPIT_WORDS];
    size_t ed[65]; /* the open run's start, then a word's edges */
    int rc;
    size_t pos = lo;
next:
    while (pos < hi) {
        /* pos is lo or an edge: no run is open before it. */
        size_t ws = pos;
        int in = 0;
        uint64_t prev = 1;
        for (size_t base = pos; base < hi; base += WC_SEPIT_WORDS * 64) {
            size_t n = hi - base < WC_SEPIT_WORDS * 64 ? hi - base
                                                       : WC_SEPIT_WORDS * 64;
            wc_wmask_units(x->text, w, base, n, WC_WMASK_WORD, mw);
            wc_wmask_units(x->text, w, base, n, WC_WMASK_HIGH, mh);
            wc_fetch_next(x, w, ahead, base + n, hi);
            for (size_t wi = 0; wi * 64 < n; wi++) {
                size_t b0 = base + wi * 64;
                wc_fetch_ahead(x, ahead, b0);
                if (mh[wi] != 0) {
                    /* Not ASCII: the general enumerator, from the open run
                     * (or here: the unit before is a non-word ASCII one, or
                     * this is pos) to the next edge. */
                    size_t glo = in ? ws : b0;
                    size_t end = hi - b0 > 64 ? b0 + 64 : hi;
                    size_t ghi = end < hi ? wc_word_edge(x, end) : hi;
                    if (ghi > hi)
                        ghi = hi;
                    if ((rc = wc_uni_mixed(x, w, fold, glo, ghi, s, err)) !=
                        WC_OK)
                        return rc;
                    pos = ghi;
                    goto next;
                }
                /* Past hi the mask is 0, a non-word unit: a run open there
                 * ends at hi (the end of the text, or an edge: a non-word
                 * code point). */
                uint64_t sep = ~mw[wi], edges = sep ^ ((sep << 1) | prev);
                prev = sep >> 63;
                /* As in wc_space_runs: ed[0] the open run's start. */
                ed[0] = ws;
                unsigned ne = 1 + wc_edge_positions(edges, b0, ed + 1);
                unsigned i = in ? 0 : 1;
                for (; i + 1 < ne; i += 2)
                    if ((rc = wc_uni_run(x, w, fold, ed[i], ed[i + 1], s,
                                         err)) != WC_OK)
                        return rc;
                in = i < ne;
                ws = ed[in ? i : 0];
            }
        }
        return in ? wc_uni_run(x, w, fold, ws, hi, s, err) : WC_OK;
    }
    return WC_OK;
}

/* The loops over a text's own units (ahead 0), of every width and fold. */
WC_INLINE int wc_space_units(const struct wc_wtext *x, int w, int fold,
                             size_t lo, size_t hi, struct wc_sink *s,
                             size_t *err)
{
    return wc_space_runs(x, w, fold, 0, lo, hi, s, err);
}

WC_INLINE int wc_uni_units(const struct wc_wtext *x, int w, int fold,
                           size_t lo, size_t hi, struct wc_sink *s, size_t *err)
{
    return wc_uni_runs(x, w, fold, 0, lo, hi, s, err);
}

WC_SPECIALISE(wc_space_loop, wc_space_units)
WC_SPECIALISE(wc_uni_loop, wc_uni_units)

/* The loops over a narrowed block (ahead 1, width 1), folded or not:
 * name(x, fold, lo, hi, s, err). */
#define WC_NARROWED_CASE(name, fn, fold)                                      \
    static __attribute__((noinline)) int name##_##fold(                       \
        const struct wc_wtext *x, size_t a, size_t b, struct wc_sink *s,       \
        size_t *err)                                                           \
    {                                                                          \
        return fn(x, 1, fold, 1, a, b, s, err);                                \
    }
#define WC_NARROWED(name, fn)                                                  \
    WC_NARROWED_CASE(name, fn, 0)                                              \
    WC_NARROWED_CASE(name, fn, 1)                                              \
    static int name(const struct wc_wtext *x, int fold, size_t a, size_t b,    \
                    struct wc_sink *s, size_t *err)                            \
    {                                                                          \
        return fold ? name##_1(x, a, b, s, err) : name##_0(x, a, b, s, err);   \
    }

WC_NARROWED(wc_space_block, wc_space_runs)
WC_NARROWED(wc_uni_block, wc_uni_runs)

/* ---- the ASCII stretches of a wide text, as bytes ----------------------- */

/* Units narrowed a block (the stack buffer of wc_wide_runs). */
#define WC_NARROW_UNITS 8192
/* Units counted as they are, from a unit >= 0x80 on, before narrowing is
 * tried again: doubled at each such unit (up to WC_WIDE_MAX) when the ASCII
 * stretch before it was shorter than that, back to WC_WIDE_MIN after a
 * longer stretch or a whole block (a text of few ASCII words wastes little
 * on the tries). */
#define WC_WIDE_MIN 256
#define WC_WIDE_MAX 65536

/* The place in buf[0 .. a) (ASCII) after which a range of words may end:
 * after the last ' ' or '\n' (space mode), or at the last non-word unit
 * (unicode mode: an edge); 0 if none. */
static size_t wc_narrow_cut(const uint8_t *buf, size_t a, int uni)
{
    for (size_t j = a; j > 0; j--) {
        uint8_t c = buf[j - 1];
        if (uni ? !wc_wmask_in(c, WC_WMASK_WORD) : c == ' ' || c == '\n')
            return uni ? j - 1 : j;
    }
    return 0;
}

/*
 * The words of [lo, hi) of a text of 2- or 4-byte units counted as UTF-8
 * keys (keys_utf8).  Most such text is ASCII with a few wider characters
 * (a name, a dash, a U+FFFD), and a stretch of ASCII units is counted
 * fastest as the bytes of a 1-byte text, whose keys are the same UTF-8:
 * blocks of units are narrowed into a buffer (wc_narrow_kernel) up to the
 * last edge before the first unit >= 0x80, and counted there with the
 * positions of the text (the sink's pos) and every key kept copied (the
 * buffer is reused: the sink is flushed before).  From a unit >= 0x80 to
 * an edge at least `wide` units on, the units are counted as they are.
 *
 * The narrowing reads memory and the count of the buffer mostly does not:
 * in turns, the one waited for memory (the narrowing of the 200 MB UCS-4
 * str of code was 13-15% of its count, at about 15 GB/s) while the other
 * left it idle.  So the count of a block fetches the next block's units
 * into the cache as it goes (v.ahead: wc_fetch_ahead), a line every 32
 * (UCS-2) or 16 (UCS-4) units counted, and its narrowing finds them there.
 * The count of that code went from 83.9 and 88.5 ms (medians of two
 * rounds, best of 5 in each of three processes a build, alternated;
 * benchmarks/core_freq.c --width 4) to 76.2 and 79.5, english as UCS-2
 * from 71.8 and 74.0 to 69.3 and 70.0, prose from 67.6 to 64.3.
 * All of the next block fetched at once, after it was narrowed, stalled
 * the count (64 lines a 1,024 units: no faster), and fetched from the
 * narrowing kernel as it read this block, the narrowing (2% faster).
 */
static int wc_wide_runs(const struct wc_wtext *x, size_t lo, size_t hi,
                        struct wc_sink *s, size_t *err)
{
    int w = x->width, fold = x->fold != 0;
    int uni = x->words == WC_WORDS_UNICODE;
    uint8_t buf[WC_NARROW_UNITS];
    struct wc_wtext v = *x;
    v.text = buf;
    v.width = 1;
    v.utf8 = 0; /* ASCII: Latin-1 and UTF-8 alike */
    v.keys_utf8 = 0;
    v.ahead_w = w;
    wc_narrow_fn narrow = wc_narrow_kernel();
    size_t pos = lo, wide = WC_WIDE_MIN;
    int rc;
    while (pos < hi) {
        size_t n = hi - pos < WC_NARROW_UNITS ? hi - pos : WC_NARROW_UNITS;
        size_t a = narrow((const uint8_t *)x->text + pos * (size_t)w, n, w,
                          buf);
        /* The words up to cut are in buf: all of them at hi. */
        size_t cut = a == n && pos + n == hi ? n : wc_narrow_cut(buf, a, uni);
        if (cut > 0) {
            uint64_t pos0 = s->pos;
            int copy0 = s->copy;
            v.len = cut;
            v.ahead = (const uint8_t *)x->text + (pos + n) * (size_t)w;
            v.ahead_len = pos + n < hi ? hi - (pos + n) : 0;
            s->pos = pos0 + pos;
            s->copy = 1;
            rc = uni ? wc_uni_block(&v, fold, 0, cut, s, err)
                     : wc_space_block(&v, fold, 0, cut, s, err);
            if (rc == WC_OK) /* no key pending may point into buf */
                rc = wc_flush(s);
            s->pos = pos0;
            s->copy = copy0;
            if (rc != WC_OK)
                return rc;
            if (a == n) {
                pos += cut;
                wide = WC_WIDE_MIN;
                continue;
            }
        }
        /* A unit >= 0x80 at pos + a, or a block of ASCII with no edge (a
         * word longer than it): as they are, to an edge past it (hi is
         * one).  The edge is past pos + cut, so every round moves on. */
        size_t stop = a < n ? pos + a + wide : pos + n;
        size_t end = stop < hi ? wc_word_edge(x, stop) : hi;
        if (end > hi)
            end = hi;
        if (a < n)
            wide = a >= wide ? WC_WIDE_MIN : wide < WC_WIDE_MAX ? 2 * wide : wide;
        rc = uni ? wc_uni_loop(x, w, fold, pos + cut, end, s, err)
                 : wc_space_loop(x, w, fold, pos + cut, end, s, err);
        if (rc != WC_OK)
            return rc;
        pos = end;
    }
    return WC_OK;
}

int wc_freq_run_words(const struct wc_wtext *x, size_t lo, size_t hi,
                      struct wc_sink *s, size_t *err)
{
    int fold = x->fold != 0;
    if (x->width != 1 && x->keys_utf8 && s->tab->kw == 1)
        return wc_wide_runs(x, lo, hi, s, err);
    if (x->words == WC_WORDS_UNICODE) {
        if (fold && s->tab->kw != 1)
            return wc_words_range(x, lo, hi, s->sc, wc_emit_all, s, err);
        return wc_uni_loop(x, x->width, fold, lo, hi, s, err);
    }
    return wc_space_loop(x, x->width, fold, lo, hi, s, err);
}
