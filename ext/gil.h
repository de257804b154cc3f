/*
 * gil.h - the GIL hand-off: the core counts with the GIL released, and its
 * callbacks (progress, cancellation) take it back on the calling thread to
 * run Python's signal handlers and the caller's progress callable (gil.c).
 */
#ifndef WC_EXT_GIL_H
#define WC_EXT_GIL_H

#include "module.h"

/* Inputs of at least this many bytes are counted with the GIL released
 * (as CPython's hashlib does above 2048 bytes): below it, releasing and
 * taking back the GIL costs more than the count and, with other threads
 * running, can stall the caller for a whole switch interval.
 * Published as word_count.GIL_RELEASE_THRESHOLD. */
#define WC_GIL_THRESHOLD 2048

/* The calling thread's state while the GIL is released, for the core's
 * callbacks, which run on that thread. */
typedef struct {
    PyThreadState *ts;    /* from PyEval_SaveThread() */
    PyObject *progress;   /* a callable or NULL */
    unsigned unit;        /* progress gets done / unit, total / unit (0: 1) */
    int has_total;        /* total replaces the core's WC_SIZE_UNKNOWN */
    uint64_t total;
} wc_call;

/* The core's wc_progress_fn (arg: a wc_call): takes the GIL back, runs
 * PyErr_CheckSignals() (Ctrl-C) and then c->progress(done, total) if any,
 * releases the GIL again; nonzero (stop the count) when either raised, the
 * exception left set.  Only for a count that runs with the GIL released by
 * the same call. */
int wc_on_progress(void *arg, uint64_t done, uint64_t total);

/* progress(done, total) (total None when WC_SIZE_UNKNOWN), with the GIL
 * held; -1 with its exception set when it raised. */
int wc_call_progress(PyObject *progress, uint64_t done, uint64_t total);

/* progress= of the file functions: None or False -> *cb NULL; a callable ->
 * *cb (borrowed).  0, or -1 with TypeError. */
int wc_get_progress(PyObject *obj, PyObject **cb);

/* progress= of the in-memory functions: as wc_get_progress, but *cb is a
 * new reference, and True makes a tqdm bar from word_count._files (`unit`
 * names its unit), *bar to close, or a RuntimeWarning and no callable
 * without tqdm.  0, or -1 with an exception. */
int wc_progress_open(PyObject *obj, const char *unit, PyObject **cb,
                     PyObject **bar);

/* The end of a call that wc_progress_open began: releases cb, closes bar
 * (an exception of the call wins over one from close()); returns result, or
 * NULL when close() raised. */
PyObject *wc_progress_close(PyObject *cb, PyObject *bar, PyObject *result);

/*
 * The order of f's words for its result (wc_freq_order): top < 0, by first
 * occurrence, for a Counter's read-out (wc_freq_sort: it gives back the
 * table as it goes) or for `arrays` (wc_freq_sort_for_pack: keys packed
 * as they were counted, read through an index of their order);
 * else the top most common first (wc_freq_sort_top).  Returns the core's
 * code.
 */
int wc_freq_order(wc_freq *f, Py_ssize_t top, int arrays);

/*
 * The words of a text in memory (data, len units of f's width) into f: the
 * needles' counts (needles), or every word and then their order for a
 * result (wc_freq_order(f, top, arrays)).  A text of WC_GIL_THRESHOLD bytes
 * or more is counted with the GIL released, with signal handlers and
 * `progress` (a callable or NULL) run between spans (wc_on_progress);
 * progress is also called with (0, total) before and (total, total) after,
 * whatever the size (units: characters of a str, bytes).  Returns the
 * core's code (WC_EINTR with the exception set when a callback raised;
 * WC_EUTF8 with *err the offset).
 */
int wc_freq_text(wc_freq *f, const void *data, size_t len, int width,
                 int needles, Py_ssize_t top, int arrays, PyObject *progress,
                 size_t *err);

#endif /* WC_EXT_GIL_H */
