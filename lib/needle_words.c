/*
 * needle_words.c - a few needles of a words count (unicode mode, the CLI's
 * default; space mode, the Python API's; with casefold when they fold to
 * ASCII), counted by the needle kernels of kernels.h (wc_ucount*), one pass
 * each (up to WC_UNEEDLE_MAX).  In unicode mode a SIMD pass finds the
 * places where a needle stands between units that are not ASCII word
 * characters, exact where both neighbours are ASCII; where a neighbour is
 * not ASCII, the code points on either side are decoded and classified
 * here (wc_uneedle_check, or by their folds wc_uneedle_check_fold).  Word
 * by word, a needle of English text ran at 1.4 GB/s on two threads; it
 * then costs about what the space-mode kernels cost.  A strict UTF-8 text
 * is validated first, 32 bytes a step where they are ASCII, so that an
 * invalid byte is reported at the same offset as the enumerator reports it
 * (wc_words_unicode); with casefold, by the scan for letters that fold to
 * ASCII, which decodes every unit >= 0x80 anyway.  In space mode the
 * kernels apply the space rule, exact.  With casefold, the stretches around
 * letters that fold to ASCII go word by word (wc_uneedle_count).
 */
#include "dispatch.h"
#include "needle_words.h"
#include "unicode.h"

void wc_uneedle_init(struct wc_uneedle *u, const struct wc_wtext *x,
                     const struct wc_tab *needles)
{
    int space = x->words == WC_WORDS_SPACE;
    u->n = 0;
    u->rule = (x->fold ? WC_UFOLD : 0) | (space ? WC_USPACE : 0);
    if (needles == NULL || needles->n == 0 || needles->n > WC_UNEEDLE_MAX ||
        needles->packed || (!x->fold && needles->kw != x->width))
        return;
    size_t n = 0;
    for (size_t k = 0; k <= needles->mask; k++) {
        const struct wc_ent *e = &needles->ents[k];
        if (!wc_ent_used(e))
            continue;
        size_t m = wc_ent_len(e);
        const void *key = wc_ent_key(e, needles->kw);
        u->key[n] = key;
        u->len[n] = m;
        u->id[n] = (size_t)wc_ent_first(e);
        /* In space mode the empty needle counts empty words: word by word
         * (it is rare). */
        if (space && m == 0)
            return;
        /* The needle's code points (it is valid UTF-8 when its keys are:
         * wc_freq_add_needle checks) are each a word character (unicode
         * mode) or not ' ' and not '\n' (space mode), else it equals no
         * word (a count of 0); the empty needle equals no unicode word. */
        int word = m > 0, ascii = 1;
        struct wc_wtext nx = *x;
        nx.text = key;
        nx.len = m;
        nx.utf8 = needles->kw == 1 && (x->utf8 || x->fold);
        for (size_t i = 0; i < m && word;) {
            uint32_t c;
            size_t l = wc_next_cp(&nx, needles->kw, i, m, &c);
            if (l == 0) { /* space mode: bytes, not decoded */
                c = WC_UNIT(key, needles->kw, i);
                l = 1;
            }
            word = space ? c != ' ' && c != '\n' : wc_uni_isword(c);
            ascii &= c < 0x80;
            i += l;
        }
        u->word[n] = word;
        if (x->fold && word) {
            /* Folded, the needle must be ASCII (the kernels compare
             * ASCII letters without case), in the text's units. */
            if (!ascii)
                return;
            if (needles->kw != x->width) {
                if (m > WC_UNEEDLE_COPY)
                    return;
                for (size_t j = 0; j < m; j++) {
                    uint32_t c = WC_UNIT(key, needles->kw, j);
                    if (x->width == 1)
                        ((uint8_t *)u->copy[n])[j] = (uint8_t)c;
                    else if (x->width == 2)
                        ((uint16_t *)u->copy[n])[j] = (uint16_t)c;
                    else
                        u->copy[n][j] = c;
                }
                u->key[n] = u->copy[n];
            }
        }
        n++;
    }
    u->n = n;
}

struct wc_uctx {
    const struct wc_wtext *x;
    size_t lo, hi, m;
};

/* The code point that ends at i (i > lo) of a UTF-8 text: the valid
 * sequence [i - L, i), else U+FFFD (byte i - 1 is invalid: the decoder,
 * which lands on every lead byte, finds no sequence there). */
static uint32_t wc_cp_before8(const uint8_t *t, size_t lo, size_t i)
{
    if (t[i - 1] < 0x80)
        return t[i - 1];
    for (size_t l = 2; l <= 4 && i - lo >= l; l++) {
        uint8_t b = t[i - l];
        if ((b & 0xC0) == 0x80)
            continue; /* a continuation byte: further back */
        uint32_t c;
        if (b >= 0xC0 && (size_t)wc_utf8_decode(t + i - l, l, &c) == l)
            return c;
        break;
    }
    return 0xFFFD;
}

/* The code points before and after the place i of a needle of u->m units,
 * or WC_NONE where that side is an end of [lo, hi). */
#define WC_NONE UINT32_MAX
static void wc_uneighbours(const struct wc_uctx *u, size_t i, uint32_t *before,
                           uint32_t *after)
{
    const struct wc_wtext *x = u->x;
    *before = *after = WC_NONE;
    if (i > u->lo)
        *before = x->width == 1 && x->utf8 ? wc_cp_before8(x->text, u->lo, i)
                                           : WC_UNIT(x->text, x->width, i - 1);
    size_t e = i + u->m;
    if (e < u->hi && wc_next_cp(x, x->width, e, u->hi, after) == 0)
        *after = 0xFFFD;
}

/* The needle at i (its units equal) is a word: the code points on either
 * side are not word characters. */
static int wc_uneedle_check(void *ctx, size_t i)
{
    uint32_t b, a;
    wc_uneighbours(ctx, i, &b, &a);
    return (b == WC_NONE || !wc_uni_isword(b)) &&
           (a == WC_NONE || !wc_uni_isword(a));
}

/* The same in the folded text: the last code point of the fold of the one
 * before, and the first of the fold of the one after, are not word
 * characters (U+0345 is none, its fold is; "İ" folds to "i" and U+0307). */
static int wc_uneedle_check_fold(void *ctx, size_t i)
{
    uint32_t b, a, f[3];
    unsigned fw;
    wc_uneighbours(ctx, i, &b, &a);
    if (b != WC_NONE) {
        int n = wc_uni_fold(b, wc_uni_rec(b), f, &fw);
        if ((fw >> (n - 1)) & 1)
            return 0;
    }
    if (a != WC_NONE) {
        wc_uni_fold(a, wc_uni_rec(a), f, &fw);
        if (fw & 1)
            return 0;
    }
    return 1;
}

/* A code point that is not ASCII but whose fold holds ASCII ("ß" folds to
 * "ss", "ſ" to "s", "ﬁ" to "fi", the Kelvin sign to "k", "İ" to "i" and
 * U+0307): 19 in Unicode 13 to 15.1, found from the tables, whatever their
 * version. */
static int wc_folds_to_ascii(uint32_t c)
{
    if (c < 0x80)
        return 0;
    uint32_t f[3];
    unsigned fw;
    int n = wc_uni_fold(c, wc_uni_rec(c), f, &fw);
    for (int k = 0; k < n; k++)
        if (f[k] < 0x80)
            return 1;
    return 0;
}

/* The first code point of [k, hi) that folds to ASCII, or hi; *l its
 * length.  The units >= 0x80 are found by the byte-class kernels (high,
 * made for [.., hi), asked with k increasing), 64 a step.  Invalid UTF-8
 * is U+FFFD, which folds to itself, where the text is read with
 * replacement; in a strict text it ends the scan: its offset, with *l 0
 * (every unit >= 0x80 is decoded here, so this is the text's validation
 * too, and the first invalid byte the scan meets is the first of [k, hi)). */
static size_t wc_next_fold_ascii(const struct wc_wtext *x, struct wc_sepit *high,
                                 size_t k, size_t hi, size_t *l)
{
    int u8 = x->width == 1 && x->utf8;
    while ((k = wc_sepit_next(high, k, 0)) < hi) {
        uint32_t c = WC_UNIT(x->text, x->width, k);
        size_t n = u8 ? wc_next_cp(x, 1, k, hi, &c) : 1;
        if (n == 0) {
            if (!x->replace) {
                *l = 0;
                return k;
            }
            k++;
            continue;
        }
        if (wc_folds_to_ascii(c)) {
            *l = n;
            return k;
        }
        k += n;
    }
    *l = 0;
    return hi;
}

/* Unit k of x is ASCII and no word character: it folds to itself, so no
 * word of the folded text crosses it. */
static int wc_ascii_edge(const struct wc_wtext *x, size_t k)
{
    uint32_t c = WC_UNIT(x->text, x->width, k);
    return c < 0x80 && !wc_ascii_word_unit(c);
}

/* Unit k of x is ' ' or '\n': space mode's words end there. */
static int wc_space_edge(const struct wc_wtext *x, size_t k)
{
    uint32_t c = WC_UNIT(x->text, x->width, k);
    return c == ' ' || c == '\n';
}

/* Each needle of u in [lo, hi) by the kernels. */
static void wc_uneedle_kernels(const struct wc_uneedle *u,
                               const struct wc_wtext *x, size_t lo, size_t hi,
                               uint64_t *counts)
{
    wc_ucheck_fn check = u->rule & WC_UFOLD ? wc_uneedle_check_fold : wc_uneedle_check;
    for (size_t k = 0; k < u->n; k++) {
        if (!u->word[k] || lo >= hi)
            continue;
        struct wc_uctx c = {x, lo, hi, u->len[k]};
        uint64_t got;
        switch (x->width) {
        case 1:
            got = wc_ukernel8()(x->text, lo, hi, u->key[k], u->len[k], u->rule,
                                check, &c);
            break;
        case 2:
            got = wc_ukernel16()(x->text, lo, hi, u->key[k], u->len[k], u->rule,
                                 check, &c);
            break;
        default:
            got = wc_ukernel32()(x->text, lo, hi, u->key[k], u->len[k], u->rule,
                                 check, &c);
            break;
        }
        counts[u->id[k]] += got;
    }
}

int wc_uneedle_count(const struct wc_uneedle *u, const struct wc_wtext *x,
                     size_t lo, size_t hi, uint64_t *counts,
                     wc_urange_fn words, void *wctx, size_t *err)
{
    int space = (u->rule & WC_USPACE) != 0, fold = (u->rule & WC_UFOLD) != 0;
    /* Space mode without casefold reads bytes as they are; with casefold,
     * the scan for letters that fold to ASCII below checks the text as it
     * goes. */
    if (x->width == 1 && x->utf8 && !x->replace && !space && !fold) {
        size_t bad = wc_utf8_first_bad(x->text, lo, hi);
        if (bad != SIZE_MAX) {
            *err = bad;
            return WC_EUTF8;
        }
    }
    if (!fold) {
        wc_uneedle_kernels(u, x, lo, hi, counts);
        return WC_OK;
    }
    /* Casefold: the kernels see the ASCII letters of a needle in either
     * case, which is the whole fold of a word that is ASCII.  A word of the
     * folded text may also hold the ASCII of a letter that is not ("ſtop"
     * folds to "stop"): the stretch around each such letter goes word by
     * word, and the kernels count the rest.  The stretch ends where no word
     * crosses: at ASCII non-word units in unicode mode (folded, they stay
     * what they are and end every word), just after ' ' or '\n' in space
     * mode. */
    struct wc_sepit high;
    wc_sepit_init(&high, x->text, hi, WC_WMASK_HIGH, x->width);
    for (size_t q = lo; q < hi;) {
        size_t l, a = wc_next_fold_ascii(x, &high, q, hi, &l);
        if (a < hi && l == 0) {
            *err = a; /* [q, a) was checked: the first invalid byte */
            return WC_EUTF8;
        }
        if (a == hi) {
            wc_uneedle_kernels(u, x, q, hi, counts);
            break;
        }
        size_t s = a, e = a + l;
        if (space) {
            while (s > q && !wc_space_edge(x, s - 1))
                s--;
            while (e < hi && !wc_space_edge(x, e))
                e++;
            e += e < hi;
        } else {
            while (s > q && !wc_ascii_edge(x, s))
                s--;
            while (e < hi && !wc_ascii_edge(x, e))
                e++;
        }
        /* Unicode mode: [q, s) and [s, e) begin with an ASCII non-word
         * unit (or are at lo), and [s, e) ends before one (or at hi); space
         * mode: each begins and ends just after ' ' or '\n' (or at lo, hi). */
        wc_uneedle_kernels(u, x, q, s, counts);
        int rc = words(wctx, s, e, err);
        if (rc != WC_OK)
            return rc;
        q = e;
    }
    return WC_OK;
}
