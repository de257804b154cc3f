/*
 * freq_packed.c - words given packed (wc_freq_add_packed, wordcount.h): the
 * results of pieces of a text, as wc_freq_pack writes them (and Python's
 * frequencies_arrays returns them), added up into one table.
 *
 * Two passes over the words, as the ordered merge of two tables goes
 * (wc_tab_merge_ordered): the first only looks the words up in f, to learn
 * what they need (slots, bytes for their keys, keys too long for the arena
 * copied apart) and whether a count could pass WC_COUNT_MASK (2^48 - 1);
 * once all of that is allocated, the second adds them and cannot fail.
 * So an error leaves f's words and counts as they were.  The look-ups are
 * fetched 8 words ahead: in a table of millions of words each one is a
 * cache miss.
 *
 * When a count could pass WC_COUNT_MASK (counts of 2^47 and so: never those
 * of a text), the words are counted into a table of their own first, which is
 * exact about a word given several times, and that table is added as the
 * table of another piece of the text is (wc_freq_merge_into).
 *
 * The bytes may come from anyone: every offset is checked before a word is
 * read.
 */
#include "freq_result.h"

/* Not an error: counts that may pass WC_COUNT_MASK (the exact path decides). */
#define WC_MAY_OVERFLOW 1

/* Words looked up ahead. */
#define WC_AHEAD 8

/* Offsets that cut data[0 .. size) into n words, in order. */
static int wc_offsets_ok(const int64_t *offsets, size_t n, size_t size)
{
    if (offsets[0] < 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (offsets[i + 1] < offsets[i])
            return 0;
    return (uint64_t)offsets[n] <= size;
}

struct wc_packed {
    const uint8_t *data;
    const int64_t *offsets;
    const uint64_t *counts;
    size_t n;
    uint64_t hash[2 * WC_AHEAD]; /* of words i .. i + WC_AHEAD */
};

static const uint8_t *wc_packed_word(const struct wc_packed *p, size_t i,
                                     size_t *len)
{
    *len = (size_t)(p->offsets[i + 1] - p->offsets[i]);
    return p->data + p->offsets[i];
}

static void wc_packed_ahead(struct wc_packed *p, const struct wc_tab *t,
                            size_t i)
{
    size_t len;
    const uint8_t *key = wc_packed_word(p, i, &len);
    uint64_t h = wc_key_hash(key, len);
    p->hash[i % (2 * WC_AHEAD)] = h;
    wc_tab_prefetch(t, h);
}

/* Word i's hash (computed ahead), and the word WC_AHEAD on looked up
 * ahead.  The loops start with wc_packed_start. */
static uint64_t wc_packed_next(struct wc_packed *p, const struct wc_tab *t,
                               size_t i)
{
    if (i + WC_AHEAD < p->n)
        wc_packed_ahead(p, t, i + WC_AHEAD);
    return p->hash[i % (2 * WC_AHEAD)];
}

static void wc_packed_start(struct wc_packed *p, const struct wc_tab *t)
{
    for (size_t i = 0; i < p->n && i < WC_AHEAD; i++)
        wc_packed_ahead(p, t, i);
}

/* The two passes (see the top).  WC_MAY_OVERFLOW: nothing done. */
static int wc_add_direct(wc_freq *f, struct wc_packed *p)
{
    struct wc_tab *t = &f->tab;
    const uint64_t *counts = p->counts;
    size_t n = p->n;
    uint64_t sum = 0; /* no word can gain more */
    for (size_t i = 0; i < n; i++) {
        if (counts[i] > WC_COUNT_MASK - sum)
            return WC_MAY_OVERFLOW;
        sum += counts[i];
    }
    uint64_t base = wc_freq_first_end(f);
    if (base > WC_FIRST_MAX || n > WC_FIRST_MAX - base)
        return WC_EOVERFLOW; /* no first occurrence left for the words */

    /* Pass 1: nothing of f changes.  Every word not in f is noted, a word
     * given again too (a slot and its key's bytes to spare, at most the
     * part's own size). */
    struct wc_apart a = {{NULL}, NULL, 0, 0, 0, 0, NULL};
    size_t fresh = 0;
    int rc = WC_OK;
    wc_packed_start(p, t);
    for (size_t i = 0; i < n && rc == WC_OK; i++) {
        uint64_t h = wc_packed_next(p, t, i);
        size_t len, slot = 0;
        const uint8_t *key = wc_packed_word(p, i, &len);
        const struct wc_ent *d = wc_tab_find(t, key, len, h, &slot);
        if (d == NULL) {
            fresh++;
            rc = wc_apart_note(&a, key, len);
        } else if (wc_ent_count(d) > WC_COUNT_MASK - sum) {
            rc = WC_MAY_OVERFLOW;
        }
    }
    if (rc == WC_OK)
        rc = wc_apart_reserve(&a, t, fresh);
    if (rc != WC_OK) {
        wc_apart_end(&a, t, 0);
        return rc;
    }

    /* Pass 2: nothing fails.  A word pass 1 did not find is one that is
     * new here or was inserted by this pass (its first >= base): each
     * takes its place among the noted keys, in turn. */
    wc_packed_start(p, t);
    for (size_t i = 0; i < n; i++) {
        uint64_t h = wc_packed_next(p, t, i);
        size_t len, slot = 0;
        const uint8_t *key = wc_packed_word(p, i, &len);
        struct wc_ent *d = wc_tab_find(t, key, len, h, &slot);
        if (d == NULL) /* never NULL: no grow (reserved), no copy */
            d = wc_tab_insert(t, slot, wc_apart_key(&a, key, len, 1), len, h,
                              base + i, 0);
        else if (wc_ent_first(d) >= base)
            (void)wc_apart_key(&a, key, len, 0);
        wc_ent_add(d, counts[i]);
    }
    wc_apart_end(&a, t, 1);
    f->first_end = base + n;
    f->first_end_n = t->n;
    return WC_OK;
}

/* The exact path: the words counted into a table of their own (word i
 * first seen at i; long keys left in the caller's bytes), which is then
 * added to f. */
static int wc_add_counted(wc_freq *f, struct wc_packed *p)
{
    wc_freq *s = wc_freq_io_new_like(f);
    if (s == NULL)
        return WC_ENOMEM;
    struct wc_tab *t = &s->tab;
    int rc = wc_tab_reserve(t, p->n); /* no grow: the look-ups ahead stay */
    if (rc == WC_OK)
        wc_packed_start(p, t);
    for (size_t i = 0; i < p->n && rc == WC_OK; i++) {
        uint64_t h = wc_packed_next(p, t, i);
        size_t len, slot = 0;
        const uint8_t *key = wc_packed_word(p, i, &len);
        struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
        if (e == NULL)
            e = wc_tab_insert(t, slot, key, len, h, i, 0); /* never NULL */
        if (p->counts[i] > WC_COUNT_MASK - wc_ent_count(e))
            rc = WC_EOVERFLOW;
        else
            wc_ent_add(e, p->counts[i]);
    }
    if (rc == WC_OK)
        rc = wc_freq_merge_into(f, s);
    wc_freq_free(s);
    return rc;
}

int wc_freq_add_packed(wc_freq *f, const uint8_t *data, size_t size,
                       const int64_t *offsets, const uint64_t *counts,
                       size_t n)
{
    static const uint8_t none[1];
    if (f == NULL || offsets == NULL || (n > 0 && counts == NULL) ||
        (size > 0 && data == NULL) || f->x.width != 1 || f->kw != 1 ||
        f->nneedles != 0 || f->tab.packed || f->narrow || f->narrow_due ||
        f->released != 0 || !wc_offsets_ok(offsets, n, size))
        return WC_EINVAL;
    if (n == 0)
        return WC_OK;
    struct wc_packed p = {.data = size > 0 ? data : none, .offsets = offsets,
                          .counts = counts, .n = n};
    int rc = wc_add_direct(f, &p);
    return rc == WC_MAY_OVERFLOW ? wc_add_counted(f, &p) : rc;
}
