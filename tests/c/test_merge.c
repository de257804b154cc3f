/*
 * test_merge.c - wc_freq_merge_into, the ordered merge of the tables of
 * several inputs, against an oracle written here (split at ' ' and '\n',
 * a list of distinct words in order of first occurrence over the inputs):
 *   - texts merged one after another give the oracle's words, counts and
 *     order (first occurrence: input order, then position), and the same
 *     ties by count; keys are copied (each text is overwritten and freed
 *     once merged); short, long (arena) and very long (a block of their
 *     own) words, tables that grow;
 *   - a table counted from a text first keeps its words before the merged
 *     ones;
 *   - tables that cut words differently, needle tables and sorted tables
 *     are refused (WC_EINVAL);
 *   - every allocation failing in turn, once or from then on: WC_ENOMEM
 *     and the table as it was, or WC_OK and the oracle's table;
 *   - the sorts on 1 to 4 threads, and through an index (wc_freq_sort_for_pack):
 *     the words, packed and read, as the sort that moves them gives them;
 *     sorted again after it, merged after it;
 *   - words given packed (wc_freq_add_packed): the texts' words added so
 *     give the oracle's; a word given twice, an empty word; bad offsets,
 *     tables that cannot take words and counts that would wrap refused, the
 *     table as it was; allocations failing in turn as above.
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "freq.h"

/* ---- the oracle ------------------------------------------------------------ */

struct oword {
    const uint8_t *p; /* into a text the oracle keeps */
    size_t len;
    uint64_t count;
};

struct oracle {
    struct oword *w;
    size_t n, cap;
};

static void oracle_add(struct oracle *o, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->w[i].len == len && memcmp(o->w[i].p, p, len) == 0) {
            o->w[i].count++;
            return;
        }
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->w = realloc(o->w, o->cap * sizeof *o->w);
        if (o->w == NULL)
            abort();
    }
    o->w[o->n++] = (struct oword){p, len, 1};
}

/* The non-empty words of t split at ' ' and '\n', in order. */
static void oracle_text(struct oracle *o, const uint8_t *t, size_t len)
{
    size_t s = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || t[i] == ' ' || t[i] == '\n') {
            if (i > s)
                oracle_add(o, t + s, i - s);
            s = i + 1;
        }
}

/* f (sorted by first occurrence) holds exactly the oracle's words, counts
 * and order. */
static int table_is(wc_freq *f, const struct oracle *o)
{
    if (wc_freq_sort(f, 0) != WC_OK || wc_freq_size(f) != o->n)
        return 0;
    for (size_t i = 0; i < o->n; i++) {
        const void *key;
        size_t len;
        int width;
        uint64_t count;
        wc_freq_get(f, i, &key, &len, &width, &count);
        if (width != 1 || len != o->w[i].len || count != o->w[i].count ||
            memcmp(key, o->w[i].p, len) != 0)
            return 0;
    }
    return 1;
}

/* The same as table_is without sorting f (which would end its merges):
 * its slots hold the oracle's words and counts, their firsts rising in the
 * oracle's order. */
static int slots_are(const wc_freq *f, const struct oracle *o)
{
    if (f->tab.n != o->n || f->tab.packed)
        return 0;
    uint64_t *first = xmalloc((o->n + 1) * sizeof *first);
    size_t seen = 0;
    int ok = 1;
    for (size_t j = 0; j <= f->tab.mask && ok; j++) {
        const struct wc_ent *e = &f->tab.ents[j];
        if (!wc_ent_used(e))
            continue;
        const void *key = wc_ent_key(e, 1);
        size_t i = 0;
        while (i < o->n && (o->w[i].len != wc_ent_len(e) ||
                            memcmp(o->w[i].p, key, wc_ent_len(e)) != 0))
            i++;
        ok = i < o->n && o->w[i].count == wc_ent_count(e);
        if (ok)
            first[i] = wc_ent_first(e);
        seen++;
    }
    for (size_t i = 1; i < o->n && ok; i++)
        ok = first[i - 1] < first[i];
    free(first);
    return ok && seen == o->n;
}

/* f sorted by count: the oracle's words by count, ties in oracle order. */
static int table_by_count_is(wc_freq *f, const struct oracle *o)
{
    if (wc_freq_sort(f, 1) != WC_OK || wc_freq_size(f) != o->n)
        return 0;
    size_t i = 0;
    uint64_t max = 0;
    for (size_t k = 0; k < o->n; k++)
        if (o->w[k].count > max)
            max = o->w[k].count;
    for (uint64_t c = max; c >= 1; c--)
        for (size_t k = 0; k < o->n; k++) {
            if (o->w[k].count != c)
                continue;
            const void *key;
            size_t len;
            int width;
            uint64_t count;
            wc_freq_get(f, i++, &key, &len, &width, &count);
            if (len != o->w[k].len || count != c ||
                memcmp(key, o->w[k].p, len) != 0)
                return 0;
        }
    return i == o->n;
}

/* ---- the texts ------------------------------------------------------------- */

#define NTEXTS 12
#define HUGE_WORD (70 * 1024) /* over WC_ARENA_BLOCK: a block of its own */

/* Text k: words from a vocabulary that grows with k (so each text brings
 * new words and repeats old ones): short, 20 to 40 bytes (arena), and in
 * texts 3 and 7 a huge one.  Made again identically for the oracle. */
static uint8_t *make_text(int k, size_t *len)
{
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(k + 1);
    size_t cap = HUGE_WORD + 4096, n = 0;
    uint8_t *t = xmalloc(cap);
    int nwords = 40 + 13 * k;
    for (int i = 0; i < nwords; i++) {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        uint64_t r = rng * 0x2545F4914F6CDD1Dull;
        unsigned id = (unsigned)(r >> 40) % (unsigned)(8 + 9 * k);
        int w;
        if (id % 5 == 0)
            w = snprintf((char *)t + n, cap - n, "w%u-a-rather-long-word-%u", id, id * 7);
        else
            w = snprintf((char *)t + n, cap - n, "w%u", id);
        n += (size_t)w;
        t[n++] = (r & 0xF) == 0 ? '\n' : ' ';
        if ((r & 0x30) == 0)
            t[n++] = ' '; /* an empty word: not a word of frequencies */
    }
    if (k == 3 || k == 7) {
        memset(t + n, 'H', HUGE_WORD);
        t[n + HUGE_WORD - 1] = (uint8_t)('0' + k % 5); /* two huge words */
        n += HUGE_WORD;
    }
    *len = n;
    return t;
}

static wc_freq *table_of(const uint8_t *t, size_t len)
{
    wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_freq *f = wc_freq_new(1, &o);
    CHECK(f != NULL, "wc_freq_new");
    if (f != NULL)
        CHECK_EQ(wc_freq_count_all(f, t, len, NULL), WC_OK, "count_all");
    return f;
}

static wc_freq *empty_table(void)
{
    wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_freq *f = wc_freq_new(1, &o);
    if (f == NULL)
        abort();
    return f;
}

/* ---- the tests ----------------------------------------------------------- */

/* Texts merged one by one into an empty table (or into one counted from
 * text 0 first): the oracle over the texts in order, by first occurrence
 * and by count.  Each text is overwritten and freed once merged: the keys
 * must have been copied. */
static void test_merge_order(int counted_first, size_t table_min)
{
    uint8_t *keep[NTEXTS];
    struct oracle o = {0};
    wc_freq *dst = NULL;
    wc_test_table_min(table_min);
    for (int k = 0; k < NTEXTS; k++) {
        size_t len;
        keep[k] = make_text(k, &len);
        oracle_text(&o, keep[k], len);
        if (k == 0 && counted_first) {
            dst = table_of(keep[0], len); /* keys into keep[0] */
            continue;
        }
        if (dst == NULL)
            dst = empty_table();
        uint8_t *t = make_text(k, &len);
        wc_freq *src = table_of(t, len);
        CHECK_EQ(wc_freq_merge_into(dst, src), WC_OK, "text %d", k);
        wc_freq_free(src);
        memset(t, 'X', len);
        free(t);
    }
    CHECK(table_is(dst, &o), "counted_first %d min %zu: by first occurrence",
          counted_first, table_min);
    CHECK(table_by_count_is(dst, &o), "counted_first %d min %zu: by count",
          counted_first, table_min);
    /* The sort in rounds of keys too wide for one element (large texts),
     * on the same table: rounds of 11 bits, a round ending within the
     * first occurrence, another across it and the count. */
    wc_test_sort_split(1);
    CHECK(table_by_count_is(dst, &o), "counted_first %d min %zu: by count, "
          "in rounds", counted_first, table_min);
    CHECK(table_is(dst, &o), "counted_first %d min %zu: by first occurrence, "
          "in rounds", counted_first, table_min);
    wc_test_sort_split(0);
    wc_freq_free(dst);
    wc_test_table_min(0);
    free(o.w);
    for (int k = 0; k < NTEXTS; k++)
        free(keep[k]);
}

/* Empty sources and an empty destination merge to what they hold. */
static void test_merge_empty(void)
{
    size_t len;
    uint8_t *t = make_text(2, &len);
    struct oracle o = {0};
    oracle_text(&o, t, len);
    wc_freq *dst = empty_table(), *e1 = empty_table(), *e2 = empty_table();
    wc_freq *src = table_of(t, len);
    CHECK_EQ(wc_freq_merge_into(dst, e1), WC_OK, "empty into empty");
    CHECK_EQ(wc_freq_size(dst), 0, "empty into empty");
    CHECK_EQ(wc_freq_merge_into(dst, src), WC_OK, "text into empty");
    CHECK_EQ(wc_freq_merge_into(dst, e2), WC_OK, "empty into text");
    CHECK(table_is(dst, &o), "empty merges");
    wc_freq_free(dst);
    wc_freq_free(e1);
    wc_freq_free(e2);
    wc_freq_free(src);
    free(o.w);
    free(t);
}

/* Tables whose keys are not alike, needles, a sorted destination. */
static void test_merge_refused(void)
{
    wc_word_opts space = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_word_opts uni = {.words = WC_WORDS_UNICODE, .utf8 = 1, .threads = 1};
    wc_word_opts fold = {.words = WC_WORDS_SPACE, .casefold = 1, .utf8 = 1,
                         .threads = 1};
    wc_word_opts latin1 = {.words = WC_WORDS_SPACE, .utf8 = 0, .threads = 1};
    wc_freq *a = wc_freq_new(1, &space), *b = wc_freq_new(1, &uni);
    wc_freq *c = wc_freq_new(1, &fold), *d = wc_freq_new(1, &latin1);
    wc_freq *w2 = wc_freq_new(2, &space), *nd = wc_freq_new(1, &space);
    wc_freq *sorted = wc_freq_new(1, &space);
    size_t id;
    CHECK_EQ(wc_freq_add_needle(nd, "x", 1, 1, &id, NULL), WC_OK, "needle");
    CHECK_EQ(wc_freq_sort(sorted, 0), WC_OK, "sort");
    CHECK_EQ(wc_freq_merge_into(a, b), WC_EINVAL, "space / unicode");
    CHECK_EQ(wc_freq_merge_into(a, c), WC_EINVAL, "casefold");
    CHECK_EQ(wc_freq_merge_into(a, d), WC_EINVAL, "utf8 / latin-1");
    CHECK_EQ(wc_freq_merge_into(a, w2), WC_EINVAL, "width");
    CHECK_EQ(wc_freq_merge_into(a, nd), WC_EINVAL, "needles in src");
    CHECK_EQ(wc_freq_merge_into(nd, a), WC_EINVAL, "needles in dst");
    CHECK_EQ(wc_freq_merge_into(sorted, a), WC_EINVAL, "sorted dst");
    CHECK_EQ(wc_freq_merge_into(a, a), WC_EINVAL, "itself");
    CHECK_EQ(wc_freq_merge_into(a, NULL), WC_EINVAL, "NULL");
    wc_freq_free(a);
    wc_freq_free(b);
    wc_freq_free(c);
    wc_freq_free(d);
    wc_freq_free(w2);
    wc_freq_free(nd);
    wc_freq_free(sorted);
}

/* Every allocation of a merge failing in turn (once, or from then on): the
 * merge of texts 4 to 7 into a table of texts 0 to 3 returns WC_ENOMEM and
 * leaves that table as it was (merged again, it then gives the whole), or
 * WC_OK and the whole.  Text 7 holds a huge word (a block of its own). */
static void test_merge_oom(void)
{
    uint8_t *keep[8];
    size_t lens[8];
    struct oracle head = {0}, all = {0};
    for (int k = 0; k < 8; k++) {
        keep[k] = make_text(k, &lens[k]);
        if (k < 4)
            oracle_text(&head, keep[k], lens[k]);
        oracle_text(&all, keep[k], lens[k]);
    }
    wc_test_table_min(8); /* the destination grows */
    for (int persistent = 0; persistent <= 1; persistent++) {
        size_t failed = 0, wrong = 0;
        for (uint64_t nth = 1; nth < 60; nth++) {
            wc_freq *dst = empty_table(), *mid = empty_table();
            for (int k = 0; k < 8; k++) {
                wc_freq *src = table_of(keep[k], lens[k]);
                wrong += wc_freq_merge_into(k < 4 ? dst : mid, src) != WC_OK;
                wc_freq_free(src);
            }
            wc_test_fail_allocs(nth, persistent);
            int rc = wc_freq_merge_into(dst, mid);
            wc_test_fail_allocs(0, 0);
            if (rc == WC_ENOMEM) {
                failed++;
                wrong += !slots_are(dst, &head);
                rc = wc_freq_merge_into(dst, mid);
            }
            wrong += rc != WC_OK || !table_is(dst, &all);
            wc_freq_free(dst);
            wc_freq_free(mid);
        }
        CHECK(failed > 1, "persistent %d: some merges ran out of memory", persistent);
        CHECK_EQ(wrong, 0, "persistent %d: %zu failed", persistent, failed);
    }
    wc_test_table_min(0);
    for (int k = 0; k < 8; k++)
        free(keep[k]);
    free(head.w);
    free(all.w);
}

/* The sort split between threads: 100,000 words whose first occurrences
 * come in the order of their numbers and whose counts are 1 + (7919 i mod
 * 13), sorted on 1 to 4 threads (a pass in up to 3 parts: one per 32,768
 * words), by first occurrence and by count, the latter in one pass and in
 * two.  The expected orders come from the numbers. */
#define SORT_WORDS 100003 /* not a multiple of 8: arrays at every offset in a line */

static uint64_t sort_count(size_t i)
{
    return 1 + (uint64_t)(i * 7919 % 13);
}

static int sorted_as(wc_freq *f, int by_count)
{
    size_t n = wc_freq_size(f), pos = 0;
    if (n != SORT_WORDS)
        return 0;
    for (uint64_t c = 13; c >= 1; c--)
        for (size_t i = 0; i < SORT_WORDS; i++) {
            if (by_count && sort_count(i) != c)
                continue;
            const void *key;
            size_t len;
            int width;
            uint64_t count;
            char want[16];
            int wl = snprintf(want, sizeof want, "w%zu", i);
            wc_freq_get(f, pos++, &key, &len, &width, &count);
            if (len != (size_t)wl || memcmp(key, want, len) != 0 ||
                count != sort_count(i))
                return 0;
            if (!by_count && pos == SORT_WORDS)
                return 1;
        }
    return pos == SORT_WORDS;
}

/* The text of the sort tests: SORT_WORDS words, word i sort_count(i)
 * times. */
static uint8_t *sort_text(size_t *len)
{
    size_t cap = (size_t)SORT_WORDS * 14 * 8, n = 0;
    uint8_t *t = xmalloc(cap);
    for (size_t i = 0; i < SORT_WORDS; i++)
        n += (size_t)snprintf((char *)t + n, cap - n, "w%zu ", i);
    for (size_t r = 1; r < 13; r++) /* the later occurrences, scattered */
        for (size_t k = 0; k < SORT_WORDS; k++) {
            size_t i = (k * 7 + r * 4999) % SORT_WORDS;
            if (sort_count(i) > r)
                n += (size_t)snprintf((char *)t + n, cap - n, "w%zu\n", i);
        }
    *len = n;
    return t;
}

/* Each order on 1 to 4 threads, the entries moved into it (wc_freq_sort)
 * and read through an index (wc_freq_sort_for_pack, an index kept however
 * few the words), each pass scattered element by element and, on 1 and 3
 * threads, through lines (wc_test_sort_stream, as sorts of millions of
 * words are). */
static void test_sort_threads(void)
{
    size_t len;
    uint8_t *t = sort_text(&len);
    size_t most = 0;
    for (int threads = 1; threads <= 4; threads++) {
        wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = threads};
        for (int mode = 0; mode < 32; mode++) {
            int by_count = mode % 4 == 1 || mode % 4 == 2,
                indexed = mode % 8 >= 4, lend = mode % 16 < 8,
                lines = mode >= 16;
            /* Through lines: one part a pass, and three (the lines that
             * parts share), not every count of threads (the sanitizers'
             * runs of this file took 40-50 s longer with all four). */
            if (lines && threads != 1 && threads != 3)
                continue;
            wc_freq *f = wc_freq_new(1, &o);
            CHECK(f != NULL, "wc_freq_new");
            CHECK_EQ(wc_freq_count_all(f, t, len, NULL), WC_OK, "count");
            wc_test_sort_split(mode % 4 >= 2);
            wc_test_sort_lend(lend);
            wc_test_sort_stream(lines ? 1 : 0);
            (void)wc_test_sort_lent();
            (void)wc_test_sort_streamed();
            CHECK_EQ(indexed ? wc_freq_sort_for_pack(f, by_count)
                             : wc_freq_sort(f, by_count), WC_OK, "sort");
            CHECK_EQ(wc_test_sort_streamed(), (size_t)lines, "through lines");
            wc_test_sort_stream(0);
            wc_test_sort_lend(1);
            wc_test_sort_split(0);
            CHECK_EQ(f->order != NULL, indexed, "an index kept");
            /* These tables are at most 10/16 full (this text's words do
             * not come fast enough near the end for them to fill to 12/16):
             * the sort's two arrays (16 bytes a word) fit in 6/16 of empty
             * slots of 40 bytes, and an index kept is in them. */
            CHECK_EQ(wc_test_sort_lent(), (size_t)lend, "the table's slots lent");
            if (indexed)
                CHECK_EQ(f->order_owned, !lend, "an index of its own");
            if (indexed && lend)
                CHECK((const void *)f->order >=
                          (const void *)(f->tab.ents + f->tab.n) &&
                      (const void *)(f->order + f->tab.n) <=
                          (const void *)(f->tab.ents + f->tab.mask + 1),
                      "the index in the table's empty slots");
            size_t parts = wc_test_sort_parts();
            if (parts > most)
                most = parts;
            CHECK(sorted_as(f, by_count), "%d threads (%zu parts): %s%s%s%s",
                  threads, parts, mode % 4 == 0 ? "by first occurrence"
                  : mode % 4 == 1 ? "by count" : mode % 4 == 2 ? "by count, in rounds"
                  : "by first occurrence, in rounds", indexed ? ", indexed" : "",
                  lend ? ", in the table's slots" : ", arrays malloc'd",
                  lines ? ", through lines" : "");
            wc_freq_free(f);
        }
    }
    CHECK(most == 3, "a pass of the sort was split into %zu parts at most, "
          "not 3", most);
    free(t);
}

/* The words of g (sorted) packed (wc_freq_pack, utf8 0) in runs of `step`
 * words, each followed by wc_freq_release of the words packed (as the
 * Python read-out does); *n the words.  The three arrays are one block
 * (data, then offsets and counts), malloc'd. */
static uint8_t *packed_of(wc_freq *g, size_t step, size_t *n, size_t *size)
{
    *n = wc_freq_size(g);
    *size = wc_freq_packed_size(g, 0, *n, 0);
    size_t at8 = (*size + 8) & ~(size_t)7;
    uint8_t *b = xmalloc(at8 + 16 * (*n + 1));
    memset(b, 0, at8); /* the padding */
    int64_t *off = (int64_t *)(void *)(b + at8);
    uint64_t *counts = (uint64_t *)(off + *n + 1);
    size_t at = 0, sum = 0;
    for (size_t lo = 0; lo < *n; lo += step) {
        size_t hi = *n - lo > step ? lo + step : *n;
        sum += wc_freq_packed_size(g, lo, hi, 0);
        at = wc_freq_pack(g, lo, hi, 0, b, at, off, counts);
        wc_freq_release(g, hi);
    }
    CHECK(at == *size && sum == *size, "packed %zu bytes, in parts %zu, of %zu",
          at, sum, *size);
    off[*n] = (int64_t)at;
    counts[*n] = 0; /* the block's last 8 bytes, compared too */
    return b;
}

/* wc_freq_sort_for_pack: an index kept (the words moved only with
 * wc_test_sort_moved); the words read through it as wc_freq_sort leaves them
 * (wc_freq_get, wc_freq_pack in parts, a release between that gives
 * nothing back); and a table sorted so sorted again with the entries moved
 * (by count, the top 10, a merge of it). */
static void test_sort_indexed(void)
{
    size_t len;
    uint8_t *t = sort_text(&len);
    wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 2};
    wc_freq *f = wc_freq_new(1, &o), *g = wc_freq_new(1, &o);
    CHECK(f != NULL && g != NULL, "wc_freq_new");
    CHECK_EQ(wc_freq_count_all(f, t, len, NULL), WC_OK, "count");
    wc_test_sort_moved(1);
    CHECK_EQ(wc_freq_sort_for_pack(f, 0), WC_OK, "sort");
    wc_test_sort_moved(0);
    CHECK(f->order == NULL && sorted_as(f, 0), "%d words: moved, no index",
          SORT_WORDS);
    size_t n1, s1, n2, s2;
    uint8_t *want = packed_of(f, 4096, &n1, &s1);
    wc_freq_free(f);

    CHECK_EQ(wc_freq_count_all(g, t, len, NULL), WC_OK, "count");
    CHECK_EQ(wc_freq_sort_for_pack(g, 0), WC_OK, "sort indexed");
    CHECK(g->order != NULL, "%d words: an index kept", SORT_WORDS);
    uint8_t *got = packed_of(g, 4096, &n2, &s2);
    CHECK(n1 == n2 && s1 == s2 &&
          memcmp(want, got, ((s1 + 8) & ~(size_t)7) + 16 * (n1 + 1)) == 0,
          "through the index: the same words, offsets and counts");
    free(got);
    CHECK(sorted_as(g, 0), "words released through an index are still there");
    CHECK_EQ(wc_freq_sort_top(g, 10), WC_OK, "top 10 after");
    int top_right = g->order == NULL;
    for (size_t i = 0; i < 10; i++) { /* counts 13: i = 6, 19, 32, ... */
        const void *key;
        size_t l;
        int w;
        uint64_t c;
        char word[16];
        wc_freq_get(g, i, &key, &l, &w, &c);
        int wl = snprintf(word, sizeof word, "w%zu", 6 + 13 * i);
        top_right &= c == 13 && l == (size_t)wl && memcmp(key, word, l) == 0;
    }
    CHECK(top_right, "top 10 after a sort through an index");
    CHECK_EQ(wc_freq_sort_for_pack(g, 1), WC_OK, "indexed by count");
    CHECK(g->order != NULL && sorted_as(g, 1), "indexed by count after top");
    CHECK_EQ(wc_freq_sort(g, 0), WC_OK, "sort after");
    CHECK(g->order == NULL && sorted_as(g, 0), "moved by first after indexed");
    wc_freq_free(g);

    /* A table sorted through an index, then merged: sorted again, moved. */
    wc_freq *src = wc_freq_new(1, &o), *dst = wc_freq_new(1, &o);
    CHECK_EQ(wc_freq_count_all(src, t, len, NULL), WC_OK, "count");
    CHECK_EQ(wc_freq_sort_for_pack(src, 0), WC_OK, "sort indexed");
    CHECK_EQ(wc_freq_merge_into(dst, src), WC_OK, "merged");
    CHECK(wc_freq_sort(dst, 0) == WC_OK && sorted_as(dst, 0), "the merge of a table sorted through an index");
    wc_freq_free(src);
    wc_freq_free(dst);
    free(want);
    free(t);
}

/* The sort text's words counted on one thread and sorted by count
 * (moved, no index). */
static wc_freq *counted_by_count(const uint8_t *t, size_t len)
{
    wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_freq *r = wc_freq_new(1, &o);
    CHECK(r != NULL, "wc_freq_new");
    CHECK_EQ(wc_freq_count_all(r, t, len, NULL), WC_OK, "count");
    CHECK_EQ(wc_freq_sort(r, 1), WC_OK, "sort");
    return r;
}

/* The sort text, and its words by count packed on one thread in runs of
 * 4,096 (packed_of): the pack that others are checked against. */
struct packed_ref {
    uint8_t *t, *want; /* the text; the packed block (data first) */
    size_t len, n, size;
    int64_t *woff;     /* in want */
    uint64_t *wcounts; /* in want */
};

static void packed_ref_init(struct packed_ref *p)
{
    p->t = sort_text(&p->len);
    wc_freq *r = counted_by_count(p->t, p->len);
    p->want = packed_of(r, 4096, &p->n, &p->size);
    p->woff = (int64_t *)(void *)(p->want + ((p->size + 8) & ~(size_t)7));
    p->wcounts = (uint64_t *)(p->woff + p->n + 1);
    wc_freq_free(r);
}

/* wc_freq_lend_arrays and wc_freq_take_arrays: after a sort through an
 * index of a mapped table, the pack's offsets and counts in its empty
 * slots (page-aligned, apart from each other and from the index), the
 * words packed there as into arrays of the caller's, and after the take
 * the arrays still whole in the memory handed over, every other page given
 * back, and the table empty.  Refused without an index, for a table not
 * mapped, twice, for more words, and without a lend to take. */
static void test_lend_arrays(void)
{
    struct packed_ref ref;
    packed_ref_init(&ref);
    uint8_t *t = ref.t, *want = ref.want;
    size_t len = ref.len, n = ref.n, size = ref.size;
    const int64_t *woff = ref.woff;
    const uint64_t *wcounts = ref.wcounts;
    wc_freq *r = counted_by_count(t, len);
    int64_t *off;
    uint64_t *counts;
    CHECK_EQ(wc_freq_lend_arrays(r, n, &off, &counts), WC_EINVAL,
             "no lend after a sort that moved the words");
    void *base;
    size_t blen;
    CHECK_EQ(wc_freq_take_arrays(r, &base, &blen), WC_EINVAL, "nothing to take");
    wc_freq_free(r);
    long page = sysconf(_SC_PAGESIZE);
    for (int threads = 1; threads <= 2; threads++) {
        wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = threads};
        wc_freq *f = wc_freq_new(1, &o);
        CHECK_EQ(wc_freq_count_all(f, t, len, NULL), WC_OK, "count");
        CHECK_EQ(wc_freq_sort_for_pack(f, 1), WC_OK, "sort for the pack");
        const uint8_t *ents = (const uint8_t *)f->tab.ents;
        size_t tbytes = (f->tab.mask + 1) * sizeof *f->tab.ents;
        const uint8_t *order = (const uint8_t *)f->order;
        CHECK_EQ(wc_freq_lend_arrays(f, n + 1, &off, &counts), WC_EINVAL,
                 "%d threads: no lend for more words", threads);
        if (threads == 2 && wc_freq_lend_arrays(f, n, &off, &counts) != WC_OK) {
            wc_freq_free(f); /* a merged table may have no room */
            continue;
        }
        if (threads == 1)
            CHECK_EQ(wc_freq_lend_arrays(f, n, &off, &counts), WC_OK,
                     "a table of %zu words in %zu slots lends", n,
                     (size_t)f->tab.mask + 1);
        int64_t *o2;
        uint64_t *c2;
        CHECK_EQ(wc_freq_lend_arrays(f, n, &o2, &c2), WC_EINVAL, "lent once");
        const uint8_t *po = (const uint8_t *)off, *pc = (const uint8_t *)counts;
        size_t ab = (n + 1) * 8;
        CHECK(po >= ents + n * sizeof *f->tab.ents && po + ab <= ents + tbytes &&
              pc >= ents + n * sizeof *f->tab.ents && pc + ab <= ents + tbytes,
              "%d threads: the arrays in the table's empty slots", threads);
        /* The counts are written over the index as it is read. */
        CHECK((po + ab <= pc || pc + ab <= po) &&
              (po + ab <= order || order + n * 8 <= po) && pc == order,
              "%d threads: the offsets apart from the index, the counts the "
              "index's own memory", threads);
        CHECK(((uintptr_t)po | (uintptr_t)pc) % (uintptr_t)page == 0,
              "%d threads: the arrays start pages", threads);
        uint8_t *data = xmalloc(size + 1);
        off[n] = (int64_t)wc_freq_pack_all(f, n, 0, data, off, counts);
        CHECK_EQ(wc_freq_take_arrays(f, &base, &blen), WC_OK, "take");
        CHECK(base == (const void *)ents && blen == tbytes,
              "%d threads: the table's memory handed over", threads);
        CHECK(wc_freq_size(f) == 0 && f->tab.ents == NULL && f->order == NULL,
              "%d threads: the table empty after the take", threads);
        CHECK_EQ(wc_freq_take_arrays(f, &base, &blen) == WC_OK ? 1 : 0, 0,
                 "taken once");
        CHECK((size_t)off[n] == size && memcmp(data, want, size) == 0 &&
              memcmp(off, woff, (n + 1) * 8) == 0 &&
              memcmp(counts, wcounts, n * 8) == 0,
              "%d threads: the words packed into lent arrays, whole after "
              "the take", threads);
        free(data);
        wc_freq_free(f);
        wc_freq_arrays_free(base, blen);
    }
    /* A table too small to be mapped lends nothing. */
    wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_freq *s = wc_freq_new(1, &o);
    CHECK_EQ(wc_freq_count_all(s, (const uint8_t *)"a b c a", 7, NULL), WC_OK, "count");
    CHECK_EQ(wc_freq_sort_for_pack(s, 0), WC_OK, "sort");
    CHECK(s->order != NULL, "an index kept");
    CHECK_EQ(wc_freq_lend_arrays(s, 3, &off, &counts), WC_EINVAL,
             "a table not mapped lends nothing");
    wc_freq_free(s);
    /* Nor one whose sort took malloc'd arrays (no room). */
    s = wc_freq_new(1, &o);
    CHECK_EQ(wc_freq_count_all(s, t, len, NULL), WC_OK, "count");
    wc_test_sort_lend(0);
    CHECK_EQ(wc_freq_sort_for_pack(s, 0), WC_OK, "sort");
    wc_test_sort_lend(1);
    CHECK_EQ(wc_freq_lend_arrays(s, n, &off, &counts), WC_EINVAL,
             "no room, no lend");
    wc_freq_free(s);
    free(want);
    free(t);
}

/* wc_freq_pack_all, and wc_freq_pack_plan then wc_freq_pack_planned, on 1
 * to 4 threads (up to 3 parts: one per 32,768 words), all the words or the
 * first n, the words moved or read through an index: the bytes, offsets and
 * counts of wc_freq_pack in runs of 4,096 words on one thread, and the
 * words released after.  The sizes of the words are summed once, before
 * the pack writes any: in the order of the words (by the plan, or by
 * wc_freq_pack_all when it splits the words into parts; on one part it
 * packs them in order, with no sizes), or for all the words of an index
 * by the sort (keys packed as they are) or in the order of memory (keys
 * encoded to UTF-8), with only the parts before the last two summed in
 * order and the last packed from the end back. */
static void test_pack_all(void)
{
    struct packed_ref ref;
    packed_ref_init(&ref);
    uint8_t *t = ref.t, *want = ref.want;
    size_t len = ref.len;
    const int64_t *woff = ref.woff;
    const uint64_t *wcounts = ref.wcounts;
    static const size_t firsts[] = {SORT_WORDS, SORT_WORDS - 1, 70000, 5, 0};
    size_t most = 0, wrong = 0, kept = 0, sized_wrong = 0;
    for (int threads = 1; threads <= 4; threads++)
        for (int indexed = 0; indexed < 2; indexed++)
            for (size_t k = 0; k < 2 * sizeof firsts / sizeof firsts[0]; k++) {
                int planned = k % 2;
                size_t m = firsts[k / 2];
                wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = 1,
                                  .threads = threads};
                wc_freq *f = wc_freq_new(1, &o);
                CHECK_EQ(wc_freq_count_all(f, t, len, NULL), WC_OK, "count");
                wc_test_sort_moved(!indexed);
                CHECK_EQ(wc_freq_sort_for_pack(f, 1), WC_OK, "sort");
                wc_test_sort_moved(0);
                wc_test_sort_parts(); /* the sort's, forgotten */
                size_t msize = (size_t)woff[m];
                uint8_t *data = xmalloc(msize + 1);
                int64_t *off = xmalloc((m + 1) * sizeof *off);
                uint64_t *counts = xmalloc((m + 1) * sizeof *counts);
                size_t at, sized, planned_size = msize, again = 0;
                /* All the words of an index: summed in the order of
                 * memory, the last part packed from the end back. */
                int all = f->order != NULL && m == wc_freq_size(f);
                /* Packed as UTF-8 on 2 and 4 threads (the text is ASCII:
                 * the same bytes), each word's size then counted from its
                 * bytes, not the sort's sum of the keys' lengths. */
                int utf8 = threads % 2 == 0;
                (void)wc_test_pack_sized();
                (void)wc_test_pack_summed();
                (void)wc_test_pack_backs();
                if (planned) {
                    static wc_pack_plan plan;
                    planned_size = wc_freq_pack_plan(f, m, utf8, &plan);
                    sized = wc_test_pack_sized();
                    at = wc_freq_pack_planned(f, &plan, data, off, counts);
                    again = wc_test_pack_sized();
                } else {
                    at = wc_freq_pack_all(f, m, utf8, data, off, counts);
                    sized = wc_test_pack_sized();
                }
                size_t summed = wc_test_pack_summed();
                size_t parts = wc_test_sort_parts();
                /* The words whose sizes were summed in their order: every
                 * word once, but those packed in order on one thread
                 * (pack_all) and those of the last two parts of all the
                 * words of an index. */
                size_t want_sized = parts > 1 ? (all ? m * (parts - 2) / parts : m)
                                              : (planned && !all ? m : 0);
                /* The words summed in the order of memory: none when the
                 * sort summed them (packed as they are), else all of an
                 * index's words that a plan sums. */
                size_t want_summed = all && utf8 && (planned || parts > 1) ? m : 0;
                sized_wrong += sized != want_sized || again != 0 ||
                               summed != want_summed ||
                               wc_test_pack_backs() != (size_t)(parts > 1 && all);
                most = parts > most ? parts : most;
                int bad = at != msize || planned_size != msize ||
                          memcmp(data, want, msize) != 0 ||
                          memcmp(off, woff, m * sizeof *off) != 0 ||
                          memcmp(counts, wcounts, m * sizeof *counts) != 0;
                const void *key;
                size_t l;
                int w;
                uint64_t c = 0;
                if (m > 0) /* word 0 given back, unless read through an index */
                    wc_freq_get(f, 0, &key, &l, &w, &c);
                bad |= m > 0 && (c != 0) != indexed;
                kept += indexed && f->order != NULL;
                if (bad)
                    printf("%s: %d threads, %s, first %zu: %zu parts, wrong\n",
                           planned ? "pack_planned" : "pack_all", threads,
                           indexed ? "indexed" : "moved", m, parts);
                wrong += (size_t)bad;
                free(data);
                free(off);
                free(counts);
                wc_freq_free(f);
            }
    CHECK_EQ(wrong, 0, "packs of all words or the first n");
    CHECK_EQ(sized_wrong, 0, "the words' sizes summed once a pack, as planned");
    CHECK_EQ(kept, 40, "packs through an index");
    CHECK(most == 3, "a pack was split into %zu parts at most, not 3", most);
    free(want);
    free(t);
}

/* The size of a pack of all the words of an index, which the sort sums as
 * it reads the entries (wc_freq_sized): keys inline and long (1 to 40
 * bytes, so both kinds of entry side by side at random), on 1 and 2
 * threads, against the sum of the distinct words' lengths made as the text
 * is written, and no pass of the pack's own over the entries. */
static void test_pack_size_summed(void)
{
    size_t cap = 1 << 20, len = 0, want = 0, words = 0;
    uint8_t *t = xmalloc(cap);
    for (size_t i = 0; i < 6000; i++) {
        size_t l = 1 + (i * 7919) % 40;
        char w[64];
        int k = snprintf(w, sizeof w, "%zu", i);
        memset(w + k, 'a' + (int)(i % 26), sizeof w - (size_t)k);
        size_t wl = l > (size_t)k ? l : (size_t)k; /* distinct: its number first */
        want += wl;
        words++;
        for (size_t r = 0; r <= i % 3; r++) {
            memcpy(t + len, w, wl);
            len += wl;
            t[len++] = r == i % 3 ? '\n' : ' ';
        }
    }
    for (int threads = 1; threads <= 2; threads++) {
        wc_word_opts o = {.words = WC_WORDS_SPACE, .threads = threads};
        wc_freq *f = wc_freq_new(1, &o);
        CHECK_EQ(wc_freq_count_all(f, t, len, NULL), WC_OK, "count");
        CHECK_EQ(wc_freq_size(f), words, "%d threads: the words", threads);
        CHECK_EQ(wc_freq_sort_for_pack(f, 0), WC_OK, "sort");
        CHECK(f->order != NULL, "an index");
        static wc_pack_plan plan;
        (void)wc_test_pack_summed();
        CHECK_EQ(wc_freq_pack_plan(f, words, 0, &plan), want,
                 "%d threads: the pack's size, summed by the sort", threads);
        CHECK_EQ(wc_test_pack_summed(), 0, "no pass of the pack's own");
        wc_freq_free(f);
    }
    free(t);
}

/* ---- words given packed (wc_freq_add_packed) ------------------------------ */

struct packed {
    uint8_t *data;
    size_t size, n;
    int64_t *off;
    uint64_t *counts;
};

/* The words of text k as wc_freq_pack writes them, in order of first
 * occurrence (what frequencies_arrays gives). */
static struct packed pack_text(int k)
{
    size_t len;
    uint8_t *t = make_text(k, &len);
    wc_freq *f = table_of(t, len);
    struct packed p = {0};
    CHECK_EQ(wc_freq_sort(f, 0), WC_OK, "sort");
    p.n = wc_freq_size(f);
    p.size = wc_freq_packed_size(f, 0, p.n, 0);
    p.data = xmalloc(p.size + 1);
    p.off = xmalloc((p.n + 1) * sizeof *p.off);
    p.counts = xmalloc((p.n + 1) * sizeof *p.counts);
    p.off[p.n] = (int64_t)wc_freq_pack(f, 0, p.n, 0, p.data, 0, p.off, p.counts);
    wc_freq_free(f);
    free(t);
    return p;
}

static void packed_free(struct packed *p)
{
    free(p->data);
    free(p->off);
    free(p->counts);
}

/* The texts' words given packed, added one after another (each overwritten
 * after: keys are copied), are the oracle's words of the texts one after
 * another; a table counted from text 0 first keeps its words first (else
 * text 0 too is added packed, to an empty table). */
static void test_add_packed(int counted_first)
{
    struct oracle o = {0};
    size_t len0;
    uint8_t *t0 = make_text(0, &len0);
    oracle_text(&o, t0, len0);
    uint8_t *keep[NTEXTS];
    wc_test_table_min(8);
    wc_freq *dst = counted_first ? table_of(t0, len0) : empty_table();
    for (int k = 1; k < NTEXTS; k++) {
        if (k == 1 && !counted_first) {
            struct packed p = pack_text(0);
            CHECK_EQ(wc_freq_add_packed(dst, p.data, p.size, p.off, p.counts, p.n),
                     WC_OK, "text 0");
            memset(p.data, 'x', p.size);
            packed_free(&p);
        }
        size_t len;
        keep[k] = make_text(k, &len);
        oracle_text(&o, keep[k], len);
        struct packed p = pack_text(k);
        CHECK_EQ(wc_freq_add_packed(dst, p.data, p.size, p.off, p.counts, p.n),
                 WC_OK, "text %d", k);
        memset(p.data, 'x', p.size);
        packed_free(&p);
    }
    CHECK(table_is(dst, &o), "texts added packed, counted first %d", counted_first);
    wc_freq_free(dst);
    wc_test_table_min(0);
    free(t0);
    for (int k = 1; k < NTEXTS; k++)
        free(keep[k]);
    free(o.w);
}

/* Word i of f (sorted) is want[0 .. wlen), counted wcount times. */
static int word_is(const wc_freq *f, size_t i, const void *want, size_t wlen,
                   uint64_t wcount)
{
    const void *key;
    size_t len;
    int width;
    uint64_t count;
    if (i >= wc_freq_size(f))
        return 0;
    wc_freq_get(f, i, &key, &len, &width, &count);
    return len == wlen && memcmp(key, want, len) == 0 && count == wcount;
}

/* A word given twice counts both times, in the place of its first; an empty
 * word and a word of 17 bytes (not inline) are words; an offset that does
 * not start at 0 is taken. */
static void test_add_packed_words(void)
{
    const uint8_t data[] = "..ab0123456789abcdefgab";
    /* "ab", "", "0123456789abcdefg", "ab" */
    const int64_t off[] = {2, 4, 4, 21, 23};
    const uint64_t counts[] = {3, 5, 7, 11};
    wc_freq *f = empty_table();
    CHECK_EQ(wc_freq_add_packed(f, data, 23, off, counts, 4), WC_OK, "add");
    CHECK_EQ(wc_freq_add_packed(f, data, 23, off + 1, counts + 1, 2), WC_OK,
             "add again");
    CHECK_EQ(wc_freq_sort(f, 0), WC_OK, "sort");
    const char *want[] = {"ab", "", "0123456789abcdefg"};
    const uint64_t wantc[] = {14, 10, 14};
    CHECK_EQ(wc_freq_size(f), 3, "words");
    for (size_t i = 0; i < 3; i++)
        CHECK(word_is(f, i, want[i], strlen(want[i]), wantc[i]), "word %zu", i);
    wc_freq_free(f);
}

/* Huge words (a block of their own each), new ones given twice in a part:
 * each keeps its own bytes and the sum of its counts; the caller's bytes
 * are overwritten after each add (keys are copied). */
static void test_add_packed_huge(void)
{
    size_t w = HUGE_WORD;
    uint8_t *data = xmalloc(3 * w);
    int64_t off[4] = {0, (int64_t)w, (int64_t)(2 * w), (int64_t)(3 * w)};
    const uint64_t counts[3] = {1, 2, 4}, again[1] = {8};
    wc_freq *f = empty_table();
    for (int round = 0; round < 2; round++) {
        /* A, A, B; then (round 1) A, A, B again and C alone */
        memset(data, 'A', 2 * w);
        memset(data + 2 * w, 'B', w);
        CHECK_EQ(wc_freq_add_packed(f, data, 3 * w, off, counts, 3), WC_OK,
                 "round %d", round);
        memset(data, 'x', 3 * w);
    }
    memset(data, 'C', w);
    CHECK_EQ(wc_freq_add_packed(f, data, w, off, again, 1), WC_OK, "C");
    memset(data, 'x', w);
    CHECK_EQ(wc_freq_sort(f, 0), WC_OK, "sort");
    CHECK_EQ(wc_freq_size(f), 3, "words");
    const char fill[3] = {'A', 'B', 'C'};
    const uint64_t want[3] = {6, 8, 8};
    for (size_t i = 0; i < 3; i++) {
        memset(data, fill[i], w);
        CHECK(word_is(f, i, data, w, want[i]), "huge word %zu", i);
    }
    wc_freq_free(f);
    free(data);
}

/* Bad offsets, tables that cannot take words, and counts that would wrap:
 * refused, the table as it was. */
static void test_add_packed_refused(void)
{
    size_t len0;
    uint8_t *t0 = make_text(1, &len0);
    struct oracle o = {0};
    oracle_text(&o, t0, len0);
    wc_freq *dst = table_of(t0, len0);
    const uint8_t data[] = "w1w2w3";
    const uint64_t counts[] = {1, 1, 1};
    const int64_t neg[] = {-1, 2, 4, 6}, down[] = {0, 4, 2, 6},
                  past[] = {0, 2, 4, 7}, start_past[] = {7};
    CHECK_EQ(wc_freq_add_packed(dst, data, 6, neg, counts, 3), WC_EINVAL, "negative");
    CHECK_EQ(wc_freq_add_packed(dst, data, 6, down, counts, 3), WC_EINVAL, "down");
    CHECK_EQ(wc_freq_add_packed(dst, data, 6, past, counts, 3), WC_EINVAL, "past");
    CHECK_EQ(wc_freq_add_packed(dst, data, 6, start_past, counts, 0), WC_EINVAL,
             "no words, past");
    CHECK_EQ(wc_freq_add_packed(dst, NULL, 6, past, counts, 3), WC_EINVAL, "NULL");
    CHECK(slots_are(dst, &o), "refused offsets: as it was");

    /* w1 is in dst (make_text(1) has it) with a small count: adding
     * WC_COUNT_MAX of it passes the limit; so do two of a word new to dst. */
    const int64_t one[] = {0, 2}, two[] = {0, 2, 4};
    const uint64_t max[] = {WC_COUNT_MAX}, max1[] = {WC_COUNT_MAX, 1};
    CHECK_EQ(wc_freq_add_packed(dst, data, 6, one, max, 1), WC_EOVERFLOW, "wrap");
    CHECK_EQ(wc_freq_add_packed(dst, (const uint8_t *)"zzzz", 4, two, max1, 2),
             WC_EOVERFLOW, "wrap within");
    CHECK(slots_are(dst, &o), "overflow: as it was");
    wc_freq_free(dst);

    wc_freq *e = empty_table();
    const uint64_t over[] = {WC_COUNT_MAX + 1}, top[] = {UINT64_MAX};
    CHECK_EQ(wc_freq_add_packed(e, data, 6, one, over, 1), WC_EOVERFLOW,
             "2^48 into an empty table");
    CHECK_EQ(wc_freq_add_packed(e, data, 6, one, top, 1), WC_EOVERFLOW,
             "2^64 - 1 into an empty table");
    CHECK_EQ(wc_freq_size(e), 0, "nothing added");
    CHECK_EQ(wc_freq_add_packed(e, data, 6, one, max, 1), WC_OK, "2^48 - 1");
    CHECK_EQ(wc_freq_add_packed(e, data, 6, one, counts, 1), WC_EOVERFLOW, "one more");
    wc_freq_free(e);

    wc_word_opts space = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_freq *w2 = wc_freq_new(2, &space), *nd = empty_table(), *sorted = empty_table();
    size_t id;
    CHECK_EQ(wc_freq_add_needle(nd, "x", 1, 1, &id, NULL), WC_OK, "needle");
    CHECK_EQ(wc_freq_sort(sorted, 0), WC_OK, "sort");
    CHECK_EQ(wc_freq_add_packed(w2, data, 6, two, counts, 2), WC_EINVAL, "width 2");
    CHECK_EQ(wc_freq_add_packed(nd, data, 6, two, counts, 2), WC_EINVAL, "needles");
    CHECK_EQ(wc_freq_add_packed(sorted, data, 6, two, counts, 2), WC_EINVAL, "sorted");
    CHECK_EQ(wc_freq_add_packed(sorted, data, 6, two, counts, 0), WC_EINVAL,
             "sorted, no words");
    CHECK_EQ(wc_freq_add_packed(NULL, data, 6, two, counts, 2), WC_EINVAL, "NULL");
    wc_freq_free(w2);
    wc_freq_free(nd);
    wc_freq_free(sorted);
    free(t0);
    free(o.w);
}

/* Every allocation of the add of text 7 (its huge word: a block of its
 * own) failing in turn (once, or from then on): WC_ENOMEM and the table of
 * texts 0 to 6 as it was (added again, it gives the whole), or WC_OK. */
static void test_add_packed_oom(void)
{
    struct oracle head = {0}, all = {0};
    uint8_t *keep[8];
    size_t lens[8];
    for (int k = 0; k < 8; k++) {
        keep[k] = make_text(k, &lens[k]);
        if (k < 7)
            oracle_text(&head, keep[k], lens[k]);
        oracle_text(&all, keep[k], lens[k]);
    }
    struct packed p[8];
    for (int k = 4; k < 8; k++)
        p[k] = pack_text(k);
    wc_test_table_min(8);
    for (int persistent = 0; persistent <= 1; persistent++) {
        size_t failed = 0, wrong = 0;
        for (uint64_t nth = 1; nth < 40; nth++) {
            wc_freq *dst = empty_table();
            for (int k = 0; k < 4; k++) {
                wc_freq *src = table_of(keep[k], lens[k]);
                wrong += wc_freq_merge_into(dst, src) != WC_OK;
                wc_freq_free(src);
            }
            for (int k = 4; k < 8; k++) {
                wc_test_fail_allocs(k == 7 ? nth : 0, persistent);
                int rc = wc_freq_add_packed(dst, p[k].data, p[k].size, p[k].off,
                                            p[k].counts, p[k].n);
                wc_test_fail_allocs(0, 0);
                if (rc == WC_ENOMEM) {
                    failed++;
                    wrong += !slots_are(dst, &head);
                    rc = wc_freq_add_packed(dst, p[k].data, p[k].size, p[k].off,
                                            p[k].counts, p[k].n);
                }
                wrong += rc != WC_OK;
            }
            wrong += !table_is(dst, &all);
            wc_freq_free(dst);
        }
        CHECK(failed > 1, "persistent %d: some adds ran out of memory", persistent);
        CHECK_EQ(wrong, 0, "persistent %d: %zu failed", persistent, failed);
    }
    /* Into an empty table: WC_ENOMEM and still empty, or the words of
     * text 7. */
    struct oracle seven = {0};
    oracle_text(&seven, keep[7], lens[7]);
    for (int persistent = 0; persistent <= 1; persistent++) {
        size_t failed = 0, wrong = 0;
        for (uint64_t nth = 1; nth < 20; nth++) {
            wc_freq *dst = empty_table();
            wc_test_fail_allocs(nth, persistent);
            int rc = wc_freq_add_packed(dst, p[7].data, p[7].size, p[7].off,
                                        p[7].counts, p[7].n);
            wc_test_fail_allocs(0, 0);
            if (rc == WC_ENOMEM) {
                failed++;
                wrong += dst->tab.n != 0;
                rc = wc_freq_add_packed(dst, p[7].data, p[7].size, p[7].off,
                                        p[7].counts, p[7].n);
            }
            wrong += rc != WC_OK || !table_is(dst, &seven);
            wc_freq_free(dst);
        }
        CHECK(failed > 1, "empty, persistent %d: some adds ran out of memory", persistent);
        CHECK_EQ(wrong, 0, "empty, persistent %d: %zu failed", persistent, failed);
    }
    free(seven.w);
    wc_test_table_min(0);
    for (int k = 0; k < 8; k++) {
        free(keep[k]);
        if (k >= 4)
            packed_free(&p[k]);
    }
    free(head.w);
    free(all.w);
}

int main(void)
{
    test_merge_order(0, 0);
    test_merge_order(1, 0);
    test_merge_order(0, 8);
    test_merge_order(1, 8);
    test_merge_empty();
    test_merge_refused();
    test_merge_oom();
    test_sort_threads();
    test_sort_indexed();
    test_pack_all();
    test_pack_size_summed();
    test_lend_arrays();
    test_add_packed(1);
    test_add_packed(0);
    test_add_packed_words();
    test_add_packed_huge();
    test_add_packed_refused();
    test_add_packed_oom();
    /* So that leak checkers see every thread joined: a worker of the
     * threaded tests above that went idle and exited is joined here
     * (ThreadSanitizer reported such a one as a thread leak). */
    wc_pool_shutdown();
    return check_report();
}
