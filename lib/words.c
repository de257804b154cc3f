/*
 * words.c - the words of a text: wc_words_foreach (one by one, for the tests
 * and for clients that want the words themselves; freq.c inlines the same
 * enumerators, words.h, with its own sinks), the checks of a text's word
 * options (wc_wtext_init) and where a range of words may start
 * (wc_word_edge).
 */
#include "words.h"

struct wc_each {
    wc_word_fn fn;
    void *ctx;
    int width;      /* of untransformed keys */
    int fold_width; /* of folded keys */
};

static int wc_each_emit(void *ctx, const void *key, size_t len, size_t pos,
                        unsigned sub, int transient)
{
    struct wc_each *e = ctx;
    (void)sub;
    return e->fn(e->ctx, key, len, transient ? e->fold_width : e->width, pos);
}

int wc_wtext_init(struct wc_wtext *x, const void *text, size_t len, int width,
                  const wc_word_opts *o)
{
    if ((width != 1 && width != 2 && width != 4) || o == NULL ||
        (o->words != WC_WORDS_SPACE && o->words != WC_WORDS_UNICODE) ||
        o->threads < 0 || o->threads > WC_MAX_THREADS ||
        o->utf8 < 0 || o->utf8 > WC_UTF8_REPLACE ||
        (len > 0 && text == NULL))
        return WC_EINVAL;
    x->text = text;
    x->len = len;
    x->width = width;
    x->utf8 = width == 1 && o->utf8 != 0;
    x->words = o->words;
    x->fold = o->casefold != 0;
    x->fold_utf8 = 0;
    x->keys_utf8 = 0;
    x->ahead = NULL;
    x->ahead_len = 0;
    x->ahead_w = 0;
    x->replace = x->utf8 && o->utf8 == WC_UTF8_REPLACE;
    return WC_OK;
}

int wc_words_foreach(const void *text, size_t len, int width,
                     const wc_word_opts *opts, wc_word_fn fn, void *ctx,
                     size_t *err_offset)
{
    struct wc_wtext x;
    int rc = wc_wtext_init(&x, text, len, width, opts);
    if (rc != WC_OK || fn == NULL)
        return rc != WC_OK ? rc : WC_EINVAL;
    struct wc_each e = {fn, ctx, width, wc_fold_width(&x)};
    struct wc_scratch sc = {NULL, 0};
    size_t err = 0;
    rc = wc_words_range(&x, 0, len, &sc, wc_each_emit, &e, &err);
    free(sc.buf);
    if (rc == WC_EUTF8 && err_offset != NULL)
        *err_offset = err;
    return rc;
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

size_t wc_word_last_cut(const struct wc_wtext *x, size_t lo, size_t lim,
                        size_t *split)
{
    const uint8_t *b = x->text;
    size_t cut = lo;
    *split = SIZE_MAX;
    if (x->width != 1 || lim > x->len)
        return lo;
    if (x->words == WC_WORDS_SPACE) {
        /* Words are cut at ' ' and '\n' only: the place after the last. */
        for (size_t k = lim; k > lo; k--)
            if (b[k - 1] == ' ' || b[k - 1] == '\n')
                return k;
        return lo;
    }
    int u8 = x->utf8, after_nonword = 0;
    size_t k = lo;
    while (k <= lim) {
        if (u8 && (b[k] & 0xC0) == 0x80) {
            /* A continuation byte where a code point should start: invalid
             * (one U+FFFD, no word character, or the error of the range
             * before), as is the rest of an invalid sequence: a place
             * before it too (a word ends there, and the bytes up to lim
             * may all be such). */
            if (!after_nonword && k > lo) {
                cut = k;
                *split = SIZE_MAX;
            }
            after_nonword = 1;
            k++;
            continue;
        }
        if (after_nonword && k > lo) {
            cut = k;
            *split = SIZE_MAX;
        }
        uint32_t c;
        size_t l = wc_next_cp(x, 1, k, x->len, &c);
        if (l == 0) { /* invalid UTF-8: an edge */
            if (k > lo) {
                cut = k;
                *split = SIZE_MAX;
            }
            after_nonword = 1;
            k++;
            continue;
        }
        uint32_t r = wc_uni_rec(c);
        unsigned first = r & 1, last = first;
        if (x->fold) {
            uint32_t f[3];
            unsigned fw;
            int nf = wc_uni_fold(c, r, f, &fw);
            first = fw & 1;
            last = (fw >> (nf - 1)) & 1;
            if (first && last && nf == 3 && !(fw & 2))
                *split = k;
        }
        if (!first && k > lo) { /* an edge */
            cut = k;
            *split = SIZE_MAX;
        }
        after_nonword = !last;
        k += l;
    }
    return cut;
}
