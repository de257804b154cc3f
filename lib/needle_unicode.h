/*
 * needle_unicode.h - private to the core: up to 8 needles in unicode mode
 * without casefold (the CLI's default, grep's words) counted by the unicode
 * needle kernels (kernels.h: wc_ucount*) rather than word by word.
 */
#ifndef WC_NEEDLE_UNICODE_H
#define WC_NEEDLE_UNICODE_H

#include "table.h"
#include "words.h"

/* At most this many needles are counted by the kernels, one pass each
 * (over a span that the first pass brought into the cache); more go word
 * by word through the table, one look-up a word whatever their number. */
#define WC_UNEEDLE_MAX 8

/* The needles, in the text's units, when the kernels can count them. */
struct wc_uneedle {
    size_t n;                        /* 0: count word by word */
    const void *key[WC_UNEEDLE_MAX]; /* into the needle table */
    size_t len[WC_UNEEDLE_MAX];      /* in units, >= 1 */
    size_t id[WC_UNEEDLE_MAX];       /* needle ids */
    int word[WC_UNEEDLE_MAX];        /* every code point of it is a word
                                      * character (else no word equals it:
                                      * a count of 0) */
};

/* u from the needle table of a count of x: set when x is in unicode mode
 * without casefold and the table holds 1 to WC_UNEEDLE_MAX needles (the
 * keys then point into the table, so u must be made again after any
 * insert: wc_freq_add_needle does, failed or not).  O(the needles), so it
 * is made as needles are added, not for each span or window. */
void wc_uneedle_init(struct wc_uneedle *u, const struct wc_wtext *x,
                     const struct wc_tab *needles);

/* The words equal to each of u's needles in [lo, hi) of x (lo and hi: 0,
 * len, or the start of a non-word code point) added to counts[id]: the
 * same counts, and the same error (WC_EUTF8 at the first invalid byte of a
 * strict UTF-8 text, *err its offset), as the words enumerated one by
 * one. */
int wc_uneedle_count(const struct wc_uneedle *u, const struct wc_wtext *x,
                     size_t lo, size_t hi, uint64_t *counts, size_t *err);

#endif /* WC_NEEDLE_UNICODE_H */
