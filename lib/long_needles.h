/*
 * long_needles.h - private to the core: long needles, every byte once, in
 * order.
 *
 * A needle N of m bytes (no ' ', no '\n') is a word of the text iff some
 * piece P between separators (' ', '\n', the text's ends) followed by the
 * terminator t is N, where the word of P is P less a final '\r' when t is
 * '\n' (that '\r' belongs to the line ending): the semantics of kernels/kernels.h.
 * So a long needle needs no window: the matcher follows the current piece,
 * keeps its first `lmin` bytes (all long needles are longer), and once the
 * piece grows past them keeps the long needles that it still equals,
 * comparing each further byte once.  Pieces of at most lmin bytes, the
 * usual words, cost a copy; memory is lmin bytes plus a list of needles.
 */
#ifndef WC_LONG_NEEDLES_H
#define WC_LONG_NEEDLES_H

#include "input_needles.h"

struct wc_long {
    const struct wc_needles *nd;
    size_t lmin;       /* the long needles are those longer than this */
    size_t *ids;       /* the long needles that can match, nids of them */
    size_t nids;
    size_t *cand;      /* those the piece still equals (past lmin only) */
    size_t ncand;
    int cand_set;      /* the piece is longer than lmin: cand is meaningful */
    uint8_t *head;     /* the piece's first lmin bytes */
    uint64_t plen;     /* the piece's length so far */
    uint8_t last;      /* its last byte */
    uint64_t *counts;
};

/* The long needles (longer than lmin, at most limit bytes, possible);
 * lm->nids == 0 when there are none (nothing is allocated). */
int wc_long_init(struct wc_long *lm, const struct wc_needles *nd, size_t lmin,
                 uint64_t limit, uint64_t *counts);
void wc_long_free(struct wc_long *lm);

/* The next n bytes of the text. */
void wc_long_feed(struct wc_long *lm, const uint8_t *t, size_t n);

/* The end of the text. */
void wc_long_finish(struct wc_long *lm);

#endif /* WC_LONG_NEEDLES_H */
