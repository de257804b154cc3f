/*
 * count.c - counting a text in memory: on the calling thread, or split into
 * chunks that the pool's threads claim.
 *
 * Chunks are cut at any place, not at lines: a kernel counts the matches that
 * start in its chunk and may look one unit before and m + 1 units after it
 * (wc_impl.h), and the whole text is in memory, so a match, a "\r\n" or an
 * empty word at a chunk edge is counted exactly once.
 */
#include <stdatomic.h>

#include "wc_impl.h"

/* Below this many bytes a parallel count runs on the calling thread: waking a
 * worker costs about as much as counting this much (measured with
 * benchmarks/threshold.py; see README "Performance"). */
#define WC_PARALLEL_THRESHOLD ((size_t)256 * 1024)
/* Chunks a parallel job is cut into, per thread: more balance uneven
 * progress (another process on a core); fewer cost fewer claims. */
#define WC_CHUNKS_PER_THREAD 8
/* Bounds on a chunk, in bytes. */
#define WC_MIN_CHUNK ((size_t)64 * 1024)
#define WC_MAX_CHUNK ((size_t)16 * 1024 * 1024)

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
    default: return "unknown error";
    }
}

size_t wc_parallel_threshold(void)
{
    return WC_PARALLEL_THRESHOLD;
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
    case 2: return wc_count_u16(t, len, lo, hi, needle, m);
    case 4: return wc_count_u32(t, len, lo, hi, needle, m);
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
    const void *text;
    size_t len;
    const void *needle;
    size_t m;
    int width;
    size_t chunk; /* in units */
    _Atomic uint64_t total;
};

static void wc_par_task(void *ctx, size_t task)
{
    struct wc_par_job *job = ctx;
    size_t lo = task * job->chunk;
    size_t hi = job->len - lo < job->chunk ? job->len : lo + job->chunk;
    uint64_t n = wc_count_range(job->text, job->len, lo, hi, job->needle,
                                job->m, job->width);
    atomic_fetch_add_explicit(&job->total, n, memory_order_relaxed);
}

int wc_count_parallel(const void *text, size_t len, const void *needle,
                      size_t nlen, int width, int threads, uint64_t *count)
{
    if ((width != 1 && width != 2 && width != 4) || threads < 0 ||
        threads > WC_MAX_THREADS || count == NULL)
        return WC_EINVAL;
    if (threads == 0)
        threads = wc_default_threads();
    size_t bytes = len * (size_t)width;
    if (threads == 1 || bytes < WC_PARALLEL_THRESHOLD ||
        wc_needle_impossible(needle, nlen, width)) {
        *count = wc_count(text, len, needle, nlen, width);
        return WC_OK;
    }
    size_t chunk = bytes / ((size_t)threads * WC_CHUNKS_PER_THREAD);
    if (chunk < WC_MIN_CHUNK)
        chunk = WC_MIN_CHUNK;
    if (chunk > WC_MAX_CHUNK)
        chunk = WC_MAX_CHUNK;
    chunk = (chunk + 4095) / 4096 * 4096 / (size_t)width;
    struct wc_par_job job = {
        .text = text, .len = len, .needle = needle, .m = nlen,
        .width = width, .chunk = chunk,
    };
    atomic_init(&job.total, 0);
    wc_pool_run(threads, wc_par_task, &job, (len + chunk - 1) / chunk);
    *count = atomic_load(&job.total) + wc_count_end(text, len, nlen, width);
    return WC_OK;
}
