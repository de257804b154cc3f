/*
 * long_needles.c - the matcher of long needles (long_needles.h): follows
 * the current piece of the text across blocks and buffers.
 */
#include <stdlib.h>

#include "alloc.h"
#include "long_needles.h"

/* The long needles (longer than lmin, at most limit bytes, possible);
 * lm->nids == 0 when there are none (nothing is allocated). */
int wc_long_init(struct wc_long *lm, const struct wc_needles *nd, size_t lmin,
                 uint64_t limit, uint64_t *counts)
{
    *lm = (struct wc_long){.nd = nd, .lmin = lmin, .counts = counts};
    size_t n = 0;
    for (size_t k = 0; k < nd->n; k++)
        n += nd->len[k] > lmin && wc_needle_useful(nd, k, limit);
    if (n == 0)
        return WC_OK;
    lm->ids = wc_malloc(n * sizeof *lm->ids);
    lm->cand = wc_malloc(n * sizeof *lm->cand);
    lm->head = wc_malloc(lmin);
    if (lm->ids == NULL || lm->cand == NULL || lm->head == NULL) {
        free(lm->ids);
        free(lm->cand);
        free(lm->head);
        return WC_ENOMEM;
    }
    for (size_t k = 0; k < nd->n; k++)
        if (nd->len[k] > lmin && wc_needle_useful(nd, k, limit))
            lm->ids[lm->nids++] = k;
    return WC_OK;
}

void wc_long_free(struct wc_long *lm)
{
    free(lm->ids);
    free(lm->cand);
    free(lm->head);
}

/* The piece ends; `newline`: its terminator is '\n'. */
static void wc_long_end_piece(struct wc_long *lm, int newline)
{
    if (lm->cand_set) {
        uint64_t wl = lm->plen - (uint64_t)(newline && lm->last == '\r');
        for (size_t j = 0; j < lm->ncand; j++)
            if (lm->nd->len[lm->cand[j]] == wl)
                lm->counts[lm->cand[j]]++;
    }
    lm->plen = 0;
    lm->cand_set = 0;
}

/* Bytes of the current piece, no separator among them. */
static void wc_long_run(struct wc_long *lm, const uint8_t *r, size_t n)
{
    lm->last = r[n - 1];
    if (lm->plen < lm->lmin) {
        size_t c = lm->lmin - lm->plen < n ? (size_t)(lm->lmin - lm->plen) : n;
        memcpy(lm->head + lm->plen, r, c);
        lm->plen += c;
        r += c;
        n -= c;
        if (n == 0)
            return;
    }
    const struct wc_needles *nd = lm->nd;
    if (!lm->cand_set) { /* past lmin: which long needles start as it does */
        lm->ncand = 0;
        for (size_t j = 0; j < lm->nids; j++)
            if (memcmp(nd->p[lm->ids[j]], lm->head, lm->lmin) == 0)
                lm->cand[lm->ncand++] = lm->ids[j];
        lm->cand_set = 1;
    }
    for (size_t j = 0; j < lm->ncand;) {
        size_t k = lm->cand[j], m = nd->len[k];
        if (lm->plen < m) {
            size_t c = m - lm->plen < n ? (size_t)(m - lm->plen) : n;
            if (memcmp(r, nd->p[k] + lm->plen, c) != 0) {
                lm->cand[j] = lm->cand[--lm->ncand];
                continue;
            }
        }
        j++;
    }
    lm->plen += n;
}

/* The next n bytes of the text. */
void wc_long_feed(struct wc_long *lm, const uint8_t *t, size_t n)
{
    if (lm->nids == 0)
        return;
    /* The next ' ' and the next '\n' at or after p (n: none), by memchr:
     * long pieces go at memory speed. */
    const uint8_t *sp = memchr(t, ' ', n), *nl = memchr(t, '\n', n);
    size_t nsp = sp ? (size_t)(sp - t) : n, nnl = nl ? (size_t)(nl - t) : n;
    size_t p = 0;
    while (p < n) {
        if (nsp < p) {
            sp = memchr(t + p, ' ', n - p);
            nsp = sp ? (size_t)(sp - t) : n;
        }
        if (nnl < p) {
            nl = memchr(t + p, '\n', n - p);
            nnl = nl ? (size_t)(nl - t) : n;
        }
        size_t q = nsp < nnl ? nsp : nnl;
        if (q > p)
            wc_long_run(lm, t + p, q - p);
        if (q == n)
            break;
        wc_long_end_piece(lm, t[q] == '\n');
        p = q + 1;
    }
}

/* The end of the text. */
void wc_long_finish(struct wc_long *lm)
{
    if (lm->nids > 0)
        wc_long_end_piece(lm, 0);
}
