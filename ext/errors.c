/*
 * errors.c - the error layer: the core's error codes (wordcount.h) and its
 * reports of invalid UTF-8 become exceptions here, and only here, with a
 * message that names what was wrong.
 */
#include "errors.h" /* first: Python.h (module.h) before any system header */

#include <errno.h>
#include <stdarg.h>

PyObject *wc_raise_path(int code, PyObject *path)
{
    /* An exception that Python code raised during the count (the progress
     * callable, a stream's read(), a signal handler) is the one raised,
     * whatever the count's code: a worker's I/O error or WC_ENOMEM may be
     * the first error it kept, and in the child of a fork made there the
     * code is WC_EFORKED (the child's SystemExit became a RuntimeError).
     * Setting another exception over it would lose it. */
    if (PyErr_Occurred())
        return NULL;
    switch (code) {
    case WC_ENOMEM:
        return PyErr_NoMemory();
    case WC_EINVAL:
        PyErr_SetString(PyExc_ValueError, wc_strerror(code));
        return NULL;
    case WC_EOVERFLOW:
        PyErr_SetString(PyExc_OverflowError, wc_strerror(code));
        return NULL;
    case WC_EINTR: /* Ctrl-C (a callback's exception is pending) */
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

/* Public API only (3.9 and later): fetch, normalize, chain as __cause__. */
void wc_raise_chained(PyObject *type, const char *fmt, ...)
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

/*
 * The one UnicodeDecodeError builder.  `obj` is the exception's object (a
 * bytes-like object holding data[0:len]); the core found the first bad byte
 * at `at`.  CPython's own decoder, run on data[at:stop], gives the reason
 * and the bad sequence's end, so the exception reads as bytes.decode()'s.
 * With ue (a file or stream), the reason also names the place in the file
 * and `name`, and the exception gets file_offset and filename attributes;
 * with ue and `what` (a large text in memory), the reason names the place
 * in `what` and there are no attributes.  `fallback` is the reason when
 * data[at:stop] decodes (which the core's decoder, equal to CPython's, only
 * reports when the data changed).
 */
static PyObject *wc_raise_utf8_at(PyObject *obj, const char *data, size_t at,
                                  size_t stop, const char *fallback,
                                  const wc_utf8_error *ue, PyObject *name,
                                  const char *what)
{
    Py_ssize_t start = (Py_ssize_t)at, end = start + 1;
    PyObject *reason = NULL;
    PyObject *u = PyUnicode_DecodeUTF8(data + at, (Py_ssize_t)(stop - at), "strict");
    if (u != NULL) {
        Py_DECREF(u);
        reason = PyUnicode_FromString(fallback);
    } else if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        Py_ssize_t s, e;
        if (PyUnicodeDecodeError_GetStart(value, &s) == 0 &&
            PyUnicodeDecodeError_GetEnd(value, &e) == 0) {
            start = (Py_ssize_t)at + s;
            end = (Py_ssize_t)at + e;
            reason = PyUnicodeDecodeError_GetReason(value);
        }
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    }
    if (reason == NULL)
        return NULL;
    if (ue != NULL) {
        /* The reason names the place in the file; the object is the bytes
         * around it (start and end index them, as for any
         * UnicodeDecodeError). */
        PyObject *full = name != NULL
            ? PyUnicode_FromFormat("%U at byte offset %llu of %R", reason,
                                   (unsigned long long)ue->offset, name)
            : PyUnicode_FromFormat("%U at byte offset %llu of %s", reason,
                                   (unsigned long long)ue->offset,
                                   what != NULL ? what : "the stream");
        Py_SETREF(reason, full);
        if (reason == NULL)
            return NULL;
    }
    /* The exception refers to the caller's object, as bytes.decode()'s does
     * (bytes are referenced, other buffers copied by UnicodeDecodeError). */
    PyObject *exc = PyObject_CallFunction(PyExc_UnicodeDecodeError, "sOnnO",
                                          "utf-8", obj, start, end, reason);
    Py_DECREF(reason);
    if (exc == NULL)
        return NULL;
    if (ue != NULL && what == NULL) {
        PyObject *off = PyLong_FromUnsignedLongLong(ue->offset);
        if (off == NULL || PyObject_SetAttrString(exc, "file_offset", off) < 0 ||
            PyObject_SetAttrString(exc, "filename", name != NULL ? name : Py_None) < 0) {
            Py_XDECREF(off);
            Py_DECREF(exc);
            return NULL;
        }
        Py_DECREF(off);
    }
    PyErr_SetObject(PyExc_UnicodeDecodeError, exc);
    Py_DECREF(exc);
    return NULL;
}

/* The in-memory texts (not bytes objects) an error copies whole, at most;
 * above, the bytes this far on either side of the bad one. */
#define WC_UTF8_ERROR_WHOLE ((size_t)1 << 20)
#define WC_UTF8_ERROR_AROUND 16

static PyObject *wc_raise_utf8(PyObject *obj, const void *data, size_t len,
                               size_t off)
{
    /* A UTF-8 sequence is at most 4 bytes: enough to learn its error. */
    size_t stop = len - off < 4 ? len : off + 4;
    if (PyBytes_CheckExact(obj))
        return wc_raise_utf8_at(obj, data, off, stop,
                                "invalid UTF-8 (word_count core)", NULL, NULL,
                                NULL);
    if (len <= WC_UTF8_ERROR_WHOLE) {
        /* The bytes counted, from the view still held, as UnicodeDecodeError
         * would copy them: given the object, it exported it again, and a
         * __buffer__ may give other bytes the second time (start and end
         * then past the end of the exception's object). */
        PyObject *whole = PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
        if (whole == NULL)
            return NULL;
        wc_raise_utf8_at(whole, PyBytes_AS_STRING(whole), off, stop,
                         "invalid UTF-8 (word_count core)", NULL, NULL, NULL);
        Py_DECREF(whole);
        return NULL;
    }
    /* UnicodeDecodeError copies any other buffer whole (a bytearray, an
     * mmap of gigabytes: a second copy, or MemoryError): above
     * WC_UTF8_ERROR_WHOLE bytes its object is the bytes around the bad one,
     * as for a file, and the reason names the offset in the text. */
    size_t lo = off < WC_UTF8_ERROR_AROUND ? 0 : off - WC_UTF8_ERROR_AROUND;
    size_t hi = len - off <= WC_UTF8_ERROR_AROUND ? len
                                                  : off + WC_UTF8_ERROR_AROUND;
    PyObject *near = PyBytes_FromStringAndSize((const char *)data + lo,
                                               (Py_ssize_t)(hi - lo));
    if (near == NULL)
        return NULL;
    wc_utf8_error ue = {.offset = off};
    wc_raise_utf8_at(near, PyBytes_AS_STRING(near), off - lo, stop - lo,
                     "invalid UTF-8 (word_count core)", &ue, NULL, "the text");
    Py_DECREF(near);
    return NULL;
}

PyObject *wc_raise_text(int rc, PyObject *obj, const void *data, size_t len,
                        size_t off)
{
    return rc == WC_EUTF8 && !PyErr_Occurred() ? wc_raise_utf8(obj, data, len, off)
                                                : wc_raise(rc);
}

PyObject *wc_raise_utf8_io(const wc_utf8_error *ue, PyObject *name)
{
    /* The core keeps a few bytes around the bad one (none when the file
     * shrank): they are the exception's object. */
    PyObject *obj = PyBytes_FromStringAndSize((const char *)ue->context,
                                              (Py_ssize_t)ue->context_len);
    if (obj == NULL)
        return NULL;
    wc_raise_utf8_at(obj, (const char *)ue->context, ue->context_at,
                     ue->context_len, "invalid UTF-8", ue, name, NULL);
    Py_DECREF(obj);
    return NULL;
}
