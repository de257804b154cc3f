/*
 * test_range.c - wc_count_file_range and wc_freq_count_file_range, bytes
 * [lo, hi) of a file as a text of their own:
 *   - every range of a small file (empty words, "\r\n", a bare '\r', long
 *     lines), every needle of a list, on 1 to 4 threads with blocks of 1,
 *     2 and 5 bytes and the default: the literal reference count
 *     (reference.h) of the slice;
 *   - the arguments: lo > hi and a NULL path are WC_EINVAL, an empty range
 *     anywhere (past the end too) counts nothing, a range past the end of
 *     the file is WC_ETRUNCATED, a directory WC_EIO (EISDIR), a FIFO
 *     WC_EIO (ESPIPE) at once, without waiting for a writer.
 *
 * Closes with "N passed, N failed" (what CI reads).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "wordcount.h"

static const char TEXT[] =
    "ab  x\r\nab\rab ab\n\n x ab\r\n\r\nlonger line ab ab ab x\r \nab";

static const char *const NEEDLES[] = {"ab", "x", "", "x\r", "\r", "line"};
#define NN (sizeof NEEDLES / sizeof NEEDLES[0])

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "fopen %s", path);
    if (f == NULL)
        return;
    CHECK_EQ(fwrite(p, 1, n, f), n, "fwrite");
    fclose(f);
}

static void test_every_range(const char *path)
{
    size_t n = sizeof TEXT - 1;
    const void *nd[NN];
    size_t lens[NN];
    for (size_t k = 0; k < NN; k++) {
        nd[k] = NEEDLES[k];
        lens[k] = strlen(NEEDLES[k]);
    }
    static const size_t blocks[] = {1, 2, 5, 0};
    wc_set_parallel_threshold(1); /* a few bytes on several threads */
    for (int threads = 1; threads <= 4; threads++)
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            wc_io_options o = {.threads = threads, .block_size = blocks[b]};
            size_t wrong = 0;
            for (size_t lo = 0; lo <= n; lo++)
                for (size_t hi = lo; hi <= n; hi++) {
                    uint64_t counts[NN];
                    int rc = wc_count_file_range(path, lo, hi, nd, lens, NN,
                                                 &o, counts);
                    wrong += rc != WC_OK;
                    for (size_t k = 0; k < NN && rc == WC_OK; k++)
                        wrong += counts[k] != ref_count((const uint8_t *)TEXT + lo,
                                                        hi - lo, nd[k], lens[k]);
                }
            CHECK_EQ(wrong, 0, "threads %d block %zu", threads, blocks[b]);
        }
    wc_set_parallel_threshold(0);
}

static void test_arguments(const char *path, const char *dir)
{
    size_t n = sizeof TEXT - 1;
    const void *nd[1] = {"ab"};
    size_t lens[1] = {2};
    uint64_t c = 7;
    wc_word_opts wo = {.words = WC_WORDS_SPACE, .utf8 = 1, .threads = 1};
    wc_freq *f = wc_freq_new(1, &wo);
    CHECK(f != NULL, "wc_freq_new");
    CHECK_EQ(wc_count_file_range(path, 3, 2, nd, lens, 1, NULL, &c), WC_EINVAL, "lo > hi");
    CHECK_EQ(wc_count_file_range(NULL, 0, 2, nd, lens, 1, NULL, &c), WC_EINVAL, "NULL path");
    CHECK_EQ(wc_freq_count_file_range(f, WC_COUNT_ALL, path, 3, 2, NULL, NULL),
             WC_EINVAL, "freq: lo > hi");
    CHECK_EQ(wc_freq_count_file_range(f, WC_COUNT_ALL, NULL, 0, 2, NULL, NULL),
             WC_EINVAL, "freq: NULL path");
    uint64_t at[] = {0, n, n + 1, UINT64_MAX};
    for (size_t i = 0; i < 4; i++) {
        c = 7;
        CHECK_EQ(wc_count_file_range(path, at[i], at[i], nd, lens, 1, NULL, &c),
                 WC_OK, "empty at %llu", (unsigned long long)at[i]);
        CHECK_EQ(c, 0, "empty at %llu", (unsigned long long)at[i]);
        CHECK_EQ(wc_freq_count_file_range(f, WC_COUNT_ALL, path, at[i], at[i], NULL, NULL),
                 WC_OK, "freq: empty at %llu", (unsigned long long)at[i]);
    }
    CHECK_EQ(wc_freq_size(f), 0, "empty ranges: no words");
    CHECK_EQ(wc_count_file_range(path, 0, n + 1, nd, lens, 1, NULL, &c),
             WC_ETRUNCATED, "past the end");
    CHECK_EQ(wc_count_file_range(path, n + 1, n + 2, nd, lens, 1, NULL, &c),
             WC_ETRUNCATED, "all past the end");
    CHECK_EQ(wc_freq_count_file_range(f, WC_COUNT_ALL, path, 1, n + 1, NULL, NULL),
             WC_ETRUNCATED, "freq: past the end");
    CHECK_EQ(wc_freq_size(f), 0, "an error adds no word");
    errno = 0;
    CHECK_EQ(wc_count_file_range(dir, 0, 1, nd, lens, 1, NULL, &c), WC_EIO, "a directory");
    CHECK_EQ(errno, EISDIR, "a directory");
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
    errno = 0;
    /* No writer: the open must not wait, the read fails. */
    CHECK_EQ(wc_count_file_range(fifo, 0, 4, nd, lens, 1, NULL, &c), WC_EIO, "a FIFO");
    CHECK_EQ(errno, ESPIPE, "a FIFO");
    CHECK_EQ(wc_freq_count_file_range(f, WC_COUNT_ALL, fifo, 0, 4, NULL, NULL),
             WC_EIO, "freq: a FIFO");
    unlink(fifo);
    wc_freq_free(f);
}

int main(void)
{
    char dir[] = "/tmp/wc_test_range_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[4096];
    snprintf(path, sizeof path, "%s/text", dir);
    write_file(path, TEXT, sizeof TEXT - 1);
    test_every_range(path);
    test_arguments(path, dir);
    unlink(path);
    rmdir(dir);
    return check_report();
}
