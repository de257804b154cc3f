"""Ctrl-C: SIGINT during a long file or stream count raises KeyboardInterrupt
soon after, leaves the pool able to count (every worker free: a count on
all threads right after is right), and the next call works; repeated in
one process for each kind of input."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(300)

SCRIPT = r"""
import os, signal, sys, threading, time
import word_count as w
kind, path = sys.argv[1], sys.argv[2]
text = w.ZEN * 800
want = int(sys.argv[3])
delays = []
for rep in range(3):
    fire = []
    def kill():
        fire.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(0.3, kill).start()
    try:
        if kind == "file":
            w.search_file(path, "x")
        elif kind == "stream-fd":
            with open(path, "rb") as f:
                w.search_stream(f, "x")
        else:  # a stream without fileno(): read() in blocks
            class Slow:
                def read(self, n):
                    return (b"x " * (n // 2 + 1))[:n]
            w.search_stream(Slow(), "x")
    except KeyboardInterrupt:
        delays.append(time.monotonic() - fire[0])
    else:
        sys.exit("not interrupted")
    # The pool is free and counts right on every thread.
    assert w.search(text, "is", threads=w.default_threads()) == want
    assert w.search_file("/proc/self/status", "kB") > 0
print(" ".join(f"{d:.3f}" for d in delays))
"""


@pytest.mark.parametrize("kind", ["file", "stream-fd", "stream-read"])
def test_sigint_during_long_count_repeated(tmp_path, kind):
    from helpers import reference_count
    import word_count
    path = tmp_path / "sparse"
    if kind == "file":
        with open(path, "wb") as f:
            f.truncate(1 << 40)  # 1 TiB of holes: minutes to count
    else:
        path = "/dev/zero"
    want = reference_count(word_count.ZEN * 800, "is")
    r = subprocess.run([sys.executable, "-c", SCRIPT, kind, str(path), str(want)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    delays = [float(d) for d in r.stdout.split()]
    print(f"{kind}: KeyboardInterrupt {delays} s after SIGINT")
    assert len(delays) == 3
    # The issue asks for one second; the bound is wider for loaded CI machines.
    assert max(delays) < 5.0


# In-memory counts (count_many, frequencies, search with words= or casefold=)
# have no cancel point: the core runs the count to its end, with the GIL
# released, and CPython raises KeyboardInterrupt as soon as the call returns
# (the result is dropped).  So Ctrl-C waits for at most one call, which takes
# about as long as reading the text once (tens of ms for these 17 MB).  What
# is tested: the interrupt is never lost, it comes out of the loop of calls,
# the pool is free after it and the next calls are right.
MEMORY_SCRIPT = r"""
import os, signal, sys, threading, time
sys.path.insert(0, sys.argv[2])
from reliability import CALLS, expected
import word_count as w
name = sys.argv[1]
fn = CALLS[name]
big = w.ZEN * 20000
small = w.ZEN * 400
delays = []
for rep in range(3):
    fire = []
    def kill():
        fire.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(0.05, kill).start()
    calls = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fn(big, "is", w.default_threads())
            calls += 1
    except KeyboardInterrupt:
        delays.append(time.monotonic() - fire[0])
    else:
        sys.exit("the interrupt was lost")
    # The pool is free and counts right on every thread, by this function too.
    assert fn(small, "Now", w.default_threads()) == expected(name, small, "Now")
    assert w.search(small, "is", threads=w.default_threads()) == expected("search", small, "is")
print(" ".join(f"{d:.3f}" for d in delays))
"""


@pytest.mark.parametrize("name", ["count_many", "search-unicode", "frequencies",
                                  "frequencies-unicode-casefold"])
def test_sigint_during_in_memory_word_counts(name):
    import os
    tests = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, name, tests],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    delays = [float(d) for d in r.stdout.split()]
    print(f"{name}: KeyboardInterrupt {delays} s after SIGINT")
    assert len(delays) == 3
