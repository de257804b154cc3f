/*
 * module.h - the module layer of the extension word_count._word_count: its
 * state, the keyword names interned there, and the method table each API
 * family file adds to the module (module.c).
 *
 * The extension holds no algorithm: it turns Python objects into the core's
 * arguments (wordcount.h), hands the GIL over while the core counts, and
 * turns the core's results and error codes into Python objects.  Layers,
 * each with its header: module (this one), args.h (arguments in, results
 * out), errors.h (core codes to exceptions), gil.h (the GIL hand-off and the
 * progress/cancel callbacks); then one file per API family: search.c,
 * freq.c (words and frequencies), files.c (files and streams), introspect.c
 * (kernels, threads, pool).
 */
#ifndef WC_EXT_MODULE_H
#define WC_EXT_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wordcount.h"

/* Keyword names, interned once in the module state. */
enum wc_kw {
    WC_KW_CONTENTS,
    WC_KW_NEEDLE,
    WC_KW_THREADS,
    WC_KW_NEEDLES,
    WC_KW_WORDS,
    WC_KW_CASEFOLD,
    WC_KW_TOP,
    WC_KW_PATH,
    WC_KW_FILEOBJ,
    WC_KW_PROGRESS,
    WC_KW_BLOCK_SIZE,
    WC_KW_ERRORS,
    WC_KW_COUNT
};

/* Built whole in the module's exec slot; nothing is created on first use. */
typedef struct {
    PyObject *kw[WC_KW_COUNT];
    PyObject *counter; /* collections.Counter */
    /* Counter.__init__ when it is the standard library's (which does nothing
     * without arguments), else NULL: wc_new_counter. */
    PyObject *counter_init;
    PyObject *init_name; /* "__init__", interned */
    PyObject *pages_type; /* _Pages (pages.c) */
} wc_state;

wc_state *wc_get_state(PyObject *module);

/* A new, empty collections.Counter; NULL with an exception. */
PyObject *wc_new_counter(wc_state *st);

/* A METH_FASTCALL | METH_KEYWORDS function as a PyMethodDef's ml_meth. */
#define WC_FASTCALL(fn) ((PyCFunction)(void (*)(void))(fn))

/* The functions of each API family, added to the module by its exec slot. */
extern PyMethodDef wc_search_methods[];     /* search.c */
extern PyMethodDef wc_freq_methods[];       /* freq.c */
extern PyMethodDef wc_arrays_methods[];     /* arrays.c */
extern PyMethodDef wc_files_methods[];      /* files.c */
extern PyMethodDef wc_introspect_methods[]; /* introspect.c */

#endif /* WC_EXT_MODULE_H */
