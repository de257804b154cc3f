/*
 * module.c - the module word_count._word_count: multi-phase init (PEP 489)
 * with all of its state built in the exec slot, and its constants.
 */
#include "gil.h"
#include "module.h"

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
    if (PyModule_AddFunctions(module, wc_search_methods) < 0 ||
        PyModule_AddFunctions(module, wc_freq_methods) < 0 ||
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
