"""Every wrong input, in one table (the same table is in docs/reliability.md,
"Bad input"): each gives the exception named, with a message that says
what was wrong, or the count of the reference; nothing crashes.

Rows are (id, contents, needle, threads, expected): `expected` is an
exception class, or COUNT for "the reference's count" (reliability.expected:
the function's own oracle, which raises UnicodeDecodeError where the
function must).  `threads` rows run on
the functions that take it (reliability.THREADED); rows about the contents
object itself (its type, its buffer) on the functions that take one
(reliability.IN_MEMORY: search_file and search_stream read the same bytes
from a file instead); rows about the needle on the functions that take one
(reliability.TAKES_NEEDLE: not frequencies); the rest on every function of
reliability.CALLS.
FILE_TABLE holds what only files have (missing, directory, FIFO, /proc...).
"""

from __future__ import annotations

import array
import mmap
import os
import subprocess
import sys
import threading
import time

import pytest

import word_count
from helpers import reference_count
from reliability import CALLS, IN_MEMORY, TAKES_NEEDLE, THREADED
from reliability import expected as expected_count

COUNT = "count"
UNSET = object()  # threads not passed


def _released_view():
    v = memoryview(b"is is")
    v.release()
    return v


def _closed_mmap():
    m = mmap.mmap(-1, 16)
    m.close()
    return m


class StrSub(str):
    pass


class BytesSub(bytes):
    pass


TABLE = [
    # wrong types
    ("contents-None", None, b"is", UNSET, TypeError),
    ("needle-None", b"is", None, UNSET, TypeError),
    ("contents-int", 3, b"is", UNSET, TypeError),
    ("contents-float", 3.5, b"is", UNSET, TypeError),
    ("contents-list", ["is"], b"is", UNSET, TypeError),
    ("contents-object", object(), b"is", UNSET, TypeError),
    ("str-and-bytes", "is", b"is", UNSET, TypeError),
    ("bytes-and-str", b"is", "is", UNSET, TypeError),
    ("bytearray-and-str", bytearray(b"is"), "is", UNSET, TypeError),
    # buffers of the wrong shape
    ("non-contiguous", memoryview(b"is is is is")[::2], b"is", UNSET, BufferError),
    ("needle-non-contiguous", b"is is", memoryview(b"iiss")[::2], UNSET, BufferError),
    ("2-d-buffer", memoryview(b"is is").cast("B", (1, 5)), b"is", UNSET, TypeError),
    ("int-items", array.array("i", [1, 2, 3]), b"is", UNSET, TypeError),
    ("released-memoryview", _released_view(), b"is", UNSET, ValueError),
    ("closed-mmap", _closed_mmap(), b"is", UNSET, ValueError),
    # odd but valid inputs: the reference's count
    ("byte-array-b", array.array("b", b"is is"), b"is", UNSET, COUNT),
    ("bytes-as-memoryview-of-ints", memoryview(array.array("i", [0x20736920])).cast("B"),
     b"is", UNSET, COUNT),
    ("needle-longer-than-text", "is", "is is", UNSET, COUNT),
    ("needle-longer-than-text-bytes", b"is", b"this is long", UNSET, COUNT),
    ("empty-contents", "", "is", UNSET, COUNT),
    ("empty-needle", " a  b \n\n \r\n ", "", UNSET, COUNT),
    ("both-empty", b"", b"", UNSET, COUNT),
    ("empty-bytearray", bytearray(), b"is", UNSET, COUNT),
    ("needle-with-space", "a b a b", "a b", UNSET, COUNT),
    ("needle-with-newline", "a\nb a\nb", "a\nb", UNSET, COUNT),
    ("needle-wider-than-text", "is is", "\U0001f600", UNSET, COUNT),
    ("lone-surrogates", "\ud800 x \ud800\n\ud800", "\ud800", UNSET, COUNT),
    ("nul-characters", "a\0 a\0\na", "a\0", UNSET, COUNT),
    # bytes that are not UTF-8: counted as bytes, or UnicodeDecodeError where
    # the words are code points (words="unicode", casefold=True)
    ("invalid-utf8", b"is \xff is\n\xe0\x80 is", b"is", UNSET, COUNT),
    ("invalid-utf8-needle", b"is \xffis is", b"\xffis", UNSET, COUNT),
    ("truncated-utf8-at-end", b"is is \xc3", b"is", UNSET, COUNT),
    ("casefold-expands", "STRASSE stra\u00dfe Stra\u00dfe \u1e9e", "strasse", UNSET, COUNT),
    ("casefold-expands-bytes", "STRASSE stra\u00dfe \u0130x".encode(), "Stra\u00dfe".encode(),
     UNSET, COUNT),
    ("str-subclass", StrSub("is is"), StrSub("is"), UNSET, COUNT),
    ("bytes-subclass", BytesSub(b"is is"), b"is", UNSET, COUNT),
    # threads=
    ("threads-None", "is is", "is", None, COUNT),
    ("threads-1", "is is", "is", 1, COUNT),
    ("threads-max", "is is", "is", word_count.MAX_THREADS, COUNT),
    ("threads-0", "is", "is", 0, ValueError),
    ("threads-negative", "is", "is", -1, ValueError),
    ("threads-max-plus-1", "is", "is", word_count.MAX_THREADS + 1, ValueError),
    ("threads-2**31", "is", "is", 2**31, ValueError),
    ("threads-huge", "is", "is", 10**30, ValueError),
    ("threads-huge-negative", "is", "is", -(10**30), ValueError),
    ("threads-bool", "is", "is", True, TypeError),
    ("threads-float", "is", "is", 2.0, TypeError),
    ("threads-str", "is", "is", "2", TypeError),
]


# Rows about the contents object (see the module's docstring).
CONTENTS_ROWS = {
    "contents-None", "contents-int", "contents-float", "contents-list",
    "contents-object", "str-and-bytes", "bytes-and-str", "bytearray-and-str",
    "non-contiguous", "2-d-buffer", "int-items", "released-memoryview",
    "closed-mmap", "lone-surrogates",
}
# Rows about the needle object (frequencies takes none).
NEEDLE_ROWS = {
    "needle-None", "str-and-bytes", "bytes-and-str", "bytearray-and-str",
    "needle-non-contiguous", "invalid-utf8-needle",
}


def _cases():
    for row in TABLE:
        rid, contents, needle, threads, expected = row
        for name in sorted(CALLS):
            if threads is not UNSET and name not in THREADED:
                continue
            if rid in CONTENTS_ROWS and name not in IN_MEMORY:
                continue
            if rid in NEEDLE_ROWS and name not in TAKES_NEEDLE:
                continue
            yield pytest.param(name, contents, needle, threads, expected,
                               id=f"{rid}-{name}")


@pytest.mark.parametrize("name,contents,needle,threads,expected", list(_cases()))
def test_bad_input(name, contents, needle, threads, expected):
    fn = CALLS[name]
    args = (contents, needle, None if threads is UNSET else threads)
    if expected == COUNT:
        try:
            want = expected_count(name, contents, needle)
        except UnicodeDecodeError as oracle_error:
            with pytest.raises(UnicodeDecodeError) as e:
                fn(*args)
            # Where CPython's own decoder finds the first bad byte.
            assert (e.value.start, e.value.end) == (oracle_error.start, oracle_error.end)
        else:
            assert fn(*args) == want
    else:
        with pytest.raises(expected) as e:
            fn(*args)
        assert str(e.value), "an error must say what was wrong"


def test_keyword_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'hay'"):
        word_count.search(hay="is", needle="is")
    with pytest.raises(TypeError, match="missing required argument 'needle'"):
        word_count.search("is")
    with pytest.raises(TypeError, match="at most 2 positional"):
        word_count.search("is", "is", 3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'threads'"):
        word_count.search_sequential("is", "is", threads=2)


# ---- the environment, in a fresh interpreter ---------------------------------

ENV_TABLE = [
    ("WORD_COUNT_THREADS", "lots"),
    ("WORD_COUNT_THREADS", "0"),
    ("WORD_COUNT_THREADS", "-3"),
    ("WORD_COUNT_THREADS", "2.5"),
    ("WORD_COUNT_THREADS", "99999999999999999999999"),
    ("WORD_COUNT_THREADS", "4x"),
    ("WORD_COUNT_THREADS", "\u00e9"),
    ("WORD_COUNT_KERNEL", "quantum"),
    ("WORD_COUNT_KERNEL", "AVX2"),
    ("WORD_COUNT_KERNEL", "avx2 "),
    # These two were ignored without a word; "-5" was taken as 2**64 - 5.
    ("WORD_COUNT_POOL_IDLE", "soon"),
    ("WORD_COUNT_POOL_IDLE", "-1"),
    ("WORD_COUNT_HASH_SEED", "abc"),
    ("WORD_COUNT_HASH_SEED", "-5"),
    ("WORD_COUNT_HASH_SEED", " 5"),
    ("WORD_COUNT_HASH_SEED", str(2**64)),
]


@pytest.mark.parametrize("var,value", ENV_TABLE,
                         ids=[f"{v}={x!r}" for v, x in ENV_TABLE])
def test_environment_garbage_warns_and_counts(var, value):
    text = word_count.ZEN * 400
    r = subprocess.run(
        [sys.executable, "-W", "always", "-c",
         "import word_count as w\n"
         "print(w.default_threads(), w.available_cpus(), w.kernel())\n"
         "t = w.ZEN * 400\n"
         "print(w.search(t, 'is'), w.search(t, 'is', threads=3), "
         "w.search_sequential(t, 'is'))\n"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, var: value},
    )
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    threads, cpus, kernel = first.split()
    assert threads == cpus  # the default, not the garbage
    assert kernel in word_count.available_kernels()
    assert second.split() == [str(reference_count(text, "is"))] * 3
    assert "RuntimeWarning" in r.stderr and var in r.stderr


@pytest.mark.parametrize("var,value", [("WORD_COUNT_HASH_SEED", "12"),
                                       ("WORD_COUNT_HASH_SEED", "0x9e3779b97f4a7c15"),
                                       ("WORD_COUNT_HASH_SEED", str(2**64 - 1)),
                                       ("WORD_COUNT_POOL_IDLE", "0.5"),
                                       ("WORD_COUNT_POOL_IDLE", "inf"),
                                       ("WORD_COUNT_THREADS", "3"),
                                       ("WORD_COUNT_KERNEL", "scalar")])
def test_environment_that_is_valid_says_nothing(var, value):
    r = subprocess.run([sys.executable, "-W", "always", "-c", "import word_count"],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, var: value})
    assert (r.returncode, r.stderr) == (0, "")


# ---- what only files and streams have ------------------------------------------


def _fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)

    def feed():
        with open(path, "wb") as f:
            f.write(b"is is\nis\r\n")

    threading.Thread(target=feed, daemon=True).start()
    return path


FILE_TABLE = [
    ("missing", lambda p: p / "missing", FileNotFoundError),
    ("directory", lambda p: p, IsADirectoryError),
    ("empty-file", lambda p: _write(p / "empty", b""), 0),
    ("fifo", _fifo, 3),
    ("proc-file-of-size-0", lambda p: "/proc/self/status", None),
    ("dev-null", lambda p: "/dev/null", 0),
    ("path-with-nul", lambda p: "a\0b", ValueError),
    ("path-not-a-path", lambda p: 3.5, TypeError),
]


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.timeout(60)
@pytest.mark.parametrize("rid,make,expected", FILE_TABLE, ids=[r[0] for r in FILE_TABLE])
def test_bad_file(tmp_path, rid, make, expected):
    path = make(tmp_path)
    if isinstance(expected, type):
        with pytest.raises(expected) as e:
            word_count.search_file(path, "is")
        if issubclass(expected, OSError):
            assert str(path) in str(e.value)  # the error names the path
    elif expected is None:  # /proc: size 0 on stat, read as a stream
        with open(path, "rb") as f:
            want = reference_count(f.read(), b"kB")  # "VmRSS:\t  1234 kB"...
        assert want > 0
        assert word_count.search_file(path, "kB") == want
    else:
        assert word_count.search_file(path, "is") == expected


@pytest.mark.timeout(60)
@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signal handlers are set from the main thread")
@pytest.mark.parametrize("fn", ["search_file", "frequencies_file"])
def test_fifo_open_interrupted_by_a_signal_that_does_not_raise(tmp_path, fn):
    """open() of a FIFO waits for its writer; a signal whose handler does
    not raise interrupts it (EINTR).  search_file raised InterruptedError;
    now the open is retried, as Python's own open() does (PEP 475), and the
    count is that of what the writer wrote."""
    import signal

    path = tmp_path / "fifo"
    os.mkfifo(path)
    data = b"is is\nis\r\n" * 100
    ticks = []

    def feed():
        time.sleep(0.5)  # the reader is blocked in open() by then
        with open(path, "wb") as f:
            f.write(data)

    old = signal.signal(signal.SIGALRM, lambda *a: ticks.append(1))
    signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
    try:
        threading.Thread(target=feed, daemon=True).start()
        got = getattr(word_count, fn)(path, "is") if fn == "search_file" else \
            word_count.frequencies_file(path)[b"is"]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, old)
    assert ticks, "no signal came while the FIFO was being opened"
    assert got == reference_count(data, b"is") == 300
