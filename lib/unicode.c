/*
 * unicode.c - the Unicode tables (wc_unicode_data.h, generated once by
 * tools/gen_unicode.py for one Unicode version and committed) and where a
 * range of words may start.
 */
#include "wc_words.h"
#include "wc_unicode_data.h"

const char *wc_unicode_version(void)
{
    return WC_UNICODE_VERSION;
}

size_t wc_word_edge(const struct wc_wtext *x, size_t p)
{
    size_t len = x->len;
    int w = x->width;
    if (p >= len)
        return len;
    if (x->words == WC_WORDS_SPACE) {
        /* Bytes ' ' and '\n' never occur inside a UTF-8 sequence. */
        for (size_t k = p; k < len; k++) {
            uint32_t c = WC_UNIT(x->text, w, k);
            if (c == ' ' || c == '\n')
                return k + 1;
        }
        return len;
    }
    /* Edges are never at a continuation byte (10xxxxxx): one inside a valid
     * sequence is no place to cut, and a stray one cannot be told from it
     * without looking back, which a block that starts there cannot.  So E(p)
     * is the same edge from wherever it is asked (the blocks of a file
     * agree), and a stray continuation byte is counted, or reported as
     * invalid, by the range of words before it. */
    const uint8_t *b = x->text;
    int u8 = w == 1 && x->utf8;
    size_t k = p;
    if (u8)
        while (k < len && (b[k] & 0xC0) == 0x80)
            k++; /* to the next sequence start */
    while (k < len) {
        uint32_t c;
        size_t l = wc_next_cp(x, w, k, len, &c);
        if (l == 0 && u8 && (b[k] & 0xC0) == 0x80) {
            k++;
            continue;
        }
        if (l == 0)
            return k;
        uint32_t r = wc_uni_rec(c);
        if (x->fold) {
            uint32_t f[3];
            unsigned fw;
            wc_uni_fold(c, r, f, &fw);
            if (!(fw & 1))
                return k;
        } else if (!(r & 1)) {
            return k;
        }
        k += l;
    }
    return len;
}
