/*
 * pages.c - memory that the core hands over to Python: the offsets and
 * counts arrays of frequencies_arrays, packed into a count's own table
 * (wc_freq_lend_arrays) and taken from it (wc_freq_take_arrays).  A _Pages
 * object owns that memory, exports it read-only through the buffer
 * protocol, and gives it back to the core when the last view of it goes.
 * Immutable once made: any thread may read it at once.
 */
#include "module.h"
#include "pages.h"

typedef struct {
    PyObject_HEAD
    void *base;
    size_t len;
} wc_pages;

static int wc_pages_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    wc_pages *p = (wc_pages *)self;
    return PyBuffer_FillInfo(view, self, p->base, (Py_ssize_t)p->len, 1, flags);
}

static void wc_pages_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    wc_pages *p = (wc_pages *)self;
    wc_freq_arrays_free(p->base, p->len);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot wc_pages_slots[] = {
    {Py_tp_dealloc, wc_pages_dealloc},
    {Py_bf_getbuffer, wc_pages_getbuffer},
    {Py_tp_doc, "Memory of a count that holds the offsets and counts of "
                "frequencies_arrays (read-only)."},
    {0, NULL},
};

static PyType_Spec wc_pages_spec = {
    .name = "word_count._word_count._Pages",
    .basicsize = sizeof(wc_pages),
    .flags = Py_TPFLAGS_DEFAULT
#ifdef Py_TPFLAGS_IMMUTABLETYPE
             | Py_TPFLAGS_IMMUTABLETYPE
#endif
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
             | Py_TPFLAGS_DISALLOW_INSTANTIATION
#endif
    ,
    .slots = wc_pages_slots,
};

PyObject *wc_pages_type_new(PyObject *module)
{
    return PyType_FromModuleAndSpec(module, &wc_pages_spec, NULL);
}

PyObject *wc_pages_new(wc_state *st, void *base, size_t len)
{
    wc_pages *p = PyObject_New(wc_pages, (PyTypeObject *)st->pages_type);
    if (p == NULL) {
        wc_freq_arrays_free(base, len);
        return NULL;
    }
    p->base = base;
    p->len = len;
    return (PyObject *)p;
}

PyObject *wc_pages_view(PyObject *pages, const void *at, size_t bytes)
{
    const wc_pages *p = (const wc_pages *)pages;
    Py_ssize_t lo = (Py_ssize_t)((const uint8_t *)at - (const uint8_t *)p->base);
    PyObject *whole = PyMemoryView_FromObject(pages);
    if (whole == NULL)
        return NULL;
    PyObject *part = PySequence_GetSlice(whole, lo, lo + (Py_ssize_t)bytes);
    Py_DECREF(whole);
    return part;
}
