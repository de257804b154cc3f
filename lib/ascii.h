/*
 * ascii.h - private to the core: the ASCII fast paths of the word
 * enumerators, 16 bytes at a time with SSE2 where the compiler targets it
 * (part of x86-64), a byte at a time elsewhere: runs of ASCII word bytes,
 * their lower-cased fold, and the next space-mode separator.
 */
#ifndef WC_ASCII_H
#define WC_ASCII_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "unicode.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define WC_WORDS_SSE2 1
#endif

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

#endif /* WC_ASCII_H */
