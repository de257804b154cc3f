/*
 * freq.c - word frequencies and many needles in one pass: a parallel map
 * (each thread fills its own hash table) and reduce (the tables are merged).
 *
 * The text is cut into spans at places where a word cannot continue
 * (wc_word_edge), so every word lies in one span.  The pool runs one task a
 * thread; each task claims spans in text order (the claim finds where the
 * span ends) and counts them into a table of its own, so there are never
 * more tables than threads.  Spans are about 1 MiB: between two of them a
 * task looks at the job's stop flag, and the calling thread calls the
 * caller's progress callback (wc_freq_set_progress), so a count can be
 * cancelled promptly without a check in the enumerators' loops, and the
 * words never depend on where it can be.
 *
 * The tables are table.c's; this file owns the job, the result object and
 * the windows of files and streams (freq.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "freq.h"
#include "freq_sink.h"
#include "pool.h"
#include "progress.h"

/* ---- the parallel job ---------------------------------------------------- */

/* What one thread fills: its own table (count_all) or counts indexed by
 * needle id (count_needles), through its sink. */
struct wc_wstate {
    struct wc_tab tab;
    uint64_t *counts;
    struct wc_scratch sc;
    struct wc_sink sink;
};

struct wc_fjob {
    const struct wc_wtext *x;
    const struct wc_tab *needles; /* NULL: count every word */
    const struct wc_uneedle *un;  /* with needles: f->un */
    size_t nneedles;
    int kw;
    size_t step;    /* the least length of a span, in units */
    size_t claimed; /* mu: the spans claimed so far are [0, claimed) */
    /* Task k's state, NULL until it has claimed a span with words. */
    struct wc_wstate *states[WC_MAX_THREADS];
    size_t ntasks;
    /* The caller's progress callback; `done`: bytes of the spans counted. */
    struct wc_ticker tk;
    pthread_t caller;
    _Atomic uint64_t done;
    pthread_mutex_t mu;  /* claims, failures */
    /* The first failure: spans at or after stop_at are skipped (0: every
     * span, after an error other than invalid UTF-8). */
    _Atomic size_t stop_at;
    int rc;          /* mu */
    size_t utf8_err; /* mu: the smallest offset of invalid UTF-8 */
};

static void wc_wstate_free(struct wc_wstate *s)
{
    if (s == NULL)
        return;
    wc_tab_free(&s->tab);
    free(s->counts);
    free(s->sc.buf);
    free(s);
}

/* The words a task's table has room for from the start: one per 256 units
 * of its share, at most WC_FIRST_ROOM (65,536 slots, 2.1 MB).  The first
 * projection (wc_tab_project) comes only after a whole span; before it,
 * a table of 1,024 slots doubled six times for the 30,000 words of the
 * first MiB of English text, on two threads each time a map and an unmap
 * of the shared address space (the 20 MB Zipf count's parallel part took
 * 24-29 ms on two threads with them, 18-20 without; 33-34 on one thread,
 * 31-32 without).  A share under 256 KiB keeps the smallest table.  A
 * file's thread makes the same room for its share of the file
 * (wc_freq_io_room). */
#define WC_FIRST_ROOM 40000

static void wc_tab_first_room(struct wc_tab *t, size_t share)
{
    if (share >= (size_t)256 * 1024) {
        size_t room = share / 256;
        /* A hint: out of memory, the table grows as it fills. */
        (void)wc_tab_reserve(t, room < WC_FIRST_ROOM ? room : WC_FIRST_ROOM);
    }
}

/* The sink's buffers of pending words (from its `pend` on, 2.8 KB) end a
 * task's state: wc_wstate_new does not zero them. */
_Static_assert(offsetof(struct wc_wstate, sink) + sizeof(struct wc_sink) ==
                   sizeof(struct wc_wstate),
               "the sink ends a task's state");

static struct wc_wstate *wc_wstate_new(const struct wc_fjob *job)
{
    /* Zeroed up to the sink's buffers only: frequencies() of 5,000 lines
     * of English took 15% fewer instructions (callgrind, which counts each
     * byte a `rep stos` of calloc stores) and a call on an 11-word line
     * 1.86-1.91 us instead of 1.91-1.97 (timeit, interleaved). */
    struct wc_wstate *s = wc_malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    memset(s, 0, offsetof(struct wc_wstate, sink) + offsetof(struct wc_sink, pend));
    if (job->needles != NULL) {
        s->counts = wc_calloc(job->nneedles + 1, sizeof *s->counts);
        if (s->counts == NULL) {
            free(s);
            return NULL;
        }
    } else if (wc_tab_init_for(&s->tab, job->kw, job->x->len / 2 + 1) != WC_OK) {
        free(s); /* (words are separated: n units hold n / 2 + 1 at most) */
        return NULL;
    } else {
        wc_tab_first_room(&s->tab, job->x->len / job->ntasks);
    }
    s->sink.tab = &s->tab;
    s->sink.needles = job->needles;
    s->sink.counts = s->counts;
    s->sink.sc = &s->sc;
    s->sink.un = job->un;
    return s;
}

static void wc_fjob_fail(struct wc_fjob *job, int rc, size_t err)
{
    pthread_mutex_lock(&job->mu);
    if (rc == WC_EUTF8) {
        if (job->rc == WC_OK || (job->rc == WC_EUTF8 && err < job->utf8_err)) {
            job->rc = rc;
            job->utf8_err = err;
        }
    } else {
        job->rc = rc; /* out of memory outranks invalid UTF-8 */
        err = 0;
    }
    if (err < atomic_load(&job->stop_at))
        atomic_store(&job->stop_at, err);
    pthread_mutex_unlock(&job->mu);
}

/* Spans: at most about WC_FREQ_SPAN bytes, each a cancel point and a piece
 * that an idle thread can take; for a parallel count at least
 * WC_FREQ_SPANS_PER_THREAD a thread (balance when another process shares a
 * core), but not below wc_parallel_threshold() bytes (the size below which
 * a parallel job does not pay; the tests lower it to cut small texts into
 * many spans).  1 MiB takes 1 to 5 ms to count: a claim costs nothing beside
 * it, and a thread that is asked to stop does so within that. */
#define WC_FREQ_SPAN ((size_t)1 << 20)
#define WC_FREQ_SPANS_PER_THREAD 8

/* How many spans the text of x is cut into, about (1: counted whole, on the
 * calling thread). */
static size_t wc_span_count(const struct wc_wtext *x, int threads)
{
    size_t bytes = x->len * (size_t)x->width;
    size_t min_chunk = wc_parallel_threshold();
    if (x->len <= 1)
        return 1;
    size_t n = bytes / WC_FREQ_SPAN + (bytes % WC_FREQ_SPAN != 0);
    if (threads > 1 && bytes >= min_chunk) {
        size_t par = (size_t)threads * WC_FREQ_SPANS_PER_THREAD;
        if (bytes / par < min_chunk)
            par = bytes / min_chunk;
        if (par > n)
            n = par;
    }
    if (n > x->len)
        n = x->len;
    return n < 1 ? 1 : n;
}

/*
 * Claim the next span, [*lo, *hi): from where the last one claimed ends to
 * the first edge (wc_word_edge) at least job->step units on, or the end of
 * the text.  Edges are found as spans are claimed, under the lock, each
 * search starting where the last span ends: a word longer than a span makes
 * one longer span and costs one scan, and a stop leaves the rest of the text
 * unread.  Returns 0 when the whole text is claimed.
 */
static int wc_fjob_claim(struct wc_fjob *job, size_t *lo, size_t *hi)
{
    const struct wc_wtext *x = job->x;
    pthread_mutex_lock(&job->mu);
    size_t a = job->claimed, b = a;
    if (a < x->len)
        b = x->len - a <= job->step ? x->len : wc_word_edge(x, a + job->step);
    job->claimed = b;
    pthread_mutex_unlock(&job->mu);
    *lo = a;
    *hi = b;
    return a < b;
}

/* The words of [lo, hi) counted as needles: one instance of the enumerator
 * with this sink, for the pool's tasks and the windows of files. */
struct wc_needle_range {
    const struct wc_wtext *x;
    struct wc_scratch *sc;
    struct wc_sink *s;
};

static int wc_needle_range(void *ctx, size_t lo, size_t hi, size_t *err)
{
    struct wc_needle_range *r = ctx;
    return wc_words_range(r->x, lo, hi, r->sc, wc_emit_needles, r->s, err);
}

static int wc_needle_words(const struct wc_wtext *x, size_t lo, size_t hi,
                           struct wc_scratch *sc, struct wc_sink *s,
                           size_t *err)
{
    struct wc_needle_range r = {x, sc, s};
    if (s->un != NULL && s->un->n != 0)
        return wc_uneedle_count(s->un, x, lo, hi, s->counts, wc_needle_range,
                                &r, err);
    return wc_needle_range(&r, lo, hi, err);
}

/*
 * After each span a task counts: room made now for the entries its table
 * will hold at the end of its share of the text (share units; done so
 * far), while the table holds fewer entries to move.  A table that only
 * doubles when full moves every entry it holds at each doubling, into
 * fresh pages, the last ones when it is largest (a 20 MB Zipf count whose
 * tables were made at their final size took 30 ms instead of 37 on one
 * thread, 24 instead of 37-44 on two).  A vocabulary grows about as the
 * square root of the text read (Heaps' law), so the projection is the
 * entries so far times the square root of share / done, at most 8 times:
 * it falls short for a text whose every word is new (the table then
 * doubles as before) and never passes the entries of the whole share by
 * more than that factor once reached.  A hint: out of memory, the table
 * stays as it is and counting goes on.
 *
 * From 3/4 of the share on, a table whose entries, projected linearly to
 * the share's end (its words so far come as fast until then: more than a
 * natural text adds), fit WC_FULL_LOAD of its slots may fill to there
 * before it grows (wc_tab_may_fill), rather than double for its last
 * words.  The two threads' tables of 100 MB of random tokens (5.26M words
 * each) both crossed 10/16 of 2^23 slots in the last 0.4% of their
 * shares, and doubled side by side: 2.07 GB at the peak of core_freq,
 * where one table of the union has 671 MB.
 *
 * A text most of whose words are new (random tokens, identifiers, hashes:
 * at least 3/4 of the words looked up so far, WC_NEW_MOST) grows its
 * vocabulary linearly, not as a square root: once 1/16 of the share is
 * counted (WC_LINEAR_FROM), its table makes room for the entries so far
 * times share / done, in the fewest slots that hold them at WC_FULL_LOAD
 * (the table may fill to there near the end, as above), instead of
 * doubling through every size on the way, each doubling moving every
 * entry so far to a new place at random.  On one thread the 100 MB of
 * random tokens (10.2M distinct words) grow their table from 688k entries
 * to 2^24 slots at once, where the last of its doublings moved 5.2M, and
 * are counted 9-10% faster (core_freq, alternated processes); the first
 * MiB of the natural corpora holds 14-24% new words, far from 3/4.  The
 * room made is at most WC_LINEAR_FROM times the entries so far (the
 * square-root projection's is 8): a text that turns repetitive after its
 * first sixteenth keeps a table up to that much larger than it needs, but
 * never larger than the one a text of the same size whose words stayed as
 * new would need.  From 1/128 on the count was 14% faster, with up to 128
 * times the room (a log whose first 8 MB of a GB are unique tokens: a
 * table for 100M words); left out.
 *
 * The windows of a file of known size (input_words.c) make the same room
 * after each block (wc_freq_io_project), their share the file's size over
 * the threads.  A file may be larger than memory, but the room is bounded
 * as above: never more than a file of that size whose words stayed new
 * makes its table grow to by doubling (its words are kept in memory
 * whatever the file's size).  Before, their tables only doubled: the
 * frequencies_file_arrays of the 100 MB of random tokens took 990-1,073 ms
 * on one thread and 858-885 with the room made; 50 MB of prose 76-81 and
 * 69-72 (both builds loaded in one process, calls alternated).  A stream,
 * whose size is not known, still doubles its table.
 */
#define WC_LINEAR_FROM 16
#define WC_NEW_MOST 3 /* in 4 */

static void wc_tab_project(struct wc_tab *t, uint64_t words, size_t done,
                           size_t share)
{
    if (done == 0 || done >= share || share > SIZE_MAX / 256)
        return;
    size_t n = t->n;
    /* The entries at the share's end if they come as fast as so far. */
    int fits = n <= SIZE_MAX / 16 / share;
    size_t lin = fits ? n * share / done : 0;
    if (fits && done >= share / WC_LINEAR_FROM && words > 0 &&
        (uint64_t)n * 4 >= words * WC_NEW_MOST) {
        size_t need = lin, slots = t->mask + 1;
        while (need * 16 > slots * WC_FULL_LOAD &&
               slots <= SIZE_MAX / 2 / sizeof(struct wc_ent))
            slots *= 2;
        if (need > slots / 16 * WC_TAB_LOAD)
            need = slots / 16 * WC_TAB_LOAD;
        if (need > n)
            (void)wc_tab_reserve(t, need - n);
    } else {
        /* g = 16 sqrt(share / done), to 1/16 */
        size_t q = share * 256 / done, g = 16;
        while (g < 128 && (g + 1) * (g + 1) <= q)
            g++;
        if (g > 16 && n <= SIZE_MAX / 128)
            (void)wc_tab_reserve(t, n * (g - 16) / 16);
    }
    size_t slots = t->mask + 1;
    if (done / 3 >= share - done && fits && lin * 16 <= slots * WC_FULL_LOAD)
        wc_tab_may_fill(t);
}

/*
 * A task (one a thread): claims spans in order until none is left, counting
 * their words into a state of its own.  Spans are claimed in order, so once
 * one starts at or after stop_at (an error before it, or a stop) every later
 * one does too.  The cancel point is between spans.
 */
static void wc_fjob_task(void *ctx, size_t task)
{
    struct wc_fjob *job = ctx;
    struct wc_wstate *s = NULL;
    int rc = WC_OK;
    size_t err = 0, mine = 0;
    size_t share = job->x->len / job->ntasks;
    for (;;) {
        if (wc_tick_caller(&job->tk, job->caller, &job->done)) {
            rc = job->tk.rc; /* WC_EINTR, or WC_EFORKED in a fork child */
            break;
        }
        size_t lo, hi;
        if (wc_pool_leaving() || !wc_fjob_claim(job, &lo, &hi) ||
            lo >= atomic_load_explicit(&job->stop_at, memory_order_relaxed))
            break;
        if (s == NULL) {
            s = wc_wstate_new(job);
            if (s == NULL) {
                rc = WC_ENOMEM;
                break;
            }
            job->states[task] = s;
        }
        rc = job->needles != NULL
            ? wc_needle_words(job->x, lo, hi, &s->sc, &s->sink, &err)
            : wc_freq_run_words(job->x, lo, hi, &s->sink, &err);
        if (rc != WC_OK)
            break;
        mine += hi - lo;
        if (job->needles == NULL)
            wc_tab_project(&s->tab, s->sink.words, mine, share);
        atomic_fetch_add_explicit(&job->done,
                                  (uint64_t)(hi - lo) * (uint64_t)job->x->width,
                                  memory_order_relaxed);
    }
    if (s != NULL && wc_sink_pending(&s->sink)) {
        int frc = wc_flush(&s->sink);
        if (rc == WC_OK)
            rc = frc;
    }
    if (rc != WC_OK)
        wc_fjob_fail(job, rc, err);
}

/*
 * Which of the tables tabs[0 .. n) (NULL: none) the others merge into (its
 * index; SIZE_MAX when there is none): the one with the most entries among
 * those whose slots hold all the tables' entries at a merged table's load
 * (WC_FULL_LOAD) whatever they share, else the one with the most entries.
 * A target too small for the union is left for a fresh array of the
 * union's size into which every table, the target too, is added (or, one
 * after another, grown in place): the code corpus's two tables on two
 * threads, 362k words in 2^19 slots and 357k in 2^20 (which thread's
 * table grew when depends on the spans each claimed), merged in 10.7-13.1
 * ms into the first, 5.9-7.7 into the second.
 */
static size_t wc_merge_target(struct wc_tab *const *tabs, size_t n)
{
    uint64_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += tabs[k] != NULL ? tabs[k]->n : 0;
    size_t best = SIZE_MAX, roomy = SIZE_MAX;
    for (size_t k = 0; k < n; k++) {
        const struct wc_tab *t = tabs[k];
        if (t == NULL)
            continue;
        if (best == SIZE_MAX || t->n > tabs[best]->n)
            best = k;
        if (total <= (uint64_t)(t->mask + 1) / 16 * WC_FULL_LOAD &&
            (roomy == SIZE_MAX || t->n > tabs[roomy]->n))
            roomy = k;
    }
    return roomy != SIZE_MAX ? roomy : best;
}

static void wc_pmerge_task(void *ctx, size_t k)
{
    wc_tab_pmerge_part(ctx, k);
}

/*
 * The tables of the tasks into t: by the pool's threads when there are
 * several (wc_tab_pmerge_*: each adds the words whose home is in its range
 * of t's slots), else, or when the plan cannot be made (out of memory),
 * one after another.  Two threads merged 20 MB of English text's tables
 * (about 120k words each) in 16 ms one after another, which was a third
 * of the count.  Out of memory: WC_ENOMEM, and f untouched (t is a task's).
 */
static int wc_merge_tables(struct wc_tab *t, struct wc_tab **others,
                           size_t n, int threads)
{
    struct wc_pmerge m;
    if (n > 0 && threads > 1 &&
        wc_tab_pmerge_init(&m, t, others, n, (size_t)threads) == WC_OK) {
        /* No callback runs in the merge, so no fork() can lose a part
         * (WC_EFORKED); finish does any part that did not run. */
        int rc = wc_pool_run(threads, wc_pmerge_task, &m, m.nparts);
        wc_tab_pmerge_finish(&m);
        return rc;
    }
    int rc = WC_OK;
    for (size_t i = 0; i < n && rc == WC_OK; i++)
        rc = wc_tab_merge(t, others[i]);
    return rc;
}

static int wc_freq_run(wc_freq *f, const void *text, size_t len, int needles,
                       size_t *err_offset)
{
    if (f->counted || (len > 0 && text == NULL))
        return WC_EINVAL;
#if SIZE_MAX > UINT32_MAX /* (a 32-bit size is always below) */
    if (!needles && len > WC_UNITS_MAX) /* places past an entry's bits */
        return WC_EOVERFLOW;
#endif
    f->x.text = text;
    f->x.len = len;
    int threads = wc_freq_threads(f);
    struct wc_fjob job = {
        .x = &f->x, .needles = needles ? &f->tab : NULL,
        .un = needles ? &f->un : NULL, .nneedles = f->nneedles, .kw = f->kw, .rc = WC_OK,
    };
    if (needles && f->needle_counts == NULL) {
        f->needle_counts = wc_calloc(f->nneedles + 1, sizeof *f->needle_counts);
        if (f->needle_counts == NULL)
            return WC_ENOMEM;
    }
    atomic_init(&job.stop_at, SIZE_MAX);
    atomic_init(&job.done, 0);
    wc_ticker_init(&job.tk, f->progress, f->progress_arg, f->interval_ms,
                   (uint64_t)len * (uint64_t)f->x.width);
    job.caller = pthread_self();
    size_t nspans = wc_span_count(&f->x, threads);
    job.step = len / nspans;
    if (pthread_mutex_init(&job.mu, NULL) != 0)
        return WC_ENOMEM;
    job.ntasks = nspans < (size_t)threads ? nspans : (size_t)threads;
    if (job.ntasks == 1)
        wc_fjob_task(&job, 0);
    else
        wc_pool_run(threads, wc_fjob_task, &job, job.ntasks);
    pthread_mutex_destroy(&job.mu);

    /* Until here f is untouched: after an error (a stop included) it is as
     * it was before the count. */
    int rc = job.rc;
    struct wc_wstate **st = job.states;
    if (rc == WC_OK && needles) {
        for (size_t k = 0; k < job.ntasks; k++)
            if (st[k] != NULL)
                for (size_t i = 0; i < f->nneedles; i++)
                    f->needle_counts[i] += st[k]->counts[i];
    } else if (rc == WC_OK) {
        /* One table becomes the result (wc_merge_target); the others merge
         * into it.  Built apart and swapped in only when complete: out of
         * memory, f is as it was. */
        struct wc_tab *tabs[WC_MAX_THREADS];
        for (size_t k = 0; k < job.ntasks; k++)
            tabs[k] = st[k] != NULL ? &st[k]->tab : NULL;
        size_t big = wc_merge_target(tabs, job.ntasks);
        if (big != SIZE_MAX) {
            struct wc_tab *res = &st[big]->tab, *others[WC_MAX_THREADS];
            size_t nothers = 0;
            for (size_t k = 0; k < job.ntasks; k++)
                if (st[k] != NULL && k != big)
                    others[nothers++] = &st[k]->tab;
            rc = wc_merge_tables(res, others, nothers, threads);
            if (rc == WC_OK) {
                struct wc_tab tmp = f->tab; /* empty: freed with st[big] */
                f->tab = *res;
                *res = tmp;
            }
        }
        if (rc == WC_OK) {
            f->counted = 1;
            /* The keys of a str text were counted as UTF-8 (fold_utf8,
             * keys_utf8): each takes its narrowest width when the words
             * are sorted (wc_freq_narrow); a UTF-8 text's keys stay UTF-8.
             * So for any such text, one with no word included
             * (wc_freq_keys_utf8 says so alike). */
            f->narrow_due = (f->x.fold_utf8 || f->x.keys_utf8) && !f->x.utf8;
        }
    }
    for (size_t k = 0; k < job.ntasks; k++)
        wc_wstate_free(st[k]);
    if (rc == WC_EUTF8 && err_offset != NULL)
        *err_offset = job.utf8_err;
    return rc;
}

int wc_freq_count_needles(wc_freq *f, const void *text, size_t len,
                          size_t *err_offset)
{
    return wc_freq_run(f, text, len, 1, err_offset);
}

int wc_freq_count_all(wc_freq *f, const void *text, size_t len,
                      size_t *err_offset)
{
    if (f->tab.n != 0)
        return WC_EINVAL; /* a table of needles */
    if (f->counted || f->x.width == 1)
        return wc_freq_run(f, text, len, 0, err_offset);
    /* Every word of a 2- or 4-byte text is counted as UTF-8 (an ASCII word
     * of 16 units then fits the entry, and is read as fast as in a bytes
     * text) and narrowed at the end; not needles, which are looked up as
     * slices.  After a failure the table is as it was: of the text's width
     * (of UTF-8 with casefold). */
    int kw = f->kw;
    f->x.keys_utf8 = 1;
    f->kw = f->tab.kw = 1;
    int rc = wc_freq_run(f, text, len, 0, err_offset);
    if (rc != WC_OK) {
        f->x.keys_utf8 = 0;
        f->kw = f->tab.kw = kw;
    }
    return rc;
}

/* ---- windows of a longer text: files and streams (input_words.c) ------- */

int wc_freq_io_check(const wc_freq *f, int needles, size_t *nids)
{
    if (f == NULL || f->x.width != 1 || f->tab.packed ||
        (!needles && f->nneedles != 0))
        return WC_EINVAL;
    *nids = f->nneedles;
    return WC_OK;
}

void wc_freq_io_wtext(const wc_freq *f, struct wc_wtext *x)
{
    *x = f->x;
    x->text = NULL;
    x->len = 0;
}

wc_freq *wc_freq_io_new_like(const wc_freq *f)
{
    wc_word_opts o = {.words = f->x.words, .casefold = f->x.fold,
                      .utf8 = f->x.replace ? WC_UTF8_REPLACE : f->x.utf8,
                      .threads = 1};
    return wc_freq_new(f->x.width, &o);
}

int wc_freq_io_window(wc_freq *f, const uint8_t *buf, size_t len, size_t lo,
                      size_t hi, uint64_t pos, uint64_t *counts, size_t *err)
{
    /* The places of its words would pass an entry's bits (needles keep no
     * places). */
    if (counts == NULL && (pos > WC_UNITS_MAX || len > WC_UNITS_MAX - pos))
        return WC_EOVERFLOW;
    struct wc_wtext x = f->x;
    x.text = buf;
    x.len = len;
    struct wc_scratch sc = {NULL, 0};
    struct wc_sink w = {.tab = &f->tab, .needles = &f->tab, .counts = counts,
                        .sc = &sc, .pos = pos, .copy = 1};
    int rc;
    if (counts != NULL) {
        w.un = &f->un;
        rc = wc_needle_words(&x, lo, hi, &sc, &w, err);
    } else {
        rc = wc_freq_run_words(&x, lo, hi, &w, err);
        int frc = wc_flush(&w);
        if (rc == WC_OK)
            rc = frc;
        f->io_words += w.words;
    }
    free(sc.buf);
    return rc;
}

size_t wc_freq_io_match_bytes(const wc_freq *f)
{
    /* A code point of the text is at most 4 bytes and folds to at least
     * one code point, which a key holds in at least one byte. */
    return f->needle_bytes <= SIZE_MAX / 8 ? 4 * f->needle_bytes : SIZE_MAX / 2;
}

void wc_freq_io_room(wc_freq *f, uint64_t share)
{
    wc_tab_first_room(&f->tab, share < SIZE_MAX ? (size_t)share : SIZE_MAX);
}

void wc_freq_io_project(wc_freq *f, uint64_t done, uint64_t share)
{
    if (done < share && share <= SIZE_MAX) /* (a 32-bit size) */
        wc_tab_project(&f->tab, f->io_words, (size_t)done, (size_t)share);
}

int wc_freq_io_merge(wc_freq *into, wc_freq *from)
{
    /* One merges into the other (wc_merge_target; the same result). */
    struct wc_tab *two[2] = {&into->tab, &from->tab};
    int swap = wc_merge_target(two, 2) == 1;
    if (swap) {
        struct wc_tab tmp = into->tab;
        into->tab = from->tab;
        from->tab = tmp;
        if (from->tab.n == 0)
            return WC_OK;
    }
    int rc = wc_tab_merge(&into->tab, &from->tab);
    if (rc != WC_OK && swap) {
        struct wc_tab tmp = into->tab;
        into->tab = from->tab;
        from->tab = tmp;
    }
    return rc;
}

int wc_freq_io_merge_many(wc_freq *const *from, size_t n, int threads,
                          size_t *big)
{
    size_t nothers = 0;
    struct wc_tab **others = wc_malloc((n > 0 ? n : 1) * sizeof *others);
    if (others == NULL)
        return WC_ENOMEM;
    for (size_t k = 0; k < n; k++)
        others[k] = from[k] != NULL ? &from[k]->tab : NULL;
    size_t b = wc_merge_target(others, n);
    *big = b;
    if (b == SIZE_MAX) {
        free(others);
        return WC_OK;
    }
    for (size_t k = 0; k < n; k++)
        if (from[k] != NULL && k != b)
            others[nothers++] = &from[k]->tab;
    int rc = wc_merge_tables(&from[b]->tab, others, nothers, threads);
    free(others);
    return rc;
}

int wc_freq_io_add_counts(wc_freq *f, const uint64_t *counts)
{
    if (f->needle_counts == NULL) {
        f->needle_counts = wc_calloc(f->nneedles + 1, sizeof *f->needle_counts);
        if (f->needle_counts == NULL)
            return WC_ENOMEM;
    }
    for (size_t i = 0; i < f->nneedles; i++)
        f->needle_counts[i] += counts[i];
    return WC_OK;
}
