/*
 * module.c - the module word_count._word_count: multi-phase init (PEP 489)
 * with all of its state built in the exec slot, and its constants.
 */
#include "gil.h"
#include "module.h"
#include "pages.h"

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

/* ---- a new Counter ------------------------------------------------------ */

/* Is attribute `name` of `obj` the str `want`?  1, 0, or -1 with an
 * exception. */
static int wc_attr_is(PyObject *obj, const char *name, const char *want)
{
    PyObject *v = PyObject_GetAttrString(obj, name);
    if (v == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    int r = PyUnicode_Check(v) && PyUnicode_CompareWithASCIIString(v, want) == 0;
    Py_DECREF(v);
    return r;
}

/* Keep Counter.__init__ in st->counter_init if it is the standard
 * library's: a Python function of the collections module named
 * Counter.__init__, which without arguments calls dict.__init__() and
 * update(None), both of which do nothing.  0, or -1 with an exception. */
static int wc_counter_init_known(wc_state *st)
{
    st->counter_init = NULL;
    st->init_name = PyUnicode_InternFromString("__init__");
    if (st->init_name == NULL)
        return -1;
    if (!PyType_Check(st->counter))
        return 0;
    PyObject *init = PyObject_GetAttr(st->counter, st->init_name);
    if (init == NULL)
        return -1;
    int known = PyFunction_Check(init) ? wc_attr_is(init, "__module__", "collections") : 0;
    if (known > 0)
        known = wc_attr_is(init, "__qualname__", "Counter.__init__");
    if (known > 0)
        st->counter_init = init;
    else
        Py_DECREF(init);
    return known < 0 ? -1 : 0;
}

/* c (a new reference, or NULL) if it is a dict, the words' counts are put
 * in with PyDict_SetItem; else NULL with TypeError (a Counter.__new__
 * replaced by one that returns something else: SystemError, before). */
static PyObject *wc_checked_counter(PyObject *c)
{
    if (c == NULL || PyDict_Check(c))
        return c;
    PyErr_Format(PyExc_TypeError,
                 "collections.Counter() returned '%.200s', not a dict",
                 Py_TYPE(c)->tp_name);
    Py_DECREF(c);
    return NULL;
}

PyObject *wc_new_counter(wc_state *st)
{
    /* Counter() costs about 0.3 us, most of it running __init__ in Python,
     * which does nothing here; a short frequencies() call takes about 1 us
     * in all.  So the object is made by the type's tp_new alone, as
     * Counter() makes it, while Counter.__init__ is still the one we
     * checked (nothing replaced it since).  (A Counter.update that someone
     * replaced is then not called with the None that __init__ passes it.) */
    if (st->counter_init != NULL) {
        PyObject *init = PyObject_GetAttr(st->counter, st->init_name);
        if (init == NULL)
            return NULL;
        int same = init == st->counter_init;
        Py_DECREF(init);
        if (same) {
            PyTypeObject *tp = (PyTypeObject *)st->counter;
            PyObject *args = PyTuple_New(0);
            if (args == NULL)
                return NULL;
            PyObject *c = tp->tp_new(tp, args, NULL);
            Py_DECREF(args);
            return wc_checked_counter(c);
        }
    }
    return wc_checked_counter(PyObject_CallNoArgs(st->counter));
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
    if (st->counter == NULL || wc_counter_init_known(st) < 0)
        return -1;
    if ((st->pages_type = wc_pages_type_new(module)) == NULL)
        return -1;
    if (PyModule_AddFunctions(module, wc_search_methods) < 0 ||
        PyModule_AddFunctions(module, wc_freq_methods) < 0 ||
        PyModule_AddFunctions(module, wc_arrays_methods) < 0 ||
        PyModule_AddFunctions(module, wc_files_methods) < 0 ||
        PyModule_AddFunctions(module, wc_introspect_methods) < 0)
        return -1;
    if (PyModule_AddIntConstant(module, "GIL_RELEASE_THRESHOLD", WC_GIL_THRESHOLD) < 0 ||
        PyModule_AddIntConstant(module, "MAX_THREADS", WC_MAX_THREADS) < 0 ||
        PyModule_AddIntConstant(module, "PARALLEL_THRESHOLD",
                                (long)wc_parallel_threshold()) < 0 ||
        PyModule_AddStringConstant(module, "CORE_VERSION", WC_VERSION) < 0 ||
        PyModule_AddStringConstant(module, "UNICODE_VERSION",
                                   wc_unicode_version()) < 0)
        return -1;
    return 0;
}

static int wc_traverse(PyObject *module, visitproc visit, void *arg)
{
    wc_state *st = wc_get_state(module);
    for (int k = 0; k < WC_KW_COUNT; k++)
        Py_VISIT(st->kw[k]);
    Py_VISIT(st->counter);
    Py_VISIT(st->counter_init);
    Py_VISIT(st->init_name);
    Py_VISIT(st->pages_type);
    return 0;
}

static int wc_clear(PyObject *module)
{
    wc_state *st = wc_get_state(module);
    for (int k = 0; k < WC_KW_COUNT; k++)
        Py_CLEAR(st->kw[k]);
    Py_CLEAR(st->counter);
    Py_CLEAR(st->counter_init);
    Py_CLEAR(st->init_name);
    Py_CLEAR(st->pages_type);
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
