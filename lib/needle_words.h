/*
 * needle_words.h - private to the core: up to 8 needles of a words count
 * (unicode mode: the CLI's default, grep's words; space mode), and with
 * casefold when every needle folds to ASCII (grep -i), counted by the
 * needle kernels of kernels.h (wc_ucount*) rather than word by word.
 */
#ifndef WC_NEEDLE_WORDS_H
#define WC_NEEDLE_WORDS_H

#include "table.h"
#include "words.h"

/* At most this many needles are counted by the kernels, one pass each
 * (over a span that the first pass brought into the cache); more go word
 * by word through the table, one look-up a word whatever their number. */
#define WC_UNEEDLE_MAX 8

/* With casefold, a needle whose units are not the table's (a str text of
 * 2 or 4 bytes a character, whose folded keys are UTF-32 or UTF-8) is
 * copied in the text's units, up to this many (longer: word by word). */
#define WC_UNEEDLE_COPY 32

/* The words of [lo, hi) (ends as in wc_uneedle_count) counted one by one
 * into the same counts: where folding may make ASCII of other letters. */
typedef int (*wc_urange_fn)(void *ctx, size_t lo, size_t hi, size_t *err);

/* The needles, in the text's units, when the kernels can count them. */
struct wc_uneedle {
    size_t n;                        /* 0: count word by word */
    const void *key[WC_UNEEDLE_MAX]; /* into the needle table */
    size_t len[WC_UNEEDLE_MAX];      /* in units, >= 1 */
    size_t id[WC_UNEEDLE_MAX];       /* needle ids */
    int word[WC_UNEEDLE_MAX];        /* every code point of it is a word
                                      * character (else no word equals it:
                                      * a count of 0) */
    unsigned rule;                   /* WC_UFOLD (casefold: every needle
                                      * is ASCII), WC_USPACE (space mode) */
    uint32_t copy[WC_UNEEDLE_MAX][WC_UNEEDLE_COPY]; /* fold: keys in the
                                                     * text's units */
};

/* u from the needle table of a count of x: set when the table holds 1 to
 * WC_UNEEDLE_MAX needles (in space mode, none empty) and, with casefold,
 * every needle that can be a word is ASCII once folded (as the table holds
 * it).  The keys may point into the table, so u must be made again after
 * any insert (wc_freq_add_needle does, failed or not), and into u itself
 * (copy), so u is not copied: the sinks of the threads and windows point
 * at the table's own (wc_freq: un).  O(the needles), so it is made as
 * needles are added, not for each span or window. */
void wc_uneedle_init(struct wc_uneedle *u, const struct wc_wtext *x,
                     const struct wc_tab *needles);

/* The words equal to each of u's needles in [lo, hi) of x (lo and hi: 0,
 * len, or in unicode mode the start of a code point whose fold starts with
 * a non-word code point, in space mode just after ' ' or '\n') added to
 * counts[id]: the same counts, and the same error
 * (WC_EUTF8 at the first invalid byte of a strict UTF-8 text, *err its
 * offset), as the words enumerated one by one.  With casefold, the parts
 * of [lo, hi) around letters that fold to ASCII (such as "ß", "ſ", "ﬁ",
 * "K") go to words(wctx, a, b, err), whose error is returned. */
int wc_uneedle_count(const struct wc_uneedle *u, const struct wc_wtext *x,
                     size_t lo, size_t hi, uint64_t *counts,
                     wc_urange_fn words, void *wctx, size_t *err);

#endif /* WC_NEEDLE_WORDS_H */
