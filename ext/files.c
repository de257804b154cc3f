/*
 * files.c - the files API family: search_file, search_stream,
 * frequencies_file and frequencies_stream on paths, pipes and Python file
 * objects, counted by the core with the GIL released (gil.c brings the
 * calling thread back between blocks for Ctrl-C and progress).
 * progress=True (a tqdm bar) is handled in Python (word_count/_files.py),
 * which passes a callable.
 */
#include "args.h" /* first: Python.h (module.h) before any system header */
#include "errors.h"
#include "gil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

/* wc_py_read's state.  It runs on the calling thread, as wc_on_progress
 * does, and both take and release the GIL through call->ts. */
typedef struct {
    wc_call *call;
    const char *fname;    /* the function, for messages */
    PyObject *read;       /* the object's bound read method */
    PyObject *pending;    /* exact bytes: what read() returned beyond n */
    Py_ssize_t pending_pos;
} wc_reader;

/* The core's wc_read_fn over a Python object's read(n): the GIL is held only
 * around the call.  What read() returned is copied at once (into buf, and
 * what exceeds n into bytes of our own): the object may be a bytearray or a
 * buffer that its owner changes or shrinks once Python code runs again, so
 * no pointer or length into it is kept.  A pending exception is reported as
 * WC_EINTR. */
static ptrdiff_t wc_py_read(void *arg, void *buf, size_t n)
{
    wc_reader *c = arg;
    ptrdiff_t got = 0;
    PyEval_RestoreThread(c->call->ts);
    if (n > (size_t)PY_SSIZE_T_MAX)
        n = (size_t)PY_SSIZE_T_MAX;
    if (c->pending != NULL) {
        /* Bytes of our own (exact bytes: immutable). */
        Py_ssize_t len = PyBytes_GET_SIZE(c->pending);
        size_t k = (size_t)(len - c->pending_pos) < n ? (size_t)(len - c->pending_pos) : n;
        memcpy(buf, PyBytes_AS_STRING(c->pending) + c->pending_pos, k);
        c->pending_pos += (Py_ssize_t)k;
        if (c->pending_pos >= len)
            Py_CLEAR(c->pending);
        got = (ptrdiff_t)k;
        goto out;
    }
    PyObject *r = PyObject_CallFunction(c->read, "n", (Py_ssize_t)n);
    if (r == NULL) {
        got = WC_EINTR;
        goto out;
    }
    if (r == Py_None) {
        Py_DECREF(r);
        PyErr_Format(PyExc_BlockingIOError,
                     "%s: read() returned None (a non-blocking stream with "
                     "no data ready)", c->fname);
        got = WC_EINTR;
        goto out;
    }
    if (!PyObject_CheckBuffer(r) || PyUnicode_Check(r)) {
        PyErr_Format(PyExc_TypeError,
                     "%s needs a binary file object: read() "
                     "returned '%.200s', not bytes (for text streams pass "
                     "their .buffer, e.g. sys.stdin.buffer)",
                     c->fname, Py_TYPE(r)->tp_name);
        Py_DECREF(r);
        got = WC_EINTR;
        goto out;
    }
    /* No Python code runs between taking the buffer and releasing it. */
    Py_buffer view;
    if (wc_buffer_get(r, &view, PyBUF_C_CONTIGUOUS) < 0) {
        Py_DECREF(r);
        got = WC_EINTR;
        goto out;
    }
    size_t len = (size_t)view.len, k = len < n ? len : n;
    memcpy(buf, view.buf, k);
    if (len > k) {
        c->pending = PyBytes_FromStringAndSize((const char *)view.buf + k,
                                               (Py_ssize_t)(len - k));
        c->pending_pos = 0;
    }
    wc_buffer_release(&view);
    Py_DECREF(r);
    if (len > k && c->pending == NULL) {
        got = WC_EINTR; /* MemoryError */
        goto out;
    }
    got = (ptrdiff_t)k; /* 0: end of stream */
out:
    c->call->ts = PyEval_SaveThread();
    return got;
}

/* ---- arguments ---------------------------------------------------------- */

/* A needle for byte content: str (as UTF-8) or bytes-like, as exact bytes
 * that *owner keeps: a bytearray or other buffer is copied, since Python code
 * (the progress callback, signal handlers, other threads) runs during the
 * count and may change it. */
static int wc_get_byte_needle(PyObject *obj, wc_text *out, PyObject **owner)
{
    *owner = PyUnicode_Check(obj) ? PyUnicode_AsUTF8String(obj)
                                  : wc_bytes_copy(obj, "needle");
    if (*owner == NULL)
        return -1;
    if (wc_get_bytes(*owner, "needle", out) < 0) {
        Py_CLEAR(*owner);
        return -1;
    }
    return 0;
}

/* ---- what an input is counted for ---------------------------------------- */

/* One needle on the kernels (f == NULL: the default words), or words into a
 * table of the core (wc_freq_count_*: other words= modes, frequencies). */
typedef struct {
    const void *needle;
    size_t nlen;
    uint64_t count;
    wc_freq *f;
    int what; /* WC_COUNT_ALL or WC_COUNT_NEEDLES */
    wc_utf8_error ue;
} wc_target;

static int wc_target_file(wc_target *t, const char *path, const wc_io_options *o)
{
    if (t->f != NULL)
        return wc_freq_count_file(t->f, t->what, path, o, &t->ue);
    const void *needles[1] = {t->needle};
    size_t lens[1] = {t->nlen};
    return wc_count_file(path, needles, lens, 1, o, &t->count);
}

static int wc_target_fd(wc_target *t, int fd, const wc_io_options *o)
{
    if (t->f != NULL)
        return wc_freq_count_fd(t->f, t->what, fd, o, &t->ue);
    const void *needles[1] = {t->needle};
    size_t lens[1] = {t->nlen};
    return wc_count_fd(fd, needles, lens, 1, o, &t->count);
}

static int wc_target_reader(wc_target *t, wc_reader *r, const wc_io_options *o)
{
    if (t->f != NULL)
        return wc_freq_count_reader(t->f, t->what, wc_py_read, r, o, &t->ue);
    const void *needles[1] = {t->needle};
    size_t lens[1] = {t->nlen};
    return wc_count_reader(wc_py_read, r, needles, lens, 1, o, &t->count);
}

static PyObject *wc_target_raise(wc_target *t, int rc, PyObject *name)
{
    if (rc == WC_EUTF8 && !PyErr_Occurred()) /* else wc_raise_path keeps it */
        return wc_raise_utf8_io(&t->ue, name);
    return wc_raise_path(rc, name);
}

/* words= and casefold= for a byte input: NULL (the default words: the
 * kernels) or a table with *id the needle's (when needle != NULL).  *err set
 * when an exception is. */
static wc_freq *wc_words_table(const wc_word_opts *opts, int threads,
                               PyObject *needle_obj, const wc_text *needle,
                               size_t *id, int *err)
{
    *err = 0;
    if (needle != NULL && !wc_word_opts_special(opts))
        return NULL;
    wc_word_opts o = *opts;
    o.utf8 = WC_BYTES_UTF8(opts, 0);
    o.threads = threads;
    wc_freq *f = wc_freq_new(1, &o);
    if (f == NULL) {
        PyErr_NoMemory();
        *err = 1;
        return NULL;
    }
    if (needle != NULL) {
        size_t off = 0;
        int rc = wc_freq_add_needle(f, needle->data, needle->len, 1, id, &off);
        if (rc != WC_OK) {
            wc_raise_text(rc, needle_obj, needle->data, needle->len, off);
            wc_freq_free(f);
            *err = 1;
            return NULL;
        }
    }
    return f;
}

/* ---- files ----------------------------------------------------------------- */

/* Count the file at `path` (str, bytes, PathLike) for t.  0, or -1 with an
 * exception set. */
static int wc_run_file(PyObject *path, wc_target *t, int threads,
                       PyObject *progress, size_t block)
{
    PyObject *path_bytes = NULL;
    if (!PyUnicode_FSConverter(path, &path_bytes))
        return -1;
    wc_call call = {.progress = progress};
    wc_io_options opt = {.threads = threads, .block_size = block,
                         .progress = wc_on_progress, .progress_arg = &call};
    call.ts = PyEval_SaveThread();
    int rc = wc_target_file(t, PyBytes_AS_STRING(path_bytes), &opt);
    int saved = errno;
    PyEval_RestoreThread(call.ts);
    Py_DECREF(path_bytes);
    errno = saved; /* the count's, for the OSError: after the free */
    if (rc != WC_OK) {
        wc_target_raise(t, rc, path);
        return -1;
    }
    return 0;
}

static const enum wc_kw wc_file_params[] = {
    WC_KW_PATH, WC_KW_NEEDLE, WC_KW_THREADS, WC_KW_PROGRESS, WC_KW_BLOCK_SIZE,
    WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_ERRORS};

/* search_file's and search_stream's end: the needle's count when the run
 * went well (ok), and the release of what the call held. */
static PyObject *wc_needle_result(int ok, wc_target *t, size_t id, wc_text *pat,
                                  PyObject *owner)
{
    PyObject *result = NULL;
    if (ok)
        result = PyLong_FromUnsignedLongLong(
            t->f != NULL ? wc_freq_needle_count(t->f, id) : t->count);
    wc_freq_free(t->f);
    wc_text_release(pat);
    Py_XDECREF(owner);
    return result;
}

/* Sort the table (the GIL released: a table of millions of words takes a
 * while) and make the Counter, or with `arrays` the tuple of
 * wc_freq_arrays. */
static PyObject *wc_freq_result(PyObject *module, wc_freq *f, Py_ssize_t top,
                                int arrays)
{
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wc_freq_order(f, top, arrays);
    Py_END_ALLOW_THREADS
    if (rc != WC_OK)
        return wc_raise(rc);
    return arrays ? wc_freq_arrays(module, f, 0, top) : wc_freq_counter(module, f, 0, top);
}

/* ---- streams --------------------------------------------------------------- */

/* fileobj.<name>() as an int: its __index__, as on 3.10+ (3.9's
 * PyLong_AsLong also took a float's __int__).  A new reference or NULL. */
static PyObject *wc_call_index(PyObject *fileobj, const char *name)
{
    PyObject *r = PyObject_CallMethod(fileobj, name, NULL);
    if (r == NULL)
        return NULL;
    PyObject *i = PyNumber_Index(r);
    Py_DECREF(r);
    return i;
}

/* 1 when obj reads as `base` does (its read and readinto are base's own:
 * an object whose class or instance overrides either, to decrypt or
 * transform what it reads, is read through them, not through its
 * descriptor), 0 when not, -1 with an exception. */
static int wc_reads_as(PyObject *obj, PyObject *base)
{
    static const char *const names[] = {"read", "readinto"};
    int same = 1;
    for (size_t i = 0; i < 2 && same == 1; i++) {
        PyObject *a = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), names[i]);
        PyObject *b = a != NULL ? PyObject_GetAttrString(base, names[i]) : NULL;
        same = a == NULL || b == NULL ? -1 : a == b;
        Py_XDECREF(a);
        Py_XDECREF(b);
    }
    if (same != 1)
        return same;
    /* f.read = ... on the instance (a BufferedReader has a __dict__). */
    PyObject *d = PyObject_GetAttrString(obj, "__dict__");
    if (d == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return -1;
        PyErr_Clear();
        return 1;
    }
    for (size_t i = 0; i < 2 && same == 1 && PyDict_Check(d); i++) {
        PyObject *key = PyUnicode_FromString(names[i]);
        int has = key == NULL ? -1 : PyDict_Contains(d, key);
        Py_XDECREF(key);
        same = has < 0 ? -1 : !has;
    }
    Py_DECREF(d);
    return same;
}

/* 1 when obj is an instance of base that reads as base does. */
static int wc_is_plain(PyObject *obj, PyObject *base)
{
    int r = PyObject_IsInstance(obj, base);
    return r == 1 ? wc_reads_as(obj, base) : r;
}

/* 1 if `obj` reads straight from an OS file descriptor: an io.FileIO, or an
 * io.BufferedReader/BufferedRandom over one, neither of a subclass that
 * overrides read or readinto.  Only then is fileno() the
 * source of what read() returns (gzip.GzipFile also has a fileno(), of the
 * compressed file).  -1 on error. */
static int wc_is_os_file(PyObject *io, PyObject *obj, int *buffered)
{
    *buffered = 0;
    PyObject *fileio = PyObject_GetAttrString(io, "FileIO");
    if (fileio == NULL)
        return -1;
    int r = wc_is_plain(obj, fileio);
    if (r == 0) {
        PyObject *br = PyObject_GetAttrString(io, "BufferedReader");
        PyObject *brw = br != NULL ? PyObject_GetAttrString(io, "BufferedRandom")
                                   : NULL; /* not with an exception set */
        if (br == NULL || brw == NULL) {
            r = -1;
        } else if ((r = wc_is_plain(obj, br)) == 1 ||
                   (r == 0 && (r = wc_is_plain(obj, brw)) == 1)) {
            PyObject *raw = PyObject_GetAttrString(obj, "raw");
            r = raw == NULL ? -1 : wc_is_plain(raw, fileio);
            Py_XDECREF(raw);
            *buffered = r == 1;
        }
        Py_XDECREF(br);
        Py_XDECREF(brw);
    }
    Py_DECREF(fileio);
    return r;
}

/* The name of a file object for error messages (a new reference or NULL). */
static PyObject *wc_stream_name(PyObject *fileobj)
{
    PyObject *name = PyObject_GetAttrString(fileobj, "name");
    /* No name: the message says "the stream".  Anything else that getting
     * it raised (a property's KeyboardInterrupt, MemoryError) stays set,
     * and is the exception raised (wc_target_raise keeps a pending one). */
    if (name == NULL && PyErr_ExceptionMatches(PyExc_AttributeError))
        PyErr_Clear();
    else if (name != NULL && !PyUnicode_Check(name) && !PyBytes_Check(name))
        Py_CLEAR(name);
    return name;
}

/* wc_stream_fd with `fd`, our own duplicate of the object's descriptor. */
static int wc_stream_dup(const char *fname, PyObject *fileobj, int fd,
                         int buffered, wc_target *t, wc_io_options *opt,
                         wc_call *call)
{
    PyObject *r = PyObject_CallMethod(fileobj, "seekable", NULL);
    if (r == NULL)
        return -1;
    int seekable = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (seekable < 0)
        return -1;

    PyObject *prefix = NULL;
    off_t orig = 0; /* the descriptor's offset, where the object's buffer ends */
    if (seekable) {
        /* Bytes written to the object and not yet flushed go to the file
         * first: the count moves the offset that the descriptor shares, so
         * the seek() at the end would have flushed them at the end of the
         * file instead of where they were written ("r+b"). */
        r = PyObject_CallMethod(fileobj, "flush", NULL);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
        /* tell() is the logical position, whatever the object buffered:
         * count from there, then seek() the object to where the fd ends. */
        r = wc_call_index(fileobj, "tell");
        if (r == NULL)
            return -1;
        long long pos = PyLong_AsLongLong(r);
        Py_DECREF(r);
        if (pos == -1 && PyErr_Occurred())
            return -1;
        orig = lseek(fd, 0, SEEK_CUR);
        if (orig < 0 || lseek(fd, (off_t)pos, SEEK_SET) < 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
    } else if (buffered) {
        /* A pipe: the bytes the object already read ahead come first.  peek()
         * returns them (or, with none, reads once); read() then takes them
         * out of its buffer, which leaves it empty and the fd at their end. */
        r = PyObject_CallMethod(fileobj, "peek", NULL);
        if (r == NULL)
            return -1;
        if (!PyBytes_Check(r)) {
            Py_DECREF(r);
            PyErr_Format(PyExc_TypeError, "%s: peek() did not return bytes", fname);
            return -1;
        }
        prefix = PyObject_CallMethod(fileobj, "read", "n", PyBytes_GET_SIZE(r));
        Py_DECREF(r);
        if (prefix == NULL)
            return -1;
        if (!PyBytes_Check(prefix)) {
            Py_DECREF(prefix);
            PyErr_Format(PyExc_TypeError, "%s: read() did not return bytes", fname);
            return -1;
        }
        opt->prefix = PyBytes_AS_STRING(prefix);
        opt->prefix_len = (size_t)PyBytes_GET_SIZE(prefix);
    }
    call->ts = PyEval_SaveThread();
    int rc = wc_target_fd(t, fd, opt);
    int saved = errno;
    off_t end = rc == WC_OK && seekable ? lseek(fd, 0, SEEK_CUR) : 0;
    int end_errno = errno;
    PyEval_RestoreThread(call->ts);
    Py_XDECREF(prefix);
    if (rc != WC_OK) {
        /* The object stays as it was: its buffer ends at `orig` (a
         * BufferedReader that had read ahead would give the bytes between
         * tell() and there twice).  Should this lseek fail, the count's
         * own error is the one raised. */
        if (seekable)
            (void)lseek(fd, orig, SEEK_SET);
        /* An exception set by the count (the progress callable's, Ctrl-C's)
         * is the one raised: looking the name up could clear it (a FileIO's
         * did: a KeyboardInterrupt was raised instead). */
        PyObject *name = PyErr_Occurred() ? NULL : wc_stream_name(fileobj);
        /* The count's errno: the code since (the name's property, a
         * __del__ run by the decrefs) may have set another. */
        errno = saved;
        wc_target_raise(t, rc, name);
        Py_XDECREF(name);
        return -1;
    }
    if (seekable) {
        if (end < 0) {
            errno = end_errno;
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
        /* Closed meanwhile (by the progress callable, a signal handler,
         * another thread): the count, read through our duplicate, stands,
         * and there is no position left to set. */
        r = PyObject_GetAttrString(fileobj, "closed");
        int closed = r == NULL ? -1 : PyObject_IsTrue(r);
        Py_XDECREF(r);
        if (closed < 0)
            return -1;
        if (closed)
            return 0;
        r = PyObject_CallMethod(fileobj, "seek", "L", (long long)end);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    return 0;
}

/* Count what remains of an OS-backed file object through its descriptor;
 * leaves the object positioned at the end of what was read.  0 or -1.
 * The count reads a duplicate of the descriptor (same file, same offset):
 * Python code that runs meanwhile (tell(), the progress callback, signal
 * handlers, other threads) may close the object, and its number may then
 * name another file. */
static int wc_stream_fd(const char *fname, PyObject *fileobj, int buffered,
                        wc_target *t, wc_io_options *opt, wc_call *call)
{
    PyObject *r = wc_call_index(fileobj, "fileno");
    if (r == NULL)
        return -1;
    long lfd = PyLong_AsLong(r);
    Py_DECREF(r);
    if (lfd == -1 && PyErr_Occurred())
        return -1;
    if (lfd < 0 || lfd > INT_MAX) {
        PyErr_Format(PyExc_ValueError, "fileno() returned %ld", lfd);
        return -1;
    }
    int fd = fcntl((int)lfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    int rc = wc_stream_dup(fname, fileobj, fd, buffered, t, opt, call);
    close(fd);
    return rc;
}

/* Count what remains of a binary file object for t.  0, or -1 with an
 * exception set. */
static int wc_run_stream(const char *fname, PyObject *fileobj, wc_target *t,
                         int threads, PyObject *progress, size_t block)
{
    PyObject *io = PyImport_ImportModule("io");
    if (io == NULL)
        return -1;
    PyObject *text_io = PyObject_GetAttrString(io, "TextIOBase");
    int is_text = text_io == NULL ? -1 : PyObject_IsInstance(fileobj, text_io);
    Py_XDECREF(text_io);
    int buffered = 0;
    int os_file = is_text == 0 ? wc_is_os_file(io, fileobj, &buffered) : -1;
    Py_DECREF(io);
    if (is_text == 1) {
        PyErr_Format(PyExc_TypeError,
                     "%s needs a binary file object, not the text "
                     "stream '%.200s' (open the file in 'rb' mode, or pass "
                     "sys.stdin.buffer)", fname, Py_TYPE(fileobj)->tp_name);
        return -1;
    }
    if (os_file < 0)
        return -1;
    wc_call call = {.progress = progress};
    /* threads: used when the descriptor is a regular file (read in blocks
     * on the pool as by search_file); a pipe or a read(n) is one stream. */
    wc_io_options opt = {.block_size = block, .threads = threads,
                         .progress = wc_on_progress, .progress_arg = &call};
    if (os_file)
        return wc_stream_fd(fname, fileobj, buffered, t, &opt, &call);
    wc_reader reader = {.call = &call, .fname = fname};
    reader.read = PyObject_GetAttrString(fileobj, "read");
    if (reader.read == NULL) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError))
            PyErr_Format(PyExc_TypeError,
                         "%s needs a binary file object (with read(n) or a "
                         "file descriptor), not '%.200s'", fname,
                         Py_TYPE(fileobj)->tp_name);
        return -1;
    }
    if (!PyCallable_Check(reader.read)) {
        PyErr_Format(PyExc_TypeError, "%s: '%.200s'.read is not callable",
                     fname, Py_TYPE(fileobj)->tp_name);
        Py_DECREF(reader.read);
        return -1;
    }
    call.ts = PyEval_SaveThread();
    int rc = wc_target_reader(t, &reader, &opt);
    PyEval_RestoreThread(call.ts);
    Py_XDECREF(reader.read);
    Py_XDECREF(reader.pending);
    if (rc != WC_OK) {
        /* As above: an exception set by the count is the one raised. */
        PyObject *name = rc == WC_EUTF8 && !PyErr_Occurred()
                             ? wc_stream_name(fileobj) : NULL;
        wc_target_raise(t, rc, name);
        Py_XDECREF(name);
        return -1;
    }
    return 0;
}

/* ---- the four functions: a path or a binary file object ---------------------
 *
 * search_file/search_stream and frequencies_file/frequencies_stream differ
 * only in what they read: a path (wc_run_file) or what remains of a file
 * object (wc_run_stream).  Their keyword parameters are the same, in the
 * same order; only the first parameter's name differs. */

static int wc_run_source(int stream, const char *fname, PyObject *source,
                         wc_target *t, int threads, PyObject *progress,
                         size_t block)
{
    return stream ? wc_run_stream(fname, source, t, threads, progress, block)
                  : wc_run_file(source, t, threads, progress, block);
}

static const enum wc_kw wc_stream_params[] = {
    WC_KW_FILEOBJ, WC_KW_NEEDLE, WC_KW_THREADS, WC_KW_PROGRESS,
    WC_KW_BLOCK_SIZE, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_ERRORS};

static PyObject *wc_search_source(PyObject *module, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames,
                                  int stream)
{
    const char *fname = stream ? "search_stream" : "search_file";
    PyObject *a[8], *progress, *owner = NULL;
    int threads, err;
    size_t block, id = WC_NO_ID;
    wc_word_opts wo;
    if (wc_parse_args(module, fname, args, nargs, kwnames,
                      stream ? wc_stream_params : wc_file_params, 8, 2, 2, a) < 0 ||
        wc_get_threads(a[2], &threads) < 0 || wc_get_progress(a[3], &progress) < 0 ||
        wc_get_block_size(a[4], &block) < 0 || wc_get_word_opts(a[5], a[6], &wo) < 0 ||
        wc_get_errors(a[7], &wo) < 0)
        return NULL;
    wc_text pat;
    if (wc_get_byte_needle(a[1], &pat, &owner) < 0)
        return NULL;
    wc_target t = {.needle = pat.data, .nlen = pat.len, .what = WC_COUNT_NEEDLES};
    t.f = wc_words_table(&wo, threads, a[1], &pat, &id, &err);
    int ok = !err && wc_run_source(stream, fname, a[0], &t, threads, progress,
                                   block) == 0;
    return wc_needle_result(ok, &t, id, &pat, owner);
}

static PyObject *wc_search_file(PyObject *module, PyObject *const *args,
                                Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_search_source(module, args, nargs, kwnames, 0);
}

static PyObject *wc_search_stream(PyObject *module, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_search_source(module, args, nargs, kwnames, 1);
}

static const enum wc_kw wc_freq_file_params[] = {
    WC_KW_PATH, WC_KW_TOP, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_THREADS,
    WC_KW_PROGRESS, WC_KW_BLOCK_SIZE, WC_KW_ERRORS};

static const enum wc_kw wc_freq_stream_params[] = {
    WC_KW_FILEOBJ, WC_KW_TOP, WC_KW_WORDS, WC_KW_CASEFOLD, WC_KW_THREADS,
    WC_KW_PROGRESS, WC_KW_BLOCK_SIZE, WC_KW_ERRORS};

/* frequencies_file and frequencies_stream (stream 1), and with `arrays`
 * their _arrays forms. */
static PyObject *wc_frequencies_source(PyObject *module, PyObject *const *args,
                                       Py_ssize_t nargs, PyObject *kwnames,
                                       int stream, int arrays)
{
    static const char *const names[2][2] = {
        {"frequencies_file", "frequencies_file_arrays"},
        {"frequencies_stream", "frequencies_stream_arrays"}};
    const char *fname = names[stream][arrays];
    PyObject *a[8], *progress;
    int threads, err;
    size_t block;
    Py_ssize_t top;
    wc_word_opts wo;
    if (wc_parse_args(module, fname, args, nargs, kwnames,
                      stream ? wc_freq_stream_params : wc_freq_file_params, 8,
                      1, 1, a) < 0 ||
        wc_get_top(a[1], &top) < 0 || wc_get_word_opts(a[2], a[3], &wo) < 0 ||
        wc_get_errors(a[7], &wo) < 0 ||
        wc_get_threads(a[4], &threads) < 0 || wc_get_progress(a[5], &progress) < 0 ||
        wc_get_block_size(a[6], &block) < 0)
        return NULL;
    wc_target t = {.what = WC_COUNT_ALL};
    t.f = wc_words_table(&wo, threads, NULL, NULL, NULL, &err);
    if (t.f == NULL)
        return NULL;
    PyObject *result = NULL;
    if (wc_run_source(stream, fname, a[0], &t, threads, progress, block) == 0)
        result = wc_freq_result(module, t.f, top, arrays);
    wc_freq_free(t.f);
    return result;
}

static PyObject *wc_frequencies_file(PyObject *module, PyObject *const *args,
                                     Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_frequencies_source(module, args, nargs, kwnames, 0, 0);
}

static PyObject *wc_frequencies_stream(PyObject *module, PyObject *const *args,
                                       Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_frequencies_source(module, args, nargs, kwnames, 1, 0);
}

static PyObject *wc_frequencies_file_arrays(PyObject *module,
                                            PyObject *const *args,
                                            Py_ssize_t nargs, PyObject *kwnames)
{
    return wc_frequencies_source(module, args, nargs, kwnames, 0, 1);
}

static PyObject *wc_frequencies_stream_arrays(PyObject *module,
                                              PyObject *const *args,
                                              Py_ssize_t nargs,
                                              PyObject *kwnames)
{
    return wc_frequencies_source(module, args, nargs, kwnames, 1, 1);
}

/* ---- a byte range of a file (word_count.dask, word_count.mpi) ------------ */

/* _count_range(path, start, end, needle, words, casefold, errors, threads,
 * block_size, arrays): the words of bytes [start, end) of the file at
 * `path` counted as if they were the whole text (wc_count_file_range):
 * needle None: every word, a Counter in order of first occurrence (as
 * frequencies(top=None)), or with `arrays` true the tuple of
 * wc_freq_arrays; else the needle's count (as search).  On the pool's
 * threads, the GIL released; Ctrl-C stops it. */
static PyObject *wc_count_range(PyObject *module, PyObject *const *args,
                                Py_ssize_t nargs)
{
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError,
                        "_count_range(path, start, end, needle, words, "
                        "casefold, errors, threads, block_size, arrays) takes "
                        "10 arguments");
        return NULL;
    }
    int arrays = PyObject_IsTrue(args[9]);
    if (arrays < 0)
        return NULL;
    long long start, end;
    if (wc_get_int(args[1], "start", 0, LLONG_MAX - 1, &start) < 0 ||
        wc_get_int(args[2], "end", 0, LLONG_MAX - 1, &end) < 0)
        return NULL;
    if (end < start) {
        PyErr_Format(PyExc_ValueError, "bad byte range [%lld, %lld)", start, end);
        return NULL;
    }
    wc_word_opts wo;
    int threads;
    size_t block;
    if (wc_get_word_opts(args[4], args[5], &wo) < 0 ||
        wc_get_errors(args[6], &wo) < 0 || wc_get_threads(args[7], &threads) < 0 ||
        wc_get_block_size(args[8], &block) < 0)
        return NULL;
    PyObject *owner = NULL, *path_bytes = NULL;
    int err = 0, ok = 0;
    size_t id = WC_NO_ID;
    wc_text pat = {0};
    wc_target t = {.what = WC_COUNT_ALL};
    if (args[3] != Py_None) {
        if (wc_get_byte_needle(args[3], &pat, &owner) < 0)
            return NULL;
        t = (wc_target){.needle = pat.data, .nlen = pat.len,
                        .what = WC_COUNT_NEEDLES};
        t.f = wc_words_table(&wo, threads, args[3], &pat, &id, &err);
    } else {
        t.f = wc_words_table(&wo, threads, NULL, NULL, NULL, &err);
    }
    if (!err && PyUnicode_FSConverter(args[0], &path_bytes)) {
        wc_call call = {0};
        wc_io_options opt = {.threads = threads, .block_size = block,
                             .progress = wc_on_progress, .progress_arg = &call};
        const char *path = PyBytes_AS_STRING(path_bytes);
        const void *const needles[1] = {t.needle};
        const size_t lens[1] = {t.nlen};
        uint64_t lo = (uint64_t)start, hi = (uint64_t)end;
        int rc;
        call.ts = PyEval_SaveThread();
        if (t.f != NULL)
            rc = wc_freq_count_file_range(t.f, t.what, path, lo, hi, &opt, &t.ue);
        else
            rc = wc_count_file_range(path, lo, hi, needles, lens, 1, &opt, &t.count);
        int saved = errno;
        PyEval_RestoreThread(call.ts);
        errno = saved;
        /* The core counts the range's offsets from lo; the exception names
         * the place in the file. */
        if (rc == WC_EUTF8)
            t.ue.offset += lo;
        if (rc != WC_OK)
            wc_target_raise(&t, rc, args[0]);
        ok = rc == WC_OK;
        Py_DECREF(path_bytes);
    }
    if (args[3] != Py_None)
        return wc_needle_result(ok, &t, id, &pat, owner);
    PyObject *result = ok ? wc_freq_result(module, t.f, -1, arrays) : NULL;
    wc_freq_free(t.f);
    return result;
}

/* _file_size(path): the size to cut the file into ranges by, or None for
 * one read whole as a stream (wc_file_size). */
static PyObject *wc_py_file_size(PyObject *module, PyObject *path)
{
    (void)module;
    PyObject *path_bytes = NULL;
    if (!PyUnicode_FSConverter(path, &path_bytes))
        return NULL;
    uint64_t size = 0;
    int rc, saved;
    Py_BEGIN_ALLOW_THREADS
    rc = wc_file_size(PyBytes_AS_STRING(path_bytes), &size);
    saved = errno;
    Py_END_ALLOW_THREADS
    Py_DECREF(path_bytes);
    if (rc != WC_OK) {
        errno = saved;
        return wc_raise_path(rc, path);
    }
    if (size == WC_SIZE_UNKNOWN)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLongLong(size);
}

PyMethodDef wc_files_methods[] = {
    {"_file_size", wc_py_file_size, METH_O,
     "_file_size($module, path, /)\n--\n\n"
     "The size to cut a file into byte ranges by, or None for one to read\n"
     "whole as a stream (not a regular file, empty, or on /proc or sysfs,\n"
     "whose sizes are made up).  For word_count.dask and word_count.mpi."},
    {"_count_range", WC_FASTCALL(wc_count_range), METH_FASTCALL,
     "_count_range($module, path, start, end, needle, words, casefold,\n"
     "             errors, threads, block_size, arrays, /)\n--\n\n"
     "The words of bytes [start, end) of a file as a text of their own: a\n"
     "Counter in order of first occurrence (needle None; with `arrays`, the\n"
     "(data, offsets, counts) of _frequencies_arrays) or the needle's count,\n"
     "on `threads` threads.  For word_count.dask and word_count.mpi."},
    {"search_file", WC_FASTCALL(wc_search_file), METH_FASTCALL | METH_KEYWORDS,
     "search_file($module, /, path, needle, *, threads=None, progress=None,\n"
     "            block_size=None, words='space', casefold=False,\n"
     "            errors='strict')\n--\n\n"
     "Count the words of the file at `path` equal to `needle`.\n\n"
     "See word_count.search_file."},
    {"search_stream", WC_FASTCALL(wc_search_stream), METH_FASTCALL | METH_KEYWORDS,
     "search_stream($module, /, fileobj, needle, *, threads=None,\n"
     "              progress=None, block_size=None, words='space',\n"
     "              casefold=False, errors='strict')\n--\n\n"
     "Count the words equal to `needle` in what remains of a binary file object.\n\n"
     "See word_count.search_stream."},
    {"frequencies_file", WC_FASTCALL(wc_frequencies_file),
     METH_FASTCALL | METH_KEYWORDS,
     "frequencies_file($module, /, path, *, top=None, words='space',\n"
     "                 casefold=False, threads=None, progress=None,\n"
     "                 block_size=None, errors='strict')\n--\n\n"
     "A collections.Counter of the words of the file at `path` (bytes keys).\n\n"
     "See word_count.frequencies_file."},
    {"frequencies_stream", WC_FASTCALL(wc_frequencies_stream),
     METH_FASTCALL | METH_KEYWORDS,
     "frequencies_stream($module, /, fileobj, *, top=None, words='space',\n"
     "                   casefold=False, threads=None, progress=None,\n"
     "                   block_size=None, errors='strict')\n--\n\n"
     "A collections.Counter of the words in what remains of a binary file\n"
     "object (bytes keys).\n\n"
     "See word_count.frequencies_stream."},
    {"_frequencies_file_arrays", WC_FASTCALL(wc_frequencies_file_arrays),
     METH_FASTCALL | METH_KEYWORDS,
     "_frequencies_file_arrays($module, /, path, *, top=None, words='space',\n"
     "                         casefold=False, threads=None, progress=None,\n"
     "                         block_size=None, errors='strict')\n--\n\n"
     "The words of frequencies_file() as (data, offsets, counts), three\n"
     "bytes (see _frequencies_arrays).\n\n"
     "See word_count.frequencies_file_arrays."},
    {"_frequencies_stream_arrays", WC_FASTCALL(wc_frequencies_stream_arrays),
     METH_FASTCALL | METH_KEYWORDS,
     "_frequencies_stream_arrays($module, /, fileobj, *, top=None,\n"
     "                           words='space', casefold=False, threads=None,\n"
     "                           progress=None, block_size=None,\n"
     "                           errors='strict')\n--\n\n"
     "The words of frequencies_stream() as (data, offsets, counts), three\n"
     "bytes (see _frequencies_arrays).\n\n"
     "See word_count.frequencies_stream_arrays."},
    {NULL, NULL, 0, NULL},
};
