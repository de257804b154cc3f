/*
 * freq_result.c - the result object of frequencies (wc_freq, wordcount.h):
 * creation, needles (brought to the table's key form), the sort and the
 * read-out.  The counting itself is freq.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "freq_result.h"

wc_freq *wc_freq_new(int width, const wc_word_opts *opts)
{
    struct wc_wtext x;
    if (wc_wtext_init(&x, NULL, 0, width, opts) != WC_OK)
        return NULL;
    wc_freq *f = wc_calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    /* Folded words of 1- and 2-byte texts are counted as UTF-8 (shorter
     * keys, more of them inline) and narrowed in wc_tab_narrow_keys.
     * Not those of 4-byte texts: the C API lets their units be any 32-bit
     * value, and wc_utf8_encode (like every buffer sized for its output)
     * covers 21 bits only, so 0x20000020 would come back as ' ' and merge
     * with other words (fuzz_words, seed ucs4_specials_casefold). */
    x.fold_utf8 = x.fold && width != 4;
    f->x = x;
    f->threads = opts->threads;
    f->kw = x.fold ? wc_fold_width(&x) : width;
    if (wc_tab_init(&f->tab, f->kw) != WC_OK) {
        free(f);
        return NULL;
    }
    return f;
}

void wc_freq_set_progress(wc_freq *f, wc_progress_fn fn, void *arg,
                          unsigned interval_ms)
{
    f->progress = fn;
    f->progress_arg = arg;
    f->interval_ms = interval_ms;
}

void wc_freq_free(wc_freq *f)
{
    if (f == NULL)
        return;
    wc_tab_free(&f->tab);
    free(f->needle_counts);
    free(f);
}

size_t wc_freq_size(const wc_freq *f)
{
    return f->tab.n;
}

void wc_freq_get(const wc_freq *f, size_t i, const void **key, size_t *len,
                 int *width, uint64_t *count)
{
    /* Dense after wc_freq_sort; before it, slot i may be empty. */
    const struct wc_ent *e = &f->tab.ents[i];
    int w = f->narrow ? (int)e->hash : f->kw;
    *key = wc_ent_key(e, w);
    *len = e->len;
    *width = w;
    *count = e->count;
}

uint64_t wc_freq_needle_count(const wc_freq *f, size_t id)
{
    if (id >= f->nneedles || f->needle_counts == NULL)
        return 0;
    return f->needle_counts[id];
}

static int wc_by_first(const void *a, const void *b)
{
    const struct wc_ent *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

static int wc_by_count(const void *a, const void *b)
{
    const struct wc_ent *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->first > y->first) - (x->first < y->first);
}

/* The entries e[0 .. n) by first occurrence (distinct in a table): an LSD
 * radix sort, 11 bits a pass, of (first, index) pairs, then one gather of
 * the entries.  Linear, where qsort's comparisons of 48-byte entries were a
 * sixth of the time of a frequencies() count of 100,000 distinct words
 * (perf).  Returns 0 with e untouched when out of memory (the caller then
 * sorts in place). */
#define WC_RADIX_BITS 11
static int wc_sort_by_first(struct wc_ent *e, size_t n)
{
    struct wc_rkey {
        uint64_t first;
        size_t i;
    };
    if (n > SIZE_MAX / sizeof(struct wc_ent))
        return 0;
    struct wc_rkey *a = wc_malloc(n * sizeof *a), *b = wc_malloc(n * sizeof *b);
    struct wc_ent *out = wc_malloc(n * sizeof *out);
    size_t *cnt = wc_malloc(((size_t)1 << WC_RADIX_BITS) * sizeof *cnt);
    int ok = a != NULL && b != NULL && out != NULL && cnt != NULL;
    if (ok) {
        const size_t mask = ((size_t)1 << WC_RADIX_BITS) - 1;
        uint64_t all = 0;
        for (size_t i = 0; i < n; i++) {
            a[i].first = e[i].first;
            a[i].i = i;
            all |= e[i].first;
        }
        /* Only the digits that some key has. */
        for (unsigned sh = 0; sh < 64 && (all >> sh) != 0;
             sh += WC_RADIX_BITS) {
            memset(cnt, 0, (mask + 1) * sizeof *cnt);
            for (size_t i = 0; i < n; i++)
                cnt[(a[i].first >> sh) & mask]++;
            size_t sum = 0;
            for (size_t d = 0; d <= mask; d++) {
                size_t c = cnt[d];
                cnt[d] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                b[cnt[(a[i].first >> sh) & mask]++] = a[i];
            struct wc_rkey *t = a;
            a = b;
            b = t;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = e[a[i].i];
        memcpy(e, out, n * sizeof *e);
    }
    free(a);
    free(b);
    free(out);
    free(cnt);
    return ok;
}

int wc_freq_sort(wc_freq *f, int by_count)
{
    wc_tab_pack(&f->tab);
    f->counted = 1;
    if (f->tab.n > 1 && (by_count || !wc_sort_by_first(f->tab.ents, f->tab.n)))
        qsort(f->tab.ents, f->tab.n, sizeof *f->tab.ents,
              by_count ? wc_by_count : wc_by_first);
    return WC_OK;
}

/* Bring a needle to the table's key form in a malloc'd buffer (*out; NULL
 * with WC_OK when no word can equal it). */
static int wc_needle_key(const wc_freq *f, const void *nd, size_t m, int nw,
                         void **out, size_t *klen, size_t *err)
{
    *out = NULL;
    if (!f->x.fold) {
        /* A needle of a text that is decoded must be valid UTF-8 as the
         * text must: the same error, not a needle that silently counts 0. */
        if (f->x.utf8 && nw == 1 && f->x.words == WC_WORDS_UNICODE) {
            const uint8_t *p = nd;
            for (size_t i = 0; i < m;) {
                uint32_t c;
                int l = wc_utf8_decode(p + i, m - i, &c);
                if (l == 0 && f->x.replace)
                    return WC_OK; /* U+FFFD is no word character */
                if (l == 0) {
                    *err = i;
                    return WC_EUTF8;
                }
                i += (size_t)l;
            }
        }
        uint32_t max = f->kw == 1 ? 0xFF : f->kw == 2 ? 0xFFFF : 0xFFFFFFFF;
        void *k = wc_malloc(m * (size_t)f->kw + 1);
        if (k == NULL)
            return WC_ENOMEM;
        for (size_t i = 0; i < m; i++) {
            uint32_t c = WC_UNIT(nd, nw, i);
            if (c > max) {
                free(k);
                return WC_OK;
            }
            if (f->kw == 1)
                ((uint8_t *)k)[i] = (uint8_t)c;
            else if (f->kw == 2)
                ((uint16_t *)k)[i] = (uint16_t)c;
            else
                ((uint32_t *)k)[i] = c;
        }
        *out = k;
        *klen = m;
        return WC_OK;
    }
    /* Fold as a space-mode word: the needle is one word. */
    struct wc_wtext nx = f->x;
    nx.text = nd;
    nx.len = m;
    nx.width = nw;
    nx.utf8 = f->x.utf8 && nw == 1;
    struct wc_scratch sc = {NULL, 0};
    int rc;
    switch (nw) {
    case 1: rc = wc_fold_word(&nx, 1, 0, m, &sc, klen, err); break;
    case 2: rc = wc_fold_word(&nx, 2, 0, m, &sc, klen, err); break;
    default: rc = wc_fold_word(&nx, 4, 0, m, &sc, klen, err); break;
    }
    if (rc != WC_OK) {
        free(sc.buf);
        return rc;
    }
    if (sc.buf == NULL && (sc.buf = wc_malloc(1)) == NULL)
        return WC_ENOMEM;
    *out = sc.buf;
    return WC_OK;
}

int wc_freq_add_needle(wc_freq *f, const void *needle, size_t nlen, int nwidth,
                       size_t *id, size_t *err_offset)
{
    *id = WC_NO_ID;
    if ((nwidth != 1 && nwidth != 2 && nwidth != 4) || f->counted ||
        (nlen > 0 && needle == NULL) || (f->nneedles == 0 && f->tab.n != 0))
        return WC_EINVAL;
    if (nlen > SIZE_MAX / 12 / 4)
        return WC_ENOMEM;
    void *key;
    size_t klen = 0, err = 0;
    int rc = wc_needle_key(f, needle, nlen, nwidth, &key, &klen, &err);
    if (rc != WC_OK) {
        if (rc == WC_EUTF8 && err_offset != NULL)
            *err_offset = err;
        return rc;
    }
    if (key == NULL)
        return WC_OK;
    uint64_t h = wc_key_hash(key, klen * (size_t)f->kw);
    size_t slot = 0;
    struct wc_ent *e = wc_tab_find(&f->tab, key, klen, h, &slot);
    if (e == NULL) {
        e = wc_tab_insert(&f->tab, slot, key, klen, h, f->nneedles, 1);
        if (e != NULL)
            f->nneedles++;
    }
    free(key);
    if (e == NULL)
        return WC_ENOMEM;
    *id = (size_t)e->first;
    return WC_OK;
}

/* Above every first occurrence in f: kept by the merges, found again (one
 * pass) after a count added words. */
static uint64_t wc_freq_first_end(const wc_freq *f)
{
    if (f->first_end_n == f->tab.n)
        return f->first_end;
    uint64_t end = 0;
    for (size_t i = 0; i <= f->tab.mask; i++)
        if (f->tab.ents[i].hash != 0 && f->tab.ents[i].first >= end)
            end = f->tab.ents[i].first + 1;
    return end;
}

int wc_freq_merge_into(wc_freq *dst, wc_freq *src)
{
    /* The same key form: the same cut and width, keys not narrowed. */
    if (dst == NULL || src == NULL || dst == src || dst->tab.packed ||
        dst->nneedles != 0 || src->nneedles != 0 || dst->narrow ||
        src->narrow || dst->kw != src->kw || dst->x.width != src->x.width ||
        dst->x.words != src->x.words || dst->x.fold != src->x.fold ||
        dst->x.utf8 != src->x.utf8 || dst->x.replace != src->x.replace)
        return WC_EINVAL;
    int rc = wc_freq_sort(src, 0);
    if (rc != WC_OK)
        return rc;
    uint64_t base = wc_freq_first_end(dst);
    if (src->tab.n > UINT64_MAX - base)
        return WC_ENOMEM; /* no first left for its words */
    rc = wc_tab_merge_ordered(&dst->tab, &src->tab, base);
    if (rc == WC_OK) {
        dst->first_end = base + src->tab.n;
        dst->first_end_n = dst->tab.n;
    }
    return rc;
}
