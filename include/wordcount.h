/*
 * wordcount.h - public interface of the word-count core library.
 *
 * The core counts whole-word occurrences of a needle in a text.  It knows
 * nothing of Python: the CPython extension, the `wordcount` command-line tool
 * and the C tests are all clients of this header.
 *
 * Semantics (identical for every function, kernel and thread count):
 *   - Lines are those of Rust's str::lines: the text is split at '\n'; a '\n'
 *     at the very end ends the last line and does not start an empty one; one
 *     '\r' immediately before a '\n' belongs to the line ending; a bare '\r' at
 *     the very end stays in the last line.  An empty text has no lines.
 *   - The words of a line are the pieces of that line split at ' ' (U+0020)
 *     only, empty pieces included.
 *   - The count is the number of words equal to the needle, unit for unit.
 *     A needle holding ' ' or '\n' never matches; the empty needle counts
 *     empty words.
 *
 * Texts are arrays of code units of 1, 2 or 4 bytes (UTF-8 or Latin-1 bytes,
 * UCS-2, UCS-4: the three representations CPython uses for str); the needle
 * has the same unit width as the text.
 */
#ifndef WORDCOUNT_H
#define WORDCOUNT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * WC_API marks the functions of this interface.  The core is a static
 * library compiled with hidden visibility and linked into its clients, so no
 * wc_* symbol leaks out of the Python extension; a shared build of the core
 * defines WC_BUILD_SHARED to export exactly the marked functions.
 */
#ifndef WC_API
#  if defined(WC_BUILD_SHARED) && defined(__GNUC__)
#    define WC_API __attribute__((visibility("default")))
#  else
#    define WC_API
#  endif
#endif

#define WC_VERSION "0.1.0"

/* Error codes: every fallible function returns 0 or one of these. */
enum {
    WC_OK = 0,
    WC_ENOMEM = -1,      /* an allocation failed */
    WC_EINVAL = -2,      /* an argument is out of its documented range */
    WC_ENOKERNEL = -3,   /* the kernel named is unknown or this CPU lacks it */
    WC_EIO = -4,         /* a system call failed: see errno */
    WC_EINTR = -5,       /* the caller's cancel callback asked to stop */
    WC_ETRUNCATED = -6,  /* a file shrank while it was being read */
    WC_EUTF8 = -7,       /* the bytes are not UTF-8: see the error offset */
    WC_EFORKED = -8,     /* fork() was called during the count (from its
                            callback): the count does not go on in the child */
    WC_EOVERFLOW = -9,   /* a count would pass WC_COUNT_MAX
                            (wc_freq_add_packed), or a text WC_UNITS_MAX
                            units */
};

/* The limits of a frequency table (each entry keeps a count of 48 bits and
 * the place of a word's first occurrence, unit * 4 + 2 bits, in 48): a
 * count, a sum of counts merged included, is at most WC_COUNT_MAX; a text,
 * file or stream counted into one has at most WC_UNITS_MAX units (64 TiB
 * of bytes), and merged tables as many in all.  Past them: WC_EOVERFLOW.
 * A text of WC_UNITS_MAX units has fewer words than WC_COUNT_MAX. */
#define WC_COUNT_MAX ((((uint64_t)1) << 48) - 1)
#define WC_UNITS_MAX ((((uint64_t)1) << 46) - 1)

/* The largest thread count a caller may ask for. */
#define WC_MAX_THREADS 256

/* A human-readable message for a WC_* code (never NULL). */
WC_API const char *wc_strerror(int code);

/*
 * Count on the calling thread alone.  `width` is the size in bytes of one
 * code unit of both `text` and `needle` (1, 2 or 4); `len` and `nlen` are in
 * units.  Returns the count; a width other than 1, 2 or 4 counts 0.
 */
WC_API uint64_t wc_count(const void *text, size_t len, const void *needle,
                         size_t nlen, int width);

/*
 * Count on up to `threads` threads of the shared pool, the calling thread
 * included (0 means wc_default_threads()).  Small texts are counted on the
 * calling thread alone.  Never fails for want of threads: if the pool cannot
 * start a worker, the calling thread does the work.
 * Returns WC_OK, or WC_EINVAL for a bad width or thread count.
 */
WC_API int wc_count_parallel(const void *text, size_t len, const void *needle,
                             size_t nlen, int width, int threads,
                             uint64_t *count);

/*
 * wc_count_parallel with the options of a file count (wordcount.h, below):
 * o->threads as `threads`, and o->progress called from the calling thread
 * at the start, between windows of the text at most every o->interval_ms,
 * and at the end (done and total in bytes); a nonzero answer stops the count
 * with WC_EINTR (*count then untouched).  o NULL: wc_count_parallel's
 * default threads, no callback.
 */
struct wc_io_options;
WC_API int wc_count_parallel_io(const void *text, size_t len,
                                const void *needle, size_t nlen, int width,
                                const struct wc_io_options *o, uint64_t *count);

/* Texts shorter than this many bytes are counted on the calling thread. */
WC_API size_t wc_parallel_threshold(void);

/* ---- threads ---------------------------------------------------------- */

/*
 * The default thread count: WORD_COUNT_THREADS when it holds a whole number
 * from 1 to WC_MAX_THREADS, else the CPUs this process may use (affinity mask
 * and cgroup CPU quota).  Computed once per process (again after fork).
 */
WC_API int wc_default_threads(void);

/* The CPUs this process may use (affinity mask and cgroup quota), >= 1. */
WC_API int wc_available_cpus(void);

/*
 * 0 when WORD_COUNT_THREADS is unset or valid; 1 when it is set but is not a
 * whole number from 1 to WC_MAX_THREADS (it is then ignored).
 */
WC_API int wc_threads_env_invalid(void);

/* The same for WORD_COUNT_POOL_IDLE (a number of seconds >= 0, or "inf")
 * and WORD_COUNT_HASH_SEED (an unsigned integer below 2^64: decimal, 0x hex
 * or 0 octal): 1 when set but not one, and then ignored (the default idle
 * time; a key drawn from the OS). */
WC_API int wc_pool_idle_env_invalid(void);
WC_API int wc_hash_seed_env_invalid(void);

/*
 * Stop the pool's workers now and wait until they have exited (joined), so
 * that the process is single-threaded again (before fork(), for leak
 * checkers).  Idle workers also exit by themselves after
 * WORD_COUNT_POOL_IDLE seconds (read at first use; default 2, "inf":
 * never).  The next parallel count starts workers again.  Safe while other
 * threads count: it waits for busy workers to finish their current task;
 * those counts finish correctly on their calling threads.
 */
WC_API void wc_pool_shutdown(void);

/* ---- kernels ---------------------------------------------------------- */

/* The name of the kernel that byte texts are counted with:
 * "scalar", "sse2", "avx2" or "avx512". */
WC_API const char *wc_kernel_name(void);

/* 1 if the kernel `name` is compiled in and this CPU and OS support it. */
WC_API int wc_kernel_supported(const char *name);

/*
 * Use kernel `name` from now on ("auto" restores the automatic choice).
 * Returns WC_OK or WC_ENOKERNEL.  The environment variable
 * WORD_COUNT_KERNEL, read at first use, does the same.
 */
WC_API int wc_force_kernel(const char *name);

/* ---- progress and cancellation ---------------------------------------- */

/*
 * A progress and cancel callback for the long counts (files and streams:
 * wc_io_options; words of a text in memory: wc_freq_set_progress, which say
 * when it is called).  `done` bytes of `total` have been counted (total is
 * WC_SIZE_UNKNOWN when the size is not known).  It runs on the thread that
 * called the count, never on a pool thread.  Returns 0 to go on; nonzero
 * stops the count, which then returns WC_EINTR.
 */
typedef int (*wc_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* The total passed to the progress callback when the size is not known. */
#define WC_SIZE_UNKNOWN UINT64_MAX

/* ---- words, frequencies and many needles ------------------------------- */

/*
 * Two ways to cut a text into words:
 *   WC_WORDS_SPACE    the words of the semantics above (empty ones included:
 *                     frequencies leave them out, needles count them);
 *   WC_WORDS_UNICODE  maximal runs of code points c with c.isalnum() or
 *                     c == '_' in Python's sense (what \w matches in a str
 *                     regular expression: re.findall(r"\w+", text)).
 * With casefold, words are compared after full case folding (Python's
 * str.casefold()): in space mode each word is folded; in unicode mode the
 * text is folded first and the runs are those of the folded text, so the
 * words are re.findall(r"\w+", text.casefold()).
 *
 * A text of width 1 is either Latin-1 code points (a CPython str of kind 1)
 * or bytes (utf8 = 1).  Bytes are bytes in space mode without casefold;
 * otherwise they are decoded as UTF-8.  utf8 = WC_UTF8_STRICT (1): invalid
 * UTF-8 fails with WC_EUTF8 and the offset of the first bad byte (where
 * CPython's UnicodeDecodeError starts).  utf8 = WC_UTF8_REPLACE (2): the
 * words are those of bytes.decode("utf-8", "replace"): each maximal invalid
 * subpart is one U+FFFD, a non-word character in unicode mode (as ripgrep
 * and grep -w in a UTF-8 locale treat such bytes) and part of the word (as
 * UTF-8 EF BF BD in folded keys) in space mode with casefold.
 */
enum { WC_WORDS_SPACE = 0, WC_WORDS_UNICODE = 1 };
enum { WC_UTF8_STRICT = 1, WC_UTF8_REPLACE = 2 };

typedef struct {
    int words;    /* WC_WORDS_SPACE or WC_WORDS_UNICODE */
    int casefold; /* 0 or 1 */
    int utf8;     /* width 1 only: 0: Latin-1; the text is UTF-8 bytes and
                     invalid UTF-8 is an error (1, WC_UTF8_STRICT) or U+FFFD
                     (2, WC_UTF8_REPLACE) */
    int threads;  /* 0: wc_default_threads() */
} wc_word_opts;

/* The Unicode version of the core's tables ("15.1.0"), the same in every
 * build. */
WC_API const char *wc_unicode_version(void);

/*
 * A word as the core hands it out: a key of `len` units of `width` bytes.
 * Words that are not transformed are slices of the text (its width); folded
 * words are UTF-8 (width 1) for UTF-8 text and UTF-32 (width 4) otherwise.
 * `pos` is the word's first unit in the text.
 */
typedef int (*wc_word_fn)(void *ctx, const void *key, size_t len, int width,
                          size_t pos);

/*
 * Every word of the text in order, on the calling thread (empty words of
 * space mode included).  Stops at the first nonzero return of fn and returns
 * it.  Returns WC_OK, WC_EINVAL, WC_ENOMEM or WC_EUTF8 (*err_offset set).
 */
WC_API int wc_words_foreach(const void *text, size_t len, int width,
                            const wc_word_opts *opts, wc_word_fn fn, void *ctx,
                            size_t *err_offset);

/*
 * A table of words and counts: the result of wc_freq_count_all, or a set of
 * needles that wc_freq_count_needles counts.  Memory: proportional to the
 * distinct words (keys of untransformed words point into the text, which
 * must outlive the table; folded keys are copied, a long one costing at
 * most about twice its final size at the peak).  The tables hash with a key
 * drawn once per process from the OS (getrandom), so that no text can make
 * many words collide; the environment variable WORD_COUNT_HASH_SEED (an
 * integer, as strtoull reads it) fixes it for reproducible runs.  No result
 * and no order depends on it.  Out of memory, every function leaves the
 * table as it was before the call.
 */
typedef struct wc_freq wc_freq;

/* A table for texts of `width` (1, 2, 4) cut as `opts` says.  NULL when out
 * of memory or the arguments are out of range. */
WC_API wc_freq *wc_freq_new(int width, const wc_word_opts *opts);
WC_API void wc_freq_free(wc_freq *f);

/*
 * Add a needle (nwidth: 1, 2 or 4; for UTF-8 tables nwidth 1 is UTF-8) and
 * get its id in *id; equal needles (after folding) get the same id.  A
 * needle that no word can equal (wider than the text, holding ' ' or '\n' in
 * space mode, ...) may get id WC_NO_ID.  Returns WC_OK, WC_ENOMEM, WC_EINVAL
 * or WC_EUTF8 (*err_offset: the offset in the needle) when the table decodes
 * UTF-8 (unicode words or casefold) and the needle is not valid UTF-8.
 * Needles are added before the first count: after one (of the needles, of
 * a file's, or of every word), WC_EINVAL.
 */
#define WC_NO_ID ((size_t)-1)
WC_API int wc_freq_add_needle(wc_freq *f, const void *needle, size_t nlen,
                              int nwidth, size_t *id, size_t *err_offset);

/* Count the words of text (len units of the table's width) that equal a
 * needle, in one pass on opts.threads threads. */
WC_API int wc_freq_count_needles(wc_freq *f, const void *text, size_t len,
                                 size_t *err_offset);

/* Count every non-empty word of the text into the (needle-free) table, in
 * one pass on opts.threads threads: per-thread tables, merged. */
WC_API int wc_freq_count_all(wc_freq *f, const void *text, size_t len,
                             size_t *err_offset);

/*
 * Progress and cancellation of the next wc_freq_count_needles and
 * wc_freq_count_all on f (fn NULL: none, the default).  The threads claim
 * the text in spans of about 1 MiB, cut where no word continues (a longer
 * word makes a longer span); between two of its spans the calling thread
 * calls fn, at most every interval_ms (0: 100 ms) and never at the start or
 * at the end, so a count shorter than interval_ms makes no call.  `done` is
 * the bytes of the spans counted so far, `total` the text's bytes.  When fn
 * asks to stop, every thread stops at the end of its span, and the count
 * returns WC_EINTR and leaves f as it was before the count: it may be freed,
 * or count again.  The words and counts never depend on fn.
 */
WC_API void wc_freq_set_progress(wc_freq *f, wc_progress_fn fn, void *arg,
                                 unsigned interval_ms);

/* The count of needle `id` (0 for WC_NO_ID). */
WC_API uint64_t wc_freq_needle_count(const wc_freq *f, size_t id);

/*
 * Order the words: by_count = 0: by first occurrence in the text; 1: by
 * count, most common first, ties by first occurrence (the order does not
 * depend on the thread count).  Returns WC_OK, WC_ENOMEM, or WC_EINVAL
 * after wc_freq_release.
 */
WC_API int wc_freq_sort(wc_freq *f, int by_count);

/*
 * As wc_freq_sort, for a read-out by wc_freq_packed_size and wc_freq_pack
 * (arrays), which keeps nothing per word:
 *   - the keys that wc_freq_get gives narrowed after wc_freq_sort (see
 *     there) were counted as UTF-8, and stay so: wc_freq_get gives them as
 *     their UTF-8 bytes (width 1), and wc_freq_pack writes them as they
 *     are (with utf8 1, what it writes of the narrowed keys), not encoded
 *     again;
 *   - the words stay where the count left them, and their order is an
 *     index beside them (8 bytes a word), which wc_freq_get,
 *     wc_freq_packed_size and wc_freq_pack read through: no copy of the
 *     words is made, and the memory at the peak is less.  But
 *     wc_freq_release then gives nothing back (the words are read in order
 *     from places all over the table, which is held until wc_freq_free).
 *     No memory for the index: the words are moved as by wc_freq_sort.
 * wc_freq_sort or wc_freq_sort_top after it sort (and narrow) as usual.
 * Returns as wc_freq_sort.
 */
WC_API int wc_freq_sort_for_pack(wc_freq *f, int by_count);

/* As wc_freq_sort(f, 1) for the k most common words only: words 0 ..
 * min(k, n) - 1 are the first of wc_freq_sort(f, 1), in its order; the
 * others follow in no given order.  O(n log k) time: no full sort for a
 * small k.  Returns WC_OK, WC_ENOMEM, or WC_EINVAL after wc_freq_release. */
WC_API int wc_freq_sort_top(wc_freq *f, size_t k);

/* The number of distinct words, and word i in the current order.  Keys as
 * wc_words_foreach hands them out, except the words counted by
 * wc_freq_count_all in a text of width 2 or 4 and the folded words of a
 * Latin-1 text: after wc_freq_sort or wc_freq_sort_top each of those comes
 * in the narrowest width that holds its code points (*width 1: Latin-1, 2:
 * UCS-2, 4: UTF-32), as CPython stores a str; before, after
 * wc_freq_sort_for_pack, or after wc_freq_keep_utf8, as its UTF-8 (width
 * 1; a lone surrogate in its 3-byte form, a unit above U+10FFFF of a 4-byte
 * text in a longer form of the same pattern). */
WC_API size_t wc_freq_size(const wc_freq *f);
WC_API void wc_freq_get(const wc_freq *f, size_t i, const void **key,
                        size_t *len, int *width, uint64_t *count);

/*
 * The keys that a sort narrows (see wc_freq_get) stay UTF-8 through every
 * later sort of f: for a reader that decodes each key itself as it reads it
 * (the Python extension, into str keys), where the narrowing is a pass over
 * every key (all of them for the few words of wc_freq_sort_top too) and a
 * copy of the keys wider than 1 byte.  Call it before the sort.
 * wc_freq_keys_utf8 is 1 when wc_freq_get gives such keys as UTF-8: after
 * a count of such a text (found words or not), until a sort narrows them;
 * else 0.
 */
WC_API void wc_freq_keep_utf8(wc_freq *f);
WC_API int wc_freq_keys_utf8(const wc_freq *f);

/*
 * After a sort: words 0 .. i - 1 will not be read again, so the memory they
 * hold may go back to the OS (a reader of the words in order calls it as it
 * goes, so that a table of millions of words shrinks while their copies
 * grow).  From then on wc_freq_get gives those words as empty, count 0,
 * and the table cannot be sorted or merged again (WC_EINVAL); it may be
 * read on from word i, and freed.  Before wc_freq_sort or wc_freq_sort_top,
 * and after a wc_freq_sort_for_pack that kept an index, it does nothing.
 */
WC_API void wc_freq_release(wc_freq *f, size_t i);

/*
 * For a reader of keys kept as UTF-8 (wc_freq_keep_utf8) that makes its own
 * copy of each: word i, after a sort, when its key is longer than
 * WC_FREQ_LONG_KEY bytes, holds a character above U+007F and none above
 * U+00FF, is narrowed to Latin-1 in place and the memory its UTF-8 took
 * beyond that goes back to the OS, so that the copy is made beside the
 * word's final size, not beside its UTF-8 as well (a word of Latin-1
 * letters: 2 bytes a character).  Then *key is its len Latin-1 characters
 * (valid until f is freed), *count its count, words 0 .. i are released as
 * by wc_freq_release(f, i + 1), and it returns 1.  Otherwise it returns 0
 * and changes nothing: read the word with wc_freq_get.
 */
#define WC_FREQ_LONG_KEY ((size_t)64 * 1024)
WC_API int wc_freq_take_latin1(wc_freq *f, size_t i, const void **key,
                               size_t *len, uint64_t *count);

/*
 * Words lo .. hi - 1 (of wc_freq_get, in the current order) packed one
 * after another, for a columnar result: as they are when utf8 is 0 (the
 * keys of bytes); with utf8 1, every unit as UTF-8, a width 1 key taken
 * as Latin-1 and a surrogate as its 3-byte form (what CPython's
 * str.encode("utf-8", "surrogatepass") gives), except keys that wc_freq_get
 * gives as UTF-8 (see there), which are that already and written as they
 * are.  wc_freq_packed_size is
 * the bytes they take; wc_freq_pack writes word i at data + offsets[i],
 * from data + at on, and its count at counts[i], and returns the offset
 * after the last (offsets and counts are indexed by word, data by byte:
 * call it again for the next words with that offset).
 */
WC_API size_t wc_freq_packed_size(const wc_freq *f, size_t lo, size_t hi,
                                  int utf8);
WC_API size_t wc_freq_pack(const wc_freq *f, size_t lo, size_t hi, int utf8,
                           uint8_t *data, size_t at, int64_t *offsets,
                           uint64_t *counts);

/*
 * Words 0 .. n - 1 packed as wc_freq_pack(f, 0, n, utf8, data, 0, offsets,
 * counts) packs them (data holds wc_freq_packed_size(f, 0, n, utf8)
 * bytes), then released (wc_freq_release(f, n)); returns the bytes
 * written.  With several threads (f's, as it counted) and tens of
 * thousands of words, the pool's threads pack parts of them at once, each
 * from the sum of the sizes of the parts before; with one, the words are
 * packed in order and released as they go.  f may only be freed after.
 *
 * The same in two steps, for a caller that must know the size of data
 * before it has data: wc_freq_pack_plan returns it and fills *plan with
 * the parts and their sizes (on f's threads); wc_freq_pack_planned(f,
 * plan, ...) then packs as wc_freq_pack_all(f, plan->n, plan->utf8, ...)
 * does, without computing the sizes again.  Nothing may change f in
 * between (data is written where the plan says).  The plan's fields are
 * the core's but for size.
 */
typedef struct wc_pack_plan {
    size_t n, size, nparts;
    int utf8, threads, back;
    size_t at[WC_MAX_THREADS + 1]; /* part p from byte at[p] (back: the
                                    * last part ends at size instead) */
} wc_pack_plan;

WC_API size_t wc_freq_pack_all(wc_freq *f, size_t n, int utf8, uint8_t *data,
                               int64_t *offsets, uint64_t *counts);
WC_API size_t wc_freq_pack_plan(const wc_freq *f, size_t n, int utf8,
                                wc_pack_plan *plan);
WC_API size_t wc_freq_pack_planned(wc_freq *f, const wc_pack_plan *plan,
                                   uint8_t *data, int64_t *offsets,
                                   uint64_t *counts);

/*
 * Memory for the offsets and counts arrays of a pack of all n words, lent
 * by the table: after a wc_freq_sort_for_pack that kept an index, when the
 * table's empty slots have room, two arrays of n + 1 uint64 each, in pages
 * that the count wrote already (fresh memory is zeroed by the kernel first:
 * for millions of words that costs more than writing the arrays).  The
 * counts array is the index itself: a pack writes each word's count over
 * its place there once it has read it, so only wc_freq_pack_all or
 * wc_freq_pack_planned may fill them (both give back the words they pack:
 * wc_freq_release).  WC_OK; else WC_EINVAL (no such room, or lent already:
 * the caller allocates its own; or n is more than the words).  Once the
 * words are packed into them, the caller takes them with
 * wc_freq_take_arrays.
 */
WC_API int wc_freq_lend_arrays(wc_freq *f, size_t n, int64_t **offsets,
                               uint64_t **counts);

/*
 * The memory of the lent arrays handed over to the caller: *base .. *base +
 * *len holds both (where wc_freq_lend_arrays put them); every other page of
 * it has gone back to the OS.  f holds no word after (it may only be freed).
 * The caller frees the memory with wc_freq_arrays_free(*base, *len).
 * WC_EINVAL if no arrays were lent.
 */
WC_API int wc_freq_take_arrays(wc_freq *f, void **base, size_t *len);
WC_API void wc_freq_arrays_free(void *base, size_t len);

/*
 * Add the words of src to dst (two count-all tables that cut words alike:
 * the same wc_freq_new arguments), keeping dst's order: counts are added,
 * and the words new to dst come after dst's own in order of first
 * occurrence, in src's order of first occurrence.  So tables of several
 * inputs merged one after another order ties (wc_freq_sort) by input, then
 * by place in it.  src is sorted by first occurrence (wc_freq_sort(src,
 * 0)) and only read after: it may be freed at once (keys are copied).  Time
 * linear in src's words.  Returns WC_OK; WC_EINVAL when the tables differ,
 * hold needles, dst was sorted, or either holds keys narrowed to several
 * widths (wc_freq_get); WC_ENOMEM or WC_EOVERFLOW (a count would pass
 * WC_COUNT_MAX, or the units merged WC_UNITS_MAX), and dst's words and
 * counts are as they were.
 */
WC_API int wc_freq_merge_into(wc_freq *dst, wc_freq *src);

/*
 * Add n words given packed, as wc_freq_pack writes them (word i is bytes
 * data[offsets[i] .. offsets[i + 1]), counted counts[i] times; offsets has
 * n + 1 entries), to a count-all table of width 1, as wc_freq_merge_into
 * adds a table: counts are added, and the words new to f come after f's
 * own, in their order here (a word given twice counts both times, in the
 * place of its first).  The bytes are keys as they are (not cut into words,
 * folded or checked as UTF-8 again); an empty word is a word.  So the
 * results of consecutive pieces of a text, each in order of first
 * occurrence (wc_freq_sort(f, 0)), added one after another, are the
 * result of the whole text.  data, offsets and counts are only read, during
 * the call.  Time linear in n and the bytes.  Returns WC_OK; WC_EINVAL when
 * an offset is negative, beyond size or below the one before (nothing
 * added), or f is not a count-all table of width 1 that wc_freq_merge_into
 * could add to; WC_ENOMEM or WC_EOVERFLOW (a count would pass WC_COUNT_MAX,
 * or the words added in all WC_UNITS_MAX), and f's words and counts are as
 * they were.
 */
WC_API int wc_freq_add_packed(wc_freq *f, const uint8_t *data, size_t size,
                              const int64_t *offsets, const uint64_t *counts,
                              size_t n);

/* ---- files and streams (input.c, input_needles.c, input_words.c) ------ */

/*
 * Counting bytes that come from a file or a stream, with the semantics above
 * (width 1: the content is bytes).  Several needles are counted in one pass:
 * each block is read once and every needle counted on it while it is in
 * cache; counts[k] receives the count of needles[k] (lens[k] bytes).
 *
 * Regular files are read with pread() into one buffer per thread (no mmap:
 * a file that shrinks during the count can never raise SIGBUS), in blocks
 * that the pool's threads claim; pipes, terminals, sockets and files that
 * report size 0 (/proc) are read with read() in blocks on the calling
 * thread.  Matches, "\r\n" and empty words across block edges count exactly
 * once.  Each byte is read about once (at most 1/8 more), whatever the
 * needles' lengths; memory: about threads x 1.125 x block_size bytes plus
 * the needles, whatever the size of the input.  Needles that hold ' ' or
 * '\n', or are longer than the file, are not looked for; a needle longer
 * than block_size / 8 makes a regular file be read in order on the calling
 * thread.
 *
 * A regular file is counted from offset 0 (wc_count_file) or from the fd's
 * offset (wc_count_fd) up to the size it had when the count began; bytes
 * appended meanwhile are not counted.  If it shrinks below that size while it
 * is read, the count fails with WC_ETRUNCATED (nothing is counted).
 */

/*
 * Supplies a stream's bytes for wc_count_reader: writes at most n bytes at buf
 * and returns how many (> 0), 0 at the end of the stream, or a negative WC_*
 * code to stop the count with that code.  More than n, or a value below
 * INT_MIN, stops the count with WC_EINVAL.  Called from the calling thread.
 */
typedef ptrdiff_t (*wc_read_fn)(void *arg, void *buf, size_t n);

/* Options of the file and stream counts.  All-zero means the defaults. */
typedef struct wc_io_options {
    int threads;           /* 0: wc_default_threads(); 1..WC_MAX_THREADS */
    size_t block_size;     /* bytes read at a time per thread; 0: the default
                              (wc_io_default_block_size()); any value >= 1
                              works (tests use tiny blocks to put a block
                              edge on every byte) */
    /* Called from the calling thread only: at the start (done == 0), at
     * most every interval_ms while the count runs, and once at the end
     * (done == the bytes read); a nonzero answer stops the count with
     * WC_EINTR (workers stop between blocks).  Also called when a read() of
     * a stream fails with EINTR (a signal), before it is retried. */
    wc_progress_fn progress; /* NULL: none */
    void *progress_arg;
    unsigned interval_ms;  /* between progress calls; 0: 100 ms */
    const void *prefix;    /* counts of an fd only (wc_count_fd,
                              wc_freq_count_fd): bytes that come before the
                              fd's content (what a caller's own buffer read
                              ahead from the fd); the fd is then read as a
                              stream */
    size_t prefix_len;
} wc_io_options;

/* The default block size, in bytes. */
WC_API size_t wc_io_default_block_size(void);

/*
 * Count in the file at `path`.  `opt` may be NULL (the defaults).
 * Returns WC_OK; WC_EIO with errno set when a system call fails (open,
 * fstat, read: ENOENT, EACCES, EISDIR for a directory, ...); WC_ETRUNCATED;
 * WC_EINTR when the progress callback asked to stop; WC_ENOMEM; WC_EINVAL.
 * counts[] is filled only on WC_OK.
 */
WC_API int wc_count_file(const char *path, const void *const needles[],
                         const size_t lens[], size_t nneedles,
                         const wc_io_options *opt, uint64_t counts[]);

/*
 * Count what remains to be read from `fd`: a regular file of nonzero size
 * from its offset to its end (in parallel with pread; the offset is then
 * set to the end), anything else with read() to end of stream.  The fd is
 * neither closed nor otherwise changed.  Returns as wc_count_file.
 */
WC_API int wc_count_fd(int fd, const void *const needles[],
                       const size_t lens[], size_t nneedles,
                       const wc_io_options *opt, uint64_t counts[]);

/*
 * Count bytes [lo, hi) of the file at `path` as a text of their own: the
 * same counts as wc_count on those bytes alone (the range's first byte
 * starts a line, its last ends the text), whatever the bytes around it.  A
 * regular file is read as wc_count_file reads one, in blocks on
 * opt->threads threads; anything else at `path` (a FIFO, a device) with
 * pread() on the calling thread, never waiting for a writer (a FIFO fails
 * with WC_EIO, errno ESPIPE).  lo == hi counts an empty text (wherever they
 * are); a regular file that ends before hi fails with WC_ETRUNCATED, as one
 * that shrinks below hi while it is read.  lo > hi: WC_EINVAL.
 * opt->prefix is ignored.  Returns as wc_count_file.
 */
WC_API int wc_count_file_range(const char *path, uint64_t lo, uint64_t hi,
                               const void *const needles[],
                               const size_t lens[], size_t nneedles,
                               const wc_io_options *opt, uint64_t counts[]);

/* The size to cut the file at `path` into byte ranges by (wc_count_file_range):
 * *size its size, or WC_SIZE_UNKNOWN for a file to read whole as a stream, as
 * wc_count_file reads it: not a regular file (a FIFO, a device), empty, or one
 * whose size is made up (proc reports 0, sysfs 4,096 for a few bytes).
 * WC_EIO (errno) when it cannot be looked at, or is a directory (EISDIR). */
WC_API int wc_file_size(const char *path, uint64_t *size);

/*
 * Count a stream whose bytes `read` supplies (Python file objects, ...), on
 * the calling thread.  opt->threads and opt->prefix are ignored.
 */
WC_API int wc_count_reader(wc_read_fn read, void *read_arg,
                           const void *const needles[], const size_t lens[],
                           size_t nneedles, const wc_io_options *opt,
                           uint64_t counts[]);

/* ---- words of files and streams: frequencies, needles in words= modes -- */

/*
 * Count the words of a file or stream into a table (wc_freq_new with width 1
 * and utf8 = 1: the content is bytes, UTF-8 when the words are decoded):
 *   WC_COUNT_ALL      every non-empty word is added to the table's words (a
 *                     table without needles; several inputs may be counted
 *                     into one table before wc_freq_sort);
 *   WC_COUNT_NEEDLES  the words equal to its needles are added to
 *                     wc_freq_needle_count (needles added before).
 * The results equal those of wc_freq_count_all / wc_freq_count_needles on
 * the whole content in memory, but memory is that of the I/O functions above
 * (threads x block_size) plus the table and, with WC_COUNT_ALL, the longest
 * word (WC_COUNT_NEEDLES counts a word longer than any needle can match,
 * and a run of words with no place between them to cut, such as U+1FB7
 * folded, in pieces, a few block sizes at a time): files are read
 * with pread() in blocks on the pool's threads, streams with read() on the
 * calling thread; block edges never cut a word or a UTF-8 sequence.  Keys
 * are copied into the table.  The tie order of wc_freq_sort (first
 * occurrence) counts positions from the start of each input.
 * opt->threads is the thread count (the table's own is ignored).
 *
 * Returns as wc_count_file, or WC_EUTF8 when the bytes are decoded and are
 * not UTF-8: *err (may be NULL) then says where, from the start of the text
 * (the file's offset 0 for wc_freq_count_file, the fd's offset when the count
 * began for wc_freq_count_fd).  On any error the table's counts are
 * unchanged.
 */
enum { WC_COUNT_ALL = 0, WC_COUNT_NEEDLES = 1 };

typedef struct {
    uint64_t offset;      /* the first bad byte, from the start of the text */
    uint8_t context[32];  /* the text's bytes around it (up to 16 before) */
    size_t context_len;
    size_t context_at;    /* where the bad byte is in context */
} wc_utf8_error;

WC_API int wc_freq_count_file(wc_freq *f, int what, const char *path,
                              const wc_io_options *opt, wc_utf8_error *err);
WC_API int wc_freq_count_fd(wc_freq *f, int what, int fd,
                            const wc_io_options *opt, wc_utf8_error *err);
WC_API int wc_freq_count_reader(wc_freq *f, int what, wc_read_fn read,
                                void *read_arg, const wc_io_options *opt,
                                wc_utf8_error *err);
/* Bytes [lo, hi) of the file at `path` as a text of their own, read as
 * wc_count_file_range reads them: the words of those bytes alone (a range
 * that starts or ends inside a word or a UTF-8 sequence cuts it; strict
 * UTF-8 then fails).  err->offset and the tie order count from lo. */
WC_API int wc_freq_count_file_range(wc_freq *f, int what, const char *path,
                                    uint64_t lo, uint64_t hi,
                                    const wc_io_options *opt,
                                    wc_utf8_error *err);

/* ==== testing and benchmark hooks ========================================
 * Not part of the stable interface: for the tests and benchmarks/ only. They
 * may change or go away in any release. */

/*
 * The yardstick of the benchmarks, not a word count: how many of the n bytes
 * at buf equal c, in one plain SIMD pass (one load and one comparison a
 * vector) with the same kernel choice and threads as wc_count_parallel.
 */
WC_API int wc_count_byte_parallel(const void *buf, size_t n, uint8_t c,
                                  int threads, uint64_t *count);

/* Change that threshold for this process (0 restores the built-in one).
 * For measuring where it belongs (benchmarks/threshold.py); not for tuning
 * in production. */
WC_API void wc_set_parallel_threshold(size_t bytes);

/* Worker threads of the pool alive now (0 until first parallel use, and
 * again once idle workers have exited). */
WC_API int wc_pool_started_workers(void);

#ifdef __cplusplus
}
#endif

#endif /* WORDCOUNT_H */
