/*
 * arena.c - the arena of a hash table's copied keys (arena.h).
 */
#include <string.h>

#include "alloc.h"
#include "arena.h"

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
void *wc_arena_copy(struct wc_arena *a, const void *src, size_t bytes)
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
void *wc_arena_take(struct wc_arena *a, void *buf, size_t bytes)
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
struct wc_ablock *wc_arena_own_block(const void *p, size_t bytes)
{
    if (((bytes + 7) & ~(size_t)7) <= WC_ARENA_BLOCK)
        return NULL;
    return (struct wc_ablock *)(void *)((char *)(uintptr_t)p -
                                        offsetof(struct wc_ablock, data));
}

/* Give every block of `from` to `to`. */
void wc_arena_adopt(struct wc_arena *to, struct wc_arena *from)
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

void wc_arena_free(struct wc_arena *a)
{
    for (struct wc_ablock *b = a->head, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

/* Shrink or free the blocks that wc_tab_narrow_keys marked (a shrink that
 * fails keeps the block as it is). */
void wc_arena_settle(struct wc_arena *a)
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
                *b->owner = b->data;
                *link = b;
            }
            b->owner = NULL;
            b->fate = WC_KEEP;
        }
        link = &b->next;
    }
}
