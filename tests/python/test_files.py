"""search_file and search_stream: files, pipes, file objects, errors, progress,
Ctrl-C and asyncio, checked against independent oracles: reference_count
(helpers.py), a bytes.split oracle, and coreutils (tr | grep -cxF)."""

from __future__ import annotations

import asyncio
import collections
import errno
import gzip
import io
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

import word_count
from helpers import reference_count, coreutils_count, unprivileged

PIECES = [b"ab", b"a", b"abab", b"b", b" ", b" ", b"\n", b"\r\n", b"\r", b"  ",
          b"ab\r\n", b"caf\xc3\xa9"]
NEEDLES = [b"ab", b"a", b"", b"abab", b"b\r", "café"]


def random_text(rng: random.Random, n: int) -> bytes:
    out = b""
    while len(out) < n:
        out += b"".join(rng.choices(PIECES, k=n // 2 + 1))
    return out[:n]


def split_oracle(data: bytes, needle: bytes) -> int:
    """The semantics with bytes methods (shares nothing with reference_count):
    "\r\n" always ends a line as "\n" does; a final "\n" starts no line; the
    words of all lines are those of the lines joined with " "."""
    if not data:
        return 0  # no lines at all
    d = data.replace(b"\r\n", b"\n")
    if d.endswith(b"\n"):
        d = d[:-1]
    return d.replace(b"\n", b" ").split(b" ").count(needle)


def as_bytes(needle) -> bytes:
    return needle.encode() if isinstance(needle, str) else bytes(needle)


@pytest.fixture(scope="module")
def rng():
    return random.Random(1234)


def test_split_oracle_agrees_with_reference(rng):
    for n in range(60):
        data = random_text(rng, n)
        for nd in NEEDLES:
            assert split_oracle(data, as_bytes(nd)) == reference_count(data, as_bytes(nd))


# ---- files: every block edge ------------------------------------------------

@pytest.mark.parametrize("block", [1, 2, 3, 7, 16])
def test_file_every_block_edge(tmp_path, rng, block):
    path = tmp_path / "t"
    for size in list(range(0, 34)) + [block * 5 - 1, block * 5, block * 5 + 1]:
        data = random_text(rng, size)
        path.write_bytes(data)
        for nd in NEEDLES:
            want = reference_count(data, as_bytes(nd))
            for threads in (1, 2, 3):
                assert word_count.search_file(path, nd, threads=threads,
                                              block_size=block) == want, (data, nd)


def test_file_around_default_block(tmp_path, rng):
    """Sizes around the default block (1 MiB) with a match and "\\r\\n" right
    on every block edge, on the pool's threads."""
    block = 1 << 20
    path = tmp_path / "t"
    base = random_text(rng, 3 * block + 5)
    data = bytearray(base)
    e = block
    data[e - 2:e + 2] = b" ab "        # "ab" across the edge
    e = 2 * block
    data[e - 3:e + 2] = b" ab\r\n"    # "ab" ends on the edge, "\r\n" after
    e = 3 * block
    data[e - 4:e + 1] = b" ab\r\n"    # "\r" | "\n" across the edge
    data = bytes(data)
    for size in (block - 1, block, block + 1, 2 * block + 3, 3 * block + 5):
        chunk = data[:size]
        path.write_bytes(chunk)
        for nd in (b"ab", b"", b"abab"):
            want = split_oracle(chunk, nd)
            for threads in (1, 2, 4):
                assert word_count.search_file(str(path), nd, threads=threads) == want


def test_file_against_coreutils(tmp_path):
    text = word_count.default_text(2500).encode()  # ~2 MB, no "\r"
    path = tmp_path / "zen.txt"
    path.write_bytes(text)
    for needle in ("is", "better", "the", "Python"):
        want = coreutils_count(path, needle)
        assert word_count.search_file(path, needle) == want
        assert word_count.search_file(path, needle, threads=1, block_size=4093) == want
    assert word_count.search_file(path, "is") == word_count.DEFAULT_COUNT * 5 // 2


def test_path_types_and_needle_types(tmp_path):
    path = tmp_path / "p.txt"
    path.write_bytes("x café y café\n".encode())
    for p in (path, str(path), os.fsencode(path)):
        assert word_count.search_file(p, "café") == 2
    for nd in ("café", "café".encode(), bytearray("café".encode()),
               memoryview("café".encode())):
        assert word_count.search_file(path, nd) == 2
    with pytest.raises(TypeError):
        word_count.search_file(path, 3)
    with pytest.raises(TypeError):
        word_count.search_file(3.5, "x")
    with pytest.raises(ValueError):
        word_count.search_file(str(path) + "\0", "x")
    with pytest.raises(ValueError):
        word_count.search_file(path, "x", threads=0)
    with pytest.raises(ValueError):
        word_count.search_file(path, "x", block_size=0)
    with pytest.raises(TypeError):
        word_count.search_file(path, "x", progress=5)
    with pytest.raises(UnicodeEncodeError):
        word_count.search_file(path, "\udcff")


# ---- errors ------------------------------------------------------------------

def test_missing_and_directory(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError) as e:
        word_count.search_file(missing, "x")
    assert e.value.filename == missing
    with pytest.raises(IsADirectoryError) as e:
        word_count.search_file(str(tmp_path), "x")
    assert e.value.filename == str(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    for nd in ("", "x"):
        assert word_count.search_file(path, nd) == reference_count(b"", as_bytes(nd)) == 0


def test_permission_denied(tmp_path):
    """A file the process may not read: PermissionError naming the file, in a
    child that lacks root's right to read anything (helpers.unprivileged)."""
    path = tmp_path / "secret"
    path.write_bytes(b"a b a\n")
    path.chmod(0)
    code = ("import sys, word_count\n"
            "for fn in (word_count.search_file, word_count.frequencies_file):\n"
            "    try:\n        fn(sys.argv[1], 'a') if fn is word_count.search_file else fn(sys.argv[1])\n"
            "    except PermissionError as e:\n        print('PermissionError', e.filename)\n"
            "print(word_count.search('a b a', 'a'))\n")
    r = subprocess.run(unprivileged([sys.executable, "-c", code, path]), capture_output=True,
                       text=True, timeout=60, check=False)
    assert r.stdout.split() == ["PermissionError", str(path)] * 2 + ["2"], r.stderr


# ---- special files -----------------------------------------------------------

def test_fifo(tmp_path, rng):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = random_text(rng, 100_000)

    def writer():
        with open(fifo, "wb") as f:
            for k in range(0, len(data), 777):
                f.write(data[k:k + 777])

    t = threading.Thread(target=writer)
    t.start()
    got = word_count.search_file(fifo, "ab", block_size=100)
    t.join()
    assert got == split_oracle(data, b"ab")


@pytest.mark.parametrize("name", ["/proc/version", "/proc/filesystems"])
def test_proc_files(name):
    if not os.path.exists(name):
        pytest.skip(f"no {name}")
    assert os.stat(name).st_size == 0  # what makes them special
    with open(name, "rb") as f:
        data = f.read()
    words = [w for w in data.replace(b"\n", b" ").split(b" ") if w][:5] + [b"nodev"]
    for w in words:
        for block in (None, 5):
            assert word_count.search_file(name, w, block_size=block) == reference_count(data, w)


SYSFS_FILES = ["/sys/class/net/lo/operstate", "/sys/devices/system/cpu/online",
               "/sys/kernel/mm/transparent_hugepage/enabled", "/sys/power/state"]


def test_sysfs_files():
    """sysfs reports 4,096 bytes for an attribute that holds a few: read to
    its end as cat reads it, not an OSError("file shrank")."""
    found = [n for n in SYSFS_FILES if os.path.exists(n)]
    if not found:
        pytest.skip("no sysfs")
    checked = 0
    for name in found:
        with open(name, "rb") as f:
            data = f.read()
        if os.stat(name).st_size <= len(data):
            continue  # its size is not made up: nothing special
        checked += 1
        words = [w for w in data.replace(b"\n", b" ").split(b" ") if w]
        for w in words[:3] + [b"nodev"]:
            for block in (None, 5):
                assert word_count.search_file(name, w, block_size=block) == \
                    reference_count(data, w)
        assert word_count.frequencies_file(name) == collections.Counter(words)
    if checked == 0:
        pytest.skip("no sysfs file here reports more bytes than it holds")


def _bytes_read() -> int:
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("rchar:")).split()[1])


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="no /proc/self/io")
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("call", ["frequencies_file", "search_file casefold"])
def test_progress_stops_a_file_of_one_word(tmp_path, call, threads):
    """A file that is one word (32 GiB of NUL bytes, sparse, no separator):
    the progress callback is called while the word is read, by the thread
    that reads it or by the caller waiting for that worker (it was called
    only at the start and the end, after the whole word had been read into
    memory), so raising from it stops the count long before the file's
    end.  (It read 89-292 MB in its 0.45 s of sleeps here; 4 GiB left too
    little room for a faster machine.)"""
    path = tmp_path / "word"
    size = 32 << 30
    with open(path, "wb") as f:
        f.truncate(size)

    class Stop(Exception):
        pass

    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) <= 2:
            # Slow first calls: the second comes when the calling thread
            # claims its first block, and on 2 threads the worker takes
            # the word's meanwhile, so that the caller waits for it.
            time.sleep(0.15 * len(calls))
        else:
            raise Stop

    before = _bytes_read()
    with pytest.raises(Stop):
        if call == "frequencies_file":
            word_count.frequencies_file(path, progress=progress, threads=threads)
        else:
            word_count.search_file(path, "x", casefold=True, progress=progress,
                                   threads=threads)
    assert _bytes_read() - before < size // 2


def test_truncated_while_read(tmp_path, rng):
    """The file shrinks after the count began: OSError(EIO), never a crash."""
    path = tmp_path / "t"
    data = random_text(rng, 1 << 20)
    path.write_bytes(data)

    def shrink(done, total):
        if done == 0:
            os.truncate(path, total // 3)

    with pytest.raises(OSError) as e:
        word_count.search_file(path, "ab", block_size=4096, progress=shrink)
    assert e.value.errno == errno.EIO
    assert "shrank" in str(e.value)


def test_truncated_by_another_thread(tmp_path, rng):
    """A thread truncates the file during a slow count (tiny blocks): the
    count raises OSError(EIO) or, if it read everything first, is exact."""
    path = tmp_path / "t"
    data = random_text(rng, 1 << 20)
    # Before the count opens it, the file is 1000 bytes; after, it is whole.
    wants = (split_oracle(data, b"ab"), split_oracle(data[:1000], b"ab"))
    for delay in (0.0, 0.001, 0.01):
        path.write_bytes(data)
        t = threading.Timer(delay, os.truncate, (path, 1000))
        t.start()
        try:
            got = word_count.search_file(path, "ab", threads=2, block_size=64)
        except OSError as e:
            assert e.errno == errno.EIO
        else:
            assert got in wants
        t.join()


# ---- progress ----------------------------------------------------------------

def test_progress_callable(tmp_path):
    path = tmp_path / "zen"
    text = word_count.default_text(500).encode()
    path.write_bytes(text)
    calls = []
    got = word_count.search_file(path, "is", progress=lambda d, t: calls.append((d, t)))
    assert got == split_oracle(text, b"is")
    assert calls[0] == (0, len(text))
    assert calls[-1] == (len(text), len(text))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    calls.clear()
    got = word_count.search_stream(io.BytesIO(text), "is",
                                   progress=lambda d, t: calls.append((d, t)))
    assert got == split_oracle(text, b"is")
    assert calls[0] == (0, None)
    assert calls[-1] == (len(text), len(text))


def test_progress_raises(tmp_path):
    path = tmp_path / "zen"
    path.write_bytes(b"a b\n" * 1000)

    def boom(done, total):
        raise ZeroDivisionError("stop")

    with pytest.raises(ZeroDivisionError):
        word_count.search_file(path, "a", progress=boom)
    with pytest.raises(ZeroDivisionError):
        word_count.search_stream(io.BytesIO(b"a b"), "a", progress=boom)
    assert word_count.search_file(path, "a") == 1000  # and it still works


def test_progress_true_with_and_without_tqdm(tmp_path, capsys, monkeypatch):
    path = tmp_path / "zen"
    path.write_bytes(b"a b\n" * 1000)
    try:
        import tqdm  # noqa: F401
    except ImportError:
        tqdm = None
    if tqdm is not None:
        assert word_count.search_file(path, "a", progress=True) == 1000
        assert "100%" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    with pytest.warns(RuntimeWarning, match="tqdm") as warned:
        assert word_count.search_file(path, "a", progress=True) == 1000
    assert warned[0].filename == __file__  # points at the caller's line
    assert capsys.readouterr().err == ""


# ---- streams -----------------------------------------------------------------

@pytest.mark.parametrize("block", [1, 3, 64, None])
def test_stream_bytesio_and_gzip(rng, block):
    for size in (0, 1, 2, 5, 100, 5000):
        data = random_text(rng, size)
        for nd in NEEDLES:
            want = reference_count(data, as_bytes(nd))
            assert word_count.search_stream(io.BytesIO(data), nd, block_size=block) == want
    # gzip.GzipFile has a fileno() (of the compressed file): read() must be used.
    data = random_text(rng, 20000)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as g:
        g.write(data)
    buf.seek(0)
    with gzip.GzipFile(fileobj=buf) as g:
        assert word_count.search_stream(g, "ab", block_size=block) == split_oracle(data, b"ab")


def test_stream_regular_file_from_position(tmp_path, rng):
    data = random_text(rng, 50000)
    path = tmp_path / "t"
    path.write_bytes(data)
    for opener in (lambda: open(path, "rb"), lambda: open(path, "rb", buffering=0),
                   lambda: open(path, "r+b")):
        with opener() as f:
            head = f.read(1234)  # a BufferedReader now holds bytes read ahead
            assert word_count.search_stream(f, b"ab") == split_oracle(data[len(head):], b"ab")
            assert f.read() == b""
            assert f.tell() == len(data)


def test_stream_that_fails_leaves_the_file_object_where_it_was(tmp_path, rng):
    """A search_stream/frequencies_stream that raises (its progress callable,
    a decode error) leaves the file object reading on from where it stood:
    the descriptor was left where the count had moved it, so a
    BufferedReader that had read ahead gave some bytes twice."""
    data = random_text(rng, 50000) + b" \xff bad\n"
    path = tmp_path / "t"
    path.write_bytes(data)

    def stop(done, total):
        raise ValueError("stop")

    # The progress callable's own exception, whatever the file object: an
    # unbuffered one (FileIO) raised KeyboardInterrupt in its place.
    calls = [(lambda f: word_count.search_stream(f, b"ab", progress=stop), ValueError),
             (lambda f: word_count.frequencies_stream(f, progress=stop), ValueError),
             (lambda f: word_count.search_stream(f, b"ab", words="unicode"), UnicodeDecodeError),
             (lambda f: word_count.frequencies_stream(f, words="unicode"), UnicodeDecodeError)]
    for call, exc in calls:
        for opener in (lambda: open(path, "rb"), lambda: open(path, "rb", buffering=0),
                       lambda: open(path, "r+b")):
            with opener() as f:
                head = f.read(1234)  # a BufferedReader now holds bytes read ahead
                try:
                    call(f)
                except BaseException as e:
                    assert type(e) is exc, (e, f)
                else:
                    pytest.fail("no exception")
                assert f.tell() == len(head)
                assert head + f.read() == data


def test_stream_regular_file_threads(tmp_path, rng):
    """threads= of the streams: a regular file's descriptor is read in blocks
    on the pool (small blocks and the threshold lowered, so that every
    thread count cuts the text many times), from where the object stands."""
    from collections import Counter

    data = random_text(rng, 200_000) + b" ab\r\n"
    path = tmp_path / "t"
    path.write_bytes(data)
    word_count._word_count._set_parallel_threshold(1)
    try:
        for threads in (None, 1, 2, 3, 7):
            with open(path, "rb") as f:
                head = f.read(777)
                got = word_count.search_stream(f, b"ab", threads=threads, block_size=4096)
                assert got == split_oracle(data[len(head):], b"ab"), threads
                assert f.tell() == len(data)
            with open(path, "rb") as f:
                freq = word_count.frequencies_stream(f, threads=threads, block_size=4096)
            want = Counter(w for w in data.replace(b"\r\n", b"\n").replace(b"\n", b" ")
                           .split(b" ") if w)
            assert freq == want, threads
    finally:
        word_count._word_count._set_parallel_threshold(0)  # the default again
    for bad, exc in ((0, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError)):
        for fn in (lambda f: word_count.search_stream(f, b"ab", threads=bad),
                   lambda f: word_count.frequencies_stream(f, threads=bad)):
            with open(path, "rb") as f, pytest.raises(exc, match="threads"):
                fn(f)


def test_stream_regular_file_uses_the_pool(tmp_path):
    """In a fresh process: search_stream over a regular file of 2 MB starts
    the pool with threads=2, and not with threads=1 (which reads on the
    calling thread, as a pipe is read)."""
    path = tmp_path / "zen"
    path.write_bytes(word_count.default_text(2500).encode())  # 2.1 MB
    code = ("import sys, word_count\n"
            "from word_count import _word_count as m\n"
            "n = int(sys.argv[2])\n"
            "with open(sys.argv[1], 'rb') as f:\n"
            "    c = word_count.search_stream(f, 'is', threads=n)\n"
            "print(c, m._pool_workers())\n")
    want = str(coreutils_count(path, "is"))
    for n, workers in ((1, "0"), (2, "1")):
        r = subprocess.run([sys.executable, "-c", code, str(path), str(n)],
                           capture_output=True, text=True, timeout=60, check=False)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == [want, workers], n


def test_stream_pipe_with_buffered_prefix(rng):
    """A pipe read through a BufferedReader after a readline(): the bytes the
    buffer holds count, then the rest of the pipe."""
    data = b"first line ab\n" + random_text(rng, 300_000)
    r, w = os.pipe()

    def writer():
        with os.fdopen(w, "wb") as f:
            for k in range(0, len(data), 4096):
                f.write(data[k:k + 4096])

    t = threading.Thread(target=writer)
    t.start()
    with os.fdopen(r, "rb") as f:
        line = f.readline()
        got = word_count.search_stream(f, "ab", block_size=1000)
        assert f.read() == b""
    t.join()
    assert got == split_oracle(data[len(line):], b"ab")


@pytest.mark.parametrize("via", ["search_stream", "frequencies_stream", "search_file fifo"])
def test_progress_on_an_idle_pipe(tmp_path, via):
    """A pipe whose writer is open but silent: the progress callback is
    still called about every 0.1 s, so raising from it stops the count.
    (read() blocked until the writer closed, with no call in between.)"""
    if via == "search_file fifo":
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        wfd = os.open(fifo, os.O_WRONLY)
        os.set_blocking(rfd, True)
    else:
        rfd, wfd = os.pipe()
    os.write(wfd, b"x y ")
    closed, done = threading.Event(), threading.Event()

    def close_later():  # the end of the count without the calls
        done.wait(5)
        closed.set()
        os.close(wfd)

    closer = threading.Thread(target=close_later)
    closer.start()

    class Stop(Exception):
        pass

    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) >= 3 and not closed.is_set():
            raise Stop

    try:
        with pytest.raises(Stop):
            if via == "search_stream":
                with open(rfd, "rb", closefd=False) as f:
                    word_count.search_stream(f, "x", progress=progress)
            elif via == "frequencies_stream":
                with open(rfd, "rb", closefd=False) as f:
                    word_count.frequencies_stream(f, progress=progress)
            else:
                word_count.search_file(fifo, "x", progress=progress)
    finally:
        done.set()
        closer.join()
        os.close(rfd)


def test_stream_subprocess_stdout(tmp_path):
    path = tmp_path / "zen"
    path.write_bytes(word_count.default_text(300).encode())
    with subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE) as p:
        got = word_count.search_stream(p.stdout, "is")
    assert got == coreutils_count(path, "is")


def test_stream_bad_objects(tmp_path):
    path = tmp_path / "t"
    path.write_text("a b")
    with open(path) as f, pytest.raises(TypeError, match="binary"):
        word_count.search_stream(f, "a")
    with pytest.raises(TypeError, match="binary"):
        word_count.search_stream(io.StringIO("a b"), "a")

    class Strs:
        def read(self, n):
            return "a b"

    with pytest.raises(TypeError, match="binary"):
        word_count.search_stream(Strs(), "a")
    with pytest.raises(TypeError, match="binary file object.*'object'"):
        word_count.search_stream(object(), "a")

    class Nones:
        def read(self, n):
            return None

    # Each message names the function called (frequencies_stream's named
    # search_stream).
    for fn, args in ((word_count.search_stream, ("a",)), (word_count.frequencies_stream, ())):
        with pytest.raises(TypeError, match=f"^{fn.__name__} needs a binary file object: read"):
            fn(Strs(), *args)
        with pytest.raises(BlockingIOError, match=f"^{fn.__name__}: read\\(\\) returned None"):
            fn(Nones(), *args)

    class NotCallable:
        read = 3

    with pytest.raises(TypeError, match="read is not callable"):
        word_count.search_stream(NotCallable(), "a")

    class Greedy:  # read(n) returning more than n bytes still counts right
        def __init__(self):
            self.parts = [b"a b a " * 100, b"a\n", b""]

        def read(self, n):
            return self.parts.pop(0)

    assert word_count.search_stream(Greedy(), "a", block_size=7) == 201


# ---- Ctrl-C and asyncio ------------------------------------------------------

SIGINT_CHILD = r"""
import os, signal, sys, threading, time, word_count
path = sys.argv[1]
threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
t0 = time.monotonic()
try:
    word_count.search_file(path, "x", **eval(sys.argv[2]))
except KeyboardInterrupt:
    print("interrupted after", time.monotonic() - t0)
else:
    print("finished after", time.monotonic() - t0)
"""


@pytest.mark.parametrize("source,kwargs", [
    ("sparse", {}),                       # a regular file, on every thread
    ("sparse", {"threads": 1, "block_size": 4096}),
    ("/dev/zero", {}),                    # an endless stream
])
def test_keyboard_interrupt(tmp_path, source, kwargs):
    """SIGINT during a count that would take minutes raises KeyboardInterrupt
    soon after (the bound is generous: the point is that it comes at all)."""
    if source == "sparse":
        source = tmp_path / "sparse"
        with open(source, "wb") as f:
            try:
                f.truncate(1 << 40)  # 1 TiB of holes: minutes to read
            except OSError as e:
                pytest.skip(f"no sparse files here: {e}")
    elif not os.path.exists(source):
        pytest.skip(f"no {source}")
    r = subprocess.run([sys.executable, "-c", SIGINT_CHILD, str(source), repr(kwargs)],
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.stdout.startswith("interrupted after"), (r.stdout, r.stderr)
    assert float(r.stdout.split()[-1]) < 5.0  # SIGINT at 0.5 s


@pytest.mark.timing
def test_asyncio_to_thread_keeps_loop_responsive(tmp_path):
    path = tmp_path / "zen"
    text = word_count.default_text(200).encode()
    path.write_bytes(text)
    want = coreutils_count(path, "is")
    # Then a hole of 1 GiB (NUL bytes, one word that is not "is") to make the
    # count last long enough to watch (256 MiB took less than 0.2 s in 4 of
    # 10 runs, and the test was skipped).
    with open(path, "r+b") as f:
        f.truncate(len(text) + (1 << 30))

    async def main():
        ticks = 0
        done = asyncio.Event()

        async def heartbeat():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        hb = asyncio.create_task(heartbeat())
        await asyncio.sleep(0)
        ticks = 0
        t0 = time.monotonic()
        got = await asyncio.to_thread(word_count.search_file, path, "is",
                                      threads=1, block_size=4096)
        elapsed = time.monotonic() - t0
        done.set()
        await hb
        return got, ticks, elapsed

    got, ticks, elapsed = asyncio.run(main())
    assert got == want
    # A loop blocked by the count would tick at most once; allow a 20x slower
    # heartbeat than asked for on a busy machine (the GIL's hand-offs made
    # the ticks 21 ms apart here, with none).
    if elapsed > 0.2:
        assert ticks >= elapsed / 0.005 / 20, (ticks, elapsed)
    else:
        pytest.skip(f"the count took only {elapsed:.3f} s: nothing to watch")
