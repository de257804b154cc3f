/*
 * freq_packed.c - words given packed (wc_freq_add_packed, wordcount.h): the
 * results of pieces of a text, as wc_freq_pack writes them (and Python's
 * frequencies_arrays returns them), added up into one table.
 *
 * The words are counted into a table of their own first (long keys left
 * where they are, in the caller's bytes), which is then put in order of
 * first occurrence and added as the table of another piece of the text is
 * (wc_freq_merge_into): that merge changes nothing of f until nothing can
 * fail, so an error leaves f as it was.  The bytes may come from anyone:
 * every offset is checked before a word is read, and a count that would
 * wrap around is an error, not a small number.
 */
#include "freq_result.h"

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

/* Count the words into s (a new table), word i first seen at i. */
static int wc_count_packed(wc_freq *s, const uint8_t *data,
                           const int64_t *offsets, const uint64_t *counts,
                           size_t n)
{
    struct wc_tab *t = &s->tab;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *key = data + offsets[i];
        size_t len = (size_t)(offsets[i + 1] - offsets[i]), slot = 0;
        uint64_t h = wc_key_hash(key, len);
        struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
        if (e == NULL) {
            /* Not copied: the caller's bytes outlive s, and the merge
             * copies the keys it keeps. */
            e = wc_tab_insert(t, slot, key, len, h, i, 0);
            if (e == NULL)
                return WC_ENOMEM;
        } else if (e->count > UINT64_MAX - counts[i]) {
            return WC_EOVERFLOW;
        }
        e->count += counts[i];
    }
    return WC_OK;
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
    wc_freq *s = wc_freq_io_new_like(f);
    if (s == NULL)
        return WC_ENOMEM;
    int rc = wc_count_packed(s, size > 0 ? data : none, offsets, counts, n);
    if (rc == WC_OK)
        rc = wc_freq_merge_into(f, s);
    wc_freq_free(s);
    return rc;
}
