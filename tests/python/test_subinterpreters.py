"""word_count in isolated subinterpreters (each with its own GIL).

The extension declares Py_MOD_PER_INTERPRETER_GIL_SUPPORTED: it keeps no
Python object in C globals, and the C pool it shares between interpreters
holds no Python state.  Here several isolated interpreters (3.12's
_xxsubinterpreters, 3.13's _interpreters; create() makes them isolated, with
their own GIL, by default) import it and call every function from several
threads at once, and their results must equal the main interpreter's.  One
interpreter is finalized while another still counts on the shared pool.  On 3.14,
concurrent.futures.InterpreterPoolExecutor runs word_count's functions in
such interpreters too.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import random
import sys
import threading

import pytest

import word_count
from helpers import reference_count

try:
    import _interpreters as interpreters  # 3.13
except ImportError:
    try:
        import _xxsubinterpreters as interpreters  # 3.12
    except ImportError:
        interpreters = None

pytestmark = pytest.mark.skipif(
    interpreters is None or sys.version_info < (3, 12),
    reason="isolated subinterpreters with their own GIL need CPython 3.12+")

# Every function, on str, bytes and bytearray, with threads= changing.  The
# script writes repr() of its results to OUT (a str shared from the main
# interpreter), so the main interpreter compares them with its own.
SCRIPT = r'''
import io
import word_count

def results(path, rounds=1):
    text = "".join(w + s for w, s in zip(
        ["the", "is", "Is", "", "better", "x" * 30, "zen\r", "Straße"] * 4000,
        [" ", " ", "\n", "\r\n", "  ", " ", "\n"] * 5000))
    data = text.encode()
    out = []
    for r in range(rounds):
        for threads in (1, 2, 3, None):
            for obj in (text, data, bytearray(data)):
                n = "is" if isinstance(obj, str) else b"is"
                out.append(word_count.search(obj, n, threads=threads))
                out.append(word_count.search(obj, n, words="unicode",
                                             casefold=True, threads=threads))
                out.append(word_count.search_sequential(obj, n))
                out.append(word_count.search_sequential_allow_threads(obj, n))
                out.append(word_count.search_sequential_detached(obj, n))
                out.append(sorted(word_count.count_many(
                    obj, [n, n[:0], n * 2], threads=threads).items()))
                out.append(list(word_count.frequencies(obj, threads=threads).items()))
                out.append(list(word_count.frequencies(
                    obj, top=3, words="unicode", casefold=True,
                    threads=threads).items()))
                arr = word_count.frequencies_arrays(obj, threads=threads)
                out.append((arr.data, arr.offsets.tolist(), arr.counts.tolist()))
            out.append(word_count.search_file(path, "is", threads=threads))
            out.append(word_count.search_stream(io.BytesIO(data), b"is",
                                                threads=threads))
            out.append(list(word_count.frequencies_file(path, threads=threads).items()))
            arr = word_count.frequencies_file_arrays(path, threads=threads)
            out.append((arr.data, arr.offsets.tolist(), arr.counts.tolist()))
            out.append(list(word_count.frequencies_stream(
                io.BytesIO(data), words="unicode", threads=threads).items()))
    out.append(word_count.kernel())
    out.append(word_count.UNICODE_VERSION)
    return out
'''


def run(interp, code: str, **shared) -> None:
    """Run code in interp; raise if it raised (3.12 raises RunFailedError,
    3.13 returns a description of the exception)."""
    failure = interpreters.run_string(interp, code, shared)
    if failure is not None:
        raise AssertionError(f"the subinterpreter raised: {failure}")


def run_script(interp, path, out, rounds=1):
    run(interp, SCRIPT + "\nwith open(OUT, 'w') as f:\n"
        "    f.write(repr(results(PATH, ROUNDS)))\n",
        OUT=str(out), PATH=str(path), ROUNDS=rounds)
    return out.read_text()


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    d = tmp_path_factory.mktemp("subinterp")
    ns: dict = {}
    exec(SCRIPT, ns)
    path = d / "t.txt"
    text = "".join(w + s for w, s in zip(
        ["the", "is", "Is", "", "better", "x" * 30, "zen\r", "Straße"] * 4000,
        [" ", " ", "\n", "\r\n", "  ", " ", "\n"] * 5000))
    path.write_bytes(text.encode())
    return path, repr(ns["results"](str(path)))


def run_threads(worker, n):
    """worker(0) .. worker(n - 1), each on a thread of its own, all at once;
    every one must end within 10 minutes."""
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not any(t.is_alive() for t in threads)


def test_one_subinterpreter_counts_as_the_main_one(expected, tmp_path):
    path, want = expected
    interp = interpreters.create()
    try:
        assert run_script(interp, path, tmp_path / "out") == want
    finally:
        interpreters.destroy(interp)


def test_subinterpreters_count_from_several_threads_at_once(expected, tmp_path):
    path, want = expected
    errors: list = []
    got: dict = {}
    start = threading.Barrier(4)

    def worker(k):
        try:
            start.wait()
            for r in range(2):
                interp = interpreters.create()
                try:
                    got[(k, r)] = run_script(interp, path, tmp_path / f"out-{k}-{r}")
                finally:
                    interpreters.destroy(interp)
        except BaseException as e:
            errors.append(e)

    run_threads(worker, 4)
    assert errors == []
    assert len(got) == 8 and all(v == want for v in got.values())


def test_an_interpreter_finalized_while_another_counts(expected, tmp_path):
    """Interpreters come and go (import, count on the shared pool, destroy)
    while a long-lived one counts on the same pool: its counts stay right,
    and the main interpreter's too afterwards."""
    path, want = expected
    long_lived = interpreters.create()
    errors: list = []
    result: dict = {}

    def long_count():
        try:
            result["long"] = run_script(long_lived, path, tmp_path / "long", rounds=3)
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=long_count)
    t.start()
    try:
        short = 0
        while t.is_alive() or short < 3:
            interp = interpreters.create()
            try:
                run(interp, "import word_count\n"
                    "assert word_count.search(b'is ' * 300000, b'is', threads=2) == 300000\n")
            finally:
                interpreters.destroy(interp)  # finalizes its module state
            short += 1
    finally:
        t.join(600)
        interpreters.destroy(long_lived)
    assert errors == []
    ns: dict = {}
    exec(SCRIPT, ns)
    assert result["long"] == repr(ns["results"](str(path), 3))
    import word_count
    assert word_count.search("is " * 300000, "is", threads=2) == 300000


@pytest.mark.skipif(not hasattr(concurrent.futures, "InterpreterPoolExecutor"),
                    reason="InterpreterPoolExecutor is new in CPython 3.14")
def test_interpreter_pool_executor_counts_as_the_main_interpreter():
    """3.14's InterpreterPoolExecutor (a worker thread per isolated
    interpreter, callables and results pickled): word_count's functions go
    to it by reference, and every count there equals the reference."""
    rng = random.Random(14)
    vocab = ["is", "Is", "this", "it", "the", "Straße", "x" * 20, ""]
    texts = ["".join(rng.choice(vocab) + rng.choice([" ", " ", "\n", "  "])
                     for _ in range(rng.randrange(1, 40000)))
             for _ in range(12)]
    with concurrent.futures.InterpreterPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(word_count.search, texts, ["is"] * len(texts)))
        data = list(pool.map(word_count.search, [t.encode() for t in texts],
                             [b"is"] * len(texts)))
        freqs = list(pool.map(word_count.frequencies, texts))
        ids = {pool.submit(interpreters.get_current).result()[0]
               for _ in range(12)}
    want = [reference_count(t, "is") for t in texts]
    assert counts == want and data == want
    # Only spaces and newlines separate these words: str.split() agrees.
    assert freqs == [collections.Counter(t.split()) for t in texts]
    assert all(type(f) is collections.Counter for f in freqs)
    # The work ran in subinterpreters, not the main one.
    assert interpreters.get_current()[0] not in ids


# What each interpreter must get of its own: the Counter class of its own
# collections module, the exceptions raised in it (a count's
# UnicodeDecodeError and TypeError, and the exception of a class of its own
# that its progress callable raised in the middle of a count, where the count
# takes that interpreter's GIL back on the calling thread).  The stream is
# endless: only the progress callable's exception ends the count.
OWN = r'''
import collections, json, word_count

out = {}
c = word_count.frequencies(TEXT, threads=2)
out["counter_is_ours"] = type(c) is collections.Counter
out["counter_not_main"] = id(collections.Counter) != MAIN_COUNTER
out["freq"] = sorted(c.items())
out["top"] = type(word_count.frequencies(TEXT, top=2)) is collections.Counter

try:
    word_count.search(BAD, b"ok", words="unicode", threads=2)
except UnicodeDecodeError as e:
    out["utf8"] = [type(e) is UnicodeDecodeError, e.start, e.end, e.reason]
try:
    word_count.frequencies_file(BAD_PATH, casefold=True, threads=2)
except UnicodeDecodeError as e:
    out["utf8_file"] = [e.file_offset, e.filename == BAD_PATH]
try:
    word_count.search(TEXT, b"is")
except TypeError as e:
    out["type_error"] = type(e) is TypeError

class Stop(Exception):
    pass

class Endless:
    chunk = b"is the x\n" * 100000
    def read(self, n=-1):
        return self.chunk

for name in ("search_stream", "frequencies_stream"):
    calls = []
    def progress(done, total):
        calls.append(done)
        if len(calls) == 4:
            raise Stop(name)
    fn = getattr(word_count, name)
    try:
        if name == "search_stream":
            fn(Endless(), b"is", threads=2, progress=progress)
        else:
            fn(Endless(), threads=2, progress=progress)
        out[name] = "not stopped"
    except Stop as e:
        out[name] = [type(e) is Stop, e.args[0], len(calls),
                     calls == sorted(calls) and calls[-1] > 0]
with open(OUT, "w") as f:
    json.dump(out, f)
'''


def test_each_interpreter_gets_its_own_counter_and_exceptions(tmp_path):
    """4 interpreters at once, counting on the shared pool: a Counter is
    their own collections.Counter, not the main interpreter's; a count's
    errors and a progress callable's exception (raised in the middle of a
    count of an endless stream) reach the interpreter's own code."""
    rng = random.Random(12)
    text = "".join(rng.choice(["is", "the", "x", "Straße", "é" * 9])
                   + rng.choice([" ", "\n", "  "]) for _ in range(200_000))
    bad = b"ok " * 5000 + b"caf\xe9 ok"
    bad_path = tmp_path / "bad.txt"
    bad_path.write_bytes(bad)
    try:
        bad.decode()
    except UnicodeDecodeError as e:  # the oracle: bytes.decode's error
        want_utf8 = [True, e.start, e.end, e.reason]
    want_freq = sorted(collections.Counter(text.split()).items())
    errors: list = []
    got: dict = {}

    def worker(k):
        interp = interpreters.create()
        try:
            run(interp, OWN, TEXT=text, BAD=bad, BAD_PATH=str(bad_path),
                MAIN_COUNTER=id(collections.Counter), OUT=str(tmp_path / f"own{k}"))
            got[k] = json.loads((tmp_path / f"own{k}").read_text())
        except BaseException as e:
            errors.append(e)
        finally:
            interpreters.destroy(interp)

    run_threads(worker, 4)
    assert errors == []
    assert len(got) == 4
    for out in got.values():
        assert out["counter_is_ours"] and out["counter_not_main"] and out["top"]
        assert [tuple(p) for p in out["freq"]] == want_freq
        assert out["utf8"] == want_utf8
        assert out["utf8_file"] == [15003, True]
        assert out["type_error"] is True
        for name in ("search_stream", "frequencies_stream"):
            assert out[name] == [True, name, 4, True], (name, out[name])
