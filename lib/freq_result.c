/*
 * freq_result.c - the result object of frequencies (wc_freq, wordcount.h):
 * creation, needles (brought to the table's key form), the sort and the
 * read-out.  The counting itself is freq.c's.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "freq_result.h"
#include "pool.h"

#ifdef __SSE2__ /* x86-64's baseline: no dispatch needed */
#include <emmintrin.h>
#endif

wc_freq *wc_freq_new(int width, const wc_word_opts *opts)
{
    struct wc_wtext x;
    if (wc_wtext_init(&x, NULL, 0, width, opts) != WC_OK)
        return NULL;
    wc_freq *f = wc_calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    /* Folded words of a str are counted as UTF-8 (shorter keys, more of
     * them inline) and narrowed in wc_tab_narrow_keys.  The C API lets the
     * units of a 4-byte text be any 32-bit value: a unit beyond U+10FFFF
     * folds to itself, and the fold encodes it with wc_utf8_encode_any (up
     * to 7 bytes, within the 12 a unit that wc_fold_word reserves), so that
     * 0x20000020 does not come back as ' ' and merge with other words
     * (fuzz_words, seed ucs4_specials_casefold; test_words.c). */
    x.fold_utf8 = x.fold;
    f->x = x;
    f->threads = opts->threads;
    f->kw = x.fold ? wc_fold_width(&x) : width;
    /* The smallest table: a count of a text moves its own table in (this
     * one is then freed unused); needles and files' windows grow it. */
    if (wc_tab_init_for(&f->tab, f->kw, 0) != WC_OK) {
        free(f);
        return NULL;
    }
    return f;
}

void wc_freq_set_progress(wc_freq *f, wc_progress_fn fn, void *arg,
                          unsigned interval_ms)
{
    f->progress = fn;
    f->progress_arg = arg;
    f->interval_ms = interval_ms;
}

void wc_freq_free(wc_freq *f)
{
    if (f == NULL)
        return;
    wc_tab_free(&f->tab);
    free(f->needle_counts);
    if (f->order_owned)
        free(f->order);
    free(f);
}

/* Forget the index of wc_freq_sort_for_pack, if any (the entries never
 * moved). */
static void wc_freq_drop_order(wc_freq *f)
{
    if (f->order_owned)
        free(f->order);
    f->order = NULL;
    f->order_owned = 0;
    f->order_sized = 0;
    f->lend[0] = f->lend[1] = NULL;
    f->lend_bytes = 0;
    f->lent = 0;
}

size_t wc_freq_size(const wc_freq *f)
{
    return f->tab.n;
}

/* The entry of word i: dense after wc_freq_sort; before it, slot i may be
 * empty. */
WC_INLINE const struct wc_ent *wc_freq_ent(const wc_freq *f, size_t i)
{
    return f->order != NULL ? &f->tab.ents[f->order[i] & f->order_mask]
                            : &f->tab.ents[i];
}

/* The fields of entry e as wc_freq_get gives them. */
WC_INLINE void wc_freq_ent_get(const wc_freq *f, const struct wc_ent *e,
                               const void **key, size_t *len, int *width,
                               uint64_t *count)
{
    int w = f->narrow ? (int)wc_ent_bits(e) : f->kw;
    *key = wc_ent_key(e, w);
    *len = wc_ent_len(e);
    *width = w;
    *count = wc_ent_count(e);
}

void wc_freq_get(const wc_freq *f, size_t i, const void **key, size_t *len,
                 int *width, uint64_t *count)
{
    if (i < f->released) { /* wc_freq_release: an empty word */
        static const uint64_t none;
        *key = &none;
        *len = 0;
        *width = f->kw;
        *count = 0;
        return;
    }
    wc_freq_ent_get(f, wc_freq_ent(f, i), key, len, width, count);
}

/* The bytes of x at 0x80 or above: their high bits summed by one product
 * (each byte sum of it stays below 256). */
WC_INLINE size_t wc_high_bytes8(uint64_t x)
{
    return (size_t)((((x >> 7) & 0x0101010101010101ull) *
                     0x0101010101010101ull) >> 56);
}

/* The bytes of p[0 .. len) at 0x80 or above.  A key of WC_INLINE_KEY
 * bytes or fewer (len > 0) is an entry's inline key, of which all
 * WC_INLINE_KEY bytes may be read: two loads, the bytes past len masked
 * off (a key narrowed in place keeps UTF-8 bytes there), and no loop whose
 * length varies key by key (a byte at a time, the read-out of the 10.2M
 * words of an ASCII str into arrays took 20% of the samples, of the same
 * bytes 13%; perf). */
static size_t wc_high_bytes(const uint8_t *p, size_t len)
{
    _Static_assert(WC_INLINE_KEY == 16, "two 8-byte loads an inline key");
    if (len <= WC_INLINE_KEY) {
        uint64_t a = wc_load64(p), b = wc_load64(p + 8);
        a &= len >= 8 ? ~0ull : ((uint64_t)1 << (8 * len)) - 1;
        b &= len >= 16 ? ~0ull : len <= 8 ? 0 : ((uint64_t)1 << (8 * (len - 8))) - 1;
        return wc_high_bytes8(a) + wc_high_bytes8(b);
    }
    size_t n = 0, i = 0;
    for (; i + 8 <= len; i += 8)
        n += wc_high_bytes8(wc_load64(p + i));
    for (; i < len; i++)
        n += p[i] >> 7;
    return n;
}

/* The bytes of key (len units of w bytes, from wc_freq_get: inline when
 * len w <= WC_INLINE_KEY) as wc_freq_pack writes it; out NULL: only their
 * number. */
static size_t wc_pack_key(const void *key, size_t len, int w, int utf8,
                          uint8_t *out)
{
    const uint8_t *p = key;
    if (len == 0) /* a released word's key is no entry's */
        return 0;
    if (!utf8 || w == 1) {
        size_t n = len;
        if (utf8) /* Latin-1: a byte >= 0x80 takes two */
            n += wc_high_bytes(p, len);
        if (out == NULL)
            return n;
        if (n == len) {
            memcpy(out, p, len);
            return n;
        }
    }
    uint8_t tmp[8];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        size_t k = wc_utf8_encode_any(WC_UNIT(p, w, i), out != NULL ? out + n : tmp);
        n += k;
    }
    return n;
}

/* Fetched into the cache, when the words are read through an index (at
 * random places): the entry of word e, and the long key of word k when
 * keys is 1 (it points into the text or the arena); an index past the
 * words fetches nothing.  The pack fetches the entries 32 words ahead and
 * the keys 16; the size pass fetches no key but for UTF-8 (the other sizes
 * are in the entries).  Words moved into their order are read in the
 * order of memory, and their keys were not fetched: it made the pack of
 * code's and english's bytes faster, of code's wide text (its keys in the
 * arena, in order) slower (docs/benchmarks.md).  Inline: out of line, GCC
 * 12 found the function without effect (a prefetch is none to it) and
 * dropped its calls, and the pack of 10.2M words through an index took
 * twice as long. */
WC_INLINE void wc_freq_fetch(const wc_freq *f, size_t e, size_t k, int keys,
                             size_t hi)
{
    if (f->order != NULL && e < hi)
        wc_ent_prefetch(wc_freq_ent(f, e));
    if (keys && f->order != NULL && k < hi) {
        const struct wc_ent *x = wc_freq_ent(f, k);
        size_t w = f->narrow ? wc_ent_bits(x) : (size_t)f->kw;
        if (wc_ent_big(x)) {
            const uint8_t *q = x->key.big.ptr;
            __builtin_prefetch(q);
            __builtin_prefetch(q + wc_ent_len(x) * w - 1);
        }
    }
}

static _Atomic size_t wc_pack_sized; /* wc_test_pack_sized */
static _Atomic size_t wc_pack_summed; /* wc_test_pack_summed */
static _Atomic size_t wc_pack_backs; /* wc_test_pack_backs */

/* The bytes of the packed words of entries [lo, hi) of a table whose order
 * is an index: in the order of memory, not of the words (a sum of all of
 * them is the same). */
static size_t wc_ents_size(const wc_freq *f, size_t lo, size_t hi, int utf8)
{
    size_t total = 0;
    atomic_fetch_add_explicit(&wc_pack_summed, hi > lo ? hi - lo : 0,
                              memory_order_relaxed);
    for (size_t i = lo; i < hi; i++) {
        const void *key;
        size_t len;
        int w;
        uint64_t count;
        wc_freq_ent_get(f, &f->tab.ents[i], &key, &len, &w, &count);
        total += wc_pack_key(key, len, w, utf8 && !f->narrow_due, NULL);
    }
    return total;
}

/* Whether the words 0 .. n - 1 are all the words of an index, none released
 * (their sizes may then be summed in the order of memory). */
WC_INLINE int wc_freq_all_indexed(const wc_freq *f, size_t n)
{
    return f->order != NULL && n == f->tab.n && f->released == 0;
}

/* Whether the sort summed the packed size of all the words of its index
 * (f->order_units): for keys packed as they are, each its length in bytes
 * (wc_pack_key: bytes, and UTF-8 keys not narrowed).  A pass of the pack's
 * own read the entries again that the sort had just read: the pack of the
 * 10.2M random words took 185-189 ms with it, 153-157 without; of code's
 * 654k words 12.5-12.6 and 9.1-9.3 (core_freq --arrays, alternated). */
WC_INLINE int wc_freq_sized(const wc_freq *f, int utf8)
{
    return f->order_sized && !(utf8 && !f->narrow_due);
}

size_t wc_freq_packed_size(const wc_freq *f, size_t lo, size_t hi, int utf8)
{
    if (lo == 0 && wc_freq_all_indexed(f, hi))
        return wc_freq_sized(f, utf8) ? f->order_units
                                      : wc_ents_size(f, 0, hi, utf8);
    size_t total = 0;
    /* Words read in their order (a test counts them). */
    atomic_fetch_add_explicit(&wc_pack_sized, hi > lo ? hi - lo : 0,
                              memory_order_relaxed);
    for (size_t i = lo; i < hi; i++) {
        const void *key;
        size_t len;
        int w;
        uint64_t count;
        wc_freq_fetch(f, i + 32, i + 16, utf8 && !f->narrow_due, f->tab.n);
        wc_freq_get(f, i, &key, &len, &w, &count);
        total += wc_pack_key(key, len, w, utf8 && !f->narrow_due, NULL);
    }
    return total;
}

/* Words lo .. hi - 1 packed as wc_freq_pack packs them, from the last to
 * the first, the last ending at data + end. */
static void wc_freq_pack_back(const wc_freq *f, size_t lo, size_t hi,
                              int utf8, uint8_t *data, size_t end,
                              int64_t *offsets, uint64_t *counts)
{
    int u = utf8 && !f->narrow_due;
    for (size_t i = hi; i-- > lo;) {
        const void *key;
        size_t len;
        int w;
        /* Not below lo: the part before may have written its counts over
         * its words' places in the index (wc_freq_lend_arrays). */
        if (i >= lo + 32)
            wc_freq_fetch(f, i - 32, i - 16, 1, hi);
        wc_freq_get(f, i, &key, &len, &w, &counts[i]);
        size_t k = wc_pack_key(key, len, w, u, NULL);
        if (k > end) /* never: the plan summed these sizes */
            k = end;
        end -= k;
        (void)wc_pack_key(key, len, w, u, data + end);
        offsets[i] = (int64_t)end;
    }
}

size_t wc_freq_pack(const wc_freq *f, size_t lo, size_t hi, int utf8,
                    uint8_t *data, size_t at, int64_t *offsets,
                    uint64_t *counts)
{
    for (size_t i = lo; i < hi; i++) {
        const void *key;
        size_t len;
        int w;
        /* Not past hi: the next part may have written its counts over its
         * words' places in the index (wc_freq_lend_arrays). */
        wc_freq_fetch(f, i + 32, i + 16, 1, hi);
        wc_freq_get(f, i, &key, &len, &w, &counts[i]);
        offsets[i] = (int64_t)at;
        /* Keys still UTF-8 (narrow_due) are written as they are. */
        at += wc_pack_key(key, len, w, utf8 && !f->narrow_due, data + at);
    }
    return at;
}

/* The parts of a pass over n entries on `threads` threads (the radix
 * sort's passes, the gather, the pack). */
static size_t wc_sort_nparts(size_t n, int threads);
static _Atomic size_t wc_sort_parts; /* wc_test_sort_parts */

/* A pack split between parts: part p packs words [n p / nparts, n (p + 1)
 * / nparts), phase 0 summing their sizes into at[p + 1] (wc_freq_pack_plan),
 * phase 1 writing them from at[p].  All the words of an index (phase 2 for
 * the sums): the total is the sort's (sized: wc_freq_sized) or summed in
 * the order of memory, each part a share of the entries into mem[p], and
 * the last part is written from the end back, so only the parts before
 * the last two sum their words' sizes through the index, at random places
 * (on two threads none does: the pack of 10.2M words through an index took
 * 130-132 ms instead of 187-188, core_freq). */
struct wc_pjob {
    const wc_freq *f;
    size_t n, nparts;
    int utf8, phase, back, sized;
    uint8_t *data;
    int64_t *offsets;
    uint64_t *counts;
    size_t *at, *mem, size;
};

static void wc_pack_task(void *ctx, size_t p)
{
    const struct wc_pjob *j = ctx;
    size_t lo = j->n * p / j->nparts, hi = j->n * (p + 1) / j->nparts;
    if (j->phase == 0) {
        j->at[p + 1] = wc_freq_packed_size(j->f, lo, hi, j->utf8);
    } else if (j->phase == 2) {
        if (!j->sized) /* (else the sort summed them: wc_freq_sized) */
            j->mem[p] = wc_ents_size(j->f, lo, hi, j->utf8);
        if (p + 2 < j->nparts)
            j->at[p + 1] = wc_freq_packed_size(j->f, lo, hi, j->utf8);
    } else if (j->back && p + 1 == j->nparts) {
        atomic_fetch_add_explicit(&wc_pack_backs, 1, memory_order_relaxed);
        wc_freq_pack_back(j->f, lo, hi, j->utf8, j->data, j->size,
                          j->offsets, j->counts);
    } else {
        wc_freq_pack(j->f, lo, hi, j->utf8, j->data, j->at[p], j->offsets,
                     j->counts);
    }
}

size_t wc_freq_pack_plan(const wc_freq *f, size_t n, int utf8,
                         wc_pack_plan *plan)
{
    int threads = wc_freq_threads(f);
    size_t mem[WC_MAX_THREADS];
    struct wc_pjob j = {f, n, wc_sort_nparts(n, threads), utf8, 0, 0, 0,
                        NULL, NULL, NULL, plan->at, mem, 0};
    plan->n = n;
    plan->utf8 = utf8;
    plan->threads = threads;
    plan->nparts = j.nparts;
    plan->back = 0;
    plan->at[0] = 0;
    if (j.nparts == 1) {
        /* All the words of an index: in the order of memory. */
        plan->at[1] = wc_freq_packed_size(f, 0, n, utf8);
        plan->size = plan->at[1];
        return plan->size;
    }
    if (j.nparts > atomic_load_explicit(&wc_sort_parts, memory_order_relaxed))
        atomic_store_explicit(&wc_sort_parts, j.nparts, memory_order_relaxed);
    if (wc_freq_all_indexed(f, n)) {
        j.phase = 2;
        j.sized = wc_freq_sized(f, utf8);
    }
    /* Lost in a fork() child (WC_EFORKED), a part may not have run: the
     * sizes are summed here instead.  Nothing to sum when the sort summed
     * them all and no part is summed in order (two parts). */
    if (!(j.sized && j.nparts <= 2) &&
        wc_pool_run(threads, wc_pack_task, &j, j.nparts) != WC_OK)
        for (size_t p = 0; p < j.nparts; p++)
            wc_pack_task(&j, p);
    size_t parts = j.phase == 2 ? j.nparts - 2 : j.nparts;
    for (size_t p = 0; p < parts; p++)
        plan->at[p + 1] += plan->at[p];
    if (j.phase == 2) {
        plan->back = 1;
        if (j.sized) {
            plan->size = f->order_units;
        } else {
            plan->size = 0;
            for (size_t p = 0; p < j.nparts; p++)
                plan->size += mem[p];
        }
        /* The last part ends at size; the one before it starts at
         * at[nparts - 2] and meets it. */
        plan->at[j.nparts] = plan->size;
    } else {
        plan->size = plan->at[j.nparts];
    }
    return plan->size;
}

size_t wc_freq_pack_planned(wc_freq *f, const wc_pack_plan *plan,
                            uint8_t *data, int64_t *offsets, uint64_t *counts)
{
    size_t n = plan->n;
    int utf8 = plan->utf8;
    if (plan->nparts > 1) {
        struct wc_pjob j = {f, n, plan->nparts, utf8, 1, plan->back, 0,
                            data, offsets, counts, (size_t *)plan->at, NULL,
                            plan->size};
        /* A part lost in a fork() child is packed here (the same bytes at
         * the same places). */
        if (wc_pool_run(plan->threads, wc_pack_task, &j, j.nparts) != WC_OK)
            for (size_t p = 0; p < j.nparts; p++)
                wc_pack_task(&j, p);
        wc_freq_release(f, n);
        return plan->size;
    }
    /* One part: in order, the words read given back every 4,096 (a table
     * of millions of words shrinks while the arrays grow). */
    size_t at = 0;
    for (size_t lo = 0; lo < n; lo += 4096) {
        size_t hi = n - lo > 4096 ? lo + 4096 : n;
        at = wc_freq_pack(f, lo, hi, utf8, data, at, offsets, counts);
        wc_freq_release(f, hi);
    }
    return at;
}

size_t wc_freq_pack_all(wc_freq *f, size_t n, int utf8, uint8_t *data,
                        int64_t *offsets, uint64_t *counts)
{
    wc_pack_plan plan;
    if (wc_sort_nparts(n, wc_freq_threads(f)) > 1) {
        (void)wc_freq_pack_plan(f, n, utf8, &plan);
    } else { /* packed in order: no sizes needed */
        plan.n = n;
        plan.utf8 = utf8;
        plan.threads = 1;
        plan.nparts = 1;
        plan.back = 0;
    }
    return wc_freq_pack_planned(f, &plan, data, offsets, counts);
}

int wc_freq_lend_arrays(wc_freq *f, size_t n, int64_t **offsets,
                        uint64_t **counts)
{
    if (f == NULL || f->lend[0] == NULL || f->lent || n > f->tab.n ||
        n >= f->lend_bytes / 8)
        return WC_EINVAL;
    f->lent = 1;
    *offsets = (int64_t *)(void *)f->lend[0];
    *counts = (uint64_t *)(void *)f->lend[1];
    return WC_OK;
}

int wc_freq_take_arrays(wc_freq *f, void **base, size_t *len)
{
    if (f == NULL || !f->lent)
        return WC_EINVAL;
    struct wc_tab *t = &f->tab;
    size_t nslots = t->mask + 1, r = f->lend_bytes;
    size_t a = (size_t)(f->lend[0] - (uint8_t *)t->ents),
           b = (size_t)(f->lend[1] - (uint8_t *)t->ents);
    if (a > b) {
        size_t x = a;
        a = b;
        b = x;
    }
    /* Every slot outside the two regions (whole pages: the regions are). */
    const size_t es = sizeof *t->ents;
    wc_tab_release_slots(t, 0, a / es);
    wc_tab_release_slots(t, (a + r + es - 1) / es, b / es);
    wc_tab_release_slots(t, (b + r + es - 1) / es, nslots);
    *base = t->ents;
    *len = nslots * es;
    t->ents = NULL; /* the caller's now */
    t->n = 0;
    t->mask = 0;
    wc_freq_drop_order(f); /* the index was in the slots */
    return WC_OK;
}

void wc_freq_arrays_free(void *base, size_t len)
{
    if (base != NULL)
        wc_slots_free(base, len / sizeof(struct wc_ent));
}

uint64_t wc_freq_needle_count(const wc_freq *f, size_t id)
{
    if (id >= f->nneedles || f->needle_counts == NULL)
        return 0;
    return f->needle_counts[id];
}

static int wc_by_first(const void *a, const void *b)
{
    const struct wc_ent *x = a, *y = b;
    uint64_t fx = wc_ent_first(x), fy = wc_ent_first(y);
    return (fx > fy) - (fx < fy);
}

static int wc_by_count(const void *a, const void *b)
{
    const struct wc_ent *x = a, *y = b;
    uint64_t cx = wc_ent_count(x), cy = wc_ent_count(y);
    if (cx != cy)
        return cx < cy ? 1 : -1;
    uint64_t fx = wc_ent_first(x), fy = wc_ent_first(y);
    return (fx > fy) - (fx < fy);
}

/* The order of the entries e[0 .. n) by first occurrence (distinct in a
 * table) or, with by_count, by count (most common first) then first
 * occurrence: an LSD radix sort, 11 bits a pass (8 for fewer than
 * WC_RADIX_SMALL entries; an insertion sort for WC_SORT_FEW or fewer), of
 * 64-bit elements, each
 * an entry's sort key above its index (the low ib bits), only over the
 * digits that some key has.  The key is the first occurrence, by count
 * below the count's distance from the largest; where it does not fit an
 * element beside the index (texts of billions of units), it is sorted in
 * rounds of the bits that do, the lowest first, each round after the first
 * reading its keys from the entries in the order of the one before (stable,
 * as every pass).  Linear, where qsort's comparisons of 48-byte entries
 * were a sixth of the time of a frequencies() count of 100,000 distinct
 * words, and a third of a top=K count of a large code text (perf).  One
 * 8-byte element an entry, where pairs of key and index took 16: the sort
 * of 300,000 code words took 10.3-10.8 ms instead of 14.2-15.2, of 2.16M
 * random words 118-123 instead of 146-147 (core_freq).  With several
 * threads and enough words, each pass is split between the pool's threads
 * (wc_radix_pass) in parts (wc_sort_nparts).  The two arrays of n
 * elements that the passes go between are scratch[0] and scratch[1] when
 * given, else malloc'd.  Returns the sorted elements (in one of the two; when
 * malloc'd, the caller frees them), whose low *ib bits are the indices in
 * order, or NULL when out of memory or when a pass of the pool was lost in
 * a fork() child (the caller then sorts with qsort). */
#define WC_RADIX_BITS 11
#define WC_RADIX_SMALL 2048
#define WC_SORT_FEW 32
/* Sorts of at least this many elements (16 MiB an array) scatter through
 * lines (wc_radix_scatter_lines), whose stores pass the cache by.  Of
 * fewer, the two arrays stay in the cache from one pass to the next, which
 * the lines would write to memory: the sort of 654k words of code took
 * 9.6-11.5 ms through them against 9.1-10.6, of 1.1M random words 18.8-20.7
 * against 17.1-18.0, where 2.2M took 43-46 against 49-52 and 10.2M 213-246
 * against 357-384 (core_freq --arrays, alternated, a 2-vCPU Xeon whose L3
 * held about 32 MB).  Without SSE2 a line is a memcpy, measured nowhere:
 * tests only (wc_test_sort_stream). */
#ifdef __SSE2__
#define WC_RADIX_STREAM ((size_t)1 << 21)
#else
#define WC_RADIX_STREAM SIZE_MAX
#endif
static _Atomic size_t wc_sort_stream = WC_RADIX_STREAM; /* wc_test_sort_stream */
static _Atomic size_t wc_sort_streamed; /* wc_test_sort_streamed */
static _Atomic int wc_sort_split; /* wc_test_sort_split */
static _Atomic int wc_sort_moved; /* wc_test_sort_moved */
static _Atomic size_t wc_sort_lent; /* wc_test_sort_lent */
static _Atomic int wc_sort_nolend;  /* wc_test_sort_lend(0) */

size_t wc_test_pack_sized(void)
{
    return atomic_exchange(&wc_pack_sized, 0);
}

size_t wc_test_pack_summed(void)
{
    return atomic_exchange(&wc_pack_summed, 0);
}

size_t wc_test_pack_backs(void)
{
    return atomic_exchange(&wc_pack_backs, 0);
}

size_t wc_test_sort_parts(void)
{
    return atomic_exchange(&wc_sort_parts, 0);
}

void wc_test_sort_stream(size_t min)
{
    atomic_store(&wc_sort_stream, min != 0 ? min : WC_RADIX_STREAM);
}

size_t wc_test_sort_streamed(void)
{
    return atomic_exchange(&wc_sort_streamed, 0);
}

void wc_test_sort_split(int on)
{
    atomic_store(&wc_sort_split, on);
}

void wc_test_sort_moved(int on)
{
    atomic_store(&wc_sort_moved, on);
}

void wc_test_sort_lend(int on)
{
    atomic_store(&wc_sort_nolend, !on);
}

size_t wc_test_sort_lent(void)
{
    return atomic_exchange(&wc_sort_lent, 0);
}

/* A pass of the radix sort split between parts: part p histograms and then
 * scatters elements [n p / nparts, n (p + 1) / nparts) of a into b, at
 * offsets that put its elements of each digit after those of the parts
 * before (so the sort stays stable). */
struct wc_rjob {
    uint64_t *a, *b;
    size_t n, nparts;
    unsigned sh, bits; /* the digit: bits [sh, sh + bits) */
    size_t *cnt; /* nparts histograms of 1 << bits */
    /* NULL, or the scatter goes through lines (wc_radix_scatter_lines):
     * nparts sets of 1 << bits lines of 8 elements, and as many starts */
    uint64_t (*lines)[8];
    size_t *start;
};

static void wc_radix_count_task(void *ctx, size_t p)
{
    struct wc_rjob *j = ctx;
    const size_t mask = ((size_t)1 << j->bits) - 1;
    size_t *cnt = j->cnt + p * (mask + 1);
    memset(cnt, 0, (mask + 1) * sizeof *cnt);
    for (size_t i = j->n * p / j->nparts, e = j->n * (p + 1) / j->nparts;
         i < e; i++)
        cnt[(j->a[i] >> j->sh) & mask]++;
}

/* The 64-byte line of b at dst (64-byte aligned) written whole from line:
 * non-temporal stores, which do not read the line from memory first. */
WC_INLINE void wc_line_store(uint64_t *dst, const uint64_t *line)
{
#ifdef __SSE2__
    __m128i *q = (__m128i *)(void *)dst;
    const __m128i *r = (const __m128i *)(const void *)line;
    _mm_stream_si128(q, _mm_loadu_si128(r));
    _mm_stream_si128(q + 1, _mm_loadu_si128(r + 1));
    _mm_stream_si128(q + 2, _mm_loadu_si128(r + 2));
    _mm_stream_si128(q + 3, _mm_loadu_si128(r + 3));
#else
    memcpy(dst, line, 64);
#endif
}

/*
 * wc_radix_scatter_task's elements [lo, hi) through a line of 8 elements a
 * digit, kept in the cache: an element goes into its digit's line at its
 * place in the 64-byte line of b where it belongs, and a line of b is
 * written at once (wc_line_store) when its last element is in and its
 * first is this part's too; else (a digit's first line, shared with the
 * digit or part before) this part's elements of it one by one, and so the
 * lines left unfinished at the end.  A scatter into 2,048 places of an
 * array larger than the cache, one element at a time, reads every line of
 * b from memory before it writes it, a miss every 8 elements that the
 * store buffer waits on (perf: half the samples of the sort of 10.2M
 * random words on the instruction after the counter's load), and 8-byte
 * stores to 2,048 places are more than the store buffer and the line fill
 * buffers overlap.  The sort of those words took 213-246 ms this way
 * against 357-384 (WC_RADIX_STREAM; docs/benchmarks.md).
 */
static void wc_radix_scatter_lines(struct wc_rjob *j, size_t p, size_t lo,
                                   size_t hi, size_t *cnt)
{
    const size_t nd = (size_t)1 << j->bits, mask = nd - 1;
    uint64_t(*line)[8] = j->lines + p * nd;
    size_t *start = j->start + p * nd;
    memcpy(start, cnt, nd * sizeof *start);
    uint64_t *b = j->b;
    const uint64_t *a = j->a;
    const unsigned sh = j->sh;
    /* b[k] is element (k + off) % 8 of its line */
    const size_t off = ((uintptr_t)b / 8) & 7;
    for (size_t i = lo; i < hi; i++) {
        uint64_t x = a[i];
        size_t d = (x >> sh) & mask, k = cnt[d]++, s = (k + off) & 7;
        line[d][s] = x;
        if (s == 7) {
            if (k - start[d] >= 7)
                wc_line_store(b + k - 7, line[d]);
            else
                for (size_t q = start[d]; q <= k; q++)
                    b[q] = line[d][(q + off) & 7];
        }
    }
    for (size_t d = 0; d < nd; d++) {
        size_t end = cnt[d], s = (end + off) & 7;
        for (size_t q = end - start[d] < s ? start[d] : end - s; q < end; q++)
            b[q] = line[d][(q + off) & 7];
    }
#ifdef __SSE2__
    _mm_sfence(); /* the lines stored before the pass is done */
#endif
}

static void wc_radix_scatter_task(void *ctx, size_t p)
{
    struct wc_rjob *j = ctx;
    const size_t mask = ((size_t)1 << j->bits) - 1;
    size_t *cnt = j->cnt + p * (mask + 1);
    size_t lo = j->n * p / j->nparts, hi = j->n * (p + 1) / j->nparts;
    if (j->lines != NULL) {
        wc_radix_scatter_lines(j, p, lo, hi, cnt);
        return;
    }
    for (size_t i = lo; i < hi; i++)
        j->b[cnt[(j->a[i] >> j->sh) & mask]++] = j->a[i];
}

/* One pass, digit at sh, of a into b: by `threads` threads (the pool)
 * when there are several, else on this one.  0, or WC_EFORKED from the
 * pool (a part may not have run). */
static int wc_radix_pass(struct wc_rjob *j, int threads)
{
    const size_t mask = ((size_t)1 << j->bits) - 1;
    if (j->nparts > 1) {
        int rc = wc_pool_run(threads, wc_radix_count_task, j, j->nparts);
        if (rc != WC_OK)
            return rc;
    } else {
        wc_radix_count_task(j, 0);
    }
    size_t sum = 0;
    for (size_t d = 0; d <= mask; d++)
        for (size_t p = 0; p < j->nparts; p++) {
            size_t c = j->cnt[p * (mask + 1) + d];
            j->cnt[p * (mask + 1) + d] = sum;
            sum += c;
        }
    if (j->nparts > 1)
        return wc_pool_run(threads, wc_radix_scatter_task, j, j->nparts);
    wc_radix_scatter_task(j, 0);
    return WC_OK;
}

/* The elements a part sorts, at least: fewer than this and one thread
 * sorts them all (a pass costs two jobs of the pool). */
#define WC_RADIX_PART ((size_t)1 << 15)

/* The parts of a pass over n entries on `threads` threads. */
static size_t wc_sort_nparts(size_t n, int threads)
{
    size_t nparts = threads > 1 ? n / WC_RADIX_PART : 1;
    if (nparts > (size_t)threads)
        nparts = (size_t)threads;
    return nparts < 1 ? 1 : nparts;
}

/* The number of bits of x (0 for 0). */
static unsigned wc_bits(uint64_t x)
{
    return x != 0 ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

/* Bits [from, from + nb) of the key hi << fb | lo (lo below 2^fb; nb at
 * most 63). */
static uint64_t wc_key_bits(uint64_t hi, uint64_t lo, unsigned fb,
                            unsigned from, unsigned nb)
{
    uint64_t v = 0;
    if (from < fb)
        v = lo >> from;
    if (from + nb > fb) {
        uint64_t h = from > fb ? (from - fb < 64 ? hi >> (from - fb) : 0) : hi;
        unsigned at = from < fb ? fb - from : 0;
        v |= at < 64 ? h << at : 0;
    }
    return v & (((uint64_t)1 << nb) - 1);
}

static uint64_t *wc_radix_order(const struct wc_ent *e, size_t n, int by_count,
                                int threads, uint64_t *const scratch[2],
                                unsigned *ib, size_t *units)
{
    if (n < 2 || n > SIZE_MAX / 8)
        return NULL;
    /* The key: (cmax - count) << fb | first, of kb bits (by count), else
     * first (kb found in the first round); rounds of rb bits, rb + xb <=
     * 64. */
    uint64_t all = 0, cmax = 0;
    unsigned fb = 0, kb = 0, xb = wc_bits(n - 1), rb = 64 - xb;
    if (by_count) {
        for (size_t i = 0; i < n; i++) {
            all |= wc_ent_first(&e[i]);
            if (wc_ent_count(&e[i]) > cmax)
                cmax = wc_ent_count(&e[i]);
        }
        fb = wc_bits(all);
        kb = fb + wc_bits(cmax);
    }
    if (atomic_load_explicit(&wc_sort_split, memory_order_relaxed))
        rb = WC_RADIX_BITS;
    size_t nparts = wc_sort_nparts(n, threads);
    /* Digits of 8 bits for fewer words, where clearing and summing 2,048
     * counters a pass cost more than the passes that 11 bits save: a
     * frequencies() of 300 distinct words spent 14% of its 26 us here. */
    unsigned bits = n < WC_RADIX_SMALL ? 8 : WC_RADIX_BITS;
    uint64_t *a = scratch != NULL ? scratch[0] : wc_malloc(n * 8);
    uint64_t *b = scratch != NULL ? scratch[1] : wc_malloc(n * 8);
    /* The histograms, then (through lines) as many starts.  Not for the
     * few words that an insertion sort may take instead. */
    int lines = n > WC_SORT_FEW &&
                n >= atomic_load_explicit(&wc_sort_stream, memory_order_relaxed);
    size_t nd = nparts * ((size_t)1 << bits);
    size_t *cnt = wc_malloc((lines ? 2 : 1) * nd * sizeof *cnt);
    uint64_t(*line)[8] = lines ? wc_aligned_alloc(64, nd * 64) : NULL;
    int ok = a != NULL && b != NULL && cnt != NULL;
    if (line != NULL) /* else (no memory for them) element by element */
        atomic_fetch_add_explicit(&wc_sort_streamed, 1, memory_order_relaxed);
    if (ok && nparts > atomic_load_explicit(&wc_sort_parts, memory_order_relaxed))
        atomic_store_explicit(&wc_sort_parts, nparts, memory_order_relaxed);
    const uint64_t imask = ((uint64_t)1 << xb) - 1;
    size_t len = 0;
    for (unsigned from = 0; ok && (from == 0 || from < kb); from += rb) {
        uint64_t firsts = 0;
        all = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = i;
            if (from > 0) { /* the order of the round before */
                k = (size_t)(a[i] & imask);
                if (i + 16 < n) /* reads at random places, fetched ahead */
                    __builtin_prefetch(&e[a[i + 16] & imask]);
            } else { /* in the order of memory: the keys' lengths too */
                len += wc_ent_len_nb(&e[i]);
            }
            uint64_t key;
            if (by_count) {
                key = wc_key_bits(cmax - wc_ent_count(&e[k]),
                                  wc_ent_first(&e[k]), fb, from, rb);
            } else {
                key = (wc_ent_first(&e[k]) >> from) & (((uint64_t)1 << rb) - 1);
                firsts |= wc_ent_first(&e[k]);
            }
            a[i] = key << xb | k;
            all |= key;
        }
        if (!by_count && from == 0)
            kb = wc_bits(firsts);
        if (n <= WC_SORT_FEW && from == 0 && kb <= rb) {
            /* A few words, the whole key in this round: an insertion sort
             * of the elements (distinct: each holds its index), where a
             * pass clears and sums 256 counters (a third of the sort and
             * count of a line of 20 words). */
            for (size_t i = 1; i < n; i++) {
                uint64_t x = a[i];
                size_t k = i;
                for (; k > 0 && a[k - 1] > x; k--)
                    a[k] = a[k - 1];
                a[k] = x;
            }
            break;
        }
        for (unsigned sh = xb; sh < 64 && (all >> (sh - xb)) != 0;
             sh += bits) {
            struct wc_rjob j = {a, b, n, nparts, sh, bits, cnt, line,
                                line != NULL ? cnt + nd : NULL};
            if (wc_radix_pass(&j, threads) != WC_OK) {
                ok = 0; /* the caller sorts with qsort */
                break;
            }
            uint64_t *t = a;
            a = b;
            b = t;
        }
    }
    if (scratch == NULL) {
        free(b);
        if (!ok)
            free(a);
    }
    free(cnt);
    free(line);
    *ib = xb;
    *units = len;
    return ok ? a : NULL;
}

void wc_freq_release(wc_freq *f, size_t i)
{
    if (!f->sorted || f->order != NULL)
        return;
    if (i > f->tab.n)
        i = f->tab.n;
    if (i > f->released) {
        /* From where the last call stopped, not from word 0: a read-out
         * that releases every 4,096 words made madvise() walk the whole
         * range again each time, quadratic (for 10.2M words, 0.76 s in
         * madvise under strace -c, 0.10 s now).  wc_tab_release_slots
         * gives back whole pages only, so the range starts one page (of up
         * to 64 KiB) before, where the last call left the page that held
         * word `released` unreleased. */
        size_t back = ((size_t)64 << 10) / sizeof(struct wc_ent) + 1;
        size_t a = f->released > back ? f->released - back : 0;
        wc_tab_release_slots(&f->tab, a, i);
        f->released = i;
    }
}

/* A long key kept as UTF-8 whose code points are all Latin-1 is narrowed
 * in place (each character takes 1 byte, where its UTF-8 took 1 or 2, so
 * unit m is written after byte m on is read) and the whole pages past its
 * Latin-1 go back to the OS: the reader's copy of it (a str of 1 byte a
 * character) is then held beside its final size, not beside its UTF-8 too.
 * A 64 MiB word of Latin-1 letters read into a Counter peaked at 3.0x its
 * str, 2.0x so (test_core_tables.py).  Only a key with a byte of 0x80 or
 * above (wc_key_narrow_latin1), which no text holds as its own bytes when
 * keys are UTF-8 (narrow_due: a str's words, encoded or folded), so a copy
 * of the count's own, in an arena block of its own (a key of more than
 * WC_ARENA_BLOCK bytes); an ASCII key is its own Latin-1 already (and may
 * be the text's own bytes). */
int wc_freq_take_latin1(wc_freq *f, size_t i, const void **key, size_t *len,
                        uint64_t *count)
{
    if (!f->sorted || f->order != NULL || !f->narrow_due || f->narrow ||
        i < f->released || i >= f->tab.n)
        return 0;
    const struct wc_ent *e = wc_freq_ent(f, i);
    const void *k;
    size_t n;
    int w;
    uint64_t c;
    wc_freq_ent_get(f, e, &k, &n, &w, &c);
    _Static_assert(WC_FREQ_LONG_KEY >= WC_ARENA_BLOCK,
                   "a long key has an arena block of its own");
    size_t units;
    uint8_t *p = (uint8_t *)(uintptr_t)k; /* a copy: ours to change */
    if (w != 1 || n <= WC_FREQ_LONG_KEY || !wc_key_narrow_latin1(p, n, &units))
        return 0;
    wc_release_pages(p + units, n - units);
    /* Word i is read no more: released, with the words before it. */
    wc_freq_release(f, i);
    f->released = i + 1;
    *key = p;
    *len = units;
    *count = c;
    return 1;
}

/* The gather of the entries into their order: part p writes entries
 * [n p / nparts, n (p + 1) / nparts) of the fresh array. */
struct wc_gjob {
    struct wc_ent *to;
    const struct wc_ent *from;
    const uint64_t *order; /* the index of entry i in its low bits */
    uint64_t imask;
    size_t n, nparts;
};

static void wc_gather_task(void *ctx, size_t p)
{
    const struct wc_gjob *j = ctx;
    size_t e = j->n * (p + 1) / j->nparts;
    for (size_t i = j->n * p / j->nparts; i < e; i++) {
        if (i + 16 < e) /* reads at random places, fetched ahead */
            wc_ent_prefetch(&j->from[j->order[i + 16] & j->imask]);
        j->to[i] = j->from[j->order[i] & j->imask];
    }
}

/* Move t's n entries into the order `order` (entry i becomes the one at
 * index order[i] & imask): a gather, by the pool's threads as the sort's
 * passes are.  A mapped slot array is replaced by a fresh one, whose pages
 * past the n entries are never written (so never take memory); a smaller
 * one gets its entries back from a scratch copy of n (a fresh array of
 * every slot, zeroed, cost a count of 2 KB of text 5%).  Moves in place
 * along the permutation's cycles would need no copy, but are a chain of
 * dependent cache misses (slower than the sort).  WC_ENOMEM, and t as it
 * was, when the memory cannot be had. */
static int wc_tab_gather(struct wc_tab *t, const uint64_t *order,
                         uint64_t imask, int threads)
{
    size_t nslots = t->mask + 1;
    int mapped = wc_slots_mapped(nslots);
    struct wc_gjob j = {mapped ? wc_slots_alloc(nslots, 0)
                               : wc_malloc(t->n * sizeof *t->ents),
                        t->ents, order, imask, t->n,
                        wc_sort_nparts(t->n, threads)};
    if (j.to == NULL)
        return WC_ENOMEM;
    /* A part lost in a fork() child (WC_EFORKED): all again, here. */
    if (j.nparts == 1 || wc_pool_run(threads, wc_gather_task, &j, j.nparts) != WC_OK) {
        j.nparts = 1;
        wc_gather_task(&j, 0);
    }
    if (mapped) {
        wc_slots_free(t->ents, nslots);
        t->ents = j.to;
    } else {
        memcpy(t->ents, j.to, t->n * sizeof *t->ents);
        free(j.to);
    }
    return WC_OK;
}

/* The keys of a str's count take their widths (narrow_due), once the
 * entries are in their order: the long keys are then read about in the
 * order in which they were copied (the words'), where before the sort they
 * were read in the order of their hashes, a cache miss each.  The
 * narrowing of the 305k words of a 4-byte code text took 9.4-9.6 ms at the
 * end of the count (2.5 of it packing the table, which the sort does now),
 * 4.0 here, reading each key once (core_freq).  Out of memory: WC_ENOMEM,
 * the keys as they were, and the next sort narrows them.  Not at all after
 * wc_freq_keep_utf8: a reader that decodes each key as it reads it
 * (the extension's Counter) saves this pass over every key, which a
 * read-out of the top K words made too. */
static int wc_freq_narrow(wc_freq *f)
{
    if (!f->narrow_due || f->keep_utf8)
        return WC_OK;
    int rc = wc_tab_narrow_keys(&f->tab);
    if (rc == WC_OK) {
        f->narrow = 1;
        f->narrow_due = 0;
    }
    return rc;
}

/* The entries are moved into their order (wc_tab_gather), so that the
 * caller reads them in the order of memory and can give back what it has
 * read (wc_freq_release): a read-out into a Python Counter of 10 million
 * words holds them no longer than it needs them.  Or, for_pack, the order
 * is kept as it is (f->order) and the entries stay: the pack reads each
 * word once, and through the index it reads them at random places, but the
 * gather reads them so too, and writes a copy of every entry into fresh
 * memory besides (which the kernel zeroes first; both held at once).  And
 * only an index leaves the table's empty slots for the pack's offsets and
 * counts (wc_freq_lend_arrays), which are fresh memory too otherwise.
 * frequencies_arrays, best of 7, three processes each, alternated with the
 * build that moved tables of less than 64 MiB of entries: the UCS-4 str of
 * 50 MB of code (654k words) 123-129 ms against 152-158, its bytes 109-112
 * against 119-123, english's UCS-2 str 104-108 against 111-112, prose's
 * 89-91 against 97-106, Zipf's bytes 63.5-64.7 against 63.9-67.8; 2 KB
 * of english 9.2-9.6 us against 9.9-10.0.  (The 10.2M random words, 410 MB
 * of entries, went through an index before: 1,304-1,357 ms against
 * 1,382-1,444 moved, peak RSS 812 MB against 967.)  Without the memory for
 * the gather, or for the radix sort, qsort sorts in place.  Keys counted
 * as UTF-8 are narrowed (wc_freq_narrow), unless for_pack: the pack writes
 * them as they are, where it encoded the narrowed keys as UTF-8 again
 * (frequencies_arrays, best of 7, of the UCS-4 str of 50 MB of code: 165-168
 * ms narrowed, 148-151 not; of english, a UCS-2 str, 113-116 and
 * 110-111). */
static int wc_freq_sort_as(wc_freq *f, int by_count, int for_pack)
{
    if (f->released != 0)
        return WC_EINVAL;
    wc_freq_drop_order(f); /* a sort before: the entries have not moved */
    struct wc_tab *t = &f->tab;
    /* The sort's two arrays of 8 bytes a word go in the table's empty
     * slots when they have room (the table 11/16 full or less: one counted
     * into grows at 10/16, or 12/16 near its end, and a merged one fills to
     * 12/16).  A mapped table's pages are written already, where malloc'd
     * arrays that large are fresh memory, which the kernel zeroes first.
     * 10.2M random words (164 MB of arrays): the sort took 159-162 ms
     * instead of 252-259 (core_freq --arrays, best of 3, alternated), and
     * frequencies_arrays of the bytes 1,241-1,269 ms instead of
     * 1,338-1,362 (best of 4, three processes each), peak RSS the same. */
    size_t n = t->n, nslots = t->mask + 1;
    int index = for_pack && n > 1 &&
                !atomic_load_explicit(&wc_sort_moved, memory_order_relaxed);
    /* Kept for an index of a mapped table, when there is room: two
     * regions of whole pages for the sort's two arrays, so that the one the
     * order is not in becomes the pack's offsets and the order its counts
     * (wc_freq_lend_arrays: each word's count is written over its place in
     * the order once it is read), in pages written already.  (A third
     * region for the counts needed the table 9/16 full or less once its
     * entries took 32 bytes: the pack of code's 654k words, 10/16 full,
     * got fresh arrays, and frequencies_arrays of its str took 141-144 ms
     * instead of 131-136.) */
    long page = 0;
    size_t region = 0, room = (nslots - n) * sizeof *t->ents;
    if (index && wc_slots_mapped(nslots) && n < SIZE_MAX / 32 &&
        (page = sysconf(_SC_PAGESIZE)) > 0) {
        size_t pg = (size_t)page;
        region = ((n + 1) * 8 + pg - 1) / pg * pg;
        if (room < pg || region > (room - pg) / 2)
            region = 0;
    }
    uint64_t *scratch[2] = {NULL, NULL};
    if (n > 1 && n <= SIZE_MAX / 16 &&
        !atomic_load_explicit(&wc_sort_nolend, memory_order_relaxed)) {
        uint8_t *m = wc_tab_pack_keep(t, region > 0 ? 2 * region + (size_t)page
                                                    : n * 16);
        if (m != NULL && region > 0) {
            uintptr_t at = ((uintptr_t)m + (uintptr_t)page - 1) &
                           ~((uintptr_t)page - 1);
            m += at - (uintptr_t)m;
            scratch[0] = (uint64_t *)(void *)m;
            scratch[1] = (uint64_t *)(void *)(m + region);
        } else if (m != NULL) {
            scratch[0] = (uint64_t *)(void *)m;
            scratch[1] = scratch[0] + n;
        }
    } else {
        wc_tab_pack(t);
    }
    if (scratch[0] != NULL)
        atomic_fetch_add_explicit(&wc_sort_lent, 1, memory_order_relaxed);
    f->counted = f->sorted = 1;
    int threads = wc_freq_threads(f);
    if (n > 1) {
        unsigned ib = 0;
        size_t units = 0;
        uint64_t *order = wc_radix_order(t->ents, n, by_count != 0, threads,
                                         scratch[0] != NULL ? scratch : NULL,
                                         &ib, &units);
        uint64_t imask = ((uint64_t)1 << ib) - 1;
        uint64_t *other = order == scratch[0] ? scratch[1] : scratch[0];
        if (order != NULL && index) {
            f->order = order;
            f->order_mask = imask;
            f->order_owned = scratch[0] == NULL;
            f->order_units = units;
            f->order_sized = 1;
            if (region > 0 && scratch[0] != NULL) {
                f->lend[0] = (uint8_t *)other;
                f->lend[1] = (uint8_t *)order;
                f->lend_bytes = region;
                return WC_OK;
            }
        }
        if (order != NULL && scratch[0] != NULL) {
            /* The other array's whole pages go back now, as it would be
             * freed, before a gather takes as much again. */
            size_t from = (size_t)((const uint8_t *)other -
                                   (const uint8_t *)t->ents);
            wc_tab_release_slots(t, (from + sizeof *t->ents - 1) / sizeof *t->ents,
                                 (from + n * 8) / sizeof *t->ents);
        }
        if (order != NULL && index)
            return WC_OK;
        /* A gather of a mapped table frees the slots that held order. */
        if (order == NULL || wc_tab_gather(t, order, imask, threads) != WC_OK)
            qsort(t->ents, n, sizeof *t->ents,
                  by_count ? wc_by_count : wc_by_first);
        if (scratch[0] == NULL)
            free(order);
    }
    return for_pack ? WC_OK : wc_freq_narrow(f);
}

void wc_freq_keep_utf8(wc_freq *f)
{
    f->keep_utf8 = 1;
}

int wc_freq_keys_utf8(const wc_freq *f)
{
    return f->narrow_due;
}

int wc_freq_sort(wc_freq *f, int by_count)
{
    return wc_freq_sort_as(f, by_count, 0);
}

int wc_freq_sort_for_pack(wc_freq *f, int by_count)
{
    return wc_freq_sort_as(f, by_count, 1);
}

/* Whether x comes before y in the order of wc_freq_sort(f, 1). */
WC_INLINE int wc_ent_before(const struct wc_ent *x, const struct wc_ent *y)
{
    uint64_t cx = wc_ent_count(x), cy = wc_ent_count(y);
    return cx != cy ? cx > cy : wc_ent_first(x) < wc_ent_first(y);
}

/* Restore the heap h[0 .. k) (its root the entry that comes last) below
 * slot i. */
static void wc_heap_down(const struct wc_ent *e, size_t *h, size_t k, size_t i)
{
    size_t v = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= k)
            break;
        if (c + 1 < k && wc_ent_before(&e[h[c]], &e[h[c + 1]]))
            c++;
        if (!wc_ent_before(&e[v], &e[h[c]]))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

static int wc_cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/*
 * The k most common of the dense entries e[0 .. n) to e[0 .. k), in order
 * (k < n): one pass with a heap of the k best so far, whose root, the last
 * of them, is the only entry most others are compared with; then the heap
 * is sorted, the k entries copied out, the entries they displace from the
 * front moved into the places they leave, and the k put in front.  O(n +
 * k log k log n) time for counts in random order, O(k) memory.  Returns 0
 * with e untouched when out of memory.
 */
static int wc_select_top(struct wc_ent *e, size_t n, size_t k)
{
    size_t *h = wc_malloc(k * sizeof *h);
    struct wc_ent *best = wc_malloc(k * sizeof *best);
    if (h == NULL || best == NULL) {
        free(h);
        free(best);
        return 0;
    }
    for (size_t i = 0; i < k; i++)
        h[i] = i;
    for (size_t i = k / 2; i-- > 0;)
        wc_heap_down(e, h, k, i);
    for (size_t i = k; i < n; i++) {
        if (wc_ent_before(&e[i], &e[h[0]])) {
            h[0] = i;
            wc_heap_down(e, h, k, 0);
        }
    }
    /* Heap sort: the last of the heap goes to the end, each in turn. */
    for (size_t m = k; m > 1; m--) {
        size_t last = h[0];
        h[0] = h[m - 1];
        wc_heap_down(e, h, m - 1, 0);
        h[m - 1] = last;
    }
    for (size_t i = 0; i < k; i++)
        best[i] = e[h[i]];
    /* The places of the k, in increasing order: those at k or after are
     * holes for the entries of e[0 .. k) that are not among the k. */
    qsort(h, k, sizeof *h, wc_cmp_size);
    size_t s = 0, hole = 0;
    while (hole < k && h[hole] < k)
        hole++;
    for (size_t i = 0; i < k; i++) {
        if (s < k && h[s] == i)
            s++; /* one of the k: overwritten below */
        else
            e[h[hole++]] = e[i];
    }
    memcpy(e, best, k * sizeof *e);
    free(h);
    free(best);
    return 1;
}

int wc_freq_sort_top(wc_freq *f, size_t k)
{
    if (f->released != 0)
        return WC_EINVAL;
    wc_freq_drop_order(f); /* wc_freq_sort_for_pack before: the entries
                            * are here */
    wc_tab_pack(&f->tab);
    f->counted = f->sorted = 1;
    size_t n = f->tab.n;
    if (k == 0 || n <= 1)
        return wc_freq_narrow(f);
    /* A selection of half the words or more costs what the full sort
     * does, and the full sort needs no copy of the k. */
    if (k >= n / 2)
        return wc_freq_sort(f, 1);
    if (!wc_select_top(f->tab.ents, n, k))
        return wc_freq_sort(f, 1);
    return wc_freq_narrow(f);
}

/* Bring a needle to the table's key form in a malloc'd buffer (*out; NULL
 * with WC_OK when no word can equal it). */
static int wc_needle_key(const wc_freq *f, const void *nd, size_t m, int nw,
                         void **out, size_t *klen, size_t *err)
{
    *out = NULL;
    if (!f->x.fold) {
        /* A needle of a text that is decoded must be valid UTF-8 as the
         * text must: the same error, not a needle that silently counts 0. */
        if (f->x.utf8 && nw == 1 && f->x.words == WC_WORDS_UNICODE) {
            const uint8_t *p = nd;
            for (size_t i = 0; i < m;) {
                uint32_t c;
                int l = wc_utf8_decode(p + i, m - i, &c);
                if (l == 0 && f->x.replace)
                    return WC_OK; /* U+FFFD is no word character */
                if (l == 0) {
                    *err = i;
                    return WC_EUTF8;
                }
                i += (size_t)l;
            }
        }
        uint32_t max = f->kw == 1 ? 0xFF : f->kw == 2 ? 0xFFFF : 0xFFFFFFFF;
        void *k = wc_malloc(m * (size_t)f->kw + 1);
        if (k == NULL)
            return WC_ENOMEM;
        for (size_t i = 0; i < m; i++) {
            uint32_t c = WC_UNIT(nd, nw, i);
            if (c > max) {
                free(k);
                return WC_OK;
            }
            if (f->kw == 1)
                ((uint8_t *)k)[i] = (uint8_t)c;
            else if (f->kw == 2)
                ((uint16_t *)k)[i] = (uint16_t)c;
            else
                ((uint32_t *)k)[i] = c;
        }
        *out = k;
        *klen = m;
        return WC_OK;
    }
    /* Fold as a space-mode word: the needle is one word. */
    struct wc_wtext nx = f->x;
    nx.text = nd;
    nx.len = m;
    nx.width = nw;
    nx.utf8 = f->x.utf8 && nw == 1;
    struct wc_scratch sc = {NULL, 0};
    int rc;
    switch (nw) {
    case 1: rc = wc_fold_word(&nx, 1, 0, m, &sc, klen, err); break;
    case 2: rc = wc_fold_word(&nx, 2, 0, m, &sc, klen, err); break;
    default: rc = wc_fold_word(&nx, 4, 0, m, &sc, klen, err); break;
    }
    if (rc != WC_OK) {
        free(sc.buf);
        return rc;
    }
    if (sc.buf == NULL && (sc.buf = wc_malloc(1)) == NULL)
        return WC_ENOMEM;
    *out = sc.buf;
    return WC_OK;
}

static int wc_freq_add_needle_to(wc_freq *f, const void *needle, size_t nlen,
                                 int nwidth, size_t *id, size_t *err_offset)
{
    *id = WC_NO_ID;
    /* Not after a count of the needles either: their counts (needle_counts,
     * sized then) have no room for more, and the count added past its end
     * (ASan: a heap-buffer-overflow in wc_freq_run). */
    if ((nwidth != 1 && nwidth != 2 && nwidth != 4) || f->counted ||
        f->needle_counts != NULL || (nlen > 0 && needle == NULL) ||
        (f->nneedles == 0 && f->tab.n != 0))
        return WC_EINVAL;
    if (nlen > SIZE_MAX / 12 / 4)
        return WC_ENOMEM;
    void *key;
    size_t klen = 0, err = 0;
    int rc = wc_needle_key(f, needle, nlen, nwidth, &key, &klen, &err);
    if (rc != WC_OK) {
        if (rc == WC_EUTF8 && err_offset != NULL)
            *err_offset = err;
        return rc;
    }
    if (key == NULL)
        return WC_OK;
    uint64_t h = wc_key_hash(key, klen * (size_t)f->kw);
    size_t slot = 0;
    struct wc_ent *e = wc_tab_find(&f->tab, key, klen, h, &slot);
    if (e == NULL) {
        e = wc_tab_insert(&f->tab, slot, key, klen, h, f->nneedles, 1);
        if (e != NULL)
            f->nneedles++;
    }
    if (e != NULL && klen * (size_t)f->kw > f->needle_bytes)
        f->needle_bytes = klen * (size_t)f->kw;
    free(key);
    if (e == NULL)
        return WC_ENOMEM;
    *id = (size_t)wc_ent_first(e);
    return WC_OK;
}

int wc_freq_add_needle(wc_freq *f, const void *needle, size_t nlen, int nwidth,
                       size_t *id, size_t *err_offset)
{
    int rc = wc_freq_add_needle_to(f, needle, nlen, nwidth, id, err_offset);
    /* The needles for the unicode kernels, made again whatever happened
     * (an insert may have moved the keys they point to, even one that
     * failed), and here rather than for each span or window of a count:
     * it reads the needles through (a needle as long as a file, read for
     * each of its windows, would cost the file's size times their
     * number). */
    if (!f->counted)
        wc_uneedle_init(&f->un, &f->x, &f->tab);
    return rc;
}

uint64_t wc_freq_first_end(const wc_freq *f)
{
    if (f->first_end_n == f->tab.n)
        return f->first_end;
    uint64_t end = 0;
    for (size_t i = 0; i <= f->tab.mask; i++) {
        const struct wc_ent *e = &f->tab.ents[i];
        if (wc_ent_used(e) && wc_ent_first(e) >= end)
            end = wc_ent_first(e) + 1;
    }
    return end;
}

int wc_freq_merge_into(wc_freq *dst, wc_freq *src)
{
    /* The same key form: the same cut and width, keys not narrowed. */
    if (dst == NULL || src == NULL || dst == src || dst->tab.packed ||
        src->released != 0 ||
        dst->nneedles != 0 || src->nneedles != 0 || dst->narrow ||
        src->narrow || dst->narrow_due || src->narrow_due ||
        dst->kw != src->kw || dst->x.width != src->x.width ||
        dst->x.words != src->x.words || dst->x.fold != src->x.fold ||
        dst->x.utf8 != src->x.utf8 || dst->x.replace != src->x.replace)
        return WC_EINVAL;
    int rc = wc_freq_sort(src, 0);
    if (rc != WC_OK)
        return rc;
    /* No first occurrence left for src's words: WC_EOVERFLOW from the
     * merge, dst untouched. */
    uint64_t base = wc_freq_first_end(dst);
    rc = wc_tab_merge_ordered(&dst->tab, &src->tab, base);
    if (rc == WC_OK) {
        dst->first_end = base + src->tab.n;
        dst->first_end_n = dst->tab.n;
    }
    return rc;
}
