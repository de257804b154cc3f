/*
 * table.c - the hash table of words (table.h): the key of the hash, the
 * slot arrays, growth, insertion, and the merges of tables, serial and
 * parallel (the narrowing of folded keys when counting ends is in
 * table_narrow.c).
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

const uint64_t wc_key_lo_mask[17] = {
    0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull,
    0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull,
    ~0ull, ~0ull, ~0ull, ~0ull};
const uint64_t wc_key_hi_mask[17] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull,
    0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~0ull};

/* ---- slots, growth, insertion --------------------------------------------- */

/* Slot arrays of at least this many bytes are mapped with transparent huge
 * pages asked for: look-ups in a table of 100,000+ words land on random
 * pages, and with 4 KiB pages nearly every one (and its prefetch) was a TLB
 * miss too (perf showed the prefetch stalling on page walks); the kernel
 * zeroes the pages, as calloc would. */
#define WC_HUGE_SLOTS ((size_t)2 << 20)

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
static struct wc_ent *wc_slots_alloc(size_t nslots, int populate)
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
        if (populate)
            wc_slots_populate(p, bytes);
        return p;
    }
#endif
    /* Not calloc: it leaves fresh pages unwritten (see above). */
    struct wc_ent *s = malloc(bytes);
    if (s != NULL)
        memset(s, 0, bytes);
    return s;
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

static _Atomic size_t wc_tab_min = WC_TAB_MIN;

void wc_test_table_min(size_t slots)
{
    if (slots == 0 || slots < 2 || (slots & (slots - 1)) != 0)
        slots = WC_TAB_MIN;
    atomic_store(&wc_tab_min, slots);
}

int wc_tab_init(struct wc_tab *t, int kw)
{
    wc_hash_key();
    memset(t, 0, sizeof *t);
    t->kw = kw;
    size_t nslots = atomic_load_explicit(&wc_tab_min, memory_order_relaxed);
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
    free(t->order);
    t->order = NULL;
    t->ents = NULL;
    t->n = 0;
}

/* The hash of entry e (of a table of kw-byte units) as far as a table of
 * mask + 1 slots looks at it: the 32 bits kept, or for a table of more
 * than 2^32 slots the whole hash, computed again from the key. */
static uint64_t wc_ent_hash(const struct wc_ent *e, int kw, size_t mask)
{
    if (mask <= UINT32_MAX)
        return e->hash;
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

/* Move the entries to a slot array of nslots (a power of two that holds
 * them).  Out of memory: WC_ENOMEM and t as it was. */
static int wc_tab_rehash(struct wc_tab *t, size_t nslots)
{
    struct wc_ent *s = wc_slots_alloc(nslots, 1);
    if (s == NULL)
        return WC_ENOMEM;
    atomic_fetch_add_explicit(&wc_grows, t->n != 0, memory_order_relaxed);
    size_t most = atomic_load_explicit(&wc_moved_max, memory_order_relaxed);
    while (t->n > most &&
           !atomic_compare_exchange_weak(&wc_moved_max, &most, t->n))
        ;
    size_t mask = nslots - 1;
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->ents[i].hash == 0)
            continue;
        size_t j = wc_ent_hash(&t->ents[i], t->kw, mask) & mask;
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
    if ((t->n + 1) * 16 > (t->mask + 1) * WC_TAB_LOAD) {
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
    e->hash = (uint32_t)h;
    e->count = 0;
    e->first = first;
    wc_ent_set_len(e, len, t->kw);
    t->n++;
    return e;
}

/* Move the entries to the front, densely (no more look-ups after).  The
 * pages of a mapped slot array past the last entry go back to the OS: a
 * table is between 5/16 and 10/16 full, and what follows (the sort, the
 * caller's read-out into a Python dict of as many keys) runs while the
 * table is still held. */
void wc_tab_pack(struct wc_tab *t)
{
    if (t->packed)
        return;
    size_t w = 0;
    for (size_t i = 0; i <= t->mask; i++)
        if (t->ents[i].hash != 0)
            t->ents[w++] = t->ents[i];
    t->packed = 1;
#if defined(MADV_HUGEPAGE) && defined(MADV_DONTNEED)
    size_t bytes = (t->mask + 1) * sizeof(struct wc_ent);
    long page = sysconf(_SC_PAGESIZE);
    if (bytes >= WC_HUGE_SLOTS && page > 0) {
        uintptr_t from = (uintptr_t)(t->ents + w);
        from = (from + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
        uintptr_t end = (uintptr_t)t->ents + bytes;
        if (from < end) /* a hint: the pages are read as zeros if kept */
            (void)madvise((void *)from, end - from, MADV_DONTNEED);
    }
#endif
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
    e->count++;
    return WC_OK;
}

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
        if (k + 8 <= s->mask && s->ents[k + 8].hash != 0)
            __builtin_prefetch(&t->ents[s->ents[k + 8].hash & t->mask]);
        if (e->hash == 0)
            continue;
        struct wc_ent *d;
        if (add && hit != NULL && (d = hit[i++]) != NULL) {
            if (e->first < d->first)
                d->first = e->first;
            d->count += e->count;
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
            d = wc_tab_insert(t, slot, key, len, h, e->first, 0);
        } else if (!add) {
            continue;
        } else if (e->first < d->first) {
            d->first = e->first;
        }
        d->count += e->count;
    }
    return fresh;
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
        size_t seen = 0, nfresh = 0;
        for (size_t k = 0; k <= s->mask && seen < 256; k++) {
            const struct wc_ent *e = &s->ents[k];
            if (e->hash == 0)
                continue;
            size_t slot = 0;
            seen++;
            nfresh += wc_tab_find(t, wc_ent_key(e, s->kw), wc_ent_len(e),
                                  wc_ent_hash(e, s->kw, t->mask), &slot) == NULL;
        }
        size_t est = (size_t)((double)s->n * nfresh / seen), margin = s->n / 8;
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
static _Atomic size_t wc_pmerge_deferred, wc_pmerge_resumed;

void wc_test_pmerge(size_t cap, size_t *deferred, size_t *resumed)
{
    atomic_store(&wc_pmerge_cap, cap == 0 ? WC_PMERGE_DEFER : cap);
    *deferred = atomic_exchange(&wc_pmerge_deferred, 0);
    *resumed = atomic_exchange(&wc_pmerge_resumed, 0);
}

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
        /* The words of s new to t, estimated from a sample of 256 (in hash
         * order: a random one); a union estimated short only makes the
         * table fuller than its load, never full (wc_pmerge_fits). */
        size_t seen = 0, nfresh = 0;
        for (size_t k = 0; k <= s->mask && seen < 256; k++) {
            const struct wc_ent *e = &s->ents[k];
            if (e->hash == 0)
                continue;
            size_t slot = 0;
            seen++;
            nfresh += wc_tab_find(t, wc_ent_key(e, s->kw), wc_ent_len(e),
                                  wc_ent_hash(e, s->kw, t->mask), &slot) == NULL;
        }
        est += seen == 0 ? 0 : (size_t)((double)s->n * nfresh / seen);
    }
    size_t nslots = wc_tab_slots_for(est);
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
    /* The unit: the fewest slots of the target and the sources. */
    size_t unit = nslots;
    if (!m->fresh && t->mask + 1 < unit)
        unit = t->mask + 1;
    for (size_t i = 0; i < nothers; i++)
        if (others[i]->mask + 1 < unit)
            unit = others[i]->mask + 1;
    if (nparts > unit / 64)
        nparts = unit / 64 > 0 ? unit / 64 : 1; /* ranges of 64+ slots */
    m->unit = unit;
    m->t = t;
    m->nparts = nparts;
    m->cap = atomic_load_explicit(&wc_pmerge_cap, memory_order_relaxed);
    m->nsrc = nothers + m->fresh;
    m->src = wc_malloc(m->nsrc * sizeof *m->src);
    m->parts = wc_calloc(nparts, sizeof *m->parts);
    if (m->src != NULL && m->parts != NULL && nparts <= SIZE_MAX / m->cap)
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
        if (d->hash == 0) {
            *d = *e;
            ++*added;
            return 1;
        }
        if (d->hash == e->hash && d->len == e->len &&
            (bytes <= WC_INLINE_KEY
                 ? memcmp(d->key.bytes, e->key.bytes, WC_INLINE_KEY) == 0
                 : wc_ent_len(d) == len &&
                       memcmp(d->key.big.ptr, e->key.big.ptr, bytes) == 0)) {
            d->count += e->count;
            if (e->first < d->first)
                d->first = e->first;
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
                          size_t pos[3], const struct wc_ent **defer,
                          size_t *ndefer, size_t *added)
{
    size_t mask = m->mask, unit = m->unit, width = hi - lo;
    for (; pos[0] < m->nsrc; pos[0]++, pos[1] = 0, pos[2] = 0) {
        const struct wc_tab *s = m->src[pos[0]];
        size_t smask = s->mask;
        for (; pos[1] <= smask / unit; pos[1]++, pos[2] = 0) {
            size_t base = pos[1] * unit + lo;
            for (;; pos[2]++) {
                size_t j = (base + pos[2]) & smask;
                const struct wc_ent *e = &s->ents[j];
                if (e->hash == 0) {
                    if (pos[2] >= width)
                        break; /* past the run, at an empty slot */
                    continue;
                }
                const struct wc_ent *ahead = &s->ents[(j + 8) & smask];
                if (ahead->hash != 0) {
                    size_t h8 = wc_ent_hash(ahead, s->kw, mask) & mask;
                    if ((h8 & (unit - 1)) - lo < width)
                        __builtin_prefetch(&m->ents[h8]);
                }
                size_t shome = wc_ent_hash(e, s->kw, smask) & smask;
                if (shome - base >= width)
                    continue; /* its home is another run's */
                size_t home = wc_ent_hash(e, s->kw, mask) & mask;
                if (defer == NULL) {
                    wc_pmerge_add_any(m, e, home, added);
                } else if (!wc_pmerge_add(m, e, home,
                                          (home & ~(unit - 1)) + hi, added)) {
                    if (*ndefer == m->cap)
                        return 0;
                    defer[(*ndefer)++] = e;
                }
            }
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
    if (m->fresh && (m->mask + 1) * sizeof(struct wc_ent) >= WC_HUGE_SLOTS)
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
        const struct wc_ent **defer = m->defer + k * m->cap;
        added += p->added;
        for (size_t j = 0; j < p->ndefer; j++) {
            const struct wc_ent *e = defer[j];
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
    if (m->fresh) {
        wc_slots_free(t->ents, t->mask + 1);
        t->ents = m->ents;
        t->mask = m->mask;
        t->n = added;
        m->ents = NULL;
    } else {
        t->n += added;
    }
    for (size_t i = m->fresh; i < m->nsrc; i++)
        wc_arena_adopt(&t->arena, &m->src[i]->arena);
    wc_tab_pmerge_free(m);
    /* A union estimated short may leave t past its load (never full):
     * grown now, a hint (out of memory, t is valid as it is). */
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
 * t holds the same words and counts as before (perhaps with more slots).
 */
int wc_tab_merge_ordered(struct wc_tab *t, const struct wc_tab *s,
                         uint64_t base)
{
    /* The keys over WC_ARENA_BLOCK are copied at once into blocks of their
     * own (rare: one allocation each), kept apart until nothing can fail. */
    struct wc_arena big = {NULL};
    const void **bigkey = NULL;
    size_t fresh = 0, small = 0, nbig = 0, bigcap = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct wc_ent *e = &s->ents[s->order != NULL ? s->order[i] : i];
        size_t slot = 0, len = wc_ent_len(e), b = len * (size_t)s->kw;
        const void *key = wc_ent_key(e, s->kw);
        if (wc_tab_find(t, key, len, wc_ent_hash(e, s->kw, t->mask), &slot) != NULL)
            continue;
        fresh++;
        if (b > WC_ARENA_BLOCK) {
            if (nbig == bigcap) {
                bigcap = bigcap ? 2 * bigcap : 4;
                const void **grown = wc_realloc(bigkey, bigcap * sizeof *bigkey);
                if (grown == NULL)
                    goto nomem;
                bigkey = grown;
            }
            if ((bigkey[nbig++] = wc_arena_copy(&big, key, b)) == NULL)
                goto nomem;
        } else if (b > WC_INLINE_KEY) {
            small += (b + 7) & ~(size_t)7; /* <= the bytes of s's keys */
        }
    }
    uint8_t *out = NULL;
    if (wc_tab_reserve(t, fresh) != WC_OK ||
        (small > 0 && (out = wc_arena_copy(&t->arena, NULL, small)) == NULL))
        goto nomem;
    /* Nothing fails from here. */
    size_t j = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct wc_ent *e = &s->ents[s->order != NULL ? s->order[i] : i];
        size_t slot = 0, len = wc_ent_len(e), b = len * (size_t)s->kw;
        const void *key = wc_ent_key(e, s->kw);
        uint64_t h = wc_ent_hash(e, s->kw, t->mask);
        struct wc_ent *d = wc_tab_find(t, key, len, h, &slot);
        if (d == NULL) {
            if (b > WC_ARENA_BLOCK) {
                key = bigkey[j++];
            } else if (b > WC_INLINE_KEY) {
                memcpy(out, key, b);
                key = out;
                out += (b + 7) & ~(size_t)7;
            }
            /* Never NULL: no grow (reserved), no copy. */
            d = wc_tab_insert(t, slot, key, len, h, base + i, 0);
        }
        d->count += e->count;
    }
    wc_arena_adopt(&t->arena, &big);
    free(bigkey);
    return WC_OK;
nomem:
    wc_arena_free(&big);
    free(bigkey);
    return WC_ENOMEM;
}
