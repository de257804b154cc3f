/*
 * count.h - private to the core: counting a text in memory with the chosen
 * kernel, for the other counters of lib/ (files and streams).
 */
#ifndef WC_COUNT_H
#define WC_COUNT_H

#include "common.h"

/* Count the starts [lo, hi) of a text of any width with the chosen kernel. */
uint64_t wc_count_range(const void *t, size_t len, size_t lo, size_t hi,
                        const void *needle, size_t m, int width);

/* 1 if the needle holds ' ' or '\n' and so can never match. */
int wc_needle_impossible(const void *needle, size_t m, int width);

#endif /* WC_COUNT_H */
