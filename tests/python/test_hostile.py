"""Hostile callers: Python objects we were handed that change while we run.

Another thread, a signal handler, a needle's own __hash__/__eq__, a stream's
read() or the progress callback may change what the caller passed (clear the
needles list, shrink a bytearray, close a file object) while a count runs
with the GIL released or while Python code runs in the middle of a call.
Each call must count what it was given or raise cleanly: never read freed
memory or past an end (the suite also runs under ASan: make test-asan-py).
Also here: any top >= 0, and progress= on the in-memory functions.

Scenarios that crashed the interpreter run in a child process, so that a
crash fails one test instead of ending the run.  Counts are checked against
collections.Counter over str.split / bytes.split (helpers.reference_count).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter

import pytest

import word_count
from helpers import reference_count

pytestmark = pytest.mark.timeout(600)

TESTS = os.path.dirname(os.path.abspath(__file__))


def run_child(code: str, timeout: float = 300) -> str:
    """Run `code` in a fresh interpreter (the same environment: under ASan,
    the same preloaded runtime); its stdout, after asserting it exited 0."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code), TESTS],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, (r.returncode, r.stdout[-1000:], r.stderr[-3000:])
    return r.stdout


# ---- count_many: the needles list changes during the call ---------------------

def test_count_many_needle_hash_and_eq_clear_the_list():
    """A str (bytes) subclass needle whose __hash__ or __eq__ clears the
    caller's list: the list's items were freed while count_many still read
    them (a segfault)."""
    out = run_child("""
        import sys
        sys.path.insert(0, sys.argv[1])
        import word_count as w
        from helpers import reference_count
        for kind in (str, bytes):
            for method in ("__hash__", "__eq__"):
                needles = []
                def mutate(self, *other):
                    needles.clear()
                    return getattr(kind, method)(self, *other)
                Evil = type("Evil", (kind,), {method: mutate})
                mk = (lambda s: s) if kind is str else (lambda s: s.encode())
                text = mk(w.ZEN * 20)
                # Two equal subclass needles: the dict compares them (__eq__).
                needles[:] = ([Evil(mk("is")), Evil(mk("is"))]
                              + [mk("w%d" % i) for i in range(3000)] + [mk("the")])
                got = w.count_many(text, needles)
                want = {mk("w%d" % i): 0 for i in range(3000)}  # not in the text
                want.update((mk(k), reference_count(text, mk(k))) for k in ("is", "the"))
                assert got == want
                assert all(type(k) is kind for k in got)   # exact copies
        print("ok")
    """)
    assert out.strip() == "ok"


def test_count_many_signal_handler_clears_the_list_during_the_count():
    """SIGALRM's handler clears the needles list while the count runs (the
    calling thread runs the handlers about every 0.1 s of a long count):
    count_many then read the freed items (use after free).  The handler
    fires every 10 ms, but runs only where the interpreter checks for
    signals: three runs or more between arming the timer and disarming it
    mean one at least ran inside the call (one may run before it starts,
    one after it returns).  The text grows (4x a step, up to 28 GiB: the
    Zen mapped more and more times, 3.4 MiB of memory) until that happened:
    sizes that ended at 256 MiB gave 3 runs at most on CI's machine, and 2
    on one 3 times as fast."""
    out = run_child("""
        import ctypes, signal, sys
        sys.path.insert(0, sys.argv[1])
        import word_count as w
        from collections import Counter
        from helpers import mapped_text
        words = (w.ZEN + " ").encode().split()
        block = w.ZEN.encode() * 4096  # a multiple of the page size
        oracle1 = Counter(block.split())
        libc = ctypes.CDLL(None)
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        copies, ran = 2, [0]
        while ran[0] < 3 and copies <= 8192:  # up to 28 GiB
            text, base = mapped_text(block, copies)
            needles = [bytes(b"%s" % x) for x in words] + [b"w%d" % i for i in range(5000)]
            ran = [0]
            def handler(signum, frame):
                ran[0] += 1
                needles.clear()
            signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
            got = w.count_many(text, needles, threads=1)
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            for k, v in got.items():
                assert v == oracle1.get(k, 0) * copies, (k, v)
            assert len(got) == len(set(words)) + 5000
            text.release()
            libc.munmap(base, len(block) * copies)
            copies *= 4
        print(ran[0])
    """)
    assert int(out) >= 3, f"the handler never ran inside a count: {out}"


def test_count_many_other_thread_mutates_the_list():
    """Another thread empties and refills the needles list while count_many
    counts with the GIL released."""
    out = run_child("""
        import sys, threading
        sys.path.insert(0, sys.argv[1])
        import word_count as w
        from collections import Counter
        text = (w.ZEN * 3000).encode()
        oracle = Counter(text.split())
        fresh = lambda: [b"%s" % x for x in (w.ZEN + " w1 w2").encode().split()]
        needles = fresh()
        stop = threading.Event()
        def churn():
            while not stop.is_set():
                needles.clear()
                needles.extend(fresh())
        t = threading.Thread(target=churn)
        t.start()
        try:
            for _ in range(200):
                for k, v in w.count_many(text, needles, threads=2).items():
                    assert v == oracle.get(k, 0), (k, v)
        finally:
            stop.set()
            t.join()
        print("ok")
    """)
    assert out.strip() == "ok"


def test_count_many_keys_are_exact_types():
    class S(str):
        pass

    class B(bytes):
        pass

    got = word_count.count_many("a b a", [S("a"), "b"])
    assert got == {"a": 2, "b": 1} and all(type(k) is str for k in got)
    got = word_count.count_many(b"a b a", [B(b"a"), memoryview(b"b")])
    assert got == {b"a": 2, b"b": 1} and all(type(k) is bytes for k in got)
    with pytest.raises(TypeError, match="unhashable 'bytearray'"):
        word_count.count_many(b"a", [bytearray(b"a")])


def test_search_words_needle_subclass_with_odd_hash():
    """search(words=...) keyed its one needle in a dict and looked it up by
    the caller's object: a str subclass whose __hash__ changes made the
    lookup miss (SystemError: NULL without an exception)."""
    calls = []

    class Odd(str):
        def __hash__(self):
            calls.append(1)
            return len(calls)

    text = word_count.ZEN * 3
    assert word_count.search(text, Odd("is"), words="unicode") == \
        re.findall(r"\w+", text).count("is")
    assert word_count.search(text, Odd("is"), casefold=True) == \
        reference_count(text.casefold(), "is")


# ---- streams: read() returns a buffer that changes later ----------------------

STREAM_SHRINK = """
    import sys, threading, time
    import word_count as w
    from collections import Counter
    unit = (w.ZEN + "\\n").encode()
    data = unit * (64 * 2**20 // len(unit))   # 64 MiB: malloc maps it alone
    state = {"buf": None, "shrunk": False, "reads": 0}
    returned = threading.Event()

    def shrink():
        returned.wait()
        while True:
            try:
                del state["buf"][:]    # frees the 64 MiB
                break
            except BufferError:
                # Still exported (free-threaded: the count is copying it
                # right now); CPython refuses to resize it, so try again.
                time.sleep(0)
        state["shrunk"] = True

    class Reader:
        def read(self, n):
            state["reads"] += 1
            if state["buf"] is not None:
                return b""
            state["buf"] = bytearray(data)
            returned.set()
            return state["buf"]   # far more than the n asked for

    t = threading.Thread(target=shrink)
    t.start()
    if sys.argv[2] == "search":
        got = w.search_stream(Reader(), "is", block_size=1024)
    else:
        got = w.frequencies_stream(Reader(), block_size=1024)[b"is"]
    t.join()
    want = Counter(unit.split())[b"is"] * (len(data) // len(unit))
    assert got == want, (got, want)
    print(state["shrunk"], state["reads"])
"""


@pytest.mark.parametrize("fn", ["search", "frequencies"])
def test_stream_read_returns_a_bytearray_that_shrinks(fn):
    """read(n) returns more than n bytes in a bytearray that another thread
    empties while the rest is still being counted: the rest was copied from
    the freed buffer (past its end).  Now what read() returned is copied at
    once: the count is that of the bytes read() returned."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(STREAM_SHRINK), TESTS, fn],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.returncode, r.stderr[-3000:])
    shrunk, reads = r.stdout.split()
    assert shrunk == "True" and int(reads) >= 2


class _Chunks:
    """read(n) returns the next chunk whatever n is, as the given type."""

    def __init__(self, chunks, kind):
        self.chunks = list(chunks)
        self.kind = kind

    def read(self, n):
        return self.kind(self.chunks.pop(0)) if self.chunks else b""


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview,
                                  lambda b: memoryview(bytearray(b))])
def test_stream_read_returns_any_buffer_longer_or_shorter_than_asked(kind):
    data = (word_count.ZEN * 40).encode()
    chunks = [data[:5000], data[5000:5001], data[5001:]]
    for block in (1, 100, 4096, None):
        got = word_count.search_stream(_Chunks(chunks, kind), "is", block_size=block)
        assert got == reference_count(data, b"is")
        got = word_count.frequencies_stream(_Chunks(chunks, kind), block_size=block)
        assert got == Counter(w for w in data.replace(b"\n", b" ").split(b" ") if w)


def test_stream_file_closed_by_the_progress_callback(tmp_path):
    """The progress callback (first called before any read) closes the file
    object and opens another file, which gets the same descriptor number:
    the count read that other file and returned its count.  The count now
    reads its own duplicate of the descriptor."""
    other = tmp_path / "other"
    other.write_bytes(b"is " * 1000)
    data = (word_count.ZEN * 10).encode()
    want = reference_count(data, b"is")
    for fn in ("search", "frequencies"):
        r, wfd = os.pipe()
        os.write(wfd, data)
        os.close(wfd)
        f = os.fdopen(r, "rb")
        opened = []

        def progress(done, total):
            if not opened:
                f.close()
                opened.append(open(other, "rb"))

        try:
            if fn == "search":
                got = word_count.search_stream(f, "is", progress=progress)
            else:
                got = word_count.frequencies_stream(f, progress=progress)[b"is"]
        finally:
            for o in opened:
                o.close()
        assert opened, "progress was not called"
        assert got == want, (fn, got, want)


def test_regular_file_closed_by_the_progress_callback_keeps_the_count(tmp_path):
    """The same with a regular file: the count read its duplicate to the
    end, then the seek() of the closed object to that end raised
    ValueError ("seek of closed file") and the count was lost."""
    path = tmp_path / "t"
    data = (word_count.ZEN * 10).encode()
    path.write_bytes(data)
    want = reference_count(data, b"is")
    for fn in ("search", "frequencies"):
        f = open(path, "rb")
        f.read(1)  # counted from tell(): the rest
        try:
            if fn == "search":
                got = word_count.search_stream(f, "is", progress=lambda d, t: f.close())
            else:
                got = word_count.frequencies_stream(f, progress=lambda d, t: f.close())[b"is"]
        finally:
            f.close()
        assert got == reference_count(data[1:], b"is") == want, fn


class _Upper(io.BufferedReader):
    """A BufferedReader whose read() transforms what it reads."""

    def read(self, n=-1):
        return super().read(n).upper()


class _UpperRaw(io.FileIO):
    """A FileIO whose reads transform what they read."""

    def readinto(self, b):
        n = super().readinto(b)
        b[:n] = bytes(b[:n]).upper()
        return n

    def read(self, n=-1):
        return super().read(n).upper()

    def readall(self):
        return super().readall().upper()


@pytest.mark.parametrize("make", ["buffered", "raw", "buffered-over-raw"])
def test_stream_subclass_that_overrides_read_is_read_through_it(tmp_path, make):
    """A subclass of io.BufferedReader or io.FileIO that overrides read or
    readinto (to decrypt, decompress, transform): its descriptor holds
    other bytes than it returns, and the count read the descriptor ("A" 0
    times here).  Now such an object is read with read(n), as any other
    object is; a plain subclass still goes through its descriptor."""
    path = tmp_path / "t"
    data = b"a b a\n" * 5000
    path.write_bytes(data)

    def opened():
        if make == "buffered":
            return _Upper(io.FileIO(path, "r"))
        if make == "raw":
            return _UpperRaw(path, "r")
        return io.BufferedReader(_UpperRaw(path, "r"))

    with opened() as f:  # the oracle: what the object's read() returns
        want = reference_count(f.read(), b"A")
    assert want == 10000
    with opened() as f:
        assert word_count.search_stream(f, "A") == want
    with _Upper(io.FileIO(path, "r")) as f:
        got = word_count.frequencies_stream(f)
        assert got == Counter(data.upper().split()) and b"a" not in got

    with io.open(path, "rb") as f:  # read replaced on the instance
        orig = f.read
        f.read = lambda n=-1: orig(n).upper()
        assert word_count.search_stream(f, "A") == 10000

    class Plain(io.BufferedReader):
        pass

    with Plain(io.FileIO(path, "r")) as f:
        assert word_count.search_stream(f, "a") == reference_count(data, b"a")


class _NameRaises:
    """A stream whose name property raises `exc`."""

    def __init__(self, data: bytes, exc):
        self._b = io.BytesIO(data)
        self._exc = exc

    def read(self, n=-1):
        return self._b.read(n)

    @property
    def name(self):
        raise self._exc


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError])
def test_stream_name_that_raises_is_not_swallowed(exc):
    """The name of a stream is looked up for a decode error's message; what
    looking it up raised was cleared, whatever it was, so a KeyboardInterrupt
    or MemoryError became a UnicodeDecodeError.  Only a missing name (an
    AttributeError) is passed over now."""
    with pytest.raises(exc):
        word_count.frequencies_stream(_NameRaises(b"ab \xff cd", exc()), words="unicode")
    with pytest.raises(UnicodeDecodeError):
        word_count.frequencies_stream(_NameRaises(b"ab \xff cd", AttributeError()),
                                      words="unicode")


def test_count_many_keeps_the_error_of_a_needles_iter():
    """count_many replaced a TypeError raised by the needles' own __iter__
    with its "must be an iterable" message, and the error was lost; it is
    now the new error's __cause__."""
    class It:
        def __iter__(self):
            raise TypeError("my bug")

    with pytest.raises(TypeError, match="must be an iterable") as e:
        word_count.count_many("a b", It())
    assert isinstance(e.value.__cause__, TypeError) and str(e.value.__cause__) == "my bug"


@pytest.mark.parametrize("fn", ["search", "frequencies"])
def test_stream_of_a_file_with_unflushed_writes_leaves_them_in_place(tmp_path, fn):
    """An "r+b" object holding written bytes not yet flushed: the count
    moves the offset its descriptor shares, so the final seek() flushed
    them at the end of the file (b"zzzz b b b\\na a ") instead of at 0.
    Now they are flushed first, where they were written, and the count
    reads the file from the object's position on."""
    path = tmp_path / "t"
    path.write_bytes(b"zzzz b b b\n")
    with open(path, "r+b") as f:
        f.write(b"a a ")
        if fn == "search":
            got = word_count.search_stream(f, "b")
        else:
            got = word_count.frequencies_stream(f)
            assert got == Counter(b" b b b\n".split())
            got = got[b"b"]
        assert got == 3 and f.tell() == 11
    assert path.read_bytes() == b"a a  b b b\n"


def test_needle_bytearray_changed_by_progress_callback(tmp_path):
    """The needle of search_file is copied: the progress callback changing
    a bytearray needle during the count does not change what is counted."""
    path = tmp_path / "t"
    path.write_bytes(b"is it it " * 1000)
    needle = bytearray(b"is")

    def progress(done, total):
        needle[:] = b"it"[:len(needle)]

    assert word_count.search_file(path, needle, progress=progress) == 1000
    assert needle == b"it"


# ---- top: any int >= 0 -----------------------------------------------------------

BIG_TOPS = [sys.maxsize, sys.maxsize + 1, 2**63, 2**64, 2**200]


def test_top_any_nonnegative_int(tmp_path):
    text = "b a c a b a d"
    oracle = Counter(text.split())
    path = tmp_path / "t"
    path.write_bytes(text.encode())
    for top in BIG_TOPS + [0, 1, 3, 10]:
        want = oracle.most_common(top)
        assert list(word_count.frequencies(text, top=top).items()) == want
        bwant = [(k.encode(), v) for k, v in want]
        assert list(word_count.frequencies_file(path, top=top).items()) == bwant
        with open(path, "rb") as f:
            assert list(word_count.frequencies_stream(f, top=top).items()) == bwant
        assert list(word_count.frequencies_stream(io.BytesIO(text.encode()),
                                                  top=top).items()) == bwant
    for bad in (-1, -2**63 - 1, -2**200):
        for call in (lambda: word_count.frequencies(text, top=bad),
                     lambda: word_count.frequencies_file(path, top=bad),
                     lambda: word_count.frequencies_stream(io.BytesIO(b""), top=bad)):
            with pytest.raises(ValueError, match="top must be >= 0"):
                call()
    for bad in (1.0, "3", True):
        with pytest.raises(TypeError, match="top"):
            word_count.frequencies(text, top=bad)


# ---- progress= on the in-memory functions -------------------------------------------

def _in_memory_calls(text, needle):
    """(name, call(progress), want) for each in-memory function."""
    words = text.split() if isinstance(text, str) else text.replace(b"\n", b" ").split(b" ")
    oracle = Counter(w for w in words if w)
    return [
        ("search", lambda p: word_count.search(text, needle, progress=p),
         reference_count(text, needle)),
        ("search-threads", lambda p: word_count.search(text, needle, threads=2, progress=p),
         reference_count(text, needle)),
        ("count_many", lambda p: word_count.count_many(text, [needle], progress=p)[needle],
         reference_count(text, needle)),
        ("frequencies", lambda p: word_count.frequencies(text, progress=p), oracle),
        ("frequencies-top", lambda p: list(word_count.frequencies(text, top=2, progress=p).items()),
         oracle.most_common(2)),
    ]


@pytest.mark.parametrize("kind", ["str", "bytes", "ucs4"])
def test_progress_callable_in_memory(kind):
    """(0, total) first, (total, total) last, done never decreasing; done and
    total count the text's items (characters of a str, bytes)."""
    base = word_count.ZEN * 300 + ("\U0001f600 is\n" if kind == "ucs4" else "")
    text = base.encode() if kind == "bytes" else base
    needle = b"is" if kind == "bytes" else "is"
    for size in (len(text), 100):  # GIL released, and held
        t = text[:size]
        for name, call, want in _in_memory_calls(t, needle):
            calls = []
            assert call(lambda d, n: calls.append((d, n))) == want, name
            assert calls[0] == (0, size) and calls[-1] == (size, size), (name, calls)
            assert [d for d, _ in calls] == sorted(d for d, _ in calls)
            assert all(n == size for _, n in calls)
    for off in (None, False):
        assert word_count.search(text, needle, progress=off) == reference_count(text, needle)


def test_progress_raises_in_memory():
    text = word_count.ZEN * 300

    class Stop(Exception):
        pass

    for at in ("start", "end"):
        def boom(done, total):
            if at == "start" or done == total:
                raise Stop(at)

        for name, call, want in _in_memory_calls(text, "is"):
            with pytest.raises(Stop, match=at):
                call(boom)
            assert call(None) == want  # and the next call works
    with pytest.raises(TypeError, match="progress"):
        word_count.frequencies(text, progress=3)
    with pytest.raises(TypeError, match="progress"):
        word_count.search(text, "is", progress="yes")


def test_progress_true_in_memory(capsys, monkeypatch):
    text = word_count.ZEN * 300
    try:
        import tqdm  # noqa: F401
    except ImportError:
        tqdm = None
    if tqdm is not None:
        assert word_count.frequencies(text.encode(), progress=True)[b"is"] == \
            reference_count(text, "is")
        err = capsys.readouterr().err
        assert "100%" in err and "B/s" in err
        assert word_count.search(text, "is", progress=True) == reference_count(text, "is")
        assert "char/s" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    with pytest.warns(RuntimeWarning, match="tqdm") as warned:
        assert word_count.count_many(text, ["is"], progress=True) == \
            {"is": reference_count(text, "is")}
    assert warned[0].filename == __file__  # points at the caller's line
    assert capsys.readouterr().err == ""


# A text in memory that would take minutes to count: one 8 MiB block of a
# file mapped 32,768 times into one reserved range (256 GiB of addresses, 8
# MiB of memory), as test_signals.py does.  The progress callback stops it
# after about 0.4 s (search read 6.3 of 64 GiB by then on our 2 CPUs; more
# CPUs read more).
LONG_COUNT = """
    import ctypes, mmap, os, signal, sys, tempfile, threading, time
    sys.path.insert(0, sys.argv[1])
    import word_count as w
    from helpers import reference_count
    BLOCK, COPIES = 8 << 20, 32768
    data = (w.ZEN.encode() * (BLOCK // len(w.ZEN) + 1))[:BLOCK]
    data = data[:data.rindex(b"\\n") + 1]
    data += b"\\n" * (BLOCK - len(data))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    total = BLOCK * COPIES
    base = libc.mmap(None, total, 0, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000, -1, 0)
    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        for k in range(COPIES):
            at = libc.mmap(base + k * BLOCK, BLOCK, mmap.PROT_READ,
                           mmap.MAP_SHARED | 0x10, f.fileno(), 0)
            assert at == base + k * BLOCK
    view = ctypes.pythonapi.PyMemoryView_FromMemory
    view.restype = ctypes.py_object
    view.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
    text = view(base, total, 0x100)
    mode = sys.argv[2]
    calls = []
    def progress(done, total):
        calls.append((done, total))
        if mode == "raise" and len(calls) == 4:
            raise ArithmeticError("stop")
    if mode == "sigint":
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    fns = {"frequencies": lambda: w.frequencies(text, progress=progress),
           "count_many": lambda: w.count_many(text, [b"is"], progress=progress),
           "search": lambda: w.search(text, b"is", progress=progress)}
    try:
        fns[sys.argv[3]]()
    except (ArithmeticError, KeyboardInterrupt) as e:
        print(type(e).__name__)
    else:
        sys.exit("not stopped")
    assert calls[0] == (0, total), calls[:2]
    assert all(t == total for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and 0 < done[-1] < total, done
    assert len(calls) >= (4 if mode == "raise" else 2), calls
    # the pool still counts right after the stop
    small = w.ZEN * 1000
    assert w.count_many(small, ["is"], threads=w.default_threads())["is"] == \\
        reference_count(small, "is")
    print(len(calls))
"""


@pytest.mark.parametrize("fn", ["frequencies", "count_many", "search"])
@pytest.mark.parametrize("mode", ["raise", "sigint"])
def test_progress_during_a_long_in_memory_count(fn, mode):
    """progress is called during the count (done grows, total is the text's
    size); raising in it stops the count with that exception; Ctrl-C still
    stops it with KeyboardInterrupt."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(LONG_COUNT), TESTS, mode, fn],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    name, ncalls = r.stdout.split()
    assert name == ("ArithmeticError" if mode == "raise" else "KeyboardInterrupt")
    assert int(ncalls) >= 2


def test_progress_callback_resizes_the_bytearray_being_counted():
    """The text is held (a buffer export) for the whole call: the progress
    callback cannot resize a bytearray being counted (BufferError, which
    stops the count), so the count never reads freed memory."""
    text = bytearray((word_count.ZEN * 300).encode())
    calls = [
        lambda p: word_count.frequencies(text, progress=p),
        lambda p: word_count.count_many(text, [b"is"], progress=p),
        lambda p: word_count.search(text, b"is", progress=p),
        lambda p: word_count.search(text, b"is", words="unicode", progress=p),
    ]
    for call in calls:
        def shrink(done, total):
            text.clear()

        with pytest.raises(BufferError):
            call(shrink)
        assert len(text) > 0
    assert word_count.search(text, b"is") == reference_count(bytes(text), b"is")


@pytest.mark.parametrize("seed", range(3))
def test_search_with_progress_counts_as_search(seed):
    """search(progress=) counts the default words with the kernels, in
    windows (any str or bytes), or with the word enumerator (a needle the
    text cannot hold): the same counts as without, on texts with CR LF and
    empty words."""
    import random
    rng = random.Random(seed)
    alphabet = ["a", "b", "ab", " ", " ", "\n", "\r\n", "\r", "é", "\u0101", "\U0001f600"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 3000)))
             for _ in range(40)]
    if seed == 0:
        texts.append("".join(rng.choice(alphabet[:7]) for _ in range(5 << 19)))
    for text in texts:
        big = len(text) > 1 << 20
        for t in (text, text.encode(), text.encode("latin-1", "ignore").decode("latin-1")):
            if big and isinstance(t, str):
                continue
            for needle in ("a", "ab") if big else ("a", "ab", "", "é", "\u0101", "a b"):
                if isinstance(t, bytes):
                    needle = needle.encode()
                calls = []
                got = word_count.search(t, needle, progress=lambda d, n: calls.append((d, n)))
                assert got == reference_count(t, needle), (t, needle)
                assert calls[0] == (0, len(t)) and calls[-1] == (len(t), len(t))


def test_search_with_progress_across_its_windows():
    """search(progress=) stops between windows of 64 MiB: a word on either
    side of a window's edge, or across it, is counted once.  The text is
    built with a known number of "is" (the filler holds no "i")."""
    window = 64 << 20
    for shift in (-3, -2, -1, 0, 1):
        text = bytearray(b"zz " * ((2 * window + 300) // 3))
        placed = 0
        for edge in (window, 2 * window):
            at = edge + shift
            text[at - 1:at + 3] = b" is "   # "is" starts at `at`
            placed += 1
        text[10:14] = b" is "
        placed += 1
        text = bytes(text)
        calls = []
        assert word_count.search(text, b"is", progress=lambda d, n: calls.append(d)) == placed
        assert calls[0] == 0 and calls[-1] == len(text)
        assert word_count.search(text, b"is") == placed


def test_search_with_progress_runs_on_the_pool():
    """search(progress=, threads=2) counts on the pool's threads, as search()
    does without progress (it used to read the text as a stream on the
    calling thread alone)."""
    code = ("import word_count as w\n"
            "t = b'is ' * (4 << 20)\n"
            "assert w._word_count._pool_workers() == 0\n"
            "assert w.search(t, b'is', threads=2, progress=lambda d, n: None) == 4 << 20\n"
            "print(w._word_count._pool_workers())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "WORD_COUNT_POOL_IDLE": "60"})
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) >= 1


def test_search_py_compares_subclass_needles_code_point_for_code_point():
    """search_py, the pure-Python reference, compares the words with an
    exact copy of the needle, as the native functions do: a subclass whose
    __eq__ says yes to everything counted every word (3 where search gave
    1), str and bytes alike."""
    always = {"__eq__": lambda s, o: True, "__ne__": lambda s, o: False}
    for base, text in ((str, "a b c a"), (bytes, b"a b c a")):
        needle = type("Always", (base,), {**always, "__hash__": base.__hash__})(text[:1])
        want = text.split(text[1:2]).count(text[:1])  # the oracle: 2
        assert word_count.search_py(text, needle) == word_count.search(text, needle) == want
        assert word_count.search_py(type("T", (base,), always)(text), needle) == want


def test_count_many_writable_memoryview_needle_is_a_type_error():
    """A needle the result could not use as a key: a writable memoryview
    raised hash()'s ValueError; it is the TypeError that says to pass
    bytes(...), as for a bytearray.  A read-only one is a key."""
    with pytest.raises(TypeError, match=r"unhashable 'memoryview'.*bytes\(\.\.\.\)"):
        word_count.count_many(b"a b a", [memoryview(bytearray(b"a"))])
    assert word_count.count_many(b"a b a", [memoryview(b"a")]) == {b"a": 2}


# ---- found by the argument audit of session 50 --------------------------------


def test_search_py_copies_a_str_subclass_as_str_does():
    """search_py made its copy with contents[:], which ran a subclass's
    __getitem__: a subclass that returns "zz" counted 0, one that returns
    bytes counted 0 with no error.  Oracle: the text split at spaces."""
    class S(str):
        def __getitem__(self, k):
            return "zz"

    class T(str):
        def __getitem__(self, k):
            return b"is"

    for text, needle in ((S("is is zz"), "is"), ("is is zz", S("is")), (T("is is"), "is"),
                         ("is is", T("is"))):
        want = str.split(str(text), " ").count(str.__str__(needle))
        assert word_count.search_py(text, needle) == want == word_count.search(text, needle)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="__buffer__ is 3.12's")
def test_count_many_reads_a_bytes_subclass_through_its_buffer_as_search_does():
    """count_many read a bytes subclass's own bytes where every other
    function reads its buffer (__buffer__, 3.12+): the two disagreed."""
    class B(bytes):
        def __buffer__(self, flags):
            return memoryview(b"zz")

    n, text = B(b"is"), b"is zz is"
    got = word_count.count_many(text, [n])
    assert list(got.values()) == [word_count.search(text, n)] == [1]
    assert list(got) == [b"zz"]


def test_count_many_bytes_needles_type_checked_before_hashed():
    """With bytes-like contents, a needle that is not bytes-like is a
    TypeError that says so (a tuple's hash ran first, and its errors came
    out: a memoryview's ValueError, "unhashable 'list'"); a released
    memoryview is the ValueError that search() gives for it."""
    calls = []

    class Hashy:
        def __hash__(self):
            calls.append(1)
            return 1

    for bad in ((memoryview(b"\0" * 8).cast("q"),), [1], 1.5, Hashy()):
        with pytest.raises(TypeError, match="needles must be bytes-like like contents"):
            word_count.count_many(b"a", [bad])
    assert calls == []
    v = memoryview(b"a")
    v.release()
    with pytest.raises(ValueError) as e1:
        word_count.count_many(b"a", [v])
    with pytest.raises(ValueError) as e2:
        word_count.search(b"a", v)
    assert str(e1.value) == str(e2.value)
    with pytest.raises(TypeError, match="unhashable 'bytearray'"):
        word_count.count_many(b"a", [bytearray(b"a")])
    assert word_count.count_many(b"a b a", [memoryview(b"a")]) == {b"a": 2}


def test_count_many_refuses_any_single_buffer_as_the_needles(tmp_path):
    """An mmap (or memoryview, array) given as the needles was iterated:
    its single bytes or ints became the needles.  It is one text, refused
    as bytes is."""
    import array
    import mmap
    m = mmap.mmap(-1, 2)
    m[:] = b"is"
    for needles in (m, memoryview(b"is"), array.array("b", b"is"), b"is", bytearray(b"is")):
        with pytest.raises(TypeError, match="not a single"):
            word_count.count_many(b"is i s", needles)
    m.close()


def test_stream_tell_and_fileno_must_be_ints_on_every_python(tmp_path):
    """A file object whose tell() or fileno() returns a float: 3.9 took it
    (its PyLong_AsLong used __int__), 3.10+ raised TypeError."""
    p = tmp_path / "t"
    p.write_bytes(b"is is is\n")

    class F(io.FileIO):
        def tell(self):
            return 0.0

    class G(io.FileIO):
        def fileno(self):
            return float(super().fileno())

    for cls in (F, G):
        with cls(p, "rb") as f, pytest.raises(TypeError, match="integer"):
            word_count.search_stream(f, b"is")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="__buffer__ is 3.12's")
def test_search_words_takes_the_contents_before_the_needle():
    """search(words=..., casefold=...) took the needle's buffer first, so its
    __buffer__ could grow the contents before they were held, and the two
    paths counted different texts (3 and 1003).  Both hold the contents
    first now: the resize is refused (BufferError, caught here)."""
    def needle_growing(ba):
        class N:
            def __buffer__(self, flags):
                try:
                    ba.extend(b" is" * 1000)
                except BufferError:
                    pass
                return memoryview(b"is")
        return N()

    for opts in ({}, {"words": "unicode"}, {"casefold": True}):
        ba = bytearray(b"is is is")
        assert word_count.search(ba, needle_growing(ba), **opts) == 3, opts
        assert ba == bytearray(b"is is is")


def test_a_streams_name_is_read_only_for_a_bar():
    """The stream functions read fileobj.name for a tqdm bar's label even
    without progress=True: a name that raises broke the count."""
    class S:
        def __init__(self):
            self.b = io.BytesIO(b"ab cd ab")

        def read(self, n=-1):
            return self.b.read(n)

        @property
        def name(self):
            raise KeyError("no name")

    assert word_count.search_stream(S(), b"ab") == 2
    assert word_count.frequencies_stream(S()) == Counter({b"ab": 2, b"cd": 1})
    assert list(word_count.frequencies_stream_arrays(S()).counts) == [2, 1]


def test_a_counter_that_is_not_a_dict_is_a_type_error():
    """collections.Counter.__new__ replaced by one that returns something
    other than a dict: frequencies() raised SystemError ("bad argument to
    internal function") from PyDict_SetItem; a TypeError now.  In a child:
    the patch is process-wide."""
    code = textwrap.dedent("""
        import collections, word_count
        collections.Counter.__new__ = staticmethod(lambda cls, *a, **k: [])
        try:
            word_count.frequencies("a b a")
        except TypeError as e:
            print("TypeError", e)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "TypeError collections.Counter() returned 'list', not a dict", r


@pytest.mark.skipif(sys.version_info < (3, 12), reason="__buffer__ is 3.12's")
@pytest.mark.parametrize("call", [
    lambda t, n: word_count.frequencies(t, words="unicode"),
    lambda t, n: word_count.search(t, n, words="unicode"),
    lambda t, n: word_count.search(b"ok", n, words="unicode"),
    lambda t, n: word_count.count_many(t, [b"ok"], words="unicode"),
])
def test_a_utf8_error_describes_the_bytes_counted_not_a_second_export(call):
    """A UnicodeDecodeError's object, start and end are those of the bytes
    counted.  It was made from the caller's object, which CPython exported
    again: a __buffer__ that gives other bytes the second time made an
    exception whose start and end were past the end of its object."""
    class B:
        def __init__(self, data):
            self.data, self.n = data, 0

        def __buffer__(self, flags):
            self.n += 1
            return memoryview(self.data if self.n == 1 else b"x")

    bad = b"ok ok ok ok \xff"
    with pytest.raises(UnicodeDecodeError) as e:
        call(B(bad), B(b"ok\xff"))
    err = e.value
    assert err.object in (bad, b"ok\xff"), err.object
    assert err.object[err.start:err.end] == b"\xff", (err.object, err.start, err.end)
    assert err.object == (bad, b"ok\xff")[err.object != bad]


def test_a_failed_read_raises_the_reads_errno_whatever_the_name_does(tmp_path):
    """A stream whose read fails (a FileIO opened for writing: EBADF) raises
    the OSError of that errno.  The error was made after the object's name
    was looked up, and a `name` property that set errno (a failed os.stat:
    ENOENT) turned it into FileNotFoundError."""
    import errno as errno_mod

    class F(io.FileIO):
        @property
        def name(self):
            try:
                os.stat(tmp_path / "missing")
            except OSError:
                pass
            return self._name

        @name.setter
        def name(self, value):  # FileIO.__init__ sets it
            self._name = value

    for fn in (lambda f: word_count.search_stream(f, b"ab"), word_count.frequencies_stream,
               word_count.frequencies_stream_arrays):
        for cls in (io.FileIO, F):
            with cls(tmp_path / "f", "w") as f:
                with pytest.raises(OSError) as e:
                    fn(f)
            assert e.value.errno == errno_mod.EBADF, (cls, e.value)
            assert type(e.value) is OSError, (cls, e.value)
