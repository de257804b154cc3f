"""Ctrl-C: SIGINT during a long file, stream or in-memory word count raises
KeyboardInterrupt soon after, leaves the pool able to count (every worker
free: a count on all threads right after is right), and the next call works;
repeated in one process for each kind of input."""

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


# In-memory word counts (count_many, frequencies, search with words= or
# casefold=) run with the GIL released, and the calling thread takes it back
# between spans of about 1 MiB, at most every 0.1 s, to run the signal
# handlers: Ctrl-C stops the count.  The text is 1 TiB that would take
# minutes to count: one 32 MiB block of a file mapped 32,768 times, end to
# end, into one reserved range of addresses (32 MiB of memory, whatever the
# size), seen as a memoryview.  That the call did not complete is shown by
# what it read: the pages of the range that were touched (its Rss in
# /proc/self/smaps), less than a quarter of the text.  (64 GiB was too
# little once unicode mode's needles got SIMD kernels: search(words=
# "unicode") read 4.36 GB of it in the 0.3 s before the signal and the
# stop; with 256 GiB and a bound of a sixteenth, count_many read up to 3.9
# GiB here, about half the bound on a machine twice as fast as this one.
# A count that does not stop reads all of it, so the bound does not need to
# be tight.)
MEMORY_SCRIPT = r"""
import ctypes, os, signal, sys, threading, time
sys.path.insert(0, sys.argv[2])
from helpers import mapped_text
from reliability import CALLS, expected
import word_count as w
name = sys.argv[1]
fn = CALLS[name]

BLOCK_SIZE, COPIES = 32 << 20, 32768
unit = w.ZEN + "Straße İSTANBUL naïve NAÏVE Σίσυφος ΣΊΣΥΦΟΣ\n"
data = (unit.encode() * (BLOCK_SIZE // len(unit.encode()) + 1))[:BLOCK_SIZE]
data = data[:data.rindex(b"\n") + 1]
data += b"\n" * (BLOCK_SIZE - len(data))  # no word crosses a block's end

text, base = mapped_text(data, COPIES)
total = BLOCK_SIZE * COPIES
libc = ctypes.CDLL(None, use_errno=True)
libc.munmap.argtypes = libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.madvise.argtypes += [ctypes.c_int]
MADV_DONTNEED = 4
assert len(text) == total and text[:len(data)] == data and text[-1:] == b"\n"

def touched():
    # Bytes of the text's pages mapped (what the count has read).
    n, inside = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split(None, 1)[0]
            if "-" in head:
                lo = int(head.split("-")[0], 16)
                inside = base <= lo < base + total
            elif inside and head == "Rss:":
                n += int(line.split()[1]) * 1024
    return n

small_str = unit * 300 + "Now is  now\r\n"
small_bytes = small_str.encode()
delays, read = [], []
for threads in (w.default_threads(), 1, 3):
    fire = []
    def kill():
        fire.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)
    timer = threading.Timer(0.3, kill)
    timer.start()
    try:
        fn(text, b"is", threads)
    except KeyboardInterrupt:
        delays.append(time.monotonic() - fire[0])
    else:
        sys.exit("not interrupted")
    timer.join()
    read.append(touched())
    # The call stopped early: it read a small part of the text.
    assert read[-1] < total // 4, (read[-1], total)
    assert libc.madvise(base, total, MADV_DONTNEED) == 0  # unmap what it read
    # The pool is free and counts right on every thread, by this function too.
    for small, needle in ((small_str, "Now"), (small_bytes, b"is"),
                          (small_str, "naïve")):
        assert fn(small, needle, w.default_threads()) == expected(name, small, needle)
    assert w.search(small_str, "is", threads=w.default_threads()) == expected("search", small_str, "is")
del text
libc.munmap(base, total)
print(" ".join(f"{d:.3f}" for d in delays))
print(" ".join(str(r) for r in read))
"""


@pytest.mark.parametrize("name", ["count_many", "count_many-unicode", "search-unicode",
                                  "search-casefold", "frequencies",
                                  "frequencies-unicode-casefold"])
def test_sigint_during_in_memory_word_counts(name):
    import os
    tests = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, name, tests],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.split("\n")
    delays = [float(d) for d in lines[0].split()]
    read = [int(n) for n in lines[1].split()]
    print(f"{name}: KeyboardInterrupt {delays} s after SIGINT; "
          f"{[round(n / 2**20) for n in read]} MiB of the 1 TiB text read")
    assert len(delays) == 3
    assert max(delays) < 5.0
