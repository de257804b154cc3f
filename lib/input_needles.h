/*
 * input_needles.h - private to the core: the needles of a file or stream
 * count (wc_count_fd, wc_count_file, wc_count_reader in wordcount.h), which
 * the long-needle matcher shares.
 */
#ifndef WC_INPUT_NEEDLES_H
#define WC_INPUT_NEEDLES_H

#include "common.h"

struct wc_needles {
    const uint8_t *const *p;
    const size_t *len;
    const uint8_t *ok; /* ok[k]: needle k holds no separator (can match) */
    size_t n;
    size_t maxlen; /* the longest needle the blocks count; longer ones are
                      left to the long-needle matcher, or cannot match */
};

/* 1 if needle k can match in a text of at most `limit` bytes. */
int wc_needle_useful(const struct wc_needles *nd, size_t k, uint64_t limit);

/* The longest needle that can match in a text of at most `limit` bytes
 * among those of at most `below` bytes (0 if none). */
size_t wc_needles_max(const struct wc_needles *nd, uint64_t limit,
                      size_t below);

/* Needles longer than this are "long" (long_needles.h). */
size_t wc_long_min(size_t block);

#endif /* WC_INPUT_NEEDLES_H */
