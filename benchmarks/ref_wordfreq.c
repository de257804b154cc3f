/*
 * ref_wordfreq.c - the plain C reference for word frequencies: what a careful
 * C programmer writes in about 100 lines, to compare the core with.
 *
 * What it does: reads the whole file into memory (one fread), splits it at
 * ' ', '\n' and '\r' (runs of them are one separator: no empty words), with
 * -i lower-cases ASCII A-Z in place, and counts the words in an open-
 * addressing table (linear probing, FNV-1a 64-bit hash, the hash stored
 * beside a pointer into the text and the length, grown at 1/2 load).  It
 * prints the number of words, of distinct words and the seconds spent
 * counting (the read excluded), on one line:
 *   words distinct seconds
 * With -p it also prints "count word" lines (for the bench's equality check).
 *
 * Build: cc -O2 -march=native -o ref_wordfreq ref_wordfreq.c
 * Run:   ref_wordfreq [-i] [-p] FILE
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot { const char *w; uint32_t len; uint64_t hash, count; };

static struct slot *tab;
static size_t cap = 1 << 16, used;

static void die(const char *what) { perror(what); exit(2); }

static void put(struct slot *t, size_t c, struct slot s)
{
    size_t i = s.hash & (c - 1);
    while (t[i].w != NULL)
        i = (i + 1) & (c - 1);
    t[i] = s;
}

static void grow(void)
{
    struct slot *t = calloc(cap * 2, sizeof *t);
    if (t == NULL)
        die("calloc");
    for (size_t i = 0; i < cap; i++)
        if (tab[i].w != NULL)
            put(t, cap * 2, tab[i]);
    free(tab);
    tab = t;
    cap *= 2;
}

static void add(const char *w, uint32_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t k = 0; k < len; k++)
        h = (h ^ (unsigned char)w[k]) * 0x100000001b3ull;
    size_t i = h & (cap - 1);
    for (;; i = (i + 1) & (cap - 1)) {
        struct slot *s = &tab[i];
        if (s->w == NULL)
            break;
        if (s->hash == h && s->len == len && memcmp(s->w, w, len) == 0) {
            s->count++;
            return;
        }
    }
    tab[i] = (struct slot){w, len, h, 1};
    if (++used * 2 > cap)
        grow();
}

int main(int argc, char **argv)
{
    int fold = 0, print = 0, a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        fold |= strchr(argv[a], 'i') != NULL;
        print |= strchr(argv[a], 'p') != NULL;
    }
    if (a != argc - 1) {
        fprintf(stderr, "usage: ref_wordfreq [-i] [-p] FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[a], "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0)
        die(argv[a]);
    long n = ftell(f);
    char *text = malloc((size_t)n + 1);
    if (n < 0 || text == NULL || fseek(f, 0, SEEK_SET) != 0 ||
        fread(text, 1, (size_t)n, f) != (size_t)n)
        die("read");
    fclose(f);
    if ((tab = calloc(cap, sizeof *tab)) == NULL)
        die("calloc");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t words = 0;
    for (char *p = text, *end = text + n; p < end;) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r'))
            p++;
        char *s = p;
        for (; p < end && *p != ' ' && *p != '\n' && *p != '\r'; p++)
            if (fold && *p >= 'A' && *p <= 'Z')
                *p += 'a' - 'A';
        if (p > s) {
            add(s, (uint32_t)(p - s));
            words++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%llu %zu %.6f\n", (unsigned long long)words, used,
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
    for (size_t i = 0; print && i < cap; i++)
        if (tab[i].w != NULL)
            printf("%llu %.*s\n", (unsigned long long)tab[i].count,
                   (int)tab[i].len, tab[i].w);
    return 0;
}
