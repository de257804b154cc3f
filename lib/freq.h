/*
 * freq.h - private to the core: the result object of frequencies (struct
 * wc_freq, shared by freq_result.c and freq.c), and what the word counter
 * of files and streams (input_words.c) uses of frequencies.
 *
 * input_words.c owns the blocks and the threads; freq.c counts into the
 * tables.  A block is a window of the text: its bytes are in a buffer that
 * input_words.c reuses, so every key these functions keep is copied, and
 * positions (the tie order of wc_freq_sort) are the window's own plus
 * `pos`, its offset in the text.
 */
#ifndef WC_FREQ_H
#define WC_FREQ_H

#include "needle_words.h"
#include "table.h"
#include "words.h"

/* A frequency count (wordcount.h): opaque outside the core. */
struct wc_freq {
    struct wc_wtext x;  /* text and len are set for each count */
    int threads;
    int kw;             /* bytes per key unit */
    int counted;        /* count_all has run: no more needles, no more counts */
    int narrow;         /* keys of several widths (wc_tab_narrow_keys): an
                         * entry's hash field holds its key's width */
    int narrow_due;     /* keys counted as UTF-8 that the sort narrows */
    int keep_utf8;      /* wc_freq_keep_utf8: the sorts leave them UTF-8 */
    struct wc_tab tab;
    size_t nneedles;    /* needle ids: 0 .. nneedles-1 (entry.first) */
    size_t needle_bytes; /* the longest needle's key, in bytes */
    struct wc_uneedle un; /* the needles of unicode mode for its kernels
                           * (made as needles are added: wc_uneedle_init) */
    uint64_t *needle_counts;
    wc_progress_fn progress; /* wc_freq_set_progress */
    void *progress_arg;
    unsigned interval_ms;
    /* wc_freq_merge_into: every first in tab is below first_end while tab
     * holds first_end_n words (counts only add words and lower firsts). */
    uint64_t first_end;
    size_t first_end_n;
    int sorted;         /* wc_freq_sort or wc_freq_sort_top has run */
    size_t released;    /* wc_freq_release: words 0 .. released-1 are gone */
    /* wc_freq_sort_for_pack: word i is tab.ents[order[i] & order_mask] (the
     * entries did not move); NULL: word i is tab.ents[i]. */
    uint64_t *order;
    uint64_t order_mask;
    int order_owned; /* order was malloc'd (else: slots of tab, lent) */
    /* With order: the sum of every entry's key length (in units), which
     * the sort's first pass over the entries adds up as it reads them
     * (order_sized 1), so that a pack of keys written as they are (not
     * encoded to UTF-8 on the way) needs no pass of its own for its size. */
    size_t order_units;
    int order_sized;
    /* With an index of a mapped table: two page-aligned regions of its
     * empty slots, lend_bytes each, for the pack's offsets and counts
     * (wc_freq_lend_arrays); NULL: none.  lent: handed out. */
    uint8_t *lend[2];
    size_t lend_bytes;
    int lent;
    /* The words that the windows of a file counted into tab looked up
     * (wc_freq_io_window), for wc_freq_io_project. */
    uint64_t io_words;
};

/* The threads f counts, sorts and packs with: its own, or (0) the default;
 * never more than WC_MAX_THREADS (the plan of a pack keeps a part a
 * thread). */
WC_INLINE int wc_freq_threads(const wc_freq *f)
{
    int threads = f->threads == 0 ? wc_default_threads() : f->threads;
    return threads < WC_MAX_THREADS ? threads : WC_MAX_THREADS;
}

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

/* The bytes of UTF-8 (or of bytes) text that a word equal to one of f's
 * needles can hold at most (a word folds to no fewer code points, and a
 * key holds at least a byte a code point): a longer word matches none. */
size_t wc_freq_io_match_bytes(const wc_freq *f);

/* Before the windows of a share of `share` bytes (a thread's part of a
 * file of known size) are counted into f's own table: room for its first
 * words, as a count in memory makes it for each thread's share (freq.c:
 * WC_FIRST_ROOM).  A hint: out of memory, nothing changes. */
void wc_freq_io_room(wc_freq *f, uint64_t share);

/* After the windows of `done` bytes of a share of `share` (a thread's part
 * of a file of known size) were counted into f's own table: room made for
 * the words to come, as a count in memory makes it after each span
 * (freq.c: wc_tab_project), from the words its windows looked up (io_words).
 * A hint: out of memory, nothing changes. */
void wc_freq_io_project(wc_freq *f, uint64_t done, uint64_t share);

/* Add the words of `from` (a count-all table) to `into`, in time linear in
 * the words of both; `from` may only be freed after (its keys may have
 * moved to `into`).  WC_ENOMEM: both are as they were. */
int wc_freq_io_merge(wc_freq *into, wc_freq *from);

/* The count-all tables from[0 .. n) (NULL ones left out) merged into one
 * of them (freq.c: wc_merge_target), *big its index (SIZE_MAX: none), by up to
 * `threads` threads (as the tables of a count in memory); the others may
 * only be freed after.  WC_ENOMEM: their words partly moved (the caller
 * drops them all). */
int wc_freq_io_merge_many(wc_freq *const *from, size_t n, int threads,
                          size_t *big);

/* Above every first occurrence in f: kept by the merges
 * (wc_freq_merge_into, wc_freq_add_packed), found again (one pass) after a
 * count added words. */
uint64_t wc_freq_first_end(const wc_freq *f);

/* Add counts[0 .. nids) to f's needle counts. */
int wc_freq_io_add_counts(wc_freq *f, const uint64_t *counts);

/* For tests: sort in rounds of 11 bits of the key (each round after the
 * first reading the entries in the order of the one before), as keys too
 * wide for one element beside the index are, even where they fit (1); or
 * as usual (0). */
void wc_test_sort_split(int on);

/* For tests: sorts of at least `min` entries (0: the default) scatter
 * each pass through lines of 8 elements written whole (the way of large
 * sorts), fewer element by element. */
void wc_test_sort_stream(size_t min);

/* For tests: the sorts that scattered through lines since the last call
 * (which sets it to 0 again). */
size_t wc_test_sort_streamed(void);

/* For tests: wc_freq_sort_for_pack moves the words as wc_freq_sort does
 * (1), where it keeps an index (0, as it does when the memory is had). */
void wc_test_sort_moved(int on);

/* For tests: the sorts since the last call (which sets it to 0) whose
 * arrays were the table's empty slots (wc_tab_pack_keep). */
size_t wc_test_sort_lent(void);

/* For tests: sorts take their arrays from the table's empty slots when
 * they have room (1, the default), or malloc them always (0), as when a
 * merged table is too full. */
void wc_test_sort_lend(int on);

/* For tests: the most parts (threads) that a pass of a sort, or a pack
 * (wc_freq_pack_all), was split into since the last call (which sets it to
 * 0 again). */
size_t wc_test_sort_parts(void);

/* For tests: the words whose packed sizes were summed in their order
 * (wc_freq_packed_size; not the sums in the order of memory of all the
 * words of an index) since the last call (which sets it to 0 again). */
size_t wc_test_pack_sized(void);

/* For tests: the entries whose packed sizes were summed in the order of
 * memory (all the words of an index whose sort did not sum them) since
 * the last call (which sets it to 0 again). */
size_t wc_test_pack_summed(void);

/* For tests: the parts packed from the end back (the last of a pack of
 * all the words of an index on several threads) since the last call. */
size_t wc_test_pack_backs(void);

#endif /* WC_FREQ_H */
