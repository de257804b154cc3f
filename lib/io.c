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
 * maxlen + 2) bytes.  No mmap: a file truncated by
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
 * Progress and cancellation: the calling thread calls the caller's callback
 * between its blocks, at most every interval_ms; a nonzero answer sets the
 * job's stop flag, which every thread checks before each block.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wc_impl.h"

/* 1 MiB: two threads' buffers stay in Zen 3's 32 MiB L3 and a block is
 * counted while the pread copy is still in cache; larger blocks measured no
 * faster on a 1 GB file (benchmarks/bench_files.py), smaller ones pay more
 * system calls. */
#define WC_IO_BLOCK ((size_t)1 << 20)
#define WC_IO_MAX_BLOCK ((size_t)1 << 30)
#define WC_IO_INTERVAL_MS 100

size_t wc_io_default_block_size(void)
{
    return WC_IO_BLOCK;
}

/* ---- the needles and the per-block count -------------------------------- */

struct wc_needles {
    const uint8_t *const *p;
    const size_t *len;
    size_t n;
    size_t maxlen;
};

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
        if (wc_needle_impossible(nd->p[k], m, 1))
            continue;
        if (lo < hi)
            out[k] += kernel(t, len, lo, hi, nd->p[k], m);
        if (at_end && m == 0 && len > 0)
            out[k] += (uint64_t)wc_match_at8(t, len, len, NULL, 0);
    }
}

/* ---- options and progress ---------------------------------------------- */

struct wc_ticker {
    wc_progress_fn fn;
    void *arg;
    unsigned interval_ms;
    struct timespec last;
    uint64_t done, total;
};

static void wc_ticker_init(struct wc_ticker *tk, const wc_io_options *o,
                           uint64_t total)
{
    tk->fn = o->progress;
    tk->arg = o->progress_arg;
    tk->interval_ms = o->interval_ms ? o->interval_ms : WC_IO_INTERVAL_MS;
    tk->done = 0;
    tk->total = total;
    clock_gettime(CLOCK_MONOTONIC, &tk->last);
}

/* Call the callback if `force` or interval_ms have passed; nonzero: stop. */
static int wc_tick(struct wc_ticker *tk, int force)
{
    if (tk->fn == NULL)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - tk->last.tv_sec) * 1000 +
                 (now.tv_nsec - tk->last.tv_nsec) / 1000000;
    if (!force && ms < (int64_t)tk->interval_ms)
        return 0;
    tk->last = now;
    return tk->fn(tk->arg, tk->done, tk->total) != 0;
}

/* Check the arguments and fill in the defaults. */
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
    nd->maxlen = 0;
    for (size_t k = 0; k < nneedles; k++) {
        if (needles[k] == NULL && lens[k] > 0)
            return WC_EINVAL;
        if (lens[k] > nd->maxlen)
            nd->maxlen = lens[k];
    }
    /* A buffer holds block_size + maxlen + 2 bytes. */
    if (nd->maxlen > SIZE_MAX / 2 - WC_IO_MAX_BLOCK)
        return WC_ENOMEM;
    for (size_t k = 0; k < nneedles; k++)
        counts[k] = 0;
    return WC_OK;
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

static int wc_stream(struct wc_source *src, const struct wc_needles *nd,
                     const wc_io_options *o, uint64_t *counts,
                     struct wc_ticker *tk)
{
    size_t cap = o->block_size + nd->maxlen + 2;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return WC_ENOMEM;
    int rc = WC_OK;
    size_t have = 0, lo = 0;
    for (;;) {
        int eof = 0;
        while (have < cap) {
            ptrdiff_t r = wc_source_read(src, buf + have, cap - have);
            if (r < 0) {
                rc = (int)r;
                goto out;
            }
            if (r == 0) {
                eof = 1;
                break;
            }
            have += (size_t)r;
            tk->done += (uint64_t)r;
            if (wc_tick(tk, 0)) {
                rc = WC_EINTR;
                goto out;
            }
        }
        if (eof) {
            wc_block_count(nd, buf, have, lo, have, 1, counts);
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
    if (wc_tick(tk, 1))
        rc = WC_EINTR;
out:;
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
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
            if (wc_tick(fr->tk, 1))
                return WC_EINTR;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd p = {.fd = fr->fd, .events = POLLIN};
            int timeout = fr->tk->fn != NULL ? (int)fr->tk->interval_ms : -1;
            if (poll(&p, 1, timeout) < 0 && errno != EINTR)
                return WC_EIO;
            if (wc_tick(fr->tk, 0))
                return WC_EINTR;
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
 * The pool runs one task per slot; each task claims blocks from `next` until
 * none is left or `stop` is set.  So blocks balance across threads as the
 * pool's tasks would, a stop ends every task at once (not after claiming
 * each of millions of remaining blocks), and a task owns its slot.
 */
struct wc_file_job {
    int fd;
    uint64_t base, size; /* the text is the file's bytes [base, size) */
    size_t block;
    uint64_t nblocks;
    const struct wc_needles *nd;
    struct wc_slot *slots;
    pthread_t caller;
    struct wc_ticker *tk;
    _Atomic uint64_t next; /* the next block to claim */
    atomic_int stop;
    atomic_int err;     /* the first error, 0 if none */
    int err_errno;      /* errno of the first WC_EIO, written by its thread */
    _Atomic uint64_t done;
};

static void wc_job_fail(struct wc_file_job *job, int code, int err_errno)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&job->err, &expected, code))
        job->err_errno = err_errno; /* read by the caller after the join */
    atomic_store_explicit(&job->stop, 1, memory_order_relaxed);
}

/* Reads land at the same address modulo this as their file offset. */
#define WC_IO_ALIGN 64

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
    uint64_t start = job->base + blk * job->block;
    uint64_t end = job->size - start < job->block ? job->size : start + job->block;
    uint64_t a = start > job->base ? start - 1 : start;
    uint64_t b = job->size - end < nd->maxlen + 1 ? job->size : end + nd->maxlen + 1;
    size_t want = (size_t)(b - a);
    /* The kernel copies from the page cache 4 to 5 times slower when the
     * destination's address and the file offset differ modulo 32 (measured:
     * 1 MiB preads of a cached file on an EPYC 7B13, 2.0 GB/s at +16 bytes
     * against 11.4 GB/s congruent; malloc's 16-byte offset and the one
     * byte of left context made every read the slow kind).  So read offset
     * a into the page-aligned buffer at a % WC_IO_ALIGN. */
    uint8_t *dst = slot->buf + (size_t)(a % WC_IO_ALIGN);
    ssize_t got = wc_pread_full(job->fd, dst, want, a);
    if (got < 0) {
        wc_job_fail(job, WC_EIO, errno);
    } else if ((size_t)got < want) {
        wc_job_fail(job, WC_ETRUNCATED, 0);
    } else {
        /* b < size only when end + maxlen + 1 <= b: the kernel's
         * precondition; else the window ends where the text does. */
        wc_block_count(nd, dst, want, (size_t)(start - a),
                       (size_t)(end - a), end == job->size, slot->counts);
        atomic_fetch_add_explicit(&job->done, end - start, memory_order_relaxed);
    }
}

static void wc_file_task(void *ctx, size_t task)
{
    struct wc_file_job *job = ctx;
    struct wc_slot *slot = &job->slots[task];
    int is_caller = pthread_equal(pthread_self(), job->caller);
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, job->block + job->nd->maxlen + 2 + WC_IO_ALIGN) == 0)
        slot->buf = buf;
    slot->counts = calloc(job->nd->n ? job->nd->n : 1, sizeof *slot->counts);
    if (slot->buf == NULL || slot->counts == NULL) {
        wc_job_fail(job, WC_ENOMEM, 0);
        return;
    }
    while (!atomic_load_explicit(&job->stop, memory_order_relaxed)) {
        if (is_caller) {
            job->tk->done = atomic_load_explicit(&job->done, memory_order_relaxed);
            if (wc_tick(job->tk, 0)) {
                wc_job_fail(job, WC_EINTR, 0);
                return;
            }
        }
        uint64_t blk = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
        if (blk >= job->nblocks)
            return;
        wc_file_block(job, slot, blk);
    }
}

static int wc_file_run(int fd, uint64_t base, uint64_t size,
                       const struct wc_needles *nd, const wc_io_options *o,
                       uint64_t *counts, struct wc_ticker *tk)
{
    uint64_t bytes = size - base;
    uint64_t nblocks = (bytes + o->block_size - 1) / o->block_size;
    int threads = o->threads;
    if (bytes < wc_parallel_threshold())
        threads = 1; /* waking a worker costs more than it saves */
    size_t nslots = (uint64_t)threads < nblocks ? (size_t)threads : (size_t)nblocks;
    struct wc_slot *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return WC_ENOMEM;
    (void)posix_fadvise(fd, (off_t)base, (off_t)bytes, POSIX_FADV_SEQUENTIAL);

    struct wc_file_job job = {
        .fd = fd, .base = base, .size = size, .block = o->block_size,
        .nblocks = nblocks, .nd = nd, .slots = slots, .caller = pthread_self(),
        .tk = tk,
    };
    atomic_init(&job.next, 0);
    atomic_init(&job.stop, 0);
    atomic_init(&job.err, 0);
    atomic_init(&job.done, 0);
    wc_pool_run(threads, wc_file_task, &job, nslots);

    int rc = atomic_load(&job.err);
    if (rc == WC_OK) {
        for (size_t k = 0; k < nslots; k++)
            if (slots[k].counts != NULL)
                for (size_t j = 0; j < nd->n; j++)
                    counts[j] += slots[k].counts[j];
        tk->done = atomic_load(&job.done);
        if (wc_tick(tk, 1))
            rc = WC_EINTR;
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

/* ---- the public functions ----------------------------------------------- */

static int wc_count_fd_prepared(int fd, const struct wc_needles *nd,
                                const wc_io_options *o, uint64_t *counts)
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
            wc_ticker_init(&tk, o, size - (uint64_t)base);
            if (wc_tick(&tk, 1))
                return WC_EINTR;
            if ((uint64_t)base == size) {
                /* Nothing remains: an empty text, no words. */
                return wc_tick(&tk, 1) ? WC_EINTR : WC_OK;
            }
            int rc = wc_file_run(fd, (uint64_t)base, size, nd, o, counts, &tk);
            if (rc == WC_OK && lseek(fd, (off_t)size, SEEK_SET) < 0)
                rc = WC_EIO;
            return rc;
        }
    }
    wc_ticker_init(&tk, o, WC_SIZE_UNKNOWN);
    if (wc_tick(&tk, 1))
        return WC_EINTR;
    struct wc_fd_reader fr = {.fd = fd, .tk = &tk};
    struct wc_source src = {.read = wc_fd_read, .arg = &fr,
                            .prefix = o->prefix, .prefix_len = o->prefix_len};
    return wc_stream(&src, nd, o, counts, &tk);
}

int wc_count_fd(int fd, const void *const needles[], const size_t lens[],
                size_t nneedles, const wc_io_options *opt, uint64_t counts[])
{
    struct wc_needles nd;
    wc_io_options o;
    int rc = wc_io_prepare(needles, lens, nneedles, opt, counts, &nd, &o);
    if (rc != WC_OK)
        return rc;
    rc = wc_count_fd_prepared(fd, &nd, &o, counts);
    if (rc != WC_OK)
        for (size_t k = 0; k < nneedles; k++)
            counts[k] = 0;
    return rc;
}

int wc_count_file(const char *path, const void *const needles[],
                  const size_t lens[], size_t nneedles,
                  const wc_io_options *opt, uint64_t counts[])
{
    if (path == NULL)
        return WC_EINVAL;
    struct wc_needles nd;
    wc_io_options o;
    int rc = wc_io_prepare(needles, lens, nneedles, opt, counts, &nd, &o);
    if (rc != WC_OK)
        return rc;
    o.prefix = NULL;
    o.prefix_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return WC_EIO;
    rc = wc_count_fd_prepared(fd, &nd, &o, counts);
    int saved = errno;
    close(fd);
    errno = saved;
    if (rc != WC_OK)
        for (size_t k = 0; k < nneedles; k++)
            counts[k] = 0;
    return rc;
}

int wc_count_reader(wc_read_fn read, void *read_arg,
                    const void *const needles[], const size_t lens[],
                    size_t nneedles, const wc_io_options *opt,
                    uint64_t counts[])
{
    if (read == NULL)
        return WC_EINVAL;
    struct wc_needles nd;
    wc_io_options o;
    int rc = wc_io_prepare(needles, lens, nneedles, opt, counts, &nd, &o);
    if (rc != WC_OK)
        return rc;
    struct wc_ticker tk;
    wc_ticker_init(&tk, &o, WC_SIZE_UNKNOWN);
    if (wc_tick(&tk, 1))
        return WC_EINTR;
    struct wc_source src = {.read = read, .arg = read_arg};
    rc = wc_stream(&src, &nd, &o, counts, &tk);
    if (rc != WC_OK)
        for (size_t k = 0; k < nneedles; k++)
            counts[k] = 0;
    return rc;
}
