/*
 * table_narrow.c - the narrowing of a table's UTF-8 keys when they are
 * sorted (table.h: wc_tab_narrow_keys; freq_result.c: wc_freq_narrow): the
 * words of a str (folded words of any text that is not UTF-8, and every word
 * of a 2- or 4-byte one) are kept as UTF-8 while counting; a str result
 * wants each key in the narrowest width that holds its code points, as
 * CPython stores a str.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "utf8.h"

/* Decode n bytes of our own UTF-8 (wc_utf8_encode, surrogates included, or
 * wc_utf8_encode_any) into out in units of `width` (every unit fits). */
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
            /* 4 bytes, or the longer forms of wc_utf8_encode_any (keys
             * of 4-byte texts, whose units may be any 32-bit value) */
            size_t l = wc_utf8_any_len((uint8_t)b);
            c = b & (0x7Fu >> l);
            for (size_t i = 1; i < l; i++)
                c = (c << 6) | (k[j + i] & 0x3Fu);
            j += l;
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

/* 1 when the UTF-8 key k[0 .. n) of entry e is ASCII (then it is its own
 * narrowest form: the same bytes, width 1).  An inline key is zero past n
 * (wc_tab_insert): two loads. */
static int wc_key_ascii(const struct wc_ent *e, const uint8_t *k, size_t n)
{
    const uint64_t high = 0x8080808080808080ull;
    if (n <= WC_INLINE_KEY)
        return ((wc_load64(e->key.bytes) | wc_load64(e->key.bytes + 8)) &
                high) == 0;
    uint64_t any = 0;
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        any |= wc_load64(k + j);
    for (; j < n; j++)
        any |= k[j];
    return (any & high) == 0;
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
        j += wc_utf8_any_len(b);
        if (b > max)
            max = b;
    }
    *units = m;
    return max < 0xC4 ? 1 : max < 0xF0 ? 2 : 4;
}

int wc_key_narrow_latin1(uint8_t *k, size_t n, size_t *units)
{
    size_t m;
    if (wc_narrow_width(k, n, &m) != 1 || m == n)
        return 0;
    /* In place: unit j is written after byte j on is read. */
    *units = wc_utf8_to_units(k, n, k, 1);
    return 1;
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
 * UTF-8 size plus its final size at most, and a bit a key.  Out of memory:
 * WC_ENOMEM and t's keys as they were (the bits and the new block are the
 * only allocations, made before any key changes; t is packed either way,
 * and the hash fields of its ASCII keys hold 1 already).
 */
int wc_tab_narrow_keys(struct wc_tab *t)
{
    /* Dense first: a pass over the n entries, not over every slot. */
    wc_tab_pack(t);
    /* It reads every key (fetched ahead), gives the ASCII ones their width
     * at once and marks the others, which a second pass reads alone (it
     * read every entry and key twice: wc_freq_narrow has the figures). */
    size_t nw = (t->n + 63) / 64;
    uint64_t *wide = wc_calloc(nw > 0 ? nw : 1, sizeof *wide);
    if (wide == NULL)
        return WC_ENOMEM;
    size_t total = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct wc_ent *e = &t->ents[i];
        if (i + 16 < t->n && wc_ent_big(&e[16])) {
            const uint8_t *k = e[16].key.big.ptr;
            __builtin_prefetch(k);
            __builtin_prefetch(k + wc_ent_len(&e[16]) - 1);
        }
        if (wc_key_ascii(e, wc_ent_key(e, 1), wc_ent_len(e))) {
            wc_ent_set_bits(e, 1); /* as it is, of width 1 */
            continue;
        }
        wide[i / 64] |= (uint64_t)1 << (i % 64);
        size_t n;
        int w = wc_narrow_width(wc_ent_key(e, 1), wc_ent_len(e), &n);
        size_t bytes = n * (size_t)w;
        if (w > 1 && bytes > WC_INLINE_KEY)
            total += (bytes + 7) & ~(size_t)7; /* <= 4x the UTF-8 keys */
    }
    struct wc_arena fresh = {NULL};
    uint8_t *out = NULL;
    if (total > 0) {
        out = wc_arena_copy(&fresh, NULL, total);
        if (out == NULL) {
            free(wide);
            return WC_ENOMEM;
        }
    }
    int settle = 0;
    for (size_t wi = 0; wi < nw; wi++) {
        for (uint64_t bits = wide[wi]; bits != 0; bits &= bits - 1) {
            size_t i = wi * 64 + (size_t)__builtin_ctzll(bits);
            struct wc_ent *e = &t->ents[i];
            /* A copy: ours to change. */
            uint8_t *k = (uint8_t *)(uintptr_t)wc_ent_key(e, 1);
            size_t len = wc_ent_len(e), n;
            int w = wc_narrow_width(k, len, &n);
            size_t bytes = n * (size_t)w;
            struct wc_ablock *own = len > WC_INLINE_KEY
                ? wc_arena_own_block(k, len) : NULL;
            if (bytes <= WC_INLINE_KEY) {
                uint8_t tmp[WC_INLINE_KEY]; /* k may be the entry's own bytes */
                wc_utf8_to_units(k, len, tmp, w);
                memcpy(e->key.bytes, tmp, bytes);
                if (own != NULL)
                    own->fate = WC_DROP;
            } else if (w == 1) {
                /* In place: unit m is written after byte m on is read. */
                wc_utf8_to_units(k, len, k, 1);
                if (own != NULL && ((bytes + 7) & ~(size_t)7) < own->size) {
                    own->owner = &e->key.big.ptr;
                    own->used = (bytes + 7) & ~(size_t)7;
                    own->fate = WC_SHRINK;
                }
            } else {
                wc_utf8_to_units(k, len, out, w);
                e->key.big.ptr = out;
                out += (bytes + 7) & ~(size_t)7;
                if (own != NULL)
                    own->fate = WC_DROP;
            }
            settle |= own != NULL;
            wc_ent_set_len(e, n, w);
            wc_ent_set_bits(e, (uint32_t)w);
        }
    }
    free(wide);
    if (settle)
        wc_arena_settle(&t->arena);
    wc_arena_adopt(&t->arena, &fresh);
    return WC_OK;
}
