"""The API surface: types, errors, signatures, threads, the GIL."""

from __future__ import annotations

import array
import inspect
import os
import subprocess
import sys
import threading
import time

import pytest

import word_count

NATIVE = [
    word_count.search,
    word_count.search_sequential,
    word_count.search_sequential_allow_threads,
    word_count.search_sequential_detached,
]
ALL = NATIVE + [word_count.search_py]


def test_installed_package_is_tested():
    """CI tests what users install, not the source tree."""
    assert "site-packages" in word_count.__file__, word_count.__file__


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "contents,needle,names",
    [
        ("text", b"is", ("str", "bytes")),
        (b"text", "is", ("bytes", "str")),
        (bytearray(b"text"), "is", ("bytearray", "str")),
    ],
)
def test_mixed_kinds_raise_type_error_naming_both(fn, contents, needle, names):
    with pytest.raises(TypeError) as e:
        fn(contents, needle)
    for name in names:
        assert name in str(e.value)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [None, 3, 3.5, ["is"], object()])
def test_other_types_raise_type_error(fn, bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        fn(bad, b"is")
    with pytest.raises(TypeError, match=type(bad).__name__):
        fn(b"is", bad)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_non_contiguous_buffer_raises(fn):
    view = memoryview(b"is is is is")[::2]
    with pytest.raises(BufferError, match="not C-contiguous"):
        fn(view, b"is")


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_multibyte_items_raise(fn):
    with pytest.raises(TypeError, match="single bytes"):
        fn(array.array("i", [1, 2, 3]), b"is")
    with pytest.raises(TypeError, match="single bytes"):
        fn(memoryview(b"is is").cast("B", (1, 5)), b"is")


@pytest.mark.parametrize("fn", NATIVE, ids=lambda f: f.__name__)
def test_c_contiguous_byte_buffers_are_accepted(fn):
    assert fn(array.array("b", b"is is"), b"is") == 2
    assert fn(array.array("B", b"is is"), array.array("B", b"is")) == 2


@pytest.mark.parametrize("bad", [0, -1, word_count.MAX_THREADS + 1, 10**30])
def test_threads_out_of_range(bad):
    with pytest.raises(ValueError, match="threads must be from 1"):
        word_count.search("a", "a", threads=bad)


@pytest.mark.parametrize("bad", ["2", 2.0, True])
def test_threads_wrong_type(bad):
    with pytest.raises(TypeError, match="threads"):
        word_count.search("a", "a", threads=bad)


def test_arguments_by_keyword_and_errors():
    assert word_count.search(contents="is is", needle="is") == 2
    assert word_count.search_sequential(needle="is", contents="is") == 1
    with pytest.raises(TypeError, match="unexpected keyword argument 'hay'"):
        word_count.search(hay="is", needle="is")
    with pytest.raises(TypeError, match="missing required argument 'needle'"):
        word_count.search("is")
    with pytest.raises(TypeError, match="multiple values for argument 'contents'"):
        word_count.search("is", "is", contents="is")
    with pytest.raises(TypeError, match="at most 2 positional"):
        word_count.search("is", "is", 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'threads'"):
        word_count.search_sequential("is", "is", threads=2)


def test_signatures_and_help():
    assert str(inspect.signature(word_count.search)) == (
        "(contents, needle, *, threads=None, words='space', casefold=False, "
        "progress=None, errors='strict')")
    for fn in NATIVE[1:]:
        assert str(inspect.signature(fn)) == "(contents, needle)"
        assert fn.__doc__
    assert "every core" in word_count.search.__doc__
    assert str(inspect.signature(word_count.search_py)) .startswith("(contents")


def test_introspection():
    assert word_count.kernel() in word_count.available_kernels()
    assert "scalar" in word_count.available_kernels()
    assert 1 <= word_count.default_threads() <= word_count.MAX_THREADS
    assert word_count.available_cpus() == len(os.sched_getaffinity(0)) or \
        word_count.available_cpus() < len(os.sched_getaffinity(0))  # cgroup quota


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )


def test_threads_environment_variable():
    r = run_python("import word_count; print(word_count.default_threads())",
                   WORD_COUNT_THREADS="7")
    assert r.stdout.strip() == "7", r.stderr


@pytest.mark.parametrize("garbage", ["lots", "0", "-3", "3.5", "999999"])
def test_threads_environment_garbage_warns_and_uses_default(garbage):
    r = run_python(
        "import warnings; warnings.simplefilter('always')\n"
        "import word_count, os\n"
        "print(word_count.default_threads(), word_count.available_cpus())\n"
        "print(word_count.search(word_count.default_text(), 'is'))",
        WORD_COUNT_THREADS=garbage,
    )
    assert r.returncode == 0, r.stderr
    threads, cpus = r.stdout.split()[:2]
    assert threads == cpus
    assert r.stdout.split()[2] == "10000"
    assert "RuntimeWarning" in r.stderr and "WORD_COUNT_THREADS" in r.stderr


def test_kernel_environment_variable():
    r = run_python("import word_count; print(word_count.kernel())",
                   WORD_COUNT_KERNEL="scalar")
    assert r.stdout.strip() == "scalar"
    r = run_python("import warnings; warnings.simplefilter('always')\n"
                   "import word_count; print(word_count.kernel())",
                   WORD_COUNT_KERNEL="quantum")
    assert r.returncode == 0
    assert r.stdout.strip() in ("avx512", "avx2", "sse2", "scalar")
    assert "WORD_COUNT_KERNEL" in r.stderr


def test_threads_and_kernel_variables_are_read_at_import():
    """api.md: WORD_COUNT_THREADS and WORD_COUNT_KERNEL are read when
    word_count is imported; setting them in os.environ afterwards changes
    neither default_threads() nor kernel()."""
    r = run_python(
        "import os, word_count\n"
        "before = (word_count.default_threads(), word_count.kernel())\n"
        "os.environ['WORD_COUNT_THREADS'] = str(before[0] + 3)\n"
        "os.environ['WORD_COUNT_KERNEL'] = 'scalar'\n"
        "t = word_count.default_text()\n"
        "assert word_count.search(t * 4, 'is') == 40000\n"
        "print(before == (word_count.default_threads(), word_count.kernel()), before)",
        WORD_COUNT_THREADS="2", WORD_COUNT_KERNEL="auto",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == "True", r.stdout
    if word_count.available_kernels() != ["scalar"]:
        assert "scalar" not in r.stdout


def test_force_kernel_rejects_unknown():
    with pytest.raises(ValueError, match="unknown or not supported"):
        word_count._word_count._force_kernel("quantum")
    with pytest.raises(ValueError, match="NUL"):
        word_count._word_count._force_kernel("scalar\x00junk")
    assert word_count.kernel() != "scalar" or word_count.available_kernels() == ["scalar"]


@pytest.mark.skipif(os.environ.get("WC_SANITIZER") == "tsan",
                    reason="ThreadSanitizer's runtime starts a thread of its own")
def test_no_threads_until_search():
    """A process that never calls search starts no threads."""
    r = run_python(
        "import threading, word_count\n"
        "t = word_count.default_text()\n"
        "word_count.search_sequential(t, 'is')\n"
        "word_count.search_sequential_allow_threads(t, 'is')\n"
        "print(word_count._word_count._pool_workers(), len(os.listdir('/proc/self/task')))\n"
        "word_count.search(t * 4, 'is', threads=2)\n"
        "print(word_count._word_count._pool_workers(), len(os.listdir('/proc/self/task')))\n"
        .replace("import threading", "import os, threading"),
        WORD_COUNT_THREADS="2",
    )
    assert r.returncode == 0, r.stderr
    before, after = [line.split() for line in r.stdout.splitlines()]
    assert before == ["0", "1"]
    assert after == ["1", "2"]


@pytest.mark.timing
def test_gil_is_released_during_allow_threads():
    """While one thread counts a large text with the GIL released, another
    Python thread keeps running Python code: it records times that fall
    strictly between the count's start and end.  With a GIL, the switch
    interval is 10 s meanwhile, so the ticker runs only where this thread
    gives the GIL up (its sleeps, and the count if it releases the GIL): a
    count that held the GIL leaves no time inside (str.count: 0 in every
    try).  Up to 10 counts a function: on a loaded machine, or on 2 cores
    both counting for search(threads=2), the ticker may get no CPU during
    one count (CI saw that once).  The text is 343 MB: search(threads=2)
    counted 129 MB in 5 ms on a machine at 26 GB/s, and a third of that
    gave the ticker 1-4 ticks inside."""
    text = word_count.default_text() * 400  # ~343 MB

    for fn in (word_count.search_sequential_allow_threads, word_count.search):
        done = threading.Event()
        ticks = []

        def ticker():
            while not done.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0)

        # Only with a GIL (a process-wide setting: pytest-run-parallel runs
        # this test on 4 threads at once on 3.13t, where the GIL is off).
        gil = getattr(sys, "_is_gil_enabled", lambda: True)()
        old = sys.getswitchinterval()
        if gil:
            sys.setswitchinterval(10)
        t = threading.Thread(target=ticker)
        t.start()
        inside = []
        try:
            for _ in range(10):
                # Give the ticker the GIL, then count.
                n = len(ticks)
                while len(ticks) == n:
                    time.sleep(0.001)
                t0 = time.perf_counter()
                count = fn(text, "is", threads=2) if fn is word_count.search else fn(text, "is")
                t1 = time.perf_counter()
                assert count == 4_000_000
                inside.append(sum(1 for x in list(ticks) if t0 < x < t1))
                if inside[-1] > 0:
                    break
        finally:
            done.set()
            t.join()
            if gil:
                sys.setswitchinterval(old)
        assert inside[-1] > 0, (fn.__name__, inside)


def test_two_python_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    text = word_count.default_text()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(word_count.search_sequential_allow_threads, text, "is")
                   for _ in range(8)]
        futures += [pool.submit(word_count.search, text, "is") for _ in range(8)]
        assert [f.result() for f in futures] == [10_000] * 16


def test_default_text_checks_repeat():
    """default_text(repeat): an int (operator.index: numpy's too) >= 0; a
    float was str's "can't multiply sequence" and a negative one "" (no
    text, no error)."""
    import operator
    zen = word_count.default_text(1)
    assert zen.startswith("\nThe Zen of Python") and len(zen) == 858
    assert word_count.default_text(operator.index(3)) == zen * 3 == word_count.default_text(3)
    assert word_count.default_text(0) == ""
    assert word_count.default_text().count(" is ") > 0
    with pytest.raises(TypeError, match="repeat must be an int, not 'float'"):
        word_count.default_text(2.5)
    with pytest.raises(ValueError, match="repeat must be >= 0, not -3"):
        word_count.default_text(-3)

