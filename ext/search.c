/*
 * search.c - the search API family: search, search_sequential,
 * search_sequential_allow_threads (and its alias) and _count_byte, one
 * needle in a text in memory.
 */
#include "args.h"
#include "errors.h"
#include "gil.h"

enum wc_mode { WC_PARALLEL, WC_SEQUENTIAL, WC_SEQUENTIAL_NOGIL };

static const enum wc_kw wc_search_params[] = {WC_KW_CONTENTS, WC_KW_NEEDLE,
                                              WC_KW_THREADS, WC_KW_WORDS,
                                              WC_KW_CASEFOLD, WC_KW_PROGRESS,
                                              WC_KW_ERRORS};

static PyObject *wc_search_impl(PyObject *contents, PyObject *needle,
                                int threads, enum wc_mode mode)
{
    wc_text text, pat;
    int impossible;
    if (wc_get_pair(contents, needle, &text, &pat, &impossible) < 0)
        return NULL;
    uint64_t count = 0;
    int rc = WC_OK;
    if (!impossible) {
        int release = mode != WC_SEQUENTIAL &&
                      text.len * (size_t)text.width >= WC_GIL_THRESHOLD;
        PyThreadState *ts = release ? PyEval_SaveThread() : NULL;
        if (mode == WC_PARALLEL)
            rc = wc_count_parallel(text.data, text.len, pat.data, pat.len,
                                   text.width, threads, &count);
        else
            count = wc_count(text.data, text.len, pat.data, pat.len, text.width);
        if (ts != NULL)
            PyEval_RestoreThread(ts);
    }
    wc_text_release(&text);
    wc_text_release(&pat);
    if (rc != WC_OK)
        return wc_raise(rc);
    return PyLong_FromUnsignedLongLong(count);
}

/* search(words=, casefold=): the one needle counted by a table of the core
 * (wc_freq_add_needle copies it into the table, then wc_freq_text counts;
 * progress: a callable or NULL). */
static PyObject *wc_search_words(PyObject *contents, PyObject *needle,
                                 const wc_word_opts *opts, PyObject *progress)
{
    if (PyUnicode_Check(contents) != PyUnicode_Check(needle)) {
        PyErr_Format(PyExc_TypeError,
                     "contents and needle must both be str or both be "
                     "bytes-like, not '%.200s' and '%.200s'",
                     Py_TYPE(contents)->tp_name, Py_TYPE(needle)->tp_name);
        return NULL;
    }
    /* The contents first, as wc_get_pair takes them: a needle's __buffer__
     * (3.12+) then runs with them exported, so it cannot resize them. */
    wc_text pat, text;
    if (wc_get_text(contents, "contents", &text) < 0)
        return NULL;
    if (wc_get_text(needle, "needle", &pat) < 0) {
        wc_text_release(&text);
        return NULL;
    }
    wc_word_opts o = *opts;
    o.utf8 = WC_BYTES_UTF8(opts, text.is_str);
    wc_freq *f = wc_freq_new(text.width, &o);
    size_t id = WC_NO_ID, err = 0;
    int rc = f == NULL ? WC_ENOMEM
                       : wc_freq_add_needle(f, pat.data, pat.len, pat.width, &id, &err);
    if (rc != WC_OK)
        wc_raise_text(rc, needle, pat.data, pat.len, err);
    /* The table holds its own copy: the caller's needle is not read again. */
    wc_text_release(&pat);
    if (rc == WC_OK) {
        rc = wc_freq_text(f, text.data, text.len, text.width, 1, 0, 0, progress, &err);
        if (rc != WC_OK)
            wc_raise_text(rc, contents, text.data, text.len, err);
    }
    uint64_t count = rc == WC_OK ? wc_freq_needle_count(f, id) : 0;
    wc_freq_free(f);
    wc_text_release(&text);
    return rc == WC_OK ? PyLong_FromUnsignedLongLong(count) : NULL;
}

/* search() with the default words and progress= (a callable): the kernels
 * count on the pool as without it, the calling thread stopping between
 * windows of the text to report (and for Ctrl-C). */
static PyObject *wc_search_progress(PyObject *contents, PyObject *needle,
                                    int threads, PyObject *progress)
{
    wc_text text, pat;
    int impossible;
    if (wc_get_pair(contents, needle, &text, &pat, &impossible) < 0)
        return NULL;
    if (impossible) {
        /* No word can be the needle: counted by the word enumerator, which
         * reports progress over the whole text all the same. */
        wc_text_release(&text);
        wc_text_release(&pat);
        wc_word_opts o;
        if (wc_get_word_opts(NULL, NULL, &o) < 0)
            return NULL;
        o.threads = threads;
        return wc_search_words(contents, needle, &o, progress);
    }
    wc_call call = {.progress = progress, .unit = (unsigned)text.width};
    wc_io_options opt = {.threads = threads, .progress = wc_on_progress,
                         .progress_arg = &call};
    uint64_t count = 0;
    call.ts = PyEval_SaveThread();
    int rc = wc_count_parallel_io(text.data, text.len, pat.data, pat.len,
                                  text.width, &opt, &count);
    PyEval_RestoreThread(call.ts);
    wc_text_release(&text);
    wc_text_release(&pat);
    if (rc != WC_OK)
        return wc_raise(rc);
    return PyLong_FromUnsignedLongLong(count);
}

static PyObject *wc_search(PyObject *module, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[7], *cb, *bar;
    int threads;
    wc_word_opts o;
    if (wc_parse_args(module, "search", args, nargs, kwnames, wc_search_params,
                      7, 2, 2, a) < 0 ||
        wc_get_threads(a[2], &threads) < 0 ||
        wc_get_word_opts(a[3], a[4], &o) < 0 || wc_get_errors(a[6], &o) < 0)
        return NULL;
    if (a[5] == NULL || a[5] == Py_None || a[5] == Py_False) {
        if (!wc_word_opts_special(&o))
            return wc_search_impl(a[0], a[1], threads, WC_PARALLEL);
        o.threads = threads;
        return wc_search_words(a[0], a[1], &o, NULL);
    }
    /* progress=: counted where the count stops to report (the kernels'
     * parallel pass has no such points). */
    if (wc_progress_open(a[5], PyUnicode_Check(a[0]) ? "char" : "B", &cb, &bar) < 0)
        return NULL;
    o.threads = threads;
    PyObject *r;
    if (cb == NULL) /* progress=True without tqdm */
        r = wc_word_opts_special(&o) ? wc_search_words(a[0], a[1], &o, NULL)
                                     : wc_search_impl(a[0], a[1], threads, WC_PARALLEL);
    else
        r = wc_word_opts_special(&o) ? wc_search_words(a[0], a[1], &o, cb)
                                     : wc_search_progress(a[0], a[1], threads, cb);
    return wc_progress_close(cb, bar, r);
}

/* search_sequential and search_sequential_allow_threads: (contents,
 * needle) on one thread, the GIL held or not (mode). */
static PyObject *wc_search_one_thread(PyObject *module, const char *fname,
                                      PyObject *const *args, Py_ssize_t nargs,
                                      PyObject *kwnames, enum wc_mode mode)
{
    PyObject *a[2];
    if (wc_parse_args(module, fname, args, nargs, kwnames, wc_search_params,
                      2, 2, 2, a) < 0)
        return NULL;
    return wc_search_impl(a[0], a[1], 1, mode);
}

static PyObject *wc_search_sequential(PyObject *module, PyObject *const *args,
                                      Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_search_one_thread(module, "search_sequential", args, nargs,
                                kwnames, WC_SEQUENTIAL);
}

static PyObject *wc_search_allow_threads(PyObject *module, PyObject *const *args,
                                         Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_search_one_thread(module, "search_sequential_allow_threads",
                                args, nargs, kwnames, WC_SEQUENTIAL_NOGIL);
}

static PyObject *wc_count_byte_py(PyObject *module, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[3];
    int threads;
    if (wc_parse_args(module, "_count_byte", args, nargs, kwnames,
                      wc_search_params, 3, 2, 2, a) < 0 ||
        wc_get_threads(a[2], &threads) < 0)
        return NULL;
    long long byte;
    if (wc_get_int(a[1], "byte", 0, 255, &byte) < 0)
        return NULL;
    wc_text buf;
    if (wc_get_bytes(a[0], "contents", &buf) < 0)
        return NULL;
    uint64_t count = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wc_count_byte_parallel(buf.data, buf.len, (uint8_t)byte, threads, &count);
    Py_END_ALLOW_THREADS
    wc_text_release(&buf);
    if (rc != WC_OK)
        return wc_raise(rc);
    return PyLong_FromUnsignedLongLong(count);
}

#define WC_SEARCH_DOC(name, what)                                             \
    name "($module, /, contents, needle)\n--\n\n"                             \
    "Count the words of `contents` equal to `needle`, " what ".\n\n"          \
    "`contents` and `needle` are both str or both bytes-like."

PyMethodDef wc_search_methods[] = {
    {"search", WC_FASTCALL(wc_search), METH_FASTCALL | METH_KEYWORDS,
     "search($module, /, contents, needle, *, threads=None, words='space', "
     "casefold=False, progress=None, errors='strict')\n--\n\n"
     "Count the words of `contents` equal to `needle` on every core.\n\n"
     "`contents` and `needle` are both str or both bytes-like.  The GIL is\n"
     "released for the count (inputs of GIL_RELEASE_THRESHOLD bytes or more).\n"
     "`threads` caps the threads used (default: default_threads()).\n"
     "`words`, `casefold` and `errors` as for count_many() (the default runs on\n"
     "the SIMD kernels).  `progress` as for count_many()."},
    {"search_sequential", WC_FASTCALL(wc_search_sequential),
     METH_FASTCALL | METH_KEYWORDS,
     WC_SEARCH_DOC("search_sequential", "on one thread, holding the GIL")},
    {"search_sequential_allow_threads", WC_FASTCALL(wc_search_allow_threads),
     METH_FASTCALL | METH_KEYWORDS,
     WC_SEARCH_DOC("search_sequential_allow_threads",
                   "on one thread, with the GIL released so that other Python "
                   "threads run meanwhile")},
    {"search_sequential_detached", WC_FASTCALL(wc_search_allow_threads),
     METH_FASTCALL | METH_KEYWORDS,
     WC_SEARCH_DOC("search_sequential_detached",
                   "on one thread, with the GIL released (the name current "
                   "PyO3 uses for search_sequential_allow_threads)")},
    {"_count_byte", WC_FASTCALL(wc_count_byte_py), METH_FASTCALL | METH_KEYWORDS,
     "_count_byte($module, /, contents, needle, *, threads=None)\n--\n\n"
     "Bytes of the bytes-like `contents` equal to the int `needle` (0-255), in\n"
     "one plain SIMD pass on the same kernel and threads as search(): the\n"
     "benchmarks' yardstick for memory speed, not a word count."},
    {NULL, NULL, 0, NULL},
};
