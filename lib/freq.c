/*
 * freq.c - word frequencies and many needles in one pass: a parallel map
 * (each thread fills its own hash table) and reduce (the tables are merged).
 *
 * The text is cut into spans at places where a word cannot continue
 * (wc_word_edge), so every word lies in one span.  The pool runs one task a
 * thread; each task claims spans in text order (the claim finds where the
 * span ends) and counts them into a table of its own, so there are never
 * more tables than threads.  Spans are about 1 MiB: between two of them a
 * task looks at the job's stop flag, and the calling thread calls the
 * caller's progress callback (wc_freq_set_progress), so a count can be
 * cancelled promptly without a check in the enumerators' loops, and the
 * words never depend on where it can be.
 *
 * The hash table: open addressing with linear probing, the entries in the
 * slots themselves (one cache miss a look-up; a design with 8-byte slots
 * pointing at dense entries took two and was about 1.5x slower on the 100 MB
 * Zipf corpus).  Short keys live in the entry; a longer key is a pointer into the text when the
 * word is not transformed, else a copy in the table's arena, so memory is
 * proportional to the distinct words.  An entry remembers where its word
 * first occurs (unit position * 4 + sub, see wc_words.h), for a tie order
 * that does not depend on the spans or threads.
 */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "wc_words.h"
#include "wc_freqio.h"

/* ---- the hash of a key ------------------------------------------------- */

WC_INLINE uint64_t wc_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

WC_INLINE uint32_t wc_load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

WC_INLINE uint64_t wc_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb96c1e1cb5ull;
    h ^= h >> 29;
    return h;
}

/* A multiply-xorshift hash, 8 bytes a step; short tails are read with at
 * most two overlapping loads, never past the key. */
WC_INLINE uint64_t wc_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull);
    while (n > 8) {
        h = (h ^ wc_load64(p)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t v;
    if (n >= 4)
        v = ((uint64_t)wc_load32(p) << 32) | wc_load32(p + n - 4);
    else if (n > 0)
        v = ((uint64_t)p[0] << 16) | ((uint64_t)p[n / 2] << 8) | p[n - 1];
    else
        v = 0;
    h = (h ^ v) * 0x94d049bb133111ebull;
    return wc_mix(h);
}

/* ---- an arena for copied keys ------------------------------------------ */

struct wc_ablock {
    struct wc_ablock *next;
    size_t used, size;
    uint64_t data[]; /* aligned for UTF-32 keys */
};

struct wc_arena {
    struct wc_ablock *head;
};

#define WC_ARENA_BLOCK ((size_t)64 * 1024)

static void *wc_arena_copy(struct wc_arena *a, const void *src, size_t bytes)
{
    size_t need = (bytes + 7) & ~(size_t)7;
    if (need < bytes)
        return NULL;
    struct wc_ablock *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t size = need > WC_ARENA_BLOCK ? need : WC_ARENA_BLOCK;
        if (size > SIZE_MAX - sizeof *b)
            return NULL;
        b = malloc(sizeof *b + size);
        if (b == NULL)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    if (bytes > 0)
        memcpy(p, src, bytes);
    return p;
}

/* Give every block of `from` to `to`. */
static void wc_arena_adopt(struct wc_arena *to, struct wc_arena *from)
{
    struct wc_ablock *b = from->head;
    if (b == NULL)
        return;
    while (b->next != NULL)
        b = b->next;
    b->next = to->head;
    to->head = from->head;
    from->head = NULL;
}

static void wc_arena_free(struct wc_arena *a)
{
    for (struct wc_ablock *b = a->head, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

/* ---- the table ----------------------------------------------------------- */

/* Keys of at most WC_INLINE_KEY bytes are kept in the entry: a look-up then
 * never follows a pointer into the text, which for the rarer words of a
 * large text is a cache miss to DRAM (that halved the time of frequencies()
 * on the 100 MB Zipf corpus of benchmarks/bench_freq.py). */
#define WC_INLINE_KEY 16

struct wc_ent {
    uint64_t hash;
    uint64_t count;
    uint64_t first; /* pos * 4 + sub of the first occurrence */
    size_t len;     /* in key units */
    union {
        const void *ptr;
        uint8_t bytes[WC_INLINE_KEY];
    } key;
};

WC_INLINE const void *wc_ent_key(const struct wc_ent *e, int kw)
{
    return e->len * (size_t)kw <= WC_INLINE_KEY ? (const void *)e->key.bytes
                                                : e->key.ptr;
}

/* Equal keys of n bytes (n <= WC_INLINE_KEY: fixed-size loads). */
WC_INLINE int wc_key_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n > WC_INLINE_KEY)
        return memcmp(a, b, n) == 0;
    if (n >= 8)
        return wc_load64(a) == wc_load64(b) &&
               wc_load64(a + n - 8) == wc_load64(b + n - 8);
    if (n >= 4)
        return wc_load32(a) == wc_load32(b) &&
               wc_load32(a + n - 4) == wc_load32(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

struct wc_tab {
    struct wc_ent *ents; /* mask + 1 slots; hash 0: empty.  After wc_tab_pack
                          * the n entries are dense at the front instead. */
    size_t mask;
    size_t n;
    int kw;              /* bytes per key unit */
    int packed;
    struct wc_arena arena;
};

/* Slot arrays of at least this many bytes are mapped with transparent huge
 * pages asked for: look-ups in a table of 100,000+ words land on random
 * pages, and with 4 KiB pages nearly every one (and its prefetch) was a TLB
 * miss too (perf showed the prefetch stalling on page walks); the kernel
 * zeroes the pages, as calloc would. */
#define WC_HUGE_SLOTS ((size_t)2 << 20)

static struct wc_ent *wc_slots_alloc(size_t nslots)
{
    size_t bytes = nslots * sizeof(struct wc_ent);
#ifdef MADV_HUGEPAGE
    if (bytes >= WC_HUGE_SLOTS) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: may be refused */
        return p;
    }
#endif
    return calloc(nslots, sizeof(struct wc_ent));
}

static void wc_slots_free(struct wc_ent *s, size_t nslots)
{
    if (s == NULL)
        return;
#ifdef MADV_HUGEPAGE
    if (nslots * sizeof(struct wc_ent) >= WC_HUGE_SLOTS) {
        munmap(s, nslots * sizeof(struct wc_ent));
        return;
    }
#endif
    free(s);
}

#define WC_TAB_MIN 1024
/* Grow beyond this load (in 1/16): linear probing stays short. */
#define WC_TAB_LOAD 10

static int wc_tab_init(struct wc_tab *t, int kw)
{
    memset(t, 0, sizeof *t);
    t->kw = kw;
    t->ents = wc_slots_alloc(WC_TAB_MIN);
    if (t->ents == NULL)
        return WC_ENOMEM;
    t->mask = WC_TAB_MIN - 1;
    return WC_OK;
}

static void wc_tab_free(struct wc_tab *t)
{
    wc_slots_free(t->ents, t->mask + 1);
    wc_arena_free(&t->arena);
    t->ents = NULL;
    t->n = 0;
}

static int wc_tab_grow(struct wc_tab *t)
{
    size_t nslots = (t->mask + 1) * 2;
    if (nslots > SIZE_MAX / sizeof(struct wc_ent))
        return WC_ENOMEM;
    struct wc_ent *s = wc_slots_alloc(nslots);
    if (s == NULL)
        return WC_ENOMEM;
    size_t mask = nslots - 1;
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->ents[i].hash == 0)
            continue;
        size_t j = t->ents[i].hash & mask;
        while (s[j].hash != 0)
            j = (j + 1) & mask;
        s[j] = t->ents[i];
    }
    wc_slots_free(t->ents, t->mask + 1);
    t->ents = s;
    t->mask = mask;
    return WC_OK;
}

/* The entry of (key, len, h), or NULL with *slot where it would go.  h is
 * never 0 (wc_key_hash). */
WC_INLINE struct wc_ent *wc_tab_find(const struct wc_tab *t, const void *key,
                                     size_t len, uint64_t h, size_t *slot)
{
    size_t j = h & t->mask;
    size_t bytes = len * (size_t)t->kw;
    for (;;) {
        struct wc_ent *e = &t->ents[j];
        if (e->hash == 0) {
            *slot = j;
            return NULL;
        }
        if (e->hash == h && e->len == len &&
            wc_key_eq(wc_ent_key(e, t->kw), key, bytes))
            return e;
        j = (j + 1) & t->mask;
    }
}

WC_INLINE uint64_t wc_key_hash(const void *key, size_t bytes)
{
    return wc_hash(key, bytes) | 1;
}

/* Insert a key known to be absent (slot from wc_tab_find); copy it into the
 * arena when `copy` (keys that fit the entry are always copied there).
 * Returns the entry, or NULL when out of memory. */
static struct wc_ent *wc_tab_insert(struct wc_tab *t, size_t slot,
                                    const void *key, size_t len, uint64_t h,
                                    uint64_t first, int copy)
{
    if ((t->n + 1) * 16 > (t->mask + 1) * WC_TAB_LOAD) {
        if (wc_tab_grow(t) != WC_OK)
            return NULL;
        wc_tab_find(t, key, len, h, &slot);
    }
    size_t bytes = len * (size_t)t->kw;
    struct wc_ent *e = &t->ents[slot];
    if (bytes <= WC_INLINE_KEY) {
        memcpy(e->key.bytes, key, bytes);
    } else if (copy) {
        e->key.ptr = wc_arena_copy(&t->arena, key, bytes);
        if (e->key.ptr == NULL)
            return NULL;
    } else {
        e->key.ptr = key;
    }
    e->hash = h;
    e->count = 0;
    e->first = first;
    e->len = len;
    t->n++;
    return e;
}

/* Move the entries to the front, densely (no more look-ups after). */
static void wc_tab_pack(struct wc_tab *t)
{
    if (t->packed)
        return;
    size_t w = 0;
    for (size_t i = 0; i <= t->mask; i++)
        if (t->ents[i].hash != 0)
            t->ents[w++] = t->ents[i];
    t->packed = 1;
}

/* ---- the result object --------------------------------------------------- */

struct wc_freq {
    struct wc_wtext x;  /* text and len are set for each count */
    int threads;
    int kw;             /* bytes per key unit */
    int counted;        /* count_all has run: no more needles, no more counts */
    struct wc_tab tab;
    size_t nneedles;    /* needle ids: 0 .. nneedles-1 (entry.first) */
    uint64_t *needle_counts;
    wc_progress_fn progress; /* wc_freq_set_progress */
    void *progress_arg;
    unsigned interval_ms;
};

wc_freq *wc_freq_new(int width, const wc_word_opts *opts)
{
    struct wc_wtext x;
    if (wc_wtext_init(&x, NULL, 0, width, opts) != WC_OK)
        return NULL;
    wc_freq *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    /* Folded words of 1- and 2-byte texts are counted as UTF-8 (shorter
     * keys, more of them inline) and made UTF-32 again in wc_freq_utf32.
     * Not those of 4-byte texts: the C API lets their units be any 32-bit
     * value, and wc_utf8_encode (like every buffer sized for its output)
     * covers 21 bits only, so 0x20000020 would come back as ' ' and merge
     * with other words (fuzz_words, seed ucs4_specials_casefold). */
    x.fold_utf8 = x.fold && width != 4;
    f->x = x;
    f->threads = opts->threads;
    f->kw = x.fold ? wc_fold_width(&x) : width;
    if (wc_tab_init(&f->tab, f->kw) != WC_OK) {
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
    free(f);
}

size_t wc_freq_size(const wc_freq *f)
{
    return f->tab.n;
}

void wc_freq_get(const wc_freq *f, size_t i, const void **key, size_t *len,
                 int *width, uint64_t *count)
{
    /* Dense after wc_freq_sort; before it, slot i may be empty. */
    const struct wc_ent *e = &f->tab.ents[i];
    *key = wc_ent_key(e, f->kw);
    *len = e->len;
    *width = f->kw;
    *count = e->count;
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
    return (x->first > y->first) - (x->first < y->first);
}

static int wc_by_count(const void *a, const void *b)
{
    const struct wc_ent *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->first > y->first) - (x->first < y->first);
}

int wc_freq_sort(wc_freq *f, int by_count)
{
    wc_tab_pack(&f->tab);
    f->counted = 1;
    if (f->tab.n > 1)
        qsort(f->tab.ents, f->tab.n, sizeof *f->tab.ents,
              by_count ? wc_by_count : wc_by_first);
    return WC_OK;
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
        void *k = malloc(m * (size_t)f->kw + 1);
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
    if (sc.buf == NULL && (sc.buf = malloc(1)) == NULL)
        return WC_ENOMEM;
    *out = sc.buf;
    return WC_OK;
}

int wc_freq_add_needle(wc_freq *f, const void *needle, size_t nlen, int nwidth,
                       size_t *id, size_t *err_offset)
{
    *id = WC_NO_ID;
    if ((nwidth != 1 && nwidth != 2 && nwidth != 4) || f->counted ||
        (nlen > 0 && needle == NULL) || (f->nneedles == 0 && f->tab.n != 0))
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
    free(key);
    if (e == NULL)
        return WC_ENOMEM;
    *id = (size_t)e->first;
    return WC_OK;
}

/* ---- the parallel job ---------------------------------------------------- */

/* Look-ups of words that are slices of the text are batched: the home slot
 * of each is prefetched when the word is found and looked up WC_BATCH words
 * later, so that the cache misses of the rarer words overlap (most of the
 * time of frequencies() on a large vocabulary is those misses). */
#define WC_BATCH 16
/* Transient (folded) keys up to this many bytes are copied into the batch
 * (longer ones are counted at once). */
#define WC_BATCH_KEY 64

struct wc_pending {
    const void *key;
    size_t len;
    uint64_t h;
    uint64_t first;
    int copy;
};

/* What one thread fills: its own table (count_all) or counts indexed by
 * needle id (count_needles). */
struct wc_wstate {
    struct wc_tab tab;
    uint64_t *counts;
    const struct wc_tab *needles;
    struct wc_scratch sc;
    unsigned npend;
    struct wc_pending pend[WC_BATCH];
    uint64_t pkeys[WC_BATCH][WC_BATCH_KEY / 8]; /* copies of transient keys */
};

struct wc_fjob {
    const struct wc_wtext *x;
    const struct wc_tab *needles; /* NULL: count every word */
    size_t nneedles;
    int kw;
    size_t step;    /* the least length of a span, in units */
    size_t claimed; /* mu: the spans claimed so far are [0, claimed) */
    /* Task k's state, NULL until it has claimed a span with words. */
    struct wc_wstate *states[WC_MAX_THREADS];
    size_t ntasks;
    /* The caller's progress callback; `done`: bytes of the spans counted. */
    struct wc_ticker tk;
    pthread_t caller;
    _Atomic uint64_t done;
    pthread_mutex_t mu;  /* claims, failures */
    /* The first failure: spans at or after stop_at are skipped (0: every
     * span, after an error other than invalid UTF-8). */
    _Atomic size_t stop_at;
    int rc;          /* mu */
    size_t utf8_err; /* mu: the smallest offset of invalid UTF-8 */
};

/* Count one word (hash h) into t; `copy` when the key is transient. */
WC_INLINE int wc_tab_count(struct wc_tab *t, const void *key, size_t len,
                           uint64_t h, uint64_t first, int copy)
{
    size_t slot = 0;
    struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
    if (e == NULL) {
        e = wc_tab_insert(t, slot, key, len, h, first, copy);
        if (e == NULL)
            return WC_ENOMEM;
    } else if (first < e->first) {
        /* Not for the spans of one task, which come in order; kept so that
         * no caller depends on the order in which it counts. */
        e->first = first;
    }
    e->count++;
    return WC_OK;
}

static int wc_flush(struct wc_wstate *s)
{
    int rc = WC_OK;
    for (unsigned k = 0; k < s->npend && rc == WC_OK; k++) {
        const struct wc_pending *p = &s->pend[k];
        rc = wc_tab_count(&s->tab, p->key, p->len, p->h, p->first, p->copy);
    }
    s->npend = 0;
    return rc;
}

WC_INLINE int wc_emit_all(void *ctx, const void *key, size_t len, size_t pos,
                          unsigned sub, int transient)
{
    struct wc_wstate *s = ctx;
    if (len == 0)
        return WC_OK; /* frequencies leave out empty words */
    struct wc_tab *t = &s->tab;
    size_t bytes = len * (size_t)t->kw;
    uint64_t h = wc_key_hash(key, bytes);
    uint64_t first = (uint64_t)pos * 4 + sub;
    if (transient) { /* the scratch buffer is reused by the next word */
        if (bytes > WC_BATCH_KEY)
            return wc_tab_count(t, key, len, h, first, 1);
        memcpy(s->pkeys[s->npend], key, bytes);
        key = s->pkeys[s->npend];
    }
    __builtin_prefetch(&t->ents[h & t->mask]);
    s->pend[s->npend++] = (struct wc_pending){key, len, h, first, transient};
    return s->npend == WC_BATCH ? wc_flush(s) : WC_OK;
}

WC_INLINE int wc_emit_needles(void *ctx, const void *key, size_t len,
                              size_t pos, unsigned sub, int transient)
{
    (void)pos, (void)sub, (void)transient;
    struct wc_wstate *s = ctx;
    const struct wc_tab *t = s->needles;
    uint64_t h = wc_key_hash(key, len * (size_t)t->kw);
    size_t slot = 0;
    const struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
    if (e != NULL)
        s->counts[e->first]++;
    return WC_OK;
}

static void wc_wstate_free(struct wc_wstate *s)
{
    if (s == NULL)
        return;
    wc_tab_free(&s->tab);
    free(s->counts);
    free(s->sc.buf);
    free(s);
}

static struct wc_wstate *wc_wstate_new(const struct wc_fjob *job)
{
    struct wc_wstate *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (job->needles != NULL) {
        s->needles = job->needles;
        s->counts = calloc(job->nneedles + 1, sizeof *s->counts);
        if (s->counts == NULL) {
            free(s);
            return NULL;
        }
    } else if (wc_tab_init(&s->tab, job->kw) != WC_OK) {
        free(s);
        return NULL;
    }
    return s;
}

static void wc_fjob_fail(struct wc_fjob *job, int rc, size_t err)
{
    pthread_mutex_lock(&job->mu);
    if (rc == WC_EUTF8) {
        if (job->rc == WC_OK || (job->rc == WC_EUTF8 && err < job->utf8_err)) {
            job->rc = rc;
            job->utf8_err = err;
        }
    } else {
        job->rc = rc; /* out of memory outranks invalid UTF-8 */
        err = 0;
    }
    if (err < atomic_load(&job->stop_at))
        atomic_store(&job->stop_at, err);
    pthread_mutex_unlock(&job->mu);
}

/* Spans: at most about WC_FREQ_SPAN bytes, each a cancel point and a piece
 * that an idle thread can take; for a parallel count at least
 * WC_FREQ_SPANS_PER_THREAD a thread (balance when another process shares a
 * core), but not below wc_parallel_threshold() bytes (the size below which
 * a parallel job does not pay; the tests lower it to cut small texts into
 * many spans).  1 MiB takes 1 to 5 ms to count: a claim costs nothing beside
 * it, and a thread that is asked to stop does so within that. */
#define WC_FREQ_SPAN ((size_t)1 << 20)
#define WC_FREQ_SPANS_PER_THREAD 8

/* How many spans the text of x is cut into, about (1: counted whole, on the
 * calling thread). */
static size_t wc_span_count(const struct wc_wtext *x, int threads)
{
    size_t bytes = x->len * (size_t)x->width;
    size_t min_chunk = wc_parallel_threshold();
    if (x->len <= 1)
        return 1;
    size_t n = bytes / WC_FREQ_SPAN + (bytes % WC_FREQ_SPAN != 0);
    if (threads > 1 && bytes >= min_chunk) {
        size_t par = (size_t)threads * WC_FREQ_SPANS_PER_THREAD;
        if (bytes / par < min_chunk)
            par = bytes / min_chunk;
        if (par > n)
            n = par;
    }
    if (n > x->len)
        n = x->len;
    return n < 1 ? 1 : n;
}

/*
 * Claim the next span, [*lo, *hi): from where the last one claimed ends to
 * the first edge (wc_word_edge) at least job->step units on, or the end of
 * the text.  Edges are found as spans are claimed, under the lock, each
 * search starting where the last span ends: a word longer than a span makes
 * one longer span and costs one scan, and a stop leaves the rest of the text
 * unread.  Returns 0 when the whole text is claimed.
 */
static int wc_fjob_claim(struct wc_fjob *job, size_t *lo, size_t *hi)
{
    const struct wc_wtext *x = job->x;
    pthread_mutex_lock(&job->mu);
    size_t a = job->claimed, b = a;
    if (a < x->len)
        b = x->len - a <= job->step ? x->len : wc_word_edge(x, a + job->step);
    job->claimed = b;
    pthread_mutex_unlock(&job->mu);
    *lo = a;
    *hi = b;
    return a < b;
}

/*
 * A task (one a thread): claims spans in order until none is left, counting
 * their words into a state of its own.  Spans are claimed in order, so once
 * one starts at or after stop_at (an error before it, or a stop) every later
 * one does too.  The cancel point is between spans.
 */
static void wc_fjob_task(void *ctx, size_t task)
{
    struct wc_fjob *job = ctx;
    struct wc_wstate *s = NULL;
    int rc = WC_OK;
    size_t err = 0;
    for (;;) {
        if (wc_tick_caller(&job->tk, job->caller, &job->done)) {
            rc = job->tk.rc; /* WC_EINTR, or WC_EFORKED in a fork child */
            break;
        }
        size_t lo, hi;
        if (!wc_fjob_claim(job, &lo, &hi) ||
            lo >= atomic_load_explicit(&job->stop_at, memory_order_relaxed))
            break;
        if (s == NULL) {
            s = wc_wstate_new(job);
            if (s == NULL) {
                rc = WC_ENOMEM;
                break;
            }
            job->states[task] = s;
        }
        /* Two calls, so that each inlines its sink. */
        rc = job->needles != NULL
            ? wc_words_range(job->x, lo, hi, &s->sc, wc_emit_needles, s, &err)
            : wc_words_range(job->x, lo, hi, &s->sc, wc_emit_all, s, &err);
        if (rc != WC_OK)
            break;
        atomic_fetch_add_explicit(&job->done,
                                  (uint64_t)(hi - lo) * (uint64_t)job->x->width,
                                  memory_order_relaxed);
    }
    if (s != NULL && s->npend > 0) {
        int frc = wc_flush(s);
        if (rc == WC_OK)
            rc = frc;
    }
    if (rc != WC_OK)
        wc_fjob_fail(job, rc, err);
}

/* Merge table s into t (keys of s that live in s's arena stay there: the
 * arena moves to t). */
static int wc_tab_merge(struct wc_tab *t, struct wc_tab *s)
{
    for (size_t k = 0; k <= s->mask; k++) {
        const struct wc_ent *e = &s->ents[k];
        if (e->hash == 0)
            continue;
        const void *key = wc_ent_key(e, s->kw);
        size_t slot = 0;
        struct wc_ent *d = wc_tab_find(t, key, e->len, e->hash, &slot);
        if (d == NULL) {
            d = wc_tab_insert(t, slot, key, e->len, e->hash, e->first, 0);
            if (d == NULL)
                return WC_ENOMEM;
        } else if (e->first < d->first) {
            d->first = e->first;
        }
        d->count += e->count;
    }
    wc_arena_adopt(&t->arena, &s->arena);
    return WC_OK;
}

/* The folded keys of a text that is not UTF-8 were counted as UTF-8
 * (fold_utf8): make them the UTF-32 keys wc_freq_get documents, in the
 * table's arena (once per distinct word; no look-ups follow). */
static int wc_freq_utf32(wc_freq *f)
{
    struct wc_tab *t = &f->tab;
    uint32_t buf[64];
    for (size_t i = 0; i <= t->mask; i++) {
        struct wc_ent *e = &t->ents[i];
        if (e->hash == 0)
            continue;
        const uint8_t *k = wc_ent_key(e, 1);
        size_t n = 0, cap = sizeof buf / sizeof buf[0];
        uint32_t *out = buf;
        if (e->len > cap) {
            /* Rare long words: room for one code point a byte. */
            out = malloc(e->len * sizeof *out);
            if (out == NULL)
                return WC_ENOMEM;
        }
        for (size_t j = 0; j < e->len;) {
            /* Our own encoding (wc_utf8_encode, surrogates included). */
            uint32_t b = k[j];
            if (b < 0x80) {
                out[n++] = b;
                j += 1;
            } else if (b < 0xE0) {
                out[n++] = ((b & 0x1F) << 6) | (k[j + 1] & 0x3Fu);
                j += 2;
            } else if (b < 0xF0) {
                out[n++] = ((b & 0x0F) << 12) | ((k[j + 1] & 0x3Fu) << 6) |
                           (k[j + 2] & 0x3Fu);
                j += 3;
            } else {
                out[n++] = ((b & 0x07) << 18) | ((k[j + 1] & 0x3Fu) << 12) |
                           ((k[j + 2] & 0x3Fu) << 6) | (k[j + 3] & 0x3Fu);
                j += 4;
            }
        }
        size_t bytes = n * sizeof *out;
        if (bytes <= WC_INLINE_KEY) {
            memcpy(e->key.bytes, out, bytes);
        } else {
            const void *p = wc_arena_copy(&t->arena, out, bytes);
            if (p == NULL) {
                if (out != buf)
                    free(out);
                return WC_ENOMEM;
            }
            e->key.ptr = p;
        }
        e->len = n;
        if (out != buf)
            free(out);
    }
    t->kw = 4;
    f->kw = 4;
    return WC_OK;
}

static int wc_freq_run(wc_freq *f, const void *text, size_t len, int needles,
                       size_t *err_offset)
{
    if (f->counted || (len > 0 && text == NULL))
        return WC_EINVAL;
    f->x.text = text;
    f->x.len = len;
    int threads = f->threads == 0 ? wc_default_threads() : f->threads;
    struct wc_fjob job = {
        .x = &f->x, .needles = needles ? &f->tab : NULL,
        .nneedles = f->nneedles, .kw = f->kw, .rc = WC_OK,
    };
    if (needles && f->needle_counts == NULL) {
        f->needle_counts = calloc(f->nneedles + 1, sizeof *f->needle_counts);
        if (f->needle_counts == NULL)
            return WC_ENOMEM;
    }
    atomic_init(&job.stop_at, SIZE_MAX);
    atomic_init(&job.done, 0);
    wc_ticker_init(&job.tk, f->progress, f->progress_arg, f->interval_ms,
                   (uint64_t)len * (uint64_t)f->x.width);
    job.caller = pthread_self();
    size_t nspans = wc_span_count(&f->x, threads);
    job.step = len / nspans;
    if (pthread_mutex_init(&job.mu, NULL) != 0)
        return WC_ENOMEM;
    job.ntasks = nspans < (size_t)threads ? nspans : (size_t)threads;
    if (job.ntasks == 1)
        wc_fjob_task(&job, 0);
    else
        wc_pool_run(threads, wc_fjob_task, &job, job.ntasks);
    pthread_mutex_destroy(&job.mu);

    /* Until here f is untouched: after an error (a stop included) it is as
     * it was before the count. */
    int rc = job.rc;
    struct wc_wstate **st = job.states;
    if (rc == WC_OK && needles) {
        for (size_t k = 0; k < job.ntasks; k++)
            if (st[k] != NULL)
                for (size_t i = 0; i < f->nneedles; i++)
                    f->needle_counts[i] += st[k]->counts[i];
    } else if (rc == WC_OK) {
        f->counted = 1;
        /* The largest table becomes the result; the others merge into it. */
        size_t big = SIZE_MAX;
        for (size_t k = 0; k < job.ntasks; k++)
            if (st[k] != NULL && (big == SIZE_MAX || st[k]->tab.n > st[big]->tab.n))
                big = k;
        if (big != SIZE_MAX) {
            struct wc_tab tmp = f->tab;
            f->tab = st[big]->tab;
            st[big]->tab = tmp;
        }
        for (size_t k = 0; k < job.ntasks && rc == WC_OK; k++)
            if (st[k] != NULL)
                rc = wc_tab_merge(&f->tab, &st[k]->tab);
        /* Folded keys of a str text were counted as UTF-8 (fold_utf8):
         * UTF-32 again; a UTF-8 text's keys stay UTF-8. */
        if (rc == WC_OK && f->x.fold_utf8 && !f->x.utf8)
            rc = wc_freq_utf32(f);
    }
    for (size_t k = 0; k < job.ntasks; k++)
        wc_wstate_free(st[k]);
    if (rc == WC_EUTF8 && err_offset != NULL)
        *err_offset = job.utf8_err;
    return rc;
}

int wc_freq_count_needles(wc_freq *f, const void *text, size_t len,
                          size_t *err_offset)
{
    return wc_freq_run(f, text, len, 1, err_offset);
}

int wc_freq_count_all(wc_freq *f, const void *text, size_t len,
                      size_t *err_offset)
{
    if (f->tab.n != 0)
        return WC_EINVAL; /* a table of needles */
    return wc_freq_run(f, text, len, 0, err_offset);
}

/* ---- windows of a longer text: files and streams (io.c, wc_freqio.h) ---- */

int wc_freq_io_check(const wc_freq *f, int needles, size_t *nids)
{
    if (f == NULL || f->x.width != 1 || f->tab.packed ||
        (!needles && f->nneedles != 0))
        return WC_EINVAL;
    *nids = f->nneedles;
    return WC_OK;
}

void wc_freq_io_wtext(const wc_freq *f, struct wc_wtext *x)
{
    *x = f->x;
    x->text = NULL;
    x->len = 0;
}

wc_freq *wc_freq_io_new_like(const wc_freq *f)
{
    wc_word_opts o = {.words = f->x.words, .casefold = f->x.fold,
                      .utf8 = f->x.replace ? WC_UTF8_REPLACE : f->x.utf8,
                      .threads = 1};
    return wc_freq_new(f->x.width, &o);
}

/* The sink of a window: like wc_emit_all and wc_emit_needles, but every key
 * kept is copied (the window's buffer is reused) and positions are offset by
 * the window's place in the text.  Look-ups are batched as in wc_emit_all:
 * the window's keys stay valid until wc_freq_io_window returns. */
struct wc_iowin {
    struct wc_tab *tab;
    uint64_t *counts;
    uint64_t pos;
    unsigned npend;
    struct wc_pending pend[WC_BATCH];
};

static int wc_io_flush(struct wc_iowin *w)
{
    int rc = WC_OK;
    for (unsigned k = 0; k < w->npend && rc == WC_OK; k++) {
        const struct wc_pending *p = &w->pend[k];
        rc = wc_tab_count(w->tab, p->key, p->len, p->h, p->first, 1);
    }
    w->npend = 0;
    return rc;
}

WC_INLINE int wc_emit_io_all(void *ctx, const void *key, size_t len,
                             size_t pos, unsigned sub, int transient)
{
    struct wc_iowin *w = ctx;
    if (len == 0)
        return WC_OK;
    struct wc_tab *t = w->tab;
    uint64_t h = wc_key_hash(key, len * (size_t)t->kw);
    uint64_t first = (w->pos + (uint64_t)pos) * 4 + sub;
    if (transient)
        return wc_tab_count(t, key, len, h, first, 1);
    __builtin_prefetch(&t->ents[h & t->mask]);
    w->pend[w->npend++] = (struct wc_pending){key, len, h, first, 1};
    return w->npend == WC_BATCH ? wc_io_flush(w) : WC_OK;
}

WC_INLINE int wc_emit_io_needles(void *ctx, const void *key, size_t len,
                                 size_t pos, unsigned sub, int transient)
{
    (void)pos, (void)sub, (void)transient;
    struct wc_iowin *w = ctx;
    const struct wc_tab *t = w->tab;
    uint64_t h = wc_key_hash(key, len * (size_t)t->kw);
    size_t slot = 0;
    const struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
    if (e != NULL)
        w->counts[e->first]++;
    return WC_OK;
}

int wc_freq_io_window(wc_freq *f, const uint8_t *buf, size_t len, size_t lo,
                      size_t hi, uint64_t pos, uint64_t *counts, size_t *err)
{
    struct wc_wtext x = f->x;
    x.text = buf;
    x.len = len;
    struct wc_iowin w = {.tab = &f->tab, .counts = counts, .pos = pos};
    struct wc_scratch sc = {NULL, 0};
    int rc;
    if (counts != NULL) {
        rc = wc_words_range(&x, lo, hi, &sc, wc_emit_io_needles, &w, err);
    } else {
        rc = wc_words_range(&x, lo, hi, &sc, wc_emit_io_all, &w, err);
        int frc = wc_io_flush(&w);
        if (rc == WC_OK)
            rc = frc;
    }
    free(sc.buf);
    return rc;
}

int wc_freq_io_merge(wc_freq *into, wc_freq *from)
{
    if (into->tab.n == 0) {
        struct wc_tab tmp = into->tab;
        into->tab = from->tab;
        from->tab = tmp;
        return WC_OK;
    }
    return wc_tab_merge(&into->tab, &from->tab);
}

int wc_freq_io_add_counts(wc_freq *f, const uint64_t *counts)
{
    if (f->needle_counts == NULL) {
        f->needle_counts = calloc(f->nneedles + 1, sizeof *f->needle_counts);
        if (f->needle_counts == NULL)
            return WC_ENOMEM;
    }
    for (size_t i = 0; i < f->nneedles; i++)
        f->needle_counts[i] += counts[i];
    return WC_OK;
}
