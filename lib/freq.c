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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wc_words.h"
#include "wc_freqio.h"

/* ---- the hash of a key ------------------------------------------------- */

/*
 * Keyed: a text may be written by an attacker, who must not be able to
 * choose many distinct words with one hash (every look-up of one of them
 * would walk all the others: quadratic time).  The key is four 64-bit
 * secrets drawn once per process from the OS (getrandom, else
 * /dev/urandom, else a mix of the clock, the pid and an address), or
 * derived from WORD_COUNT_HASH_SEED when it is set (reproducible runs, as
 * PYTHONHASHSEED).  Every table of the process uses the same key, so that
 * tables merge by their stored hashes.  The mix is wyhash's: each 16 bytes
 * of the key are folded in by a 64x64->128-bit multiply of (data ^ secret)
 * by (data ^ state), so the secrets enter every step; no result and no
 * order depends on the key (orders are by count and first occurrence).
 */
static uint64_t wc_secret[4];
static pthread_once_t wc_secret_once = PTHREAD_ONCE_INIT;

WC_INLINE uint64_t wc_mum(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t ha = a >> 32, la = (uint32_t)a, hb = b >> 32, lb = (uint32_t)b;
    uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
    uint64_t t = rl + (rm0 << 32), c = t < rl;
    uint64_t lo = t + (rm1 << 32);
    c += lo < t;
    uint64_t hi = rh + (rm0 >> 32) + (rm1 >> 32) + c;
    return lo ^ hi;
#endif
}

static uint64_t wc_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Fill buf with n bytes from the OS; 0 when none could be had. */
static int wc_os_random(void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t got = 0;
#ifdef SYS_getrandom
    while (got < n) {
        /* GRND_NONBLOCK (1): never wait for the pool at early boot. */
        long r = syscall(SYS_getrandom, p + got, n - got, 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break; /* EAGAIN, ENOSYS (old kernel), a seccomp filter: the file */
        }
        got += (size_t)r;
    }
    if (got == n)
        return 1;
#endif
    int fd;
    do
        fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return 0;
    got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == n;
}

static void wc_secret_init(void)
{
    uint64_t x = 0;
    const char *env = getenv("WORD_COUNT_HASH_SEED");
    char *end = NULL;
    int fixed = 0;
    if (env != NULL && *env != '\0') {
        errno = 0;
        unsigned long long v = strtoull(env, &end, 0);
        if (errno == 0 && end != NULL && *end == '\0') {
            x = (uint64_t)v;
            fixed = 1;
        }
    }
    if (!fixed && !wc_os_random(&x, sizeof x)) {
        /* No OS randomness at all: the clock, the pid and where the stack
         * and this library were mapped (ASLR). */
        struct timespec ts = {0, 0};
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t s = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s ^= wc_splitmix(&s) ^ (uint64_t)ts.tv_nsec;
        s ^= (uint64_t)getpid() << 32;
        s ^= (uint64_t)(uintptr_t)&s ^ ((uint64_t)(uintptr_t)&wc_secret << 17);
        x = s;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t k = wc_splitmix(&x);
        /* Odd, with both halves set: a secret of few bits would make its
         * multiplies weak. */
        wc_secret[i] = k | 1 | ((uint64_t)1 << 32) | ((uint64_t)1 << 63);
    }
}

/* Draw the key (once; every table calls this when it is created, before
 * any hash is computed). */
static void wc_hash_key(void)
{
    (void)pthread_once(&wc_secret_once, wc_secret_init);
}

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

/* The hash of n bytes at p (wyhash's structure); short keys are read with
 * at most two overlapping loads, never past the key. */
WC_INLINE uint64_t wc_hash(const uint8_t *p, size_t n)
{
    const uint64_t *s = wc_secret;
    uint64_t seed = s[0], a, b;
    if (n <= 16) {
        if (n >= 4) {
            size_t q = (n >> 3) << 2;
            a = ((uint64_t)wc_load32(p) << 32) | wc_load32(p + q);
            b = ((uint64_t)wc_load32(p + n - 4) << 32) | wc_load32(p + n - 4 - q);
        } else if (n > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = n;
        if (i > 48) {
            uint64_t s1 = seed, s2 = seed;
            do {
                seed = wc_mum(wc_load64(p) ^ s[1], wc_load64(p + 8) ^ seed);
                s1 = wc_mum(wc_load64(p + 16) ^ s[2], wc_load64(p + 24) ^ s1);
                s2 = wc_mum(wc_load64(p + 32) ^ s[3], wc_load64(p + 40) ^ s2);
                p += 48;
                i -= 48;
            } while (i > 48);
            seed ^= s1 ^ s2;
        }
        while (i > 16) {
            seed = wc_mum(wc_load64(p) ^ s[1], wc_load64(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = wc_load64(p + i - 16);
        b = wc_load64(p + i - 8);
    }
    return wc_mum(s[1] ^ (uint64_t)n, wc_mum(a ^ s[1], b ^ seed) ^ s[2]);
}

/* ---- an arena for copied keys ------------------------------------------ */

struct wc_ablock {
    struct wc_ablock *next;
    size_t used, size;
    /* A block of one long key only (dedicated: the key at data[0]), when
     * wc_tab_narrow_keys marks it: `used` to keep (WC_SHRINK) or none. */
    struct wc_ent *owner;
    int fate;
    uint64_t data[]; /* aligned for UTF-32 keys */
};

enum { WC_KEEP = 0, WC_SHRINK = 1, WC_DROP = 2 };

struct wc_arena {
    struct wc_ablock *head;
};

/* Keys of more than this many bytes (rounded up to 8) get a block of their
 * own. */
#define WC_ARENA_BLOCK ((size_t)64 * 1024)

/* Put a dedicated block b into the arena: behind the head, whose free space
 * stays in use. */
static void wc_arena_link(struct wc_arena *a, struct wc_ablock *b)
{
    b->owner = NULL;
    b->fate = WC_KEEP;
    if (a->head != NULL) {
        b->next = a->head->next;
        a->head->next = b;
    } else {
        b->next = NULL;
        a->head = b;
    }
}

/* Copy bytes from src (NULL: leave them to the caller) into the arena;
 * NULL when out of memory. */
static void *wc_arena_copy(struct wc_arena *a, const void *src, size_t bytes)
{
    size_t need = (bytes + 7) & ~(size_t)7;
    if (need < bytes || need > SIZE_MAX - sizeof(struct wc_ablock))
        return NULL;
    struct wc_ablock *b = a->head;
    if (need > WC_ARENA_BLOCK) {
        b = wc_malloc(sizeof *b + need);
        if (b == NULL)
            return NULL;
        b->size = b->used = need;
        wc_arena_link(a, b);
    } else {
        if (b == NULL || b->size - b->used < need) {
            b = wc_malloc(sizeof *b + WC_ARENA_BLOCK);
            if (b == NULL)
                return NULL;
            b->size = WC_ARENA_BLOCK;
            b->used = 0;
            b->owner = NULL;
            b->fate = WC_KEEP;
            b->next = a->head;
            a->head = b;
        }
        b->used += need;
    }
    void *p = (char *)b->data + (b->used - need);
    if (bytes > 0 && src != NULL)
        memcpy(p, src, bytes);
    return p;
}

/* Make buf (a malloc'd buffer whose first `bytes` bytes are a key) a
 * dedicated block of the arena, shrunk to fit; returns where the key now
 * is, or NULL when out of memory (buf is then untouched and still the
 * caller's).  A long key then costs its size once instead of twice (buffer
 * and copy). */
static void *wc_arena_take(struct wc_arena *a, void *buf, size_t bytes)
{
    size_t need = (bytes + 7) & ~(size_t)7;
    if (need < bytes || need > SIZE_MAX - sizeof(struct wc_ablock))
        return NULL;
    struct wc_ablock *b = wc_realloc(buf, sizeof *b + need);
    if (b == NULL)
        return NULL;
    memmove(b->data, b, bytes);
    b->size = b->used = need;
    wc_arena_link(a, b);
    return b->data;
}

/* The dedicated block of key p (of `bytes` bytes), or NULL when the key
 * shares a block. */
static struct wc_ablock *wc_arena_own_block(const void *p, size_t bytes)
{
    if (((bytes + 7) & ~(size_t)7) <= WC_ARENA_BLOCK)
        return NULL;
    return (struct wc_ablock *)(void *)((char *)(uintptr_t)p -
                                        offsetof(struct wc_ablock, data));
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
    if (wc_fail_alloc())
        return NULL;
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

static _Atomic size_t wc_tab_min = WC_TAB_MIN;

void wc_test_table_min(size_t slots)
{
    if (slots == 0 || slots < 2 || (slots & (slots - 1)) != 0)
        slots = WC_TAB_MIN;
    atomic_store(&wc_tab_min, slots);
}

static int wc_tab_init(struct wc_tab *t, int kw)
{
    wc_hash_key();
    memset(t, 0, sizeof *t);
    t->kw = kw;
    size_t nslots = atomic_load_explicit(&wc_tab_min, memory_order_relaxed);
    t->ents = wc_slots_alloc(nslots);
    if (t->ents == NULL)
        return WC_ENOMEM;
    t->mask = nslots - 1;
    return WC_OK;
}

static void wc_tab_free(struct wc_tab *t)
{
    wc_slots_free(t->ents, t->mask + 1);
    wc_arena_free(&t->arena);
    t->ents = NULL;
    t->n = 0;
}

/* Move the entries to a slot array of nslots (a power of two that holds
 * them).  Out of memory: WC_ENOMEM and t as it was. */
static int wc_tab_rehash(struct wc_tab *t, size_t nslots)
{
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

/* The slots a table of n entries has (n at most SIZE_MAX / 16). */
static size_t wc_tab_slots_for(size_t n)
{
    size_t nslots = WC_TAB_MIN;
    while (n * 16 > nslots * WC_TAB_LOAD && nslots <= SIZE_MAX / 4)
        nslots *= 2;
    return nslots;
}

/* Make room for `more` new entries: after WC_OK, that many inserts never
 * grow the table (nor allocate, but for keys copied into the arena). */
static int wc_tab_reserve(struct wc_tab *t, size_t more)
{
    size_t nslots = t->mask + 1;
    if (more > SIZE_MAX / 16 - t->n)
        return WC_ENOMEM;
    size_t need = t->n + more;
    while (need * 16 > nslots * WC_TAB_LOAD) {
        if (nslots > SIZE_MAX / 2 / sizeof(struct wc_ent))
            return WC_ENOMEM;
        nslots *= 2;
    }
    return nslots == t->mask + 1 ? WC_OK : wc_tab_rehash(t, nslots);
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
        if (wc_tab_reserve(t, 1) != WC_OK)
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
    int narrow;         /* keys of several widths (wc_tab_narrow_keys): an
                         * entry's hash field holds its key's width */
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
    wc_freq *f = wc_calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    /* Folded words of 1- and 2-byte texts are counted as UTF-8 (shorter
     * keys, more of them inline) and narrowed in wc_tab_narrow_keys.
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
    int w = f->narrow ? (int)e->hash : f->kw;
    *key = wc_ent_key(e, w);
    *len = e->len;
    *width = w;
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

/* Count a transient key of more than WC_ARENA_BLOCK bytes (rare, not
 * inlined).  When it is new and it is the scratch buffer's word (sc->buf),
 * that buffer becomes its arena block (wc_arena_take) instead of being
 * copied; the enumerator then allocates another for the next word. */
static int wc_tab_count_long(struct wc_tab *t, const void *key, size_t len,
                             uint64_t h, uint64_t first, struct wc_scratch *sc)
{
    size_t slot = 0;
    if (sc == NULL || key != sc->buf ||
        wc_tab_find(t, key, len, h, &slot) != NULL)
        return wc_tab_count(t, key, len, h, first, 1);
    if (wc_tab_reserve(t, 1) != WC_OK)
        return WC_ENOMEM;
    const void *k = wc_arena_take(&t->arena, sc->buf, len * (size_t)t->kw);
    if (k == NULL)
        return WC_ENOMEM;
    sc->buf = NULL;
    sc->cap = 0;
    wc_tab_find(t, k, len, h, &slot);
    /* Never NULL: no grow (reserved), no copy. */
    struct wc_ent *e = wc_tab_insert(t, slot, k, len, h, first, 0);
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
        if (bytes > WC_ARENA_BLOCK)
            return wc_tab_count_long(t, key, len, h, first, &s->sc);
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
    struct wc_wstate *s = wc_calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (job->needles != NULL) {
        s->needles = job->needles;
        s->counts = wc_calloc(job->nneedles + 1, sizeof *s->counts);
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
static int wc_tab_merge(struct wc_tab *t, struct wc_tab *s)
{
    size_t fresh = s->n;
    size_t need = t->n + s->n, cap = t->mask + 1;
    if (t->n != 0 && s->n != 0 && s->n <= SIZE_MAX / 16 - t->n &&
        need * 16 > cap * WC_TAB_LOAD) {
        /* Room for all of s grows t, but the tables of one text often
         * share most words: the union may need less.  A sample of s (in
         * hash order: a random one) says whether it may; if so the new
         * keys are counted, else the room for all of s is what the union
         * needs anyway. */
        size_t seen = 0, nfresh = 0;
        for (size_t k = 0; k <= s->mask && seen < 256; k++) {
            const struct wc_ent *e = &s->ents[k];
            if (e->hash == 0)
                continue;
            size_t slot = 0;
            seen++;
            nfresh += wc_tab_find(t, wc_ent_key(e, s->kw), e->len, e->hash,
                                  &slot) == NULL;
        }
        /* The estimate with a margin of 1/8 of s. */
        size_t est = (size_t)((double)s->n * nfresh / seen) + s->n / 8 + 16;
        if (wc_tab_slots_for(t->n + (est < s->n ? est : s->n)) <
            wc_tab_slots_for(need))
            fresh = SIZE_MAX;
    }
    if (fresh == SIZE_MAX) {
        fresh = 0;
        for (size_t k = 0; k <= s->mask; k++) {
            const struct wc_ent *e = &s->ents[k];
            if (k + 8 <= s->mask && s->ents[k + 8].hash != 0)
                __builtin_prefetch(&t->ents[s->ents[k + 8].hash & t->mask]);
            if (e->hash == 0)
                continue;
            size_t slot = 0;
            if (wc_tab_find(t, wc_ent_key(e, s->kw), e->len, e->hash,
                            &slot) == NULL)
                fresh++;
        }
    }
    if (wc_tab_reserve(t, fresh) != WC_OK)
        return WC_ENOMEM;
    for (size_t k = 0; k <= s->mask; k++) {
        const struct wc_ent *e = &s->ents[k];
        if (k + 8 <= s->mask && s->ents[k + 8].hash != 0)
            __builtin_prefetch(&t->ents[s->ents[k + 8].hash & t->mask]);
        if (e->hash == 0)
            continue;
        const void *key = wc_ent_key(e, s->kw);
        size_t slot = 0;
        struct wc_ent *d = wc_tab_find(t, key, e->len, e->hash, &slot);
        if (d == NULL) {
            /* Never NULL: no grow (reserved), no copy. */
            d = wc_tab_insert(t, slot, key, e->len, e->hash, e->first, 0);
        } else if (e->first < d->first) {
            d->first = e->first;
        }
        d->count += e->count;
    }
    wc_arena_adopt(&t->arena, &s->arena);
    return WC_OK;
}

/* Decode n bytes of our own UTF-8 (wc_utf8_encode: surrogates included)
 * into out in units of `width` (every code point fits). */
static size_t wc_utf8_to_units(const uint8_t *k, size_t n, void *out, int width)
{
    size_t m = 0;
    for (size_t j = 0; j < n; m++) {
        uint32_t b = k[j], c;
        if (b < 0x80) {
            c = b;
            j += 1;
        } else if (b < 0xE0) {
            c = ((b & 0x1F) << 6) | (k[j + 1] & 0x3Fu);
            j += 2;
        } else if (b < 0xF0) {
            c = ((b & 0x0F) << 12) | ((k[j + 1] & 0x3Fu) << 6) | (k[j + 2] & 0x3Fu);
            j += 3;
        } else {
            c = ((b & 0x07) << 18) | ((k[j + 1] & 0x3Fu) << 12) |
                ((k[j + 2] & 0x3Fu) << 6) | (k[j + 3] & 0x3Fu);
            j += 4;
        }
        if (width == 1)
            ((uint8_t *)out)[m] = (uint8_t)c;
        else if (width == 2)
            ((uint16_t *)out)[m] = (uint16_t)c;
        else
            ((uint32_t *)out)[m] = c;
    }
    return m;
}

/* The width and length of the narrowest form of the UTF-8 key k[0 .. n).
 * The lead bytes bound the code points: below 0xC4 is at most U+FF, below
 * 0xF0 in the BMP. */
static int wc_narrow_width(const uint8_t *k, size_t n, size_t *units)
{
    size_t m = 0;
    uint8_t max = 0;
    for (size_t j = 0; j < n; m++) {
        uint8_t b = k[j];
        j += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        if (b > max)
            max = b;
    }
    *units = m;
    return max < 0xC4 ? 1 : max < 0xF0 ? 2 : 4;
}

/* Shrink or free the blocks that wc_tab_narrow_keys marked (a shrink that
 * fails keeps the block as it is). */
static void wc_arena_settle(struct wc_arena *a)
{
    for (struct wc_ablock **link = &a->head, *b; (b = *link) != NULL;) {
        if (b->fate == WC_DROP) {
            *link = b->next;
            free(b);
            continue;
        }
        if (b->fate == WC_SHRINK) {
            struct wc_ablock *nb = realloc(b, sizeof *b + b->used);
            if (nb != NULL) {
                b = nb;
                b->size = b->used;
                b->owner->key.ptr = b->data;
                *link = b;
            }
            b->owner = NULL;
            b->fate = WC_KEEP;
        }
        link = &b->next;
    }
}

/*
 * The folded keys of a text that is not UTF-8 were counted as UTF-8
 * (fold_utf8): give each the narrowest width that holds its code points (1:
 * Latin-1, 2: UCS-2, 4: UTF-32; what CPython makes of it), as wc_freq_get
 * documents.  The table is looked up no more, so an entry's hash field now
 * holds its key's width (never 0: the slot stays taken).  Latin-1 keys are
 * never longer than their UTF-8: they are narrowed in place (a key's own
 * block shrinks after); wider keys go into one new block, and their UTF-8
 * (when it had a block of its own) is freed.  So at the peak a key takes its
 * UTF-8 size plus its final size at most, and no scratch buffer.  Out of
 * memory: WC_ENOMEM and t as it was (the new block is the only allocation,
 * made before any key changes).
 */
static int wc_tab_narrow_keys(struct wc_tab *t)
{
    size_t total = 0;
    for (size_t i = 0; i <= t->mask; i++) {
        const struct wc_ent *e = &t->ents[i];
        if (e->hash == 0)
            continue;
        size_t n;
        int w = wc_narrow_width(wc_ent_key(e, 1), e->len, &n);
        size_t bytes = n * (size_t)w;
        if (w > 1 && bytes > WC_INLINE_KEY)
            total += (bytes + 7) & ~(size_t)7; /* <= 4x the UTF-8 keys */
    }
    struct wc_arena fresh = {NULL};
    uint8_t *out = NULL;
    if (total > 0) {
        out = wc_arena_copy(&fresh, NULL, total);
        if (out == NULL)
            return WC_ENOMEM;
    }
    int settle = 0;
    for (size_t i = 0; i <= t->mask; i++) {
        struct wc_ent *e = &t->ents[i];
        if (e->hash == 0)
            continue;
        uint8_t *k = (uint8_t *)(uintptr_t)wc_ent_key(e, 1); /* a copy: ours */
        size_t n;
        int w = wc_narrow_width(k, e->len, &n);
        size_t bytes = n * (size_t)w;
        struct wc_ablock *own = e->len > WC_INLINE_KEY
            ? wc_arena_own_block(k, e->len) : NULL;
        if (bytes <= WC_INLINE_KEY) {
            uint8_t tmp[WC_INLINE_KEY]; /* k may be the entry's own bytes */
            wc_utf8_to_units(k, e->len, tmp, w);
            memcpy(e->key.bytes, tmp, bytes);
            if (own != NULL)
                own->fate = WC_DROP;
        } else if (w == 1) {
            /* In place: unit m is written after byte m on is read. */
            wc_utf8_to_units(k, e->len, k, 1);
            if (own != NULL && ((bytes + 7) & ~(size_t)7) < own->size) {
                own->owner = e;
                own->used = (bytes + 7) & ~(size_t)7;
                own->fate = WC_SHRINK;
            }
        } else {
            wc_utf8_to_units(k, e->len, out, w);
            e->key.ptr = out;
            out += (bytes + 7) & ~(size_t)7;
            if (own != NULL)
                own->fate = WC_DROP;
        }
        settle |= own != NULL;
        e->len = n;
        e->hash = (uint64_t)w;
    }
    if (settle)
        wc_arena_settle(&t->arena);
    wc_arena_adopt(&t->arena, &fresh);
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
        f->needle_counts = wc_calloc(f->nneedles + 1, sizeof *f->needle_counts);
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
        /* The largest table becomes the result; the others merge into it.
         * Built apart and swapped in only when complete: out of memory, f
         * is as it was. */
        size_t big = SIZE_MAX;
        for (size_t k = 0; k < job.ntasks; k++)
            if (st[k] != NULL && (big == SIZE_MAX || st[k]->tab.n > st[big]->tab.n))
                big = k;
        if (big != SIZE_MAX) {
            struct wc_tab *res = &st[big]->tab;
            for (size_t k = 0; k < job.ntasks && rc == WC_OK; k++)
                if (st[k] != NULL && k != big)
                    rc = wc_tab_merge(res, &st[k]->tab);
            /* Folded keys of a str text were counted as UTF-8
             * (fold_utf8): each takes its narrowest width now; a UTF-8
             * text's keys stay UTF-8. */
            int narrow = f->x.fold_utf8 && !f->x.utf8;
            if (rc == WC_OK && narrow)
                rc = wc_tab_narrow_keys(res);
            if (rc == WC_OK) {
                struct wc_tab tmp = f->tab; /* empty: freed with st[big] */
                f->tab = *res;
                *res = tmp;
                f->narrow = narrow;
            }
        }
        if (rc == WC_OK)
            f->counted = 1;
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
    struct wc_scratch *sc; /* of the enumerator: transient keys live there */
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
        return len * (size_t)t->kw > WC_ARENA_BLOCK
            ? wc_tab_count_long(t, key, len, h, first, w->sc)
            : wc_tab_count(t, key, len, h, first, 1);
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
    struct wc_scratch sc = {NULL, 0};
    struct wc_iowin w = {.tab = &f->tab, .sc = &sc, .counts = counts, .pos = pos};
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
    /* The smaller table merges into the larger (the same result). */
    int swap = from->tab.n > into->tab.n;
    if (swap) {
        struct wc_tab tmp = into->tab;
        into->tab = from->tab;
        from->tab = tmp;
        if (from->tab.n == 0)
            return WC_OK;
    }
    int rc = wc_tab_merge(&into->tab, &from->tab);
    if (rc != WC_OK && swap) {
        struct wc_tab tmp = into->tab;
        into->tab = from->tab;
        from->tab = tmp;
    }
    return rc;
}

int wc_freq_io_add_counts(wc_freq *f, const uint64_t *counts)
{
    if (f->needle_counts == NULL) {
        f->needle_counts = wc_calloc(f->nneedles + 1, sizeof *f->needle_counts);
        if (f->needle_counts == NULL)
            return WC_ENOMEM;
    }
    for (size_t i = 0; i < f->nneedles; i++)
        f->needle_counts[i] += counts[i];
    return WC_OK;
}
