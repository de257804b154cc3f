/*
 * module.c - the module word_count._word_count: multi-phase init (PEP 489),
 * its state, and the argument handling every function shares.
 */
#include <errno.h>

#include "binding.h"

static const char *const wc_kw_names[WC_KW_COUNT] = {
    [WC_KW_CONTENTS] = "contents",
    [WC_KW_NEEDLE] = "needle",
    [WC_KW_THREADS] = "threads",
    [WC_KW_NEEDLES] = "needles",
    [WC_KW_WORDS] = "words",
    [WC_KW_CASEFOLD] = "casefold",
    [WC_KW_TOP] = "top",
    [WC_KW_PATH] = "path",
    [WC_KW_FILEOBJ] = "fileobj",
    [WC_KW_PROGRESS] = "progress",
    [WC_KW_BLOCK_SIZE] = "block_size",
    [WC_KW_ERRORS] = "errors",
};

wc_state *wc_get_state(PyObject *module)
{
    void *state = PyModule_GetState(module);
    assert(state != NULL);
    return (wc_state *)state;
}

/* ---- arguments --------------------------------------------------------- */

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

/* Replace the current exception by one of `type` with `msg`, chained to it
 * as __cause__ (public API only, 3.9 and later). */
static void wc_chain(PyObject *type, const char *fmt, ...)
{
    PyObject *etype, *evalue, *etb;
    PyErr_Fetch(&etype, &evalue, &etb);
    PyErr_NormalizeException(&etype, &evalue, &etb);
    if (etb != NULL && evalue != NULL)
        PyException_SetTraceback(evalue, etb);
    Py_XDECREF(etype);
    Py_XDECREF(etb);
    va_list va;
    va_start(va, fmt);
    PyObject *msg = PyUnicode_FromFormatV(fmt, va);
    va_end(va);
    if (msg == NULL) {
        Py_XDECREF(evalue);
        return;
    }
    PyObject *exc = PyObject_CallOneArg(type, msg);
    Py_DECREF(msg);
    if (exc == NULL) {
        Py_XDECREF(evalue);
        return;
    }
    if (evalue != NULL)
        PyException_SetCause(exc, evalue); /* steals evalue */
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
}

int wc_get_bytes(PyObject *obj, const char *what, wc_text *out)
{
    memset(out, 0, sizeof *out);
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be str or a bytes-like object, not '%.200s'",
                     what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (PyObject_GetBuffer(obj, &out->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError))
            wc_chain(PyExc_BufferError,
                     "%s: the '%.200s' buffer is not C-contiguous "
                     "(pass bytes(...) of it)", what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (out->view.itemsize != 1 || out->view.ndim > 1) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be a buffer of single bytes in one dimension; "
                     "'%.200s' gives %d dimension(s) of %zd-byte items "
                     "(format '%s')", what, Py_TYPE(obj)->tp_name,
                     out->view.ndim, out->view.itemsize,
                     out->view.format != NULL ? out->view.format : "B");
        PyBuffer_Release(&out->view);
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
        PyBuffer_Release(&t->view);
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

int wc_get_threads(PyObject *obj, int *threads)
{
    *threads = 0;
    if (obj == NULL || obj == Py_None)
        return 0;
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "threads must be an int or None, not '%.200s'",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow;
    long v = PyLong_AsLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow != 0 || v < 1 || v > WC_MAX_THREADS) {
        PyErr_Format(PyExc_ValueError,
                     "threads must be from 1 to %d (or None for the default), "
                     "got %R", WC_MAX_THREADS, obj);
        return -1;
    }
    *threads = (int)v;
    return 0;
}

PyObject *wc_raise_path(int code, PyObject *path)
{
    switch (code) {
    case WC_ENOMEM:
        return PyErr_NoMemory();
    case WC_EINVAL:
        PyErr_SetString(PyExc_ValueError, wc_strerror(code));
        return NULL;
    case WC_EINTR: /* the progress callback's exception, or Ctrl-C */
        if (!PyErr_Occurred())
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        return NULL;
    case WC_EIO: /* errno is the system call's */
        return path != NULL ? PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path)
                            : PyErr_SetFromErrno(PyExc_OSError);
    case WC_ETRUNCATED: {
        PyObject *exc = PyObject_CallFunction(PyExc_OSError, "isO", EIO,
                                              wc_strerror(code),
                                              path != NULL ? path : Py_None);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        return NULL;
    }
    default:
        PyErr_Format(PyExc_RuntimeError, "word_count: %s", wc_strerror(code));
        return NULL;
    }
}

PyObject *wc_raise(int code)
{
    return wc_raise_path(code, NULL);
}

/* ---- the module -------------------------------------------------------- */

static int wc_exec(PyObject *module)
{
    wc_state *st = wc_get_state(module);
    for (int k = 0; k < WC_KW_COUNT; k++) {
        st->kw[k] = PyUnicode_InternFromString(wc_kw_names[k]);
        if (st->kw[k] == NULL)
            return -1;
    }
    /* Created here, never on first use: under free threading two calls
     * would race to create it. */
    PyObject *collections = PyImport_ImportModule("collections");
    if (collections == NULL)
        return -1;
    st->counter = PyObject_GetAttrString(collections, "Counter");
    Py_DECREF(collections);
    if (st->counter == NULL)
        return -1;
    if (PyModule_AddFunctions(module, wc_search_methods) < 0)
        return -1;
    if (PyModule_AddFunctions(module, wc_freq_methods) < 0 ||
        PyModule_AddStringConstant(module, "UNICODE_VERSION",
                                   wc_unicode_version()) < 0)
        return -1;
    if (PyModule_AddFunctions(module, wc_files_methods) < 0)
        return -1;
    if (PyModule_AddIntConstant(module, "GIL_RELEASE_THRESHOLD", WC_GIL_THRESHOLD) < 0 ||
        PyModule_AddIntConstant(module, "MAX_THREADS", WC_MAX_THREADS) < 0 ||
        PyModule_AddIntConstant(module, "PARALLEL_THRESHOLD",
                                (long)wc_parallel_threshold()) < 0 ||
        PyModule_AddStringConstant(module, "CORE_VERSION", WC_VERSION) < 0)
        return -1;
    return 0;
}

static int wc_traverse(PyObject *module, visitproc visit, void *arg)
{
    wc_state *st = wc_get_state(module);
    for (int k = 0; k < WC_KW_COUNT; k++)
        Py_VISIT(st->kw[k]);
    Py_VISIT(st->counter);
    return 0;
}

static int wc_clear(PyObject *module)
{
    wc_state *st = wc_get_state(module);
    for (int k = 0; k < WC_KW_COUNT; k++)
        Py_CLEAR(st->kw[k]);
    Py_CLEAR(st->counter);
    return 0;
}

static void wc_free(void *module)
{
    (void)wc_clear((PyObject *)module);
}

static PyModuleDef_Slot wc_slots[] = {
    {Py_mod_exec, wc_exec},
#if PY_VERSION_HEX >= 0x030c0000
    /* The core keeps no Python state: any interpreter may use it at once. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030d0000
    /* The core is thread-safe and the binding keeps no shared mutable state. */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef wc_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "word_count._word_count",
    .m_doc = "The native part of word_count: see the word_count package.",
    .m_size = sizeof(wc_state),
    .m_slots = wc_slots,
    .m_traverse = wc_traverse,
    .m_clear = wc_clear,
    .m_free = wc_free,
};

PyMODINIT_FUNC PyInit__word_count(void)
{
    return PyModuleDef_Init(&wc_module);
}
