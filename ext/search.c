/*
 * search.c - search, search_sequential, search_sequential_allow_threads and
 * the introspection functions (kernel, threads).
 */
#include "binding.h"

enum wc_mode { WC_PARALLEL, WC_SEQUENTIAL, WC_SEQUENTIAL_NOGIL };

static const enum wc_kw wc_search_params[] = {WC_KW_CONTENTS, WC_KW_NEEDLE,
                                              WC_KW_THREADS, WC_KW_WORDS,
                                              WC_KW_CASEFOLD, WC_KW_PROGRESS,
                                              WC_KW_ERRORS};

static PyObject *wc_search_impl(PyObject *contents, PyObject *needle,
                                int threads, enum wc_mode mode)
{
    wc_text text, pat;
    int impossible;
    if (wc_get_pair(contents, needle, &text, &pat, &impossible) < 0)
        return NULL;
    uint64_t count = 0;
    int rc = WC_OK;
    if (!impossible) {
        int release = mode != WC_SEQUENTIAL &&
                      text.len * (size_t)text.width >= WC_GIL_THRESHOLD;
        PyThreadState *ts = release ? PyEval_SaveThread() : NULL;
        if (mode == WC_PARALLEL)
            rc = wc_count_parallel(text.data, text.len, pat.data, pat.len,
                                   text.width, threads, &count);
        else
            count = wc_count(text.data, text.len, pat.data, pat.len, text.width);
        if (ts != NULL)
            PyEval_RestoreThread(ts);
    }
    wc_text_release(&text);
    wc_text_release(&pat);
    if (rc != WC_OK)
        return wc_raise(rc);
    return PyLong_FromUnsignedLongLong(count);
}

/* A text in memory as the core's wc_read_fn (no Python: called with the GIL
 * released). */
typedef struct {
    const char *p;
    size_t left;
} wc_mem;

static ptrdiff_t wc_mem_read(void *arg, void *buf, size_t n)
{
    wc_mem *m = arg;
    size_t k = m->left < n ? m->left : n;
    memcpy(buf, m->p, k);
    m->p += k;
    m->left -= k;
    return (ptrdiff_t)k;
}

/* search() with the default words and progress= (a callable): a text of
 * single-byte units is read as a stream by the core's kernels, which stop
 * between blocks to report (and for Ctrl-C), as search_stream does: one
 * thread and a copy per block, but far quicker than the word enumerator
 * that counts wider str texts. */
static PyObject *wc_search_progress(PyObject *contents, PyObject *needle,
                                    int threads, PyObject *progress)
{
    wc_text text, pat;
    int impossible;
    if (wc_get_pair(contents, needle, &text, &pat, &impossible) < 0)
        return NULL;
    if (impossible || text.width != 1) {
        wc_text_release(&text);
        wc_text_release(&pat);
        wc_word_opts o;
        if (wc_get_word_opts(NULL, NULL, &o) < 0)
            return NULL;
        o.threads = threads;
        return wc_search_words(contents, needle, &o, progress);
    }
    wc_mem mem = {.p = text.data, .left = text.len};
    wc_call call = {.progress = progress, .has_total = 1, .total = text.len};
    wc_io_options opt = {.progress = wc_on_progress, .progress_arg = &call};
    const void *needles[1] = {pat.data};
    size_t lens[1] = {pat.len};
    uint64_t count = 0;
    call.ts = PyEval_SaveThread();
    int rc = wc_count_reader(wc_mem_read, &mem, needles, lens, 1, &opt, &count);
    PyEval_RestoreThread(call.ts);
    wc_text_release(&text);
    wc_text_release(&pat);
    if (rc != WC_OK)
        return wc_raise(rc);
    return PyLong_FromUnsignedLongLong(count);
}

static PyObject *wc_search(PyObject *module, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[7], *cb, *bar;
    int threads;
    wc_word_opts o;
    if (wc_parse_args(module, "search", args, nargs, kwnames, wc_search_params,
                      7, 2, 2, a) < 0 ||
        wc_get_threads(a[2], &threads) < 0 ||
        wc_get_word_opts(a[3], a[4], &o) < 0 || wc_get_errors(a[6], &o) < 0)
        return NULL;
    if (a[5] == NULL || a[5] == Py_None || a[5] == Py_False) {
        if (!wc_word_opts_special(&o))
            return wc_search_impl(a[0], a[1], threads, WC_PARALLEL);
        o.threads = threads;
        return wc_search_words(a[0], a[1], &o, NULL);
    }
    /* progress=: counted where the count stops to report (the kernels'
     * parallel pass has no such points). */
    if (wc_progress_open(a[5], PyUnicode_Check(a[0]) ? "char" : "B", &cb, &bar) < 0)
        return NULL;
    o.threads = threads;
    PyObject *r;
    if (cb == NULL) /* progress=True without tqdm */
        r = wc_word_opts_special(&o) ? wc_search_words(a[0], a[1], &o, NULL)
                                     : wc_search_impl(a[0], a[1], threads, WC_PARALLEL);
    else
        r = wc_word_opts_special(&o) ? wc_search_words(a[0], a[1], &o, cb)
                                     : wc_search_progress(a[0], a[1], threads, cb);
    return wc_progress_close(cb, bar, r);
}

static PyObject *wc_search_sequential(PyObject *module, PyObject *const *args,
                                      Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[2];
    if (wc_parse_args(module, "search_sequential", args, nargs, kwnames,
                      wc_search_params, 2, 2, 2, a) < 0)
        return NULL;
    return wc_search_impl(a[0], a[1], 1, WC_SEQUENTIAL);
}

static PyObject *wc_search_allow_threads(PyObject *module, PyObject *const *args,
                                         Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[2];
    if (wc_parse_args(module, "search_sequential_allow_threads", args, nargs,
                      kwnames, wc_search_params, 2, 2, 2, a) < 0)
        return NULL;
    return wc_search_impl(a[0], a[1], 1, WC_SEQUENTIAL_NOGIL);
}

static PyObject *wc_count_byte_py(PyObject *module, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[3];
    int threads;
    if (wc_parse_args(module, "_count_byte", args, nargs, kwnames,
                      wc_search_params, 3, 2, 2, a) < 0 ||
        wc_get_threads(a[2], &threads) < 0)
        return NULL;
    long byte = PyLong_AsLong(a[1]);
    if (byte == -1 && PyErr_Occurred())
        return NULL;
    if (byte < 0 || byte > 255) {
        PyErr_SetString(PyExc_ValueError, "byte must be from 0 to 255");
        return NULL;
    }
    wc_text buf;
    if (wc_get_bytes(a[0], "contents", &buf) < 0)
        return NULL;
    uint64_t count = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wc_count_byte_parallel(buf.data, buf.len, (uint8_t)byte, threads, &count);
    Py_END_ALLOW_THREADS
    wc_text_release(&buf);
    if (rc != WC_OK)
        return wc_raise(rc);
    return PyLong_FromUnsignedLongLong(count);
}

static PyObject *wc_set_threshold_py(PyObject *module, PyObject *arg)
{
    (void)module;
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "the threshold must be >= 0");
        return NULL;
    }
    wc_set_parallel_threshold((size_t)n);
    return PyLong_FromSize_t(wc_parallel_threshold());
}

static PyObject *wc_kernel(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    return PyUnicode_FromString(wc_kernel_name());
}

/* A kernel name as a C string; a name with a NUL in it is no kernel's. */
static const char *wc_kernel_arg(PyObject *name)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(name, &n);
    if (s != NULL && (size_t)n != strlen(s)) {
        PyErr_SetString(PyExc_ValueError, "kernel name contains a NUL character");
        return NULL;
    }
    return s;
}

static PyObject *wc_kernel_supported_py(PyObject *module, PyObject *name)
{
    (void)module;
    const char *s = wc_kernel_arg(name);
    if (s == NULL)
        return NULL;
    return PyBool_FromLong(wc_kernel_supported(s));
}

static PyObject *wc_force_kernel_py(PyObject *module, PyObject *name)
{
    (void)module;
    const char *s = wc_kernel_arg(name);
    if (s == NULL)
        return NULL;
    if (wc_force_kernel(s) != WC_OK) {
        PyErr_Format(PyExc_ValueError,
                     "kernel %R is unknown or not supported on this CPU", name);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *wc_default_threads_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    return PyLong_FromLong(wc_default_threads());
}

static PyObject *wc_available_cpus_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    return PyLong_FromLong(wc_available_cpus());
}

static PyObject *wc_threads_env_invalid_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    return PyBool_FromLong(wc_threads_env_invalid());
}

static PyObject *wc_pool_workers_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    return PyLong_FromLong(wc_pool_started_workers());
}

/* Waits for the workers with the GIL released: a busy worker first finishes
 * its task, and other threads may go on meanwhile. */
static PyObject *wc_shutdown_pool_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    Py_BEGIN_ALLOW_THREADS
    wc_pool_shutdown();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

#define WC_SEARCH_DOC(name, what)                                             \
    name "($module, /, contents, needle)\n--\n\n"                             \
    "Count the words of `contents` equal to `needle`, " what ".\n\n"          \
    "`contents` and `needle` are both str or both bytes-like."

#define WC_FASTCALL(fn) ((PyCFunction)(void (*)(void))(fn))

PyMethodDef wc_search_methods[] = {
    {"search", WC_FASTCALL(wc_search), METH_FASTCALL | METH_KEYWORDS,
     "search($module, /, contents, needle, *, threads=None, words='space', "
     "casefold=False, progress=None, errors='strict')\n--\n\n"
     "Count the words of `contents` equal to `needle` on every core.\n\n"
     "`contents` and `needle` are both str or both bytes-like.  The GIL is\n"
     "released for the count (inputs of GIL_RELEASE_THRESHOLD bytes or more).\n"
     "`threads` caps the threads used (default: default_threads()).\n"
     "`words`, `casefold` and `errors` as for count_many() (the default runs on\n"
     "the SIMD kernels).  `progress` as for count_many(); with it, the default\n"
     "words are counted on one thread as search_stream() counts, and other\n"
     "texts than bytes or Latin-1 str by the slower word enumerator."},
    {"search_sequential", WC_FASTCALL(wc_search_sequential),
     METH_FASTCALL | METH_KEYWORDS,
     WC_SEARCH_DOC("search_sequential", "on one thread, holding the GIL")},
    {"search_sequential_allow_threads", WC_FASTCALL(wc_search_allow_threads),
     METH_FASTCALL | METH_KEYWORDS,
     WC_SEARCH_DOC("search_sequential_allow_threads",
                   "on one thread, with the GIL released so that other Python "
                   "threads run meanwhile")},
    {"search_sequential_detached", WC_FASTCALL(wc_search_allow_threads),
     METH_FASTCALL | METH_KEYWORDS,
     WC_SEARCH_DOC("search_sequential_detached",
                   "on one thread, with the GIL released (the name current "
                   "PyO3 uses for search_sequential_allow_threads)")},
    {"_count_byte", WC_FASTCALL(wc_count_byte_py), METH_FASTCALL | METH_KEYWORDS,
     "_count_byte($module, /, contents, needle, *, threads=None)\n--\n\n"
     "Bytes of the bytes-like `contents` equal to the int `needle` (0-255), in\n"
     "one plain SIMD pass on the same kernel and threads as search(): the\n"
     "benchmarks' yardstick for memory speed, not a word count."},
    {"_set_parallel_threshold", wc_set_threshold_py, METH_O,
     "_set_parallel_threshold($module, nbytes, /)\n--\n\n"
     "Count texts of fewer than `nbytes` bytes on the calling thread (0: the\n"
     "built-in PARALLEL_THRESHOLD); returns the new value.  For\n"
     "benchmarks/threshold.py."},
    {"kernel", wc_kernel, METH_NOARGS,
     "kernel($module, /)\n--\n\n"
     "The SIMD kernel byte texts are counted with: 'avx512', 'avx2', 'sse2'\n"
     "or 'scalar'."},
    {"_kernel_supported", wc_kernel_supported_py, METH_O,
     "_kernel_supported($module, name, /)\n--\n\n"
     "True if the kernel `name` is built in and this CPU supports it."},
    {"_force_kernel", wc_force_kernel_py, METH_O,
     "_force_kernel($module, name, /)\n--\n\n"
     "Use kernel `name` ('auto' for the automatic choice); for tests."},
    {"default_threads", wc_default_threads_py, METH_NOARGS,
     "default_threads($module, /)\n--\n\n"
     "Threads search() uses by default: WORD_COUNT_THREADS, else the CPUs\n"
     "this process may use (affinity mask and cgroup quota)."},
    {"available_cpus", wc_available_cpus_py, METH_NOARGS,
     "available_cpus($module, /)\n--\n\n"
     "The CPUs this process may use (affinity mask and cgroup quota)."},
    {"_threads_env_invalid", wc_threads_env_invalid_py, METH_NOARGS,
     "_threads_env_invalid($module, /)\n--\n\n"
     "True if WORD_COUNT_THREADS is set but is not a valid thread count."},
    {"_pool_workers", wc_pool_workers_py, METH_NOARGS,
     "_pool_workers($module, /)\n--\n\n"
     "Worker threads of the pool alive in this process."},
    {"shutdown_pool", wc_shutdown_pool_py, METH_NOARGS,
     "shutdown_pool($module, /)\n--\n\n"
     "Stop the thread pool's workers now and wait until they have exited.\n\n"
     "Idle workers also exit by themselves after WORD_COUNT_POOL_IDLE seconds\n"
     "(default 2).  The next parallel count starts workers again.  Safe while\n"
     "other threads count: their counts finish correctly, the workers leaving\n"
     "after their current task and the counting threads doing the rest."},
    {NULL, NULL, 0, NULL},
};
