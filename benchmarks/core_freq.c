/*
 * core_freq.c - the core's word frequencies timed alone, without Python:
 * wc_freq_count_all and wc_freq_sort (by first occurrence, or with
 * --by-count by count as top=K of half the words or more is) on a file read
 * into memory, best of R rounds.  The figures of docs/benchmarks.md that
 * say "the core's count" come from here.
 *
 *   core_freq FILE [--width 1|2|4] [--words space|unicode] [--casefold]
 *             [--threads N] [--rounds R] [--by-count] [--arrays] [--check]
 *
 * --arrays: the sort and read-out of frequencies_arrays instead: the order
 * kept as an index (wc_freq_sort_for_pack), then the words packed into
 * three arrays (wc_freq_pack_plan, then wc_freq_pack_planned, both on the
 * count's threads; utf8 0), as frequencies_arrays does, timed apart.
 *
 * --width 2 or 4: the file holds UCS-2 or UCS-4 units (native order), as a
 * str of that width holds them; 1 (the default): bytes, read as UTF-8.
 * --check (space words, width 1, no casefold): the distinct words and their
 * total count compared with a plain reference (split, sort, count runs)
 * before timing; exit 1 when they differ.
 *
 * Built with the C tests (meson -Dtests=true): build/c/core_freq.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wordcount.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void usage(const char *msg)
{
    fprintf(stderr, "core_freq: %s\n"
            "usage: core_freq FILE [--width 1|2|4] [--words space|unicode] "
            "[--casefold] [--threads N] [--rounds R] [--by-count] [--arrays] "
            "[--check]\n", msg);
    exit(2);
}

static long number(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = s == NULL ? 0 : strtol(s, &end, 10);
    if (s == NULL || errno != 0 || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "core_freq: %s takes a number from %ld to %ld\n", opt,
                lo, hi);
        exit(2);
    }
    return v;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fprintf(stderr, "core_freq: out of memory\n");
            exit(2);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    if (ferror(f)) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- --check: a plain reference for space words of bytes --------------- */

struct span {
    const uint8_t *p;
    size_t n;
};

static int by_bytes(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = m ? memcmp(x->p, y->p, m) : 0;
    return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* The non-empty pieces between ' ' and '\n' (less a '\r' before '\n'):
 * how many distinct, and how many in all. */
static void reference(const uint8_t *t, size_t len, size_t *distinct,
                      size_t *total)
{
    struct span *w = malloc((len / 2 + 1) * sizeof *w);
    if (w == NULL) {
        fprintf(stderr, "core_freq: out of memory\n");
        exit(2);
    }
    size_t n = 0, s = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && t[i] != ' ' && t[i] != '\n')
            continue;
        size_t e = i;
        if (i < len && t[i] == '\n' && e > s && t[e - 1] == '\r')
            e--;
        if (e > s)
            w[n++] = (struct span){t + s, e - s};
        s = i + 1;
    }
    qsort(w, n, sizeof *w, by_bytes);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || by_bytes(&w[i - 1], &w[i]) != 0;
    free(w);
    *distinct = d;
    *total = n;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int width = 1, check = 0, by_count = 0, arrays = 0;
    long rounds = 5;
    wc_word_opts o = {.words = WC_WORDS_SPACE, .casefold = 0, .utf8 = 1,
                      .threads = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--width") == 0) {
            width = (int)number(a, v, 1, 4);
            if (width == 3)
                usage("--width is 1, 2 or 4");
            i++;
        } else if (strcmp(a, "--words") == 0) {
            if (v != NULL && strcmp(v, "space") == 0)
                o.words = WC_WORDS_SPACE;
            else if (v != NULL && strcmp(v, "unicode") == 0)
                o.words = WC_WORDS_UNICODE;
            else
                usage("--words is space or unicode");
            i++;
        } else if (strcmp(a, "--casefold") == 0) {
            o.casefold = 1;
        } else if (strcmp(a, "--threads") == 0) {
            o.threads = (int)number(a, v, 1, 1024);
            i++;
        } else if (strcmp(a, "--rounds") == 0) {
            rounds = number(a, v, 1, 1000);
            i++;
        } else if (strcmp(a, "--by-count") == 0) {
            by_count = 1;
        } else if (strcmp(a, "--arrays") == 0) {
            arrays = 1;
        } else if (strcmp(a, "--check") == 0) {
            check = 1;
        } else if (a[0] == '-' || path != NULL) {
            usage("unknown argument");
        } else {
            path = a;
        }
    }
    if (path == NULL)
        usage("no FILE");
    o.utf8 = width == 1;
    size_t bytes;
    uint8_t *text = read_all(path, &bytes);
    size_t len = bytes / (size_t)width;

    double best_count = 1e300, best_sort = 1e300, best_pack = 1e300;
    size_t distinct = 0;
    uint64_t total = 0;
    for (long r = 0; r < rounds; r++) {
        wc_freq *f = wc_freq_new(width, &o);
        if (f == NULL)
            usage("out of memory");
        size_t err = 0;
        double t0 = now();
        int rc = wc_freq_count_all(f, text, len, &err);
        double t1 = now();
        if (rc == WC_OK)
            rc = arrays ? wc_freq_sort_for_pack(f, by_count)
                        : wc_freq_sort(f, by_count);
        double t2 = now();
        if (rc != WC_OK) {
            fprintf(stderr, "core_freq: error %d (offset %zu)\n", rc, err);
            return 1;
        }
        best_count = t1 - t0 < best_count ? t1 - t0 : best_count;
        best_sort = t2 - t1 < best_sort ? t2 - t1 : best_sort;
        distinct = wc_freq_size(f);
        total = 0;
        if (arrays) {
            static wc_pack_plan plan;
            size_t size = wc_freq_pack_plan(f, distinct, 0, &plan);
            uint8_t *data = malloc(size + 1);
            int64_t *off;
            uint64_t *counts;
            /* As frequencies_arrays: offsets and counts in memory the
             * table lends when it can. */
            int lent = wc_freq_lend_arrays(f, distinct, &off, &counts) == WC_OK;
            if (!lent) {
                off = malloc((distinct + 1) * sizeof *off);
                counts = malloc((distinct + 1) * sizeof *counts);
            }
            if (data == NULL || off == NULL || counts == NULL)
                usage("out of memory");
            off[distinct] = (int64_t)wc_freq_pack_planned(f, &plan, data,
                                                          off, counts);
            void *base = NULL;
            size_t blen = 0;
            if (lent && wc_freq_take_arrays(f, &base, &blen) != WC_OK)
                usage("wc_freq_take_arrays failed");
            double t3 = now();
            best_pack = t3 - t2 < best_pack ? t3 - t2 : best_pack;
            for (size_t i = 0; i < distinct; i++)
                total += counts[i];
            if ((size_t)off[distinct] != size) {
                fprintf(stderr, "core_freq: packed %lld bytes of %zu\n",
                        (long long)off[distinct], size);
                return 1;
            }
            free(data);
            if (lent) {
                wc_freq_arrays_free(base, blen);
            } else {
                free(off);
                free(counts);
            }
        }
        for (size_t i = 0; i < distinct && !arrays; i++) {
            const void *key;
            size_t klen;
            int kw;
            uint64_t count;
            wc_freq_get(f, i, &key, &klen, &kw, &count);
            total += count;
        }
        wc_freq_free(f);
    }
    printf("%s: %.1f MB, %zu distinct words, %llu in all; count %.1f ms "
           "(%.0f MB/s), sort %.1f ms, best of %ld\n",
           path, (double)bytes / 1e6, distinct, (unsigned long long)total,
           best_count * 1e3, (double)bytes / 1e6 / best_count,
           best_sort * 1e3, rounds);
    if (arrays)
        printf("pack %.1f ms (count, sort and pack %.1f ms)\n", best_pack * 1e3,
               (best_count + best_sort + best_pack) * 1e3);
    if (check) {
        if (width != 1 || o.words != WC_WORDS_SPACE || o.casefold)
            usage("--check is for space words of bytes without --casefold");
        size_t d, n;
        reference(text, bytes, &d, &n);
        if (d != distinct || n != total) {
            printf("check: the reference has %zu distinct, %zu in all\n", d, n);
            return 1;
        }
        printf("check: the same as the reference\n");
    }
    free(text);
    return 0;
}
