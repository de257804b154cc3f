/*
 * fuzz_io.c - libFuzzer target: counting files and streams (lib/input*.c)
 * against counting the same bytes in memory, on any bytes, any needles, tiny
 * blocks and 1 to 4 threads.
 *
 * The input is read as
 *   byte 0   control: bits 0-1 the thread count - 1; bits 2-3 which reader
 *            error to inject (0, 1: none; 2: the reader of wc_count_reader
 *            fails with WC_EIO after some bytes; 3: the progress callback
 *            asks to stop); bit 4: the pipe's read end is non-blocking
 *   byte 1   the block size: 1 + byte for bytes below 0xC0 (a block edge on
 *            every byte or nearly), else a few hundred bytes or the default
 *   byte 2   a seed for the offsets, the prefix and the short reads
 *   byte 3   the number of needles - 1, modulo 6
 *   then     each needle as a length byte (modulo 12: longer than many
 *            blocks) and its bytes; the rest of the input is the text.
 * The text is put in a memfd once per execution and counted
 *   - by wc_count_file on /proc/self/fd/N (pread in blocks on the pool),
 *   - by wc_count_fd from a random offset (the rest of the file; the offset
 *     must be at the end afterwards),
 *   - by wc_count_file_range on random bytes [lo, hi) of it,
 *   - by wc_count_fd on a pipe holding the text after a random prefix that
 *     is passed as wc_io_options.prefix (read() in blocks),
 *   - by wc_count_reader whose reader hands out short reads of random sizes;
 * each against wc_count on the bytes in memory and, for the first two
 * needles, the literal reference of tests/c/reference.h; and in a word mode
 * picked by the seed (space or unicode words, folded or not, strict or
 * replaced UTF-8) by wc_freq_count_file and wc_freq_count_reader against
 * wc_freq_count_needles in memory (the same counts, or the same first
 * invalid byte): block edges at words, and runs longer than a block plus
 * the needles counted in pieces.  wc_parallel_threshold is set
 * to 1 so that files of a few bytes are split among the threads.  The
 * progress callback checks that it runs on the calling thread, that `done`
 * never goes back and that the last call reports every byte.  Every system
 * call is checked; a disagreement aborts (libFuzzer reports the input).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wordcount.h"
#include "../tests/c/reference.h"

#define MAX_NEEDLES 6

static void die(const char *what)
{
    fprintf(stderr, "fuzz_io: %s failed: %s\n", what, strerror(errno));
    abort();
}

static void fail(const char *what, size_t k, unsigned long long got,
                 unsigned long long want)
{
    fprintf(stderr, "MISMATCH %s: needle %zu: got %llu, want %llu\n", what, k,
            got, want);
    abort();
}

/* ---- the literal reference: ref_count, tests/c/reference.h -------------- */


/* ---- randomness from the input's seed ------------------------------------ */

static uint64_t rng;
static uint64_t next_rand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
}

/* ---- progress: checks the contract, may ask to stop ------------------------ */

struct progress {
    pthread_t caller;
    unsigned calls;
    unsigned stop_at;   /* 0: never; else stop on this call */
    uint64_t last_done; /* done of the last call */
    uint64_t last_total;
};

static int on_progress(void *arg, uint64_t done, uint64_t total)
{
    struct progress *p = arg;
    if (!pthread_equal(pthread_self(), p->caller)) {
        fprintf(stderr, "progress called from a worker thread\n");
        abort();
    }
    if (p->calls > 0 && done < p->last_done) {
        fprintf(stderr, "progress went back: %llu after %llu\n",
                (unsigned long long)done, (unsigned long long)p->last_done);
        abort();
    }
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    return p->stop_at != 0 && p->calls >= p->stop_at;
}

/* ---- a reader of short reads ----------------------------------------------- */

struct reader {
    const uint8_t *data;
    size_t len, pos;
    size_t fail_after; /* SIZE_MAX: never */
    unsigned calls;
};

static ptrdiff_t short_read(void *arg, void *buf, size_t n)
{
    struct reader *r = arg;
    r->calls++;
    if (n == 0) {
        fprintf(stderr, "reader asked for 0 bytes\n");
        abort();
    }
    if (r->pos >= r->fail_after)
        return WC_EIO;
    size_t k = r->len - r->pos;
    size_t most = 1 + (size_t)(next_rand() % 9); /* 1 to 9 bytes a read */
    if (next_rand() % 8 == 0)
        most = n; /* now and then all that is asked */
    if (k > most)
        k = most;
    if (k > n)
        k = n;
    if (r->fail_after != SIZE_MAX && r->pos + k > r->fail_after)
        k = r->fail_after - r->pos;
    if (k == 0 && r->pos < r->len) /* fail_after == pos: next call fails */
        return WC_EIO;
    memcpy(buf, r->data + r->pos, k);
    r->pos += k;
    return (ptrdiff_t)k;
}

/* ---- the checks -------------------------------------------------------------- */

struct job {
    const void *needles[MAX_NEEDLES];
    size_t lens[MAX_NEEDLES];
    size_t n;
};

/* Compare counts[] with wc_count over text[0..len). */
static void expect(const char *what, const struct job *j, const uint8_t *text,
                   size_t len, const uint64_t *counts)
{
    for (size_t k = 0; k < j->n; k++) {
        uint64_t want = wc_count(text, len, j->needles[k], j->lens[k], 1);
        if (k < 2) {
            uint64_t lit = ref_count(text, len, j->needles[k], j->lens[k]);
            if (lit != want)
                fail("wc_count against the literal reference", k, want, lit);
        }
        if (counts[k] != want)
            fail(what, k, counts[k], want);
    }
}

static void expect_zero(const char *what, const struct job *j, const uint64_t *counts)
{
    for (size_t k = 0; k < j->n; k++)
        if (counts[k] != 0)
            fail(what, k, counts[k], 0);
}

static void expect_rc(const char *what, int rc, int want)
{
    if (rc != want) {
        fprintf(stderr, "%s: returned %d (%s), want %d (%s); errno %s\n", what,
                rc, wc_strerror(rc), want, wc_strerror(want), strerror(errno));
        abort();
    }
}

/* The last progress call of a finished count reports every byte. */
static void expect_progress_end(const char *what, const struct progress *p,
                                uint64_t bytes)
{
    if (p->calls < 2 || p->last_done != bytes || p->last_total != bytes) {
        fprintf(stderr, "%s: progress ended at %llu of %llu after %u calls, want %llu\n",
                what, (unsigned long long)p->last_done,
                (unsigned long long)p->last_total, p->calls,
                (unsigned long long)bytes);
        abort();
    }
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

/* ---- needles in word modes ------------------------------------------------ */

/* A table of the job's needles in word mode `m` (space, space folded,
 * unicode, unicode folded); NULL when a needle is not UTF-8 (strict). */
static wc_freq *words_table(const struct job *j, unsigned m, int utf8,
                            size_t ids[MAX_NEEDLES])
{
    wc_word_opts wo = {.words = m >= 2 ? WC_WORDS_UNICODE : WC_WORDS_SPACE,
                       .casefold = (int)(m & 1), .utf8 = utf8, .threads = 1};
    wc_freq *f = wc_freq_new(1, &wo);
    if (f == NULL)
        die("wc_freq_new");
    for (size_t k = 0; k < j->n; k++) {
        size_t err = 0;
        int rc = wc_freq_add_needle(f, j->needles[k], j->lens[k], 1, &ids[k], &err);
        if (rc == WC_EUTF8) {
            wc_freq_free(f);
            return NULL;
        }
        expect_rc("wc_freq_add_needle", rc, WC_OK);
    }
    return f;
}

/* wc_freq_count_file and wc_freq_count_reader (input_words.c: block edges
 * at words, long runs counted in pieces) against wc_freq_count_needles on
 * the bytes in memory: the same counts, or WC_EUTF8 at the same offset. */
static void check_words(const struct job *j, const uint8_t *text, size_t len,
                        const char *path, const wc_io_options *o)
{
    unsigned m = (unsigned)(next_rand() % 4);
    int utf8 = m == 0 && next_rand() % 2 ? 0 /* bytes as they are */
             : next_rand() % 2 ? WC_UTF8_REPLACE : WC_UTF8_STRICT;
    if (m == 0 && utf8 != 0)
        utf8 = WC_UTF8_STRICT; /* space words of bytes: not decoded */
    size_t ids[MAX_NEEDLES];
    wc_freq *mem = words_table(j, m, utf8, ids);
    if (mem == NULL)
        return;
    size_t err = 0;
    int want_rc = wc_freq_count_needles(mem, text, len, &err);
    if (want_rc != WC_OK)
        expect_rc("wc_freq_count_needles", want_rc, WC_EUTF8);
    for (int way = 0; way < 2; way++) {
        size_t fids[MAX_NEEDLES];
        wc_freq *f = words_table(j, m, utf8, fids);
        wc_utf8_error ue = {0};
        struct reader r = {.data = text, .len = len, .fail_after = SIZE_MAX};
        const char *what = way ? "wc_freq_count_reader" : "wc_freq_count_file";
        int rc = way ? wc_freq_count_reader(f, WC_COUNT_NEEDLES, short_read, &r, o, &ue)
                     : wc_freq_count_file(f, WC_COUNT_NEEDLES, path, o, &ue);
        expect_rc(what, rc, want_rc);
        if (rc == WC_EUTF8 && ue.offset != err) {
            fprintf(stderr, "%s: invalid UTF-8 at %llu, want %zu (mode %u, "
                    "utf8 %d, block %zu, threads %d)\n", what,
                    (unsigned long long)ue.offset, err, m, utf8, o->block_size,
                    o->threads);
            abort();
        }
        for (size_t k = 0; rc == WC_OK && k < j->n; k++) {
            uint64_t got = wc_freq_needle_count(f, fids[k]);
            uint64_t want = wc_freq_needle_count(mem, ids[k]);
            if (got != want) {
                fprintf(stderr, "mode %u, utf8 %d, block %zu, threads %d\n", m,
                        utf8, o->block_size, o->threads);
                fail(what, k, got, want);
            }
        }
        wc_freq_free(f);
    }
    wc_freq_free(mem);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    wc_set_parallel_threshold(1); /* a few bytes go to the pool's threads */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint8_t ctl = data[0];
    int threads = 1 + (ctl & 3);
    int inject = (ctl >> 2) & 3;
    int nonblock = (ctl >> 4) & 1;
    size_t block = data[1] < 0xC0 ? 1 + (size_t)data[1]
                 : data[1] < 0xF0 ? 64 * (size_t)(data[1] - 0xBF) : 0;
    rng = data[2] | (uint64_t)size << 8;
    struct job j = {.n = 1 + data[3] % MAX_NEEDLES};
    data += 4;
    size -= 4;
    for (size_t k = 0; k < j.n; k++) {
        size_t m = size > 0 ? data[0] % 12 : 0;
        if (size > 0) {
            data++;
            size--;
        }
        if (m > size)
            m = size;
        j.needles[k] = data;
        j.lens[k] = m;
        data += m;
        size -= m;
    }
    const uint8_t *text = data;
    size_t len = size;
    uint64_t counts[MAX_NEEDLES];
    wc_io_options o = {.threads = threads, .block_size = block};

    /* The text in a memfd: a regular file that lives in memory. */
    int fd = memfd_create("fuzz_io", MFD_CLOEXEC);
    if (fd < 0)
        die("memfd_create");
    write_all(fd, text, len);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    /* 1. wc_count_file: the whole file, in blocks on the pool. */
    struct progress p = {.caller = pthread_self()};
    o.progress = on_progress;
    o.progress_arg = &p;
    o.interval_ms = 1;
    int rc = wc_count_file(path, j.needles, j.lens, j.n, &o, counts);
    expect_rc("wc_count_file", rc, WC_OK);
    expect("wc_count_file", &j, text, len, counts);
    expect_progress_end("wc_count_file", &p, len);

    /* 2. wc_count_fd from a random offset: the rest of the file. */
    size_t off = len > 0 ? (size_t)(next_rand() % (len + 1)) : 0;
    if (lseek(fd, (off_t)off, SEEK_SET) != (off_t)off)
        die("lseek");
    p = (struct progress){.caller = pthread_self()};
    rc = wc_count_fd(fd, j.needles, j.lens, j.n, &o, counts);
    expect_rc("wc_count_fd (file)", rc, WC_OK);
    expect("wc_count_fd (file)", &j, text + off, len - off, counts);
    off_t end = lseek(fd, 0, SEEK_CUR);
    if (end < 0)
        die("lseek");
    if (len - off > 0 && (size_t)end != len) {
        fprintf(stderr, "wc_count_fd left the offset at %lld, want %zu\n",
                (long long)end, len);
        abort();
    }
    expect_progress_end("wc_count_fd (file)", &p, len - off);

    /* 2b. wc_count_file_range: random bytes [lo, hi) as a text of their
     * own, in blocks on the pool. */
    size_t lo = len > 0 ? (size_t)(next_rand() % (len + 1)) : 0;
    size_t hi = lo + (size_t)(next_rand() % (len - lo + 1));
    p = (struct progress){.caller = pthread_self()};
    rc = wc_count_file_range(path, lo, hi, j.needles, j.lens, j.n, &o, counts);
    expect_rc("wc_count_file_range", rc, WC_OK);
    expect("wc_count_file_range", &j, text + lo, hi - lo, counts);
    expect_progress_end("wc_count_file_range", &p, hi - lo);

    /* 3. wc_count_fd on a pipe, the text's first bytes given as the prefix.
     * The text (at most a few KiB) fits in the pipe's buffer, so it is
     * written whole before the count and the write end closed. */
    if (len <= 32768) {
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) != 0)
            die("pipe2");
        size_t pre = len > 0 ? (size_t)(next_rand() % (len + 1)) : 0;
        if (next_rand() % 2)
            pre = 0;
        write_all(pfd[1], text + pre, len - pre);
        if (close(pfd[1]) != 0)
            die("close");
        wc_io_options po = o;
        po.prefix = pre > 0 ? text : NULL;
        po.prefix_len = pre;
        p = (struct progress){.caller = pthread_self()};
        rc = wc_count_fd(pfd[0], j.needles, j.lens, j.n, &po, counts);
        expect_rc("wc_count_fd (pipe)", rc, WC_OK);
        expect("wc_count_fd (pipe)", &j, text, len, counts);
        expect_progress_end("wc_count_fd (pipe)", &p, len);
        if (close(pfd[0]) != 0)
            die("close");
    }

    /* 4. wc_count_reader with short reads, and the injected failures. */
    struct reader r = {.data = text, .len = len, .fail_after = SIZE_MAX};
    p = (struct progress){.caller = pthread_self()};
    if (inject == 2)
        r.fail_after = len > 0 ? (size_t)(next_rand() % len) : 0;
    if (inject == 3)
        p.stop_at = 1 + (unsigned)(next_rand() % 2); /* the start or the end */
    rc = wc_count_reader(short_read, &r, j.needles, j.lens, j.n, &o, counts);
    if (inject == 2) {
        expect_rc("wc_count_reader (failing reader)", rc, WC_EIO);
        expect_zero("wc_count_reader (failing reader)", &j, counts);
    } else if (inject == 3) {
        expect_rc("wc_count_reader (stopped)", rc, WC_EINTR);
        expect_zero("wc_count_reader (stopped)", &j, counts);
    } else {
        expect_rc("wc_count_reader", rc, WC_OK);
        expect("wc_count_reader", &j, text, len, counts);
        expect_progress_end("wc_count_reader", &p, len);
        if (r.pos != len) {
            fprintf(stderr, "wc_count_reader stopped reading at %zu of %zu\n",
                    r.pos, len);
            abort();
        }
    }

    /* 6. Needles in a word mode, through the table (input_words.c). */
    wc_io_options wo = {.threads = threads, .block_size = block};
    check_words(&j, text, len, path, &wo);

    /* 5. A file count stopped by its progress callback: WC_EINTR, nothing
     * counted. */
    if (inject == 3) {
        p = (struct progress){.caller = pthread_self(), .stop_at = 1};
        rc = wc_count_file(path, j.needles, j.lens, j.n, &o, counts);
        expect_rc("wc_count_file (stopped)", rc, WC_EINTR);
        expect_zero("wc_count_file (stopped)", &j, counts);
    }

    if (close(fd) != 0)
        die("close");
    return 0;
}
