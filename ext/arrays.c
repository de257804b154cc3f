/*
 * arrays.c - _merge_arrays: the (data, offsets, counts) results of pieces of
 * one text (frequencies_arrays and its file and stream forms) added up into
 * one, by the core (wc_freq_add_packed).  The parts may be anyone's: this
 * file checks what kind of buffers they are and copies what the core will
 * read while Python code may run (another thread, or on a free-threaded
 * build any time), so a part changed meanwhile gives wrong words at worst,
 * never a read out of bounds; the core checks the offsets themselves.
 */
#include "args.h" /* first: Python.h (module.h) before any system header */
#include "errors.h"
#include "gil.h"

#include <string.h>

/* Whether buffer v is a 1-D array of 8-byte integers in native order
 * (struct format q, Q, l, L, n or N, with @ or = or, here, <): else a
 * TypeError naming part k's `what`.  *is_signed: its format's sign. */
static int wc_int8_array(const Py_buffer *v, Py_ssize_t k, const char *what,
                         int *is_signed)
{
    const char *fmt = v->format != NULL ? v->format : "B";
    const char *f = fmt;
    if (*f == '@' || *f == '=')
        f++;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    else if (*f == '<')
        f++;
#endif
    if (v->ndim != 1) {
        PyErr_Format(PyExc_TypeError, "part %zd: %s must be a 1-D array, not "
                     "%d-D", k, what, v->ndim);
        return -1;
    }
    if (v->itemsize != 8 || f[0] == '\0' || f[1] != '\0' ||
        strchr("qQlLnN", f[0]) == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "part %zd: %s must be an array of native 8-byte integers "
                     "(format 'q' or 'Q'), not format '%.20s' of %zd-byte "
                     "items", k, what, fmt, v->itemsize);
        return -1;
    }
    if (is_signed != NULL)
        *is_signed = f[0] == 'q' || f[0] == 'l' || f[0] == 'n';
    return 0;
}

/* A copy of the 8-byte integers of obj (wc_int8_array), *n of them, or NULL
 * with an exception; *is_signed (when not NULL): their format's sign. */
static void *wc_int8_copy(PyObject *obj, Py_ssize_t k, const char *what,
                          Py_ssize_t *n, int *is_signed)
{
    Py_buffer v;
    if (wc_buffer_get(obj, &v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    void *copy = NULL;
    if (wc_int8_array(&v, k, what, is_signed) == 0) {
        *n = v.len / 8;
        copy = PyMem_Malloc(v.len > 0 ? (size_t)v.len : 1);
        if (copy == NULL)
            PyErr_NoMemory();
        else
            memcpy(copy, v.buf, (size_t)v.len);
    }
    wc_buffer_release(&v);
    return copy;
}

/* Add part k (a sequence (data, offsets, counts)) to f. */
static int wc_add_part(wc_freq *f, PyObject *part, Py_ssize_t k)
{
    PyObject *three = PySequence_Tuple(part);
    if (three == NULL)
        return -1;
    int64_t *off = NULL;
    uint64_t *counts = NULL;
    uint8_t *own = NULL;
    Py_buffer data = {0};
    int have_data = 0, ret = -1, csigned;
    Py_ssize_t noff = 0, ncounts = 0;
    if (PyTuple_GET_SIZE(three) != 3) {
        PyErr_Format(PyExc_TypeError,
                     "part %zd must be (data, offsets, counts), not a sequence "
                     "of %zd", k, PyTuple_GET_SIZE(three));
        goto done;
    }
    /* An offset beyond 2^63 - 1 of an unsigned array reads as negative:
     * the core refuses it as it refuses any offset out of the data. */
    off = wc_int8_copy(PyTuple_GET_ITEM(three, 1), k, "offsets", &noff, NULL);
    if (off == NULL)
        goto done;
    counts = wc_int8_copy(PyTuple_GET_ITEM(three, 2), k, "counts", &ncounts, &csigned);
    if (counts == NULL)
        goto done;
    if (noff != ncounts + 1) {
        PyErr_Format(PyExc_ValueError,
                     "part %zd: offsets must have one more item than counts "
                     "(%zd), not %zd", k, ncounts, noff);
        goto done;
    }
    for (Py_ssize_t i = 0; i < ncounts && csigned; i++)
        if ((int64_t)counts[i] < 0) {
            PyErr_Format(PyExc_ValueError, "part %zd: count %zd is negative", k, i);
            goto done;
        }
    if (wc_buffer_get(PyTuple_GET_ITEM(three, 0), &data, PyBUF_SIMPLE) < 0)
        goto done;
    have_data = 1;
    const uint8_t *bytes = data.buf;
    if (!PyBytes_CheckExact(PyTuple_GET_ITEM(three, 0))) {
        /* Only bytes cannot change: anything else is read from a copy. */
        own = PyMem_Malloc(data.len > 0 ? (size_t)data.len : 1);
        if (own == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        memcpy(own, data.buf, (size_t)data.len);
        bytes = own;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wc_freq_add_packed(f, bytes, (size_t)data.len, off, counts,
                            (size_t)ncounts);
    Py_END_ALLOW_THREADS
    if (rc == WC_EINVAL) /* f is one of ours: the offsets */
        PyErr_Format(PyExc_ValueError,
                     "part %zd: the offsets do not cut data (%zd bytes) into "
                     "words: each must be from 0 to len(data), none below the "
                     "one before", k, data.len);
    else if (rc != WC_OK)
        wc_raise(rc);
    ret = rc == WC_OK ? 0 : -1;
done:
    if (have_data)
        wc_buffer_release(&data);
    PyMem_Free(own);
    PyMem_Free(off);
    PyMem_Free(counts);
    Py_DECREF(three);
    return ret;
}

/* _merge_arrays(parts, top) */
static PyObject *wc_merge_arrays(PyObject *module, PyObject *const *args,
                                 Py_ssize_t nargs)
{
    Py_ssize_t top;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_merge_arrays(parts, top) takes 2 arguments");
        return NULL;
    }
    if (wc_get_top(args[1], &top) < 0)
        return NULL;
    PyObject *it = PyObject_GetIter(args[0]);
    if (it == NULL)
        return NULL;
    wc_word_opts o = {.words = WC_WORDS_SPACE, .utf8 = WC_UTF8_STRICT, .threads = 1};
    wc_freq *f = wc_freq_new(1, &o);
    PyObject *result = NULL, *part;
    if (f == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; (part = PyIter_Next(it)) != NULL; k++) {
        int r = wc_add_part(f, part, k);
        Py_DECREF(part);
        if (r < 0)
            goto done;
    }
    if (PyErr_Occurred())
        goto done;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wc_freq_order(f, top, 1);
    Py_END_ALLOW_THREADS
    result = rc == WC_OK ? wc_freq_arrays(module, f, 0, top) : wc_raise(rc);
done:
    wc_freq_free(f);
    Py_DECREF(it);
    return result;
}

PyMethodDef wc_arrays_methods[] = {
    {"_merge_arrays", WC_FASTCALL(wc_merge_arrays), METH_FASTCALL,
     "_merge_arrays($module, parts, top, /)\n--\n\n"
     "The (data, offsets, counts) of consecutive pieces of one text, each in\n"
     "order of first occurrence, added up: as _frequencies_arrays of the\n"
     "whole text (top as for it).  See word_count.merge_arrays."},
    {NULL, NULL, 0, NULL},
};
