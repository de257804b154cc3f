/*
 * wordcount - count whole-word occurrences in files and streams, on every
 * core, from the shell.  A client of the core (include/wordcount.h) like the
 * Python extension; the output formats and exit codes are documented in
 * usage() below and in the README ("Files, streams and the command line").
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wordcount.h"

static const char *prog = "wordcount";

static void usage(FILE *out)
{
    fprintf(out,
"Usage: wordcount [OPTION]... NEEDLE [FILE]...\n"
"       wordcount [OPTION]... -e NEEDLE [-e NEEDLE]... [FILE]...\n"
"       wordcount [OPTION]... --top K [FILE]...\n"
"Count the words of each FILE equal to NEEDLE.  With no FILE, or when FILE is\n"
"-, read standard input.  Lines end at \"\\n\" or \"\\r\\n\"; words are the pieces\n"
"of a line between spaces (U+0020); files are counted as bytes.\n"
"\n"
"  -e, --needle=NEEDLE  count NEEDLE; repeat to count several needles in one\n"
"                       pass (then no NEEDLE operand)\n"
"      --top=K          print the K most frequent words of all the inputs\n"
"                       together (0: every word) instead of counting needles\n"
"  -w, --words=MODE     space (the default): the words described above;\n"
"                       unicode: runs of letters, digits, marks of the\n"
"                       categories \\w matches in Python and \"_\"\n"
"  -i, --ignore-case    compare words after Unicode full case folding\n"
"                       (Python's str.casefold: Strasse = STRASSE = straße)\n"
"                       With -w unicode or -i the input must be UTF-8.\n"
"  -j, --threads=N      use N threads (default: the CPUs available, or\n"
"                       WORD_COUNT_THREADS)\n"
"  -r, --recursive      count the regular files under each directory FILE,\n"
"                       in sorted order, without following symbolic links\n"
"                       inside directories; with no FILE, the current one\n"
"      --json           print one JSON object (see below)\n"
"      --progress       show progress on standard error (the default when it\n"
"                       is a terminal)\n"
"      --no-progress    do not\n"
"      --block-size=N   read N bytes at a time per thread (default %zu)\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Output: with one input and one needle, the count.  With several inputs (or\n"
"-r), one FILE:COUNT line per input read, then total:COUNT.  With several\n"
"needles, each line also names the needle: NEEDLE:COUNT, FILE:NEEDLE:COUNT,\n"
"total:NEEDLE:COUNT, in the order given (repeated needles once).  Standard\n"
"input is named (standard input).\n"
"--json prints {\"needles\": [...], \"inputs\": [{\"path\": P, \"counts\":\n"
"{NEEDLE: COUNT, ...}} or {\"path\": P, \"error\": MESSAGE}, ...], \"total\":\n"
"{NEEDLE: COUNT, ...}}; standard input is \"-\"; bytes that are not UTF-8 are\n"
"written as \\udcXX (Python's os.fsencode turns them back into bytes).\n"
"\n"
"With --top, one line per word: its count (right-aligned in 7 columns, as\n"
"uniq -c), a space, the word; most frequent first, equal counts in byte order\n"
"of the words.  Words are bytes as in the input (folded words: UTF-8).\n"
"--json prints {\"inputs\": [{\"path\": P} or {\"path\": P, \"error\": M}, ...],\n"
"\"top\": [[WORD, COUNT], ...]}.\n"
"\n"
"Exit status: 0 if the total count is above 0, 1 if it is 0, 2 if an error\n"
"occurred (errors go to standard error; the other inputs are still counted).\n",
            wc_io_default_block_size());
}

/* ---- options ------------------------------------------------------------ */

enum opt_id {
    OPT_NEEDLE, OPT_THREADS, OPT_RECURSIVE, OPT_JSON, OPT_PROGRESS,
    OPT_NO_PROGRESS, OPT_BLOCK_SIZE, OPT_HELP, OPT_VERSION,
    OPT_TOP, OPT_WORDS, OPT_IGNORE_CASE,
};

struct opt_def {
    char short_name; /* 0: none */
    const char *long_name;
    int has_arg;
    enum opt_id id;
};

static const struct opt_def opt_defs[] = {
    {'e', "needle", 1, OPT_NEEDLE},
    {'j', "threads", 1, OPT_THREADS},
    {'r', "recursive", 0, OPT_RECURSIVE},
    {0, "json", 0, OPT_JSON},
    {0, "progress", 0, OPT_PROGRESS},
    {0, "no-progress", 0, OPT_NO_PROGRESS},
    {0, "block-size", 1, OPT_BLOCK_SIZE},
    {'h', "help", 0, OPT_HELP},
    {'V', "version", 0, OPT_VERSION},
    {0, "top", 1, OPT_TOP},
    {'w', "words", 1, OPT_WORDS},
    {'i', "ignore-case", 0, OPT_IGNORE_CASE},
};
#define NOPTS (sizeof opt_defs / sizeof *opt_defs)

struct cli {
    const char **needles; /* distinct, in the order given */
    size_t *lens;
    size_t nneedles;
    int threads;
    size_t block_size;
    int recursive, json, progress, multi;
    const char **files;
    size_t nfiles;
    long long top;     /* --top K; -1: count needles */
    wc_word_opts words; /* -w, -i */
    /* Words through the core's tables (wc_freq_count_file): --top, -w
     * unicode, -i, or many needles (one hash look-up a word beats a kernel
     * pass a needle). */
    wc_freq *table;
    size_t *ids;        /* needle k's id in table */
    wc_utf8_error utf8; /* of the last WC_EUTF8 */
    /* results */
    uint64_t *counts, *total;
    int error;
    size_t printed; /* JSON inputs written so far */
    /* progress */
    int tty;
    int shown;
    const char *current;
    struct timespec started;
};

static void die_usage(const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, va);
    va_end(va);
    fprintf(stderr, "\nTry 'wordcount --help' for more information.\n");
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(2);
    }
    return p;
}

static unsigned long long parse_number(const char *s, const char *what,
                                       unsigned long long lo, unsigned long long hi)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < lo || v > hi)
        die_usage("invalid %s '%s' (a whole number from %llu to %llu)", what, s,
                  lo, hi);
    return v;
}

static void add_needle(struct cli *c, const char *n)
{
    for (size_t k = 0; k < c->nneedles; k++)
        if (strcmp(c->needles[k], n) == 0)
            return;
    c->needles[c->nneedles] = n;
    c->lens[c->nneedles] = strlen(n);
    c->nneedles++;
}

static void apply(struct cli *c, enum opt_id id, const char *arg)
{
    switch (id) {
    case OPT_NEEDLE: add_needle(c, arg); break;
    case OPT_THREADS:
        c->threads = (int)parse_number(arg, "thread count", 1, WC_MAX_THREADS);
        break;
    case OPT_RECURSIVE: c->recursive = 1; break;
    case OPT_JSON: c->json = 1; break;
    case OPT_PROGRESS: c->progress = 1; break;
    case OPT_NO_PROGRESS: c->progress = 0; break;
    case OPT_BLOCK_SIZE:
        c->block_size = (size_t)parse_number(arg, "block size", 1, (size_t)1 << 30);
        break;
    case OPT_TOP:
        c->top = (long long)parse_number(arg, "word count for --top", 0, LLONG_MAX);
        break;
    case OPT_WORDS:
        if (strcmp(arg, "space") == 0)
            c->words.words = WC_WORDS_SPACE;
        else if (strcmp(arg, "unicode") == 0)
            c->words.words = WC_WORDS_UNICODE;
        else
            die_usage("invalid word mode '%s' (space or unicode)", arg);
        break;
    case OPT_IGNORE_CASE: c->words.casefold = 1; break;
    case OPT_HELP: usage(stdout); exit(0);
    case OPT_VERSION: printf("wordcount %s\n", WC_VERSION); exit(0);
    }
}

/* GNU-style: options anywhere before "--", short options grouped (-rj4),
 * values attached or separate (-e x, -ex, --needle x, --needle=x). */
static void parse_args(struct cli *c, int argc, char **argv)
{
    c->needles = xmalloc((size_t)argc * sizeof *c->needles);
    c->lens = xmalloc((size_t)argc * sizeof *c->lens);
    c->files = xmalloc((size_t)argc * sizeof *c->files);
    const char **operands = xmalloc((size_t)argc * sizeof *operands);
    size_t noperands = 0;
    int dashdash = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (dashdash || a[0] != '-' || a[1] == '\0') {
            operands[noperands++] = a;
        } else if (a[1] == '-' && a[2] == '\0') {
            dashdash = 1;
        } else if (a[1] == '-') {
            char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct opt_def *d = NULL;
            for (size_t k = 0; k < NOPTS; k++)
                if (strlen(opt_defs[k].long_name) == len &&
                    strncmp(opt_defs[k].long_name, name, len) == 0)
                    d = &opt_defs[k];
            if (d == NULL)
                die_usage("unknown option '--%.*s'", (int)len, name);
            const char *val = NULL;
            if (d->has_arg) {
                if (eq)
                    val = eq + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    die_usage("option '--%s' needs a value", d->long_name);
            } else if (eq) {
                die_usage("option '--%s' takes no value", d->long_name);
            }
            apply(c, d->id, val);
        } else {
            for (char *p = a + 1; *p; p++) {
                const struct opt_def *d = NULL;
                for (size_t k = 0; k < NOPTS; k++)
                    if (opt_defs[k].short_name == *p)
                        d = &opt_defs[k];
                if (d == NULL)
                    die_usage("unknown option '-%c'", *p);
                if (!d->has_arg) {
                    apply(c, d->id, NULL);
                    continue;
                }
                const char *val = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (val == NULL)
                    die_usage("option '-%c' needs a value", *p);
                apply(c, d->id, val);
                break;
            }
        }
    }
    size_t k = 0;
    if (c->top >= 0) {
        if (c->nneedles > 0)
            die_usage("--top counts every word: no -e NEEDLE with it");
    } else if (c->nneedles == 0) {
        if (noperands == 0)
            die_usage("no NEEDLE given");
        add_needle(c, operands[k++]);
    }
    for (; k < noperands; k++)
        c->files[c->nfiles++] = operands[k];
    free(operands);
    c->multi = c->nfiles > 1 || c->recursive;
}

/* ---- output ------------------------------------------------------------- */

/* A JSON string: UTF-8 as is, other bytes as \udcXX (Python's surrogateescape). */
static void json_str(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    putchar('"');
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = 0;
        if (c < 0x80) {
            len = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
        }
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (s[i + k] & 0xc0) == 0x80;
        if (ok && len == 3) /* no overlong forms, no surrogates */
            ok = !(c == 0xe0 && s[i + 1] < 0xa0) && !(c == 0xed && s[i + 1] >= 0xa0);
        if (ok && len == 4)
            ok = !(c == 0xf0 && s[i + 1] < 0x90) && !(c == 0xf4 && s[i + 1] >= 0x90);
        if (!ok) {
            printf("\\udc%02x", c);
            i++;
        } else if (len > 1) {
            fwrite(s + i, 1, len, stdout);
            i += len;
        } else {
            if (c == '"' || c == '\\')
                printf("\\%c", c);
            else if (c == '\n')
                fputs("\\n", stdout);
            else if (c == '\t')
                fputs("\\t", stdout);
            else if (c == '\r')
                fputs("\\r", stdout);
            else if (c < 0x20 || c == 0x7f)
                printf("\\u%04x", c);
            else
                putchar(c);
            i++;
        }
    }
    putchar('"');
}

static void json_counts(const struct cli *c, const uint64_t *counts)
{
    putchar('{');
    for (size_t k = 0; k < c->nneedles; k++) {
        if (k)
            fputs(", ", stdout);
        json_str(c->needles[k], c->lens[k]);
        printf(": %" PRIu64, counts[k]);
    }
    putchar('}');
}

static const char *display(const char *path)
{
    return strcmp(path, "-") == 0 ? "(standard input)" : path;
}

static void clear_progress(struct cli *c)
{
    if (c->shown) {
        fputs(c->tty ? "\r\033[K" : "\n", stderr);
        c->shown = 0;
    }
}

static void report(struct cli *c, const char *path, int rc)
{
    const char *msg = rc == WC_EIO ? strerror(errno) : wc_strerror(rc);
    char utf8_msg[96];
    if (rc == WC_EUTF8) {
        snprintf(utf8_msg, sizeof utf8_msg, "not UTF-8 at byte offset %" PRIu64,
                 c->utf8.offset);
        msg = utf8_msg;
    }
    clear_progress(c);
    if (c->top >= 0) { /* the words are printed at the end */
        if (rc != WC_OK) {
            fprintf(stderr, "%s: %s: %s\n", prog, display(path), msg);
            c->error = 1;
        }
        if (c->json) {
            if (c->printed++)
                fputs(", ", stdout);
            fputs("{\"path\": ", stdout);
            json_str(path, strlen(path));
            if (rc != WC_OK) {
                fputs(", \"error\": ", stdout);
                json_str(msg, strlen(msg));
            }
            putchar('}');
        }
        return;
    }
    if (rc != WC_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, display(path), msg);
        c->error = 1;
    } else {
        for (size_t k = 0; k < c->nneedles; k++)
            c->total[k] += c->counts[k];
    }
    if (c->json) {
        if (c->printed++)
            fputs(", ", stdout);
        fputs("{\"path\": ", stdout);
        json_str(path, strlen(path));
        if (rc == WC_OK) {
            fputs(", \"counts\": ", stdout);
            json_counts(c, c->counts);
        } else {
            fputs(", \"error\": ", stdout);
            json_str(msg, strlen(msg));
        }
        putchar('}');
        return;
    }
    if (rc != WC_OK)
        return;
    for (size_t k = 0; k < c->nneedles; k++) {
        if (c->multi)
            printf("%s:", display(path));
        if (c->nneedles > 1)
            printf("%s:", c->needles[k]);
        printf("%" PRIu64 "\n", c->counts[k]);
    }
}

/* ---- progress ----------------------------------------------------------- */

static void human(char *buf, size_t n, double v)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static int on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct cli *c = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - c->started.tv_sec) +
                  (double)(now.tv_nsec - c->started.tv_nsec) / 1e9;
    if (done == 0 || secs < 0.2)
        return 0; /* small inputs show nothing */
    char d[32], t[32], r[32];
    human(d, sizeof d, (double)done);
    human(r, sizeof r, (double)done / secs);
    if (total != WC_SIZE_UNKNOWN && total > 0) {
        human(t, sizeof t, (double)total);
        fprintf(stderr, "\r%s: %s: %s / %s (%.0f%%), %s/s%s", prog,
                display(c->current), d, t, 100.0 * (double)done / (double)total,
                r, c->tty ? "\033[K" : "");
    } else {
        fprintf(stderr, "\r%s: %s: %s, %s/s%s", prog, display(c->current), d, r,
                c->tty ? "\033[K" : "");
    }
    fflush(stderr);
    c->shown = 1;
    return 0;
}

/* ---- inputs ------------------------------------------------------------- */

static wc_io_options options(struct cli *c, const char *path)
{
    c->current = path;
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    wc_io_options o = {.threads = c->threads, .block_size = c->block_size};
    if (c->progress) {
        o.progress = on_progress;
        o.progress_arg = c;
    }
    return o;
}

static void count_one(struct cli *c, const char *path)
{
    wc_io_options o = options(c, path);
    int stdin_ = strcmp(path, "-") == 0;
    int rc;
    if (c->table != NULL) {
        int what = c->top >= 0 ? WC_COUNT_ALL : WC_COUNT_NEEDLES;
        for (size_t k = 0; k < c->nneedles; k++)
            c->counts[k] = wc_freq_needle_count(c->table, c->ids[k]);
        rc = stdin_ ? wc_freq_count_fd(c->table, what, STDIN_FILENO, &o, &c->utf8)
                    : wc_freq_count_file(c->table, what, path, &o, &c->utf8);
        for (size_t k = 0; k < c->nneedles; k++)
            c->counts[k] = wc_freq_needle_count(c->table, c->ids[k]) - c->counts[k];
    } else {
        const void *const *nd = (const void *const *)c->needles;
        rc = stdin_ ? wc_count_fd(STDIN_FILENO, nd, c->lens, c->nneedles, &o, c->counts)
                    : wc_count_file(path, nd, c->lens, c->nneedles, &o, c->counts);
    }
    report(c, path, rc);
}

/* Needles from this many on are looked up in a hash table, one look-up a
 * word, rather than counted by one kernel pass each over every block. */
#define MANY_NEEDLES 8

static void make_table(struct cli *c)
{
    int special = c->words.words != WC_WORDS_SPACE || c->words.casefold;
    if (c->top < 0 && !special && c->nneedles < MANY_NEEDLES)
        return;
    wc_word_opts o = c->words;
    o.utf8 = 1;
    c->table = wc_freq_new(1, &o);
    c->ids = xmalloc(c->nneedles * sizeof *c->ids);
    if (c->table == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(2);
    }
    for (size_t k = 0; k < c->nneedles; k++) {
        size_t err = 0;
        int rc = wc_freq_add_needle(c->table, c->needles[k], c->lens[k], 1,
                                    &c->ids[k], &err);
        if (rc == WC_EUTF8)
            die_usage("NEEDLE '%s' is not UTF-8 (at byte %zu)", c->needles[k], err);
        if (rc != WC_OK) {
            fprintf(stderr, "%s: %s\n", prog, wc_strerror(rc));
            exit(2);
        }
    }
}

/* --top: equal counts in byte order of the words. */
struct word {
    const unsigned char *key;
    size_t len;
    uint64_t count;
};

static int cmp_words(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->key, y->key, n);
    if (r != 0)
        return r;
    return (x->len > y->len) - (x->len < y->len);
}

/* Print the top words; returns how many words were counted in all. */
static uint64_t print_top(struct cli *c)
{
    if (wc_freq_sort(c->table, 0) != WC_OK) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(2);
    }
    size_t n = wc_freq_size(c->table);
    struct word *w = xmalloc(n * sizeof *w);
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++) {
        const void *key;
        int width;
        wc_freq_get(c->table, i, &key, &w[i].len, &width, &w[i].count);
        w[i].key = key;
        all += w[i].count;
    }
    qsort(w, n, sizeof *w, cmp_words);
    size_t k = c->top == 0 || (unsigned long long)c->top > n ? n : (size_t)c->top;
    if (c->json) {
        fputs("], \"top\": [", stdout);
        for (size_t i = 0; i < k; i++) {
            fputs(i ? ", [" : "[", stdout);
            json_str((const char *)w[i].key, w[i].len);
            printf(", %" PRIu64 "]", w[i].count);
        }
        fputs("]}\n", stdout);
    } else {
        for (size_t i = 0; i < k; i++) {
            printf("%7" PRIu64 " ", w[i].count);
            fwrite(w[i].key, 1, w[i].len, stdout);
            putchar('\n');
        }
    }
    free(w);
    return all;
}

/* The directories from the walk's root to the one being read: a directory
 * met again below itself (a bind mount) is a loop and is not entered. */
struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(struct cli *c, const char *dir, int implicit,
                 const struct ancestor *up)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        report(c, dir, WC_EIO);
        return;
    }
    size_t n = 0, cap = 16;
    char **names = xmalloc(cap * sizeof *names);
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) {
                fprintf(stderr, "%s: out of memory\n", prog);
                exit(2);
            }
            names = grown;
        }
        names[n] = xmalloc(strlen(e->d_name) + 1);
        strcpy(names[n++], e->d_name);
        errno = 0;
    }
    if (errno != 0)
        report(c, dir, WC_EIO);
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    size_t dlen = strlen(dir);
    int slash = dlen > 0 && dir[dlen - 1] == '/';
    for (size_t k = 0; k < n; k++) {
        char *path;
        if (implicit) {
            path = names[k];
        } else {
            path = xmalloc(dlen + strlen(names[k]) + 2);
            sprintf(path, slash ? "%s%s" : "%s/%s", dir, names[k]);
        }
        struct stat st;
        if (lstat(path, &st) != 0) {
            report(c, path, WC_EIO);
        } else if (S_ISDIR(st.st_mode)) {
            const struct ancestor *a = up;
            while (a != NULL && !(a->dev == st.st_dev && a->ino == st.st_ino))
                a = a->up;
            if (a != NULL) {
                clear_progress(c);
                fprintf(stderr, "%s: %s: recursive directory loop, skipped\n",
                        prog, path);
            } else {
                struct ancestor me = {st.st_dev, st.st_ino, up};
                walk(c, path, 0, &me);
            }
        } else if (S_ISREG(st.st_mode)) {
            count_one(c, path);
        } /* symbolic links, FIFOs, devices, sockets: skipped, as grep -r */
        if (path != names[k])
            free(path);
        free(names[k]);
    }
    free(names);
}

static void count_operand(struct cli *c, const char *path)
{
    struct stat st;
    if (c->recursive && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
        S_ISDIR(st.st_mode)) {
        struct ancestor me = {st.st_dev, st.st_ino, NULL};
        walk(c, path, 0, &me);
        return;
    }
    count_one(c, path);
}

int main(int argc, char **argv)
{
    struct cli c = {.progress = -1, .top = -1};
    parse_args(&c, argc, argv);
    make_table(&c);
    c.tty = isatty(STDERR_FILENO);
    if (c.progress < 0)
        c.progress = c.tty;
    c.counts = xmalloc(c.nneedles * sizeof *c.counts);
    c.total = xmalloc(c.nneedles * sizeof *c.total);
    memset(c.total, 0, c.nneedles * sizeof *c.total);

    if (c.json && c.top >= 0) {
        fputs("{\"inputs\": [", stdout);
    } else if (c.json) {
        fputs("{\"needles\": [", stdout);
        for (size_t k = 0; k < c.nneedles; k++) {
            if (k)
                fputs(", ", stdout);
            json_str(c.needles[k], c.lens[k]);
        }
        fputs("], \"inputs\": [", stdout);
    }
    if (c.nfiles == 0 && c.recursive) {
        struct stat st;
        if (stat(".", &st) != 0) {
            report(&c, ".", WC_EIO);
        } else {
            struct ancestor me = {st.st_dev, st.st_ino, NULL};
            walk(&c, ".", 1, &me);
        }
    } else if (c.nfiles == 0) {
        count_one(&c, "-");
    }
    for (size_t k = 0; k < c.nfiles; k++)
        count_operand(&c, c.files[k]);

    uint64_t all = 0;
    for (size_t k = 0; k < c.nneedles; k++)
        all += c.total[k];
    if (c.top >= 0) {
        all = print_top(&c);
    } else if (c.json) {
        fputs("], \"total\": ", stdout);
        json_counts(&c, c.total);
        fputs("}\n", stdout);
    } else if (c.multi) {
        for (size_t k = 0; k < c.nneedles; k++) {
            fputs("total:", stdout);
            if (c.nneedles > 1)
                printf("%s:", c.needles[k]);
            printf("%" PRIu64 "\n", c.total[k]);
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
        return 2;
    }
    wc_pool_shutdown();
    wc_freq_free(c.table);
    free(c.ids);
    free(c.counts);
    free(c.total);
    free(c.needles);
    free(c.lens);
    free(c.files);
    return c.error ? 2 : all > 0 ? 0 : 1;
}
