/*
 * errors.h - the error layer: the one place where the core's error codes
 * and the core's reports of invalid UTF-8 become exceptions (errors.c).
 */
#ifndef WC_EXT_ERRORS_H
#define WC_EXT_ERRORS_H

#include "module.h"

/* Set the exception for a core error code; returns NULL.  WC_EIO becomes
 * the OSError subclass of errno (FileNotFoundError, ...) with `path` (may be
 * NULL); WC_ETRUNCATED an OSError(EIO); WC_EINTR keeps a pending exception
 * or raises KeyboardInterrupt. */
PyObject *wc_raise_path(int code, PyObject *path);
PyObject *wc_raise(int code);

/* Replace the current exception by one of `type` with a formatted message,
 * chained to it as __cause__. */
void wc_raise_chained(PyObject *type, const char *fmt, ...);

/* The exception for the code rc (not WC_OK) of a call on the text or
 * needle `obj` (its bytes: data, len): WC_EUTF8 (first bad byte at `off`)
 * the UnicodeDecodeError bytes.decode() raises for it, any other as
 * wc_raise.  Returns NULL. */
PyObject *wc_raise_text(int rc, PyObject *obj, const void *data, size_t len,
                        size_t off);

/* UnicodeDecodeError for invalid UTF-8 the core found in a file or stream
 * (`name`: its path or name, may be NULL); returns NULL. */
PyObject *wc_raise_utf8_io(const wc_utf8_error *ue, PyObject *name);

#endif /* WC_EXT_ERRORS_H */
