/*
 * unicode.h - private to the core: look-ups in the generated Unicode tables
 * (tools/gen_unicode.py writes them at build time; unicode.c holds them):
 * the word class and the full case folding of a code point.
 */
#ifndef WC_UNICODE_H
#define WC_UNICODE_H

#include "wc_impl.h"

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

#endif /* WC_UNICODE_H */
