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
    size_t k = p;
    if (w == 1 && x->utf8)
        while (k < len && (((const uint8_t *)x->text)[k] & 0xC0) == 0x80)
            k++; /* to the next sequence start */
    while (k < len) {
        uint32_t c;
        size_t l = wc_next_cp(x, w, k, len, &c);
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
