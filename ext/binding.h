/*
 * binding.h - shared by the files of the CPython extension word_count._word_count.
 *
 * The extension holds no algorithm: it turns Python objects into the core's
 * arguments (wordcount.h), releases the GIL, and turns the core's error codes
 * into exceptions.  module.c holds the module, its state and the argument
 * parser; each other file adds a table of functions.
 */
#ifndef WC_BINDING_H
#define WC_BINDING_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wordcount.h"

/* Inputs of at least this many bytes are counted with the GIL released
 * (as CPython's hashlib does above 2048 bytes): below it, releasing and
 * taking back the GIL costs more than the count and, with other threads
 * running, can stall the caller for a whole switch interval.
 * Published as word_count.GIL_RELEASE_THRESHOLD. */
#define WC_GIL_THRESHOLD 2048

/* Keyword names, interned once in the module state. */
enum wc_kw {
    WC_KW_CONTENTS,
    WC_KW_NEEDLE,
    WC_KW_THREADS,
    WC_KW_NEEDLES,
    WC_KW_WORDS,
    WC_KW_CASEFOLD,
    WC_KW_TOP,
    WC_KW_PATH,
    WC_KW_FILEOBJ,
    WC_KW_PROGRESS,
    WC_KW_BLOCK_SIZE,
    WC_KW_ERRORS,
    WC_KW_COUNT
};

typedef struct {
    PyObject *kw[WC_KW_COUNT];
    PyObject *counter; /* collections.Counter, imported at module exec */
} wc_state;

wc_state *wc_get_state(PyObject *module);

/*
 * Parse FASTCALL arguments: `params` lists the parameters in order, the
 * first `npositional` of them may be given by position, the first
 * `nrequired` must be given; the rest are keyword-only.  out[k] receives a
 * borrowed reference or stays NULL.  Returns 0, or -1 with TypeError set.
 */
int wc_parse_args(PyObject *module, const char *fname, PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames, const enum wc_kw *params,
                  int nparams, int npositional, int nrequired, PyObject **out);

/* A text or needle as the core takes it. */
typedef struct {
    const void *data;
    size_t len;      /* in code units */
    int width;       /* bytes per unit: 1, 2 or 4 */
    int is_str;
    int has_view;
    Py_buffer view;  /* held while has_view */
    void *owned;     /* PyMem_Malloc'd, freed by wc_text_release */
} wc_text;

/* contents and needle, both str or both bytes-like: fills *text and *needle
 * with the needle in the text's width (*impossible set when a str needle
 * holds a character the text cannot contain).  Returns 0, or -1 with an
 * exception set and nothing held. */
int wc_get_pair(PyObject *contents, PyObject *needle, wc_text *text,
                wc_text *pat, int *impossible);

/* A bytes-like object as one C-contiguous run of single bytes. */
int wc_get_bytes(PyObject *obj, const char *what, wc_text *out);

void wc_text_release(wc_text *t);

/* threads=None -> 0 (the default); else 1..WC_MAX_THREADS. -1 on error. */
int wc_get_threads(PyObject *obj, int *threads);

/* Set the exception for a core error code; returns NULL.  WC_EIO becomes
 * the OSError subclass of errno (FileNotFoundError, ...) with `path` (may be
 * NULL); WC_ETRUNCATED an OSError(EIO); WC_EINTR keeps a pending exception
 * or raises KeyboardInterrupt. */
PyObject *wc_raise_path(int code, PyObject *path);
PyObject *wc_raise(int code);

/* The calling thread's state while the GIL is released, for the core's
 * callbacks, which run on that thread. */
typedef struct {
    PyThreadState *ts;    /* from PyEval_SaveThread() */
    PyObject *progress;   /* a callable or NULL */
    PyObject *read;       /* search_stream's bound read method, or NULL */
    PyObject *pending;    /* exact bytes: what read() returned beyond n */
    Py_ssize_t pending_pos;
    unsigned unit;        /* progress gets done / unit, total / unit (0: 1) */
    int has_total;        /* total replaces the core's WC_SIZE_UNKNOWN */
    uint64_t total;
} wc_call;

/* progress(done, total) (total None when WC_SIZE_UNKNOWN), with the GIL
 * held; -1 with its exception set when it raised. */
int wc_call_progress(PyObject *progress, uint64_t done, uint64_t total);

/* A progress= argument of the in-memory functions as a callable: None or
 * False -> *cb NULL; a callable -> *cb (a new reference); True -> a tqdm bar
 * from word_count._files (`unit` names its unit), *bar to close, or a
 * RuntimeWarning and no callable without tqdm.  0, or -1 with TypeError. */
int wc_progress_open(PyObject *obj, const char *unit, PyObject **cb,
                     PyObject **bar);

/* The end of a call that wc_progress_open began: releases cb, closes bar
 * (an exception of the call wins over one from close()); returns result, or
 * NULL when close() raised. */
PyObject *wc_progress_close(PyObject *cb, PyObject *bar, PyObject *result);

/* The core's wc_progress_fn (arg: a wc_call): takes the GIL back, runs
 * PyErr_CheckSignals() (Python's signal handlers: Ctrl-C) and then
 * c->progress(done, total) if any, releases the GIL again; nonzero (stop the
 * count) when either raised, the exception left set (files.c).  Only for a
 * count that runs with the GIL released by the same call. */
int wc_on_progress(void *arg, uint64_t done, uint64_t total);

/* contents as str (in place, its own kind) or a bytes-like object. */
int wc_get_text(PyObject *obj, const char *what, wc_text *out);

extern PyMethodDef wc_search_methods[];
extern PyMethodDef wc_files_methods[];

/* ---- freq.c: words=, casefold=, count_many, frequencies ------------------ */

extern PyMethodDef wc_freq_methods[];

/* Parse words= and casefold= into *opts (absent: space, no folding). */
int wc_get_word_opts(PyObject *words, PyObject *casefold, wc_word_opts *opts);

/* Parse errors= ('strict', the default, or 'replace': what invalid UTF-8 in
 * bytes is when words are decoded) into opts->utf8, after wc_get_word_opts. */
int wc_get_errors(PyObject *errors, wc_word_opts *opts);

/* opts->utf8 for a text: 0 for str, the errors= choice for bytes. */
#define WC_BYTES_UTF8(opts, is_str)                                          \
    ((is_str) ? 0 : (opts)->utf8 == WC_UTF8_REPLACE ? WC_UTF8_REPLACE        \
                                                    : WC_UTF8_STRICT)

/* 1 when opts ask for anything but the default space words without folding
 * (search() then counts through the word enumerator). */
int wc_word_opts_special(const wc_word_opts *opts);

/* search(contents, needle, words=..., casefold=..., progress=...) through
 * the enumerator (progress: a callable or NULL). */
PyObject *wc_search_words(PyObject *contents, PyObject *needle,
                          const wc_word_opts *opts, PyObject *progress);

/* top=None -> -1; else an int >= 0, those beyond PY_SSIZE_T_MAX as
 * PY_SSIZE_T_MAX (no table is that large).  -1 on error. */
int wc_get_top(PyObject *obj, Py_ssize_t *top);

/* A collections.Counter of a sorted table's words (top < 0: all of them);
 * keys are str when is_str, else bytes. */
PyObject *wc_freq_counter(PyObject *module, const wc_freq *f, int is_str,
                          Py_ssize_t top);

/* Raise the UnicodeDecodeError of bytes.decode() for the bytes-like `obj`
 * (its data: text) whose first bad byte is at `off`; returns NULL. */
PyObject *wc_raise_utf8(PyObject *obj, const wc_text *text, size_t off);

/* Raise UnicodeDecodeError for invalid UTF-8 the core found in a file or
 * stream (`name`: its path or name, may be NULL); returns NULL. */
PyObject *wc_raise_utf8_io(const wc_utf8_error *ue, PyObject *name);

#endif /* WC_BINDING_H */
