/*
 * needle_unicode.c - a few needles in unicode mode without casefold, counted
 * by the unicode needle kernels (kernels.h: wc_ucount*), one pass each (up
 * to WC_UNEEDLE_MAX): a SIMD pass finds the places where a needle stands
 * between units that are not ASCII word characters, exact where both
 * neighbours are ASCII; where a neighbour is not ASCII, the code points on
 * either side are decoded and classified here (wc_uneedle_check).  Word by
 * word, a needle of English text ran at 1.4 GB/s on two threads; it then
 * costs about what the space-mode kernels cost.  A strict UTF-8 text is
 * validated first, 8 bytes a step where they are ASCII, so that an invalid
 * byte is reported at the same offset as the enumerator reports it
 * (wc_words_unicode).
 */
#include "dispatch.h"
#include "needle_unicode.h"
#include "unicode.h"

void wc_uneedle_init(struct wc_uneedle *u, const struct wc_wtext *x,
                     const struct wc_tab *needles)
{
    u->n = 0;
    if (x->words != WC_WORDS_UNICODE || x->fold || needles == NULL ||
        needles->n == 0 || needles->n > WC_UNEEDLE_MAX ||
        needles->kw != x->width || needles->packed)
        return;
    size_t n = 0;
    for (size_t k = 0; k <= needles->mask; k++) {
        const struct wc_ent *e = &needles->ents[k];
        if (e->hash == 0)
            continue;
        size_t m = wc_ent_len(e);
        u->key[n] = wc_ent_key(e, needles->kw);
        u->len[n] = m;
        u->id[n] = (size_t)e->first;
        /* The needle's code points (it is valid UTF-8 when the text is
         * UTF-8: wc_freq_add_needle checks); the empty needle equals no
         * word (none is empty). */
        int word = m > 0;
        struct wc_wtext nx = *x;
        nx.text = u->key[n];
        nx.len = m;
        for (size_t i = 0; i < m && word;) {
            uint32_t c;
            size_t l = wc_next_cp(&nx, x->width, i, m, &c);
            word = l != 0 && wc_uni_isword(c);
            i += l;
        }
        u->word[n++] = word;
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

/* The needle at i (its units equal) is a word: the code points on either
 * side are not word characters. */
static int wc_uneedle_check(void *ctx, size_t i)
{
    const struct wc_uctx *u = ctx;
    const struct wc_wtext *x = u->x;
    int u8 = x->width == 1 && x->utf8;
    uint32_t c;
    if (i > u->lo) {
        c = u8 ? wc_cp_before8(x->text, u->lo, i) : WC_UNIT(x->text, x->width, i - 1);
        if (wc_uni_isword(c))
            return 0;
    }
    size_t e = i + u->m;
    if (e < u->hi) {
        if (wc_next_cp(x, x->width, e, u->hi, &c) == 0)
            c = 0xFFFD;
        if (wc_uni_isword(c))
            return 0;
    }
    return 1;
}

/* The first invalid byte of [lo, hi) of a UTF-8 text (lo is not inside a
 * sequence), or SIZE_MAX. */
static size_t wc_utf8_first_bad(const uint8_t *t, size_t lo, size_t hi)
{
    size_t k = lo;
    while (k < hi) {
        while (hi - k >= 8 && (wc_load64(t + k) & 0x8080808080808080ull) == 0)
            k += 8;
        if (k >= hi)
            break;
        if (t[k] < 0x80) {
            k++;
            continue;
        }
        uint32_t c;
        int l = wc_utf8_decode(t + k, hi - k, &c);
        if (l == 0)
            return k;
        k += (size_t)l;
    }
    return SIZE_MAX;
}

int wc_uneedle_count(const struct wc_uneedle *u, const struct wc_wtext *x,
                     size_t lo, size_t hi, uint64_t *counts, size_t *err)
{
    if (x->width == 1 && x->utf8 && !x->replace) {
        size_t bad = wc_utf8_first_bad(x->text, lo, hi);
        if (bad != SIZE_MAX) {
            *err = bad;
            return WC_EUTF8;
        }
    }
    for (size_t k = 0; k < u->n; k++) {
        if (!u->word[k] || lo >= hi)
            continue;
        struct wc_uctx c = {x, lo, hi, u->len[k]};
        uint64_t got;
        switch (x->width) {
        case 1:
            got = wc_ukernel8()(x->text, lo, hi, u->key[k], u->len[k],
                                wc_uneedle_check, &c);
            break;
        case 2:
            got = wc_ukernel16()(x->text, lo, hi, u->key[k], u->len[k],
                                 wc_uneedle_check, &c);
            break;
        default:
            got = wc_ukernel32()(x->text, lo, hi, u->key[k], u->len[k],
                                 wc_uneedle_check, &c);
            break;
        }
        counts[u->id[k]] += got;
    }
    return WC_OK;
}
