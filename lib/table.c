/*
 * table.c - the hash table of words (table.h): the key of the hash, the
 * slot arrays, growth, insertion (the merges of tables are in
 * table_merge.c, the narrowing of UTF-8 keys of a str's count in
 * table_narrow.c).
 */
#define _GNU_SOURCE /* MADV_HUGEPAGE, mremap */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "table.h"

/* ---- the key of the hash ------------------------------------------------- */

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
uint64_t wc_secret[4];
static pthread_once_t wc_secret_once = PTHREAD_ONCE_INIT;

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

/* WORD_COUNT_HASH_SEED as a number: an unsigned integer below 2^64,
 * decimal, 0x hex or 0 octal (strtoull's base 0).  strtoull alone would
 * also take leading spaces and a sign ("-5" wraps around to 2^64 - 5). */
static int wc_seed_from_env(const char *env, uint64_t *out)
{
    if (env == NULL || env[0] < '0' || env[0] > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(env, &end, 0);
    if (errno != 0 || end == NULL || *end != '\0')
        return 0;
    *out = (uint64_t)v;
    return 1;
}

int wc_hash_seed_env_invalid(void)
{
    const char *env = getenv("WORD_COUNT_HASH_SEED");
    uint64_t x;
    return env != NULL && *env != '\0' && !wc_seed_from_env(env, &x);
}

static void wc_secret_init(void)
{
    uint64_t x = 0;
    int fixed = wc_seed_from_env(getenv("WORD_COUNT_HASH_SEED"), &x);
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

const uint64_t wc_key_lo_mask[17] = {
    0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull,
    0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull,
    ~0ull, ~0ull, ~0ull, ~0ull};
const uint64_t wc_key_hi_mask[17] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull,
    0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~0ull};

/* ---- slots, growth, insertion --------------------------------------------- */


/* Write to every page of [p, p + bytes) now.  A look-up reads empty slots
 * before any insert writes them: pages never written are the kernel's
 * shared zero page, and the first write to each is then a copy-on-write
 * fault that, once the process has other threads, flushes their TLBs with
 * an interrupt to every CPU (perf showed 20% of a two-thread count in
 * those faults and IPIs).  Written first, a page costs one plain fault. */
static void wc_slots_populate(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, bytes, MADV_POPULATE_WRITE) == 0)
        return;
#endif
    /* An older kernel: one write a page (the pages are zeros already). */
    for (size_t i = 0; i < bytes; i += 4096)
        ((volatile uint8_t *)p)[i] = 0;
}

/* A slot array of nslots, all empty; pages of a mapped one written now
 * when `populate` (else the caller writes them: wc_slots_populate). */
struct wc_ent *wc_slots_alloc(size_t nslots, int populate)
{
    size_t bytes = nslots * sizeof(struct wc_ent);
    if (wc_fail_alloc())
        return NULL;
#ifdef MADV_HUGEPAGE
    if (wc_slots_mapped(nslots)) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: may be refused */
        if (populate)
            wc_slots_populate(p, bytes);
        return p;
    }
#endif
    /* calloc leaves fresh pages unwritten (see above), so every page is
     * written after it.  (It was malloc and memset, which gcc 12 turns into
     * calloc: a table of 1,280 KiB then took 571 page faults as it filled,
     * test_tables.c.) */
    struct wc_ent *s = calloc(nslots, sizeof *s);
    if (s != NULL) {
        volatile uint8_t *b = (volatile uint8_t *)s;
        for (size_t i = 0; i < bytes; i += 4096)
            b[i] = 0;
        b[bytes - 1] = 0;
    }
    return s;
}

int wc_slots_mapped(size_t nslots)
{
#ifdef MADV_HUGEPAGE
    return nslots * sizeof(struct wc_ent) >= WC_HUGE_SLOTS;
#else
    (void)nslots;
    return 0;
#endif
}

void wc_slots_free(struct wc_ent *s, size_t nslots)
{
    if (s == NULL)
        return;
#ifdef MADV_HUGEPAGE
    if (wc_slots_mapped(nslots)) {
        munmap(s, nslots * sizeof(struct wc_ent));
        return;
    }
#endif
    free(s);
}

static _Atomic size_t wc_tab_min = WC_TAB_MIN;

void wc_test_table_min(size_t slots)
{
    if (slots == 0 || slots < 2 || (slots & (slots - 1)) != 0)
        slots = WC_TAB_MIN;
    atomic_store(&wc_tab_min, slots);
}

size_t wc_tab_min_slots(void)
{
    return atomic_load_explicit(&wc_tab_min, memory_order_relaxed);
}

int wc_tab_init(struct wc_tab *t, int kw)
{
    return wc_tab_init_for(t, kw, SIZE_MAX);
}

int wc_tab_init_for(struct wc_tab *t, int kw, size_t most)
{
    wc_hash_key();
    memset(t, 0, sizeof *t);
    t->kw = kw;
    size_t nslots = wc_tab_min_slots();
    while (nslots > WC_TAB_FLOOR && most <= SIZE_MAX / 16 &&
           most * 16 <= nslots / 2 * WC_TAB_LOAD)
        nslots /= 2;
    t->ents = wc_slots_alloc(nslots, 1);
    if (t->ents == NULL)
        return WC_ENOMEM;
    t->mask = nslots - 1;
    return WC_OK;
}

void wc_tab_free(struct wc_tab *t)
{
    wc_slots_free(t->ents, t->mask + 1);
    wc_arena_free(&t->arena);
    t->ents = NULL;
    t->n = 0;
}

uint64_t wc_ent_hash_full(const struct wc_ent *e, int kw)
{
    return wc_key_hash(wc_ent_key(e, kw), wc_ent_len(e) * (size_t)kw);
}

static _Atomic size_t wc_moved_max; /* wc_test_table_moved_max */
static _Atomic size_t wc_grows;     /* wc_test_table_grows */

size_t wc_test_table_moved_max(void)
{
    return atomic_exchange(&wc_moved_max, 0);
}

size_t wc_test_table_grows(void)
{
    return atomic_exchange(&wc_grows, 0);
}

#if defined(__SANITIZE_THREAD__)
#define WC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WC_TSAN 1
#endif
#endif

/* Grow the slot array s of n slots to m (n < m, powers of two): its first
 * n slots kept, [n, m) empty.  A mapped array is moved with mremap: its
 * pages go with it, unzeroed and uncopied, and only the new ones are fresh
 * (fresh pages were a quarter of a count of 10M distinct words, perf: the
 * kernel zeroes each, and a guest's host may back it only then).  The
 * kernel picks the new address (2 MiB-aligned for a size of whole huge
 * pages, so they move whole: /proc/self/smaps showed every page of a 160
 * MB table still huge after three growths, as with a target of our own
 * given by MREMAP_FIXED, under which valgrind lost track of the new pages).
 * A smaller array is realloc'd.  NULL when out of memory: s
 * as it was. */
static struct wc_ent *wc_slots_grow(struct wc_ent *s, size_t n, size_t m)
{
    size_t ob = n * sizeof *s, nb = m * sizeof *s;
    /* ThreadSanitizer does not follow mremap: the range an array moved out
     * of kept its shadow, and a table another thread grew into it was
     * reported racing with the first thread's old writes (test_merge under
     * make test-tsan).  Under it, a mapped array is copied instead. */
#if defined(MADV_HUGEPAGE) && defined(MREMAP_MAYMOVE) && !defined(WC_TSAN)
    if (wc_slots_mapped(n)) {
        if (wc_fail_alloc())
            return NULL;
        void *p = mremap(s, ob, nb, MREMAP_MAYMOVE);
        if (p == MAP_FAILED)
            return NULL;
        wc_slots_populate((uint8_t *)p + ob, nb - ob);
        return p;
    }
#endif
    struct wc_ent *g;
    if (wc_slots_mapped(m)) {
        if ((g = wc_slots_alloc(m, 1)) == NULL)
            return NULL;
        memcpy(g, s, ob);
        wc_slots_free(s, n);
        return g;
    }
    if ((g = wc_realloc(s, nb)) == NULL)
        return NULL;
    memset(g + n, 0, nb - ob); /* every new page written (wc_slots_alloc) */
    return g;
}

/* Grow t to nslots (a power of two that holds its entries), in place.
 *
 * In a table of n slots an entry's home is hash & (n - 1); in one of
 * F * n, it is that plus k * n for some k < F.  Take the runs of occupied
 * slots (clusters) of the old table in order.  The entries of a cluster
 * that does not wrap around the end, put back into the new table, land in
 * its own slots (those with k = 0) and in its copies k * n further on
 * (the others): as many or fewer entries with the same homes never spill
 * past where the cluster ended.  So each entry, taken from its slot and put
 * back from its new home, finds its place among slots already done: k = 0
 * at or before where it was (that slot is free now), k > 0 in fresh
 * slots.  The one cluster that wraps around the old table's end would
 * spill its entries over the end of the new table into slots not yet done,
 * so it is taken out first and put back last.  Out of memory: WC_ENOMEM and
 * t as it was. */
static int wc_tab_rehash(struct wc_tab *t, size_t nslots)
{
    size_t n = t->mask + 1, mask = nslots - 1;
    struct wc_ent *ents = t->ents;
    size_t head = 0, tail = 0;
    while (head < n && wc_ent_used(&ents[head]))
        head++;
    if (head > 0)
        while (tail < n - head && wc_ent_used(&ents[n - 1 - tail]))
            tail++;
    size_t nwrap = tail > 0 ? head + tail : 0;
    struct wc_ent local[64], *wrap = local;
    if (nwrap > sizeof local / sizeof *local &&
        (wrap = wc_malloc(nwrap * sizeof *wrap)) == NULL)
        return WC_ENOMEM;
    struct wc_ent *s = wc_slots_grow(ents, n, nslots);
    if (s == NULL) {
        if (wrap != local)
            free(wrap);
        return WC_ENOMEM;
    }
    atomic_fetch_add_explicit(&wc_grows, t->n != 0, memory_order_relaxed);
    size_t most = atomic_load_explicit(&wc_moved_max, memory_order_relaxed);
    while (t->n > most &&
           !atomic_compare_exchange_weak(&wc_moved_max, &most, t->n))
        ;
    if (nwrap > 0) {
        memcpy(wrap, s + n - tail, tail * sizeof *s);
        memcpy(wrap + tail, s, head * sizeof *s);
        memset(s + n - tail, 0, tail * sizeof *s);
        memset(s, 0, head * sizeof *s);
    }
    for (size_t i = 0; i < n; i++) {
        if (!wc_ent_used(&s[i]))
            continue;
        size_t j = wc_ent_hash(&s[i], t->kw, mask) & mask;
        if (j == i)
            continue;
        struct wc_ent e = s[i];
        s[i].hl = 0;
        while (wc_ent_used(&s[j]))
            j = (j + 1) & mask;
        s[j] = e;
    }
    for (size_t w = 0; w < nwrap; w++) {
        size_t j = wc_ent_hash(&wrap[w], t->kw, mask) & mask;
        while (wc_ent_used(&s[j]))
            j = (j + 1) & mask;
        s[j] = wrap[w];
    }
    if (wrap != local)
        free(wrap);
    t->ents = s;
    t->mask = mask;
    t->load = 0;
    return WC_OK;
}

void wc_tab_may_fill(struct wc_tab *t)
{
    t->load = WC_FULL_LOAD;
}

/* The slots a table of n entries has (n at most SIZE_MAX / 16). */
size_t wc_tab_slots_for(size_t n)
{
    size_t nslots = WC_TAB_MIN;
    while (n * 16 > nslots * WC_TAB_LOAD && nslots <= SIZE_MAX / 4)
        nslots *= 2;
    return nslots;
}

/* Make room for `more` new entries: after WC_OK, that many inserts never
 * grow the table (nor allocate, but for keys copied into the arena). */
int wc_tab_reserve(struct wc_tab *t, size_t more)
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
/* Insert a key known to be absent (slot from wc_tab_find); copy it into the
 * arena when `copy` (keys that fit the entry are always copied there).
 * Returns the entry, or NULL when out of memory. */
struct wc_ent *wc_tab_insert(struct wc_tab *t, size_t slot,
                                    const void *key, size_t len, uint64_t h,
                                    uint64_t first, int copy)
{
    if ((t->n + 1) * 16 > (t->mask + 1) * (t->load ? t->load : WC_TAB_LOAD)) {
        if (wc_tab_reserve(t, 1) != WC_OK)
            return NULL;
        wc_tab_find(t, key, len, h, &slot);
    }
    size_t bytes = len * (size_t)t->kw;
    struct wc_ent *e = &t->ents[slot];
    if (bytes <= WC_INLINE_KEY) {
        /* Zero past the key: wc_tab_find16 compares all 16 bytes. */
        memset(e->key.bytes, 0, WC_INLINE_KEY);
        memcpy(e->key.bytes, key, bytes);
    } else if (copy) {
        e->key.big.ptr = wc_arena_copy(&t->arena, key, bytes);
        if (e->key.big.ptr == NULL)
            return NULL;
    } else {
        e->key.big.ptr = key;
    }
    e->hl = (uint32_t)h & WC_HASH_MASK;
    e->cf = 0;
    wc_ent_set_first(e, first);
    wc_ent_set_len(e, len, t->kw);
    t->n++;
    return e;
}

int wc_apart_note(struct wc_apart *a, const void *key, size_t bytes)
{
    if (bytes > WC_ARENA_BLOCK) {
        if (a->nbig == a->bigcap) {
            size_t cap = a->bigcap ? 2 * a->bigcap : 4;
            const void **grown = wc_realloc(a->bigkey, cap * sizeof *grown);
            if (grown == NULL)
                return WC_ENOMEM;
            a->bigkey = grown;
            a->bigcap = cap;
        }
        const void *copy = wc_arena_copy(&a->big, key, bytes);
        if (copy == NULL)
            return WC_ENOMEM;
        a->bigkey[a->nbig++] = copy;
    } else if (bytes > WC_INLINE_KEY) {
        a->small += (bytes + 7) & ~(size_t)7;
    }
    return WC_OK;
}

int wc_apart_reserve(struct wc_apart *a, struct wc_tab *t, size_t fresh)
{
    if (wc_tab_reserve(t, fresh) != WC_OK)
        return WC_ENOMEM;
    if (a->small > 0 &&
        (a->out = wc_arena_copy(&t->arena, NULL, a->small)) == NULL)
        return WC_ENOMEM;
    return WC_OK;
}

const void *wc_apart_key(struct wc_apart *a, const void *key, size_t bytes,
                         int copy)
{
    if (bytes > WC_ARENA_BLOCK)
        return a->bigkey[a->taken++];
    if (bytes <= WC_INLINE_KEY || !copy)
        return key;
    memcpy(a->out, key, bytes);
    key = a->out;
    a->out += (bytes + 7) & ~(size_t)7;
    return key;
}

void wc_apart_end(struct wc_apart *a, struct wc_tab *t, int ok)
{
    if (ok)
        wc_arena_adopt(&t->arena, &a->big);
    wc_arena_free(&a->big); /* empty once adopted */
    free(a->bigkey);
}

static _Atomic int wc_release_zero;
static _Atomic size_t wc_released; /* wc_test_released_slots */

void wc_test_release_zero(int on)
{
    atomic_store(&wc_release_zero, on);
}

size_t wc_test_released_slots(void)
{
    return atomic_exchange(&wc_released, 0);
}

void wc_tab_release_slots(struct wc_tab *t, size_t a, size_t b)
{
    if (b > t->mask + 1)
        b = t->mask + 1;
    if (a >= b)
        return;
    atomic_fetch_add_explicit(&wc_released, b - a, memory_order_relaxed);
    if (atomic_load_explicit(&wc_release_zero, memory_order_relaxed)) {
        memset(t->ents + a, 0, (b - a) * sizeof *t->ents);
        return;
    }
    /* A small table first: sysconf() was 0.9% of frequencies() of a line
     * (perf), whose read-out calls this once. */
    if (wc_slots_mapped(t->mask + 1))
        wc_release_pages(t->ents + a, (b - a) * sizeof *t->ents);
}

void wc_release_pages(void *p, size_t n)
{
#if defined(MADV_DONTNEED)
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return;
    uintptr_t from = (uintptr_t)p, end = from + n;
    from = (from + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    end &= ~((uintptr_t)page - 1);
    if (from < end)
        (void)madvise((void *)from, end - from, MADV_DONTNEED);
#else
    (void)p, (void)n;
#endif
}

/* Move the entries to the front, densely (no more look-ups after).  The
 * pages of a mapped slot array past the last entry go back to the OS: a
 * table is between 5/16 and 12/16 full, and what follows (the sort, the
 * caller's read-out into a Python dict of as many keys) runs while the
 * table is still held. */
void wc_tab_pack(struct wc_tab *t)
{
    (void)wc_tab_pack_keep(t, 0);
}

void *wc_tab_pack_keep(struct wc_tab *t, size_t keep)
{
    int was = t->packed;
    size_t w = t->n;
    if (!was) {
        /* Every slot is copied and the empty ones written over by the
         * next: no branch on whether a slot is empty, which in a table 5/16
         * to 12/16 full is a coin toss.  The sort's part of core_freq
         * --arrays (this pass, the radix sort and the gather), best of 9,
         * alternated: 50 MB of English text (251k words, 1M slots) 5.6-5.7
         * ms instead of 6.1-6.2, of code (654k words) 14.3-14.6 instead of
         * 15.8-16.0, the 100 MB of random tokens (10.2M words, 16M slots)
         * 137-140 instead of 158-161 (best of 3). */
        w = 0;
        for (size_t i = 0; i <= t->mask; i++) {
            struct wc_ent e = t->ents[i];
            t->ents[w] = e;
            w += wc_ent_used(&e);
        }
        t->packed = 1;
    }
    size_t room = (t->mask + 1 - w) * sizeof *t->ents;
    size_t kept = keep <= room ? (keep + sizeof *t->ents - 1) / sizeof *t->ents
                               : 0;
    if (!was)
        wc_tab_release_slots(t, w + kept, t->mask + 1);
    return kept > 0 ? (void *)(t->ents + w) : NULL;
}

/* Count a transient key of more than WC_ARENA_BLOCK bytes (rare, not
 * inlined).  When it is new and it is the scratch buffer's word (sc->buf),
 * that buffer becomes its arena block (wc_arena_take) instead of being
 * copied; the enumerator then allocates another for the next word. */
int wc_tab_count_long(struct wc_tab *t, const void *key, size_t len,
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
    wc_ent_add(e, 1);
    return WC_OK;
}
