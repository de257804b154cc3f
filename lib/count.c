/*
 * count.c - counting a text in memory: on the calling thread, or split into
 * chunks that the pool's threads claim.
 *
 * Chunks are cut at any place, not at lines: a kernel counts the matches that
 * start in its chunk and may look one unit before and m + 1 units after it
 * (kernels/kernels.h), and the whole text is in memory, so a match, a "\r\n" or an
 * empty word at a chunk edge is counted exactly once.
 */
#include <stdatomic.h>

#include "count.h"
#include "dispatch.h"
#include "kernels/kernels.h"
#include "pool.h"
#include "progress.h"

/* Below this many bytes a parallel count runs on the calling thread.
 * benchmarks/threshold.py, with the threshold lowered to 1 byte, on an idle
 * 2-vCPU EPYC (Zen 3, AVX2): up to 256 KiB two threads take the same time as
 * one (the caller has claimed every 64 KiB chunk before a worker wakes, so a
 * worker adds nothing), at 512 KiB they take 0.75-0.79 of it, at 4 MiB 0.57. */
#define WC_PARALLEL_THRESHOLD ((size_t)256 * 1024)
/* Chunks a parallel job is cut into, per thread: more balance uneven
 * progress (another process on a core); fewer cost fewer claims. */
#define WC_CHUNKS_PER_THREAD 8
/* Bounds on a chunk, in bytes. */
#define WC_MIN_CHUNK ((size_t)64 * 1024)
#define WC_MAX_CHUNK ((size_t)16 * 1024 * 1024)
/* A count with a progress callback stops to report between windows of this
 * many bytes: at the kernels' speed a window takes a few milliseconds. */
#define WC_PROGRESS_WINDOW ((size_t)64 * 1024 * 1024)

const char *wc_strerror(int code)
{
    switch (code) {
    case WC_OK: return "success";
    case WC_ENOMEM: return "out of memory";
    case WC_EINVAL: return "invalid argument";
    case WC_ENOKERNEL: return "kernel unknown or not supported on this CPU";
    case WC_EIO: return "input/output error";
    case WC_EINTR: return "interrupted";
    case WC_ETRUNCATED: return "file shrank while it was being read";
    case WC_EUTF8: return "invalid UTF-8";
    case WC_EOVERFLOW:
        return "a count would pass 2**48 - 1, or a text 2**46 - 1 characters";
    case WC_EFORKED: return "fork() was called during the count: it does not go on in the child process";
    default: return "unknown error";
    }
}

static _Atomic size_t wc_threshold = WC_PARALLEL_THRESHOLD;

size_t wc_parallel_threshold(void)
{
    return atomic_load_explicit(&wc_threshold, memory_order_relaxed);
}

void wc_set_parallel_threshold(size_t bytes)
{
    atomic_store_explicit(&wc_threshold, bytes ? bytes : WC_PARALLEL_THRESHOLD,
                          memory_order_relaxed);
}

int wc_needle_impossible(const void *needle, size_t m, int width)
{
    for (size_t k = 0; k < m; k++) {
        uint32_t c = width == 1 ? ((const uint8_t *)needle)[k]
                   : width == 2 ? ((const uint16_t *)needle)[k]
                                : ((const uint32_t *)needle)[k];
        if (c == ' ' || c == '\n')
            return 1;
    }
    return 0;
}

uint64_t wc_count_range(const void *t, size_t len, size_t lo, size_t hi,
                        const void *needle, size_t m, int width)
{
    switch (width) {
    case 1: return wc_kernel8()(t, len, lo, hi, needle, m);
    case 2: return wc_kernel16()(t, len, lo, hi, needle, m);
    case 4: return wc_kernel32()(t, len, lo, hi, needle, m);
    default: return 0;
    }
}

/* The start len: an empty word after a final ' ' (m == 0 only). */
static uint64_t wc_count_end(const void *t, size_t len, size_t m, int width)
{
    if (m != 0 || len == 0)
        return 0;
    switch (width) {
    case 1: return (uint64_t)wc_match_at8(t, len, len, NULL, 0);
    case 2: return (uint64_t)wc_match_at16(t, len, len, NULL, 0);
    case 4: return (uint64_t)wc_match_at32(t, len, len, NULL, 0);
    default: return 0;
    }
}

uint64_t wc_count(const void *text, size_t len, const void *needle,
                  size_t nlen, int width)
{
    if ((width != 1 && width != 2 && width != 4) ||
        wc_needle_impossible(needle, nlen, width))
        return 0;
    return wc_count_range(text, len, 0, len, needle, nlen, width) +
           wc_count_end(text, len, nlen, width);
}

struct wc_par_job {
    int plain_pass; /* wc_count_byte_parallel: count bytes equal to byte */
    uint8_t byte;
    const void *text;
    size_t len;
    const void *needle;
    size_t m;
    int width;
    size_t base, end; /* the starts counted: [base, end), in units */
    size_t chunk;     /* in units */
    _Atomic uint64_t total;
};

static void wc_par_task(void *ctx, size_t task)
{
    struct wc_par_job *job = ctx;
    size_t lo = job->base + task * job->chunk;
    size_t hi = job->end - lo < job->chunk ? job->end : lo + job->chunk;
    uint64_t n = job->plain_pass
        ? wc_byte_kernel()((const uint8_t *)job->text + lo, hi - lo, job->byte)
        : wc_count_range(job->text, job->len, lo, hi, job->needle, job->m,
                         job->width);
    atomic_fetch_add_explicit(&job->total, n, memory_order_relaxed);
}

/* Chunk size in units for a parallel job over `bytes` bytes: a whole number
 * of pages, WC_CHUNKS_PER_THREAD chunks a thread within the bounds. */
static size_t wc_chunk_units(size_t bytes, int threads, int width)
{
    size_t chunk = bytes / ((size_t)threads * WC_CHUNKS_PER_THREAD);
    if (chunk < WC_MIN_CHUNK)
        chunk = WC_MIN_CHUNK;
    if (chunk > WC_MAX_CHUNK)
        chunk = WC_MAX_CHUNK;
    return (chunk + 4095) / 4096 * 4096 / (size_t)width;
}

/* The starts [base, end) of job's text on the pool. */
static uint64_t wc_run_chunks(struct wc_par_job *job, int threads, size_t base,
                              size_t end)
{
    size_t n = end - base;
    job->base = base;
    job->end = end;
    job->chunk = wc_chunk_units(n * (size_t)job->width, threads, job->width);
    atomic_init(&job->total, 0);
    wc_pool_run(threads, wc_par_task, job, (n + job->chunk - 1) / job->chunk);
    return atomic_load(&job->total);
}

int wc_count_parallel(const void *text, size_t len, const void *needle,
                      size_t nlen, int width, int threads, uint64_t *count)
{
    if ((width != 1 && width != 2 && width != 4) || threads < 0 ||
        threads > WC_MAX_THREADS || count == NULL)
        return WC_EINVAL;
    if (threads == 0)
        threads = wc_default_threads();
    if (threads == 1 || len * (size_t)width < wc_parallel_threshold() ||
        wc_needle_impossible(needle, nlen, width)) {
        *count = wc_count(text, len, needle, nlen, width);
        return WC_OK;
    }
    struct wc_par_job job = {
        .text = text, .len = len, .needle = needle, .m = nlen, .width = width,
    };
    *count = wc_run_chunks(&job, threads, 0, len) +
             wc_count_end(text, len, nlen, width);
    return WC_OK;
}

int wc_count_parallel_io(const void *text, size_t len, const void *needle,
                         size_t nlen, int width, const wc_io_options *o,
                         uint64_t *count)
{
    int threads = o != NULL ? o->threads : 0;
    if ((width != 1 && width != 2 && width != 4) || threads < 0 ||
        threads > WC_MAX_THREADS || count == NULL)
        return WC_EINVAL;
    if (o == NULL || o->progress == NULL)
        return wc_count_parallel(text, len, needle, nlen, width, threads, count);
    if (threads == 0)
        threads = wc_default_threads();
    struct wc_ticker tk;
    wc_ticker_init(&tk, o->progress, o->progress_arg, o->interval_ms,
                   (uint64_t)len * (uint64_t)width);
    int rc = wc_tick(&tk, 1);
    uint64_t n = 0;
    if (!wc_needle_impossible(needle, nlen, width)) {
        struct wc_par_job job = {
            .text = text, .len = len, .needle = needle, .m = nlen, .width = width,
        };
        size_t win = WC_PROGRESS_WINDOW / (size_t)width;
        for (size_t lo = 0; rc == 0 && lo < len; lo += win) {
            size_t hi = len - lo < win ? len : lo + win;
            n += threads == 1 || (hi - lo) * (size_t)width < wc_parallel_threshold()
                ? wc_count_range(text, len, lo, hi, needle, nlen, width)
                : wc_run_chunks(&job, threads, lo, hi);
            tk.done = (uint64_t)hi * (uint64_t)width;
            rc = wc_tick(&tk, 0);
        }
        n += wc_count_end(text, len, nlen, width);
    }
    if (rc == 0) {
        tk.done = (uint64_t)len * (uint64_t)width;
        rc = wc_tick(&tk, 1);
    }
    if (rc != 0)
        return rc;
    *count = n;
    return WC_OK;
}

int wc_count_byte_parallel(const void *buf, size_t n, uint8_t c, int threads,
                           uint64_t *count)
{
    if (threads < 0 || threads > WC_MAX_THREADS || count == NULL)
        return WC_EINVAL;
    if (threads == 0)
        threads = wc_default_threads();
    if (threads == 1 || n < wc_parallel_threshold()) {
        *count = wc_byte_kernel()(buf, n, c);
        return WC_OK;
    }
    struct wc_par_job job = {.plain_pass = 1, .byte = c, .text = buf, .len = n,
                             .width = 1};
    *count = wc_run_chunks(&job, threads, 0, n);
    return WC_OK;
}
