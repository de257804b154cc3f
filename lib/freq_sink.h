/*
 * freq_sink.h - private to the core: where the words of a count go (the
 * sink of the enumerators), for freq.c and freq_runs.c.  Every non-empty
 * word into a table (count_all), or the words equal to a needle into
 * counts[id] (count_needles).
 *
 * Look-ups into a table are batched: the home slot of a word is prefetched
 * when the word is found and looked up some words later, so that the cache
 * misses of the rarer words overlap (most of the time of frequencies() on a
 * large vocabulary is those misses).  A key of at most WC_INLINE_KEY bytes
 * (most words) waits as its two words (wc_key_ab) in arrays of
 * WC_SHORT_BATCH, all looked up together when they are full, in one tight
 * loop (wc_sink_flush16): when they waited in a ring, each looked up as
 * the next came, the count took 7-13% more time (the ring's state went
 * through memory a word; benchmarks/core_freq.c on prose, code and Zipf).
 * A longer key waits as a pointer in a batch of WC_BATCH (a transient one,
 * whose buffer the enumerator reuses, copied up to WC_BATCH_KEY bytes and
 * counted at once beyond), looked up the same way (wc_sink_flush_long).
 * Until 2026-12-06 those waited in a ring too, the oldest looked up as a
 * new one came, with its key fetched ahead (a "peek" at its home slot);
 * the batch, without the peek, counted 50 MB of prose (10% of its words
 * longer than 16 bytes) 3-5% faster, and code (14%) 1-6% (a noisy host;
 * benchmarks/core_freq.c, interleaved, Emerald Rapids); a peek of every
 * pending word before the batch's look-ups made it 3-4% slower again (its
 * loads of the entries waited for memory).  The two batches are looked up
 * in different orders, but a key always waits in the same one (its length
 * decides), and the first occurrence kept is the least position looked up
 * anyway (wc_tab_bump).
 */
#ifndef WC_FREQ_SINK_H
#define WC_FREQ_SINK_H

#include "needle_words.h"
#include "table.h"
#include "words.h"

#define WC_BATCH 16
#define WC_BATCH_KEY 64
/* 64 short words a flush: with 32 the count of 50 MB of English prose and
 * of 100 MB of the Zipf corpus took 1.5-3% more time, of code 0.5%
 * (benchmarks/core_freq.c, interleaved, on a Zen 3 guest); 128 was no
 * faster than 64. */
#define WC_SHORT_BATCH 64

/* A word of more than WC_INLINE_KEY bytes, pending in the batch. */
struct wc_pending {
    const void *key;
    size_t len;
    uint64_t h;
    uint64_t first;
    int copy;
};

/*
 * One sink serves the spans of a text in memory and the windows of a file
 * or stream; for a window every key kept is copied (its buffer is reused)
 * and positions are offset by the window's place in the text.
 */
struct wc_sink {
    struct wc_tab *tab;           /* count_all: the table filled */
    const struct wc_tab *needles; /* count_needles: the needles, read only */
    uint64_t *counts;             /* count_needles: by needle id */
    const struct wc_uneedle *un;  /* count_needles: the needles that the
                                   * kernels count (the table's own, f->un;
                                   * NULL or un->n 0: word by word) */
    struct wc_scratch *sc;        /* of the enumerator: transient keys */
    uint64_t pos;                 /* added to every position */
    int copy;                     /* copy every key kept, not only transient */
    unsigned npend;               /* long words pending: pend[0, npend) */
    unsigned nshort;              /* short words pending: short_*[0, nshort) */
    uint64_t words;               /* count_all: the words looked up so far
                                   * (freq.c's projection of the table's
                                   * growth compares its entries with it) */
    /* From here on, buffers that are written before they are read (a
     * task's sink leaves them as malloc gave them: freq.c). */
    struct wc_pending pend[WC_BATCH];
    uint64_t pkeys[WC_BATCH][WC_BATCH_KEY / 8]; /* copies of transient keys */
    uint64_t short_a[WC_SHORT_BATCH], short_b[WC_SHORT_BATCH];
    uint64_t short_h[WC_SHORT_BATCH], short_first[WC_SHORT_BATCH];
    uint32_t short_len[WC_SHORT_BATCH];
};

/* Look up the short words pending (wc_sink_push16), in order.  Out of
 * memory: WC_ENOMEM, the words before the one that failed counted, and
 * none pending. */
static __attribute__((noinline, unused)) int wc_sink_flush16(struct wc_sink *s)
{
    struct wc_tab *t = s->tab;
    unsigned n = s->nshort;
    s->nshort = 0;
    s->words += n;
    for (unsigned i = 0; i < n; i++) {
        int rc = wc_tab_count16(t, s->short_a[i], s->short_b[i],
                                s->short_len[i], s->short_h[i],
                                s->short_first[i]);
        if (rc != WC_OK)
            return rc;
    }
    return WC_OK;
}

/* Look up the long words pending (wc_emit_all), in order.  Out of memory:
 * WC_ENOMEM, the words before the one that failed counted, and none
 * pending. */
static __attribute__((noinline, unused)) int
wc_sink_flush_long(struct wc_sink *s)
{
    struct wc_tab *t = s->tab;
    unsigned n = s->npend;
    s->npend = 0;
    s->words += n;
    for (unsigned i = 0; i < n; i++) {
        const struct wc_pending *p = &s->pend[i];
        int rc = wc_tab_count(t, p->key, p->len, p->h, p->first, p->copy);
        if (rc != WC_OK)
            return rc;
    }
    return WC_OK;
}

/* Look up every pending word: none is pending after. */
static inline int wc_flush(struct wc_sink *s)
{
    int rc = s->nshort > 0 ? wc_sink_flush16(s) : WC_OK;
    if (rc == WC_OK && s->npend > 0)
        rc = wc_sink_flush_long(s);
    s->npend = 0;
    s->nshort = 0;
    return rc;
}

/* Whether a word is pending (wc_flush has work). */
WC_INLINE int wc_sink_pending(const struct wc_sink *s)
{
    return s->npend > 0 || s->nshort > 0;
}

/* A word of at most WC_INLINE_KEY bytes, as its two words, into the
 * batch; h = wc_key_hash_ab(a, b, bytes). */
WC_INLINE int wc_sink_push16(struct wc_sink *s, uint64_t a, uint64_t b,
                             size_t len, uint64_t h, uint64_t first)
{
    wc_tab_prefetch(s->tab, h);
    unsigned k = s->nshort++;
    s->short_a[k] = a;
    s->short_b[k] = b;
    s->short_h[k] = h;
    s->short_first[k] = first;
    s->short_len[k] = (uint32_t)len;
    return k + 1 == WC_SHORT_BATCH ? wc_sink_flush16(s) : WC_OK;
}

/* The sink of count_all (wc_emit_fn). */
WC_INLINE int wc_emit_all(void *ctx, const void *key, size_t len, size_t pos,
                          unsigned sub, int transient)
{
    struct wc_sink *s = ctx;
    if (len == 0)
        return WC_OK; /* frequencies leave out empty words */
    struct wc_tab *t = s->tab;
    size_t bytes = len * (size_t)t->kw;
    uint64_t first = (s->pos + (uint64_t)pos) * 4 + sub;
    if (bytes <= WC_INLINE_KEY) {
        uint64_t a, b;
        wc_key_ab(key, bytes, &a, &b);
        return wc_sink_push16(s, a, b, len, wc_key_hash_ab(a, b, bytes),
                              first);
    }
    uint64_t h = wc_key_hash(key, bytes);
    if (transient && bytes > WC_BATCH_KEY) {
        s->words++;
        if (bytes > WC_ARENA_BLOCK)
            return wc_tab_count_long(t, key, len, h, first, s->sc);
        return wc_tab_count(t, key, len, h, first, 1);
    }
    unsigned k = s->npend++;
    if (transient) { /* the scratch buffer is reused by the next word */
        memcpy(s->pkeys[k], key, bytes);
        key = s->pkeys[k];
    }
    wc_tab_prefetch(t, h);
    s->pend[k] = (struct wc_pending){key, len, h, first,
                                     transient || s->copy};
    return k + 1 == WC_BATCH ? wc_sink_flush_long(s) : WC_OK;
}

/* The sink of count_needles (wc_emit_fn). */
WC_INLINE int wc_emit_needles(void *ctx, const void *key, size_t len,
                              size_t pos, unsigned sub, int transient)
{
    (void)pos, (void)sub, (void)transient;
    struct wc_sink *s = ctx;
    const struct wc_tab *t = s->needles;
    uint64_t h = wc_key_hash(key, len * (size_t)t->kw);
    size_t slot = 0;
    const struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
    if (e != NULL)
        s->counts[wc_ent_first(e)]++;
    return WC_OK;
}

/* The words of [lo, hi) of a text into a count_all sink, found from the
 * class masks as runs (freq_runs.c); the same words, positions and errors
 * as wc_words_range with wc_emit_all. */
int wc_freq_run_words(const struct wc_wtext *x, size_t lo, size_t hi,
                      struct wc_sink *s, size_t *err);

#endif /* WC_FREQ_SINK_H */
