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
 * to run Python's signal handlers (wc_on_progress): Ctrl-C (or any handler
 * that raises) stops the count, which returns WC_EINTR with the exception
 * set.  A small text holds the GIL and needs no such check. */
static int wc_freq_text(wc_freq *f, const wc_text *text, int needles,
                        int by_count, size_t *err)
{
    if (!wc_big(text))
        return wc_freq_pass(f, text, needles, by_count, err);
    wc_call call = {.progress = NULL};
    wc_freq_set_progress(f, wc_on_progress, &call, 0);
    call.ts = PyEval_SaveThread();
    int rc = wc_freq_pass(f, text, needles, by_count, err);
    PyEval_RestoreThread(call.ts);
    wc_freq_set_progress(f, NULL, NULL, 0);
    return rc;
}

/* ---- count_many --------------------------------------------------------- */

static PyObject *wc_count_many_impl(PyObject *contents, PyObject *needles,
                                    const wc_word_opts *opts)
{
    wc_text text;
    if (wc_get_text(contents, "contents", &text) < 0)
        return NULL;
    PyObject *seq = NULL, *result = NULL;
    size_t *ids = NULL;
    wc_freq *f = NULL;
    wc_word_opts o = *opts;
    o.utf8 = WC_BYTES_UTF8(opts, text.is_str);

    if (PyUnicode_Check(needles) || PyBytes_Check(needles) ||
        PyByteArray_Check(needles)) {
        PyErr_Format(PyExc_TypeError,
                     "needles must be an iterable of %s, not a single '%.200s' "
                     "(pass [needle])", text.is_str ? "str" : "bytes",
                     Py_TYPE(needles)->tp_name);
        goto done;
    }
    seq = PySequence_Fast(needles, "needles must be an iterable of str or bytes");
    if (seq == NULL)
        goto done;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    ids = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof *ids);
    f = wc_freq_new(text.width, &o);
    if (ids == NULL || f == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *nd = PySequence_Fast_GET_ITEM(seq, k);
        if (PyUnicode_Check(nd) != text.is_str) {
            PyErr_Format(PyExc_TypeError,
                         "needles must be %s like contents, but needle %zd is "
                         "'%.200s'", text.is_str ? "str" : "bytes", k,
                         Py_TYPE(nd)->tp_name);
            goto done;
        }
        /* Each needle becomes a key of the result: check it can be one
         * before counting, not after. */
        if (PyObject_Hash(nd) == -1) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError,
                         "needle %zd is an unhashable '%.200s', and needles are "
                         "the keys of the result: pass bytes(...) of it", k,
                         Py_TYPE(nd)->tp_name);
            goto done;
        }
        wc_text pat;
        if (wc_get_text(nd, "needle", &pat) < 0)
            goto done;
        size_t err = 0;
        int rc = wc_freq_add_needle(f, pat.data, pat.len, pat.width, &ids[k],
                                    &err);
        if (rc == WC_EUTF8)
            wc_raise_utf8(nd, &pat, err);
        else if (rc != WC_OK)
            wc_raise(rc);
        wc_text_release(&pat);
        if (rc != WC_OK)
            goto done;
    }
    size_t err = 0;
    int rc = wc_freq_text(f, &text, 1, 0, &err);
    if (rc != WC_OK) {
        if (rc == WC_EUTF8)
            wc_raise_utf8(contents, &text, err);
        else
            wc_raise(rc);
        goto done;
    }
    result = PyDict_New();
    if (result == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *c = PyLong_FromUnsignedLongLong(wc_freq_needle_count(f, ids[k]));
        if (c == NULL ||
            PyDict_SetItem(result, PySequence_Fast_GET_ITEM(seq, k), c) < 0) {
            Py_XDECREF(c);
            Py_CLEAR(result);
            goto done;
        }
        Py_DECREF(c);
    }
done:
    wc_freq_free(f);
    PyMem_Free(ids);
    Py_XDECREF(seq);
    wc_text_release(&text);
    return result;
}

PyObject *wc_search_words(PyObject *contents, PyObject *needle,
                          const wc_word_opts *opts)
{
    if (PyUnicode_Check(contents) != PyUnicode_Check(needle)) {
        PyErr_Format(PyExc_TypeError,
                     "contents and needle must both be str or both be "
                     "bytes-like, not '%.200s' and '%.200s'",
                     Py_TYPE(contents)->tp_name, Py_TYPE(needle)->tp_name);
        return NULL;
    }
    if (!PyUnicode_Check(needle) && !PyObject_CheckBuffer(needle)) {
        PyErr_Format(PyExc_TypeError,
                     "needle must be str or a bytes-like object, not '%.200s'",
                     Py_TYPE(needle)->tp_name);
        return NULL;
    }
    /* A bytearray needle is unhashable: key the dict by a tuple-free stand-in.
     * The buffer is taken as search() takes it (a C-contiguous buffer of
     * single bytes, else BufferError/TypeError), never copied from any
     * shape as PyBytes_FromObject would. */
    PyObject *key = needle;
    Py_INCREF(key);
    if (!PyUnicode_Check(needle) && !PyBytes_Check(needle)) {
        Py_DECREF(key);
        wc_text pat;
        if (wc_get_text(needle, "needle", &pat) < 0)
            return NULL;
        key = PyBytes_FromStringAndSize(pat.data, (Py_ssize_t)pat.len);
        wc_text_release(&pat);
        if (key == NULL)
            return NULL;
    }
    PyObject *list = PyList_New(1);
    if (list == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    PyList_SET_ITEM(list, 0, key); /* steals key */
    PyObject *d = wc_count_many_impl(contents, list, opts);
    PyObject *r = NULL;
    if (d != NULL) {
        r = PyDict_GetItemWithError(d, key);
        Py_XINCREF(r);
        Py_DECREF(d);
    }
    Py_DECREF(list);
    return r;
}

/* The arguments of count_many and frequencies: `params` is (contents, X,
 * words, casefold, threads, errors), the first `npositional` by position;
 * the word options and threads= go into *o. */
static int wc_parse_word_call(PyObject *module, const char *fname,
                              PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames, const enum wc_kw params[6],
                              int npositional, PyObject *a[6], wc_word_opts *o)
{
    if (wc_parse_args(module, fname, args, nargs, kwnames, params, 6,
                      npositional, npositional, a) < 0 ||
        wc_get_word_opts(a[2], a[3], o) < 0 || wc_get_errors(a[5], o) < 0 ||
        wc_get_threads(a[4], &o->threads) < 0)
        return -1;
    return 0;
}

static const enum wc_kw wc_count_many_params[] = {
    WC_KW_CONTENTS, WC_KW_NEEDLES, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_THREADS,
    WC_KW_ERRORS,
};

static PyObject *wc_count_many(PyObject *module, PyObject *const *args,
                               Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[6];
    wc_word_opts o;
    if (wc_parse_word_call(module, "count_many", args, nargs, kwnames,
                           wc_count_many_params, 2, a, &o) < 0)
        return NULL;
    return wc_count_many_impl(a[0], a[1], &o);
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

static PyObject *wc_get_counter(PyObject *module)
{
    wc_state *st = wc_get_state(module);
    if (st->counter == NULL) {
        PyObject *collections = PyImport_ImportModule("collections");
        if (collections == NULL)
            return NULL;
        st->counter = PyObject_GetAttrString(collections, "Counter");
        Py_DECREF(collections);
    }
    return st->counter;
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
    *top = PyLong_AsSsize_t(obj);
    if (*top == -1 && PyErr_Occurred())
        return -1;
    if (*top < 0) {
        PyErr_Format(PyExc_ValueError, "top must be >= 0 or None, got %zd", *top);
        return -1;
    }
    return 0;
}

PyObject *wc_freq_counter(PyObject *module, const wc_freq *f, int is_str,
                          Py_ssize_t top)
{
    PyObject *counter_type = wc_get_counter(module);
    if (counter_type == NULL)
        return NULL;
    PyObject *result = PyObject_CallNoArgs(counter_type);
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
    WC_KW_ERRORS,
};

static PyObject *wc_frequencies(PyObject *module, PyObject *const *args,
                                Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[6];
    wc_word_opts o;
    if (wc_parse_word_call(module, "frequencies", args, nargs, kwnames,
                           wc_frequencies_params, 1, a, &o) < 0)
        return NULL;
    Py_ssize_t top;
    if (wc_get_top(a[1], &top) < 0)
        return NULL;
    wc_text text;
    if (wc_get_text(a[0], "contents", &text) < 0)
        return NULL;
    o.utf8 = WC_BYTES_UTF8(&o, text.is_str);
    PyObject *result = NULL;
    wc_freq *f = wc_freq_new(text.width, &o);
    if (f == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    size_t err = 0;
    int rc = wc_freq_text(f, &text, 0, top >= 0, &err);
    if (rc != WC_OK) {
        if (rc == WC_EUTF8)
            wc_raise_utf8(a[0], &text, err);
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

#define WC_FASTCALL(fn) ((PyCFunction)(void (*)(void))(fn))

PyMethodDef wc_freq_methods[] = {
    {"count_many", WC_FASTCALL(wc_count_many), METH_FASTCALL | METH_KEYWORDS,
     "count_many($module, /, contents, needles, *, words='space', "
     "casefold=False, threads=None, errors='strict')\n--\n\n"
     "The count of every needle in `contents`, in one pass: a dict needle ->\n"
     "count (each distinct needle once).\n\n"
     "`needles` is an iterable of str (for str contents) or bytes (for\n"
     "bytes-like contents).  `words` is 'space' (the words of search()) or\n"
     "'unicode' (runs of \\w, as re.findall(r'\\w+', text)); with `casefold`\n"
     "words and needles compare after str.casefold().  Bytes are UTF-8 when\n"
     "words='unicode' or casefold=True: with errors='strict' (the default)\n"
     "invalid UTF-8 raises UnicodeDecodeError; with errors='replace' the\n"
     "words are those of contents.decode('utf-8', 'replace') (a bad byte is\n"
     "U+FFFD: no word character).  Ctrl-C stops a long count\n"
     "(KeyboardInterrupt)."},
    {"frequencies", WC_FASTCALL(wc_frequencies), METH_FASTCALL | METH_KEYWORDS,
     "frequencies($module, /, contents, *, top=None, words='space', "
     "casefold=False, threads=None, errors='strict')\n--\n\n"
     "A collections.Counter of every non-empty word of `contents`.\n\n"
     "With top=K, the K most common words in Counter.most_common(K) order\n"
     "(ties: the word that occurs first in the text comes first); without,\n"
     "every word, in order of first occurrence.  `words`, `casefold`,\n"
     "`threads`, `errors` and Ctrl-C as for count_many()."},
    {NULL, NULL, 0, NULL},
};
