/*
 * utf8.h - private to the core: UTF-8 decoding as CPython's strict decoder
 * does it, the length of an invalid subpart (for U+FFFD replacement), and
 * encoding.  Inline: the word enumerators call them on every code point.
 */
#ifndef WC_UTF8_H
#define WC_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

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

/* The length of the sequence of wc_utf8_encode_any that lead byte b
 * starts. */
WC_INLINE size_t wc_utf8_any_len(uint8_t b)
{
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4
         : b < 0xFC ? 5 : b < 0xFE ? 6 : 7;
}

/* Any 32-bit value as a byte sequence, one-to-one: wc_utf8_encode's for
 * values below 0x200000, and beyond it the 5- and 6-byte forms of the
 * original UTF-8 (leads 0xF8, 0xFC) and a 7-byte one (lead 0xFE).  For the
 * keys of 4-byte texts, whose units the C API lets be any 32-bit value
 * (CPython's never pass U+10FFFF).  At most 7 bytes. */
WC_INLINE size_t wc_utf8_encode_any(uint32_t c, uint8_t *out)
{
    if (c < 0x200000) {
        if (c < 0x10000)
            return wc_utf8_encode(c, out);
        out[0] = (uint8_t)(0xF0 | (c >> 18));
        out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[3] = (uint8_t)(0x80 | (c & 0x3F));
        return 4;
    }
    size_t n = c < 0x4000000 ? 5 : c < 0x80000000u ? 6 : 7;
    static const uint8_t lead[8] = {0, 0, 0, 0, 0, 0xF8, 0xFC, 0xFE};
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (uint8_t)(0x80 | (c & 0x3F));
        c >>= 6;
    }
    out[0] = (uint8_t)(lead[n] | c);
    return n;
}

/* The first invalid byte of [lo, hi) of a UTF-8 text (lo is not inside a
 * sequence), or SIZE_MAX: 32 bytes a step where they are ASCII (four loads
 * OR'd; with one load, 8 bytes a step, search_file of 100 MB of English
 * text in unicode words on one thread took 30.0-30.7 ms, 28.6 so; the
 * byte-class kernels, 64 a step but a call a KiB, 31.3-31.8), a sequence
 * decoded where not. */
WC_INLINE size_t wc_utf8_first_bad(const uint8_t *t, size_t lo, size_t hi)
{
    const uint64_t high = 0x8080808080808080ull;
    size_t k = lo;
    while (k < hi) {
        while (hi - k >= 32 &&
               ((wc_load64(t + k) | wc_load64(t + k + 8) | wc_load64(t + k + 16) |
                 wc_load64(t + k + 24)) & high) == 0)
            k += 32;
        while (hi - k >= 8 && (wc_load64(t + k) & high) == 0)
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

#endif /* WC_UTF8_H */
