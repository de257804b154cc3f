/*
 * freq.c - the words API family: count_many and frequencies on a text in
 * memory.  The words, tables and threads are the core's (wc_freq_*); this
 * file takes the needles from the caller and turns the table into a dict or
 * a collections.Counter.
 */
#include "args.h"
#include "errors.h"
#include "gil.h"

/* ---- count_many --------------------------------------------------------- */

/* One needle as an object of our own: exact str for str contents (a str
 * subclass copied), exact bytes for bytes-like contents (a bytes subclass or
 * any other buffer copied).  Nothing of it can change afterwards, whatever
 * Python code runs, and hashing or comparing it runs no Python code.  A new
 * reference, or NULL with TypeError/BufferError. */
static PyObject *wc_exact_needle(PyObject *nd, int is_str, Py_ssize_t k)
{
    if (PyUnicode_Check(nd) != is_str) {
        PyErr_Format(PyExc_TypeError,
                     "needles must be %s like contents, but needle %zd is "
                     "'%.200s'", is_str ? "str" : "bytes", k,
                     Py_TYPE(nd)->tp_name);
        return NULL;
    }
    if (is_str)
        return PyUnicode_FromObject(nd); /* copies a subclass, no method runs */
    if (PyBytes_CheckExact(nd)) {
        Py_INCREF(nd);
        return nd;
    }
    if (!PyObject_CheckBuffer(nd)) {
        PyErr_Format(PyExc_TypeError,
                     "needles must be bytes-like like contents, but needle %zd "
                     "is '%.200s'", k, Py_TYPE(nd)->tp_name);
        return NULL;
    }
    /* The bytes its buffer gives, as search() reads a needle (a bytes
     * subclass's __buffer__ too, on 3.12+); a released or non-contiguous
     * buffer fails here as it does there. */
    PyObject *copy = wc_bytes_copy(nd, "needle");
    if (copy == NULL || PyBytes_Check(nd))
        return copy;
    /* Each needle is a key of the result: one the caller could not use as a
     * key (a bytearray) is refused before the count, not after.  The object
     * is ours (held by our tuple) while its __hash__ runs. */
    if (PyObject_Hash(nd) == -1) {
        Py_DECREF(copy);
        /* Unhashable: a TypeError, made to say why a key is needed (a
         * writable memoryview says so with a ValueError).  Any other
         * exception of a __hash__ (Ctrl-C, MemoryError) is its own. */
        if (!PyErr_ExceptionMatches(PyExc_TypeError) &&
            !(PyMemoryView_Check(nd) && PyErr_ExceptionMatches(PyExc_ValueError)))
            return NULL;
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError,
                     "needle %zd is an unhashable '%.200s', and needles are "
                     "the keys of the result: pass bytes(...) of it", k,
                     Py_TYPE(nd)->tp_name);
        return NULL;
    }
    return copy;
}

/* The needles as a new tuple of exact str or bytes (wc_exact_needle), taken
 * from the caller's iterable first of all: from then on the caller's list
 * (which another thread, a signal handler or a needle's own __hash__ may
 * change) is never read again.  NULL with an exception. */
static PyObject *wc_exact_needles(PyObject *needles, int is_str)
{
    if (PyUnicode_Check(needles) || PyObject_CheckBuffer(needles)) {
        /* bytes, bytearray, memoryview, mmap, array: one text, not needles
         * (iterated, their items are ints or single bytes). */
        PyErr_Format(PyExc_TypeError,
                     "needles must be an iterable of %s, not a single '%.200s' "
                     "(pass [needle])", is_str ? "str" : "bytes",
                     Py_TYPE(needles)->tp_name);
        return NULL;
    }
    PyObject *items;
    if (PyList_CheckExact(needles) || PyTuple_CheckExact(needles)) {
        items = PySequence_Tuple(needles); /* one copy, under the list's lock */
    } else {
        PyObject *it = PyObject_GetIter(needles);
        if (it == NULL) {
            /* The TypeError of iter() (or one that the object's own
             * __iter__ raised) stays as the cause. */
            if (PyErr_ExceptionMatches(PyExc_TypeError))
                wc_raise_chained(PyExc_TypeError,
                                 "needles must be an iterable of str or bytes, "
                                 "not '%.200s'", Py_TYPE(needles)->tp_name);
            return NULL;
        }
        items = PySequence_Tuple(it);
        Py_DECREF(it);
    }
    if (items == NULL)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    PyObject *exact = PyTuple_New(n);
    for (Py_ssize_t k = 0; exact != NULL && k < n; k++) {
        PyObject *e = wc_exact_needle(PyTuple_GET_ITEM(items, k), is_str, k);
        if (e == NULL)
            Py_CLEAR(exact);
        else
            PyTuple_SET_ITEM(exact, k, e);
    }
    Py_DECREF(items);
    return exact;
}

/* The counts of the needles of `exact` (wc_exact_needles) in `text` (of the
 * object `contents`) into counts[k].  0, or -1 with an exception set. */
static int wc_count_exact(PyObject *contents, const wc_text *text,
                          PyObject *exact, const wc_word_opts *opts,
                          PyObject *progress, uint64_t *counts)
{
    Py_ssize_t n = PyTuple_GET_SIZE(exact);
    size_t *ids = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
    wc_word_opts o = *opts;
    o.utf8 = WC_BYTES_UTF8(opts, text->is_str);
    wc_freq *f = wc_freq_new(text->width, &o);
    int rc = WC_OK;
    if (ids == NULL || f == NULL) {
        PyErr_NoMemory();
        rc = WC_ENOMEM;
    }
    for (Py_ssize_t k = 0; rc == WC_OK && k < n; k++) {
        PyObject *nd = PyTuple_GET_ITEM(exact, k);
        wc_text pat;
        if (wc_get_text(nd, "needle", &pat) < 0) {
            rc = WC_EINVAL;
            break;
        }
        size_t err = 0;
        rc = wc_freq_add_needle(f, pat.data, pat.len, pat.width, &ids[k], &err);
        if (rc != WC_OK)
            wc_raise_text(rc, nd, pat.data, pat.len, err);
        wc_text_release(&pat);
    }
    if (rc == WC_OK) {
        size_t err = 0;
        rc = wc_freq_text(f, text->data, text->len, text->width, 1, 0, 0,
                          progress, &err);
        if (rc != WC_OK)
            wc_raise_text(rc, contents, text->data, text->len, err);
    }
    for (Py_ssize_t k = 0; rc == WC_OK && k < n; k++)
        counts[k] = wc_freq_needle_count(f, ids[k]);
    wc_freq_free(f);
    PyMem_Free(ids);
    return rc == WC_OK ? 0 : -1;
}

static PyObject *wc_count_many_impl(PyObject *contents, PyObject *needles,
                                    const wc_word_opts *opts, PyObject *progress)
{
    wc_text text;
    if (wc_get_text(contents, "contents", &text) < 0)
        return NULL;
    PyObject *result = NULL;
    uint64_t *counts = NULL;
    PyObject *exact = wc_exact_needles(needles, text.is_str);
    if (exact == NULL)
        goto done;
    Py_ssize_t n = PyTuple_GET_SIZE(exact);
    counts = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof *counts);
    if (counts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (wc_count_exact(contents, &text, exact, opts, progress, counts) < 0)
        goto done;
    result = PyDict_New();
    for (Py_ssize_t k = 0; result != NULL && k < n; k++) {
        PyObject *c = PyLong_FromUnsignedLongLong(counts[k]);
        if (c == NULL || PyDict_SetItem(result, PyTuple_GET_ITEM(exact, k), c) < 0)
            Py_CLEAR(result);
        Py_XDECREF(c);
    }
done:
    PyMem_Free(counts);
    Py_XDECREF(exact);
    wc_text_release(&text);
    return result;
}

/* The arguments of count_many and frequencies: `params` is (contents, X,
 * words, casefold, threads, progress, errors), the first `npositional` by
 * position; the word options, errors= and threads= go into *o. */
static int wc_parse_word_call(PyObject *module, const char *fname,
                              PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames, const enum wc_kw params[7],
                              int npositional, PyObject *a[7], wc_word_opts *o)
{
    if (wc_parse_args(module, fname, args, nargs, kwnames, params, 7,
                      npositional, npositional, a) < 0 ||
        wc_get_word_opts(a[2], a[3], o) < 0 || wc_get_errors(a[6], o) < 0 ||
        wc_get_threads(a[4], &o->threads) < 0)
        return -1;
    return 0;
}

/* progress= (params[5]) of a call on `contents`, opened last: see
 * wc_progress_open; close with wc_progress_close. */
static int wc_open_word_progress(PyObject *a[7], PyObject **cb, PyObject **bar)
{
    return wc_progress_open(a[5], PyUnicode_Check(a[0]) ? "char" : "B", cb, bar);
}

static const enum wc_kw wc_count_many_params[] = {
    WC_KW_CONTENTS, WC_KW_NEEDLES, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_THREADS,
    WC_KW_PROGRESS, WC_KW_ERRORS,
};

static PyObject *wc_count_many(PyObject *module, PyObject *const *args,
                               Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[7], *cb, *bar;
    wc_word_opts o;
    if (wc_parse_word_call(module, "count_many", args, nargs, kwnames,
                           wc_count_many_params, 2, a, &o) < 0 ||
        wc_open_word_progress(a, &cb, &bar) < 0)
        return NULL;
    return wc_progress_close(cb, bar, wc_count_many_impl(a[0], a[1], &o, cb));
}

/* ---- frequencies ---------------------------------------------------------- */

static const enum wc_kw wc_frequencies_params[] = {
    WC_KW_CONTENTS, WC_KW_TOP, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_THREADS,
    WC_KW_PROGRESS, WC_KW_ERRORS,
};

/* frequencies (arrays 0: a Counter) and _frequencies_arrays (1: the tuple
 * of wc_freq_arrays). */
static PyObject *wc_frequencies_impl(PyObject *module, PyObject *contents,
                                     Py_ssize_t top, wc_word_opts *o,
                                     PyObject *progress, int arrays)
{
    wc_text text;
    if (wc_get_text(contents, "contents", &text) < 0)
        return NULL;
    o->utf8 = WC_BYTES_UTF8(o, text.is_str);
    PyObject *result = NULL;
    wc_freq *f = wc_freq_new(text.width, o);
    if (f == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* A Counter's str keys are decoded from the count's UTF-8 as they are
     * read (wc_freq_counter), not narrowed first in a pass of their own. */
    if (!arrays && text.is_str)
        wc_freq_keep_utf8(f);
    size_t err = 0;
    int rc = wc_freq_text(f, text.data, text.len, text.width, 0, top, arrays,
                          progress, &err);
    if (rc != WC_OK) {
        wc_raise_text(rc, contents, text.data, text.len, err);
        goto done;
    }
    /* The words of an ASCII str are their own UTF-8: packed as bytes are,
     * not counted byte by byte for the ones >= 0x80 (twice: sizes, then
     * the pack). */
    result = arrays ? wc_freq_arrays(module, f, text.is_str && !text.ascii, top)
                    : wc_freq_counter(module, f, text.is_str, top);
done:
    wc_freq_free(f);
    wc_text_release(&text);
    return result;
}

static PyObject *wc_frequencies_call(PyObject *module, const char *fname,
                                     PyObject *const *args, Py_ssize_t nargs,
                                     PyObject *kwnames, int arrays)
{
    PyObject *a[7], *cb, *bar;
    wc_word_opts o;
    Py_ssize_t top;
    if (wc_parse_word_call(module, fname, args, nargs, kwnames,
                           wc_frequencies_params, 1, a, &o) < 0 ||
        wc_get_top(a[1], &top) < 0 || wc_open_word_progress(a, &cb, &bar) < 0)
        return NULL;
    return wc_progress_close(
        cb, bar, wc_frequencies_impl(module, a[0], top, &o, cb, arrays));
}

static PyObject *wc_frequencies(PyObject *module, PyObject *const *args,
                                Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_frequencies_call(module, "frequencies", args, nargs, kwnames, 0);
}

static PyObject *wc_frequencies_arrays(PyObject *module, PyObject *const *args,
                                       Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_frequencies_call(module, "frequencies_arrays", args, nargs,
                               kwnames, 1);
}

PyMethodDef wc_freq_methods[] = {
    {"count_many", WC_FASTCALL(wc_count_many), METH_FASTCALL | METH_KEYWORDS,
     "count_many($module, /, contents, needles, *, words='space', "
     "casefold=False, threads=None, progress=None, errors='strict')\n--\n\n"
     "The count of every needle in `contents`, in one pass: a dict needle ->\n"
     "count (each distinct needle once; keys are exact str or bytes copies).\n\n"
     "`needles` is an iterable of str (for str contents) or bytes (for\n"
     "bytes-like contents).  `words` is 'space' (the words of search()) or\n"
     "'unicode' (runs of \\w, as re.findall(r'\\w+', text)); with `casefold`\n"
     "words and needles compare after str.casefold().  Bytes are UTF-8 when\n"
     "words='unicode' or casefold=True: with errors='strict' (the default)\n"
     "invalid UTF-8 raises UnicodeDecodeError; with errors='replace' the\n"
     "words are those of contents.decode('utf-8', 'replace') (a bad byte is\n"
     "U+FFFD: no word character).  `threads` caps the threads used\n"
     "(default: default_threads()).  Ctrl-C stops a long count\n"
     "(KeyboardInterrupt).\n\n"
     "`progress`: a callable(done, total) called with (0, total) first,\n"
     "about every 0.1 s during a long count and (total, total) at the end\n"
     "(done and total count characters of a str, bytes of a bytes-like\n"
     "object); raise in it to stop the count.  True: a tqdm bar when tqdm is\n"
     "installed."},
    {"frequencies", WC_FASTCALL(wc_frequencies), METH_FASTCALL | METH_KEYWORDS,
     "frequencies($module, /, contents, *, top=None, words='space', "
     "casefold=False, threads=None, progress=None, errors='strict')\n--\n\n"
     "A collections.Counter of every non-empty word of `contents`.\n\n"
     "With top=K, the K most common words in Counter.most_common(K) order\n"
     "(ties: the word that occurs first in the text comes first); without,\n"
     "every word, in order of first occurrence; any int >= 0 (beyond the\n"
     "number of words: all of them).  `words`, `casefold`, `threads`,\n"
     "`progress`, `errors` and Ctrl-C as for count_many()."},
    {"_frequencies_arrays", WC_FASTCALL(wc_frequencies_arrays),
     METH_FASTCALL | METH_KEYWORDS,
     "_frequencies_arrays($module, /, contents, *, top=None, words='space', "
     "casefold=False, threads=None, progress=None, errors='strict')\n--\n\n"
     "The words of frequencies() as (data, offsets, counts), three bytes:\n"
     "the words one after another (UTF-8 for str contents), the native\n"
     "int64 offsets of each word and of the end, the native uint64 counts.\n"
     "word_count.frequencies_arrays() gives them as typed memoryviews."},
    {NULL, NULL, 0, NULL},
};
