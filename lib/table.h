/*
 * table.h - private to the core: the hash table of words (keys) and their
 * counts, and the keyed hash it is built on.  Open addressing with linear
 * probing, the entries in the slots themselves (one cache miss a look-up; a
 * design with 8-byte slots pointing at dense entries took two and was about
 * 1.5x slower on the 100 MB Zipf corpus).  Short keys live in the entry; a
 * longer key is a pointer into the text when the word is not transformed,
 * else a copy in the table's arena, so memory is proportional to the
 * distinct words.  An entry remembers where its word first occurs (unit
 * position * 4 + sub, see words.h), for a tie order that does not depend on
 * the spans or threads.  Look-ups are inline: they are the inner loop of
 * frequencies().
 */
#ifndef WC_TABLE_H
#define WC_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"
#include "common.h"

/* ---- the hash of a key (table.c says how it is keyed) -------------------- */

/* The key: drawn once per process, before any table exists. */
extern uint64_t wc_secret[4];

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

WC_INLINE uint32_t wc_load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* A key of n <= 16 bytes as two words: bytes [0, 8) and [8, 16) of the key
 * read little-endian, zero past n.  Loads within the key only (at most two
 * overlapping loads a word).  Callers that may read 16 bytes at p mask two
 * plain loads instead (wc_key_mask16): the same two words. */
WC_INLINE void wc_key_ab(const uint8_t *p, size_t n, uint64_t *a, uint64_t *b)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    uint8_t k[16] = {0};
    memcpy(k, p, n);
    *a = wc_load64(k);
    *b = wc_load64(k + 8);
#else
    if (n >= 8) {
        *a = wc_load64(p);
        /* bytes [8, n): the top n - 8 bytes of the load ending at n */
        *b = n == 8 ? 0 : wc_load64(p + n - 8) >> (8 * (16 - n));
    } else if (n >= 4) {
        *a = (uint64_t)wc_load32(p) |
             ((uint64_t)wc_load32(p + n - 4) << (8 * (n - 4)));
        *b = 0;
    } else {
        *a = n == 0 ? 0
                    : (uint64_t)p[0] | ((uint64_t)p[n >> 1] << (8 * (n >> 1))) |
                          ((uint64_t)p[n - 1] << (8 * (n - 1)));
        *b = 0;
    }
#endif
}

/* The masks of wc_key_mask16, by length 0..16. */
extern const uint64_t wc_key_lo_mask[17], wc_key_hi_mask[17];

/* wc_key_ab for a key of n <= 16 bytes at p with p[0 .. 16) readable. */
WC_INLINE void wc_key_mask16(const uint8_t *p, size_t n, uint64_t *a,
                             uint64_t *b)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    *a = wc_load64(p) & wc_key_lo_mask[n];
    *b = wc_load64(p + 8) & wc_key_hi_mask[n];
#else
    wc_key_ab(p, n, a, b);
#endif
}

/* The hash of a key of n <= 16 bytes from its two words (wc_key_ab). */
WC_INLINE uint64_t wc_hash_ab(uint64_t a, uint64_t b, size_t n)
{
    const uint64_t *s = wc_secret;
    return wc_mum(s[1] ^ (uint64_t)n, wc_mum(a ^ s[1], b ^ s[0]) ^ s[2]);
}

/* The hash of n bytes at p (wyhash's structure); short keys are read with
 * at most two overlapping loads a word, never past the key. */
WC_INLINE uint64_t wc_hash(const uint8_t *p, size_t n)
{
    const uint64_t *s = wc_secret;
    uint64_t seed = s[0], a, b;
    if (n <= 16) {
        wc_key_ab(p, n, &a, &b);
        return wc_hash_ab(a, b, n);
    }
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
    return wc_mum(s[1] ^ (uint64_t)n, wc_mum(a ^ s[1], b ^ seed) ^ s[2]);
}

/* ---- the table ----------------------------------------------------------- */

/* Keys of at most WC_INLINE_KEY bytes are kept in the entry: a look-up then
 * never follows a pointer into the text, which for the rarer words of a
 * large text is a cache miss to DRAM (that halved the time of frequencies()
 * on the 100 MB Zipf corpus of benchmarks/bench_freq.py). */
#define WC_INLINE_KEY 16

/*
 * An entry: 32 bytes, two to a 64-byte line and never across one in a
 * mapped slot array (a malloc'd one, of less than WC_HUGE_SLOTS bytes, is
 * 16-byte aligned: wc_ent_prefetch).  It was 40, of which half the slots
 * crossed a line (the slots are most of a table's memory, which the kernel
 * zeroes); against 40 (docs/benchmarks.md), the sort took 10-25% less time,
 * the count, sort and pack of 100 MB of random tokens 6-12% less, in 17-19%
 * less memory, and the count of the smaller vocabularies a few percent more
 * or less by corpus and threads.  Its first word holds the low WC_HASH_BITS
 * bits of the key's hash, enough to filter (the bits above a table's index
 * bits differ between the keys of one probe sequence) and the home slot of
 * every table of up to 2^WC_HASH_BITS slots, so a grow never hashes a key
 * again (a larger table does: wc_ent_hash), and above them the key's length
 * code: its length + 1 when it is inline (at most WC_INLINE_KEY bytes),
 * else WC_LEN_BIG and its length beside its pointer; 0: an empty slot.  Its
 * count has WC_COUNT_BITS bits and its first occurrence (pos * 4 + sub)
 * WC_FIRST_BITS, split around the count: a text of fewer than 2^46 units
 * has fewer words, and a count of merged results or a position past those
 * bits is an error (WC_EOVERFLOW), never cut.
 */
#define WC_HASH_BITS 27
#define WC_HASH_MASK (((uint32_t)1 << WC_HASH_BITS) - 1)
#define WC_LEN_BIG 31u /* the length code of a key that is not inline */
#define WC_COUNT_BITS 48
#define WC_COUNT_MASK (((uint64_t)1 << WC_COUNT_BITS) - 1)
#define WC_FIRST_BITS 48
#define WC_FIRST_MAX (((uint64_t)1 << WC_FIRST_BITS) - 1)
_Static_assert(WC_COUNT_MASK == WC_COUNT_MAX &&
                   WC_FIRST_MAX == WC_UNITS_MAX * 4 + 3,
               "wordcount.h's limits are the entry's");

struct wc_ent {
    uint32_t hl;       /* hash bits | length code << WC_HASH_BITS; 0: empty */
    uint32_t first_lo; /* bits 0-31 of the first occurrence */
    uint64_t cf;       /* the count | the first's bits 32-47 << 48 */
    union {
        uint8_t bytes[WC_INLINE_KEY];
        struct {
            const void *ptr;
            uint64_t len; /* in key units */
        } big;
    } key;
};

_Static_assert(sizeof(struct wc_ent) == 32, "an entry is half a cache line");
_Static_assert(WC_COUNT_BITS + WC_FIRST_BITS - 32 == 64,
               "the count and the first occurrence's high bits fill cf");

/* The first word of the entry of a key of len units of kw bytes and hash h
 * (what wc_tab_find compares). */
WC_INLINE uint32_t wc_ent_tag(uint64_t h, size_t len, int kw)
{
    uint32_t code = len * (size_t)kw <= WC_INLINE_KEY ? (uint32_t)len + 1
                                                      : WC_LEN_BIG;
    return ((uint32_t)h & WC_HASH_MASK) | code << WC_HASH_BITS;
}

/* A slot that holds an entry. */
WC_INLINE int wc_ent_used(const struct wc_ent *e)
{
    return e->hl != 0;
}

/* A key that is not inline: key.big holds its pointer and length. */
WC_INLINE int wc_ent_big(const struct wc_ent *e)
{
    return e->hl >> WC_HASH_BITS == WC_LEN_BIG;
}

/* The hash bits kept (after wc_tab_narrow_keys: the key's width). */
WC_INLINE uint32_t wc_ent_bits(const struct wc_ent *e)
{
    return e->hl & WC_HASH_MASK;
}

/* Set the hash bits kept, the length code as it is. */
WC_INLINE void wc_ent_set_bits(struct wc_ent *e, uint32_t bits)
{
    e->hl = (e->hl & ~WC_HASH_MASK) | (bits & WC_HASH_MASK);
}

WC_INLINE const void *wc_ent_key(const struct wc_ent *e, int kw)
{
    (void)kw; /* the length code says where the key is */
    return wc_ent_big(e) ? e->key.big.ptr : (const void *)e->key.bytes;
}

/* The key's length in units. */
WC_INLINE size_t wc_ent_len(const struct wc_ent *e)
{
    return wc_ent_big(e) ? (size_t)e->key.big.len
                         : (size_t)(e->hl >> WC_HASH_BITS) - 1;
}

/* wc_ent_len without a branch, for a pass over entries whose keys are
 * long and short at random: the sort of the code corpus's 654k words,
 * which sums their lengths (wc_freq_sized), took 10.9-11.0 ms with the
 * branch, 8.7-8.9 without, 8.4-9.0 with no sum (core_freq --arrays). */
WC_INLINE size_t wc_ent_len_nb(const struct wc_ent *e)
{
    uint64_t code = e->hl >> WC_HASH_BITS;
    uint64_t big = (uint64_t)0 - (uint64_t)(code == WC_LEN_BIG);
    return (size_t)((e->key.big.len & big) | ((code - 1) & ~big));
}

/* Set the length of a key of kw-byte units (after its bytes or pointer:
 * the length of a long key shares the key's union). */
WC_INLINE void wc_ent_set_len(struct wc_ent *e, size_t len, int kw)
{
    e->hl = wc_ent_tag(e->hl, len, kw);
    if (len * (size_t)kw > WC_INLINE_KEY)
        e->key.big.len = len;
}

WC_INLINE uint64_t wc_ent_count(const struct wc_ent *e)
{
    return e->cf & WC_COUNT_MASK;
}

/* Add c to the count: the caller knows the sum stays within
 * WC_COUNT_MASK. */
WC_INLINE void wc_ent_add(struct wc_ent *e, uint64_t c)
{
    e->cf += c;
}

WC_INLINE void wc_ent_set_count(struct wc_ent *e, uint64_t c)
{
    e->cf = (e->cf & ~WC_COUNT_MASK) | c;
}

WC_INLINE uint64_t wc_ent_first(const struct wc_ent *e)
{
    return (uint64_t)e->first_lo | (e->cf >> WC_COUNT_BITS) << 32;
}

/* Set the first occurrence (at most WC_FIRST_MAX). */
WC_INLINE void wc_ent_set_first(struct wc_ent *e, uint64_t first)
{
    e->first_lo = (uint32_t)first;
    e->cf = (e->cf & WC_COUNT_MASK) | (first >> 32) << WC_COUNT_BITS;
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
    unsigned load;       /* the load (in 1/16) past which an insert grows
                          * the table: 0, WC_TAB_LOAD; wc_tab_may_fill */
    struct wc_arena arena;
};

/* Fetch the entry at e into the cache ahead of its use, and the line 64
 * bytes on (the address of e + 2, two slots on, made as an integer: it may
 * lie past the array, and a prefetch never faults), where a look-up
 * that does not stop at e goes on: it holds slot e + 1, e + 2 or both (a
 * mapped slot array is page-aligned, two entries a line), and the end of e
 * where e crosses a line (half the entries of a malloc'd slot array, which
 * is only 16-byte aligned).  Until 2026-12-06 the second prefetch was of
 * e's last byte (in a mapped array, e's own line again): the next slot's
 * start (e + 1) counted 100 MB of random tokens 9% faster, 50 MB of code
 * 3%, prose and English 2%, Zipf 1-2%, and the next line (e + 2) 1-3%
 * faster again than e + 1, on one thread and two
 * (benchmarks/core_freq.c, interleaved, on Emerald Rapids).  The sort's
 * gather and the pack, which read e alone, fetch that line for nothing:
 * with a function of their own that fetched e's ends only, the sort and
 * pack of 10.2M random tokens took the same time, so there is one. */
WC_INLINE void wc_ent_prefetch(const struct wc_ent *e)
{
    __builtin_prefetch(e);
    __builtin_prefetch((const void *)((uintptr_t)e + 2 * sizeof *e));
}

/* The home slot of hash h, ahead of its look-up. */
WC_INLINE void wc_tab_prefetch(const struct wc_tab *t, uint64_t h)
{
    wc_ent_prefetch(&t->ents[h & t->mask]);
}

/* Grow beyond this load (in 1/16): linear probing stays short. */
#define WC_TAB_LOAD 10

/* The load a table may reach when few words are left to insert (a merged
 * table, wc_tab_pmerge_init; a table near the end of its share of a text,
 * wc_tab_may_fill). */
#define WC_FULL_LOAD 12

/* Let t fill to WC_FULL_LOAD before an insert grows it, until it grows
 * (for the last words of a count, which a doubling of the table would
 * hold at twice the memory). */
void wc_tab_may_fill(struct wc_tab *t);

/* An empty table of keys of kw bytes a unit; WC_ENOMEM when out of memory. */
int wc_tab_init(struct wc_tab *t, int kw);
/* The same for at most `most` entries (a hint: more grow it), in fewer
 * slots than WC_TAB_MIN when they fit them (down to WC_TAB_FLOOR): each
 * call of frequencies() on a text of a few words zeroed two tables of 40
 * KiB, about half of its 4 us. */
int wc_tab_init_for(struct wc_tab *t, int kw, size_t most);
void wc_tab_free(struct wc_tab *t);

/* Make room for `more` new entries: after WC_OK, that many inserts never
 * grow the table (nor allocate, but for keys copied into the arena). */
int wc_tab_reserve(struct wc_tab *t, size_t more);

/* Insert a key known to be absent (slot from wc_tab_find); copy it into the
 * arena when `copy` (keys that fit the entry are always copied there).
 * Returns the entry, or NULL when out of memory. */
struct wc_ent *wc_tab_insert(struct wc_tab *t, size_t slot, const void *key,
                             size_t len, uint64_t h, uint64_t first, int copy);

/* Move the entries to the front, densely (no more look-ups after). */
void wc_tab_pack(struct wc_tab *t);

/* wc_tab_pack, and the slots after the entries lent as scratch memory:
 * the first `keep` bytes of them (8-byte aligned), or NULL when they are
 * fewer.  Those pages are not given back to the OS as the rest are (a
 * mapped table's are written already, where fresh memory must be zeroed by
 * the kernel first), and nothing in the core reads or writes a slot past
 * the entries of a packed table: the memory is the caller's until t is
 * freed. */
void *wc_tab_pack_keep(struct wc_tab *t, size_t keep);

/* Whether an array of nslots slots is mapped on its own (mmap, whole
 * pages: wc_slots_alloc), not malloc'd. */
int wc_slots_mapped(size_t nslots);

/* The entry of (key, len, h), or NULL with *slot where it would go (h:
 * wc_key_hash; an empty slot's length code is 0, no key's). */
WC_INLINE struct wc_ent *wc_tab_find(const struct wc_tab *t, const void *key,
                                     size_t len, uint64_t h, size_t *slot)
{
    size_t j = h & t->mask;
    size_t bytes = len * (size_t)t->kw;
    /* The hash bits and the length code: one compare. */
    uint32_t want = wc_ent_tag(h, len, t->kw);
    for (;;) {
        struct wc_ent *e = &t->ents[j];
        if (e->hl == want) {
            if (bytes <= WC_INLINE_KEY) {
                if (wc_key_eq(e->key.bytes, key, bytes))
                    return e;
            } else if (e->key.big.len == len &&
                       memcmp(e->key.big.ptr, key, bytes) == 0) {
                return e;
            }
        } else if (e->hl == 0) {
            *slot = j;
            return NULL;
        }
        j = (j + 1) & t->mask;
    }
}

/* A key's hash as the tables use it: the whole of wc_hash.  (It had bit
 * 31 set while an entry kept the low 32 bits and 0 meant an empty slot;
 * the length code says that now, and the bit made half the slots of a
 * table of more than 2^31 slots never a home.) */
WC_INLINE uint64_t wc_key_hash(const void *key, size_t bytes)
{
    return wc_hash(key, bytes);
}

WC_INLINE uint64_t wc_key_hash_ab(uint64_t a, uint64_t b, size_t bytes)
{
    return wc_hash_ab(a, b, bytes);
}

/* wc_tab_find for a key of at most WC_INLINE_KEY bytes given as its two
 * words (wc_key_ab): an entry's inline key is zero past its length
 * (wc_tab_insert), so two compares decide. */
WC_INLINE struct wc_ent *wc_tab_find16(const struct wc_tab *t, uint64_t a,
                                       uint64_t b, size_t len, uint64_t h,
                                       size_t *slot)
{
    size_t j = h & t->mask;
    /* wc_ent_tag of an inline key */
    uint32_t want = ((uint32_t)h & WC_HASH_MASK) |
                    ((uint32_t)len + 1) << WC_HASH_BITS;
    for (;;) {
        struct wc_ent *e = &t->ents[j];
        if (e->hl == want && wc_load64(e->key.bytes) == a &&
            wc_load64(e->key.bytes + 8) == b)
            return e;
        if (e->hl == 0) {
            *slot = j;
            return NULL;
        }
        j = (j + 1) & t->mask;
    }
}

/* The count of a word looked up in t: e its entry, or NULL and slot where
 * it goes (key, len, h, first, copy: wc_tab_insert's). */
WC_INLINE int wc_tab_bump(struct wc_tab *t, struct wc_ent *e, size_t slot,
                          const void *key, size_t len, uint64_t h,
                          uint64_t first, int copy)
{
    if (e == NULL) {
        e = wc_tab_insert(t, slot, key, len, h, first, copy);
        if (e == NULL)
            return WC_ENOMEM;
    } else if (first < wc_ent_first(e)) {
        /* Not for the spans of one task, which come in order; kept so that
         * no caller depends on the order in which it counts. */
        wc_ent_set_first(e, first);
    }
    wc_ent_add(e, 1);
    return WC_OK;
}

/* Count one word (hash h) into t; `copy` when the key is transient. */
WC_INLINE int wc_tab_count(struct wc_tab *t, const void *key, size_t len,
                           uint64_t h, uint64_t first, int copy)
{
    size_t slot = 0;
    struct wc_ent *e = wc_tab_find(t, key, len, h, &slot);
    return wc_tab_bump(t, e, slot, key, len, h, first, copy);
}

/* wc_tab_count for a key of at most WC_INLINE_KEY bytes as two words. */
WC_INLINE int wc_tab_count16(struct wc_tab *t, uint64_t a, uint64_t b,
                             size_t len, uint64_t h, uint64_t first)
{
    size_t slot = 0;
    struct wc_ent *e = wc_tab_find16(t, a, b, len, h, &slot);
    uint64_t key[2] = {a, b};
    return wc_tab_bump(t, e, slot, key, len, h, first, 1);
}

/* Count a transient key of more than WC_ARENA_BLOCK bytes (rare, not
 * inlined).  When it is new and it is the scratch buffer's word (sc->buf),
 * that buffer becomes its arena block (wc_arena_take) instead of being
 * copied; the enumerator then allocates another for the next word. */
int wc_tab_count_long(struct wc_tab *t, const void *key, size_t len,
                      uint64_t h, uint64_t first, struct wc_scratch *sc);

/* Merge table s into t: counts added, the earlier first occurrence kept; s
 * must only be freed after (its arena moves to t).  Linear in the entries
 * of s; out of memory: WC_ENOMEM and t and s as they were. */
int wc_tab_merge(struct wc_tab *t, struct wc_tab *s);

/* Give each key of t (keys counted as UTF-8) the narrowest width that
 * holds its code points; an entry's hash field then holds its key's width.
 * Packs t first (wc_tab_pack).  Out of memory: WC_ENOMEM and t's keys as
 * they were. */
int wc_tab_narrow_keys(struct wc_tab *t);

/* Give the whole pages within [p, p + n) back to the OS (memory of ours,
 * mapped or malloc'd, whose bytes are read no more: they would read as
 * zero); nothing where the OS cannot. */
void wc_release_pages(void *p, size_t n);

/* The UTF-8 key k[0 .. n), when it is not ASCII and every code point of it
 * is below U+0100: narrowed to Latin-1 in place, *units its length, 1;
 * else 0 and k as it was. */
int wc_key_narrow_latin1(uint8_t *k, size_t n, size_t *units);

/* For tests: new tables start with this many slots (a power of two, at
 * least 2; 0: the default), so that small texts grow and merge tables. */
void wc_test_table_min(size_t slots);

/* For tests: on (1), wc_tab_release_slots zeroes exactly the slots it is
 * given, in every slot array, instead of giving back the whole pages of a
 * mapped one: a read of a released slot then finds it empty (a word lost,
 * which the oracles see) at any slot, not only at page edges, and in the
 * small tables of the fuzzers too (and TSan sees the writes). */
void wc_test_release_zero(int on);

/* For tests: how many slots wc_tab_release_slots was given (after it
 * clamps them to the table) since the last call, which sets it to 0. */
size_t wc_test_released_slots(void);

/* For tests: the most entries that one growth of a table moved since the
 * last call (which sets it to 0 again). */
size_t wc_test_table_moved_max(void);

/* For tests: how many times a table that held entries grew (moved them)
 * since the last call (which sets it to 0 again). */
size_t wc_test_table_grows(void);

/* ---- shared by table.c and table_merge.c --------------------------------- */

/* Slot arrays of at least this many bytes are mapped with transparent huge
 * pages asked for: look-ups in a table of 100,000+ words land on random
 * pages, and with 4 KiB pages nearly every one (and its prefetch) was a TLB
 * miss too (perf showed the prefetch stalling on page walks); the kernel
 * zeroes the pages, as calloc would. */
#define WC_HUGE_SLOTS ((size_t)2 << 20)

/* A slot array of nslots, all empty (NULL: out of memory); the pages of a
 * mapped one (WC_HUGE_SLOTS bytes or more) written now when `populate`. */
struct wc_ent *wc_slots_alloc(size_t nslots, int populate);
void wc_slots_free(struct wc_ent *s, size_t nslots);

/* Slots [a, b) of t are read no more (until written again): the whole pages
 * they fill in a mapped slot array go back to the OS (a hint: they read as
 * zeros, empty slots, whether or not they go). */
void wc_tab_release_slots(struct wc_tab *t, size_t a, size_t b);

/* The fewest slots of a table (but for tests: wc_test_table_min), and of
 * one made for fewer words (wc_tab_init_for). */
#define WC_TAB_MIN 1024
#define WC_TAB_FLOOR 16

/* The slots of a new table: WC_TAB_MIN, or what wc_test_table_min set. */
size_t wc_tab_min_slots(void);

/* The slots a table of n entries has (n at most SIZE_MAX / 16). */
size_t wc_tab_slots_for(size_t n);

/* The whole hash of entry e, computed again from its key. */
uint64_t wc_ent_hash_full(const struct wc_ent *e, int kw);

/* The hash of entry e (of a table of kw-byte units) as far as a table of
 * mask + 1 slots looks at it: the WC_HASH_BITS kept, or for a table of
 * more than 2^WC_HASH_BITS slots the whole hash.  Inline: the merges call
 * it for every entry, up to three times (out of line, the call held a tenth
 * of the samples of the parallel merge's loop, perf on core_freq). */
WC_INLINE uint64_t wc_ent_hash(const struct wc_ent *e, int kw, size_t mask)
{
    return mask <= WC_HASH_MASK ? wc_ent_bits(e) : wc_ent_hash_full(e, kw);
}

/* ---- the parallel merge (table_merge.c says how) -------------------------- */

struct wc_pmerge_part {
    size_t pos[3];       /* where it stopped when not done */
    size_t ndefer;       /* its deferred entries */
    size_t added;        /* entries new to the target */
    int ran, done;
};

struct wc_pmerge {
    struct wc_tab *t;           /* the first table: the result */
    struct wc_tab **src;        /* the tables added to the target */
    size_t nsrc, nparts, cap;
    size_t unit;                /* the fewest slots of a table: a part's
                                 * range is one of each unit's */
    int fresh;                  /* the target is a fresh slot array */
    struct wc_ent *ents;        /* the target's slots */
    size_t mask;
    struct wc_pmerge_part *parts;
    struct wc_ent *defer;       /* cap a part: copies (the sources' slots go
                                 * back to the OS as the parts pass them) */
};

/* Plan the merge of tables others[0 .. nothers) into t by nparts parts
 * (fewer for a small table: m->nparts).  WC_EINVAL when the tables cannot
 * merge so, WC_ENOMEM when out of memory: nothing changed either way (a
 * serial wc_tab_merge then does).  Then wc_tab_pmerge_part(m, k) for every
 * k < m->nparts, on any threads at once, and wc_tab_pmerge_finish(m)
 * (serial; it cannot fail, and does the work of any part that did not
 * run): t holds the union, counts added and the earliest first
 * occurrences kept, and the arenas of the others (free them after).  The
 * parts give the slots of the sources back to the OS as they pass them (of
 * the others, and of t when it moves to a fresh array): once the parts
 * have run, the others are only to be freed. */
int wc_tab_pmerge_init(struct wc_pmerge *m, struct wc_tab *t,
                       struct wc_tab *const *others, size_t nothers,
                       size_t nparts);
void wc_tab_pmerge_part(struct wc_pmerge *m, size_t k);
void wc_tab_pmerge_finish(struct wc_pmerge *m);
/* Release a plan without merging (after init only: t is as it was). */
void wc_tab_pmerge_free(struct wc_pmerge *m);

/* For tests: parts defer at most cap entries (0: the default) from now on;
 * *deferred, *resumed and *merges: the entries deferred, the parts whose
 * rest the serial pass did, and the parallel merges done since the last
 * call. */
void wc_test_pmerge(size_t cap, size_t *deferred, size_t *resumed,
                    size_t *merges);

/* For tests: the most parts of a parallel merge since the last call. */
size_t wc_test_pmerge_parts(void);

/* For tests: the parallel merges into a fresh slot array (the target too
 * small for the union) since the last call (which sets it to 0 again). */
size_t wc_test_pmerge_fresh(void);

/*
 * The keys new to a table, made room for before any of them is added: the
 * two passes of an insert that must change nothing when it fails
 * (wc_tab_merge_ordered, wc_freq_add_packed).  Pass 1 notes each key not in
 * t (wc_apart_note: a key over WC_ARENA_BLOCK is copied at once into a
 * block of its own, rare; one longer than WC_INLINE_KEY counts its bytes),
 * then wc_apart_reserve makes room for `fresh` entries and one region of t's
 * arena for the counted bytes.  Pass 2 takes each noted key's place in the
 * same order (wc_apart_key: where the key to insert is; it cannot fail)
 * and wc_apart_end gives the blocks to t (or, after a failure, frees them).
 */
struct wc_apart {
    struct wc_arena big;     /* the copies of keys over WC_ARENA_BLOCK */
    const void **bigkey;
    size_t nbig, bigcap, taken;
    size_t small;            /* bytes of the other keys over WC_INLINE_KEY */
    uint8_t *out;            /* where the next of those goes (pass 2) */
};

int wc_apart_note(struct wc_apart *a, const void *key, size_t bytes);
int wc_apart_reserve(struct wc_apart *a, struct wc_tab *t, size_t fresh);
/* The key to insert for a noted key of `bytes` bytes at `key`; with `copy`
 * 0 the key is not inserted (a noted key given again): its copy, if it has
 * one, is passed over. */
const void *wc_apart_key(struct wc_apart *a, const void *key, size_t bytes,
                         int copy);
void wc_apart_end(struct wc_apart *a, struct wc_tab *t, int ok);

/* Merge s (packed, its entries in order of first occurrence) into t, t's
 * words first: a word new to t gets first = base + its index in s (base
 * above every first in t) and its key copied; counts added.  Linear in the
 * entries of s; s is only read.  Out of memory: WC_ENOMEM, and a count
 * that would pass 2^64 - 1: WC_EOVERFLOW; t's words and counts as they
 * were either way. */
int wc_tab_merge_ordered(struct wc_tab *t, const struct wc_tab *s,
                         uint64_t base);

#endif /* WC_TABLE_H */
