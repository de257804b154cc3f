/*
 * gil.c - the GIL hand-off: the core counts with the GIL released, and
 * comes back to the calling thread between blocks or spans (at most every
 * 100 ms, the core's progress callback).  There the thread takes the GIL,
 * runs PyErr_CheckSignals() (so Ctrl-C raises KeyboardInterrupt within
 * about a second) and the caller's progress callable, and asks the core to
 * stop if either raised.  Also the progress= argument (a callable, or True
 * for a tqdm bar made by word_count/_files.py).
 */
#include "gil.h"

int wc_call_progress(PyObject *progress, uint64_t done, uint64_t total)
{
    PyObject *r = total == WC_SIZE_UNKNOWN
        ? PyObject_CallFunction(progress, "KO", (unsigned long long)done, Py_None)
        : PyObject_CallFunction(progress, "KK", (unsigned long long)done,
                                (unsigned long long)total);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}

int wc_on_progress(void *arg, uint64_t done, uint64_t total)
{
    wc_call *c = arg;
    PyEval_RestoreThread(c->ts);
    int stop = PyErr_CheckSignals() < 0;
    if (!stop && c->progress != NULL) {
        unsigned unit = c->unit > 1 ? c->unit : 1;
        if (total == WC_SIZE_UNKNOWN && c->has_total)
            total = c->total;
        stop = wc_call_progress(c->progress, done / unit,
                                total == WC_SIZE_UNKNOWN ? total : total / unit) < 0;
    }
    c->ts = PyEval_SaveThread();
    return stop;
}

int wc_get_progress(PyObject *obj, PyObject **cb)
{
    *cb = NULL;
    if (obj == NULL || obj == Py_None || obj == Py_False)
        return 0;
    if (!PyCallable_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "progress must be None, a bool or a callable(done, total), "
                     "not '%.200s'", Py_TYPE(obj)->tp_name);
        return -1;
    }
    *cb = obj;
    return 0;
}

int wc_progress_open(PyObject *obj, const char *unit, PyObject **cb,
                     PyObject **bar)
{
    *cb = *bar = NULL;
    if (obj != Py_True) {
        if (wc_get_progress(obj, cb) < 0)
            return -1;
        Py_XINCREF(*cb);
        return 0;
    }
    /* True: word_count._files makes the bar (tqdm stays optional); its
     * warning without tqdm points at the caller's line (stacklevel 2: no
     * Python frame between it and that line). */
    PyObject *files = PyImport_ImportModule("word_count._files");
    PyObject *r = files == NULL ? NULL
        : PyObject_CallMethod(files, "_progress", "OOis", Py_True, Py_None, 2, unit);
    Py_XDECREF(files);
    if (r == NULL)
        return -1;
    if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != 2) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_TypeError, "word_count._files._progress: not a pair");
        return -1;
    }
    PyObject *c = PyTuple_GET_ITEM(r, 0), *b = PyTuple_GET_ITEM(r, 1);
    if (c != Py_None) {
        Py_INCREF(c);
        *cb = c;
    }
    if (b != Py_None) {
        Py_INCREF(b);
        *bar = b;
    }
    Py_DECREF(r);
    return 0;
}

PyObject *wc_progress_close(PyObject *cb, PyObject *bar, PyObject *result)
{
    Py_XDECREF(cb);
    if (bar == NULL)
        return result;
    /* The count's exception, if any, wins over one from close(). */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *r = PyObject_CallMethod(bar, "close", NULL);
    Py_DECREF(bar);
    if (type != NULL) {
        Py_XDECREF(r);
        PyErr_Restore(type, value, tb);
        return result;
    }
    if (r == NULL) {
        Py_XDECREF(result);
        return NULL;
    }
    Py_DECREF(r);
    return result;
}

int wc_freq_order(wc_freq *f, Py_ssize_t top, int arrays)
{
    if (top >= 0)
        return wc_freq_sort_top(f, (size_t)top);
    return arrays ? wc_freq_sort_for_pack(f, 0) : wc_freq_sort(f, 0);
}

/* The words of the text into f: the needles' counts, or every word and
 * then their order (wc_freq_order). */
static int wc_freq_pass(wc_freq *f, const void *data, size_t len, int needles,
                        Py_ssize_t top, int arrays, size_t *err)
{
    if (needles)
        return wc_freq_count_needles(f, data, len, err);
    int rc = wc_freq_count_all(f, data, len, err);
    if (rc != WC_OK)
        return rc;
    return wc_freq_order(f, top, arrays);
}

int wc_freq_text(wc_freq *f, const void *data, size_t len, int width,
                 int needles, Py_ssize_t top, int arrays, PyObject *progress,
                 size_t *err)
{
    if (progress != NULL && wc_call_progress(progress, 0, len) < 0)
        return WC_EINTR;
    int rc;
    if (len * (size_t)width < WC_GIL_THRESHOLD) {
        /* Holds the GIL: no signal can be missed, no check needed. */
        rc = wc_freq_pass(f, data, len, needles, top, arrays, err);
    } else {
        wc_call call = {.progress = progress, .unit = (unsigned)width};
        wc_freq_set_progress(f, wc_on_progress, &call, 0);
        call.ts = PyEval_SaveThread();
        rc = wc_freq_pass(f, data, len, needles, top, arrays, err);
        PyEval_RestoreThread(call.ts);
        wc_freq_set_progress(f, NULL, NULL, 0);
    }
    if (rc == WC_OK && progress != NULL && wc_call_progress(progress, len, len) < 0)
        return WC_EINTR;
    return rc;
}
