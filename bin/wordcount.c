/*
 * wordcount - count whole-word occurrences in files and streams, on every
 * core, from the shell, with the options grep users know.  A client of the
 * core (include/wordcount.h) like the Python extension.  Its options, output
 * formats and exit codes are in bin/wordcount.help, the one source of the
 * --help text, the man page and the shell completions (tools/gen_cli_docs.py).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wordcount.h"
#include "wordcount_help.h"

static const char *prog = "wordcount";

/* ---- options ------------------------------------------------------------ */

enum opt_id {
    OPT_NEEDLE, OPT_NEEDLE_FILE, OPT_THREADS, OPT_RECURSIVE, OPT_DEREF,
    OPT_JSON, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_BLOCK_SIZE, OPT_HELP,
    OPT_VERSION, OPT_TOP, OPT_WORDS, OPT_IGNORE_CASE, OPT_NO_IGNORE_CASE,
    OPT_STRICT_UTF8, OPT_WORD_REGEXP, OPT_FIXED, OPT_ONLY_MATCHING, OPT_COUNT, OPT_FILES_WITH,
    OPT_FILES_WITHOUT, OPT_QUIET, OPT_NO_MESSAGES, OPT_WITH_FILENAME,
    OPT_NO_FILENAME, OPT_COLOR, OPT_INCLUDE, OPT_EXCLUDE, OPT_EXCLUDE_DIR,
    OPT_GLOB, OPT_BINARY_FILES, OPT_SKIP_BINARY, OPT_TEXT, OPT_NULL,
    OPT_BINARY, OPT_EXCLUDE_FROM, OPT_DIRECTORIES, OPT_DEVICES, OPT_LABEL,
    OPT_LINE_BUFFERED, OPT_INITIAL_TAB, OPT_UNIX_BYTE_OFFSETS,
};

struct opt_def {
    char short_name; /* 0: none */
    const char *long_name; /* NULL: none */
    int has_arg;     /* 1: required; 2: optional, attached with '=' only */
    enum opt_id id;
};

static const struct opt_def opt_defs[] = {
    {'e', "regexp", 1, OPT_NEEDLE},
    {0, "needle", 1, OPT_NEEDLE},
    {'f', "file", 1, OPT_NEEDLE_FILE},
    {'j', "threads", 1, OPT_THREADS},
    {'r', "recursive", 0, OPT_RECURSIVE},
    {'R', "dereference-recursive", 0, OPT_DEREF},
    {0, "json", 0, OPT_JSON},
    {0, "progress", 0, OPT_PROGRESS},
    {0, "no-progress", 0, OPT_NO_PROGRESS},
    {0, "block-size", 1, OPT_BLOCK_SIZE},
    {0, "help", 0, OPT_HELP},
    {'V', "version", 0, OPT_VERSION},
    {0, "top", 1, OPT_TOP},
    {0, "words", 1, OPT_WORDS},
    {'i', "ignore-case", 0, OPT_IGNORE_CASE},
    {'y', NULL, 0, OPT_IGNORE_CASE}, /* grep's old name for -i */
    {0, "no-ignore-case", 0, OPT_NO_IGNORE_CASE},
    {0, "strict-utf8", 0, OPT_STRICT_UTF8},
    {'w', "word-regexp", 0, OPT_WORD_REGEXP},
    {'F', "fixed-strings", 0, OPT_FIXED},
    {'o', "only-matching", 0, OPT_ONLY_MATCHING},
    {'c', "count", 0, OPT_COUNT},
    {'l', "files-with-matches", 0, OPT_FILES_WITH},
    {'L', "files-without-match", 0, OPT_FILES_WITHOUT},
    {'q', "quiet", 0, OPT_QUIET},
    {0, "silent", 0, OPT_QUIET},
    {'s', "no-messages", 0, OPT_NO_MESSAGES},
    {'H', "with-filename", 0, OPT_WITH_FILENAME},
    {'h', "no-filename", 0, OPT_NO_FILENAME},
    {'Z', "null", 0, OPT_NULL},
    {0, "color", 2, OPT_COLOR},
    {0, "colour", 2, OPT_COLOR},
    {0, "include", 1, OPT_INCLUDE},
    {0, "exclude", 1, OPT_EXCLUDE},
    {0, "exclude-dir", 1, OPT_EXCLUDE_DIR},
    {0, "exclude-from", 1, OPT_EXCLUDE_FROM},
    {'d', "directories", 1, OPT_DIRECTORIES},
    {'D', "devices", 1, OPT_DEVICES},
    {0, "label", 1, OPT_LABEL},
    {0, "line-buffered", 0, OPT_LINE_BUFFERED},
    {'T', "initial-tab", 0, OPT_INITIAL_TAB},
    {'u', "unix-byte-offsets", 0, OPT_UNIX_BYTE_OFFSETS}, /* grep 3.8's */
    {'g', "glob", 1, OPT_GLOB},
    {0, "binary-files", 1, OPT_BINARY_FILES},
    {'I', NULL, 0, OPT_SKIP_BINARY},
    {'a', "text", 0, OPT_TEXT},
    {'U', "binary", 0, OPT_BINARY}, /* grep's; --binary is not --binary-files */
};
#define NOPTS (sizeof opt_defs / sizeof *opt_defs)

/* grep's options for lines and patterns, which counting words has no use
 * for: refused with the reason, not as unknown (a grep user's -n, -E or
 * -A 2 is no typo).  Their values are never read. */
static const struct {
    char short_name;
    const char *long_name;
    const char *why;
} refused_opts[] = {
    {'v', "invert-match",
     "wordcount counts words, not lines (-L lists the files without WORD)"},
    {'n', "line-number", "wordcount prints counts, not lines"},
    {'b', "byte-offset", "wordcount prints counts, not lines"},
    {'A', "after-context", "wordcount prints counts, not lines"},
    {'B', "before-context", "wordcount prints counts, not lines"},
    {'C', "context", "wordcount prints counts, not lines"},
    {'x', "line-regexp", "wordcount counts words, not lines"},
    {'m', "max-count", "wordcount counts every occurrence"},
    {0, "group-separator", "wordcount prints counts, not lines"},
    {0, "no-group-separator", "wordcount prints counts, not lines"},
    {'z', "null-data", "wordcount reads lines that end at newlines"},
    {'E', "extended-regexp",
     "a WORD is a fixed word, as with -F, not a regular expression"},
    {'G', "basic-regexp",
     "a WORD is a fixed word, as with -F, not a regular expression"},
    {'P', "perl-regexp",
     "a WORD is a fixed word, as with -F, not a regular expression"},
};
#define NREFUSED (sizeof refused_opts / sizeof *refused_opts)

/* A file filter, in the order given: --include, --exclude (base names, the
 * last one that matches decides, as grep), --glob (rg). */
enum filter_kind { F_INCLUDE, F_EXCLUDE, F_EXCLUDE_DIR, F_GLOB };
/* One glob that a -g GLOB's braces make, as it is matched (rg_glob_alt). */
struct glob_alt {
    char *glob;    /* its leading and trailing "/" taken off */
    int dirs_only; /* it ended in "/" */
    int rel;       /* matched against the path below the FILE given (it
                    * holds a "/", or started with one), else the base name */
};

struct filter {
    enum filter_kind kind;
    const char *glob; /* without the '!' of a negated --glob */
    int negated;
    struct glob_alt *alts; /* --glob: what its braces make */
    size_t nalts;
};

enum { LIST_NONE, LIST_WITH, LIST_WITHOUT };

struct cli {
    const char **needles; /* distinct, in the order given */
    size_t *lens;
    size_t nneedles, needles_cap;
    char **bufs; /* what -f read: the needles point into it */
    size_t nbufs;
    int needle_opts; /* -e or -f given: every operand is a FILE */
    int threads;
    size_t block_size;
    int recursive, follow, json, progress, multi;
    const char **files;
    size_t nfiles;
    long long top;      /* --top K (LLONG_MAX: all); -1: count needles */
    wc_word_opts words; /* --words, -i, --strict-utf8 */
    /* grep's output options */
    int count_only, list, quiet, no_messages, with_filename, color;
    int null_names; /* -Z: a NUL after each file name, as grep -Z */
    int skip_binary;
    /* GREP_COLORS' fn= and se= (SGR parameters; length 0: no colour) and
     * ne (no erase to the end of the line after each) */
    const char *color_fn, *color_se;
    size_t color_fn_len, color_se_len;
    int color_ne;
    char *grep_colors; /* the copy of GREP_COLORS that they point into */
    int skip_dirs;    /* -d skip: a directory FILE is skipped, no error */
    int skip_devices; /* -D skip: a FIFO, socket or device FILE is skipped */
    int line_buffered;
    struct filter *filters;
    size_t nfilters;
    int has_include_glob;
    /* Words through the core's tables (wc_freq_count_fd): unicode words,
     * -i, or many needles (one hash look-up a word beats a kernel pass a
     * needle).  With --top: each input's words are counted into a table of
     * their own, then merged into `table` (wc_freq_merge_into), whose order
     * of first occurrence is then that over all the inputs (input order,
     * then position). */
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

/* Write out and close standard output, saying why it failed (a full disk,
 * a closed pipe with SIGPIPE ignored, an error that a file system such as
 * NFS reports only at close(), as gnulib's close_stdout): 0 or -1.  A
 * standard output closed (`>&-`) that nothing was written to is no error
 * (-q, or -l with no match): fclose's EBADF after a flush that wrote
 * nothing and failed nothing, as gnulib's close_stream ignores it (a byte
 * written to a closed descriptor fails the flush with EBADF itself). */
static int close_stdout(void)
{
    int ok = fflush(stdout) == 0 && !ferror(stdout);
    if (ok && fclose(stdout) != 0 && errno != EBADF)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
        return -1;
    }
    return 0;
}

/* Exit 0 after --help or --version once what they printed is written,
 * else 2 with the error, as grep does. */
_Noreturn static void exit_flushed(void)
{
    exit(close_stdout() == 0 ? 0 : 2);
}

static void die_nomem(void)
{
    fprintf(stderr, "%s: out of memory\n", prog);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die_nomem();
    return p;
}

/* n elements of size sz, checked for overflow. */
static void *xreallocarray(void *p, size_t n, size_t sz)
{
    if (sz != 0 && n > SIZE_MAX / sz)
        die_nomem();
    void *q = realloc(p, n * sz != 0 ? n * sz : 1);
    if (q == NULL)
        die_nomem();
    return q;
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

static void push_needle(struct cli *c, const char *n, size_t len)
{
    if (c->nneedles == c->needles_cap) {
        c->needles_cap = c->needles_cap ? 2 * c->needles_cap : 16;
        c->needles = xreallocarray(c->needles, c->needles_cap, sizeof *c->needles);
        c->lens = xreallocarray(c->lens, c->needles_cap, sizeof *c->lens);
    }
    c->needles[c->nneedles] = n;
    c->lens[c->nneedles] = len;
    c->nneedles++;
}

/* All of the file at path (- for standard input), NUL-terminated, kept in
 * c->bufs until the end (what points into it: -f's needles, the globs of
 * --exclude-from); *len its bytes.  A file that cannot be read is a usage
 * error (exit 2), as grep has it. */
static char *read_option_file(struct cli *c, const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        exit(2);
    }
    size_t n = 0, cap = 4096;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap)
            buf = xreallocarray(buf, cap *= 2, 1);
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        exit(2);
    }
    if (f != stdin)
        fclose(f);
    if (n == cap)
        buf = xreallocarray(buf, cap + 1, 1);
    buf[n] = '\0';
    c->bufs = xreallocarray(c->bufs, c->nbufs + 1, sizeof *c->bufs);
    c->bufs[c->nbufs++] = buf;
    *len = n;
    return buf;
}

/* -f FILE: one needle a line ("\n" or "\r\n"); empty lines are skipped (no
 * word is empty).  The buffer lives as long as the process. */
static void read_needle_file(struct cli *c, const char *path)
{
    size_t n;
    char *buf = read_option_file(c, path, &n);
    for (size_t i = 0; i < n;) {
        char *nl = memchr(buf + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - buf) : n, len = e - i;
        if (len > 0 && buf[i + len - 1] == '\r')
            len--;
        if (len > 0)
            push_needle(c, buf + i, len);
        i = e + 1;
    }
}

/* Repeated needles once, in the order of their first occurrence: sorted
 * (O(N log N) for any needles; no hash an attacker could flood). */
static const struct cli *g_sort_cli;

static int cmp_needle_idx(const void *a, const void *b)
{
    const struct cli *c = g_sort_cli;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    size_t n = c->lens[i] < c->lens[j] ? c->lens[i] : c->lens[j];
    int r = memcmp(c->needles[i], c->needles[j], n);
    if (r == 0)
        r = (c->lens[i] > c->lens[j]) - (c->lens[i] < c->lens[j]);
    return r != 0 ? r : (i > j) - (i < j);
}

static void dedup_needles(struct cli *c)
{
    size_t n = c->nneedles;
    if (n < 2)
        return;
    size_t *idx = xreallocarray(NULL, n, sizeof *idx);
    unsigned char *dup = xmalloc(n);
    memset(dup, 0, n);
    for (size_t k = 0; k < n; k++)
        idx[k] = k;
    g_sort_cli = c;
    qsort(idx, n, sizeof *idx, cmp_needle_idx);
    for (size_t k = 1; k < n; k++) {
        size_t i = idx[k - 1], j = idx[k];
        if (c->lens[i] == c->lens[j] &&
            memcmp(c->needles[i], c->needles[j], c->lens[i]) == 0)
            dup[j] = 1; /* i < j: the first occurrence stays */
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (!dup[k]) {
            c->needles[m] = c->needles[k];
            c->lens[m] = c->lens[k];
            m++;
        }
    c->nneedles = m;
    free(idx);
    free(dup);
}

/* The globs that a -g GLOB's braces make (*.{c,h}: *.c and *.h; two such
 * groups: 4), onto f->alts, each taken apart as rg_glob_alt matches it, at
 * most GLOB_ALTERNATIVES_MAX; braces that do not close or that nest (rg
 * refuses them too), or more alternatives: a usage error.  Made once, so
 * that a walk matches each file's path against ready globs. */
#define GLOB_ALTERNATIVES_MAX 4096
static void glob_expand(struct filter *f, const char *glob)
{
    const char *open = NULL, *close = NULL;
    for (const char *q = glob; *q && close == NULL; q++) {
        if (*q == '\\' && q[1] != '\0')
            q++;
        else if (*q == '{' && open != NULL)
            die_usage("-g GLOB '%s' has braces that nest", f->glob);
        else if (*q == '{')
            open = q;
        else if (*q == '}' && open == NULL)
            die_usage("-g GLOB '%s' has a '}' that closes nothing", f->glob);
        else if (*q == '}')
            close = q;
    }
    if (open != NULL && close == NULL)
        die_usage("-g GLOB '%s' has braces that do not close", f->glob);
    if (open == NULL) {
        if (f->nalts == GLOB_ALTERNATIVES_MAX)
            die_usage("-g GLOB '%s' makes more than %d globs", f->glob,
                      GLOB_ALTERNATIVES_MAX);
        f->alts = xreallocarray(f->alts, f->nalts + 1, sizeof *f->alts);
        struct glob_alt *a = &f->alts[f->nalts++];
        size_t n = strlen(glob);
        a->dirs_only = n > 1 && glob[n - 1] == '/';
        int anchored = glob[0] == '/';
        a->glob = xmalloc(n + 1);
        memcpy(a->glob, glob + anchored, n + 1 - (size_t)anchored);
        if (a->dirs_only)
            a->glob[n - 1 - (size_t)anchored] = '\0';
        a->rel = anchored || strchr(a->glob, '/') != NULL;
        return;
    }
    /* Each alternative of the first braces in turn, the rest after it
     * expanded by the call. */
    size_t pre = (size_t)(open - glob), post = strlen(close + 1);
    char *alt = xmalloc(strlen(glob) + 1);
    for (const char *a = open + 1; a <= close;) {
        const char *e = a;
        while (e < close && *e != ',')
            e += *e == '\\' && e + 1 < close ? 2 : 1;
        memcpy(alt, glob, pre);
        memcpy(alt + pre, a, (size_t)(e - a));
        memcpy(alt + pre + (size_t)(e - a), close + 1, post + 1);
        glob_expand(f, alt);
        a = e + 1;
    }
    free(alt);
}

static void add_filter(struct cli *c, enum filter_kind kind, const char *glob)
{
    c->filters = xreallocarray(c->filters, c->nfilters + 1, sizeof *c->filters);
    struct filter *f = &c->filters[c->nfilters++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->negated = kind == F_GLOB && glob[0] == '!';
    f->glob = f->negated ? glob + 1 : glob;
    if (kind != F_GLOB)
        return;
    if (!f->negated)
        c->has_include_glob = 1;
    glob_expand(f, f->glob);
}

/* grep's --exclude-from: each line of the file a --exclude GLOB, its
 * trailing white space left out (gnulib's add_exclude_file), and empty
 * lines. */
static void read_exclude_file(struct cli *c, const char *path)
{
    size_t n;
    char *buf = read_option_file(c, path, &n);
    for (size_t i = 0; i < n;) {
        char *nl = memchr(buf + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - buf) : n, end = e;
        while (end > i && strchr(" \t\r\v\f", buf[end - 1]) != NULL)
            end--;
        buf[end] = '\0';
        if (end > i)
            add_filter(c, F_EXCLUDE, buf + i);
        i = e + 1;
    }
}

/* The name that standard input is shown by (--label). */
static const char *stdin_label = "(standard input)";

static void apply(struct cli *c, enum opt_id id, const char *arg)
{
    switch (id) {
    case OPT_NEEDLE:
        push_needle(c, arg, strlen(arg));
        c->needle_opts = 1;
        break;
    case OPT_NEEDLE_FILE:
        read_needle_file(c, arg);
        c->needle_opts = 1;
        break;
    case OPT_THREADS:
        c->threads = (int)parse_number(arg, "thread count", 1, WC_MAX_THREADS);
        break;
    case OPT_RECURSIVE:
        c->recursive = 1;
        c->skip_dirs = 0;
        break;
    case OPT_DEREF:
        c->recursive = c->follow = 1;
        c->skip_dirs = 0;
        break;
    case OPT_JSON: c->json = 1; break;
    case OPT_PROGRESS: c->progress = 1; break;
    case OPT_NO_PROGRESS: c->progress = 0; break;
    case OPT_BLOCK_SIZE:
        c->block_size = (size_t)parse_number(arg, "block size", 1, (size_t)1 << 30);
        break;
    case OPT_TOP:
        c->top = strcmp(arg, "all") == 0
            ? LLONG_MAX
            : (long long)parse_number(arg, "word count for --top (or all)", 0,
                                      LLONG_MAX);
        break;
    case OPT_WORDS:
        if (strcmp(arg, "space") == 0)
            c->words.words = WC_WORDS_SPACE;
        else if (strcmp(arg, "unicode") == 0)
            c->words.words = WC_WORDS_UNICODE;
        else
            die_usage("invalid word mode '%s' (unicode or space)", arg);
        break;
    case OPT_IGNORE_CASE: c->words.casefold = 1; break;
    case OPT_NO_IGNORE_CASE: c->words.casefold = 0; break;
    case OPT_STRICT_UTF8: c->words.utf8 = WC_UTF8_STRICT; break;
    case OPT_WORD_REGEXP: case OPT_FIXED: case OPT_ONLY_MATCHING:
    case OPT_BINARY: case OPT_INITIAL_TAB:
        /* always so: the count is of the matches, bytes as they are; and
         * -T aligns the lines that grep prints, never a count */
        break;
    case OPT_UNIX_BYTE_OFFSETS:
        /* grep 3.8's obsolete -u: its warning at each, even with -s, and
         * nothing else (it changed -b's offsets on MS-DOS) */
        fprintf(stderr, "%s: warning: --unix-byte-offsets (-u) is obsolete\n",
                prog);
        break;
    case OPT_COUNT: c->count_only = 1; break;
    case OPT_FILES_WITH: c->list = LIST_WITH; break;
    case OPT_FILES_WITHOUT: c->list = LIST_WITHOUT; break;
    case OPT_QUIET: c->quiet = 1; break;
    case OPT_NO_MESSAGES: c->no_messages = 1; break;
    case OPT_WITH_FILENAME: c->with_filename = 1; break;
    case OPT_NO_FILENAME: c->with_filename = 0; break;
    case OPT_NULL: c->null_names = 1; break;
    case OPT_COLOR:
        /* A bare --color is auto, as grep's. */
        if (arg == NULL)
            c->color = -1;
        else if (strcmp(arg, "always") == 0 || strcmp(arg, "yes") == 0 ||
                 strcmp(arg, "force") == 0)
            c->color = 1;
        else if (strcmp(arg, "never") == 0 || strcmp(arg, "no") == 0 ||
                 strcmp(arg, "none") == 0)
            c->color = 0;
        else if (strcmp(arg, "auto") == 0 || strcmp(arg, "tty") == 0 ||
                 strcmp(arg, "if-tty") == 0)
            c->color = -1;
        else
            die_usage("invalid argument '%s' for --color (never, always or auto)",
                      arg);
        break;
    case OPT_INCLUDE: add_filter(c, F_INCLUDE, arg); break;
    case OPT_EXCLUDE: add_filter(c, F_EXCLUDE, arg); break;
    case OPT_EXCLUDE_DIR: add_filter(c, F_EXCLUDE_DIR, arg); break;
    case OPT_EXCLUDE_FROM: read_exclude_file(c, arg); break;
    case OPT_DIRECTORIES:
        /* As grep: -d recurse is -r, and the last of -r, -R and -d wins
         * (-R's following of links stays, as grep's). */
        if (strcmp(arg, "read") != 0 && strcmp(arg, "skip") != 0 &&
            strcmp(arg, "recurse") != 0)
            die_usage("invalid argument '%s' for --directories (read, skip "
                      "or recurse)", arg);
        c->recursive = strcmp(arg, "recurse") == 0;
        c->skip_dirs = strcmp(arg, "skip") == 0;
        break;
    case OPT_DEVICES:
        if (strcmp(arg, "read") == 0)
            c->skip_devices = 0;
        else if (strcmp(arg, "skip") == 0)
            c->skip_devices = 1;
        else
            die_usage("invalid argument '%s' for --devices (read or skip)", arg);
        break;
    case OPT_LABEL: stdin_label = arg; break;
    case OPT_LINE_BUFFERED: c->line_buffered = 1; break;
    case OPT_GLOB: add_filter(c, F_GLOB, arg); break;
    case OPT_BINARY_FILES:
        if (strcmp(arg, "binary") == 0 || strcmp(arg, "text") == 0)
            c->skip_binary = 0;
        else if (strcmp(arg, "without-match") == 0)
            c->skip_binary = 1;
        else
            die_usage("invalid argument '%s' for --binary-files (binary, "
                      "without-match or text)", arg);
        break;
    case OPT_SKIP_BINARY: c->skip_binary = 1; break;
    case OPT_TEXT: c->skip_binary = 0; break;
    case OPT_HELP: fputs(wordcount_help, stdout); exit_flushed();
    case OPT_VERSION: printf("wordcount %s\n", WC_VERSION); exit_flushed();
    }
}

/* The long option `name` (len bytes), or else the one it is the start of
 * (getopt_long's abbreviations, as grep takes them: --ignore for
 * --ignore-case); NULL when there is none, and a usage error when it starts
 * several options (not aliases of one). */
static const struct opt_def *find_long(const char *name, size_t len)
{
    const struct opt_def *found = NULL;
    int ambiguous = 0;
    for (size_t k = 0; k < NOPTS; k++) {
        const char *l = opt_defs[k].long_name;
        if (l == NULL || strncmp(l, name, len) != 0)
            continue;
        if (strlen(l) == len)
            return &opt_defs[k];
        if (found != NULL && (found->id != opt_defs[k].id ||
                              found->has_arg != opt_defs[k].has_arg))
            ambiguous = 1;
        if (found == NULL)
            found = &opt_defs[k];
    }
    /* grep's options that wordcount refuses count too: --line is
     * ambiguous (--line-buffered, --line-number, --line-regexp), as in
     * grep, not --line-buffered. */
    for (size_t k = 0; found != NULL && k < NREFUSED; k++)
        if (strncmp(refused_opts[k].long_name, name, len) == 0)
            ambiguous = 1;
    if (ambiguous) {
        fprintf(stderr, "%s: option '--%.*s' is ambiguous; possibilities:", prog,
                (int)len, name);
        for (size_t k = 0; k < NOPTS; k++)
            if (opt_defs[k].long_name != NULL &&
                strncmp(opt_defs[k].long_name, name, len) == 0)
                fprintf(stderr, " '--%s'", opt_defs[k].long_name);
        for (size_t k = 0; k < NREFUSED; k++)
            if (strncmp(refused_opts[k].long_name, name, len) == 0)
                fprintf(stderr, " '--%s'", refused_opts[k].long_name);
        fprintf(stderr, "\nTry 'wordcount --help' for more information.\n");
        exit(2);
    }
    return found;
}

/* A usage error saying why, when the short option `letter` (or, letter 0,
 * the long one `name` of len bytes or an abbreviation of it that no other
 * option has) is one of grep's that wordcount refuses; else nothing. */
static void refuse(char letter, const char *name, size_t len)
{
    size_t found = NREFUSED;
    for (size_t k = 0; k < NREFUSED; k++) {
        if (letter ? refused_opts[k].short_name != letter
                   : len == 0 || strncmp(refused_opts[k].long_name, name, len) != 0)
            continue;
        if (!letter && strlen(refused_opts[k].long_name) == len) {
            found = k; /* exact, never ambiguous */
            break;
        }
        if (found != NREFUSED)
            return; /* an abbreviation of two: unknown, as grep's */
        found = k;
    }
    if (found != NREFUSED && refused_opts[found].short_name == 0)
        die_usage("--%s is not supported: %s", refused_opts[found].long_name,
                  refused_opts[found].why);
    if (found != NREFUSED)
        die_usage("-%c (--%s) is not supported: %s",
                  refused_opts[found].short_name, refused_opts[found].long_name,
                  refused_opts[found].why);
}

/* GNU-style: options anywhere before "--", short options grouped (-rj4),
 * values attached or separate (-e x, -ex, --regexp x, --regexp=x). */
static void parse_args(struct cli *c, int argc, char **argv)
{
    c->files = xreallocarray(NULL, (size_t)argc, sizeof *c->files);
    const char **operands = xreallocarray(NULL, (size_t)argc, sizeof *operands);
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
            const struct opt_def *d = find_long(name, len);
            if (d == NULL) {
                refuse(0, name, len);
                die_usage("unknown option '--%.*s'", (int)len, name);
            }
            const char *val = NULL;
            if (d->has_arg == 2) {
                val = eq ? eq + 1 : NULL;
            } else if (d->has_arg) {
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
                if (d == NULL) {
                    /* grep's -NUM is -C NUM (-5, -c5) */
                    refuse(*p >= '0' && *p <= '9' ? 'C' : *p, NULL, 0);
                    die_usage("unknown option '-%c'", *p);
                }
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
            die_usage("--top counts every word: no -e WORD with it");
        if (c->count_only || c->list || c->quiet)
            die_usage("--top prints words: no -c, -l, -L or -q with it");
    } else if (!c->needle_opts) {
        if (noperands == 0)
            die_usage("no WORD given");
        push_needle(c, operands[k], strlen(operands[k]));
        k++;
    }
    if (c->json && (c->count_only || c->list))
        die_usage("--json prints every count: no -c, -l or -L with it");
    for (; k < noperands; k++)
        c->files[c->nfiles++] = operands[k];
    free(operands);
    dedup_needles(c);
    /* Names, and a total line: with several FILEs, or with -r when a
     * directory is walked (no FILE: the current one), as grep -r names
     * files only then (grep -r -c WORD a.txt prints the count alone). */
    struct stat st;
    c->multi = c->nfiles > 1 ||
               (c->recursive && (c->nfiles == 0 ||
                                 (strcmp(c->files[0], "-") != 0 &&
                                  stat(c->files[0], &st) == 0 && S_ISDIR(st.st_mode))));
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
    return strcmp(path, "-") == 0 ? stdin_label : path;
}

static void clear_progress(struct cli *c)
{
    if (c->shown) {
        fputs(c->tty ? "\r\033[K" : "\n", stderr);
        c->shown = 0;
    }
}

/* A write to standard output failed (a closed pipe with SIGPIPE ignored, a
 * full disk): say so and exit 2 now, as grep does, rather than count and
 * format the rest for nobody (or wait for a FIFO given after it). */
static void exit_if_stdout_failed(struct cli *c)
{
    if (!ferror(stdout))
        return;
    clear_progress(c);
    (void)close_stdout(); /* says why */
    wc_pool_shutdown();
    exit(2);
}

/* grep's colours: file names magenta (fn=35), separators cyan (se=36), or
 * as GREP_COLORS sets them, each as grep writes it: "\033[" SGR "m\033[K",
 * the text, "\033[m\033[K" (no "\033[K" with ne; nothing with an empty
 * SGR). */
static void put_colored(const struct cli *c, const char *sgr, size_t len,
                        const char *text)
{
    if (!c->color || len == 0) {
        fputs(text, stdout);
        return;
    }
    const char *erase = c->color_ne ? "" : "\033[K";
    printf("\033[%.*sm%s%s\033[m%s", (int)len, sgr, erase, text, erase);
}

static void put_name(const struct cli *c, const char *path)
{
    put_colored(c, c->color_fn, c->color_fn_len, display(path));
}

static void put_sep(const struct cli *c)
{
    put_colored(c, c->color_se, c->color_se_len, ":");
}

/* GREP_COLORS, as grep reads it: "name=SGR" or "name" entries between
 * colons, of which fn=, se= and ne concern the lines wordcount prints (the
 * others, grep's matches' and lines', are read past).  An SGR holds digits
 * and ';' only: at one that holds anything else, the rest of the
 * variable is ignored, as grep ignores it. */
static void read_grep_colors(struct cli *c)
{
    c->color_fn = "35";
    c->color_se = "36";
    c->color_fn_len = c->color_se_len = 2;
    const char *env = getenv("GREP_COLORS");
    if (env == NULL || *env == '\0')
        return;
    c->grep_colors = xmalloc(strlen(env) + 1);
    strcpy(c->grep_colors, env);
    for (const char *p = c->grep_colors; *p != '\0';) {
        size_t n = strcspn(p, ":"), name = strcspn(p, "=:");
        if (name < n) {
            const char *v = p + name + 1;
            size_t vn = n - name - 1;
            if (strspn(v, "0123456789;") < vn)
                return;
            if (name == 2 && memcmp(p, "fn", 2) == 0) {
                c->color_fn = v;
                c->color_fn_len = vn;
            } else if (name == 2 && memcmp(p, "se", 2) == 0) {
                c->color_se = v;
                c->color_se_len = vn;
            } else if (name == 2 && memcmp(p, "ne", 2) == 0) {
                c->color_ne = 1; /* its value ignored, as grep does */
            }
        } else if (n == 2 && memcmp(p, "ne", 2) == 0) {
            c->color_ne = 1;
        }
        p += n + (p[n] == ':');
    }
}

/* What follows a file name: ':' (or, after a name alone, a newline); with
 * -Z a NUL byte instead, as grep -Z, for xargs -0 and names that hold ':'
 * or a newline. */
static void put_name_end(const struct cli *c, int alone)
{
    if (c->null_names)
        putchar('\0');
    else if (alone)
        putchar('\n');
    else
        put_sep(c);
}

static void report_msg(struct cli *c, const char *path, int rc, const char *msg);
static void write_result(struct cli *c, const char *path, int rc, const char *msg);

/* A length for printf's "%.*s": a WORD from -f (not NUL-terminated) of 2 GiB
 * or more made (int) negative, and a negative precision prints up to a NUL,
 * past the buffer.  Messages show at most the first 1 KiB. */
static int print_len(size_t len)
{
    return len > 1024 ? 1024 : (int)len;
}

/* "wordcount: warning: 'WORD'" for a WORD of len bytes, its first 1 KiB
 * as it is (a NUL byte from -f too, as its count's line shows it), for the
 * caller to end. */
static void warn_word(const char *nd, size_t len)
{
    fprintf(stderr, "%s: warning: '", prog);
    fwrite(nd, 1, (size_t)print_len(len), stderr);
    fputc('\'', stderr);
}

static void report(struct cli *c, const char *path, int rc)
{
    const char *msg = rc == WC_EIO ? strerror(errno) : wc_strerror(rc);
    char utf8_msg[96];
    if (rc == WC_EUTF8) {
        snprintf(utf8_msg, sizeof utf8_msg, "not UTF-8 at byte offset %" PRIu64
                 " (--strict-utf8)", c->utf8.offset);
        msg = utf8_msg;
    }
    report_msg(c, path, rc, msg);
}

/* The result of one input: its counts (rc WC_OK), or the error msg. */
static void report_msg(struct cli *c, const char *path, int rc, const char *msg)
{
    write_result(c, path, rc, msg);
    exit_if_stdout_failed(c);
}

static void write_result(struct cli *c, const char *path, int rc, const char *msg)
{
    clear_progress(c);
    if (rc != WC_OK) {
        /* -s: no messages about files that are missing or unreadable. */
        if (!(c->no_messages && rc == WC_EIO))
            fprintf(stderr, "%s: %s: %s\n", prog, display(path), msg);
        c->error = 1;
    }
    uint64_t sum = 0;
    if (rc == WC_OK && c->top < 0)
        for (size_t k = 0; k < c->nneedles; k++) {
            c->total[k] += c->counts[k];
            sum += c->counts[k];
        }
    if (c->quiet) {
        if (sum > 0) { /* grep -q: done at the first match, even after errors */
            wc_pool_shutdown();
            exit(0);
        }
        return;
    }
    if (c->json) {
        if (c->printed++)
            fputs(", ", stdout);
        fputs("{\"path\": ", stdout);
        json_str(path, strlen(path));
        if (rc != WC_OK) {
            fputs(", \"error\": ", stdout);
            json_str(msg, strlen(msg));
        } else if (c->top < 0) {
            fputs(", \"counts\": ", stdout);
            json_counts(c, c->counts);
        }
        putchar('}');
        return;
    }
    if (rc != WC_OK || c->top >= 0) /* --top: the words come at the end */
        return;
    if (c->list != LIST_NONE) {
        if ((sum > 0) == (c->list == LIST_WITH)) {
            put_name(c, path);
            put_name_end(c, 1);
        }
        return;
    }
    int names = c->with_filename == 1 || (c->with_filename < 0 && c->multi);
    for (size_t k = 0; k < c->nneedles; k++) {
        if (names) {
            put_name(c, path);
            put_name_end(c, 0);
        }
        if (c->nneedles > 1) {
            fwrite(c->needles[k], 1, c->lens[k], stdout);
            put_sep(c);
        }
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

/* --top: the words of one input into a table of their own, then merged
 * into c->table after the words of the inputs before it (on error, or out of
 * memory, none of them).  Returns the count's code. */
static int count_top(struct cli *c, int fd, const wc_io_options *o)
{
    wc_freq *f = wc_freq_new(1, &c->words);
    if (f == NULL)
        return WC_ENOMEM; /* this input is not counted; the others are */
    int rc = wc_freq_count_fd(f, WC_COUNT_ALL, fd, o, &c->utf8);
    if (rc == WC_OK)
        rc = wc_freq_merge_into(c->table, f);
    int saved = errno; /* the count's, for report(): free may change it */
    wc_freq_free(f);
    errno = saved;
    if (rc == WC_EINVAL) {
        /* Not for tables made alike (make_table). */
        fprintf(stderr, "%s: internal error: the tables do not merge\n", prog);
        exit(2);
    }
    return rc;
}

/* The counts of the WORDs in what fd holds after o's prefix, into
 * c->counts.  Returns the count's code. */
static int count_needles_fd(struct cli *c, int fd, const wc_io_options *o)
{
    if (c->table == NULL) {
        const void *const *nd = (const void *const *)c->needles;
        return wc_count_fd(fd, nd, c->lens, c->nneedles, o, c->counts);
    }
    for (size_t k = 0; k < c->nneedles; k++)
        c->counts[k] = wc_freq_needle_count(c->table, c->ids[k]);
    int rc = wc_freq_count_fd(c->table, WC_COUNT_NEEDLES, fd, o, &c->utf8);
    for (size_t k = 0; k < c->nneedles; k++)
        c->counts[k] = wc_freq_needle_count(c->table, c->ids[k]) - c->counts[k];
    return rc;
}

/* read() of fd, again after EINTR, and after EAGAIN once poll() says fd
 * is readable: an input whose O_NONBLOCK another process set (node does so
 * to the pipes and terminals it shares) waits as the core's reads wait
 * (wc_fd_read), where -q, -l, -L and -I failed at once with "Resource
 * temporarily unavailable". */
static ssize_t read_waiting(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return r;
        if (errno != EINTR) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, -1) < 0 && errno != EINTR)
                return -1;
        }
    }
}

/* The counts of the WORDs in the n bytes at p (whole lines, the input's
 * bytes from offset `at`) added to c->counts.  Returns the count's code. */
static int count_piece(struct cli *c, const char *p, size_t n, uint64_t at)
{
    if (c->table == NULL) {
        for (size_t k = 0; k < c->nneedles; k++) {
            uint64_t n_k = 0;
            int rc = wc_count_parallel(p, n, c->needles[k], c->lens[k], 1,
                                       c->threads, &n_k);
            if (rc != WC_OK)
                return rc;
            c->counts[k] += n_k;
        }
        return WC_OK;
    }
    for (size_t k = 0; k < c->nneedles; k++)
        c->counts[k] -= wc_freq_needle_count(c->table, c->ids[k]);
    size_t err = 0;
    int rc = wc_freq_count_needles(c->table, p, n, &err);
    for (size_t k = 0; k < c->nneedles; k++)
        c->counts[k] += wc_freq_needle_count(c->table, c->ids[k]);
    if (rc == WC_EUTF8) {
        memset(&c->utf8, 0, sizeof c->utf8);
        c->utf8.offset = at + err;
    }
    return rc;
}

static int any_match(const struct cli *c)
{
    for (size_t k = 0; k < c->nneedles; k++)
        if (c->counts[k] > 0)
            return 1;
    return 0;
}

/* count_to_match reads at most MATCH_READ bytes at first, twice as many
 * after each read that got all it asked for, up to MATCH_READ_MAX.  Past
 * MATCH_LINE_MAX bytes without a newline it counts the rest of the input
 * whole (count_needles_fd), in bounded memory; so it does for a regular
 * file (but where --strict-utf8 applies) past its first MATCH_FILE_HEAD
 * bytes, from the start of the line
 * it was in: a file is finite, and counted whole it is read in parallel
 * (pread on every thread), where read() copies on one thread (a file of
 * 500 MB without a match took 0.28 s in pieces, 0.085 s whole). */
#define MATCH_READ ((size_t)1 << 20)
#define MATCH_READ_MAX ((size_t)64 << 20)
#define MATCH_LINE_MAX ((size_t)64 << 20)
#define MATCH_FILE_HEAD ((size_t)4 << 20)

/* -q, -l and -L ask only whether a WORD occurs, and grep stops reading at
 * the first match: so does this.  The input is read and counted a piece at
 * a time, each piece whole lines (the count of A + B is the count of A plus
 * that of B when A ends with "\n"), as read() gives them: a stream that
 * stays open (tail -f log | wordcount -q ERROR) is answered at its first
 * matching line, and a file is not read far past it.  A
 * line longer than MATCH_LINE_MAX is not held: from there the rest of the
 * input is counted whole, as without -q.  The counts go into c->counts
 * (those so far when a match stopped the reading).  Returns the count's
 * code. */
static int count_to_match(struct cli *c, int fd, const wc_io_options *o)
{
    memset(c->counts, 0, c->nneedles * sizeof *c->counts);
    struct stat st;
    int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && o->prefix_len == 0;
    /* Where bytes that are not UTF-8 are an error, a file is read in pieces
     * to its end: a match on a line before the first such byte answers
     * (count_piece's caller below), where the rest counted whole would
     * only be the error. */
    if (c->words.utf8 == WC_UTF8_STRICT &&
        (c->words.words == WC_WORDS_UNICODE || c->words.casefold))
        regular = 0;
    size_t cap = MATCH_READ, have = o->prefix_len, scan = 0, piece = MATCH_READ;
    while (cap < have)
        cap *= 2;
    char *buf = xmalloc(cap);
    if (have > 0)
        memcpy(buf, o->prefix, have);
    uint64_t at = 0; /* the input's offset of buf[0] */
    int rc = WC_OK, end = 0;
    for (;;) {
        /* The last "\n" among the bytes not looked at yet (only those: a
         * long line is looked at once); at the end, the rest. */
        size_t cut = have;
        while (!end && cut > scan && buf[cut - 1] != '\n')
            cut--;
        if (cut == scan && !end)
            cut = 0;
        scan = have;
        if (cut > 0) {
            rc = count_piece(c, buf, cut, at);
            if (rc == WC_EUTF8 && c->utf8.offset > at) {
                /* The lines before the one in error, as if read alone: a
                 * match there answers whatever read() put in one piece
                 * with the line in error (its counts are none after an
                 * error).  The error stands when they hold none. */
                wc_utf8_error bad = c->utf8;
                size_t ls = (size_t)(bad.offset - at);
                while (ls > 0 && buf[ls - 1] != '\n')
                    ls--;
                if (ls > 0 && count_piece(c, buf, ls, at) == WC_OK && any_match(c))
                    rc = WC_OK;
                c->utf8 = bad;
            }
            if (rc != WC_OK || any_match(c) || end)
                break;
            memmove(buf, buf + cut, have - cut);
            have -= cut;
            scan -= cut;
            at += cut;
        } else if (end) {
            break;
        }
        if (have >= MATCH_LINE_MAX || (regular && at + have >= MATCH_FILE_HEAD)) {
            /* The rest whole, from the start of the line held (read again
             * from the file, or given as the bytes before the stream's);
             * the counts so far are all 0 (a match stops before). */
            wc_io_options rest = *o;
            if (regular && lseek(fd, -(off_t)have, SEEK_CUR) >= 0) {
                rest.prefix_len = 0;
            } else {
                rest.prefix = buf;
                rest.prefix_len = have;
            }
            rc = count_needles_fd(c, fd, &rest);
            if (rc == WC_EUTF8)
                c->utf8.offset += at;
            break;
        }
        while (cap - have < piece)
            buf = xreallocarray(buf, cap *= 2, 1);
        ssize_t r = read_waiting(fd, buf + have, piece);
        if (r < 0) {
            rc = WC_EIO;
            break;
        }
        if (r == 0)
            end = 1;
        if ((size_t)r == piece && piece < MATCH_READ_MAX)
            piece *= 2;
        have += (size_t)r;
    }
    int saved = errno; /* for report(): free may change it */
    free(buf);
    errno = saved;
    return rc;
}

/* Count what fd holds (path: its name for messages and output), after
 * prefix_len bytes read from it already (prefix). */
static void count_fd(struct cli *c, const char *path, int fd,
                     const void *prefix, size_t prefix_len)
{
    wc_io_options o = options(c, path);
    o.prefix = prefix;
    o.prefix_len = prefix_len;
    int rc;
    if (c->top >= 0)
        rc = count_top(c, fd, &o);
    else if (c->quiet || c->list != LIST_NONE)
        rc = count_to_match(c, fd, &o);
    else
        rc = count_needles_fd(c, fd, &o);
    report(c, path, rc);
}

/* grep's binary files: a NUL byte in the first 32 KiB (of a regular file,
 * from offset `at`).  1 binary, 0 not, -1 a read error (errno set). */
#define BINARY_HEAD 32768
static int is_binary(int fd, off_t at)
{
    static char buf[BINARY_HEAD];
    ssize_t n;
    do
        n = pread(fd, buf, sizeof buf, at);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    return n > 0 && memchr(buf, 0, (size_t)n) != NULL;
}

/* A binary input skipped by --binary-files=without-match: no match, as
 * grep -I has it (-c prints 0 for it, -L names it). */
static void skip_binary(struct cli *c, const char *path)
{
    memset(c->counts, 0, c->nneedles * sizeof *c->counts);
    report(c, path, WC_OK);
}

/* A regular file with --binary-files=without-match: skipped when binary,
 * counted when not, and a failed read of its head reported as the error it
 * is (grep's "NAME: Input/output error", exit 2), never taken for text. */
static void count_regular_unless_binary(struct cli *c, const char *path,
                                        int fd, off_t at)
{
    int binary = is_binary(fd, at);
    if (binary < 0)
        report(c, path, WC_EIO);
    else if (binary)
        skip_binary(c, path);
    else
        count_fd(c, path, fd, NULL, 0);
}

/* An input that is not a regular file (a pipe, a FIFO, a device) with
 * --binary-files=without-match: skipped when binary, as grep does (a NUL
 * byte in its first 32 KiB, read ahead and then counted first). */
static void count_read_ahead(struct cli *c, const char *path, int fd)
{
    static char head[BINARY_HEAD];
    size_t n = 0;
    while (n < sizeof head) {
        ssize_t r = read_waiting(fd, head + n, sizeof head - n);
        if (r < 0) {
            report(c, path, WC_EIO);
            return;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (memchr(head, 0, n) == NULL)
        count_fd(c, path, fd, head, n);
    else
        skip_binary(c, path);
}

/* Standard input.  With --binary-files=without-match it is skipped when
 * binary, as grep does: a NUL byte in its first 32 KiB from where it
 * stands. */
static void count_stdin(struct cli *c, const char *path)
{
    int fd = STDIN_FILENO;
    struct stat st;
    if (!c->skip_binary || fstat(fd, &st) != 0) {
        count_fd(c, path, fd, NULL, 0); /* (an fstat error: reported there) */
    } else if (S_ISREG(st.st_mode)) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        count_regular_unless_binary(c, path, fd, at < 0 ? 0 : at);
    } else {
        count_read_ahead(c, path, fd);
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* grep's --include, --exclude and --exclude-dir: fnmatch as in a UTF-8
 * locale, whatever the locale: '?' and a bracket match one character, not
 * one byte (ü.c is ?.c), as grep's do in a UTF-8 locale (the words are
 * UTF-8 in every locale too).  A name or glob that is not UTF-8 is matched
 * byte by byte (glibc's fnmatch falls back so, as grep's does).  Where the
 * C library has no UTF-8 locale, bytes.  rg's -g globs are matched on
 * bytes, as rg matches them (plain fnmatch, the C locale): rg -g '?.c'
 * skips ü.c. */
static int glob_fnmatch(const char *glob, const char *name, int flags)
{
    static locale_t utf8;
    static int tried;
    if (!tried) {
        tried = 1;
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (utf8 == (locale_t)0)
            utf8 = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
    }
    if (utf8 == (locale_t)0)
        return fnmatch(glob, name, flags);
    locale_t old = uselocale(utf8);
    int r = fnmatch(glob, name, flags);
    uselocale(old);
    return r;
}

/* Whether an rg glob (-g) matches path, as fnmatch with FNM_PATHNAME but
 * a segment "**" matches any number of the path's segments, none too (the
 * segments "**" and "*.c": any .c file at any depth), but a last one
 * matches one or more ("src" and "**": everything in src, not src), as
 * rg's and git's do.  Segment by segment, each pair
 * of a glob segment and a path segment matched at most once: time linear
 * in their product, whatever "**"s the glob holds. */
static int glob_matches(const char *glob, const char *path)
{
    if (strstr(glob, "**") == NULL)
        return fnmatch(glob, path, FNM_PATHNAME) == 0;
    /* The segments, as copies each ending in '\0'. */
    size_t gn = 1, pn = 1;
    for (const char *q = glob; *q; q++)
        gn += *q == '/';
    for (const char *q = path; *q; q++)
        pn += *q == '/';
    char *gs = xmalloc(strlen(glob) + 1), *ps = xmalloc(strlen(path) + 1);
    strcpy(gs, glob);
    strcpy(ps, path);
    char **g = xreallocarray(NULL, gn, sizeof *g), **p = xreallocarray(NULL, pn, sizeof *p);
    size_t i = 0, j = 0;
    g[i++] = gs;
    for (char *q = gs; *q; q++)
        if (*q == '/') {
            *q = '\0';
            g[i++] = q + 1;
        }
    p[j++] = ps;
    for (char *q = ps; *q; q++)
        if (*q == '/') {
            *q = '\0';
            p[j++] = q + 1;
        }
    /* m[j]: the glob's segments from gi on match the path's from j on;
     * filled from the last glob segment back. */
    unsigned char *m = xmalloc(pn + 1), *next = xmalloc(pn + 1);
    for (j = 0; j <= pn; j++)
        next[j] = j == pn;
    for (size_t gi = gn; gi-- > 0;) {
        int any = strcmp(g[gi], "**") == 0;
        /* A last "**" matches one segment or more: the glob src then **
         * is what is in src, not src itself (git's and rg's rule: with
         * the globs "!*" and then that one, src is left out, so nothing
         * in it is searched). */
        int last = any && gi == gn - 1;
        m[pn] = any && !last && next[pn];
        for (j = pn; j-- > 0;)
            m[j] = last ? 1
                 : any ? (next[j] || m[j + 1])
                       : (next[j + 1] && fnmatch(g[gi], p[j], 0) == 0);
        unsigned char *t = m;
        m = next;
        next = t;
    }
    int ok = next[0];
    free(m);
    free(next);
    free(g);
    free(p);
    free(gs);
    free(ps);
    return ok;
}

/* Whether glob matches a FILE given by its name, as grep's --include,
 * --exclude and --exclude-dir match one: the whole name or any trailing
 * part of it that starts just after a '/' (`--exclude='src/?.txt'` skips
 * src/c.txt, `--exclude='*.c'` skips /x/y.c). */
static int name_suffix_matches(const char *glob, const char *path)
{
    for (const char *s = path;;) {
        if (glob_fnmatch(glob, s, 0) == 0)
            return 1;
        if ((s = strchr(s, '/')) == NULL)
            return 0;
        while (*s == '/')
            s++;
        if (*s == '\0')
            return 0;
    }
}

/* Whether a -g GLOB (without its '!') matches: any of the globs its
 * braces make (glob_expand), one ending in "/" only a directory, one with
 * a "/" (a leading one too) matched against rel (the path below the FILE
 * given), else against the base name, as rg's overrides are.  At most
 * GLOB_ALTERNATIVES_MAX globs, each matched in linear time. */
static int rg_glob_matches(const struct filter *f, const char *rel,
                           const char *base, int is_dir)
{
    for (size_t k = 0; k < f->nalts; k++) {
        const struct glob_alt *a = &f->alts[k];
        if ((!a->dirs_only || is_dir) && glob_matches(a->glob, a->rel ? rel : base))
            return 1;
    }
    return 0;
}

/* What the -g globs say of a path: the last one that matches decides (1:
 * in, 0: out, as rg's later globs override earlier ones); none matches:
 * -1. */
static int globs_decide(const struct cli *c, const char *rel, const char *base,
                        int is_dir)
{
    int decided = -1;
    for (size_t k = 0; k < c->nfilters; k++) {
        const struct filter *f = &c->filters[k];
        if (f->kind == F_GLOB && rg_glob_matches(f, rel, base, is_dir))
            decided = !f->negated;
    }
    return decided;
}

/* --include/--exclude on base names (of a FILE given: on name suffixes,
 * when `given`): the last one that matches decides; when none does, a file
 * counts unless the first is --include (grep).  --glob (rg), for the files
 * a walk meets (rg searches a FILE given whatever its globs say): the last
 * that matches decides; when none does, a file counts unless there is one
 * that is not negated.  rel: the path below the FILE given. */
static int file_wanted(const struct cli *c, const char *path, const char *rel,
                       int given)
{
    const char *base = base_name(path);
    int decided = -1, first = -1;
    for (size_t k = 0; k < c->nfilters; k++) {
        const struct filter *f = &c->filters[k];
        if (f->kind == F_INCLUDE || f->kind == F_EXCLUDE) {
            if (first < 0)
                first = f->kind == F_INCLUDE;
            if (given ? name_suffix_matches(f->glob, path)
                      : glob_fnmatch(f->glob, base, 0) == 0)
                decided = f->kind == F_INCLUDE;
        }
    }
    if (!given) {
        int g = globs_decide(c, rel, base, 0);
        if (g == 0 || (g < 0 && c->has_include_glob))
            return 0;
    }
    return decided >= 0 ? decided : first != 1;
}

static int dir_wanted(const struct cli *c, const char *path, const char *rel)
{
    const char *base = base_name(path);
    for (size_t k = 0; k < c->nfilters; k++) {
        const struct filter *f = &c->filters[k];
        if (f->kind == F_EXCLUDE_DIR && glob_fnmatch(f->glob, base, 0) == 0)
            return 0;
    }
    return globs_decide(c, rel, base, 1) != 0;
}

/* Open name (relative to dirfd) and count it: only a regular file when
 * `regular_only` (the walk: FIFOs and devices are skipped, as grep -r). */
static void count_at(struct cli *c, int dirfd, const char *name,
                     const char *path, int regular_only)
{
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
    if (regular_only)
        flags |= O_NONBLOCK | (c->follow ? 0 : O_NOFOLLOW);
    else if (c->skip_devices)
        flags |= O_NONBLOCK; /* a FIFO with no writer: open, then skipped */
    int fd = openat(dirfd, name, flags);
    if (fd < 0) {
        report(c, path, WC_EIO);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        report(c, path, WC_EIO);
    } else if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        report(c, path, WC_EIO);
    } else if (regular_only && !S_ISREG(st.st_mode)) {
        /* replaced by something else since the walk saw it: skipped */
    } else if (c->skip_devices && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
                                   S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        /* -D skip, as grep: no count, no line, no error */
    } else if (c->skip_binary && !S_ISREG(st.st_mode)) {
        count_read_ahead(c, path, fd); /* a FIFO or a device given */
    } else if (c->skip_binary) {
        count_regular_unless_binary(c, path, fd, 0);
    } else {
        count_fd(c, path, fd, NULL, 0);
    }
    close(fd);
}

/* The directories from the walk's root to the one being read: a directory
 * met again below itself (a bind mount, -R and a link up) is a loop and is
 * not entered. */
struct ancestor {
    dev_t dev;
    ino_t ino;
    size_t depth;
    const struct ancestor *up;
};

/* The path printed for what the walk meets: grown and cut back as the walk
 * goes down and up, never limited by PATH_MAX. */
struct pathbuf {
    char *s;
    size_t len, cap;
    size_t rel; /* where the part below the FILE given starts */
};

static size_t path_push(struct pathbuf *p, const char *name)
{
    size_t old = p->len, n = strlen(name);
    int slash = old > 0 && p->s[old - 1] != '/';
    if (p->len + n + 2 > p->cap) {
        p->cap = (p->len + n + 2) * 2;
        p->s = xreallocarray(p->s, p->cap, 1);
    }
    if (slash)
        p->s[p->len++] = '/';
    memcpy(p->s + p->len, name, n + 1);
    p->len += n;
    return old;
}

static void path_pop(struct pathbuf *p, size_t old)
{
    p->len = old;
    p->s[old] = '\0';
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directories deeper than this are not kept open while the walk is below
 * them: the walk comes back up through "..", checked against the device and
 * inode it left (a tree of any depth needs a bounded number of
 * descriptors). */
#define KEEP_OPEN_DEPTH 64

/* The walk recurses a level a directory (walk() takes 480 bytes of stack a
 * level built with -O2, about 1 KiB with ASan): a directory below this
 * depth is reported as an error and skipped, so that a tree made 40,000
 * levels deep cannot overflow the stack (it did: SIGSEGV). */
#define WALK_MAX_DEPTH 4096

/*
 * Count the files under the directory open at fd (owned), whose path is
 * p->s.  Returns an fd of the same directory (the one given, or one reopened
 * through ".."), or -1 when it could not be reopened.
 */
static int walk(struct cli *c, int fd, struct pathbuf *p,
                const struct ancestor *me)
{
    int dfd = dup(fd);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        report(c, p->s, WC_EIO);
        return fd;
    }
    size_t n = 0, cap = 16;
    char **names = xreallocarray(NULL, cap, sizeof *names);
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap)
            names = xreallocarray(names, cap *= 2, sizeof *names);
        names[n] = xmalloc(strlen(e->d_name) + 1);
        strcpy(names[n++], e->d_name);
        errno = 0;
    }
    if (errno != 0)
        report(c, p->s, WC_EIO);
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    size_t k = 0;
    for (; k < n && fd >= 0; k++) {
        size_t old = path_push(p, names[k]);
        const char *rel = p->s + (p->rel < p->len ? p->rel : p->len);
        struct stat st;
        if (fstatat(fd, names[k], &st, c->follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
            report(c, p->s, WC_EIO);
        } else if (S_ISDIR(st.st_mode)) {
            const struct ancestor *a = me;
            while (a != NULL && !(a->dev == st.st_dev && a->ino == st.st_ino))
                a = a->up;
            if (a != NULL) {
                clear_progress(c);
                if (!c->no_messages)
                    fprintf(stderr, "%s: %s: recursive directory loop, skipped\n",
                            prog, p->s);
            } else if (me->depth >= WALK_MAX_DEPTH) {
                /* (-s leaves it printed: it is not a missing file.) */
                char msg[64];
                snprintf(msg, sizeof msg, "more than %d directories deep, skipped",
                         WALK_MAX_DEPTH);
                report_msg(c, p->s, WC_EINVAL, msg);
            } else if (dir_wanted(c, p->s, rel)) {
                int cfd = openat(fd, names[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC |
                                 (c->follow ? 0 : O_NOFOLLOW));
                struct ancestor sub = {st.st_dev, st.st_ino, me->depth + 1, me};
                if (cfd < 0) {
                    report(c, p->s, WC_EIO);
                } else {
                    /* -R: the ".." of a directory reached through a link
                     * is its target's parent, not this one, so this one
                     * stays open while the walk is below it.  (Closed, the
                     * way back up failed the check below, and the rest of
                     * this directory and of its ancestors below
                     * KEEP_OPEN_DEPTH was left out, "Stale file handle".) */
                    struct stat lst;
                    int keep = me->depth < KEEP_OPEN_DEPTH ||
                               (c->follow &&
                                (fstatat(fd, names[k], &lst, AT_SYMLINK_NOFOLLOW) != 0 ||
                                 S_ISLNK(lst.st_mode)));
                    if (!keep) {
                        close(fd);
                        fd = -1;
                    }
                    cfd = walk(c, cfd, p, &sub);
                    if (fd < 0 && cfd >= 0) {
                        struct stat up;
                        fd = openat(cfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd >= 0 && (fstat(fd, &up) != 0 || up.st_dev != me->dev ||
                                        up.st_ino != me->ino)) {
                            close(fd);
                            fd = -1;
                            errno = ESTALE; /* moved while the walk was below */
                        }
                    }
                    if (cfd >= 0)
                        close(cfd);
                    else if (fd < 0)
                        errno = ESTALE; /* no way back up from below either */
                    if (fd < 0) {
                        path_pop(p, old);
                        report(c, p->s, WC_EIO);
                    }
                }
            }
        } else if (S_ISREG(st.st_mode)) {
            if (file_wanted(c, p->s, rel, 0))
                count_at(c, fd, names[k], p->s, 1);
        } /* symbolic links (without -R), FIFOs, devices, sockets: skipped */
        if (fd >= 0)
            path_pop(p, old);
        free(names[k]);
    }
    for (; k < n; k++)
        free(names[k]);
    free(names);
    return fd;
}

static void walk_root(struct cli *c, const char *path, int implicit)
{
    int fd = open(implicit ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        report(c, path, WC_EIO);
        if (fd >= 0)
            close(fd);
        return;
    }
    struct pathbuf p = {NULL, 0, 0, 0};
    p.cap = strlen(path) + 64;
    p.s = xmalloc(p.cap);
    strcpy(p.s, implicit ? "" : path);
    p.len = strlen(p.s);
    /* Two or more slashes at the end are one (d//f is d/f), as grep's
     * fts trims them, in a name longer than two bytes ("//" stays). */
    if (p.len > 2 && p.s[p.len - 1] == '/')
        while (p.len > 1 && p.s[p.len - 2] == '/')
            p.s[--p.len] = '\0';
    p.rel = p.len + (p.len > 0 && p.s[p.len - 1] != '/');
    struct ancestor me = {st.st_dev, st.st_ino, 0, NULL};
    fd = walk(c, fd, &p, &me);
    if (fd >= 0)
        close(fd);
    free(p.s);
}

static void count_operand(struct cli *c, const char *path)
{
    if (strcmp(path, "-") == 0) {
        count_stdin(c, path);
        return;
    }
    struct stat st;
    int dir = (c->nfilters > 0 || c->recursive || c->skip_dirs) &&
              stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (dir && c->skip_dirs)
        return; /* -d skip: no count, no line, no error, as grep */
    if (dir && c->nfilters > 0) {
        /* --exclude-dir skips a directory given too, with -r or without
         * (then it is not an error), as grep ("dir/" is kept). */
        for (size_t k = 0; k < c->nfilters; k++)
            if (c->filters[k].kind == F_EXCLUDE_DIR &&
                name_suffix_matches(c->filters[k].glob, path))
                return;
    }
    if (dir && c->recursive) {
        walk_root(c, path, 0);
        return;
    }
    /* The file filters are for files: a directory given without -r is
     * the error it is without them ("Is a directory", exit 2), as grep
     * has it, not skipped in silence. */
    if (c->nfilters > 0 && !dir && !file_wanted(c, path, path, 1)) {
        /* Skipped; but grep opens a FILE given before it looks at
         * --include and --exclude, so one that cannot be opened is an
         * error still: a mistyped name is not hidden by a filter. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            report(c, path, WC_EIO);
        else
            close(fd);
        return;
    }
    count_at(c, AT_FDCWD, path, path, 0);
}

/* ---- needles and tables ------------------------------------------------- */

static int count_word(void *ctx, const void *key, size_t len, int width,
                      size_t pos)
{
    size_t *w = ctx;
    (void)key;
    (void)width;
    w[0]++;
    w[1] = pos;
    w[2] = len;
    return 0;
}

/* The WORD_COUNT_* variables that are set but ignored, said as the Python
 * package says them (a RuntimeWarning at import); WORD_COUNT_THREADS only
 * when no -j chose the threads. */
static void warn_env(int threads_from_env)
{
    if (threads_from_env) {
        int n = wc_default_threads(); /* reads WORD_COUNT_THREADS */
        if (wc_threads_env_invalid())
            fprintf(stderr, "%s: warning: WORD_COUNT_THREADS='%s' is not a "
                    "whole number from 1 to %d; using %d threads\n", prog,
                    getenv("WORD_COUNT_THREADS"), WC_MAX_THREADS, n);
    }
    if (wc_pool_idle_env_invalid())
        fprintf(stderr, "%s: warning: WORD_COUNT_POOL_IDLE='%s' is not a "
                "number of seconds (>= 0, or inf); idle workers exit after "
                "2 s\n", prog, getenv("WORD_COUNT_POOL_IDLE"));
    if (wc_hash_seed_env_invalid())
        fprintf(stderr, "%s: warning: WORD_COUNT_HASH_SEED='%s' is not an "
                "integer from 0 to 2**64 - 1; using a key drawn from the OS\n",
                prog, getenv("WORD_COUNT_HASH_SEED"));
    const char *kernel = getenv("WORD_COUNT_KERNEL");
    if (kernel != NULL && *kernel != '\0' && strcmp(kernel, "auto") != 0 &&
        !wc_kernel_supported(kernel))
        fprintf(stderr, "%s: warning: WORD_COUNT_KERNEL='%s' is unknown or "
                "not supported on this CPU; using '%s'\n", prog, kernel,
                wc_kernel_name());
}

/* A WORD that the mode's words can never equal is never counted: say so
 * rather than print 0 silently.  In space mode, one that holds a space or
 * a newline (semantics.md); in unicode mode, one that is not one word (a
 * hyphen, a space, an empty one), and with -i one whose fold is not. */
static void warn_needles(const struct cli *c)
{
    if (c->quiet || c->no_messages)
        return;
    wc_word_opts o = {WC_WORDS_UNICODE, 0, WC_UTF8_REPLACE, 1};
    /* With -i the text is folded, then cut into words (semantics.md): the
     * WORD's fold (space mode's fold of it whole) must be one word, whatever
     * the WORD is unfolded ('a' and U+0345, no word character, folds to 'a'
     * and 'ι'); 'İstanbul' folds to 'i̇stanbul', whose U+0307 is none. */
    wc_word_opts fo = {WC_WORDS_UNICODE, 1, WC_UTF8_REPLACE, 1};
    wc_word_opts whole = {WC_WORDS_SPACE, 1, WC_UTF8_REPLACE, 1};
    for (size_t k = 0; k < c->nneedles; k++) {
        const char *nd = c->needles[k];
        size_t len = c->lens[k];
        /* Space mode never counts these; nor does unicode mode. */
        int spaced = memchr(nd, ' ', len) != NULL || memchr(nd, '\n', len) != NULL;
        if (c->words.words != WC_WORDS_UNICODE) {
            if (spaced) {
                warn_word(nd, len);
                fputs(" holds a space or a newline, so it is never counted "
                      "(words are split at spaces)\n", stderr);
            }
            continue;
        }
        size_t w[3] = {0, 0, 0};
        wc_words_foreach(nd, len, 1, &o, count_word, w, NULL);
        int plain = w[0] == 1 && w[1] == 0 && w[2] == len, one = plain;
        if (c->words.casefold) {
            size_t f[3] = {0, 0, 0};
            wc_words_foreach(nd, len, 1, &whole, count_word, f, NULL);
            memset(w, 0, sizeof w);
            wc_words_foreach(nd, len, 1, &fo, count_word, w, NULL);
            one = f[0] == 1 && w[0] == 1 && w[1] == 0 && w[2] == f[2];
        }
        if (!one) {
            warn_word(nd, len);
            fprintf(stderr, "%s is not one word (letters, digits, '_'), so it "
                    "is never counted%s\n", plain ? " case-folded (-i)" : "",
                    spaced ? "" : "; --words=space counts words between spaces");
        }
    }
}

/* Needles from this many on are looked up in a hash table, one look-up a
 * word, rather than counted by one kernel pass each over every block. */
#define MANY_NEEDLES 8

static void make_table(struct cli *c)
{
    int special = c->words.words != WC_WORDS_SPACE || c->words.casefold;
    if (c->top >= 0) {
        /* The words met so far: cut as each input's are (count_top). */
        if ((c->table = wc_freq_new(1, &c->words)) == NULL)
            die_nomem();
        return;
    }
    if (!special && c->nneedles < MANY_NEEDLES)
        return;
    wc_word_opts o = c->words;
    c->table = wc_freq_new(1, &o);
    c->ids = xreallocarray(NULL, c->nneedles, sizeof *c->ids);
    if (c->table == NULL)
        die_nomem();
    for (size_t k = 0; k < c->nneedles; k++) {
        size_t err = 0;
        int rc = wc_freq_add_needle(c->table, c->needles[k], c->lens[k], 1,
                                    &c->ids[k], &err);
        if (rc == WC_EUTF8)
            die_usage("WORD '%.*s' is not UTF-8 (at byte %zu)", print_len(c->lens[k]),
                      c->needles[k], err);
        if (rc != WC_OK) {
            fprintf(stderr, "%s: %s\n", prog, wc_strerror(rc));
            exit(2);
        }
    }
}

/* Print the top words: most frequent first, equal counts in order of first
 * occurrence over all the inputs (c->table's order), as frequencies(top=K)
 * orders one text and Counter.most_common orders any Counter.  Returns how
 * many words were counted in all. */
static uint64_t print_top(struct cli *c)
{
    size_t n = wc_freq_size(c->table);
    size_t k = (unsigned long long)c->top > n ? n : (size_t)c->top;
    if (wc_freq_sort_top(c->table, k) != WC_OK)
        die_nomem();
    uint64_t all = 0;
    if (c->json)
        fputs("], \"top\": [", stdout);
    for (size_t i = 0; i < n; i++) {
        const void *key;
        size_t len;
        int width;
        uint64_t count;
        wc_freq_get(c->table, i, &key, &len, &width, &count);
        all += count;
        if (i >= k) {
            continue;
        } else if (i % 1024 == 0) {
            exit_if_stdout_failed(c);
        }
        if (c->json) {
            fputs(i ? ", [" : "[", stdout);
            json_str(key, len);
            printf(", %" PRIu64 "]", count);
        } else {
            printf("%7" PRIu64 " ", count);
            fwrite(key, 1, len, stdout);
            putchar('\n');
        }
    }
    if (c->json)
        fputs("]}\n", stdout);
    return all;
}

static void cli_free(struct cli *c)
{
    wc_pool_shutdown();
    wc_freq_free(c->table);
    free(c->ids);
    free(c->counts);
    free(c->total);
    free(c->needles);
    free(c->lens);
    free(c->files);
    for (size_t k = 0; k < c->nfilters; k++) {
        for (size_t a = 0; a < c->filters[k].nalts; a++)
            free(c->filters[k].alts[a].glob);
        free(c->filters[k].alts);
    }
    free(c->filters);
    for (size_t k = 0; k < c->nbufs; k++)
        free(c->bufs[k]);
    free(c->bufs);
    free(c->grep_colors);
}

int main(int argc, char **argv)
{
    struct cli c = {.progress = -1, .top = -1, .with_filename = -1, .color = -1,
                    .words = {.words = WC_WORDS_UNICODE, .utf8 = WC_UTF8_REPLACE}};
    parse_args(&c, argc, argv);
    /* --line-buffered: each line out as soon as it is whole (a count as soon
     * as its input is counted), not when the buffer fills. */
    if (c.line_buffered && setvbuf(stdout, NULL, _IOLBF, 0) != 0) {
        fprintf(stderr, "%s: standard output: cannot make it line buffered\n", prog);
        return 2;
    }
    if (c.nfiles == 0 && !c.recursive && isatty(STDIN_FILENO)) {
        /* No silent wait for a terminal: most likely a FILE was meant. */
        fputs(wordcount_help, stderr);
        /* (--top takes no WORD: then there is none to name.) */
        if (!c.needle_opts && c.nneedles > 0 &&
            access(c.needles[0], F_OK) == 0)
            fprintf(stderr, "\n%s: '%s' is taken as the WORD and no FILE is "
                    "given: wordcount WORD %s?\n", prog, c.needles[0],
                    c.needles[0]);
        cli_free(&c);
        return 2;
    }
    make_table(&c); /* first: a WORD it refuses needs no warning */
    warn_needles(&c);
    if (!c.quiet && !c.no_messages)
        warn_env(c.threads == 0);
    c.tty = isatty(STDERR_FILENO);
    if (c.progress < 0)
        c.progress = c.tty;
    if (c.quiet)
        c.progress = 0;
    if (c.color < 0) {
        const char *term = getenv("TERM"), *no = getenv("NO_COLOR");
        c.color = isatty(STDOUT_FILENO) && (no == NULL || *no == '\0') &&
                  term != NULL && strcmp(term, "dumb") != 0;
    }
    if (c.color)
        read_grep_colors(&c);
    c.counts = xreallocarray(NULL, c.nneedles, sizeof *c.counts);
    c.total = xreallocarray(NULL, c.nneedles, sizeof *c.total);
    memset(c.total, 0, c.nneedles * sizeof *c.total);

    if (c.json && !c.quiet && c.top >= 0) {
        fputs("{\"inputs\": [", stdout);
    } else if (c.json && !c.quiet) {
        fputs("{\"needles\": [", stdout);
        for (size_t k = 0; k < c.nneedles; k++) {
            if (k)
                fputs(", ", stdout);
            json_str(c.needles[k], c.lens[k]);
        }
        fputs("], \"inputs\": [", stdout);
    }
    if (c.nfiles == 0 && c.recursive)
        walk_root(&c, ".", 1);
    else if (c.nfiles == 0)
        count_operand(&c, "-");
    for (size_t k = 0; k < c.nfiles; k++)
        count_operand(&c, c.files[k]);

    uint64_t all = 0;
    for (size_t k = 0; k < c.nneedles; k++)
        all += c.total[k];
    if (c.top >= 0) {
        all = print_top(&c);
    } else if (c.quiet) {
        /* nothing */
    } else if (c.json) {
        fputs("], \"total\": ", stdout);
        json_counts(&c, c.total);
        fputs("}\n", stdout);
    } else if (c.multi && !c.count_only && !c.list && c.with_filename != 0) {
        for (size_t k = 0; k < c.nneedles; k++) {
            fputs("total", stdout);
            put_sep(&c);
            if (c.nneedles > 1) {
                fwrite(c.needles[k], 1, c.lens[k], stdout);
                put_sep(&c);
            }
            printf("%" PRIu64 "\n", c.total[k]);
        }
    }
    if (close_stdout() != 0) {
        cli_free(&c);
        return 2;
    }
    cli_free(&c);
    return c.error ? 2 : all > 0 ? 0 : 1;
}
