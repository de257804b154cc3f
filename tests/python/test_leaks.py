"""Leaks: 100,000 calls of every function, successful and raising, in a
fresh interpreter, keep its resident memory flat after a warm-up.

The bound, RSS_BOUND_KIB, is chosen from measurements (docs/reliability.md,
"Reliability"): the growth measured over the whole run was at most a few
hundred KiB, from the allocator's own bookkeeping, while a leak of one small
object a call (a 32-byte int, a held buffer view) would add 3 MiB or more.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig

import pytest

pytestmark = [
    pytest.mark.timeout(1200),
    pytest.mark.skipif(os.environ.get("WC_SANITIZER") is not None,
                       reason="RSS under a sanitizer's allocator says nothing"),
]

CALLS_PER_FUNCTION = 100_000
RSS_BOUND_KIB = 2048  # 2 MiB: about 21 bytes a call for any one function

SCRIPT = r"""
import array, gc, io, mmap, os, sys
sys.path.insert(0, {tests!r})
from reliability import CALLS, THREADED, IN_MEMORY, TAKES_NEEDLE, DECODES, BLOCK
import word_count

PAGE = os.sysconf("SC_PAGE_SIZE")

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE // 1024

small = BLOCK * 2
inputs = [
    (small, "is"), (small.encode(), b"is"), (bytearray(small.encode()), b"is"),
    (memoryview(small.encode()), memoryview(b"is")), ("\u0101" + small, "is"),
    ("\U0001f600" + small, "\U0001f600"), (small, "\U0001f600"), (small, ""),
    (mmap.mmap(-1, 4096), b"is"),
]
# (contents, needle, threads, what is wrong)
bad = [
    (None, b"is", None, "contents"), (b"is", "is", None, "needle"),
    (b"is", None, None, "needle"), (memoryview(b"is is")[::2], b"is", None, "contents"),
    (array.array("i", [1, 2]), b"is", None, "contents"), ("is", "is", 0, "threads"),
    ("is", "is", 10**30, "threads"), ("is", "is", 2.0, "threads"),
    (b"is \xff is", b"is", None, "utf8"), (b"is is", b"\xe0\x80", None, "utf8-needle"),
]
big = BLOCK * 400  # the pool's path
# Raising calls of the file functions: their own errors.
file_bad = [
    lambda: word_count.search_file("/nonexistent/wc-leak-test", "is"),
    lambda: word_count.search_file("/", "is"),
    lambda: word_count.search_file(3.5, "is"),
    lambda: word_count.search_file("/dev/null", None),
    lambda: word_count.search_stream(object(), "is"),
    lambda: word_count.search_stream(io.BytesIO(b"is"), 7),
]

def run(n):
    for name, fn in CALLS.items():
        threaded = name in THREADED
        wrong = [b for b in bad if (threaded or b[2] is None) and
                 (name in IN_MEMORY or b[1] is None or b[2] is not None) and
                 (name in TAKES_NEEDLE or b[3] not in ("needle", "utf8-needle")) and
                 (name in DECODES or not b[3].startswith("utf8")) and
                 (name.endswith("casefold") or b[3] != "utf8-needle")]
        for k in range(n):
            r = k % 16
            if r < len(inputs):
                text, needle = inputs[r]
                fn(text, needle, (k % 4) + 1 if threaded else None)
            else:
                try:
                    if name in IN_MEMORY or r % 2:
                        text, needle, threads, _ = wrong[r % len(wrong)]
                        fn(text, needle, threads)
                    else:
                        file_bad[r % len(file_bad)]()
                except (TypeError, ValueError, BufferError, OSError, AttributeError):
                    pass
                else:
                    raise AssertionError(f"{{name}} accepted bad input {{r}}")
        for k in range(n // 100):  # large inputs: pool jobs, GIL released
            fn(big, "is", (k % 4) + 1 if threaded else None)

run(10_000)          # warm-up: caches, interned strings, the pool's threads
gc.collect()
for _ in range({batches}):
    before = rss_kib()
    run({n})
    gc.collect()
    after = rss_kib()
    print(before, after, after - before)
"""

# Free-threaded CPython allocates every object with mimalloc, whose
# per-thread heaps keep freed pages for reuse and return them in bursts: over
# 100k calls of each function its RSS rises and falls by 1 to 3 MiB from one
# batch to the next, while the Python memory tracemalloc traces stays flat
# (159 -> 160 KiB over three batches of 30k calls each, 3.13.5t, with RSS
# +1100, +2396, +2320 KiB) and never grows batch after batch.  A leak does:
# one small object a call adds 3 MiB or more to every batch.  So there the
# test runs two batches and bounds the smaller growth.
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
BATCHES = 2 if FREE_THREADED else 1


def test_rss_stays_flat_over_100k_calls_of_every_function():
    tests = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(tests=tests, n=CALLS_PER_FUNCTION,
                                             batches=BATCHES)],
        capture_output=True, text=True, timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    batches = [tuple(map(int, line.split())) for line in r.stdout.splitlines()]
    assert len(batches) == BATCHES, r.stdout
    for before, after, growth in batches:
        print(f"RSS {before} KiB -> {after} KiB (+{growth} KiB) over "
              f"{CALLS_PER_FUNCTION} calls of each function")
    growth = min(g for _, _, g in batches)
    assert growth <= RSS_BOUND_KIB, f"RSS grew by {growth} KiB in every batch"
