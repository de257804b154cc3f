/*
 * freq.c - word frequencies and many needles in one pass: a parallel map
 * (each thread fills its own hash table) and reduce (the tables are merged).
 *
 * The text is cut into chunks at places where a word cannot continue
 * (wc_word_edge), so every word lies in one chunk.  The pool's threads claim
 * chunks; a chunk is counted into the table of the thread that claimed it
 * (a table is taken from an idle list under a mutex, so there are never more
 * tables than threads running at once, whatever the number of chunks).
 *
 * The hash table: open addressing with linear probing over an array of
 * 64-bit slots (the upper 32 bits of the hash, the entry index + 1 below),
 * and a dense array of entries.  A key is a pointer into the text when the
 * word is not transformed, else a copy in the table's arena, so memory is
 * proportional to the distinct words.  An entry remembers where its word
 * first occurs (unit position * 4 + sub, see wc_words.h), for a tie order
 * that does not depend on the chunks or threads.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "wc_words.h"

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

struct wc_ent {
    const void *key;
    size_t len;     /* in key units */
    uint64_t hash;
    uint64_t count;
    uint64_t first; /* pos * 4 + sub of the first occurrence */
};

struct wc_tab {
    uint64_t *slots; /* 0: empty; else hash >> 32 << 32 | (index + 1) */
    size_t mask;     /* slots - 1; a power of two minus one, or 0 when none */
    struct wc_ent *ents;
    size_t n, cap;
    int kw;          /* bytes per key unit */
    struct wc_arena arena;
};

#define WC_TAB_MIN 1024
#define WC_MAX_ENTS ((size_t)UINT32_MAX - 1)

static int wc_tab_init(struct wc_tab *t, int kw)
{
    memset(t, 0, sizeof *t);
    t->kw = kw;
    t->slots = calloc(WC_TAB_MIN, sizeof *t->slots);
    if (t->slots == NULL)
        return WC_ENOMEM;
    t->mask = WC_TAB_MIN - 1;
    return WC_OK;
}

static void wc_tab_free(struct wc_tab *t)
{
    free(t->slots);
    free(t->ents);
    wc_arena_free(&t->arena);
    t->slots = NULL;
    t->ents = NULL;
    t->n = t->cap = 0;
}

static int wc_tab_grow(struct wc_tab *t)
{
    size_t nslots = (t->mask + 1) * 2;
    if (nslots > SIZE_MAX / sizeof(uint64_t))
        return WC_ENOMEM;
    uint64_t *s = calloc(nslots, sizeof *s);
    if (s == NULL)
        return WC_ENOMEM;
    size_t mask = nslots - 1;
    for (size_t i = 0; i < t->n; i++) {
        uint64_t h = t->ents[i].hash;
        size_t j = h & mask;
        while (s[j] != 0)
            j = (j + 1) & mask;
        s[j] = (h >> 32 << 32) | (i + 1);
    }
    free(t->slots);
    t->slots = s;
    t->mask = mask;
    return WC_OK;
}

/* The slot of (key, len, h): the index of its entry, or SIZE_MAX with *slot
 * where it would go. */
WC_INLINE size_t wc_tab_find(const struct wc_tab *t, const void *key,
                             size_t len, uint64_t h, size_t *slot)
{
    size_t j = h & t->mask;
    uint64_t tag = h >> 32 << 32;
    size_t bytes = len * (size_t)t->kw;
    for (;;) {
        uint64_t s = t->slots[j];
        if (s == 0) {
            *slot = j;
            return SIZE_MAX;
        }
        if ((s & 0xFFFFFFFF00000000ull) == tag) {
            const struct wc_ent *e = &t->ents[(s & 0xFFFFFFFFu) - 1];
            if (e->len == len && memcmp(e->key, key, bytes) == 0)
                return (s & 0xFFFFFFFFu) - 1;
        }
        j = (j + 1) & t->mask;
    }
}

/* Insert a key known to be absent (slot from wc_tab_find); copy it into the
 * arena when `copy`.  Returns the index, or SIZE_MAX when out of memory. */
static size_t wc_tab_insert(struct wc_tab *t, size_t slot, const void *key,
                            size_t len, uint64_t h, uint64_t first, int copy)
{
    if (t->n >= WC_MAX_ENTS)
        return SIZE_MAX;
    if (t->n == t->cap) {
        size_t cap = t->cap == 0 ? 256 : t->cap * 2;
        if (cap > SIZE_MAX / sizeof(struct wc_ent))
            return SIZE_MAX;
        struct wc_ent *e = realloc(t->ents, cap * sizeof *e);
        if (e == NULL)
            return SIZE_MAX;
        t->ents = e;
        t->cap = cap;
    }
    if (copy) {
        key = wc_arena_copy(&t->arena, key, len * (size_t)t->kw);
        if (key == NULL)
            return SIZE_MAX;
    }
    size_t i = t->n++;
    t->ents[i] = (struct wc_ent){key, len, h, 0, first};
    t->slots[slot] = (h >> 32 << 32) | (i + 1);
    if (t->n * 2 > t->mask + 1 && wc_tab_grow(t) != WC_OK) {
        /* Keep the table consistent: the entry stays (the slots still have
         * room), only the caller learns that memory ran out. */
        return SIZE_MAX;
    }
    return i;
}

/* ---- the result object --------------------------------------------------- */

struct wc_freq {
    struct wc_wtext x;  /* text and len are set for each count */
    int threads;
    int kw;             /* bytes per key unit */
    int counted;        /* count_all has run: needles may not be added */
    struct wc_tab tab;
};

wc_freq *wc_freq_new(int width, const wc_word_opts *opts)
{
    struct wc_wtext x;
    if (wc_wtext_init(&x, NULL, 0, width, opts) != WC_OK)
        return NULL;
    wc_freq *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->x = x;
    f->threads = opts->threads;
    f->kw = x.fold ? wc_fold_width(&x) : width;
    if (wc_tab_init(&f->tab, f->kw) != WC_OK) {
        free(f);
        return NULL;
    }
    return f;
}

void wc_freq_free(wc_freq *f)
{
    if (f == NULL)
        return;
    wc_tab_free(&f->tab);
    free(f);
}

size_t wc_freq_size(const wc_freq *f)
{
    return f->tab.n;
}

void wc_freq_get(const wc_freq *f, size_t i, const void **key, size_t *len,
                 int *width, uint64_t *count)
{
    const struct wc_ent *e = &f->tab.ents[i];
    *key = e->key;
    *len = e->len;
    *width = f->kw;
    *count = e->count;
}

uint64_t wc_freq_needle_count(const wc_freq *f, size_t id)
{
    return id < f->tab.n ? f->tab.ents[id].count : 0;
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
    if (f->tab.n > 1)
        qsort(f->tab.ents, f->tab.n, sizeof *f->tab.ents,
              by_count ? wc_by_count : wc_by_first);
    /* The slots now point at the wrong entries: no more look-ups. */
    free(f->tab.slots);
    f->tab.slots = NULL;
    f->tab.mask = 0;
    return WC_OK;
}

/* Bring a needle to the table's key form in a malloc'd buffer (*out; NULL
 * with WC_OK when no word can equal it). */
static int wc_needle_key(const wc_freq *f, const void *nd, size_t m, int nw,
                         void **out, size_t *klen, size_t *err)
{
    *out = NULL;
    size_t bytes = m * (size_t)f->kw;
    if (!f->x.fold) {
        uint32_t max = f->kw == 1 ? 0xFF : f->kw == 2 ? 0xFFFF : 0xFFFFFFFF;
        void *k = malloc(bytes + 1);
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
        f->tab.slots == NULL || (nlen > 0 && needle == NULL))
        return WC_EINVAL;
    if (nlen > SIZE_MAX / 12)
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
    uint64_t h = wc_hash(key, klen * (size_t)f->kw);
    size_t slot = 0, i = wc_tab_find(&f->tab, key, klen, h, &slot);
    if (i == SIZE_MAX)
        i = wc_tab_insert(&f->tab, slot, key, klen, h, f->tab.n, 1);
    free(key);
    if (i == SIZE_MAX)
        return WC_ENOMEM;
    *id = i;
    return WC_OK;
}

/* ---- the parallel job ---------------------------------------------------- */

/* What one thread fills: its own table (count_all) or counts indexed like
 * the needles (count_needles). */
struct wc_wstate {
    struct wc_tab tab;
    uint64_t *counts;
    const struct wc_tab *needles;
    struct wc_scratch sc;
    int oom;
};

struct wc_fjob {
    const struct wc_wtext *x;
    const struct wc_tab *needles; /* NULL: count every word */
    int kw;
    size_t *edges; /* chunk k is [edges[k], edges[k+1]) */
    size_t nchunks;
    pthread_mutex_t mu;
    struct wc_wstate *states[WC_MAX_THREADS];
    int nstates;
    struct wc_wstate *idle[WC_MAX_THREADS];
    int nidle;
    /* The first failure: chunks at or after stop_at are skipped. */
    _Atomic size_t stop_at;
    int rc;          /* mu */
    size_t utf8_err; /* mu: the smallest offset of invalid UTF-8 */
};

static int wc_emit_all(void *ctx, const void *key, size_t len, size_t pos,
                       unsigned sub, int transient)
{
    struct wc_wstate *s = ctx;
    if (len == 0)
        return WC_OK; /* frequencies leave out empty words */
    struct wc_tab *t = &s->tab;
    uint64_t h = wc_hash(key, len * (size_t)t->kw);
    size_t slot = 0, i = wc_tab_find(t, key, len, h, &slot);
    if (i == SIZE_MAX) {
        i = wc_tab_insert(t, slot, key, len, h, (uint64_t)pos * 4 + sub,
                          transient);
        if (i == SIZE_MAX)
            return WC_ENOMEM;
    }
    t->ents[i].count++;
    return WC_OK;
}

static int wc_emit_needles(void *ctx, const void *key, size_t len, size_t pos,
                           unsigned sub, int transient)
{
    (void)pos, (void)sub, (void)transient;
    struct wc_wstate *s = ctx;
    const struct wc_tab *t = s->needles;
    uint64_t h = wc_hash(key, len * (size_t)t->kw);
    size_t slot = 0, i = wc_tab_find(t, key, len, h, &slot);
    if (i != SIZE_MAX)
        s->counts[i]++;
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
        s->counts = calloc(job->needles->n + 1, sizeof *s->counts);
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
    size_t cur = atomic_load(&job->stop_at);
    if (err < cur)
        atomic_store(&job->stop_at, err);
    pthread_mutex_unlock(&job->mu);
}

static void wc_fjob_task(void *ctx, size_t task)
{
    struct wc_fjob *job = ctx;
    size_t lo = job->edges[task], hi = job->edges[task + 1];
    if (lo >= hi || lo >= atomic_load_explicit(&job->stop_at,
                                               memory_order_relaxed))
        return;
    pthread_mutex_lock(&job->mu);
    struct wc_wstate *s = NULL;
    if (job->nidle > 0) {
        s = job->idle[--job->nidle];
    } else if (job->nstates < WC_MAX_THREADS) {
        s = wc_wstate_new(job);
        if (s != NULL)
            job->states[job->nstates++] = s;
    }
    pthread_mutex_unlock(&job->mu);
    if (s == NULL) {
        wc_fjob_fail(job, WC_ENOMEM, 0);
        return;
    }
    size_t err = 0;
    int rc = wc_words_range(job->x, lo, hi, &s->sc,
                            job->needles != NULL ? wc_emit_needles : wc_emit_all,
                            s, &err);
    if (rc != WC_OK)
        wc_fjob_fail(job, rc, err);
    pthread_mutex_lock(&job->mu);
    job->idle[job->nidle++] = s;
    pthread_mutex_unlock(&job->mu);
}

/* Chunks: at least this many bytes, about WC_FREQ_CHUNKS_PER_THREAD a
 * thread (more balance threads that share a core with another process). */
#define WC_FREQ_MIN_CHUNK ((size_t)256 * 1024)
#define WC_FREQ_CHUNKS_PER_THREAD 8

static size_t *wc_make_edges(const struct wc_wtext *x, int threads,
                             size_t *nchunks)
{
    size_t bytes = x->len * (size_t)x->width;
    size_t n = 1;
    if (threads > 1 && bytes >= wc_parallel_threshold()) {
        n = (size_t)threads * WC_FREQ_CHUNKS_PER_THREAD;
        if (bytes / n < WC_FREQ_MIN_CHUNK)
            n = bytes / WC_FREQ_MIN_CHUNK;
        if (n < 1)
            n = 1;
    }
    size_t *edges = malloc((n + 1) * sizeof *edges);
    if (edges == NULL)
        return NULL;
    size_t step = x->len / n;
    edges[0] = 0;
    for (size_t k = 1; k < n; k++) {
        size_t p = k * step;
        if (p < edges[k - 1])
            p = edges[k - 1];
        edges[k] = p == 0 ? 0 : wc_word_edge(x, p);
    }
    edges[n] = x->len;
    *nchunks = n;
    return edges;
}

/* Merge table s into t (keys of s stay where they are: s's arena moves to
 * t). */
static int wc_tab_merge(struct wc_tab *t, struct wc_tab *s)
{
    for (size_t k = 0; k < s->n; k++) {
        const struct wc_ent *e = &s->ents[k];
        size_t slot = 0, i = wc_tab_find(t, e->key, e->len, e->hash, &slot);
        if (i == SIZE_MAX) {
            i = wc_tab_insert(t, slot, e->key, e->len, e->hash, e->first, 0);
            if (i == SIZE_MAX)
                return WC_ENOMEM;
        } else if (e->first < t->ents[i].first) {
            t->ents[i].first = e->first;
        }
        t->ents[i].count += e->count;
    }
    wc_arena_adopt(&t->arena, &s->arena);
    return WC_OK;
}

static int wc_freq_run(wc_freq *f, const void *text, size_t len, int needles,
                       size_t *err_offset)
{
    if (f->tab.slots == NULL || f->counted || (len > 0 && text == NULL))
        return WC_EINVAL;
    f->x.text = text;
    f->x.len = len;
    int threads = f->threads == 0 ? wc_default_threads() : f->threads;
    struct wc_fjob job = {
        .x = &f->x, .needles = needles ? &f->tab : NULL, .kw = f->kw,
        .rc = WC_OK,
    };
    atomic_init(&job.stop_at, SIZE_MAX);
    job.edges = wc_make_edges(&f->x, threads, &job.nchunks);
    if (job.edges == NULL)
        return WC_ENOMEM;
    if (pthread_mutex_init(&job.mu, NULL) != 0) {
        free(job.edges);
        return WC_ENOMEM;
    }
    if (job.nchunks == 1)
        wc_fjob_task(&job, 0);
    else
        wc_pool_run(threads, wc_fjob_task, &job, job.nchunks);
    pthread_mutex_destroy(&job.mu);
    free(job.edges);

    int rc = job.rc;
    if (rc == WC_OK && needles) {
        for (int k = 0; k < job.nstates; k++)
            for (size_t i = 0; i < f->tab.n; i++)
                f->tab.ents[i].count += job.states[k]->counts[i];
    } else if (rc == WC_OK) {
        f->counted = 1;
        /* The largest table becomes the result; the others merge into it. */
        int big = -1;
        for (int k = 0; k < job.nstates; k++)
            if (big < 0 || job.states[k]->tab.n > job.states[big]->tab.n)
                big = k;
        if (big >= 0 && f->tab.n == 0) {
            struct wc_tab tmp = f->tab;
            f->tab = job.states[big]->tab;
            job.states[big]->tab = tmp;
        }
        for (int k = 0; k < job.nstates && rc == WC_OK; k++)
            rc = wc_tab_merge(&f->tab, &job.states[k]->tab);
    }
    for (int k = 0; k < job.nstates; k++)
        wc_wstate_free(job.states[k]);
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
