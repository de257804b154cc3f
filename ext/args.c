/*
 * args.c - the argument layer: FASTCALL arguments, texts and needles, ints
 * that may be None and the word options in; a table of the core's out as a
 * collections.Counter.  Every parameter that more than one function takes
 * is converted here, once, with one message.
 */
#include "args.h" /* first: Python.h (module.h) before any system header */
#include "errors.h"
#include "pages.h"

#include <limits.h>

/* ---- FASTCALL arguments ----------------------------------------------------- */

static int wc_kw_equal(PyObject *a, PyObject *b)
{
    return a == b || PyUnicode_Compare(a, b) == 0;
}

int wc_parse_args(PyObject *module, const char *fname, PyObject *const *args,
                  Py_ssize_t nargs, PyObject *kwnames, const enum wc_kw *params,
                  int nparams, int npositional, int nrequired, PyObject **out)
{
    wc_state *st = wc_get_state(module);
    for (int k = 0; k < nparams; k++)
        out[k] = NULL;
    if (nargs > npositional) {
        PyErr_Format(PyExc_TypeError,
                     "%s() takes at most %d positional arguments (%zd given)",
                     fname, npositional, nargs);
        return -1;
    }
    for (Py_ssize_t k = 0; k < nargs; k++)
        out[k] = args[k];
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        int found = -1;
        for (int p = 0; p < nparams && found < 0; p++)
            if (wc_kw_equal(name, st->kw[params[p]]))
                found = p;
        if (PyErr_Occurred())
            return -1;
        if (found < 0) {
            PyErr_Format(PyExc_TypeError,
                         "%s() got an unexpected keyword argument '%U'",
                         fname, name);
            return -1;
        }
        if (out[found] != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "%s() got multiple values for argument '%U'", fname,
                         name);
            return -1;
        }
        out[found] = args[nargs + k];
    }
    for (int k = 0; k < nrequired; k++) {
        if (out[k] == NULL) {
            PyErr_Format(PyExc_TypeError,
                         "%s() missing required argument '%U'", fname,
                         st->kw[params[k]]);
            return -1;
        }
    }
    return 0;
}

/* ---- ints that may be None ---------------------------------------------------- */

int wc_get_int_or_none(PyObject *obj, const char *name, long long lo,
                       long long hi, const char *unit, long long *out)
{
    if (obj == NULL || obj == Py_None)
        return 0;
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int or None, not '%.200s'",
                     name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (hi == LLONG_MAX && overflow > 0) {
        *out = LLONG_MAX; /* no upper bound: any larger int means "all" */
        return 1;
    }
    if (overflow != 0 || v < lo || v > hi) {
        if (hi == LLONG_MAX)
            PyErr_Format(PyExc_ValueError, "%s must be >= %lld or None, got %R",
                         name, lo, obj);
        else
            PyErr_Format(PyExc_ValueError,
                         "%s must be from %lld to %lld%s (or None for the "
                         "default), got %R", name, lo, hi, unit, obj);
        return -1;
    }
    *out = v;
    return 1;
}

int wc_get_int(PyObject *obj, const char *name, long long lo, long long hi,
               long long *out)
{
    /* True is an int whose value is 1: a caller who passed it meant
     * something else, as for the parameters that may be None. */
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not '%.200s'", name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow != 0 || v < lo || v > hi) {
        PyErr_Format(PyExc_ValueError, "%s must be from %lld to %lld, got %R",
                     name, lo, hi, obj);
        return -1;
    }
    *out = v;
    return 0;
}

int wc_get_threads(PyObject *obj, int *threads)
{
    long long v = 0;
    int r = wc_get_int_or_none(obj, "threads", 1, WC_MAX_THREADS, "", &v);
    *threads = (int)v;
    return r < 0 ? -1 : 0;
}

int wc_get_top(PyObject *obj, Py_ssize_t *top)
{
    /* Any int >= 0, as Counter.most_common takes: one beyond any table's
     * size means every word. */
    long long v = -1;
    int r = wc_get_int_or_none(obj, "top", 0, LLONG_MAX, "", &v);
    *top = v > (long long)PY_SSIZE_T_MAX ? PY_SSIZE_T_MAX : (Py_ssize_t)v;
    return r < 0 ? -1 : 0;
}

int wc_get_block_size(PyObject *obj, size_t *block)
{
    long long v = 0;
    int r = wc_get_int_or_none(obj, "block_size", 1, 1LL << 30, " bytes", &v);
    *block = (size_t)v;
    return r < 0 ? -1 : 0;
}

/* ---- buffers --------------------------------------------------------------------- */

#if defined(Py_GIL_DISABLED) && PY_VERSION_HEX >= 0x030d0000
#define WC_LOCK_EXPORTS 1
#else
#define WC_LOCK_EXPORTS 0
#endif

int wc_buffer_get(PyObject *obj, Py_buffer *view, int flags)
{
#if WC_LOCK_EXPORTS
    if (!PyBytes_CheckExact(obj)) {
        int r;
        Py_BEGIN_CRITICAL_SECTION(obj);
        r = PyObject_GetBuffer(obj, view, flags);
        Py_END_CRITICAL_SECTION();
        return r;
    }
#endif
    return PyObject_GetBuffer(obj, view, flags);
}

void wc_buffer_release(Py_buffer *view)
{
#if WC_LOCK_EXPORTS
    PyObject *obj = view->obj;
    if (obj != NULL && !PyBytes_CheckExact(obj)) {
        /* PyBuffer_Release drops the view's reference: ours keeps obj (and
         * its lock) alive until the critical section ends. */
        Py_INCREF(obj);
        Py_BEGIN_CRITICAL_SECTION(obj);
        PyBuffer_Release(view);
        Py_END_CRITICAL_SECTION();
        Py_DECREF(obj);
        return;
    }
#endif
    PyBuffer_Release(view);
}

/* ---- texts and needles ---------------------------------------------------------- */

int wc_get_bytes(PyObject *obj, const char *what, wc_text *out)
{
    memset(out, 0, sizeof *out);
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be str or a bytes-like object, not '%.200s'",
                     what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (wc_buffer_get(obj, &out->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError))
            wc_raise_chained(PyExc_BufferError,
                             "%s: the '%.200s' buffer is not C-contiguous "
                             "(pass bytes(...) of it)", what,
                             Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (out->view.itemsize != 1 || out->view.ndim > 1) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be a buffer of single bytes in one dimension; "
                     "'%.200s' gives %d dimension(s) of %zd-byte items "
                     "(format '%s')", what, Py_TYPE(obj)->tp_name,
                     out->view.ndim, out->view.itemsize,
                     out->view.format != NULL ? out->view.format : "B");
        wc_buffer_release(&out->view);
        return -1;
    }
    out->has_view = 1;
    out->data = out->view.buf;
    out->len = (size_t)out->view.len;
    out->width = 1;
    return 0;
}

static int wc_get_str(PyObject *obj, wc_text *out)
{
    memset(out, 0, sizeof *out);
#if PY_VERSION_HEX < 0x030c0000
    if (PyUnicode_READY(obj) < 0)
        return -1;
#endif
    out->is_str = 1;
    out->ascii = PyUnicode_IS_ASCII(obj);
    out->data = PyUnicode_DATA(obj);
    out->len = (size_t)PyUnicode_GET_LENGTH(obj);
    out->width = (int)PyUnicode_KIND(obj);
    return 0;
}

int wc_get_text(PyObject *obj, const char *what, wc_text *out)
{
    if (PyUnicode_Check(obj))
        return wc_get_str(obj, out);
    return wc_get_bytes(obj, what, out);
}

void wc_text_release(wc_text *t)
{
    if (t->has_view)
        wc_buffer_release(&t->view);
    t->has_view = 0;
    PyMem_Free(t->owned);
    t->owned = NULL;
}

/* Widen a str needle to the text's width (a copy of the needle only). */
static int wc_widen(wc_text *pat, int width)
{
    if (pat->len > PY_SSIZE_T_MAX / (size_t)width) {
        PyErr_NoMemory();
        return -1;
    }
    void *buf = PyMem_Malloc(pat->len * (size_t)width + 1);
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k < pat->len; k++) {
        uint32_t c = pat->width == 1 ? ((const uint8_t *)pat->data)[k]
                                     : ((const uint16_t *)pat->data)[k];
        if (width == 2)
            ((uint16_t *)buf)[k] = (uint16_t)c;
        else
            ((uint32_t *)buf)[k] = c;
    }
    pat->owned = buf;
    pat->data = buf;
    pat->width = width;
    return 0;
}

int wc_get_pair(PyObject *contents, PyObject *needle, wc_text *text,
                wc_text *pat, int *impossible)
{
    *impossible = 0;
    int cs = PyUnicode_Check(contents), ns = PyUnicode_Check(needle);
    if (cs != ns) {
        PyErr_Format(PyExc_TypeError,
                     "contents and needle must both be str or both be "
                     "bytes-like, not '%.200s' and '%.200s'",
                     Py_TYPE(contents)->tp_name, Py_TYPE(needle)->tp_name);
        return -1;
    }
    if (cs) {
        if (wc_get_str(contents, text) < 0 || wc_get_str(needle, pat) < 0)
            return -1;
        if (pat->width > text->width) {
            /* The needle holds a character above the text's widest one. */
            *impossible = 1;
        } else if (pat->width < text->width && wc_widen(pat, text->width) < 0) {
            return -1;
        }
        return 0;
    }
    if (wc_get_bytes(contents, "contents", text) < 0)
        return -1;
    if (wc_get_bytes(needle, "needle", pat) < 0) {
        wc_text_release(text);
        return -1;
    }
    return 0;
}

PyObject *wc_bytes_copy(PyObject *obj, const char *what)
{
    if (PyBytes_CheckExact(obj)) {
        Py_INCREF(obj);
        return obj;
    }
    /* A buffer as search() takes it (C-contiguous single bytes, else
     * BufferError/TypeError), never copied from any shape as
     * PyBytes_FromObject would; no Python code runs while it is held. */
    wc_text view;
    if (wc_get_bytes(obj, what, &view) < 0)
        return NULL;
    PyObject *b = PyBytes_FromStringAndSize(view.data, (Py_ssize_t)view.len);
    wc_text_release(&view);
    return b;
}

/* ---- word options ------------------------------------------------------------ */

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
    /* As words= says it: a str by its value, anything else by its type
     * (whose repr could be anything, and run anything). */
    if (PyUnicode_Check(errors))
        PyErr_Format(PyExc_ValueError,
                     "errors must be 'strict' or 'replace', not %R", errors);
    else
        PyErr_Format(PyExc_TypeError,
                     "errors must be 'strict' or 'replace', not '%.200s'",
                     Py_TYPE(errors)->tp_name);
    return -1;
}

int wc_word_opts_special(const wc_word_opts *opts)
{
    return opts->words != WC_WORDS_SPACE || opts->casefold;
}

/* ---- results ------------------------------------------------------------------ */

static PyObject *wc_key_object(int is_str, const void *key, size_t len,
                               int width)
{
    if (!is_str)
        return PyBytes_FromStringAndSize(key, (Py_ssize_t)len);
    int kind = width == 1 ? PyUnicode_1BYTE_KIND
             : width == 2 ? PyUnicode_2BYTE_KIND : PyUnicode_4BYTE_KIND;
    return PyUnicode_FromKindAndData(kind, key, (Py_ssize_t)len);
}

PyObject *wc_freq_counter(PyObject *module, wc_freq *f, int is_str,
                          Py_ssize_t top)
{
    PyObject *result = wc_new_counter(wc_get_state(module));
    if (result == NULL)
        return NULL;
    /* From 3.11, a dict whose keys are all str keeps no hash in its
     * entries: each probe of a slot reads the key object's cached hash, a
     * cache miss once the words outgrow the cache.  One key of another type
     * (None: never a word) makes it keep the hashes beside the keys for
     * good: a Counter of 305k code words was built in 49-55 ms instead of
     * 65-74.  The key is deleted at the end, so the Counter is equal
     * either way. */
    if (is_str && PyDict_SetItem(result, Py_None, Py_None) < 0) {
        Py_DECREF(result);
        return NULL;
    }
    /* The words of a wide str (and the folded words of a Latin-1 one)
     * come as their UTF-8 (wc_freq_keep_utf8): CPython's decoder makes each
     * str at its width, lone surrogates passed as their 3-byte forms. */
    int utf8 = is_str && wc_freq_keys_utf8(f);
    size_t n = wc_freq_size(f);
    if (top >= 0 && (size_t)top < n)
        n = (size_t)top;
    for (size_t i = 0; i < n; i++) {
        /* The words read so far go back as their copies grow: on one
         * thread, frequencies() of 10.2M distinct words peaked at 1,559 MB
         * with the table whole until the end, 1,134 MB with this. */
        if (i % 4096 == 0)
            wc_freq_release(f, i);
        const void *key;
        size_t len;
        int width;
        uint64_t count;
        wc_freq_get(f, i, &key, &len, &width, &count);
        PyObject *k;
        if (utf8 && len > WC_FREQ_LONG_KEY &&
            wc_freq_take_latin1(f, i, &key, &len, &count))
            /* a long word of Latin-1 letters: its str made beside its
             * Latin-1, not beside its UTF-8 too (3x its str at the peak) */
            k = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, key,
                                          (Py_ssize_t)len);
        else
            k = utf8 ? PyUnicode_DecodeUTF8(key, (Py_ssize_t)len, "surrogatepass")
                     : wc_key_object(is_str, key, len, width);
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
    if (is_str && PyDict_DelItem(result, Py_None) < 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/* The bytes of PyBytes_AS_STRING are 8-byte aligned (the object is, and
 * its header is a multiple of 8 bytes), so the offsets and counts are
 * written in place as int64 and uint64. */
_Static_assert(offsetof(PyBytesObject, ob_sval) % 8 == 0,
               "the bytes of a bytes object hold int64s aligned");

PyObject *wc_freq_arrays(PyObject *module, wc_freq *f, int is_str,
                         Py_ssize_t top)
{
    size_t n = wc_freq_size(f);
    if (top >= 0 && (size_t)top < n)
        n = (size_t)top;
    /* The sizes of the words, on f's threads and with the GIL released
     * (a pass over every word: 20 ms for 10.2M), kept for the pack. */
    wc_pack_plan *plan = PyMem_RawMalloc(sizeof *plan);
    if (plan == NULL)
        return PyErr_NoMemory();
    size_t size;
    Py_BEGIN_ALLOW_THREADS
    size = wc_freq_pack_plan(f, n, is_str, plan);
    Py_END_ALLOW_THREADS
    if (size > (size_t)PY_SSIZE_T_MAX || n >= (size_t)PY_SSIZE_T_MAX / 8) {
        PyMem_RawFree(plan);
        return PyErr_NoMemory();
    }
    PyObject *data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    PyObject *offsets = NULL, *counts = NULL, *pages = NULL, *result = NULL;
    int64_t *o = NULL;
    uint64_t *c = NULL;
    /* Words read through an index of a mapped table: the offsets and
     * counts go in pages of the table that the count wrote already, where
     * bytes objects that large are fresh memory, which the kernel zeroes
     * first (wc_freq_lend_arrays).  Else two bytes objects. */
    int lent = data != NULL && wc_freq_lend_arrays(f, n, &o, &c) == WC_OK;
    if (data == NULL)
        goto done;
    if (!lent) {
        offsets = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n + 1) * 8);
        counts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n * 8);
        if (offsets == NULL || counts == NULL)
            goto done;
        o = (int64_t *)(void *)PyBytes_AS_STRING(offsets);
        c = (uint64_t *)(void *)PyBytes_AS_STRING(counts);
    }
    uint8_t *d = (uint8_t *)PyBytes_AS_STRING(data);
    /* The arrays are ours alone until returned: they are filled with the
     * GIL released. */
    size_t at;
    Py_BEGIN_ALLOW_THREADS
    at = wc_freq_pack_planned(f, plan, d, o, c);
    Py_END_ALLOW_THREADS
    o[n] = (int64_t)at;
    if (lent) {
        void *base;
        size_t len;
        if (wc_freq_take_arrays(f, &base, &len) != WC_OK) {
            PyErr_SetString(PyExc_SystemError, "word_count: lent arrays lost");
            goto done;
        }
        if ((pages = wc_pages_new(wc_get_state(module), base, len)) == NULL ||
            (offsets = wc_pages_view(pages, o, (n + 1) * 8)) == NULL ||
            (counts = wc_pages_view(pages, c, n * 8)) == NULL)
            goto done;
    }
    if (at != size) { /* the two passes read the same words */
        PyErr_SetString(PyExc_SystemError, "word_count: packed words changed size");
        goto done;
    }
    result = PyTuple_Pack(3, data, offsets, counts);
done:
    PyMem_RawFree(plan);
    Py_XDECREF(data);
    Py_XDECREF(offsets);
    Py_XDECREF(counts);
    Py_XDECREF(pages);
    return result;
}
