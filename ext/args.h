/*
 * args.h - the argument layer: Python arguments in as the core's values
 * (texts, needles, ints, word options), and a table of the core's out as a
 * collections.Counter (args.c).
 */
#ifndef WC_EXT_ARGS_H
#define WC_EXT_ARGS_H

#include "module.h"

/*
 * Parse FASTCALL arguments: `params` lists the parameters in order, the
 * first `npositional` of them may be given by position, the first
 * `nrequired` must be given; the rest are keyword-only.  out[k] receives a
 * borrowed reference or stays NULL.  Returns 0, or -1 with TypeError set.
 */
int wc_parse_args(PyObject *module, const char *fname, PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames, const enum wc_kw *params,
                  int nparams, int npositional, int nrequired, PyObject **out);

/*
 * An int parameter that may be None: absent or None leaves *out as is and
 * returns 0; an int from lo to hi is stored and returns 1; a bool or a
 * non-int is a TypeError, an int out of range a ValueError naming `name`
 * (`unit`, e.g. " bytes", follows hi in the message).  hi == LLONG_MAX means
 * no upper bound: a larger int is stored as LLONG_MAX.  -1 on error.
 */
int wc_get_int_or_none(PyObject *obj, const char *name, long long lo,
                       long long hi, const char *unit, long long *out);

/* An int parameter that must be given: an int (not a bool) from lo to hi
 * (hi < LLONG_MAX) into *out, else a TypeError or ValueError naming `name`
 * and -1. */
int wc_get_int(PyObject *obj, const char *name, long long lo, long long hi,
               long long *out);

/* threads=: None -> 0 (the default); else 1..WC_MAX_THREADS. */
int wc_get_threads(PyObject *obj, int *threads);

/* top=: None -> -1; else an int >= 0, those beyond PY_SSIZE_T_MAX as
 * PY_SSIZE_T_MAX (no table is that large). */
int wc_get_top(PyObject *obj, Py_ssize_t *top);

/* block_size=: None -> 0 (the default); else 1 to 1 GiB. */
int wc_get_block_size(PyObject *obj, size_t *block);

/* PyObject_GetBuffer and PyBuffer_Release, serialized per exporter on a
 * free-threaded 3.13: there bytearray, array.array, memoryview and mmap
 * count their exports with a plain ++ and -- and no lock (CPython made them
 * thread-safe in 3.14), so two threads counting one object at once lost
 * updates: a bytearray refused every resize afterwards ("Existing exports
 * of data") and was reported as deallocated with exported buffers, and a
 * lost ++ could let another thread resize it under a count.  Taking the
 * exporter's critical section around both makes every export and release
 * of word_count's one at a time (other code's exports of the same object,
 * memoryview(obj) in another thread, stay CPython's own race).  Exact bytes,
 * which count no exports, and every other build are not locked. */
int wc_buffer_get(PyObject *obj, Py_buffer *view, int flags);
void wc_buffer_release(Py_buffer *view);

/* A text or needle as the core takes it. */
typedef struct {
    const void *data;
    size_t len;      /* in code units */
    int width;       /* bytes per unit: 1, 2 or 4 */
    int is_str;
    int ascii;       /* a str of ASCII alone (its units are its UTF-8) */
    int has_view;
    Py_buffer view;  /* held while has_view */
    void *owned;     /* PyMem_Malloc'd, freed by wc_text_release */
} wc_text;

/* A bytes-like object as one C-contiguous run of single bytes (`what`
 * names it in messages).  0, or -1 with an exception set and nothing held. */
int wc_get_bytes(PyObject *obj, const char *what, wc_text *out);

/* A str (in place, its own kind) or a bytes-like object. */
int wc_get_text(PyObject *obj, const char *what, wc_text *out);

/* contents and needle, both str or both bytes-like: fills *text and *pat
 * with the needle in the text's width (*impossible set when a str needle
 * holds a character the text cannot contain).  Returns 0, or -1 with an
 * exception set and nothing held. */
int wc_get_pair(PyObject *contents, PyObject *needle, wc_text *text,
                wc_text *pat, int *impossible);

void wc_text_release(wc_text *t);

/* A bytes-like object as exact bytes of our own (a new reference; exact
 * bytes themselves are shared): what Python code running later (another
 * thread, a signal handler, a callback) does to the object cannot change
 * them.  NULL with an exception. */
PyObject *wc_bytes_copy(PyObject *obj, const char *what);

/* words= and casefold= into *opts (absent: space, no folding). */
int wc_get_word_opts(PyObject *words, PyObject *casefold, wc_word_opts *opts);

/* errors= ('strict', the default, or 'replace': what invalid UTF-8 in bytes
 * is when words are decoded) into opts->utf8, after wc_get_word_opts. */
int wc_get_errors(PyObject *errors, wc_word_opts *opts);

/* opts->utf8 for a text: 0 for str, the errors= choice for bytes. */
#define WC_BYTES_UTF8(opts, is_str)                                          \
    ((is_str) ? 0 : (opts)->utf8 == WC_UTF8_REPLACE ? WC_UTF8_REPLACE        \
                                                    : WC_UTF8_STRICT)

/* 1 when opts ask for anything but the default space words without folding
 * (the needle is then counted through a table, not by the kernels). */
int wc_word_opts_special(const wc_word_opts *opts);

/* A collections.Counter of a sorted table's words (top < 0: all of them);
 * keys are str when is_str, else bytes.  The words read go back to the OS
 * as it goes (wc_freq_release): f is only to be freed after. */
PyObject *wc_freq_counter(PyObject *module, wc_freq *f, int is_str,
                          Py_ssize_t top);

/* The same words as a tuple of three: bytes of the keys one after another
 * (UTF-8 when is_str), then the int64 offsets of the n words and of their
 * end (n + 1) and the uint64 counts (n), each as bytes, or as a read-only
 * memoryview of a _Pages object when the table lent them (pages.c).  f is
 * only to be freed after. */
PyObject *wc_freq_arrays(PyObject *module, wc_freq *f, int is_str,
                         Py_ssize_t top);

#endif /* WC_EXT_ARGS_H */
