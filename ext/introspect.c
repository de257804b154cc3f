/*
 * introspect.c - the introspection API family: which kernel counts, how
 * many threads and CPUs, the pool's workers, and the hooks tests and
 * benchmarks use to force a kernel or move the parallel threshold.
 */
#include "module.h"

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

/* The names of the WORD_COUNT_* variables that are set but ignored, as the
 * core reads them (WORD_COUNT_KERNEL: __init__.py asks _kernel_supported). */
static PyObject *wc_invalid_env_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    const char *names[3];
    Py_ssize_t n = 0;
    if (wc_threads_env_invalid())
        names[n++] = "WORD_COUNT_THREADS";
    if (wc_pool_idle_env_invalid())
        names[n++] = "WORD_COUNT_POOL_IDLE";
    if (wc_hash_seed_env_invalid())
        names[n++] = "WORD_COUNT_HASH_SEED";
    PyObject *out = PyTuple_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *name = PyUnicode_FromString(names[i]);
        if (name == NULL)
            Py_CLEAR(out);
        else
            PyTuple_SET_ITEM(out, i, name);
    }
    return out;
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

static PyObject *wc_pool_workers_py(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    return PyLong_FromLong(wc_pool_started_workers());
}

PyMethodDef wc_introspect_methods[] = {
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
    {"_invalid_env", wc_invalid_env_py, METH_NOARGS,
     "_invalid_env($module, /)\n--\n\n"
     "The names of WORD_COUNT_THREADS, WORD_COUNT_POOL_IDLE and\n"
     "WORD_COUNT_HASH_SEED that are set but not valid (and so ignored)."},
    {"_pool_workers", wc_pool_workers_py, METH_NOARGS,
     "_pool_workers($module, /)\n--\n\n"
     "Worker threads of the pool alive now."},
    {"shutdown_pool", wc_shutdown_pool_py, METH_NOARGS,
     "shutdown_pool($module, /)\n--\n\n"
     "Stop the thread pool's workers now and wait until they have exited.\n\n"
     "Idle workers also exit by themselves after WORD_COUNT_POOL_IDLE seconds\n"
     "(default 2).  The next parallel count starts workers again.  Safe while\n"
     "other threads count: their counts finish correctly, the workers leaving\n"
     "after their current task and the counting threads doing the rest."},
    {NULL, NULL, 0, NULL},
};
