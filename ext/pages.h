/*
 * pages.h - the _Pages type (pages.c): memory that the core hands over to
 * Python, for the arrays of frequencies_arrays.
 */
#ifndef WC_EXT_PAGES_H
#define WC_EXT_PAGES_H

#include "module.h"

/* The type, made once for a module (its exec slot): NULL with an
 * exception. */
PyObject *wc_pages_type_new(PyObject *module);

/* A _Pages object owning base .. base + len from wc_freq_take_arrays
 * (freed with wc_freq_arrays_free when it goes, or now if it cannot be
 * made: NULL with an exception). */
PyObject *wc_pages_new(wc_state *st, void *base, size_t len);

/* A memoryview (bytes, read-only) of bytes at `at` in a _Pages object's
 * memory, which it keeps alive. */
PyObject *wc_pages_view(PyObject *pages, const void *at, size_t bytes);

#endif /* WC_EXT_PAGES_H */
