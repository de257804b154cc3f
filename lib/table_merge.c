/*
 * table_merge.c - the merges of hash tables of words (table.h): two tables
 * one after another (wc_tab_merge), several by the threads that filled
 * them (wc_tab_pmerge_*), and a file's table into the result in order
 * (wc_tab_merge_ordered).
 */
#define _DEFAULT_SOURCE /* MADV_POPULATE_WRITE */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "table.h"

/* One pass over the entries of s, each looked up in t (prefetched 8
 * entries ahead): with `add` each is added to t, which must have room for
 * the new ones (wc_tab_reserve); without, t is only read.  hit (or NULL):
 * one entry per entry of s, in slot order; a pass without `add` stores
 * there where each was found (NULL: not in t), and a pass with `add` then
 * takes the entries found from it instead of looking them up again (t must
 * not have moved its entries in between).  Returns how many were not in
 * t. */
static size_t wc_tab_merge_pass(struct wc_tab *t, const struct wc_tab *s,
                                int add, struct wc_ent **hit)
{
    size_t fresh = 0, i = 0;
    for (size_t k = 0; k <= s->mask; k++) {
        const struct wc_ent *e = &s->ents[k];
        if (k + 8 <= s->mask && wc_ent_used(&s->ents[k + 8]))
            wc_tab_prefetch(t, wc_ent_bits(&s->ents[k + 8]));
        if (!wc_ent_used(e))
            continue;
        struct wc_ent *d;
        if (add && hit != NULL && (d = hit[i++]) != NULL) {
            if (wc_ent_first(e) < wc_ent_first(d))
                wc_ent_set_first(d, wc_ent_first(e));
            wc_ent_add(d, wc_ent_count(e));
            continue;
        }
        const void *key = wc_ent_key(e, s->kw);
        size_t slot = 0, len = wc_ent_len(e);
        uint64_t h = wc_ent_hash(e, s->kw, t->mask);
        d = wc_tab_find(t, key, len, h, &slot);
        if (!add && hit != NULL)
            hit[i++] = d;
        if (d == NULL) {
            fresh++;
            if (!add)
                continue;
            /* Never NULL: no grow (reserved), no copy. */
            d = wc_tab_insert(t, slot, key, len, h, wc_ent_first(e), 0);
        } else if (!add) {
            continue;
        } else if (wc_ent_first(e) < wc_ent_first(d)) {
            wc_ent_set_first(d, wc_ent_first(e));
        }
        wc_ent_add(d, wc_ent_count(e));
    }
    return fresh;
}

/* The words of s not in t, estimated from a sample of 256 words of s (in
 * hash order: a random one). */
static size_t wc_tab_sample_fresh(const struct wc_tab *t, const struct wc_tab *s)
{
    size_t seen = 0, nfresh = 0;
    for (size_t k = 0; k <= s->mask && seen < 256; k++) {
        const struct wc_ent *e = &s->ents[k];
        if (!wc_ent_used(e))
            continue;
        size_t slot = 0;
        seen++;
        nfresh += wc_tab_find(t, wc_ent_key(e, s->kw), wc_ent_len(e),
                              wc_ent_hash(e, s->kw, t->mask), &slot) == NULL;
    }
    return seen == 0 ? 0 : (size_t)((double)s->n * nfresh / seen);
}

/*
 * Merge table s into t: counts added, the earlier first occurrence kept;
 * keys of s that live in s's arena stay there, and the arena moves to t (s
 * must only be freed after).  Linear in the entries of s whatever the sizes
 * and loads: t is grown first to hold the union, because entries taken from
 * s in slot order arrive in hash order, and a table that grew while they
 * came would have them pile up into one cluster near the slots already
 * taken (each further insert then walks it: quadratic).  With the final
 * capacity fixed, linear probing costs the same in any insertion order.
 * The grow is also the only allocation: out of memory, t and s are as they
 * were (WC_ENOMEM).
 */
int wc_tab_merge(struct wc_tab *t, struct wc_tab *s)
{
    size_t fresh = s->n;
    size_t need = t->n + s->n, cap = t->mask + 1;
    if (t->n != 0 && s->n != 0 && s->n <= SIZE_MAX / 16 - t->n &&
        need * 16 > cap * WC_TAB_LOAD) {
        /* Room for all of s grows t, but the tables of one text often
         * share most words: the union may need less.  A sample of s (in
         * hash order: a random one) says whether it may; if so the new
         * keys are counted, else the room for all of s is what the union
         * needs anyway.  The sample errs towards counting (its estimate
         * less a margin of 1/8 of s): a union that fits t's slots but was
         * estimated just past them doubled t (a table of code text's 305k
         * words went to 1M slots, 42 MB, in the merge of two threads). */
        size_t est = wc_tab_sample_fresh(t, s), margin = s->n / 8;
        est = est > margin ? est - margin : 0;
        if (wc_tab_slots_for(t->n + (est < s->n ? est : s->n)) <
            wc_tab_slots_for(need))
            fresh = SIZE_MAX;
    }
    struct wc_ent **hit = NULL;
    if (fresh == SIZE_MAX) {
        /* Where each word of s is in t, kept for the pass that adds them
         * (if t need not grow in between): each is looked up once.  Out of
         * memory, the second pass looks them up again. */
        hit = wc_malloc(s->n * sizeof *hit);
        fresh = wc_tab_merge_pass(t, s, 0, hit);
    }
    size_t mask = t->mask;
    if (wc_tab_reserve(t, fresh) != WC_OK) {
        free(hit);
        return WC_ENOMEM;
    }
    wc_tab_merge_pass(t, s, 1, t->mask == mask ? hit : NULL);
    free(hit);
    wc_arena_adopt(&t->arena, &s->arena);
    return WC_OK;
}

/* ---- the parallel merge ---------------------------------------------------- */

/*
 * The tables of a parallel count merged by the threads that filled them.
 * Every table's slots are a whole number of units (the fewest slots of any
 * of them: all are powers of two), and each unit is cut into one range a
 * part.  Part k adds every entry of the sources whose home slot lies in
 * its range of a unit: in the target, where its probes never leave that
 * range (one that reaches the range's end is deferred, kept in the part's
 * list and done by the serial pass after), and in a source, whose runs of
 * slots in the part's ranges it reads (and on past each up to an empty
 * slot, for the entries pushed there).  So no two parts touch one slot of
 * the target, and none needs a lock.  An entry is added where a serial
 * merge would find or put it: slots only ever fill, so a key is found or
 * placed by its part within the range, or its probe runs past the range,
 * which the serial pass walks with nothing else moving.  All entries of
 * one key have one home, so one part sees them all.
 *
 * The target is the first table itself when it holds the union (a sample
 * says so, as in wc_tab_merge, and it cannot fill up: the sum of the
 * tables' entries stays under 15/16 of its slots), else a fresh slot array
 * of the union's size into which every table, the first too, is added (a
 * serial merge grew the first table, moving its entries, then added the
 * others').  The parts fault in a fresh array's pages, a share each.  Keys
 * are not copied: the other tables' arenas move to the first (they must
 * only be freed after), as in wc_tab_merge.
 */

/* The most entries a part defers before it leaves the rest of its range to
 * the serial pass (a probe leaves a range only near its end: a few a
 * part). */
#define WC_PMERGE_DEFER 1024

static _Atomic size_t wc_pmerge_cap = WC_PMERGE_DEFER;
static _Atomic size_t wc_pmerge_deferred, wc_pmerge_resumed, wc_pmerges;
static _Atomic size_t wc_pmerge_parts;
static _Atomic size_t wc_pmerge_fresh;

void wc_test_pmerge(size_t cap, size_t *deferred, size_t *resumed,
                    size_t *merges)
{
    atomic_store(&wc_pmerge_cap, cap == 0 ? WC_PMERGE_DEFER : cap);
    *deferred = atomic_exchange(&wc_pmerge_deferred, 0);
    *resumed = atomic_exchange(&wc_pmerge_resumed, 0);
    *merges = atomic_exchange(&wc_pmerges, 0);
}

size_t wc_test_pmerge_parts(void)
{
    return atomic_exchange(&wc_pmerge_parts, 0);
}

size_t wc_test_pmerge_fresh(void)
{
    return atomic_exchange(&wc_pmerge_fresh, 0);
}

/* A merged table may fill its slots to WC_FULL_LOAD (a table being counted
 * into grows past WC_TAB_LOAD, 10/16): the union of two threads' tables of
 * 20 MB of English text (174k words) stays in the 262,144 slots of the
 * larger one, where at 10/16 it was moved into 524,288; 10.7M distinct
 * words fill 2^24 slots, not 2^25 (1.3 GB, whose zeroing was most of the
 * merge). */
#define WC_MERGED_LOAD WC_FULL_LOAD

/* Whether a plan has room for its sources' entries: the sum under 15/16
 * of the target's slots, so a probe always meets an empty slot. */
static int wc_pmerge_fits(size_t total, size_t nslots)
{
    return total <= nslots / 16 * 15;
}

int wc_tab_pmerge_init(struct wc_pmerge *m, struct wc_tab *t,
                       struct wc_tab *const *others, size_t nothers,
                       size_t nparts)
{
    memset(m, 0, sizeof *m);
    if (nparts == 0 || nothers == 0 || nothers > SIZE_MAX / 2 - 1)
        return WC_EINVAL;
    size_t total = t->n, est = t->n;
    for (size_t i = 0; i < nothers; i++) {
        const struct wc_tab *s = others[i];
        if (s->kw != t->kw || s->packed || s->n > SIZE_MAX / 32 - total)
            return WC_EINVAL;
        total += s->n;
        /* A union estimated short only makes the table fuller than its
         * load, never full (wc_pmerge_fits). */
        est += wc_tab_sample_fresh(t, s);
    }
    /* The union may fill the target up to WC_MERGED_LOAD: a merged table
     * is read out, not counted into (an insert after grows it first). */
    size_t min = wc_tab_min_slots(), nslots = min;
    while (est * 16 > nslots * WC_MERGED_LOAD && nslots <= SIZE_MAX / 4)
        nslots *= 2;
    m->fresh = nslots > t->mask + 1 || !wc_pmerge_fits(total, t->mask + 1);
    if (m->fresh) {
        while (!wc_pmerge_fits(total, nslots)) {
            if (nslots > SIZE_MAX / 2 / sizeof(struct wc_ent))
                return WC_ENOMEM;
            nslots *= 2;
        }
    } else {
        nslots = t->mask + 1;
    }
    /* The unit: the fewest slots of the target and the sources (t is
     * one or the other: a run of a unit must fit in every table, or a
     * scan of a smaller one wraps and reads its entries twice). */
    size_t unit = nslots;
    if (t->mask + 1 < unit)
        unit = t->mask + 1;
    for (size_t i = 0; i < nothers; i++)
        if (others[i]->mask + 1 < unit)
            unit = others[i]->mask + 1;
    /* Ranges of 64 slots or more; tests that shrink tables below
     * WC_TAB_MIN (wc_test_table_min) shrink them in proportion, down to
     * one slot, so that small texts merge in many parts too. */
    size_t range = 64 * min / WC_TAB_MIN > 0 ? 64 * min / WC_TAB_MIN : 1;
    /* A fresh array of more than 16 MiB: parts of 16 MiB of it or less (at
     * most 256), taken in order, so that the sources' slots go back as the
     * parts pass them while the target's pages fill, a part's share at a
     * time: the peak is the sources' slots and a few parts', not the
     * sources' and the target's.  (Two threads' tables of 10.2M words, 2^23
     * slots each, into 2^24: 1.34 GB at once in two parts.) */
    size_t by_size = nslots / (((size_t)16 << 20) / sizeof(struct wc_ent));
    if (m->fresh && nparts < by_size)
        nparts = by_size < 256 ? by_size : 256;
    if (nparts > unit / range)
        nparts = unit / range > 0 ? unit / range : 1;
    m->unit = unit;
    m->t = t;
    m->nparts = nparts;
    m->cap = atomic_load_explicit(&wc_pmerge_cap, memory_order_relaxed);
    m->nsrc = nothers + m->fresh;
    m->src = wc_malloc(m->nsrc * sizeof *m->src);
    m->parts = wc_calloc(nparts, sizeof *m->parts);
    if (m->src != NULL && m->parts != NULL &&
        nparts <= SIZE_MAX / sizeof *m->defer / m->cap)
        m->defer = wc_malloc(nparts * m->cap * sizeof *m->defer);
    if (m->defer == NULL ||
        (m->fresh && (m->ents = wc_slots_alloc(nslots, 0)) == NULL)) {
        wc_tab_pmerge_free(m);
        return WC_ENOMEM;
    }
    if (m->fresh)
        m->src[0] = t;
    for (size_t i = 0; i < nothers; i++)
        m->src[m->fresh + i] = others[i];
    if (!m->fresh)
        m->ents = t->ents;
    m->mask = nslots - 1;
    return WC_OK;
}

/* Add entry e (of a source) to the target at its home slot j, probing
 * up to slot hi (excluded): 1 when done, 0 when the probe reached hi. */
static int wc_pmerge_add(struct wc_pmerge *m, const struct wc_ent *e,
                         size_t j, size_t hi, size_t *added)
{
    int kw = m->t->kw;
    size_t len = wc_ent_len(e), bytes = len * (size_t)kw;
    for (; j < hi; j++) {
        struct wc_ent *d = &m->ents[j];
        if (!wc_ent_used(d)) {
            *d = *e;
            ++*added;
            return 1;
        }
        if (d->hl == e->hl &&
            (bytes <= WC_INLINE_KEY
                 ? wc_load64(d->key.bytes) == wc_load64(e->key.bytes) &&
                       wc_load64(d->key.bytes + 8) == wc_load64(e->key.bytes + 8)
                 : d->key.big.len == len &&
                       memcmp(d->key.big.ptr, e->key.big.ptr, bytes) == 0)) {
            wc_ent_add(d, wc_ent_count(e));
            if (wc_ent_first(e) < wc_ent_first(d))
                wc_ent_set_first(d, wc_ent_first(e));
            return 1;
        }
    }
    return 0;
}

/* The range [lo, hi) of part k, within [0, unit). */
static void wc_pmerge_range(const struct wc_pmerge *m, size_t k, size_t *lo,
                            size_t *hi)
{
    size_t q = m->unit / m->nparts, r = m->unit % m->nparts;
    *lo = k * q + (k < r ? k : r);
    *hi = *lo + q + (k < r);
}

/* wc_pmerge_add on the whole slot array, wrapping (the serial pass). */
static void wc_pmerge_add_any(struct wc_pmerge *m, const struct wc_ent *e,
                              size_t home, size_t *added)
{
    if (!wc_pmerge_add(m, e, home, m->mask + 1, added))
        (void)wc_pmerge_add(m, e, 0, home, added); /* never full: done */
}

/* Entry e of a run of source s (from base, width slots), when its home in
 * s is in the run (else it is another run's): added to the target as a
 * part (its range ends at hi in a unit) or the serial pass (defer NULL)
 * adds it.  0 when the part's list of deferred entries is full (e not
 * added); else 1. */
WC_INLINE int wc_pmerge_take(struct wc_pmerge *m, const struct wc_tab *s,
                             const struct wc_ent *e, size_t base,
                             size_t width, size_t hi, struct wc_ent *defer,
                             size_t *ndefer, size_t *added)
{
    size_t shome = wc_ent_hash(e, s->kw, s->mask) & s->mask;
    if (shome - base >= width)
        return 1; /* its home is another run's */
    size_t home = wc_ent_hash(e, s->kw, m->mask) & m->mask;
    if (defer == NULL) {
        wc_pmerge_add_any(m, e, home, added);
    } else if (!wc_pmerge_add(m, e, home, (home & ~(m->unit - 1)) + hi,
                              added)) {
        if (*ndefer == m->cap)
            return 0;
        defer[(*ndefer)++] = *e;
    }
    return 1;
}

/* The slots of source s from base + c0 on (n <= 64) that hold an entry,
 * as the bits of a mask. */
WC_INLINE uint64_t wc_pmerge_used(const struct wc_tab *s, size_t base,
                                  size_t c0, size_t n)
{
    uint64_t used = 0;
    for (size_t q = 0; q < n; q++)
        used |= (uint64_t)(s->ents[(base + c0 + q) & s->mask].hl != 0) << q;
    return used;
}

/* Fetch the target slots of the entries `used` of slots base + c0 on, those
 * in the part's range [lo, lo + width) of a unit. */
WC_INLINE void wc_pmerge_fetch(struct wc_pmerge *m, const struct wc_tab *s,
                               size_t base, size_t lo, size_t width,
                               size_t c0, uint64_t used)
{
    for (uint64_t b = used; b != 0; b &= b - 1) {
        const struct wc_ent *e =
            &s->ents[(base + c0 + (size_t)__builtin_ctzll(b)) & s->mask];
        size_t th = wc_ent_hash(e, s->kw, m->mask) & m->mask;
        if ((th & (m->unit - 1)) - lo < width)
            wc_ent_prefetch(&m->ents[th]);
    }
}

/*
 * Slots pos[2] .. of a run (from base, of source s) up to 64 of them and
 * not past the run's end: which hold an entry is found first, as a mask,
 * and the entries are then taken from its bits, their target slots fetched
 * in one pass and the entries added in another.  Slot by slot (a branch on
 * each slot, 20-40% of them used, at random, and the target fetched 8
 * slots ahead), the two threads' merge of prose's tables took 3.6-4.9 ms,
 * this way 3.3-4.2; Zipf's 1.4-1.7 and 1.1-1.3; English's 4.5-6.1 and
 * 3.5-5.5 (core_freq --threads 2, alternated).  Fetching the next chunk's
 * targets too while this one's are added was no faster.  Never past the
 * run's end: the next run is another part's, which may give back its
 * slots (wc_tab_release_slots).  Returns 0 when the part's list of
 * deferred entries is full, pos[2] at the entry that did not fit; else 1,
 * pos[2] past the slots done.
 */
static int wc_pmerge_chunk(struct wc_pmerge *m, const struct wc_tab *s,
                           size_t base, size_t lo, size_t hi, size_t pos[3],
                           size_t *gap, struct wc_ent *defer, size_t *ndefer,
                           size_t *added)
{
    size_t smask = s->mask, width = hi - lo;
    size_t c0 = pos[2], cn = width - c0 < 64 ? width - c0 : 64;
    uint64_t used = wc_pmerge_used(s, base, c0, cn);
    uint64_t all = cn == 64 ? ~(uint64_t)0 : ((uint64_t)1 << cn) - 1;
    if (*gap == SIZE_MAX && (~used & all) != 0)
        *gap = c0 + (size_t)__builtin_ctzll(~used & all);
    wc_pmerge_fetch(m, s, base, lo, width, c0, used);
    for (uint64_t b = used; b != 0; b &= b - 1) {
        size_t off = c0 + (size_t)__builtin_ctzll(b);
        if (!wc_pmerge_take(m, s, &s->ents[(base + off) & smask], base, width,
                            hi, defer, ndefer, added)) {
            pos[2] = off;
            return 0;
        }
    }
    pos[2] = c0 + cn;
    return 1;
}

/*
 * The entries of the sources whose home is in part k's range [lo, hi) of
 * each unit: in a source, each run of slots [q unit + lo, q unit + hi), and
 * on past its end up to an empty slot (the entries pushed there from a
 * home in the run); an entry counts where its home is, so once.  In the
 * target its home is in the same part's range of a unit (the unit divides
 * every table's slots and the home is the hash modulo the slots), and a
 * part's probe stops at that range's end: the entry is deferred.  From
 * position *pos on (source, run, offset); a part (defer not NULL) that
 * fills its list returns 0 with *pos where it stopped; the serial pass
 * (defer NULL) probes anywhere.  Returns 1 when done.
 */
static int wc_pmerge_scan(struct wc_pmerge *m, size_t lo, size_t hi,
                          size_t pos[3], struct wc_ent *defer,
                          size_t *ndefer, size_t *added)
{
    size_t mask = m->mask, unit = m->unit, width = hi - lo;
    for (; pos[0] < m->nsrc; pos[0]++, pos[1] = 0, pos[2] = 0) {
        struct wc_tab *s = m->src[pos[0]];
        size_t smask = s->mask;
        for (; pos[1] <= smask / unit; pos[1]++, pos[2] = 0) {
            size_t base = pos[1] * unit + lo;
            size_t gap = SIZE_MAX; /* the run's first empty slot */
            /* The run itself 64 slots at a time (wc_pmerge_chunk), then on
             * past its end slot by slot up to an empty one (a few: the
             * entries pushed there).  Past smask the scan has seen every
             * slot: a run of the whole table (one part, a unit of its
             * slots) wraps onto itself. */
            while (pos[2] < width && pos[2] <= smask)
                if (!wc_pmerge_chunk(m, s, base, lo, hi, pos, &gap, defer,
                                     ndefer, added))
                    return 0;
            for (; pos[2] <= smask; pos[2]++) {
                size_t j = (base + pos[2]) & smask;
                const struct wc_ent *e = &s->ents[j];
                if (!wc_ent_used(e))
                    break; /* past the run, at an empty slot */
                const struct wc_ent *ahead = &s->ents[(j + 8) & smask];
                if (wc_ent_used(ahead)) {
                    size_t h8 = wc_ent_hash(ahead, s->kw, mask) & mask;
                    if ((h8 & (unit - 1)) - lo < width)
                        wc_ent_prefetch(&m->ents[h8]);
                }
                if (!wc_pmerge_take(m, s, e, base, width, hi, defer, ndefer,
                                    added))
                    return 0;
            }
            /* The run is done.  Its slots after its first empty one are
             * read by no other part: the scans of the runs before stop at
             * that empty slot, whose entries they fetch 8 ahead (those
             * after start at the run's end).  A part gives them back. */
            if (defer != NULL && gap < width)
                wc_tab_release_slots(s, base + gap + 9, base + width);
        }
    }
    return 1;
}

/* Fault in part k's share of a fresh mapped array's pages (what
 * wc_slots_populate does for a table, split between the parts: any part
 * may fault in a page, which writes nothing; on a kernel without
 * MADV_POPULATE_WRITE the pages fault as they are written). */
static void wc_pmerge_populate(struct wc_pmerge *m, size_t k)
{
#ifdef MADV_POPULATE_WRITE
    size_t pages = (m->mask + 1) * sizeof(struct wc_ent) / 4096;
    size_t a = pages * k / m->nparts, b = pages * (k + 1) / m->nparts;
    if (b > a)
        (void)madvise((uint8_t *)m->ents + a * 4096, (b - a) * 4096,
                      MADV_POPULATE_WRITE);
#else
    (void)m, (void)k;
#endif
}

void wc_tab_pmerge_part(struct wc_pmerge *m, size_t k)
{
    struct wc_pmerge_part *p = &m->parts[k];
    size_t lo, hi, pos[3] = {0, 0, 0}, ndefer = 0, added = 0;
    wc_pmerge_range(m, k, &lo, &hi);
    /* A mapped array (wc_slots_alloc did not write it; a smaller one was
     * zeroed by memset). */
    if (m->fresh && wc_slots_mapped(m->mask + 1))
        wc_pmerge_populate(m, k);
    int done = wc_pmerge_scan(m, lo, hi, pos, m->defer + k * m->cap,
                              &ndefer, &added);
    /* Written once, at the end: the parts share cache lines. */
    memcpy(p->pos, pos, sizeof pos);
    p->ndefer = ndefer;
    p->added = added;
    p->ran = 1;
    p->done = done;
}

void wc_tab_pmerge_finish(struct wc_pmerge *m)
{
    struct wc_tab *t = m->t;
    size_t added = 0, deferred = 0, resumed = 0;
    for (size_t k = 0; k < m->nparts; k++) {
        struct wc_pmerge_part *p = &m->parts[k];
        const struct wc_ent *defer = m->defer + k * m->cap;
        added += p->added;
        for (size_t j = 0; j < p->ndefer; j++) {
            const struct wc_ent *e = &defer[j];
            wc_pmerge_add_any(m, e, wc_ent_hash(e, t->kw, m->mask) & m->mask,
                              &added);
        }
        deferred += p->ndefer;
        if (!p->done) { /* its list filled, or it never ran: the rest here */
            size_t lo, hi, pos[3] = {0, 0, 0};
            if (p->ran)
                memcpy(pos, p->pos, sizeof pos);
            wc_pmerge_range(m, k, &lo, &hi);
            (void)wc_pmerge_scan(m, lo, hi, pos, NULL, NULL, &added);
            resumed++;
        }
    }
    atomic_fetch_add_explicit(&wc_pmerge_deferred, deferred, memory_order_relaxed);
    atomic_fetch_add_explicit(&wc_pmerge_resumed, resumed, memory_order_relaxed);
    atomic_fetch_add_explicit(&wc_pmerges, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&wc_pmerge_fresh, (size_t)m->fresh,
                              memory_order_relaxed);
    size_t most = atomic_load_explicit(&wc_pmerge_parts, memory_order_relaxed);
    while (m->nparts > most &&
           !atomic_compare_exchange_weak(&wc_pmerge_parts, &most, m->nparts))
        ;
    if (m->fresh) {
        wc_slots_free(t->ents, t->mask + 1);
        t->ents = m->ents;
        t->mask = m->mask;
        t->load = 0;
        t->n = added;
        m->ents = NULL;
    } else {
        t->n += added;
    }
    for (size_t i = m->fresh; i < m->nsrc; i++)
        wc_arena_adopt(&t->arena, &m->src[i]->arena);
    wc_tab_pmerge_free(m);
    /* A union estimated short may leave t past WC_MERGED_LOAD (never
     * full): grown now, a hint (out of memory, t is valid as it is). */
    if (t->n * 16 > (t->mask + 1) * WC_MERGED_LOAD)
        (void)wc_tab_reserve(t, 0);
}

void wc_tab_pmerge_free(struct wc_pmerge *m)
{
    if (m->fresh && m->ents != NULL)
        wc_slots_free(m->ents, m->mask + 1);
    free(m->src);
    free(m->parts);
    free(m->defer);
    memset(m, 0, sizeof *m);
}

/* ---- the ordered merge ----------------------------------------------------- */

/*
 * Merge s into t keeping t's order first: s is packed with its entries in
 * order of first occurrence; a key of s new to t gets first = base + i (i:
 * its index in s) and is copied into t's arena, so s may be freed at once.
 * With base above every first in t, t's order of first occurrence is its
 * own words, then the new words of s in the order of s (file order, then
 * position, for the tables of files merged one after another).  Counts are
 * added; a word t has keeps its first.
 *
 * Linear in the entries of s: a read-only pass finds the new keys and their
 * bytes, t is grown to hold the union (as in wc_tab_merge), and their copies
 * are allocated (one region of t's arena, and a block each for keys over
 * WC_ARENA_BLOCK) before any entry changes.  Out of memory: WC_ENOMEM, and
 * t holds the same words and counts as before (perhaps with more slots); a
 * count or a first occurrence that would pass its bits (wc_ent):
 * WC_EOVERFLOW, and t as it was.
 */
int wc_tab_merge_ordered(struct wc_tab *t, const struct wc_tab *s,
                         uint64_t base)
{
    struct wc_apart a = {{NULL}, NULL, 0, 0, 0, 0, NULL};
    size_t fresh = 0;
    int rc = WC_OK;
    if (s->n > 0 && (base > WC_FIRST_MAX || s->n - 1 > WC_FIRST_MAX - base))
        return WC_EOVERFLOW;
    for (size_t i = 0; i < s->n && rc == WC_OK; i++) {
        const struct wc_ent *e = &s->ents[i];
        /* The homes of the entries 8 on fetched ahead, in both passes: in
         * a large t each look-up is a cache miss (merge_arrays of 16 parts
         * of random words spent a third of its time here without). */
        if (i + 8 < s->n)
            wc_tab_prefetch(t, wc_ent_hash(e + 8, s->kw, t->mask));
        size_t slot = 0, len = wc_ent_len(e), b = len * (size_t)s->kw;
        const void *key = wc_ent_key(e, s->kw);
        const struct wc_ent *d =
            wc_tab_find(t, key, len, wc_ent_hash(e, s->kw, t->mask), &slot);
        if (d == NULL) {
            fresh++;
            rc = wc_apart_note(&a, key, b);
        } else if (wc_ent_count(d) > WC_COUNT_MASK - wc_ent_count(e)) {
            /* Counts of texts never come near; counts given whole
             * (wc_freq_add_packed) may. */
            rc = WC_EOVERFLOW;
        }
    }
    if (rc == WC_OK)
        rc = wc_apart_reserve(&a, t, fresh);
    if (rc != WC_OK) {
        wc_apart_end(&a, t, 0);
        return rc;
    }
    /* Nothing fails from here. */
    for (size_t i = 0; i < s->n; i++) {
        const struct wc_ent *e = &s->ents[i];
        if (i + 8 < s->n)
            wc_tab_prefetch(t, wc_ent_hash(e + 8, s->kw, t->mask));
        size_t slot = 0, len = wc_ent_len(e), b = len * (size_t)s->kw;
        const void *key = wc_ent_key(e, s->kw);
        uint64_t h = wc_ent_hash(e, s->kw, t->mask);
        struct wc_ent *d = wc_tab_find(t, key, len, h, &slot);
        if (d == NULL) /* never NULL: no grow (reserved), no copy */
            d = wc_tab_insert(t, slot, wc_apart_key(&a, key, b, 1), len, h,
                              base + i, 0);
        wc_ent_add(d, wc_ent_count(e));
    }
    wc_apart_end(&a, t, 1);
    return WC_OK;
}
