/*
 * input_words.c - counting words of files and streams (wc_freq_count_fd,
 * wc_freq_count_file, wc_freq_count_reader): frequencies, and needles in
 * words= modes.
 *
 * The same blocks, threads and streams as the needles' (input.h), but the
 * words are cut by the enumerators (words.h) and counted into frequencies'
 * tables (freq.h).  A
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
 * Needles need no such word: a window that grows past a few blocks is cut
 * (wc_needle_cut) where no word crosses, or inside a word longer than any
 * match, or after a code point whose fold holds the end of one word and the
 * start of the next, its words before the cut counted, and moves on.
 *
 * Streams keep the carry-over: after each full buffer the words before an
 * edge near its end are counted and the rest moves to the front (16 bytes
 * before it stay, the context of a UTF-8 error); a buffer that holds no edge
 * doubles (with needles, only up to where it is cut as above).
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc.h"
#include "freq.h"
#include "input.h"
#include "input_words.h"

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
    uint64_t done;    /* count-all mode: bytes of the blocks it counted */
    uint64_t *counts; /* needle mode: this slot's counts */
};

struct wc_wjob {
    struct wc_blocks bl; /* bl.slots: struct wc_wslot */
    wc_freq *f;
    int needles;
    size_t nids;
    struct wc_wtext x;
};

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
        void *mem = wc_aligned_alloc(4096, cap + WC_IO_ALIGN);
        if (mem == NULL)
            return WC_ENOMEM;
        free(slot->mem);
        slot->mem = mem;
        slot->cap = cap;
    }
    return wc_blocks_read(&job->bl, slot->mem, a, n, out);
}

/* A slot's part of the file: the slots share its blocks about evenly. */
static uint64_t wc_slot_share(const struct wc_blocks *bl)
{
    return (bl->size - bl->base) / bl->nslots;
}

/* How a needle window is cut (wc_needle_cut). */
enum {
    WC_CUT_PLACE,  /* where no word crosses */
    WC_CUT_INSIDE, /* inside one word longer than any match */
    WC_CUT_SPLIT   /* after a code point whose fold splits its run */
};

/* Needle mode: where a window of n bytes whose words from lo on run past
 * its end (no settled edge) is cut, so that a long run is counted in
 * pieces and never held whole; *again: where the next piece starts.
 * - The last place of wc_word_last_cut (WC_CUT_PLACE, again = the cut).
 * - Else, after the last code point that folds to word code points around
 *   a non-word one (U+1FB7: "α", U+0342, "ι"), the next piece starting at
 *   that code point (WC_CUT_SPLIT): a word ends inside it and one starts,
 *   where no place can cut.  Both pieces count it, each with a piece of a
 *   word too many (the first "ι", the second "α"): the words of the code
 *   point alone, which wc_needle_piece takes back.
 * - Else the run from lo (or from inside lo's own split code point) is one
 *   word, longer than any match (`most` bytes at least): cut `keep` bytes
 *   before the end, a valid UTF-8 sequence whole (WC_CUT_INSIDE).  The word cut
 *   there has more than wc_freq_io_match_bytes on either side, so neither
 *   piece matches, as the word does not.
 * lo (none: the window must grow) when the window is no longer than
 * `most`. */
static size_t wc_needle_cut(const struct wc_wtext *x, size_t lo, size_t n,
                            size_t keep, size_t most, int *how, size_t *again)
{
    *how = WC_CUT_PLACE;
    *again = lo;
    if (n - lo <= most || n < 4)
        return lo;
    size_t split;
    size_t c = wc_word_last_cut(x, lo, n - 4, &split);
    if (c > lo) {
        *again = c;
        return c;
    }
    if (split != SIZE_MAX && split > lo) {
        uint32_t cp;
        *how = WC_CUT_SPLIT;
        *again = split;
        return split + wc_next_cp(x, 1, split, x->len, &cp);
    }
    const uint8_t *b = x->text;
    size_t a = n - keep;
    if (x->utf8) {
        /* Before the valid sequence that holds a, if one does, and only
         * then: a strict text's first bad byte is then found where it is,
         * in either piece.  (In e1 be b7 a4 be b7, "ᾷ" and three stray
         * bytes, three steps back from the last b7 cut "ᾷ" after e1 be,
         * and its e1 was reported as the first bad byte.) */
        size_t p = a;
        for (int k = 0; k < 3 && p > lo && (b[p] & 0xC0) == 0x80; k++)
            p--;
        uint32_t c;
        size_t l = (size_t)wc_utf8_decode(b + p, n - p, &c);
        if (p + l > a)
            a = p;
    }
    *how = WC_CUT_INSIDE;
    *again = a;
    return a;
}

/* The range [lo, cut) before a needle cut (wc_needle_cut), counted into
 * counts[0 .. nids), as wc_freq_io_window.  WC_CUT_SPLIT: the words of
 * [again, cut), which the next piece counts too, taken back.
 * WC_CUT_INSIDE: space mode's words end at ' ' or '\n' only (or at the end
 * of the text), so the enumerators leave the piece out, neither counted
 * (it matches nothing) nor checked; its bytes are checked here when the
 * words are decoded strictly (folded). */
static int wc_needle_piece(wc_freq *f, const struct wc_wtext *x, size_t lo,
                           size_t cut, int how, size_t again, size_t nids,
                           uint64_t pos, uint64_t *counts, size_t *err)
{
    int rc = wc_freq_io_window(f, x->text, x->len, lo, cut, pos, counts, err);
    if (rc == WC_OK && how == WC_CUT_SPLIT) {
        /* Counted modulo 2^64: a count may fall below 0 until the next
         * piece adds its "α" back; a failed count reports none. */
        uint64_t *twice = wc_calloc(nids + 1, sizeof *twice);
        if (twice == NULL)
            return WC_ENOMEM;
        rc = wc_freq_io_window(f, x->text, x->len, again, cut, pos, twice, err);
        for (size_t i = 0; i < nids; i++)
            counts[i] -= twice[i];
        free(twice);
        return rc;
    }
    if (rc != WC_OK || how != WC_CUT_INSIDE || x->words != WC_WORDS_SPACE ||
        !x->fold || !x->utf8 || x->replace)
        return rc; /* (space words are decoded only to be folded) */
    size_t bad = wc_utf8_first_bad(x->text, lo, cut);
    if (bad != SIZE_MAX) {
        *err = bad;
        return WC_EUTF8;
    }
    return WC_OK;
}

/* Needle mode: the bytes a window may hold before it is cut (more than twice
 * the longest word that can match, so that a cut word's pieces are both
 * longer), and those it keeps after the place of a cut inside one word. */
static void wc_needle_window(const wc_freq *f, size_t block, size_t *keep,
                             size_t *most)
{
    size_t m = wc_freq_io_match_bytes(f);
    *keep = m + 64;
    *most = *keep > (SIZE_MAX - block) / 4 ? SIZE_MAX : 2 * (block + *keep);
}

static void wc_wfile_block(void *ctx, void *s, uint64_t blk)
{
    struct wc_wjob *job = ctx;
    struct wc_wslot *slot = s;
    struct wc_blocks *bl = &job->bl;
    uint64_t start, end;
    wc_blocks_range(bl, blk, &start, &end);
    if (start - bl->base >= atomic_load_explicit(&bl->stop_at,
                                                  memory_order_relaxed))
        return;
    size_t keep = 0, most = SIZE_MAX;
    if (job->needles)
        wc_needle_window(job->f, bl->block, &keep, &most);
    /* The window is the text's [from, b): end + extra, extra doubling
     * while E(end) is not settled; once a long run is counted in pieces
     * (needle mode), from moves on and the window is `span` bytes (most +
     * keep, doubling only while no place to cut is found). */
    uint64_t from = start;
    size_t extra = WC_WIO_EXTRA, span = 0, lo = 0, hi, n;
    int first = 1;
    uint8_t *buf;
    int rc;
    for (;;) {
        uint64_t b = bl->size - end <= extra ? bl->size : end + extra;
        if (span > 0) /* cutting: span bytes from `from` */
            b = bl->size - from <= span ? bl->size : from + span;
        n = (size_t)(b - from);
        rc = wc_wslot_read(job, slot, from, n, &buf);
        if (rc != WC_OK) {
            wc_blocks_fail(&job->bl, rc, errno, 0);
            return;
        }
        struct wc_wtext x = job->x;
        x.text = buf;
        x.len = n;
        if (first && start > bl->base) {
            /* E(p) is the first edge >= p (unicode) or > p (space): when
             * E(start) > end, E(end) = E(start) and the block has no words
             * (a word that began before covers it). */
            lo = wc_word_edge(&x, 0);
            if (lo > end - start)
                goto done;
        }
        first = 0;
        if (end == bl->size) {
            hi = n;
            break;
        }
        /* E(end): from the window's start once a cut has passed end (no
         * edge lies between). */
        hi = wc_word_edge(&x, end > from ? (size_t)(end - from) : 0);
        if (b == bl->size || hi + 4 <= n)
            break;
        int how = WC_CUT_PLACE;
        size_t again = lo;
        size_t cut = job->needles
                         ? wc_needle_cut(&x, lo, n, keep, most, &how, &again)
                         : lo;
        if (cut > lo) {
            /* The words before the cut now; the window starts again. */
            size_t err = 0;
            rc = wc_needle_piece(job->f, &x, lo, cut, how, again, job->nids,
                                 from - bl->base, slot->counts, &err);
            if (rc != WC_OK) {
                wc_blocks_fail(&job->bl, rc, 0, from - bl->base + err);
                return;
            }
            from += again;
            lo = 0;
            /* (most is SIZE_MAX for a needle too long to double: a
             * 32-bit size then wrapped to keep - 1) */
            span = most > SIZE_MAX - keep ? SIZE_MAX : most + keep;
        } else if (span > 0) {
            if (span > SIZE_MAX / 4)
                goto nomem;
            span *= 2;
        } else {
            if (extra > SIZE_MAX / 4)
                goto nomem;
            extra *= 2;
        }
        /* A word that runs on past the window: the caller's callback is
         * called (and a stop seen) between these reads too, not only
         * between blocks (a file of one 1 GiB word made no call for 3.8 s:
         * nothing could stop it). */
        if (wc_blocks_stopped(bl))
            return;
    }
    if (lo < hi) {
        size_t err = 0;
        rc = wc_freq_io_window(job->needles ? job->f : slot->tab, buf, n, lo,
                               hi, from - bl->base,
                               job->needles ? slot->counts : NULL, &err);
        if (rc != WC_OK) {
            wc_blocks_fail(&job->bl, rc, 0, from - bl->base + err);
            return;
        }
    }
done:
    if (!job->needles) {
        slot->done += end - start;
        wc_freq_io_project(slot->tab, slot->done, wc_slot_share(bl));
    }
    atomic_fetch_add_explicit(&job->bl.done, end - start, memory_order_relaxed);
    return;
nomem:
    wc_blocks_fail(&job->bl, WC_ENOMEM, 0, 0);
}

static int wc_wfile_slot(void *ctx, void *s)
{
    struct wc_wjob *job = ctx;
    struct wc_wslot *slot = s;
    if (job->needles)
        slot->counts = wc_calloc(job->nids + 1, sizeof *slot->counts);
    else if ((slot->tab = wc_freq_io_new_like(job->f)) != NULL)
        wc_freq_io_room(slot->tab, wc_slot_share(&job->bl));
    return slot->counts != NULL || slot->tab != NULL ? WC_OK : WC_ENOMEM;
}

static const struct wc_slot_fns wc_wfile_fns = {
    sizeof(struct wc_wslot), wc_wfile_slot, wc_wfile_block};

/* The results of the slots into f (only when all went well). */
static int wc_wslots_reduce(wc_freq *f, int needles, size_t nids,
                            struct wc_wslot *slots, size_t nslots)
{
    int rc = WC_OK;
    if (needles) {
        uint64_t *sum = wc_calloc(nids + 1, sizeof *sum);
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
    /* The slots into one table first (by the threads that filled them),
     * then that into f: f gets all of this input's words or, out of
     * memory, none. */
    wc_freq **tabs = wc_malloc(nslots * sizeof *tabs);
    if (tabs == NULL)
        return WC_ENOMEM;
    for (size_t k = 0; k < nslots; k++)
        tabs[k] = slots[k].tab;
    size_t big = SIZE_MAX;
    rc = wc_freq_io_merge_many(tabs, nslots, (int)nslots, &big);
    if (rc == WC_OK && big != SIZE_MAX)
        rc = wc_freq_io_merge(f, tabs[big]);
    free(tabs);
    return rc;
}

static int wc_wfile_run(struct wc_input *in, wc_freq *f, int needles,
                        size_t nids, const wc_io_options *o, wc_utf8_error *ue)
{
    struct wc_wjob job = {.f = f, .needles = needles, .nids = nids};
    int fd = in->fd;
    uint64_t base = in->base, size = in->size;
    struct wc_ticker *tk = &in->tk;
    wc_freq_io_wtext(f, &job.x);
    int rc = wc_blocks_run(&job.bl, in, o, &wc_wfile_fns, &job);
    int err_errno = errno;
    struct wc_wslot *slots = job.bl.slots;
    size_t nslots = job.bl.nslots;
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
        uint64_t at = base + job.bl.utf8_at;
        uint64_t a = at - base > WC_WIO_KEEP ? at - WC_WIO_KEEP : base;
        uint64_t b = size - at > WC_WIO_KEEP ? at + WC_WIO_KEEP : size;
        uint8_t ctx[2 * WC_WIO_KEEP];
        ssize_t got = wc_pread_full(fd, ctx, (size_t)(b - a), a);
        if (got < 0)
            got = 0;
        if ((uint64_t)got <= at - a) { /* shrank meanwhile: just the offset */
            ue->offset = job.bl.utf8_at;
            ue->context_len = 0;
            ue->context_at = 0;
        } else {
            wc_utf8_context(ue, ctx, (size_t)got, (size_t)(at - a), job.bl.utf8_at);
        }
    }
    if (rc == WC_EIO)
        errno = err_errno;
    return rc;
}

/* A stream's buffer of *cap bytes made twice as large, its bytes kept;
 * WC_ENOMEM and the buffer as it was when there is no memory for it. */
static int wc_wbuf_grow(uint8_t **buf, size_t *cap)
{
    if (*cap > SIZE_MAX / 4)
        return WC_ENOMEM;
    uint8_t *grown = wc_realloc(*buf, *cap * 2);
    if (grown == NULL)
        return WC_ENOMEM;
    *buf = grown;
    *cap *= 2;
    return WC_OK;
}

static int wc_wstream(struct wc_source *src, wc_freq *f, int needles,
                      size_t nids, const wc_io_options *o,
                      struct wc_ticker *tk, wc_utf8_error *ue)
{
    size_t cap = o->block_size + WC_WIO_EXTRA + WC_WIO_KEEP;
    uint8_t *buf = wc_malloc(cap);
    uint64_t *counts = needles ? wc_calloc(nids + 1, sizeof *counts) : NULL;
    wc_freq *tab = needles ? NULL : wc_freq_io_new_like(f);
    int rc = WC_OK;
    if (buf == NULL || (needles ? counts == NULL : tab == NULL)) {
        rc = WC_ENOMEM;
        goto out;
    }
    struct wc_wtext x;
    wc_freq_io_wtext(f, &x);
    x.text = buf;
    size_t piece = 0, most = SIZE_MAX; /* wc_needle_window */
    if (needles)
        wc_needle_window(f, o->block_size, &piece, &most);
    uint64_t a = 0;  /* the text offset of buf[0] */
    size_t have = 0, lo = 0;
    for (;;) {
        int eof = 0, how = WC_CUT_PLACE;
        rc = wc_fill(src, buf, cap, &have, &eof, tk);
        if (rc != WC_OK)
            goto out;
        x.len = have;
        size_t hi = have, again = SIZE_MAX; /* again: where the next starts */
        if (!eof) {
            /* An edge near the end; else (a long word runs past the end)
             * the last edge before it, so that every word before the long
             * one is counted now; none: grow.  The first edge after lo
             * counted one word a read, each read moving the rest of the
             * buffer: 30,000 words before a long one, 30,000 reads of 2
             * bytes (1.0 MB took 0.51 s with blocks of 256 KiB, 3.9 MB
             * 7.8 s with 1 MiB; now 2 and 9 ms; the edges walked here cost
             * what their words' count does). */
            size_t near = have - lo > 4 * WC_WIO_EXTRA ? have - 2 * WC_WIO_EXTRA
                                                      : lo + 1;
            hi = wc_word_edge(&x, near);
            if (hi + 4 > have && near > lo + 1) {
                size_t e = wc_word_edge(&x, lo + 1);
                hi = e;
                while (e + 4 <= have) {
                    hi = e;
                    e = wc_word_edge(&x, e + 1);
                }
            }
            /* Needle mode: a long run counted in pieces (wc_needle_cut),
             * not held whole. */
            if (hi + 4 > have && needles)
                hi = wc_needle_cut(&x, lo, have, piece, most, &how, &again);
            /* (A split code point, whole in the buffer, may end nearer.) */
            if (hi <= lo || (hi + 4 > have && how != WC_CUT_SPLIT)) {
                rc = wc_wbuf_grow(&buf, &cap);
                if (rc != WC_OK)
                    goto out;
                x.text = buf;
                continue;
            }
        }
        if (lo < hi) {
            size_t err = 0;
            rc = needles ? wc_needle_piece(f, &x, lo, hi, how, again, nids, a,
                                           counts, &err)
                         : wc_freq_io_window(tab, buf, have, lo, hi, a, NULL, &err);
            if (rc == WC_EUTF8)
                wc_utf8_context(ue, buf, have, err, a + err);
            if (rc != WC_OK)
                goto out;
        }
        if (eof)
            break;
        size_t next = how == WC_CUT_SPLIT ? again : hi;
        size_t keep = next < WC_WIO_KEEP ? next : WC_WIO_KEEP;
        memmove(buf, buf + next - keep, have - (next - keep));
        a += next - keep;
        have -= next - keep;
        lo = keep;
        /* A long word carried that fills more than half the buffer: grown
         * now, so that the next read brings at least as many bytes as were
         * moved (else a word a little shorter than the buffer was moved
         * whole for each few bytes read after it). */
        if (have > cap / 2) {
            rc = wc_wbuf_grow(&buf, &cap);
            if (rc != WC_OK)
                goto out;
            x.text = buf;
        }
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

/* The words of the input `from` names. */
static int wc_words_count(wc_freq *f, int what, const struct wc_from *from,
                          const wc_io_options *opt, wc_utf8_error *ue)
{
    wc_io_options o;
    size_t nids;
    struct wc_input in;
    if (wc_from_check(from) != WC_OK ||
        (what != WC_COUNT_ALL && what != WC_COUNT_NEEDLES) ||
        wc_freq_io_check(f, what == WC_COUNT_NEEDLES, &nids) != WC_OK ||
        wc_io_options_check(opt, &o) != WC_OK)
        return WC_EINVAL;
    int rc = wc_input_open(&in, from, &o);
    if (rc != WC_OK)
        return rc;
    int needles = what == WC_COUNT_NEEDLES;
    switch (in.kind) {
    case WC_INPUT_FILE:
        rc = wc_wfile_run(&in, f, needles, nids, &o, ue);
        break;
    case WC_INPUT_STREAM:
        rc = wc_wstream(&in.src, f, needles, nids, &o, &in.tk, ue);
        break;
    default:
        rc = wc_tick(&in.tk, 1);
        break;
    }
    return wc_input_close(&in, rc);
}

int wc_freq_count_fd(wc_freq *f, int what, int fd, const wc_io_options *opt,
                     wc_utf8_error *err)
{
    struct wc_from from = {.kind = WC_FROM_FD, .fd = fd};
    return wc_words_count(f, what, &from, opt, err);
}

int wc_freq_count_file(wc_freq *f, int what, const char *path,
                       const wc_io_options *opt, wc_utf8_error *err)
{
    struct wc_from from = {.kind = WC_FROM_PATH, .path = path};
    return wc_words_count(f, what, &from, opt, err);
}

int wc_freq_count_file_range(wc_freq *f, int what, const char *path,
                             uint64_t lo, uint64_t hi,
                             const wc_io_options *opt, wc_utf8_error *err)
{
    struct wc_from from = {.kind = WC_FROM_RANGE, .path = path, .lo = lo,
                           .hi = hi};
    return wc_words_count(f, what, &from, opt, err);
}

int wc_freq_count_reader(wc_freq *f, int what, wc_read_fn read, void *read_arg,
                         const wc_io_options *opt, wc_utf8_error *err)
{
    struct wc_from from = {.kind = WC_FROM_READER, .read = read,
                           .read_arg = read_arg};
    return wc_words_count(f, what, &from, opt, err);
}
