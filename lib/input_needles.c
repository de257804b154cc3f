/*
 * input_needles.c - counting needles in files and streams (wc_count_fd,
 * wc_count_file, wc_count_reader): the bytes come from the OS in blocks,
 * never all at once, so memory stays bounded whatever the input's size.
 *
 * Block edges need no alignment to lines.  A kernel counts the matches whose
 * start lies in [lo, hi) of a window and looks at most one byte before lo and
 * m + 1 bytes after hi (kernels/kernels.h).  So a block of starts [start,
 * end) is read together with one byte of left context and maxlen + 1 bytes
 * of right context, and every start of the text belongs to exactly one
 * block: a match, a "\r\n" or an empty word on a block edge is counted
 * exactly once.
 *
 * Regular files: the range [base, size) is cut into blocks of block_size
 * starts; the pool's threads claim blocks in order (so the reads stay about
 * sequential for the kernel's readahead) and pread() each one, with its
 * context, into a buffer of their own (a "slot", one per pool task, and the
 * pool gets one task per thread), so memory is threads x (block_size +
 * maxlen + 2) bytes, maxlen being the longest needle of at most
 * block_size / 8 bytes (longer needles: long_needles.h, and the file is then
 * read once, in order, on the calling thread).
 *
 * Streams (pipes, terminals, sockets, /proc files of size 0, Python file
 * objects through a wc_read_fn): one buffer on the calling thread; after each
 * full buffer the starts that have their right context are counted and the
 * tail (one byte of left context, then the starts not yet counted) moves to
 * the front.  A stream is read at pipe speed, far below what one kernel
 * counts, so it gains nothing from more threads.
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc.h"
#include "dispatch.h"
#include "input.h"
#include "input_needles.h"
#include "long_needles.h"

/* 1 if needle k can match in a text of at most `limit` bytes. */
int wc_needle_useful(const struct wc_needles *nd, size_t k, uint64_t limit)
{
    return nd->ok[k] && nd->len[k] <= limit;
}

/* The longest needle that can match in a text of at most `limit` bytes
 * among those of at most `below` bytes (0 if none). */
size_t wc_needles_max(const struct wc_needles *nd, uint64_t limit,
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
size_t wc_long_min(size_t block)
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

/* ---- options ------------------------------------------------------------- */

/* Check the arguments and fill in the defaults; on WC_OK, nd->ok is to be
 * freed (wc_io_release). */
static int wc_io_prepare(const void *const needles[], const size_t lens[],
                         size_t nneedles, const wc_io_options *opt,
                         uint64_t counts[], struct wc_needles *nd,
                         wc_io_options *o)
{
    if (nneedles > 0 && (needles == NULL || lens == NULL || counts == NULL))
        return WC_EINVAL;
    if (wc_io_options_check(opt, o) != WC_OK)
        return WC_EINVAL;
    nd->p = (const uint8_t *const *)needles;
    nd->len = lens;
    nd->n = nneedles;
    for (size_t k = 0; k < nneedles; k++)
        if (needles[k] == NULL && lens[k] > 0)
            return WC_EINVAL;
    /* Which needles can match at all, found once (memchr: a needle may be
     * as long as the file, and every block asks). */
    uint8_t *ok = wc_malloc(nneedles ? nneedles : 1);
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

/* ---- streams ------------------------------------------------------------- */

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
    uint8_t *buf = wc_malloc(cap);
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

/* ---- regular files --------------------------------------------------------- */

struct wc_slot {
    uint8_t *buf;      /* page-aligned, block_size + maxlen + 2 + WC_IO_ALIGN bytes */
    uint64_t *counts;  /* this slot's share of the counts */
};

struct wc_file_job {
    struct wc_blocks bl; /* bl.slots: struct wc_slot */
    const struct wc_needles *nd;
};

/* Read block `blk` with its context into slot->buf and count it. */
static void wc_file_block(void *ctx, void *s, uint64_t blk)
{
    struct wc_file_job *job = ctx;
    struct wc_slot *slot = s;
    const struct wc_needles *nd = job->nd;
    struct wc_blocks *bl = &job->bl;
    uint64_t start, end;
    wc_blocks_range(bl, blk, &start, &end);
    uint64_t a = start > bl->base ? start - 1 : start;
    uint64_t b = bl->size - end < nd->maxlen + 1 ? bl->size : end + nd->maxlen + 1;
    size_t want = (size_t)(b - a);
    uint8_t *dst;
    int rc = wc_blocks_read(bl, slot->buf, a, want, &dst);
    if (rc != WC_OK) {
        wc_blocks_fail(bl, rc, errno, 0);
    } else {
        /* b < size only when end + maxlen + 1 <= b: the kernel's
         * precondition; else the window ends where the text does. */
        wc_block_count(nd, dst, want, (size_t)(start - a),
                       (size_t)(end - a), end == bl->size, slot->counts);
        atomic_fetch_add_explicit(&bl->done, end - start, memory_order_relaxed);
    }
}

static int wc_file_slot(void *ctx, void *s)
{
    struct wc_file_job *job = ctx;
    struct wc_slot *slot = s;
    slot->buf = wc_aligned_alloc(4096, job->bl.block + job->nd->maxlen + 2 +
                                           WC_IO_ALIGN);
    slot->counts = wc_calloc(job->nd->n ? job->nd->n : 1, sizeof *slot->counts);
    return slot->buf != NULL && slot->counts != NULL ? WC_OK : WC_ENOMEM;
}

static const struct wc_slot_fns wc_file_fns = {
    sizeof(struct wc_slot), wc_file_slot, wc_file_block};

static int wc_file_run(struct wc_input *in, const struct wc_needles *nd,
                       const wc_io_options *o, uint64_t *counts)
{
    struct wc_file_job job = {.nd = nd};
    int rc = wc_blocks_run(&job.bl, in, o, &wc_file_fns, &job);
    int saved = errno;
    struct wc_slot *slots = job.bl.slots;
    if (rc == WC_OK) {
        for (size_t k = 0; k < job.bl.nslots; k++)
            if (slots[k].counts != NULL)
                for (size_t j = 0; j < nd->n; j++)
                    counts[j] += slots[k].counts[j];
        in->tk.done = atomic_load(&job.bl.done);
        rc = wc_tick(&in->tk, 1);
    }
    for (size_t k = 0; k < job.bl.nslots; k++) {
        free(slots[k].buf);
        free(slots[k].counts);
    }
    free(slots);
    errno = saved;
    return rc;
}

/* Needles longer than the file, or holding a separator, are never looked
 * for.  With a long needle among the rest, the file is read once, in order,
 * on the calling thread (wc_long follows the pieces across blocks); else in
 * blocks on the pool with the longest needle's context. */
static int wc_needle_file(struct wc_input *in, const struct wc_needles *nd,
                          const wc_io_options *o, uint64_t *counts)
{
    uint64_t bytes = in->size - in->base;
    struct wc_needles fnd = *nd;
    fnd.maxlen = wc_needles_max(nd, bytes, SIZE_MAX);
    int any = 0;
    for (size_t k = 0; k < nd->n && !any; k++)
        any = wc_needle_useful(nd, k, bytes);
    if (!any) { /* every count is 0, whatever the bytes: read none */
        in->tk.done = bytes;
        return wc_tick(&in->tk, 1);
    }
    if (fnd.maxlen <= wc_long_min(o->block_size))
        return wc_file_run(in, &fnd, o, counts);
    fnd.maxlen = wc_needles_max(nd, bytes, wc_long_min(o->block_size));
    struct wc_pread_src ps = {.fd = in->fd, .off = in->base, .end = in->size};
    struct wc_source src = {.read = wc_pread_read, .arg = &ps};
    return wc_stream(&src, &fnd, o, counts, &in->tk, bytes);
}

/* The needles of the input `from` names; on failure the counts are 0. */
static int wc_needles_count(const struct wc_from *from,
                            const void *const needles[], const size_t lens[],
                            size_t nneedles, const wc_io_options *opt,
                            uint64_t counts[])
{
    struct wc_needles nd;
    wc_io_options o;
    struct wc_input in;
    if (wc_from_check(from) != WC_OK)
        return WC_EINVAL;
    int rc = wc_io_prepare(needles, lens, nneedles, opt, counts, &nd, &o);
    if (rc != WC_OK)
        return rc;
    rc = wc_input_open(&in, from, &o);
    if (rc == WC_OK) {
        switch (in.kind) {
        case WC_INPUT_FILE:
            rc = wc_needle_file(&in, &nd, &o, counts);
            break;
        case WC_INPUT_STREAM:
            rc = wc_stream(&in.src, &nd, &o, counts, &in.tk, UINT64_MAX);
            break;
        default:
            rc = wc_tick(&in.tk, 1);
            break;
        }
        rc = wc_input_close(&in, rc);
    }
    wc_io_release(&nd);
    if (rc != WC_OK)
        for (size_t k = 0; k < nneedles; k++)
            counts[k] = 0;
    return rc;
}

int wc_count_fd(int fd, const void *const needles[], const size_t lens[],
                size_t nneedles, const wc_io_options *opt, uint64_t counts[])
{
    struct wc_from from = {.kind = WC_FROM_FD, .fd = fd};
    return wc_needles_count(&from, needles, lens, nneedles, opt, counts);
}

int wc_count_file(const char *path, const void *const needles[],
                  const size_t lens[], size_t nneedles,
                  const wc_io_options *opt, uint64_t counts[])
{
    struct wc_from from = {.kind = WC_FROM_PATH, .path = path};
    return wc_needles_count(&from, needles, lens, nneedles, opt, counts);
}

int wc_count_file_range(const char *path, uint64_t lo, uint64_t hi,
                        const void *const needles[], const size_t lens[],
                        size_t nneedles, const wc_io_options *opt,
                        uint64_t counts[])
{
    struct wc_from from = {.kind = WC_FROM_RANGE, .path = path, .lo = lo,
                           .hi = hi};
    return wc_needles_count(&from, needles, lens, nneedles, opt, counts);
}

int wc_count_reader(wc_read_fn read, void *read_arg,
                    const void *const needles[], const size_t lens[],
                    size_t nneedles, const wc_io_options *opt,
                    uint64_t counts[])
{
    struct wc_from from = {.kind = WC_FROM_READER, .read = read,
                           .read_arg = read_arg};
    return wc_needles_count(&from, needles, lens, nneedles, opt, counts);
}
