/*
 * input.h - private to the core: one opened input (a regular file, an fd
 * that is not one, a path, a reader) and what its two consumers, the needle
 * counter (input_needles.c) and the word counter (input_words.c), share:
 * the block claimer of a regular file read on the pool, the stream reads,
 * and one recorder of a job's first error.
 *
 * Block edges need no alignment to lines (input_needles.c) nor to words
 * (input_words.c): each consumer says how it cuts.  Regular files are read
 * with pread into page-aligned buffers, never mapped: a file truncated by
 * another process while we read it gives a short read (WC_ETRUNCATED),
 * never a SIGBUS.  Its size is taken once, at the start: bytes appended
 * meanwhile are not counted.
 */
#ifndef WC_INPUT_H
#define WC_INPUT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "common.h"
#include "progress.h"

/* 1 MiB: two threads' buffers stay in Zen 3's 32 MiB L3 and a block is
 * counted while the pread copy is still in cache; larger blocks measured no
 * faster on a 1 GB file (benchmarks/bench_files.py), smaller ones pay more
 * system calls. */
#define WC_IO_BLOCK ((size_t)1 << 20)
#define WC_IO_MAX_BLOCK ((size_t)1 << 30)

/* Reads land at the same address modulo this as their file offset (see
 * wc_blocks_read). */
#define WC_IO_ALIGN 64

/* Check the options and fill in the defaults (threads, block size) into
 * *o; WC_EINVAL when they are out of range. */
int wc_io_options_check(const wc_io_options *opt, wc_io_options *o);

/* ---- streams -------------------------------------------------------------- */

/* A stream: first the prefix, then the reader's bytes. */
struct wc_source {
    wc_read_fn read;
    void *arg;
    const uint8_t *prefix;
    size_t prefix_len, prefix_pos;
};

/* Read into buf[*have .. cap) until it is full or the source ends (*eof),
 * counting the bytes into the ticker; WC_OK or an error code. */
int wc_fill(struct wc_source *src, uint8_t *buf, size_t cap, size_t *have,
            int *eof, struct wc_ticker *tk);

/* pread exactly n bytes at off; returns the bytes read (< n at end of file)
 * or -1 with errno set. */
ssize_t wc_pread_full(int fd, uint8_t *buf, size_t n, uint64_t off);

/* A regular file's bytes [off, end) as a stream (pread: the fd's offset is
 * left alone, appended bytes are not read; a file that shrinks below end
 * fails with WC_ETRUNCATED). */
struct wc_pread_src {
    int fd;
    uint64_t off, end;
};
ptrdiff_t wc_pread_read(void *arg, void *buf, size_t n);

/* ---- the opened input ------------------------------------------------------ */

enum {
    WC_INPUT_EMPTY,  /* nothing to read: a regular file read to its end */
    WC_INPUT_FILE,   /* a regular file's bytes [base, size), on the pool */
    WC_INPUT_STREAM, /* anything else, or a file with a prefix: src */
};

struct wc_fd_reader {
    int fd;
    struct wc_ticker *tk;
};

/* An input, opened: what it is, its ticker (the caller's progress callback,
 * called once already), and for a stream its source.  It points into
 * itself: it is never copied. */
struct wc_input {
    int kind;
    int fd, own_fd;       /* own_fd: opened from a path, closed at the end */
    uint64_t base, size;  /* WC_INPUT_FILE */
    struct wc_source src; /* WC_INPUT_STREAM */
    struct wc_fd_reader fr;
    struct wc_pread_src ps; /* a range of a file that is not a regular one */
    struct wc_ticker tk;
};

/* What the public entries of both consumers name: a file descriptor, a
 * path, bytes [lo, hi) of the file at a path, or a reader. */
enum { WC_FROM_FD, WC_FROM_PATH, WC_FROM_RANGE, WC_FROM_READER };

struct wc_from {
    int kind;
    int fd;
    const char *path;
    uint64_t lo, hi;
    wc_read_fn read;
    void *read_arg;
};

/* WC_OK if the input is named well (a path, a reader, lo <= hi), else
 * WC_EINVAL. */
int wc_from_check(const struct wc_from *from);

/*
 * Open an input: a file descriptor (a regular file from its offset, which
 * is left at the end after a count; o->prefix is read first), a path (no
 * prefix), a range, a reader.  A range is bytes [lo, hi) of the file at the
 * path as a text of its own: a regular file is read in blocks on the pool
 * (WC_ETRUNCATED at once when it ends before hi, unless lo == hi); anything
 * else (a FIFO put in its place, a device) with pread as a stream, without
 * waiting for a writer.  Returns WC_OK, or an error (WC_EIO with errno; or
 * the code the first progress call stopped with) and then nothing is open.
 */
int wc_input_open(struct wc_input *in, const struct wc_from *from,
                  const wc_io_options *o);

/* After the count (rc): a regular file's offset moves to the end that was
 * counted (when rc is WC_OK), an fd opened from a path is closed; errno is
 * kept.  Returns rc, or WC_EIO when the seek fails. */
int wc_input_close(struct wc_input *in, int rc);

/* ---- a regular file on the pool ------------------------------------------- */

/*
 * What the two parallel file jobs (needles: wc_file_job, words: wc_wjob)
 * share: the blocks, the slots and the first error.  The pool runs one task per slot; each task claims blocks from
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
    const struct wc_slot_fns *fns; /* the consumer's (wc_blocks_run) */
    void *ctx;
    void *slots;      /* nslots of fns->size bytes */
    size_t nslots;
    pthread_t caller;
    struct wc_ticker *tk;
    _Atomic uint64_t next; /* the next block to claim */
    atomic_int stop;
    _Atomic uint64_t done; /* bytes counted, for the progress callback */
    /* The first error (wc_blocks_fail). */
    pthread_mutex_t mu;
    int err;          /* mu: the first error other than WC_EUTF8, else that */
    int err_errno;    /* mu: errno of the first WC_EIO */
    uint64_t utf8_at; /* mu: the smallest text offset of invalid UTF-8 */
    _Atomic uint64_t stop_at; /* blocks that start at or after it are
                               * skipped (the smallest utf8_at so far) */
};

/* What a consumer does with a file job's slots: a slot is `size` bytes,
 * zeroed, then init(ctx, slot) (WC_OK, or WC_ENOMEM: the job fails); then
 * block(ctx, slot, blk) for each block the slot's task claims. */
struct wc_slot_fns {
    size_t size;
    int (*init)(void *ctx, void *slot);
    void (*block)(void *ctx, void *slot, uint64_t blk);
};

/*
 * Run a file job: read the file of `in` in blocks of o->block_size on the
 * pool, by o->threads threads (1 under the parallel threshold: waking a
 * worker costs more than it saves), in bl->nslots slots (bl->slots: one a
 * thread, never more than the blocks), each task with its own slot claiming
 * blocks until none is left.  Tells the kernel the reading is sequential.
 * Returns the job's first error (errno set for WC_EIO), else what the pool
 * lost (WC_EFORKED), else WC_OK.  The caller then reduces the slots and
 * frees what they hold and bl->slots (NULL when out of memory: WC_ENOMEM).
 */
int wc_blocks_run(struct wc_blocks *bl, struct wc_input *in,
                  const wc_io_options *o, const struct wc_slot_fns *fns,
                  void *ctx);

/* The text's bytes [start, end) of block blk. */
void wc_blocks_range(const struct wc_blocks *bl, uint64_t blk, uint64_t *start,
                     uint64_t *end);

/* Record that a block failed with `code` (errno err_errno for WC_EIO;
 * WC_EUTF8 at text offset utf8_at).  Invalid UTF-8 does not stop the job:
 * the blocks before it still run, one of them may hold an earlier one, and
 * any other error outranks it; any other error stops every task. */
void wc_blocks_fail(struct wc_blocks *bl, int code, int err_errno,
                    uint64_t utf8_at);

/* Whether the job is to stop: it failed, or the caller's callback (called
 * here when this is the calling thread and its interval has passed) asked
 * for it, WC_EINTR (or WC_EFORKED in a fork child), which then fails the
 * job.  Tasks ask between blocks, and between reads inside a long one. */
int wc_blocks_stopped(struct wc_blocks *bl);

/* pread the file's bytes [a, a + n) into buf, which has n + WC_IO_ALIGN
 * bytes and is page-aligned; *out: where they are.  WC_EIO (errno),
 * WC_ETRUNCATED, or WC_OK. */
int wc_blocks_read(const struct wc_blocks *bl, uint8_t *buf, uint64_t a,
                   size_t n, uint8_t **out);

#endif /* WC_INPUT_H */
