/*
 * words.c - wc_words_foreach: the words of a text one by one, for the tests
 * and for clients that want the words themselves.  freq.c inlines the same
 * enumerators (wc_words.h) with its own sinks.
 */
#include "wc_words.h"

_Atomic uint64_t wc_fail_countdown;
static _Atomic int wc_fail_persistent;

int wc_fail_alloc_slow(void)
{
    uint64_t c = atomic_load(&wc_fail_countdown);
    while (c != 0) {
        uint64_t next = c > 1 ? c - 1 : atomic_load(&wc_fail_persistent) ? 1 : 0;
        if (atomic_compare_exchange_weak(&wc_fail_countdown, &c, next))
            return c == 1;
    }
    return 0;
}

void wc_test_fail_allocs(uint64_t nth, int persistent)
{
    atomic_store(&wc_fail_persistent, persistent != 0);
    atomic_store(&wc_fail_countdown, nth);
}

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
