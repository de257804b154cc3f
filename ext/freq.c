/*
 * freq.c - count_many, frequencies, and the words= / casefold= options that
 * search() shares.  The words, tables and threads are the core's (lib/freq.c);
 * this file turns Python objects into its arguments and its tables into a
 * dict or a collections.Counter.
 */
#include "binding.h"

static const char wc_words_choices[] = "'space' or 'unicode'";

int wc_get_word_opts(PyObject *words, PyObject *casefold, wc_word_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->words = WC_WORDS_SPACE;
    if (words != NULL && words != Py_None) {
        if (!PyUnicode_Check(words)) {
            PyErr_Format(PyExc_TypeError, "words must be %s, not '%.200s'",
                         wc_words_choices, Py_TYPE(words)->tp_name);
            return -1;
        }
        if (PyUnicode_CompareWithASCIIString(words, "space") == 0) {
            opts->words = WC_WORDS_SPACE;
        } else if (PyUnicode_CompareWithASCIIString(words, "unicode") == 0) {
            opts->words = WC_WORDS_UNICODE;
        } else {
            PyErr_Format(PyExc_ValueError, "words must be %s, not %R",
                         wc_words_choices, words);
            return -1;
        }
    }
    if (casefold != NULL) {
        int t = PyObject_IsTrue(casefold);
        if (t < 0)
            return -1;
        opts->casefold = t;
    }
    return 0;
}

int wc_get_errors(PyObject *errors, wc_word_opts *opts)
{
    opts->utf8 = WC_UTF8_STRICT;
    if (errors == NULL || errors == Py_None)
        return 0;
    if (PyUnicode_Check(errors) &&
        PyUnicode_CompareWithASCIIString(errors, "strict") == 0)
        return 0;
    if (PyUnicode_Check(errors) &&
        PyUnicode_CompareWithASCIIString(errors, "replace") == 0) {
        opts->utf8 = WC_UTF8_REPLACE;
        return 0;
    }
    if (PyErr_Occurred())
        return -1;
    PyErr_Format(PyUnicode_Check(errors) ? PyExc_ValueError : PyExc_TypeError,
                 "errors must be 'strict' or 'replace', not %R", errors);
    return -1;
}

int wc_word_opts_special(const wc_word_opts *opts)
{
    return opts->words != WC_WORDS_SPACE || opts->casefold;
}

/* Raise the UnicodeDecodeError CPython's own decoder raises for `obj` (a
 * bytes-like object whose data is text->data), whose first bad byte the core
 * found at `off`: decode a few bytes from there for the reason and the end. */
PyObject *wc_raise_utf8(PyObject *obj, const wc_text *text, size_t off)
{
    size_t stop = text->len - off < 4 ? text->len : off + 4;
    Py_ssize_t start = (Py_ssize_t)off, end = (Py_ssize_t)off + 1;
    PyObject *reason = NULL;
    PyObject *u = PyUnicode_DecodeUTF8((const char *)text->data + off,
                                       (Py_ssize_t)(stop - off), "strict");
    if (u != NULL) {
        /* Cannot happen (the core decodes as CPython does); say so. */
        Py_DECREF(u);
        reason = PyUnicode_FromString("invalid UTF-8 (word_count core)");
    } else if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        Py_ssize_t s, e;
        if (PyUnicodeDecodeError_GetStart(value, &s) == 0 &&
            PyUnicodeDecodeError_GetEnd(value, &e) == 0) {
            start = (Py_ssize_t)off + s;
            end = (Py_ssize_t)off + e;
            reason = PyUnicodeDecodeError_GetReason(value);
        }
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    } else {
        return NULL;
    }
    if (reason == NULL)
        return NULL;
    /* The exception refers to the caller's object, as bytes.decode()'s does
     * (bytes are referenced, other buffers copied by UnicodeDecodeError). */
    PyObject *exc = PyObject_CallFunction(PyExc_UnicodeDecodeError, "sOnnO",
                                          "utf-8", obj, start, end, reason);
    Py_DECREF(reason);
    if (exc != NULL) {
        PyErr_SetObject(PyExc_UnicodeDecodeError, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *wc_raise_utf8_io(const wc_utf8_error *ue, PyObject *name)
{
    PyObject *obj = PyBytes_FromStringAndSize((const char *)ue->context,
                                              (Py_ssize_t)ue->context_len);
    if (obj == NULL)
        return NULL;
    Py_ssize_t start = (Py_ssize_t)ue->context_at, end = start + 1;
    PyObject *reason = NULL;
    PyObject *u = PyUnicode_DecodeUTF8((const char *)ue->context + ue->context_at,
                                       (Py_ssize_t)(ue->context_len - ue->context_at),
                                       "strict");
    if (u != NULL) {
        Py_DECREF(u); /* no context (the file shrank), or a core bug */
        reason = PyUnicode_FromString("invalid UTF-8");
    } else if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        Py_ssize_t s, e;
        if (PyUnicodeDecodeError_GetStart(value, &s) == 0 &&
            PyUnicodeDecodeError_GetEnd(value, &e) == 0) {
            start = (Py_ssize_t)ue->context_at + s;
            end = (Py_ssize_t)ue->context_at + e;
            reason = PyUnicodeDecodeError_GetReason(value);
        }
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    }
    if (reason == NULL) {
        Py_DECREF(obj);
        return NULL;
    }
    /* The reason names the place in the file; object is the bytes around
     * it (start and end index them, as for any UnicodeDecodeError). */
    PyObject *full = name != NULL
        ? PyUnicode_FromFormat("%U at byte offset %llu of %R", reason,
                               (unsigned long long)ue->offset, name)
        : PyUnicode_FromFormat("%U at byte offset %llu of the stream", reason,
                               (unsigned long long)ue->offset);
    Py_DECREF(reason);
    PyObject *exc = full == NULL ? NULL
        : PyObject_CallFunction(PyExc_UnicodeDecodeError, "sOnnO", "utf-8",
                                obj, start, end, full);
    Py_XDECREF(full);
    Py_DECREF(obj);
    if (exc == NULL)
        return NULL;
    PyObject *off = PyLong_FromUnsignedLongLong(ue->offset);
    if (off == NULL || PyObject_SetAttrString(exc, "file_offset", off) < 0 ||
        PyObject_SetAttrString(exc, "filename", name != NULL ? name : Py_None) < 0) {
        Py_XDECREF(off);
        Py_DECREF(exc);
        return NULL;
    }
    Py_DECREF(off);
    PyErr_SetObject(PyExc_UnicodeDecodeError, exc);
    Py_DECREF(exc);
    return NULL;
}

/* Release the GIL for inputs at least this large. */
static int wc_big(const wc_text *text)
{
    return text->len * (size_t)text->width >= WC_GIL_THRESHOLD;
}

/* The words of text into f: the needles' counts, or every word and then
 * wc_freq_sort(f, by_count). */
static int wc_freq_pass(wc_freq *f, const wc_text *text, int needles,
                        int by_count, size_t *err)
{
    if (needles)
        return wc_freq_count_needles(f, text->data, text->len, err);
    int rc = wc_freq_count_all(f, text->data, text->len, err);
    return rc == WC_OK ? wc_freq_sort(f, by_count) : rc;
}

/* wc_freq_pass, with the GIL released for a big text.  Then the calling
 * thread takes the GIL back between spans of the text, at most every 100 ms,
 * to run Python's signal handlers and `progress` (wc_on_progress): Ctrl-C
 * (or any handler that raises) stops the count, which returns WC_EINTR with
 * the exception set.  A small text holds the GIL and needs no such check.
 * progress (a callable or NULL) is also called with (0, total) before and
 * (total, total) after, as the file functions do, whatever the size: done
 * and total count the text's items (characters of a str, bytes). */
static int wc_freq_text(wc_freq *f, const wc_text *text, int needles,
                        int by_count, PyObject *progress, size_t *err)
{
    if (progress != NULL && wc_call_progress(progress, 0, text->len) < 0)
        return WC_EINTR;
    int rc;
    if (!wc_big(text)) {
        rc = wc_freq_pass(f, text, needles, by_count, err);
    } else {
        wc_call call = {.progress = progress, .unit = (unsigned)text->width};
        wc_freq_set_progress(f, wc_on_progress, &call, 0);
        call.ts = PyEval_SaveThread();
        rc = wc_freq_pass(f, text, needles, by_count, err);
        PyEval_RestoreThread(call.ts);
        wc_freq_set_progress(f, NULL, NULL, 0);
    }
    if (rc == WC_OK && progress != NULL &&
        wc_call_progress(progress, text->len, text->len) < 0)
        return WC_EINTR;
    return rc;
}

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
    if (PyBytes_Check(nd))
        return PyBytes_FromStringAndSize(PyBytes_AS_STRING(nd), PyBytes_GET_SIZE(nd));
    /* Each needle is a key of the result: one the caller could not use as a
     * key (a bytearray) is refused before the count, not after.  The object
     * is ours (held by our tuple) while its __hash__ runs. */
    if (PyObject_Hash(nd) == -1) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError,
                     "needle %zd is an unhashable '%.200s', and needles are "
                     "the keys of the result: pass bytes(...) of it", k,
                     Py_TYPE(nd)->tp_name);
        return NULL;
    }
    wc_text view;
    if (wc_get_bytes(nd, "needle", &view) < 0)
        return NULL;
    PyObject *b = PyBytes_FromStringAndSize(view.data, (Py_ssize_t)view.len);
    wc_text_release(&view);
    return b;
}

/* The needles as a new tuple of exact str or bytes (wc_exact_needle), taken
 * from the caller's iterable first of all: from then on the caller's list
 * (which another thread, a signal handler or a needle's own __hash__ may
 * change) is never read again.  NULL with an exception. */
static PyObject *wc_exact_needles(PyObject *needles, int is_str)
{
    if (PyUnicode_Check(needles) || PyBytes_Check(needles) ||
        PyByteArray_Check(needles)) {
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
            if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError,
                             "needles must be an iterable of str or bytes, "
                             "not '%.200s'", Py_TYPE(needles)->tp_name);
            }
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
        if (rc == WC_EUTF8)
            wc_raise_utf8(nd, &pat, err);
        else if (rc != WC_OK)
            wc_raise(rc);
        wc_text_release(&pat);
    }
    if (rc == WC_OK) {
        size_t err = 0;
        rc = wc_freq_text(f, text, 1, 0, progress, &err);
        if (rc == WC_EUTF8)
            wc_raise_utf8(contents, text, err);
        else if (rc != WC_OK)
            wc_raise(rc);
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

PyObject *wc_search_words(PyObject *contents, PyObject *needle,
                          const wc_word_opts *opts, PyObject *progress)
{
    if (PyUnicode_Check(contents) != PyUnicode_Check(needle)) {
        PyErr_Format(PyExc_TypeError,
                     "contents and needle must both be str or both be "
                     "bytes-like, not '%.200s' and '%.200s'",
                     Py_TYPE(contents)->tp_name, Py_TYPE(needle)->tp_name);
        return NULL;
    }
    /* The needle as exact str or bytes: a bytes-like needle's buffer is taken
     * as search() takes it (a C-contiguous buffer of single bytes, else
     * BufferError/TypeError), never copied from any shape as
     * PyBytes_FromObject would, and it need not be hashable. */
    PyObject *exact;
    if (PyUnicode_Check(needle)) {
        exact = PyUnicode_FromObject(needle);
    } else {
        wc_text pat;
        if (wc_get_bytes(needle, "needle", &pat) < 0)
            return NULL;
        exact = PyBytes_FromStringAndSize(pat.data, (Py_ssize_t)pat.len);
        wc_text_release(&pat);
    }
    if (exact == NULL)
        return NULL;
    PyObject *one = PyTuple_Pack(1, exact);
    Py_DECREF(exact);
    if (one == NULL)
        return NULL;
    wc_text text;
    uint64_t count = 0;
    int rc = -1;
    if (wc_get_text(contents, "contents", &text) == 0) {
        rc = wc_count_exact(contents, &text, one, opts, progress, &count);
        wc_text_release(&text);
    }
    Py_DECREF(one);
    return rc < 0 ? NULL : PyLong_FromUnsignedLongLong(count);
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

static PyObject *wc_key_object(int is_str, const void *key, size_t len,
                               int width)
{
    if (!is_str)
        return PyBytes_FromStringAndSize(key, (Py_ssize_t)len);
    int kind = width == 1 ? PyUnicode_1BYTE_KIND
             : width == 2 ? PyUnicode_2BYTE_KIND : PyUnicode_4BYTE_KIND;
    return PyUnicode_FromKindAndData(kind, key, (Py_ssize_t)len);
}

int wc_get_top(PyObject *obj, Py_ssize_t *top)
{
    *top = -1;
    if (obj == NULL || obj == Py_None)
        return 0;
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "top must be an int or None, not '%.200s'",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    /* Any int >= 0, as Counter.most_common takes: one beyond any table's
     * size means every word. */
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow < 0 || (overflow == 0 && v < 0)) {
        PyErr_Format(PyExc_ValueError, "top must be >= 0 or None, got %R", obj);
        return -1;
    }
    *top = overflow > 0 || v > (long long)PY_SSIZE_T_MAX ? PY_SSIZE_T_MAX
                                                         : (Py_ssize_t)v;
    return 0;
}

PyObject *wc_freq_counter(PyObject *module, const wc_freq *f, int is_str,
                          Py_ssize_t top)
{
    PyObject *result = PyObject_CallNoArgs(wc_get_state(module)->counter);
    if (result == NULL)
        return NULL;
    size_t n = wc_freq_size(f);
    if (top >= 0 && (size_t)top < n)
        n = (size_t)top;
    for (size_t i = 0; i < n; i++) {
        const void *key;
        size_t len;
        int width;
        uint64_t count;
        wc_freq_get(f, i, &key, &len, &width, &count);
        PyObject *k = wc_key_object(is_str, key, len, width);
        PyObject *c = k == NULL ? NULL : PyLong_FromUnsignedLongLong(count);
        if (c == NULL || PyDict_SetItem(result, k, c) < 0) {
            Py_XDECREF(k);
            Py_XDECREF(c);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(k);
        Py_DECREF(c);
    }
    return result;
}

static const enum wc_kw wc_frequencies_params[] = {
    WC_KW_CONTENTS, WC_KW_TOP, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_THREADS,
    WC_KW_PROGRESS, WC_KW_ERRORS,
};

static PyObject *wc_frequencies_impl(PyObject *module, PyObject *contents,
                                     Py_ssize_t top, wc_word_opts *o,
                                     PyObject *progress)
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
    size_t err = 0;
    int rc = wc_freq_text(f, &text, 0, top >= 0, progress, &err);
    if (rc != WC_OK) {
        if (rc == WC_EUTF8)
            wc_raise_utf8(contents, &text, err);
        else
            wc_raise(rc);
        goto done;
    }
    result = wc_freq_counter(module, f, text.is_str, top);
done:
    wc_freq_free(f);
    wc_text_release(&text);
    return result;
}

static PyObject *wc_frequencies(PyObject *module, PyObject *const *args,
                                Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[7], *cb, *bar;
    wc_word_opts o;
    Py_ssize_t top;
    if (wc_parse_word_call(module, "frequencies", args, nargs, kwnames,
                           wc_frequencies_params, 1, a, &o) < 0 ||
        wc_get_top(a[1], &top) < 0 || wc_open_word_progress(a, &cb, &bar) < 0)
        return NULL;
    return wc_progress_close(cb, bar,
                             wc_frequencies_impl(module, a[0], top, &o, cb));
}

#define WC_FASTCALL(fn) ((PyCFunction)(void (*)(void))(fn))

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
     "U+FFFD: no word character).  Ctrl-C stops a long count\n"
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
    {NULL, NULL, 0, NULL},
};
