/*
 * io.c - counting files and streams: the bytes come from the OS in blocks,
 * never all at once, so memory stays bounded whatever the input's size.
 *
 * Block edges need no alignment to lines.  A kernel counts the matches whose
 * start lies in [lo, hi) of a window and looks at most one byte before lo and
 * m + 1 bytes after hi (wc_impl.h).  So a block of starts [start, end) is read
 * together with one byte of left context and maxlen + 1 bytes of right
 * context, and every start of the text belongs to exactly one block: a match,
 * a "\r\n" or an empty word on a block edge is counted exactly once.
 *
 * Regular files: the range [base, size) is cut into blocks of block_size
 * starts; the pool's threads claim blocks in order (so the reads stay about
 * sequential for the kernel's readahead) and pread() each one, with its
 * context, into a buffer of their own (a "slot", one per pool task, and the
 * pool gets one task per thread), so memory is threads x (block_size +
 * maxlen + 2) bytes, maxlen being the longest needle of at most
 * block_size / 8 bytes (longer needles: wc_long, below, and the file is then
 * read once, in order, on the calling thread).  No mmap: a file truncated by
 * another process while we read it gives a short pread (WC_ETRUNCATED), never
 * a SIGBUS.  The size is taken once, at the start: bytes appended meanwhile
 * are not counted.
 *
 * Streams (pipes, terminals, sockets, /proc files of size 0, Python file
 * objects through a wc_read_fn): one buffer on the calling thread; after each
 * full buffer the starts that have their right context are counted and the
 * tail (one byte of left context, then the starts not yet counted) moves to
 * the front.  A stream is read at pipe speed, far below what one kernel
 * counts, so it gains nothing from more threads.
 *
 * Progress and cancellation (progress.c): the calling thread calls the
 * caller's callback between its blocks, at most every interval_ms; a nonzero
 * answer sets the job's stop flag, which every thread checks before each
 * block.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wc_impl.h"
#include "freq.h"

/* 1 MiB: two threads' buffers stay in Zen 3's 32 MiB L3 and a block is
 * counted while the pread copy is still in cache; larger blocks measured no
 * faster on a 1 GB file (benchmarks/bench_files.py), smaller ones pay more
 * system calls. */
#define WC_IO_BLOCK ((size_t)1 << 20)
#define WC_IO_MAX_BLOCK ((size_t)1 << 30)

size_t wc_io_default_block_size(void)
{
    return WC_IO_BLOCK;
}

/* ---- the needles and the per-block count -------------------------------- */

struct wc_needles {
    const uint8_t *const *p;
    const size_t *len;
    const uint8_t *ok; /* ok[k]: needle k holds no separator (can match) */
    size_t n;
    size_t maxlen; /* the longest needle the blocks count; longer ones are
                      left to the long-needle matcher, or cannot match */
};

/* 1 if needle k can match in a text of at most `limit` bytes. */
static int wc_needle_useful(const struct wc_needles *nd, size_t k, uint64_t limit)
{
    return nd->ok[k] && nd->len[k] <= limit;
}

/* The longest needle that can match in a text of at most `limit` bytes
 * among those of at most `below` bytes (0 if none). */
static size_t wc_needles_max(const struct wc_needles *nd, uint64_t limit,
                             size_t below)
{
    size_t max = 0;
    for (size_t k = 0; k < nd->n; k++)
        if (nd->len[k] <= below && nd->len[k] > max && wc_needle_useful(nd, k, limit))
            max = nd->len[k];
    return max;
}

/*
 * Needles longer than this are "long": a block or a stream buffer would
 * need as many bytes of right context (a needle as long as the file made
 * every block read the rest of the file: size^2 / block bytes in all).
 * They are matched by wc_long instead, which reads each byte once.  An
 * eighth of a block: the short needles' context costs at most 1/8 more
 * reads.
 */
static size_t wc_long_min(size_t block)
{
    return block / 8 > 64 ? block / 8 : 64;
}

/*
 * Add to out[k] the matches of needle k that start in [lo, hi) of the window
 * t[0 .. len).  Preconditions: lo == 0 only if t[0] is the text's first byte,
 * else lo >= 1; and either hi + maxlen + 1 <= len or len is the text's end.
 * `at_end`: len is the text's end and the window holds its last byte, so the
 * empty word after a final ' ' (start == len) is checked here.
 * This is the one place where blocks are counted: a many-needle path (a hash
 * table over the words of the block) plugs in here.
 */
static void wc_block_count(const struct wc_needles *nd, const uint8_t *t,
                           size_t len, size_t lo, size_t hi, int at_end,
                           uint64_t *out)
{
    wc_kernel8_fn kernel = wc_kernel8();
    for (size_t k = 0; k < nd->n; k++) {
        size_t m = nd->len[k];
        if (m > nd->maxlen || !nd->ok[k])
            continue;
        if (lo < hi)
            out[k] += kernel(t, len, lo, hi, nd->p[k], m);
        if (at_end && m == 0 && len > 0)
            out[k] += (uint64_t)wc_match_at8(t, len, len, NULL, 0);
    }
}

/* ---- long needles: every byte once, in order ----------------------------
 *
 * A needle N of m bytes (no ' ', no '\n') is a word of the text iff some
 * piece P between separators (' ', '\n', the text's ends) followed by the
 * terminator t is N, where the word of P is P less a final '\r' when t is
 * '\n' (that '\r' belongs to the line ending): the semantics of wc_impl.h.
 * So a long needle needs no window: the matcher follows the current piece,
 * keeps its first `lmin` bytes (all long needles are longer), and once the
 * piece grows past them keeps the long needles that it still equals,
 * comparing each further byte once.  Pieces of at most lmin bytes, the
 * usual words, cost a copy; memory is lmin bytes plus a list of needles.
 */
struct wc_long {
    const struct wc_needles *nd;
    size_t lmin;       /* the long needles are those longer than this */
    size_t *ids;       /* the long needles that can match, nids of them */
    size_t nids;
    size_t *cand;      /* those the piece still equals (past lmin only) */
    size_t ncand;
    int cand_set;      /* the piece is longer than lmin: cand is meaningful */
    uint8_t *head;     /* the piece's first lmin bytes */
    uint64_t plen;     /* the piece's length so far */
    uint8_t last;      /* its last byte */
    uint64_t *counts;
};

/* The long needles (longer than lmin, at most limit bytes, possible);
 * lm->nids == 0 when there are none (nothing is allocated). */
static int wc_long_init(struct wc_long *lm, const struct wc_needles *nd,
                        size_t lmin, uint64_t limit, uint64_t *counts)
{
    *lm = (struct wc_long){.nd = nd, .lmin = lmin, .counts = counts};
    size_t n = 0;
    for (size_t k = 0; k < nd->n; k++)
        n += nd->len[k] > lmin && wc_needle_useful(nd, k, limit);
    if (n == 0)
        return WC_OK;
    lm->ids = malloc(n * sizeof *lm->ids);
    lm->cand = malloc(n * sizeof *lm->cand);
    lm->head = malloc(lmin);
    if (lm->ids == NULL || lm->cand == NULL || lm->head == NULL) {
        free(lm->ids);
        free(lm->cand);
        free(lm->head);
        return WC_ENOMEM;
    }
    for (size_t k = 0; k < nd->n; k++)
        if (nd->len[k] > lmin && wc_needle_useful(nd, k, limit))
            lm->ids[lm->nids++] = k;
    return WC_OK;
}

static void wc_long_free(struct wc_long *lm)
{
    free(lm->ids);
    free(lm->cand);
    free(lm->head);
}

/* The piece ends; `newline`: its terminator is '\n'. */
static void wc_long_end_piece(struct wc_long *lm, int newline)
{
    if (lm->cand_set) {
        uint64_t wl = lm->plen - (uint64_t)(newline && lm->last == '\r');
        for (size_t j = 0; j < lm->ncand; j++)
            if (lm->nd->len[lm->cand[j]] == wl)
                lm->counts[lm->cand[j]]++;
    }
    lm->plen = 0;
    lm->cand_set = 0;
}

/* Bytes of the current piece, no separator among them. */
static void wc_long_run(struct wc_long *lm, const uint8_t *r, size_t n)
{
    lm->last = r[n - 1];
    if (lm->plen < lm->lmin) {
        size_t c = lm->lmin - lm->plen < n ? (size_t)(lm->lmin - lm->plen) : n;
        memcpy(lm->head + lm->plen, r, c);
        lm->plen += c;
        r += c;
        n -= c;
        if (n == 0)
            return;
    }
    const struct wc_needles *nd = lm->nd;
    if (!lm->cand_set) { /* past lmin: which long needles start as it does */
        lm->ncand = 0;
        for (size_t j = 0; j < lm->nids; j++)
            if (memcmp(nd->p[lm->ids[j]], lm->head, lm->lmin) == 0)
                lm->cand[lm->ncand++] = lm->ids[j];
        lm->cand_set = 1;
    }
    for (size_t j = 0; j < lm->ncand;) {
        size_t k = lm->cand[j], m = nd->len[k];
        if (lm->plen < m) {
            size_t c = m - lm->plen < n ? (size_t)(m - lm->plen) : n;
            if (memcmp(r, nd->p[k] + lm->plen, c) != 0) {
                lm->cand[j] = lm->cand[--lm->ncand];
                continue;
            }
        }
        j++;
    }
    lm->plen += n;
}

/* The next n bytes of the text. */
static void wc_long_feed(struct wc_long *lm, const uint8_t *t, size_t n)
{
    if (lm->nids == 0)
        return;
    /* The next ' ' and the next '\n' at or after p (n: none), by memchr:
     * long pieces go at memory speed. */
    const uint8_t *sp = memchr(t, ' ', n), *nl = memchr(t, '\n', n);
    size_t nsp = sp ? (size_t)(sp - t) : n, nnl = nl ? (size_t)(nl - t) : n;
    size_t p = 0;
    while (p < n) {
        if (nsp < p) {
            sp = memchr(t + p, ' ', n - p);
            nsp = sp ? (size_t)(sp - t) : n;
        }
        if (nnl < p) {
            nl = memchr(t + p, '\n', n - p);
            nnl = nl ? (size_t)(nl - t) : n;
        }
        size_t q = nsp < nnl ? nsp : nnl;
        if (q > p)
            wc_long_run(lm, t + p, q - p);
        if (q == n)
            break;
        wc_long_end_piece(lm, t[q] == '\n');
        p = q + 1;
    }
}

/* The end of the text. */
static void wc_long_finish(struct wc_long *lm)
{
    if (lm->nids > 0)
        wc_long_end_piece(lm, 0);
}

/* ---- options and progress ---------------------------------------------- */

/* The ticker (progress.c) of a count with options o. */
static void wc_io_ticker(struct wc_ticker *tk, const wc_io_options *o,
                         uint64_t total)
{
    wc_ticker_init(tk, o->progress, o->progress_arg, o->interval_ms, total);
}

/* Check the arguments and fill in the defaults; on WC_OK, nd->ok is to be
 * freed (wc_io_release). */
static int wc_io_prepare(const void *const needles[], const size_t lens[],
                         size_t nneedles, const wc_io_options *opt,
                         uint64_t counts[], struct wc_needles *nd,
                         wc_io_options *o)
{
    if (nneedles > 0 && (needles == NULL || lens == NULL || counts == NULL))
        return WC_EINVAL;
    static const wc_io_options defaults;
    *o = opt != NULL ? *opt : defaults;
    if (o->threads < 0 || o->threads > WC_MAX_THREADS ||
        o->block_size > WC_IO_MAX_BLOCK ||
        (o->prefix == NULL && o->prefix_len > 0))
        return WC_EINVAL;
    if (o->threads == 0)
        o->threads = wc_default_threads();
    if (o->block_size == 0)
        o->block_size = WC_IO_BLOCK;
    nd->p = (const uint8_t *const *)needles;
    nd->len = lens;
    nd->n = nneedles;
    for (size_t k = 0; k < nneedles; k++)
        if (needles[k] == NULL && lens[k] > 0)
            return WC_EINVAL;
    /* Which needles can match at all, found once (memchr: a needle may be
     * as long as the file, and every block asks). */
    uint8_t *ok = malloc(nneedles ? nneedles : 1);
    if (ok == NULL)
        return WC_ENOMEM;
    for (size_t k = 0; k < nneedles; k++) {
        size_t m = lens[k];
        ok[k] = m == 0 || (memchr(needles[k], ' ', m) == NULL &&
                           memchr(needles[k], '\n', m) == NULL);
    }
    nd->ok = ok;
    /* The blocks' needles: a buffer holds block_size + maxlen + 2 bytes,
     * maxlen <= wc_long_min(block_size). */
    nd->maxlen = wc_needles_max(nd, UINT64_MAX, wc_long_min(o->block_size));
    for (size_t k = 0; k < nneedles; k++)
        counts[k] = 0;
    return WC_OK;
}

static void wc_io_release(struct wc_needles *nd)
{
    int saved = errno;
    free((void *)nd->ok);
    nd->ok = NULL;
    errno = saved;
}

/* ---- streams ------------------------------------------------------------ */

struct wc_source {
    wc_read_fn read;
    void *arg;
    const uint8_t *prefix;
    size_t prefix_len, prefix_pos;
};

static ptrdiff_t wc_source_read(struct wc_source *src, uint8_t *buf, size_t n)
{
    if (src->prefix_pos < src->prefix_len) {
        size_t k = src->prefix_len - src->prefix_pos;
        if (k > n)
            k = n;
        memcpy(buf, src->prefix + src->prefix_pos, k);
        src->prefix_pos += k;
        return (ptrdiff_t)k;
    }
    ptrdiff_t r = src->read(src->arg, buf, n);
    if (r > (ptrdiff_t)n)
        return WC_EINVAL; /* a reader that broke its contract */
    return r;
}

/* Read into buf[*have .. cap) until it is full or the source ends (*eof),
 * counting the bytes into the ticker; WC_OK or an error code. */
static int wc_fill(struct wc_source *src, uint8_t *buf, size_t cap,
                   size_t *have, int *eof, struct wc_ticker *tk)
{
    while (*have < cap) {
        ptrdiff_t r = wc_source_read(src, buf + *have, cap - *have);
        if (r < 0)
            return (int)r;
        if (r == 0) {
            *eof = 1;
            return WC_OK;
        }
        *have += (size_t)r;
        tk->done += (uint64_t)r;
        int stop = wc_tick(tk, 0);
        if (stop != 0)
            return stop;
    }
    return WC_OK;
}

/* A stream of at most `limit` bytes (UINT64_MAX: not known): the short
 * needles by buffers carried over, the long ones by wc_long, so that each
 * byte is read once and moved at most once. */
static int wc_stream(struct wc_source *src, const struct wc_needles *nd,
                     const wc_io_options *o, uint64_t *counts,
                     struct wc_ticker *tk, uint64_t limit)
{
    struct wc_long lm;
    if (wc_long_init(&lm, nd, wc_long_min(o->block_size), limit, counts) != WC_OK)
        return WC_ENOMEM;
    size_t cap = o->block_size + nd->maxlen + 2;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        wc_long_free(&lm);
        return WC_ENOMEM;
    }
    int rc = WC_OK;
    size_t have = 0, lo = 0;
    for (;;) {
        int eof = 0;
        size_t before = have;
        rc = wc_fill(src, buf, cap, &have, &eof, tk);
        if (rc != WC_OK)
            goto out;
        wc_long_feed(&lm, buf + before, have - before);
        if (eof) {
            wc_block_count(nd, buf, have, lo, have, 1, counts);
            wc_long_finish(&lm);
            break;
        }
        /* have == cap: the starts before hi have their right context. */
        size_t hi = have - nd->maxlen - 1;
        wc_block_count(nd, buf, have, lo, hi, 0, counts);
        memmove(buf, buf + hi - 1, have - (hi - 1));
        have -= hi - 1;
        lo = 1;
    }
    tk->total = tk->done;
    rc = wc_tick(tk, 1);
out:;
    int saved = errno;
    free(buf);
    wc_long_free(&lm);
    errno = saved;
    return rc;
}

/* A regular file's bytes [off, end) as a stream (pread: the fd's offset is
 * left alone, appended bytes are not read; a file that shrinks below end
 * fails with WC_ETRUNCATED). */
struct wc_pread_src {
    int fd;
    uint64_t off, end;
};

static ptrdiff_t wc_pread_read(void *arg, void *buf, size_t n)
{
    struct wc_pread_src *ps = arg;
    if (ps->off >= ps->end)
        return 0;
    if (n > ps->end - ps->off)
        n = (size_t)(ps->end - ps->off);
    for (;;) {
        ssize_t r = pread(ps->fd, buf, n, (off_t)ps->off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return WC_EIO;
        if (r == 0)
            return WC_ETRUNCATED;
        ps->off += (uint64_t)r;
        return r;
    }
}

struct wc_fd_reader {
    int fd;
    struct wc_ticker *tk;
};

/* read() that retries on EINTR (asking the callback first, so that a signal
 * can stop a count blocked on an idle pipe) and waits on a non-blocking fd. */
static ptrdiff_t wc_fd_read(void *arg, void *buf, size_t n)
{
    struct wc_fd_reader *fr = arg;
    for (;;) {
        ssize_t r = read(fr->fd, buf, n);
        if (r >= 0)
            return r;
        if (errno == EINTR) {
            int stop = wc_tick(fr->tk, 1);
            if (stop != 0)
                return stop;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd p = {.fd = fr->fd, .events = POLLIN};
            int timeout = fr->tk->fn != NULL ? (int)fr->tk->interval_ms : -1;
            if (poll(&p, 1, timeout) < 0 && errno != EINTR)
                return WC_EIO;
            int stop = wc_tick(fr->tk, 0);
            if (stop != 0)
                return stop;
            continue;
        }
        return WC_EIO;
    }
}

/* ---- regular files ------------------------------------------------------ */

struct wc_slot {
    uint8_t *buf;      /* page-aligned, block_size + maxlen + 2 + WC_IO_ALIGN bytes */
    uint64_t *counts;  /* this slot's share of the counts */
};

/*
 * What the two parallel file jobs (needles: wc_file_job, words: wc_wjob)
 * share.  The pool runs one task per slot; each task claims blocks from
 * `next` (wc_blocks_next) until none is left or `stop` is set.  So blocks
 * balance across threads as the pool's tasks would, a stop ends every task
 * at once (not after claiming each of millions of remaining blocks), and a
 * task owns its slot.
 */
struct wc_blocks {
    int fd;
    uint64_t base, size; /* the text is the file's bytes [base, size) */
    size_t block;
    uint64_t nblocks;
    pthread_t caller;
    struct wc_ticker *tk;
    _Atomic uint64_t next; /* the next block to claim */
    atomic_int stop;
    _Atomic uint64_t done; /* bytes counted, for the progress callback */
};

struct wc_file_job {
    struct wc_blocks bl;
    const struct wc_needles *nd;
    struct wc_slot *slots;
    atomic_int err;     /* the first error, 0 if none */
    int err_errno;      /* errno of the first WC_EIO, written by its thread */
};

static void wc_job_fail(struct wc_file_job *job, int code, int err_errno)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&job->err, &expected, code))
        job->err_errno = err_errno; /* read by the caller after the join */
    atomic_store_explicit(&job->bl.stop, 1, memory_order_relaxed);
}

/* Reads land at the same address modulo this as their file offset. */
#define WC_IO_ALIGN 64

/* Set up bl to read a file's bytes [base, size) on the pool: in blocks of
 * o->block_size, by *threads threads (1 under the parallel threshold:
 * waking a worker costs more than it saves); returns the task slots, one a
 * thread but never more than the blocks.  Tells the kernel the reading is
 * sequential. */
static size_t wc_blocks_init(struct wc_blocks *bl, int fd, uint64_t base,
                             uint64_t size, const wc_io_options *o,
                             struct wc_ticker *tk, int *threads)
{
    uint64_t bytes = size - base;
    bl->fd = fd;
    bl->base = base;
    bl->size = size;
    bl->block = o->block_size;
    bl->nblocks = (bytes + o->block_size - 1) / o->block_size;
    bl->caller = pthread_self();
    bl->tk = tk;
    atomic_init(&bl->next, 0);
    atomic_init(&bl->stop, 0);
    atomic_init(&bl->done, 0);
    *threads = bytes < wc_parallel_threshold() ? 1 : o->threads;
    (void)posix_fadvise(fd, (off_t)base, (off_t)bytes, POSIX_FADV_SEQUENTIAL);
    return (uint64_t)*threads < bl->nblocks ? (size_t)*threads : (size_t)bl->nblocks;
}

/* A task's next block: 1 with *blk; 0 when none is left or the job stopped;
 * WC_EINTR (or WC_EFORKED) when the caller's callback (on the calling
 * thread, between its blocks) asked to stop. */
static int wc_blocks_next(struct wc_blocks *bl, uint64_t *blk)
{
    if (atomic_load_explicit(&bl->stop, memory_order_relaxed))
        return 0;
    int stop = wc_tick_caller(bl->tk, bl->caller, &bl->done);
    if (stop != 0)
        return stop;
    *blk = atomic_fetch_add_explicit(&bl->next, 1, memory_order_relaxed);
    return *blk < bl->nblocks;
}

/* pread exactly n bytes at off; returns the bytes read (< n at end of file)
 * or -1 with errno set. */
static ssize_t wc_pread_full(int fd, uint8_t *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Read block `blk` with its context into slot->buf and count it. */
static void wc_file_block(struct wc_file_job *job, struct wc_slot *slot,
                          uint64_t blk)
{
    const struct wc_needles *nd = job->nd;
    const struct wc_blocks *bl = &job->bl;
    uint64_t start = bl->base + blk * bl->block;
    uint64_t end = bl->size - start < bl->block ? bl->size : start + bl->block;
    uint64_t a = start > bl->base ? start - 1 : start;
    uint64_t b = bl->size - end < nd->maxlen + 1 ? bl->size : end + nd->maxlen + 1;
    size_t want = (size_t)(b - a);
    /* The kernel copies from the page cache 4 to 5 times slower when the
     * destination's address and the file offset differ modulo 32 (measured:
     * 1 MiB preads of a cached file on an EPYC 7B13, 2.0 GB/s at +16 bytes
     * against 11.4 GB/s congruent; malloc's 16-byte offset and the one
     * byte of left context made every read the slow kind).  So read offset
     * a into the page-aligned buffer at a % WC_IO_ALIGN. */
    uint8_t *dst = slot->buf + (size_t)(a % WC_IO_ALIGN);
    ssize_t got = wc_pread_full(bl->fd, dst, want, a);
    if (got < 0) {
        wc_job_fail(job, WC_EIO, errno);
    } else if ((size_t)got < want) {
        wc_job_fail(job, WC_ETRUNCATED, 0);
    } else {
        /* b < size only when end + maxlen + 1 <= b: the kernel's
         * precondition; else the window ends where the text does. */
        wc_block_count(nd, dst, want, (size_t)(start - a),
                       (size_t)(end - a), end == bl->size, slot->counts);
        atomic_fetch_add_explicit(&job->bl.done, end - start, memory_order_relaxed);
    }
}

static void wc_file_task(void *ctx, size_t task)
{
    struct wc_file_job *job = ctx;
    struct wc_slot *slot = &job->slots[task];
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, job->bl.block + job->nd->maxlen + 2 + WC_IO_ALIGN) == 0)
        slot->buf = buf;
    slot->counts = calloc(job->nd->n ? job->nd->n : 1, sizeof *slot->counts);
    if (slot->buf == NULL || slot->counts == NULL) {
        wc_job_fail(job, WC_ENOMEM, 0);
        return;
    }
    uint64_t blk = 0;
    int r;
    while ((r = wc_blocks_next(&job->bl, &blk)) > 0)
        wc_file_block(job, slot, blk);
    if (r < 0)
        wc_job_fail(job, r, 0);
}

static int wc_file_run(int fd, uint64_t base, uint64_t size,
                       const struct wc_needles *nd, const wc_io_options *o,
                       uint64_t *counts, struct wc_ticker *tk)
{
    struct wc_file_job job = {.nd = nd};
    int threads;
    size_t nslots = wc_blocks_init(&job.bl, fd, base, size, o, tk, &threads);
    struct wc_slot *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return WC_ENOMEM;
    job.slots = slots;
    atomic_init(&job.err, 0);
    int lost = wc_pool_run(threads, wc_file_task, &job, nslots);

    int rc = atomic_load(&job.err);
    if (rc == WC_OK)
        rc = lost;
    if (rc == WC_OK) {
        for (size_t k = 0; k < nslots; k++)
            if (slots[k].counts != NULL)
                for (size_t j = 0; j < nd->n; j++)
                    counts[j] += slots[k].counts[j];
        tk->done = atomic_load(&job.bl.done);
        rc = wc_tick(tk, 1);
    }
    for (size_t k = 0; k < nslots; k++) {
        free(slots[k].buf);
        free(slots[k].counts);
    }
    free(slots);
    if (rc == WC_EIO)
        errno = job.err_errno;
    return rc;
}

/* ---- inputs: a file descriptor, a path, a reader ----------------------- */

/*
 * What counts an input once it is open, the needles' or the words': a
 * regular file's bytes [base, size) by blocks on the pool, or a stream by
 * reads.  The functions below open the input, choose between the two and
 * keep the ticker, the same for both.
 */
struct wc_engine {
    int (*file)(void *ctx, int fd, uint64_t base, uint64_t size,
                const wc_io_options *o, struct wc_ticker *tk);
    int (*stream)(void *ctx, struct wc_source *src, const wc_io_options *o,
                  struct wc_ticker *tk);
    void *ctx;
};

/* A regular file (from the fd's offset, left at the end) on the pool;
 * anything else, or a file with a prefix to count first, as a stream. */
static int wc_engine_fd(const struct wc_engine *e, int fd, const wc_io_options *o)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return WC_EIO;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return WC_EIO;
    }
    struct wc_ticker tk;
    if (o->prefix_len == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        off_t base = lseek(fd, 0, SEEK_CUR);
        if (base >= 0) {
            uint64_t size = (uint64_t)st.st_size;
            if ((uint64_t)base > size)
                base = (off_t)size;
            wc_io_ticker(&tk, o, size - (uint64_t)base);
            int stop = wc_tick(&tk, 1);
            if (stop != 0)
                return stop;
            if ((uint64_t)base == size) {
                /* Nothing remains: an empty text, no words. */
                return wc_tick(&tk, 1);
            }
            int rc = e->file(e->ctx, fd, (uint64_t)base, size, o, &tk);
            if (rc == WC_OK && lseek(fd, (off_t)size, SEEK_SET) < 0)
                rc = WC_EIO;
            return rc;
        }
    }
    wc_io_ticker(&tk, o, WC_SIZE_UNKNOWN);
    int stop = wc_tick(&tk, 1);
    if (stop != 0)
        return stop;
    struct wc_fd_reader fr = {.fd = fd, .tk = &tk};
    struct wc_source src = {.read = wc_fd_read, .arg = &fr,
                            .prefix = o->prefix, .prefix_len = o->prefix_len};
    return e->stream(e->ctx, &src, o, &tk);
}

static int wc_engine_path(const struct wc_engine *e, const char *path,
                          wc_io_options *o)
{
    o->prefix = NULL;
    o->prefix_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return WC_EIO;
    int rc = wc_engine_fd(e, fd, o);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static int wc_engine_reader(const struct wc_engine *e, wc_read_fn read,
                            void *read_arg, const wc_io_options *o)
{
    struct wc_ticker tk;
    wc_io_ticker(&tk, o, WC_SIZE_UNKNOWN);
    int stop = wc_tick(&tk, 1);
    if (stop != 0)
        return stop;
    struct wc_source src = {.read = read, .arg = read_arg};
    return e->stream(e->ctx, &src, o, &tk);
}

/* ---- the needles' engine and public functions ---------------------------- */

struct wc_needle_ctx {
    const struct wc_needles *nd;
    uint64_t *counts;
};

/* Needles longer than the file, or holding a separator, are never looked
 * for.  With a long needle among the rest, the file is read once, in order,
 * on the calling thread (wc_long follows the pieces across blocks); else in
 * blocks on the pool with the longest needle's context. */
static int wc_needle_file(void *ctx, int fd, uint64_t base, uint64_t size,
                          const wc_io_options *o, struct wc_ticker *tk)
{
    struct wc_needle_ctx *c = ctx;
    uint64_t bytes = size - base;
    struct wc_needles fnd = *c->nd;
    fnd.maxlen = wc_needles_max(c->nd, bytes, SIZE_MAX);
    int any = 0;
    for (size_t k = 0; k < c->nd->n && !any; k++)
        any = wc_needle_useful(c->nd, k, bytes);
    if (!any) { /* every count is 0, whatever the bytes: read none */
        tk->done = bytes;
        return wc_tick(tk, 1);
    }
    if (fnd.maxlen <= wc_long_min(o->block_size))
        return wc_file_run(fd, base, size, &fnd, o, c->counts, tk);
    fnd.maxlen = wc_needles_max(c->nd, bytes, wc_long_min(o->block_size));
    struct wc_pread_src ps = {.fd = fd, .off = base, .end = size};
    struct wc_source src = {.read = wc_pread_read, .arg = &ps};
    return wc_stream(&src, &fnd, o, c->counts, tk, bytes);
}

static int wc_needle_stream(void *ctx, struct wc_source *src,
                            const wc_io_options *o, struct wc_ticker *tk)
{
    struct wc_needle_ctx *c = ctx;
    return wc_stream(src, c->nd, o, c->counts, tk, UINT64_MAX);
}

/* kind: 0 an fd, 1 a path, 2 a reader.  On failure the counts are 0. */
static int wc_count_input(int kind, int fd, const char *path, wc_read_fn read,
                          void *read_arg, const void *const needles[],
                          const size_t lens[], size_t nneedles,
                          const wc_io_options *opt, uint64_t counts[])
{
    struct wc_needles nd;
    wc_io_options o;
    int rc = wc_io_prepare(needles, lens, nneedles, opt, counts, &nd, &o);
    if (rc != WC_OK)
        return rc;
    struct wc_needle_ctx c = {.nd = &nd, .counts = counts};
    struct wc_engine e = {wc_needle_file, wc_needle_stream, &c};
    rc = kind == 0 ? wc_engine_fd(&e, fd, &o)
       : kind == 1 ? wc_engine_path(&e, path, &o)
                   : wc_engine_reader(&e, read, read_arg, &o);
    wc_io_release(&nd);
    if (rc != WC_OK)
        for (size_t k = 0; k < nneedles; k++)
            counts[k] = 0;
    return rc;
}

int wc_count_fd(int fd, const void *const needles[], const size_t lens[],
                size_t nneedles, const wc_io_options *opt, uint64_t counts[])
{
    return wc_count_input(0, fd, NULL, NULL, NULL, needles, lens, nneedles,
                          opt, counts);
}

int wc_count_file(const char *path, const void *const needles[],
                  const size_t lens[], size_t nneedles,
                  const wc_io_options *opt, uint64_t counts[])
{
    if (path == NULL)
        return WC_EINVAL;
    return wc_count_input(1, -1, path, NULL, NULL, needles, lens, nneedles,
                          opt, counts);
}

int wc_count_reader(wc_read_fn read, void *read_arg,
                    const void *const needles[], const size_t lens[],
                    size_t nneedles, const wc_io_options *opt,
                    uint64_t counts[])
{
    if (read == NULL)
        return WC_EINVAL;
    return wc_count_input(2, -1, NULL, read, read_arg, needles, lens, nneedles,
                          opt, counts);
}

/* ---- words: frequencies, and needles in words= modes ------------------------
 *
 * The same blocks, threads and streams, but the words are cut by freq.c's
 * enumerators (wc_words.h) and counted into its tables (wc_freqio.h).  A
 * block edge must never cut a word (nor, when the bytes are decoded, a UTF-8
 * sequence), so the text is cut at word edges: E(p) = wc_word_edge(p), the
 * first place at or after p where a range of words may start.  Block k of
 * nominal starts [start, end) counts the words of [E(start), E(end)) (E of
 * the text's start and end being themselves); E only looks forward, so a
 * block reads [start, end + extra) and doubles `extra` until E(end) is
 * settled: found at least 4 bytes before the window's end (no UTF-8
 * sequence that the window cuts can have decided it) or the window reaches
 * the text's end.  A word longer than a block makes the blocks inside it
 * empty (E(start) >= end) and the block where it starts read to its end:
 * memory grows with the longest word, which a table of words keeps anyway.
 *
 * Streams keep the carry-over: after each full buffer the words before an
 * edge near its end are counted and the rest moves to the front (16 bytes
 * before it stay, the context of a UTF-8 error); a buffer that holds no edge
 * doubles.
 */

/* Right context a block reads first; at least 4 (see above). */
#define WC_WIO_EXTRA 64
/* Bytes of a stream kept before the next range, and of context on each side
 * of a UTF-8 error. */
#define WC_WIO_KEEP 16

static void wc_utf8_context(wc_utf8_error *ue, const uint8_t *buf, size_t n,
                            size_t at, uint64_t offset)
{
    if (ue == NULL)
        return;
    size_t a = at > WC_WIO_KEEP ? at - WC_WIO_KEEP : 0;
    size_t b = n - at > WC_WIO_KEEP ? at + WC_WIO_KEEP : n;
    ue->offset = offset;
    ue->context_len = b - a;
    ue->context_at = at - a;
    memcpy(ue->context, buf + a, b - a);
}

struct wc_wslot {
    void *mem;        /* page-aligned */
    size_t cap;       /* bytes that fit after the alignment pad */
    wc_freq *tab;     /* count-all mode: this slot's table */
    uint64_t *counts; /* needle mode: this slot's counts */
};

struct wc_wjob {
    struct wc_blocks bl;
    wc_freq *f;
    int needles;
    size_t nids;
    struct wc_wtext x;
    struct wc_wslot *slots;
    _Atomic uint64_t stop_at; /* blocks starting at or after it are skipped */
    pthread_mutex_t mu;
    int err;        /* mu: the first error other than WC_EUTF8, else EUTF8 */
    int err_errno;  /* mu */
    uint64_t utf8_at; /* mu: the smallest offset of invalid UTF-8 */
};

static void wc_wjob_fail(struct wc_wjob *job, int code, int err_errno,
                         uint64_t utf8_at)
{
    pthread_mutex_lock(&job->mu);
    if (code == WC_EUTF8) {
        /* Blocks before it still run: one of them may hold an earlier one. */
        if (job->err == WC_OK || (job->err == WC_EUTF8 && utf8_at < job->utf8_at)) {
            job->err = WC_EUTF8;
            job->utf8_at = utf8_at;
        }
        if (utf8_at < atomic_load(&job->stop_at))
            atomic_store(&job->stop_at, utf8_at);
    } else {
        if (job->err == WC_OK || job->err == WC_EUTF8) {
            job->err = code;
            job->err_errno = err_errno;
        }
        atomic_store_explicit(&job->bl.stop, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&job->mu);
}

/* Read the text's bytes [a, a + n) into the slot (growing it); *out: them. */
static int wc_wslot_read(struct wc_wjob *job, struct wc_wslot *slot,
                         uint64_t a, size_t n, uint8_t **out)
{
    if (n > slot->cap) {
        size_t cap = slot->cap ? slot->cap : job->bl.block + WC_WIO_EXTRA;
        while (cap < n) {
            if (cap > SIZE_MAX / 4)
                return WC_ENOMEM;
            cap *= 2;
        }
        void *mem = NULL;
        if (posix_memalign(&mem, 4096, cap + WC_IO_ALIGN) != 0)
            return WC_ENOMEM;
        free(slot->mem);
        slot->mem = mem;
        slot->cap = cap;
    }
    uint8_t *dst = (uint8_t *)slot->mem + (size_t)(a % WC_IO_ALIGN);
    ssize_t got = wc_pread_full(job->bl.fd, dst, n, a);
    if (got < 0)
        return WC_EIO;
    if ((size_t)got < n)
        return WC_ETRUNCATED;
    *out = dst;
    return WC_OK;
}

static void wc_wfile_block(struct wc_wjob *job, struct wc_wslot *slot,
                           uint64_t blk)
{
    const struct wc_blocks *bl = &job->bl;
    uint64_t start = bl->base + blk * bl->block;
    uint64_t end = bl->size - start < bl->block ? bl->size : start + bl->block;
    if (start - bl->base >= atomic_load_explicit(&job->stop_at,
                                                  memory_order_relaxed))
        return;
    size_t extra = WC_WIO_EXTRA, lo = 0, hi, n;
    uint8_t *buf;
    int rc;
    for (;;) {
        uint64_t b = bl->size - end <= extra ? bl->size : end + extra;
        n = (size_t)(b - start);
        rc = wc_wslot_read(job, slot, start, n, &buf);
        if (rc != WC_OK) {
            wc_wjob_fail(job, rc, errno, 0);
            return;
        }
        struct wc_wtext x = job->x;
        x.text = buf;
        x.len = n;
        if (extra == WC_WIO_EXTRA && start > bl->base) {
            /* E(p) is the first edge >= p (unicode) or > p (space): when
             * E(start) > end, E(end) = E(start) and the block has no words
             * (a word that began before covers it). */
            lo = wc_word_edge(&x, 0);
            if (lo > end - start)
                goto done;
        }
        if (end == bl->size) {
            hi = n;
            break;
        }
        hi = wc_word_edge(&x, (size_t)(end - start));
        if (b == bl->size || hi + 4 <= n)
            break;
        if (extra > SIZE_MAX / 4)
            goto nomem;
        extra *= 2;
    }
    if (lo < hi) {
        size_t err = 0;
        rc = wc_freq_io_window(job->needles ? job->f : slot->tab, buf, n, lo,
                               hi, start - bl->base,
                               job->needles ? slot->counts : NULL, &err);
        if (rc != WC_OK) {
            wc_wjob_fail(job, rc, 0, start - bl->base + err);
            return;
        }
    }
done:
    atomic_fetch_add_explicit(&job->bl.done, end - start, memory_order_relaxed);
    return;
nomem:
    wc_wjob_fail(job, WC_ENOMEM, 0, 0);
}

static void wc_wfile_task(void *ctx, size_t task)
{
    struct wc_wjob *job = ctx;
    struct wc_wslot *slot = &job->slots[task];
    if (job->needles)
        slot->counts = calloc(job->nids + 1, sizeof *slot->counts);
    else
        slot->tab = wc_freq_io_new_like(job->f);
    if (slot->counts == NULL && slot->tab == NULL) {
        wc_wjob_fail(job, WC_ENOMEM, 0, 0);
        return;
    }
    uint64_t blk = 0;
    int r;
    while ((r = wc_blocks_next(&job->bl, &blk)) > 0)
        wc_wfile_block(job, slot, blk);
    if (r < 0)
        wc_wjob_fail(job, r, 0, 0);
}

/* The results of the slots into f (only when all went well). */
static int wc_wslots_reduce(wc_freq *f, int needles, size_t nids,
                            struct wc_wslot *slots, size_t nslots)
{
    int rc = WC_OK;
    if (needles) {
        uint64_t *sum = calloc(nids + 1, sizeof *sum);
        if (sum == NULL)
            return WC_ENOMEM;
        for (size_t k = 0; k < nslots; k++)
            if (slots[k].counts != NULL)
                for (size_t i = 0; i < nids; i++)
                    sum[i] += slots[k].counts[i];
        rc = wc_freq_io_add_counts(f, sum);
        free(sum);
        return rc;
    }
    /* The slots into one table first, then that into f: f gets all of
     * this input's words or, out of memory, none. */
    wc_freq *all = NULL;
    for (size_t k = 0; k < nslots && rc == WC_OK; k++)
        if (slots[k].tab != NULL) {
            if (all == NULL)
                all = slots[k].tab;
            else
                rc = wc_freq_io_merge(all, slots[k].tab);
        }
    if (rc == WC_OK && all != NULL)
        rc = wc_freq_io_merge(f, all);
    return rc;
}

static int wc_wfile_run(int fd, uint64_t base, uint64_t size, wc_freq *f,
                        int needles, size_t nids, const wc_io_options *o,
                        struct wc_ticker *tk, wc_utf8_error *ue)
{
    struct wc_wjob job = {.f = f, .needles = needles, .nids = nids};
    int threads;
    size_t nslots = wc_blocks_init(&job.bl, fd, base, size, o, tk, &threads);
    struct wc_wslot *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return WC_ENOMEM;
    job.slots = slots;
    wc_freq_io_wtext(f, &job.x);
    atomic_init(&job.stop_at, UINT64_MAX);
    if (pthread_mutex_init(&job.mu, NULL) != 0) {
        free(slots);
        return WC_ENOMEM;
    }
    int lost = wc_pool_run(threads, wc_wfile_task, &job, nslots);
    pthread_mutex_destroy(&job.mu);

    int rc = job.err;
    if (rc == WC_OK)
        rc = lost;
    if (rc == WC_OK) {
        rc = wc_wslots_reduce(f, needles, nids, slots, nslots);
        tk->done = atomic_load(&job.bl.done);
        if (rc == WC_OK)
            rc = wc_tick(tk, 1);
    }
    for (size_t k = 0; k < nslots; k++) {
        free(slots[k].mem);
        free(slots[k].counts);
        wc_freq_free(slots[k].tab);
    }
    free(slots);
    if (rc == WC_EUTF8 && ue != NULL) {
        /* The bytes around the error, read again (a block reads none before
         * its start). */
        uint64_t at = base + job.utf8_at;
        uint64_t a = at - base > WC_WIO_KEEP ? at - WC_WIO_KEEP : base;
        uint64_t b = size - at > WC_WIO_KEEP ? at + WC_WIO_KEEP : size;
        uint8_t ctx[2 * WC_WIO_KEEP];
        ssize_t got = wc_pread_full(fd, ctx, (size_t)(b - a), a);
        if (got < 0)
            got = 0;
        if ((uint64_t)got <= at - a) { /* shrank meanwhile: just the offset */
            ue->offset = job.utf8_at;
            ue->context_len = 0;
            ue->context_at = 0;
        } else {
            wc_utf8_context(ue, ctx, (size_t)got, (size_t)(at - a), job.utf8_at);
        }
    }
    if (rc == WC_EIO)
        errno = job.err_errno;
    return rc;
}

static int wc_wstream(struct wc_source *src, wc_freq *f, int needles,
                      size_t nids, const wc_io_options *o,
                      struct wc_ticker *tk, wc_utf8_error *ue)
{
    size_t cap = o->block_size + WC_WIO_EXTRA + WC_WIO_KEEP;
    uint8_t *buf = malloc(cap);
    uint64_t *counts = needles ? calloc(nids + 1, sizeof *counts) : NULL;
    wc_freq *tab = needles ? NULL : wc_freq_io_new_like(f);
    int rc = WC_OK;
    if (buf == NULL || (needles ? counts == NULL : tab == NULL)) {
        rc = WC_ENOMEM;
        goto out;
    }
    struct wc_wtext x;
    wc_freq_io_wtext(f, &x);
    x.text = buf;
    uint64_t a = 0;  /* the text offset of buf[0] */
    size_t have = 0, lo = 0;
    for (;;) {
        int eof = 0;
        rc = wc_fill(src, buf, cap, &have, &eof, tk);
        if (rc != WC_OK)
            goto out;
        x.len = have;
        size_t hi = have;
        if (!eof) {
            /* An edge near the end, else anywhere after lo; none: grow. */
            size_t near = have - lo > 4 * WC_WIO_EXTRA ? have - 2 * WC_WIO_EXTRA
                                                      : lo + 1;
            hi = wc_word_edge(&x, near);
            if (hi + 4 > have && near > lo + 1)
                hi = wc_word_edge(&x, lo + 1);
            if (hi + 4 > have) {
                if (cap > SIZE_MAX / 4) {
                    rc = WC_ENOMEM;
                    goto out;
                }
                uint8_t *grown = realloc(buf, cap * 2);
                if (grown == NULL) {
                    rc = WC_ENOMEM;
                    goto out;
                }
                buf = grown;
                x.text = buf;
                cap *= 2;
                continue;
            }
        }
        if (lo < hi) {
            size_t err = 0;
            rc = wc_freq_io_window(needles ? f : tab, buf, have, lo, hi, a,
                                   counts, &err);
            if (rc == WC_EUTF8)
                wc_utf8_context(ue, buf, have, err, a + err);
            if (rc != WC_OK)
                goto out;
        }
        if (eof)
            break;
        size_t keep = hi < WC_WIO_KEEP ? hi : WC_WIO_KEEP;
        memmove(buf, buf + hi - keep, have - (hi - keep));
        a += hi - keep;
        have -= hi - keep;
        lo = keep;
    }
    rc = needles ? wc_freq_io_add_counts(f, counts) : wc_freq_io_merge(f, tab);
    tk->total = tk->done;
    if (rc == WC_OK)
        rc = wc_tick(tk, 1);
out:;
    int saved = errno;
    free(buf);
    free(counts);
    wc_freq_free(tab);
    errno = saved;
    return rc;
}

/* ---- the words' engine and public functions ----------------------------- */

struct wc_words_ctx {
    wc_freq *f;
    int needles;
    size_t nids;
    wc_utf8_error *ue;
};

static int wc_words_file(void *ctx, int fd, uint64_t base, uint64_t size,
                         const wc_io_options *o, struct wc_ticker *tk)
{
    struct wc_words_ctx *c = ctx;
    return wc_wfile_run(fd, base, size, c->f, c->needles, c->nids, o, tk, c->ue);
}

static int wc_words_stream(void *ctx, struct wc_source *src,
                           const wc_io_options *o, struct wc_ticker *tk)
{
    struct wc_words_ctx *c = ctx;
    return wc_wstream(src, c->f, c->needles, c->nids, o, tk, c->ue);
}

/* kind: 0 an fd, 1 a path, 2 a reader. */
static int wc_words_input(wc_freq *f, int what, int kind, int fd,
                          const char *path, wc_read_fn read, void *read_arg,
                          const wc_io_options *opt, wc_utf8_error *err)
{
    size_t nids;
    if ((what != WC_COUNT_ALL && what != WC_COUNT_NEEDLES) ||
        wc_freq_io_check(f, what == WC_COUNT_NEEDLES, &nids) != WC_OK)
        return WC_EINVAL;
    struct wc_needles nd;
    wc_io_options o;
    int rc = wc_io_prepare(NULL, NULL, 0, opt, NULL, &nd, &o);
    if (rc != WC_OK)
        return rc;
    wc_io_release(&nd); /* no needles here: the table holds them */
    struct wc_words_ctx c = {.f = f, .needles = what == WC_COUNT_NEEDLES,
                             .nids = nids, .ue = err};
    struct wc_engine e = {wc_words_file, wc_words_stream, &c};
    return kind == 0 ? wc_engine_fd(&e, fd, &o)
         : kind == 1 ? wc_engine_path(&e, path, &o)
                     : wc_engine_reader(&e, read, read_arg, &o);
}

int wc_freq_count_fd(wc_freq *f, int what, int fd, const wc_io_options *opt,
                     wc_utf8_error *err)
{
    return wc_words_input(f, what, 0, fd, NULL, NULL, NULL, opt, err);
}

int wc_freq_count_file(wc_freq *f, int what, const char *path,
                       const wc_io_options *opt, wc_utf8_error *err)
{
    if (path == NULL)
        return WC_EINVAL;
    return wc_words_input(f, what, 1, -1, path, NULL, NULL, opt, err);
}

int wc_freq_count_reader(wc_freq *f, int what, wc_read_fn read, void *read_arg,
                         const wc_io_options *opt, wc_utf8_error *err)
{
    if (read == NULL)
        return WC_EINVAL;
    return wc_words_input(f, what, 2, -1, NULL, read, read_arg, opt, err);
}
