/*
 * arena.h - private to the core: an arena for the keys a hash table copies.
 * Keys are bump-allocated in blocks of WC_ARENA_BLOCK bytes; a longer key
 * gets a block of its own (which can be handed over, shrunk or dropped: see
 * wc_arena_take and wc_arena_settle).  An arena is freed whole, and a table
 * that merges another adopts its blocks.
 */
#ifndef WC_ARENA_H
#define WC_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct wc_ablock {
    struct wc_ablock *next;
    size_t used, size;
    /* A block of one long key only (dedicated: the key at data[0]), when
     * wc_tab_narrow_keys marks it: `used` to keep (WC_SHRINK) or none;
     * owner is where the key's address is kept, updated when it moves. */
    const void **owner;
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

/* Copy bytes from src (NULL: leave them to the caller) into the arena;
 * NULL when out of memory. */
void *wc_arena_copy(struct wc_arena *a, const void *src, size_t bytes);

/* Make buf (a malloc'd buffer whose first `bytes` bytes are a key) a
 * dedicated block of the arena, shrunk to fit; returns where the key now
 * is, or NULL when out of memory (buf is then untouched and still the
 * caller's).  A long key then costs its size once instead of twice (buffer
 * and copy). */
void *wc_arena_take(struct wc_arena *a, void *buf, size_t bytes);

/* The dedicated block of key p (of `bytes` bytes), or NULL when the key
 * shares a block. */
struct wc_ablock *wc_arena_own_block(const void *p, size_t bytes);

/* Give every block of `from` to `to`. */
void wc_arena_adopt(struct wc_arena *to, struct wc_arena *from);

/* Shrink or free the blocks marked WC_SHRINK or WC_DROP (a shrink that
 * fails keeps the block as it is). */
void wc_arena_settle(struct wc_arena *a);

void wc_arena_free(struct wc_arena *a);

#endif /* WC_ARENA_H */
