/*
 * wc_freqio.h - private to the core: what io.c needs from freq.c to count
 * words of files and streams (wc_freq_count_file and friends, wordcount.h).
 *
 * io.c owns the blocks and the threads; freq.c owns the tables.  A block is a
 * window of the text: its bytes are in a buffer that io.c reuses, so every
 * key these functions keep is copied, and positions (the tie order of
 * wc_freq_sort) are the window's own plus `pos`, its offset in the text.
 */
#ifndef WC_FREQIO_H
#define WC_FREQIO_H

#include "wc_words.h"

/* WC_OK if f can count a byte (UTF-8) text read from a file: width 1, not
 * yet sorted; in needle mode it holds needles (*nids: the ids are 0 ..
 * *nids - 1), in count-all mode it holds no needles.  Else WC_EINVAL. */
int wc_freq_io_check(const wc_freq *f, int needles, size_t *nids);

/* How f cuts words (utf8, words, casefold), as a wc_wtext without a text. */
void wc_freq_io_wtext(const wc_freq *f, struct wc_wtext *x);

/* An empty count-all table that cuts words as f does; NULL when out of
 * memory. */
wc_freq *wc_freq_io_new_like(const wc_freq *f);

/*
 * Count the words of [lo, hi) of the window buf[0 .. len).  lo and hi are
 * edges (wc_word_edge over the whole text, or its start or end); hi == len
 * only when len is the end of the text.  counts == NULL: every non-empty
 * word into f's own table (keys copied); else the words equal to a needle of
 * f (f is only read) into counts[id].  WC_EUTF8: *err is the offset of the
 * first bad byte in the window.
 */
int wc_freq_io_window(wc_freq *f, const uint8_t *buf, size_t len, size_t lo,
                      size_t hi, uint64_t pos, uint64_t *counts, size_t *err);

/* Add the words of `from` (a count-all table) to `into`, in time linear in
 * the words of both; `from` may only be freed after (its keys may have
 * moved to `into`).  WC_ENOMEM: both are as they were. */
int wc_freq_io_merge(wc_freq *into, wc_freq *from);

/* Add counts[0 .. nids) to f's needle counts. */
int wc_freq_io_add_counts(wc_freq *f, const uint64_t *counts);

#endif /* WC_FREQIO_H */
