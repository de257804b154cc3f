"""The pool and fork(): fork() called inside a count (from a progress
callback, from a signal handler) finishes in both processes; idle workers
exit by themselves and shutdown_pool() stops them now, so that a later
fork() sees a single-threaded process (no "This process is multi-threaded"
DeprecationWarning on Python 3.12+).

Every scenario runs in a fresh interpreter (subprocess) with a timeout, and
its forked child is killed if it does not finish: a hang fails the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import word_count

pytestmark = pytest.mark.timeout(600)

TIMEOUT = 240

# A reference that shares nothing with the code under test: the lines of the
# text (no "\r" in it), split at " ".
REFERENCE = """
def reference(data, needle):
    return sum(line.split(b" ").count(needle) for line in data.split(b"\\n"))
def reference_freq(data):
    from collections import Counter
    return Counter(w for line in data.split(b"\\n") for w in line.split(b" ") if w)
"""

# Fork from inside a count; the child reports what its count did, then the
# parent waits for it (killing it after CHILD_TIMEOUT) and prints both.
FORK_HARNESS = REFERENCE + """
import json, os, signal, sys, time
import word_count as w
CHILD_TIMEOUT = 60
state = {"pid": None, "child": False, "inside": False, "forked_inside": False}
rfd, wfd = os.pipe()

def fork_now():
    if state["pid"] is not None:
        return
    state["forked_inside"] = state["inside"]
    state["pid"] = os.fork()
    if state["pid"] == 0:
        state["child"] = True

def run(call):
    state["inside"] = True
    try:
        res = ["ok", call()]
    except Exception as e:
        res = [type(e).__name__, str(e)]
    finally:
        state["inside"] = False
    if state["child"]:
        os.write(wfd, json.dumps(res).encode())
        os._exit(0)
    return res

def finish(parent, want):
    os.close(wfd)
    child = None
    if state["pid"] is not None:
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            done, status = os.waitpid(state["pid"], os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(state["pid"], signal.SIGKILL)
                os.waitpid(state["pid"], 0)
                child = "hung"
                break
            time.sleep(0.02)
        if child is None:
            child = json.loads(os.read(rfd, 1 << 20).decode() or "null")
    print(json.dumps({"parent": parent, "child": child, "want": want,
                      "forked_inside": state["forked_inside"]}))
"""


def run_harness(body: str, *args: str, env: dict | None = None) -> dict:
    code = FORK_HARNESS + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                       text=True, timeout=TIMEOUT, env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def check_fork_outcome(out: dict) -> bool:
    """The parent's count is right, the child finished (an error naming
    fork(), or the right count).  False when the fork did not happen inside
    the count (the count was too quick: try a longer one)."""
    assert out["parent"] == ["ok", out["want"]], out
    if not out["forked_inside"]:
        return False
    assert out["child"] != "hung", "the forked child hung inside the count"
    assert out["child"] is not None
    if out["child"][0] == "RuntimeError":
        assert "fork()" in out["child"][1]
    else:
        assert out["child"] == ["ok", out["want"]], out
    return True


def make_file(tmp_path, mib: int) -> tuple[str, bytes]:
    line = b"is a word is not the word\n"
    data = line * (mib * (1 << 20) // len(line))
    path = tmp_path / f"text{mib}.txt"
    path.write_bytes(data)
    return str(path), data


def forked_inside_a_file_count(tmp_path, body: str, what: str) -> dict:
    """run_harness(body, path, what, block) on files of 8, 16 and 32 MiB (in
    smaller blocks each time) until the fork happened inside the count; the
    parent's count must be right each time.  Skips if it never did."""
    for mib, block in ((8, 256), (16, 64), (32, 16)):
        path, _ = make_file(tmp_path, mib)
        out = run_harness(body, path, what, str(block))
        assert out["parent"] == ["ok", out["want"]], out
        if out["forked_inside"]:
            return out
    pytest.skip("the count never lasted past the first progress call")


@pytest.mark.parametrize("what", ["search_file", "frequencies_file"])
def test_fork_in_progress_callback(tmp_path, what):
    """os.fork() in a progress= callback while the pool's workers read the
    file: the child's count raises RuntimeError (it used to wait forever for
    workers that do not exist in the child) and the parent's is right."""
    body = """
    path, what, block = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(path, "rb").read()
    def progress(done, total):
        if 0 < done < total:
            fork_now()
    if what == "search_file":
        want = reference(data, b"is")
        parent = run(lambda: w.search_file(path, b"is", threads=2, block_size=block,
                                           progress=progress))
    else:
        def pairs(counter):
            return sorted([k.decode(), v] for k, v in counter.items())
        want = pairs(reference_freq(data))
        parent = run(lambda: pairs(w.frequencies_file(path, threads=2, block_size=block,
                                                      progress=progress)))
    finish(parent, want)
    """
    check_fork_outcome(forked_inside_a_file_count(tmp_path, body, what))


def test_fork_in_progress_callback_before_the_pool_started():
    """A stream counted on the calling thread alone never starts the pool:
    a fork from its progress callback is seen all the same, and the child's
    count raises RuntimeError.  (It returned a part of the count: the child
    read on from the pipe the parent was reading, 1,024 of 10,000.)"""
    body = """
    data = b"a b " * 10000
    rp, wp = os.pipe()
    os.write(wp, data)
    os.close(wp)
    want = reference(data, b"a")
    parent = run(lambda: w.search_stream(open(rp, "rb", buffering=0), b"a",
                                         progress=lambda done, total: fork_now()))
    finish(parent, want)
    """
    out = run_harness(body)
    assert check_fork_outcome(out)
    assert out["child"][0] == "RuntimeError", out


@pytest.mark.parametrize("what", ["search_file", "frequencies_file", "search_stream"])
def test_the_childs_own_exception_from_a_callback_that_forked(tmp_path, what):
    """A progress callable that forks and then raises in the child: the
    child's count raises that exception, not the RuntimeError that says a
    fork happened (which replaced it, and so a SystemExit), and the parent's
    count is right."""
    body = """
    path, what, block = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(path, "rb").read()
    def progress(done, total):
        if 0 < done < total or what == "search_stream":
            fork_now()
            if state["child"]:
                raise ValueError("the child's own")
    want = reference(data, b"is")
    if what == "search_file":
        parent = run(lambda: w.search_file(path, b"is", threads=2, block_size=block,
                                           progress=progress))
    elif what == "search_stream":
        rp, wp = os.pipe()
        os.write(wp, data[:32768])
        os.close(wp)
        want = reference(data[:32768], b"is")
        parent = run(lambda: w.search_stream(open(rp, "rb", buffering=0), b"is",
                                             progress=progress))
    else:
        want = len(reference_freq(data))
        parent = run(lambda: len(w.frequencies_file(path, threads=2, block_size=block,
                                                    progress=progress)))
    finish(parent, want)
    """
    out = forked_inside_a_file_count(tmp_path, body, what)
    assert out["child"] == ["ValueError", "the child's own"], out


@pytest.mark.parametrize("what", ["search_stream", "frequencies_stream"])
def test_fork_in_a_streams_read(what):
    """A stream's read() (Python code: it, or a signal handler during it, may
    fork) that forks: the child's count raises RuntimeError at once, and the
    parent's is whole.  (The child read on from the pipe the parent was
    reading, and each counted a part.)  The child's read() returns a word of
    its own, so that the pipe's bytes are all the parent's."""
    body = """
    data = b"a b " * 100000
    rp, wp = os.pipe()
    import threading
    def write_all():
        # os.write may write only a part: a signal delivered to this thread
        # while the pipe is full cuts it short.  Once in CI the parent read
        # 81,920 bytes of 400,000 and then the end of the stream (a likely
        # cause: the child's SIGCHLD, queued while the main thread had
        # every signal blocked to start the pool's workers, and so given to
        # this thread).
        view = memoryview(data)
        while view:
            view = view[os.write(wp, view):]
        os.close(wp)
    threading.Thread(target=write_all, daemon=True).start()
    calls = [0]
    class Reader:
        def read(self, n):
            calls[0] += 1
            if calls[0] == 5:
                fork_now()
                if state["child"]:
                    try:
                        os.close(wp)  # its writer is the parent's thread
                    except OSError:
                        pass
                    return b"a "
            return os.read(rp, min(n, 4096))
    want = reference(data, b"a")
    if sys.argv[1] == "search_stream":
        parent = run(lambda: w.search_stream(Reader(), b"a"))
    else:
        parent = run(lambda: w.frequencies_stream(Reader())[b"a"])
    finish(parent, want)
    """
    out = run_harness(body, what)
    assert check_fork_outcome(out)
    assert out["child"][0] == "RuntimeError", out


def test_fork_in_signal_handler_during_in_memory_count():
    """A SIGALRM handler that forks, run (by the count's Ctrl-C check) while
    frequencies() counts a text in memory on the pool."""
    body = """
    mib = int(sys.argv[1])
    line = b"is a word is not the word\\n"
    data = line * (mib * (1 << 20) // len(line))
    want = sorted([k.decode(), v] for k, v in reference_freq(data).items())
    signal.signal(signal.SIGALRM, lambda *a: fork_now())
    def count():
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        try:
            return sorted([k.decode(), v] for k, v in w.frequencies(data, threads=2).items())
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    parent = run(count)
    finish(parent, want)
    """
    for mib in (32, 96, 256):
        if check_fork_outcome(run_harness(body, str(mib))):
            return
    pytest.skip("the alarm never fired inside the count")


# ---- idle workers exit; shutdown_pool() -----------------------------------

# Forks and reports whether fork() warned, and the threads the process had
# just before (from /proc, which every Python version has).
FORK_CHECK = """
import os, sys, warnings
import word_count as w
def threads_now():
    return len(os.listdir("/proc/self/task"))
def fork_clean():
    n = threads_now()
    # "always", not "error": os.fork() issues the warning after the fork, and
    # an "error" there is swallowed (3.12.1 records and raises nothing).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pid = os.fork()
        if pid == 0:
            os._exit(0)
    os.waitpid(pid, 0)
    return n, [str(c.message) for c in caught]
TEXT = w.default_text() * 20
WANT = 200000
"""


def run_script(code: str, env: dict | None = None) -> str:
    r = subprocess.run([sys.executable, "-c", FORK_CHECK + textwrap.dedent(code)],
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r.stdout


def test_shutdown_pool_then_fork_is_single_threaded():
    out = run_script("""
    for threads in (2, 4):
        assert w.search(TEXT, "is", threads=threads) == WANT
        assert w._word_count._pool_workers() >= 1
        w.shutdown_pool()
        assert w._word_count._pool_workers() == 0
        n, caught = fork_clean()
        assert n == 1, n
        assert caught == [], caught
    # Counting afterwards starts workers again, and counts right.
    assert w.search(TEXT, "is", threads=3) == WANT
    assert w._word_count._pool_workers() >= 2
    print("ok")
    """)
    assert out.strip() == "ok"


def test_idle_workers_exit_by_themselves():
    out = run_script("""
    import time
    assert w.search(TEXT, "is", threads=3) == WANT
    assert w._word_count._pool_workers() == 2
    # Poll (no time assert): the idle time is 2 s here (0.2 s let a stall
    # of the test between a count and the check above make the workers
    # leave first), the bound generous.
    deadline = time.monotonic() + 60
    while (w._word_count._pool_workers() or threads_now() > 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert w._word_count._pool_workers() == 0
    n, caught = fork_clean()
    assert n == 1, n
    assert caught == [], caught
    assert w.search(TEXT, "is", threads=2) == WANT
    assert w._word_count._pool_workers() == 1
    print("ok")
    """, env={"WORD_COUNT_POOL_IDLE": "2"})
    assert out.strip() == "ok"


def test_idle_never_keeps_workers():
    out = run_script("""
    import time
    assert w.search(TEXT, "is", threads=2) == WANT
    time.sleep(0.5)
    print(w._word_count._pool_workers())
    """, env={"WORD_COUNT_POOL_IDLE": "inf"})
    assert out.strip() == "1"


def test_shutdown_pool_while_other_threads_count():
    """shutdown_pool() while other threads count in parallel: it waits for
    the workers to leave their tasks, and every count stays right."""
    out = run_script("""
    import threading
    stop = threading.Event()
    bad = []
    def counter(threads):
        while not stop.is_set():
            got = w.search(TEXT, "is", threads=threads)
            if got != WANT:
                bad.append(got)
    ts = [threading.Thread(target=counter, args=(k,)) for k in (2, 3, 4)]
    for t in ts:
        t.start()
    for _ in range(200):
        w.shutdown_pool()
    stop.set()
    for t in ts:
        t.join()
    assert bad == [], bad[:5]
    w.shutdown_pool()
    assert w._word_count._pool_workers() == 0
    print("ok")
    """)
    assert out.strip() == "ok"


@pytest.mark.parametrize("call", ["frequencies", "count_many", "search-unicode"])
def test_shutdown_pool_does_not_wait_for_other_counts(call):
    """shutdown_pool() while another thread counts a large text on 2 threads:
    its worker leaves at its next span and the count's caller does the rest,
    so shutdown_pool() returns at once (it waited until the whole text was
    counted: Ctrl-C was seen 30 s late on 16 GiB).  The count is
    then stopped: it had read less than a quarter of the 112 GiB (7 MiB of
    memory mapped 16,384 times) when it saw the stop.  Progress is reported
    every 0.1 s, so the stop is seen about 0.2 s into the count: 2.0 GB on
    CI's machine, where an eighth of 14 GiB (1.75 GiB) failed; a quarter of
    112 GiB leaves room for a machine 14 times as fast.  With the old wait
    the whole text is counted before shutdown_pool() returns."""
    out = run_script("""
    import sys, threading
    sys.path.insert(0, %r)
    from helpers import mapped_text
    block = b"Alpha beta is\\n" * (8 << 20 >> 4)
    text, _ = mapped_text(block, 16384)
    started, stop, seen = threading.Event(), threading.Event(), []
    class Stop(Exception):
        pass
    def progress(done, total):
        seen.append(done)
        if done > 0:  # under way, its worker inside the job
            started.set()
        if stop.is_set():
            raise Stop
    calls = {"frequencies": lambda: w.frequencies(text, threads=2, progress=progress),
             "count_many": lambda: w.count_many(text, [b"is", b"x"], threads=2,
                                                progress=progress),
             "search-unicode": lambda: w.search(text, b"is", words="unicode", threads=2,
                                                progress=progress)}
    def count():
        try:
            calls[%r]()
        except Stop:
            pass
    t = threading.Thread(target=count)
    t.start()
    assert started.wait(60)
    w.shutdown_pool()
    stop.set()
    t.join()
    assert seen[-1] < len(text) // 4, (seen[-1], len(text))
    assert w._word_count._pool_workers() == 0
    print("ok")
    """ % (os.path.dirname(os.path.abspath(__file__)), call))
    assert out.strip() == "ok"


def test_shutdown_pool_is_public():
    assert "shutdown_pool" in word_count.__all__
    word_count.shutdown_pool()
    assert word_count._word_count._pool_workers() == 0
