/*
 * needle_unicode.h - private to the core: one needle in unicode mode
 * without casefold (the CLI's default, grep's words) counted by the unicode
 * needle kernels (kernels.h: wc_ucount*) rather than word by word.
 */
#ifndef WC_NEEDLE_UNICODE_H
#define WC_NEEDLE_UNICODE_H

#include "table.h"
#include "words.h"

/* The needle, in the text's units, when the kernels can count it. */
struct wc_uneedle {
    const void *key; /* NULL: count word by word */
    size_t len;      /* in units, >= 1 */
    size_t id;       /* its needle id */
    int word;        /* every code point of it is a word character (else
                      * no word equals it: a count of 0) */
};

/* u from the needle table of a count of x: set when x is in unicode mode
 * without casefold and the table holds exactly one needle (the key then
 * points into the table, which a single needle never grows).  Called as
 * each needle is added (O(needle)), not for each span or window. */
void wc_uneedle_init(struct wc_uneedle *u, const struct wc_wtext *x,
                     const struct wc_tab *needles);

/* The words equal to u's needle in [lo, hi) of x (lo and hi: 0, len, or
 * the start of a non-word code point) added to *count: the same count, and
 * the same error (WC_EUTF8 at the first invalid byte of a strict UTF-8
 * text, *err its offset), as the words enumerated one by one. */
int wc_uneedle_count(const struct wc_uneedle *u, const struct wc_wtext *x,
                     size_t lo, size_t hi, uint64_t *count, size_t *err);

#endif /* WC_NEEDLE_UNICODE_H */
