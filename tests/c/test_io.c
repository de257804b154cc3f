/*
 * test_io.c - files and streams (lib/input*.c) against a literal reference
 * that shares no code with the core: split into lines as Rust's str::lines does,
 * split lines at ' ', compare words.  Block sizes from 1 byte up put a block
 * edge on every byte of the texts, so every match, "\r\n" and empty word
 * straddles an edge somewhere.
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "wordcount.h"

/* ---- helpers ----------------------------------------------------------- */


#define NNEEDLES 6
static const char *const needles_s[NNEEDLES] = {"ab", "a", "", "abab", "b\r", "x y"};
static const void *needles[NNEEDLES];
static size_t lens[NNEEDLES];

/* Random text of words from a small vocabulary with ' ', "\n", "\r\n" and
 * stray '\r' between them. */
static void fill(uint8_t *t, size_t n)
{
    static const char *const pieces[] = {"ab", "a", "abab", "b", " ", " ",
                                         "\n", "\r\n", "\r", "  ", "ab\r\n"};
    size_t k = 0;
    while (k < n) {
        const char *p = pieces[rnd() % (sizeof pieces / sizeof *pieces)];
        for (; *p && k < n; p++)
            t[k++] = (uint8_t)*p;
    }
}

static char tmpdir[256];

static void write_file(const char *path, const uint8_t *t, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(t, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static void check_counts(const uint64_t *got, const uint8_t *t, size_t n,
                         const char *what, size_t size, size_t block, int threads)
{
    for (int k = 0; k < NNEEDLES; k++)
        CHECK_EQ(got[k], ref_count(t, n, needles[k], lens[k]),
                 "%s: needle '%s', size %zu, block %zu, threads %d", what,
                 needles_s[k], size, block, threads);
}

/* ---- files -------------------------------------------------------------- */

static void test_files(void)
{
    static const size_t blocks[] = {1, 2, 3, 5, 8, 64, 4096};
    size_t max = 10000;
    uint8_t *t = malloc(max);
    char path[300];
    snprintf(path, sizeof path, "%s/f", tmpdir);
    for (size_t size = 0; size <= 40; size++) {
        for (int rep = 0; rep < 3; rep++) {
            fill(t, size);
            write_file(path, t, size);
            for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
                for (int threads = 1; threads <= 3; threads++) {
                    wc_io_options o = {.threads = threads, .block_size = blocks[b]};
                    uint64_t got[NNEEDLES];
                    CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, &o, got),
                             WC_OK, "rc");
                    check_counts(got, t, size, "file", size, blocks[b], threads);
                }
            }
        }
    }
    /* Larger files around block multiples, on the pool for real. */
    static const size_t sizes[] = {4095, 4096, 4097, 8191, 9999};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        fill(t, sizes[s]);
        write_file(path, t, sizes[s]);
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            wc_io_options o = {.threads = 2, .block_size = blocks[b]};
            uint64_t got[NNEEDLES];
            CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, &o, got), WC_OK, "rc");
            check_counts(got, t, sizes[s], "file", sizes[s], blocks[b], 2);
        }
    }
    free(t);
}

/* A file big enough to be split across threads with the default block. */
static void test_big_file(void)
{
    size_t n = 3 * wc_io_default_block_size() + 12345;
    uint8_t *t = malloc(n);
    fill(t, n);
    char path[300];
    snprintf(path, sizeof path, "%s/big", tmpdir);
    write_file(path, t, n);
    for (int threads = 1; threads <= 4; threads++) {
        wc_io_options o = {.threads = threads};
        uint64_t got[NNEEDLES];
        CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, &o, got), WC_OK, "rc");
        check_counts(got, t, n, "big file", n, 0, threads);
    }
    uint64_t one;
    CHECK_EQ(wc_count_file(path, needles, lens, 1, NULL, &one), WC_OK, "NULL options");
    CHECK_EQ(one, ref_count(t, n, needles[0], lens[0]), "NULL options");
    free(t);
    unlink(path);
}

/* wc_count_fd on a regular file counts from its offset, then sits at the end. */
static void test_fd_offset(void)
{
    size_t n = 3000;
    uint8_t *t = malloc(n);
    fill(t, n);
    char path[300];
    snprintf(path, sizeof path, "%s/off", tmpdir);
    write_file(path, t, n);
    int fd = open(path, O_RDONLY);
    for (size_t off = 0; off <= n; off += 377) {
        lseek(fd, (off_t)off, SEEK_SET);
        wc_io_options o = {.threads = 2, .block_size = 100};
        uint64_t got[NNEEDLES];
        CHECK_EQ(wc_count_fd(fd, needles, lens, NNEEDLES, &o, got), WC_OK, "rc");
        check_counts(got, t + off, n - off, "fd offset", off, 100, 2);
        CHECK_EQ(lseek(fd, 0, SEEK_CUR), n, "offset at the end");
    }
    close(fd);
    free(t);
}

/* ---- streams ------------------------------------------------------------ */

struct writer {
    int fd;
    const uint8_t *t;
    size_t n;
    const char *path; /* a FIFO to open, or NULL to use fd */
};

static void *writer_main(void *p)
{
    struct writer *w = p;
    int fd = w->path != NULL ? open(w->path, O_WRONLY) : w->fd;
    size_t k = 0;
    while (k < w->n) {
        size_t piece = 1 + rnd() % 97;
        if (piece > w->n - k)
            piece = w->n - k;
        ssize_t r = write(fd, w->t + k, piece);
        if (r <= 0)
            break;
        k += (size_t)r;
    }
    close(fd);
    return NULL;
}

static void test_pipes(void)
{
    static const size_t blocks[] = {1, 2, 3, 7, 64, 0};
    static const size_t sizes[] = {0, 1, 2, 5, 17, 200, 5000};
    uint8_t *t = malloc(5000);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            fill(t, sizes[s]);
            int p[2];
            if (pipe(p) != 0) {
                perror("pipe");
                exit(2);
            }
            struct writer w = {.fd = p[1], .t = t, .n = sizes[s]};
            pthread_t th;
            pthread_create(&th, NULL, writer_main, &w);
            wc_io_options o = {.block_size = blocks[b]};
            uint64_t got[NNEEDLES];
            CHECK_EQ(wc_count_fd(p[0], needles, lens, NNEEDLES, &o, got), WC_OK, "rc");
            pthread_join(th, NULL);
            close(p[0]);
            check_counts(got, t, sizes[s], "pipe", sizes[s], blocks[b], 1);
        }
    }
    /* A FIFO by path. */
    char path[300];
    snprintf(path, sizeof path, "%s/fifo", tmpdir);
    if (mkfifo(path, 0600) == 0) {
        fill(t, 3000);
        struct writer w = {.t = t, .n = 3000, .path = path};
        pthread_t th;
        pthread_create(&th, NULL, writer_main, &w);
        wc_io_options o = {.block_size = 10};
        uint64_t got[NNEEDLES];
        CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, &o, got), WC_OK, "fifo rc");
        pthread_join(th, NULL);
        check_counts(got, t, 3000, "fifo", 3000, 10, 1);
        unlink(path);
    } else {
        perror("mkfifo");
        CHECK(0, "mkfifo failed");
    }
    free(t);
}

/* A reader that hands out a memory text in random pieces. */
struct mem_reader {
    const uint8_t *t;
    size_t n, pos;
    int fail_at; /* return WC_EIO once pos passes this, if >= 0 */
};

static ptrdiff_t mem_read(void *arg, void *buf, size_t n)
{
    struct mem_reader *r = arg;
    if (r->fail_at >= 0 && r->pos >= (size_t)r->fail_at)
        return WC_EIO;
    size_t k = 1 + rnd() % (n < 50 ? n : 50);
    if (k > r->n - r->pos)
        k = r->n - r->pos;
    memcpy(buf, r->t + r->pos, k);
    r->pos += k;
    return (ptrdiff_t)k;
}

static void test_reader_and_prefix(void)
{
    uint8_t *t = malloc(2000);
    for (size_t size = 0; size < 2000; size += 1 + size / 3) {
        fill(t, size);
        for (size_t block = 1; block <= 9; block += 4) {
            struct mem_reader r = {.t = t, .n = size, .fail_at = -1};
            wc_io_options o = {.block_size = block};
            uint64_t got[NNEEDLES];
            CHECK_EQ(wc_count_reader(mem_read, &r, needles, lens, NNEEDLES, &o, got),
                     WC_OK, "rc");
            check_counts(got, t, size, "reader", size, block, 1);

            /* The first part as a prefix, the rest from a pipe. */
            size_t split = size / 3;
            int p[2];
            if (pipe(p) != 0)
                exit(2);
            struct writer w = {.fd = p[1], .t = t + split, .n = size - split};
            pthread_t th;
            pthread_create(&th, NULL, writer_main, &w);
            wc_io_options op = {.block_size = block, .prefix = t, .prefix_len = split};
            CHECK_EQ(wc_count_fd(p[0], needles, lens, NNEEDLES, &op, got), WC_OK, "rc");
            pthread_join(th, NULL);
            close(p[0]);
            check_counts(got, t, size, "prefix + pipe", size, block, 1);
        }
    }
    struct mem_reader r = {.t = t, .n = 2000, .fail_at = 100};
    uint64_t got[1] = {99};
    fill(t, 2000);
    errno = 0;
    CHECK_EQ(wc_count_reader(mem_read, &r, needles, lens, 1, NULL, got), WC_EIO,
             "a reader's error code comes back");
    CHECK_EQ(got[0], 0, "counts are zero on error");
    free(t);
}

/* A reader that breaks its contract with a negative answer that is no
 * WC_* code and does not fit in an int: the count fails with WC_EINVAL.
 * It was cut to an int: -2^32 became 0 (no bytes, no end: the count read
 * for ever), -2^32 + 5 became 5 bytes that the reader never wrote.  After
 * `calls` answers it ends the stream, so that a wrong count ends too. */
struct bad_reader {
    ptrdiff_t answer;
    int calls;
};

static ptrdiff_t bad_read(void *arg, void *buf, size_t n)
{
    struct bad_reader *r = arg;
    if (r->calls == 0) {
        size_t k = n < 7 ? n : 7;
        memcpy(buf, "ab ab a", k);
        r->calls++;
        return (ptrdiff_t)k;
    }
    return r->calls++ < 1000 ? r->answer : 0;
}

static void test_reader_bad_negative(void)
{
    static const ptrdiff_t answers[] = {
        -((ptrdiff_t)1 << 32), -((ptrdiff_t)1 << 32) + 5, PTRDIFF_MIN};
    for (size_t a = 0; a < sizeof answers / sizeof answers[0]; a++) {
        struct bad_reader r = {.answer = answers[a]};
        uint64_t got[NNEEDLES];
        CHECK_EQ(wc_count_reader(bad_read, &r, needles, lens, NNEEDLES, NULL, got),
                 WC_EINVAL, "needles: reader answer %td", answers[a]);
        CHECK(r.calls <= 2, "needles: read on after answer %td (%d calls)",
              answers[a], r.calls);
        wc_word_opts wo = {0};
        wc_freq *f = wc_freq_new(1, &wo);
        CHECK(f != NULL, "wc_freq_new");
        if (f == NULL)
            continue;
        r = (struct bad_reader){.answer = answers[a]};
        CHECK_EQ(wc_freq_count_reader(f, WC_COUNT_ALL, bad_read, &r, NULL, NULL),
                 WC_EINVAL, "words: reader answer %td", answers[a]);
        CHECK_EQ(wc_freq_size(f), 0, "words: nothing counted on error");
        CHECK(r.calls <= 2, "words: read on after answer %td (%d calls)",
              answers[a], r.calls);
        wc_freq_free(f);
    }
}

/* /proc files report size 0 but have content: read as streams. */
static void test_proc(void)
{
    static const char path[] = "/proc/version";
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("skip: no %s\n", path);
        return;
    }
    uint8_t buf[8192];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, sizeof buf - n)) > 0)
        n += (size_t)r;
    close(fd);
    CHECK_EQ(n > 0, 1, "/proc/version has content");
    /* Count its first word and a word that is surely in it. */
    size_t w = 0;
    while (w < n && buf[w] != ' ')
        w++;
    const void *nd[2] = {buf, "version"};
    size_t ln[2] = {w, 7};
    for (size_t block = 1; block <= 4096; block *= 8) {
        wc_io_options o = {.block_size = block};
        uint64_t got[2];
        CHECK_EQ(wc_count_file(path, nd, ln, 2, &o, got), WC_OK, "proc rc");
        CHECK_EQ(got[0], ref_count(buf, n, buf, w), "proc first word, block %zu", block);
        CHECK_EQ(got[1], ref_count(buf, n, (const uint8_t *)"version", 7),
                 "proc 'version', block %zu", block);
        CHECK_EQ(got[0] >= 1, 1, "proc first word found");
    }
}

/* wc_file_size: what the front ends cut into ranges (regular files) and
 * what they read whole (pseudo files, empty ones, FIFOs); errors. */
static void test_file_size(void)
{
    char path[300];
    uint64_t size = 0;
    snprintf(path, sizeof path, "%s/sized", tmpdir);
    write_file(path, (const uint8_t *)"is x\n", 5);
    CHECK_EQ(wc_file_size(path, &size), WC_OK, "regular");
    CHECK_EQ(size, 5, "regular size");
    write_file(path, (const uint8_t *)"", 0);
    CHECK_EQ(wc_file_size(path, &size), WC_OK, "empty");
    CHECK_EQ(size, WC_SIZE_UNKNOWN, "empty: read whole");
    unlink(path);
    errno = 0;
    CHECK_EQ(wc_file_size(path, &size), WC_EIO, "missing");
    CHECK_EQ(errno, ENOENT, "missing errno");
    errno = 0;
    CHECK_EQ(wc_file_size(tmpdir, &size), WC_EIO, "directory");
    CHECK_EQ(errno, EISDIR, "directory errno");
    /* Sizes made up: /proc says 0, sysfs 4,096 for a few bytes. */
    static const char *const pseudo[] = {
        "/proc/version", "/sys/kernel/mm/transparent_hugepage/enabled",
        "/sys/devices/system/cpu/online"};
    for (size_t k = 0; k < sizeof pseudo / sizeof *pseudo; k++) {
        if (access(pseudo[k], R_OK) != 0)
            continue;
        size = 0;
        CHECK_EQ(wc_file_size(pseudo[k], &size), WC_OK, "%s", pseudo[k]);
        CHECK_EQ(size, WC_SIZE_UNKNOWN, "%s: read whole", pseudo[k]);
    }
}

/* ---- errors, truncation, progress, cancellation -------------------------- */

static void test_errors(void)
{
    uint64_t got[NNEEDLES];
    char path[300];
    snprintf(path, sizeof path, "%s/missing", tmpdir);
    errno = 0;
    CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, NULL, got), WC_EIO, "missing");
    CHECK_EQ(errno, ENOENT, "missing: errno ENOENT");
    errno = 0;
    CHECK_EQ(wc_count_file(tmpdir, needles, lens, NNEEDLES, NULL, got), WC_EIO, "dir");
    CHECK_EQ(errno, EISDIR, "directory: errno EISDIR");
    CHECK_EQ(wc_count_fd(-1, needles, lens, NNEEDLES, NULL, got), WC_EIO, "bad fd");
    CHECK_EQ(errno, EBADF, "bad fd: errno EBADF");

    snprintf(path, sizeof path, "%s/empty", tmpdir);
    write_file(path, (const uint8_t *)"", 0);
    CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, NULL, got), WC_OK, "empty");
    for (int k = 0; k < NNEEDLES; k++)
        CHECK_EQ(got[k], 0, "empty file counts 0 for '%s'", needles_s[k]);
    CHECK_EQ(wc_count_file(path, NULL, NULL, 0, NULL, NULL), WC_OK, "no needles");

    wc_io_options bad = {.threads = -1};
    CHECK_EQ(wc_count_file(path, needles, lens, 1, &bad, got), WC_EINVAL, "threads -1");
    bad.threads = WC_MAX_THREADS + 1;
    CHECK_EQ(wc_count_file(path, needles, lens, 1, &bad, got), WC_EINVAL, "threads big");
    CHECK_EQ(wc_count_file(NULL, needles, lens, 1, NULL, got), WC_EINVAL, "NULL path");
    CHECK_EQ(wc_count_file(path, NULL, lens, 1, NULL, got), WC_EINVAL, "NULL needles");
    unlink(path);

    /* A needle longer than the block and than the file. */
    size_t n = 1000;
    uint8_t *t = malloc(n);
    memset(t, 'q', n);
    t[300] = ' ';
    t[601] = '\n';
    snprintf(path, sizeof path, "%s/long", tmpdir);
    write_file(path, t, n);
    const void *nd[2] = {t + 301, t};
    size_t ln[2] = {300, n + 5};
    wc_io_options o = {.threads = 2, .block_size = 7};
    CHECK_EQ(wc_count_file(path, nd, ln, 2, &o, got), WC_OK, "long needle rc");
    CHECK_EQ(got[0], ref_count(t, n, t + 301, 300), "needle longer than block");
    CHECK_EQ(got[1], 0, "needle longer than file");
    unlink(path);
    free(t);
}

struct truncator {
    const char *path;
    off_t to;
    int done;      /* truncated */
    int stop_now;  /* for the cancel test: answer nonzero */
    int calls;
    uint64_t last_done, last_total;
};

static int truncate_midway(void *arg, uint64_t done, uint64_t total)
{
    struct truncator *tr = arg;
    tr->calls++;
    if (!tr->done && done > 0 && done < total) {
        if (truncate(tr->path, tr->to) != 0)
            perror("truncate");
        tr->done = 1;
    }
    return 0;
}

static int cancel_midway(void *arg, uint64_t done, uint64_t total)
{
    struct truncator *tr = arg;
    tr->calls++;
    tr->last_done = done;
    tr->last_total = total;
    return done > 0 && done < total;
}

static int record(void *arg, uint64_t done, uint64_t total)
{
    struct truncator *tr = arg;
    tr->calls++;
    tr->last_done = done;
    tr->last_total = total;
    return 0;
}

static void test_truncate_progress_cancel(void)
{
    size_t n = (size_t)1 << 20;
    uint8_t *t = malloc(n);
    fill(t, n);
    char path[300];
    snprintf(path, sizeof path, "%s/trunc", tmpdir);
    for (int threads = 1; threads <= 2; threads++) {
        /* The callback truncates the file the first time it is called in
         * the middle of the count.  Its calls are timed (every 1 ms at
         * most), so on a loaded machine a count may have none in the
         * middle: the calling thread was not run until the other had
         * read everything.  Such a count proves nothing; it is run again
         * (up to 50 times; here the first nearly always does). */
        struct truncator tr;
        int rc = WC_OK;
        for (int attempt = 0; attempt < 50; attempt++) {
            write_file(path, t, n);
            tr = (struct truncator){.path = path, .to = (off_t)(n / 2)};
            wc_io_options o = {.threads = threads, .block_size = 64,
                               .interval_ms = 1, .progress = truncate_midway,
                               .progress_arg = &tr};
            uint64_t got[NNEEDLES];
            rc = wc_count_file(path, needles, lens, NNEEDLES, &o, got);
            if (tr.done)
                break;
        }
        CHECK_EQ(tr.done, 1, "the callback saw the middle (threads %d)", threads);
        CHECK_EQ(rc, WC_ETRUNCATED, "truncated while read (threads %d)", threads);
    }

    write_file(path, t, n);
    for (int threads = 1; threads <= 2; threads++) {
        /* As above: a count in which the callback was never called in the
         * middle (its last call saw the end) is run again. */
        struct truncator tr;
        int rc = WC_OK;
        for (int attempt = 0; attempt < 50; attempt++) {
            tr = (struct truncator){0};
            wc_io_options o = {.threads = threads, .block_size = 64,
                               .interval_ms = 1, .progress = cancel_midway,
                               .progress_arg = &tr};
            uint64_t got[NNEEDLES];
            rc = wc_count_file(path, needles, lens, NNEEDLES, &o, got);
            if (tr.last_done < n)
                break;
        }
        CHECK_EQ(rc, WC_EINTR, "cancelled (threads %d)", threads);
        CHECK_EQ(tr.last_done < n, 1, "stopped before the end");
    }

    struct truncator tr = {0};
    wc_io_options o = {.threads = 2, .block_size = 4096, .progress = record,
                       .progress_arg = &tr};
    uint64_t got[NNEEDLES];
    CHECK_EQ(wc_count_file(path, needles, lens, NNEEDLES, &o, got), WC_OK, "progress rc");
    CHECK_EQ(tr.calls >= 2, 1, "progress called at start and end");
    CHECK_EQ(tr.last_done, n, "progress: final done");
    CHECK_EQ(tr.last_total, n, "progress: total");
    check_counts(got, t, n, "with progress", n, 4096, 2);

    /* Streams: total unknown, final done == bytes read. */
    int p[2];
    if (pipe(p) != 0)
        exit(2);
    struct writer w = {.fd = p[1], .t = t, .n = 100000};
    pthread_t th;
    pthread_create(&th, NULL, writer_main, &w);
    struct truncator ts = {0};
    wc_io_options os = {.progress = record, .progress_arg = &ts};
    CHECK_EQ(wc_count_fd(p[0], needles, lens, NNEEDLES, &os, got), WC_OK, "stream rc");
    pthread_join(th, NULL);
    close(p[0]);
    CHECK_EQ(ts.last_done, 100000, "stream progress: final done");
    CHECK_EQ(ts.last_total, 100000, "stream progress: final total");
    unlink(path);
    free(t);
}

/* ---- words of files: wc_freq_count_file / _reader (needles, space mode,
 * where ref_count is the oracle; the other modes are tested from Python
 * against re and str.casefold) ------------------------------------------- */

static void test_freq_files(void)
{
    static const size_t blocks[] = {1, 2, 3, 7, 4096};
    size_t max = 3000;
    uint8_t *t = malloc(max);
    char path[300];
    snprintf(path, sizeof path, "%s/w", tmpdir);
    wc_set_parallel_threshold(16); /* small files on every thread */
    for (size_t size = 0; size <= max; size = size < 30 ? size + 1 : size * 3) {
        fill(t, size);
        write_file(path, t, size);
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            for (int threads = 1; threads <= 3; threads++) {
                wc_word_opts wo = {.words = WC_WORDS_SPACE, .utf8 = 1};
                wc_freq *f = wc_freq_new(1, &wo);
                size_t ids[NNEEDLES], err = 0;
                for (int k = 0; k < NNEEDLES; k++)
                    CHECK_EQ(wc_freq_add_needle(f, needles[k], lens[k], 1, &ids[k], &err),
                             WC_OK, "add needle");
                wc_io_options o = {.threads = threads, .block_size = blocks[b]};
                CHECK_EQ(wc_freq_count_file(f, WC_COUNT_NEEDLES, path, &o, NULL), WC_OK,
                         "rc");
                uint64_t got[NNEEDLES];
                for (int k = 0; k < NNEEDLES; k++)
                    got[k] = wc_freq_needle_count(f, ids[k]);
                check_counts(got, t, size, "freq file", size, blocks[b], threads);
                wc_freq_free(f);
            }
        }
    }
    wc_set_parallel_threshold(0);
    /* Invalid UTF-8: the offset of the first bad byte, whatever the blocks. */
    static const char bad[] = "caf\xc3\xa9 ok x\xe2\x82 more \xff end";
    write_file(path, (const uint8_t *)bad, sizeof bad - 1);
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        wc_word_opts wo = {.words = WC_WORDS_UNICODE, .utf8 = 1};
        wc_freq *f = wc_freq_new(1, &wo);
        wc_io_options o = {.threads = 2, .block_size = blocks[b]};
        wc_utf8_error ue;
        CHECK_EQ(wc_freq_count_file(f, WC_COUNT_ALL, path, &o, &ue), WC_EUTF8, "rc");
        CHECK_EQ(ue.offset, 10, "utf8 offset, block %zu", blocks[b]); /* "caf\xc3\xa9 ok x" */
        CHECK_EQ(ue.context[ue.context_at], 0xe2, "context");
        CHECK_EQ(wc_freq_size(f), 0, "nothing counted on error");
        wc_freq_free(f);
    }
    unlink(path);
    free(t);
}

/* ---- long needles (longer than block_size / 8: the in-order matcher) ------
 * Texts of long words ("a"/"b" runs, some ending in '\r') and, as needles,
 * those words, the words less or plus a final '\r', and prefixes: counted in
 * files (1 and 3 threads) and through a reader, blocks of 1 to 4096 bytes,
 * against ref_count.  Several needles at once, short ones among them. */
static void test_long_needles(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/long", tmpdir);
    static const size_t wlens[] = {0, 1, 63, 64, 65, 100, 700, 3000};
    for (int rep = 0; rep < 60; rep++) {
        uint8_t t[20000];
        size_t n = 0, starts[16], ends[16], nw = 0;
        int words = 1 + (int)(rnd() % 8);
        for (int w = 0; w < words; w++) {
            size_t len = wlens[rnd() % 8];
            starts[nw] = n;
            for (size_t k = 0; k < len; k++)
                t[n++] = (uint8_t)((rnd() % 7) ? 'a' : 'b');
            if (rnd() % 3 == 0)
                t[n++] = '\r';
            ends[nw++] = n;
            static const char *const seps[] = {" ", "\n", "\r\n", ""};
            const char *sep = seps[rnd() % 4];
            while (*sep)
                t[n++] = (uint8_t)*sep++;
        }
        write_file(path, t, n);
        /* The needles: each word, it with its last byte dropped, it with a
         * '\r' added (copied into one buffer), and a short one. */
        uint8_t nbuf[3 * 16 * 3100];
        const void *nds[3 * 16 + 1];
        size_t nls[3 * 16 + 1], nn = 0, at = 0;
        for (size_t w = 0; w < nw; w++) {
            size_t len = ends[w] - starts[w];
            memcpy(nbuf + at, t + starts[w], len);
            nds[nn] = nbuf + at, nls[nn++] = len;
            nds[nn] = nbuf + at, nls[nn++] = len ? len - 1 : 0;
            nbuf[at + len] = '\r';
            nds[nn] = nbuf + at, nls[nn++] = len + 1;
            at += len + 1;
        }
        nds[nn] = "a", nls[nn++] = 1;
        static const size_t blocks[] = {1, 7, 64, 512, 4096};
        for (int b = 0; b < 5; b++) {
            uint64_t got[3 * 16 + 1];
            for (int threads = 1; threads <= 3; threads += 2) {
                wc_io_options o = {.threads = threads, .block_size = blocks[b]};
                CHECK_EQ(wc_count_file(path, nds, nls, nn, &o, got), WC_OK, "long file");
                for (size_t k = 0; k < nn; k++)
                    CHECK_EQ(got[k], ref_count(t, n, nds[k], nls[k]),
                             "long needle %zu (%zu bytes), file, block %zu, %d threads",
                             k, nls[k], blocks[b], threads);
            }
            struct mem_reader r = {.t = t, .n = n, .fail_at = -1};
            wc_io_options o = {.block_size = blocks[b]};
            CHECK_EQ(wc_count_reader(mem_read, &r, nds, nls, nn, &o, got), WC_OK, "long reader");
            for (size_t k = 0; k < nn; k++)
                CHECK_EQ(got[k], ref_count(t, n, nds[k], nls[k]),
                         "long needle %zu (%zu bytes), reader, block %zu", k, nls[k],
                         blocks[b]);
        }
    }
    unlink(path);
}

int main(void)
{
    for (int k = 0; k < NNEEDLES; k++) {
        needles[k] = needles_s[k];
        lens[k] = strlen(needles_s[k]);
    }
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/wc_test_io_XXXXXX",
             base != NULL && *base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    test_files();
    test_big_file();
    test_fd_offset();
    test_pipes();
    test_reader_and_prefix();
    test_reader_bad_negative();
    test_proc();
    test_file_size();
    test_errors();
    test_truncate_progress_cancel();
    test_freq_files();
    test_long_needles();
    char path[300];
    snprintf(path, sizeof path, "%s/f", tmpdir);
    unlink(path);
    snprintf(path, sizeof path, "%s/off", tmpdir);
    unlink(path);
    CHECK_EQ(rmdir(tmpdir), 0, "every test removed its files from %s", tmpdir);
    wc_pool_shutdown();
    return check_report();
}
