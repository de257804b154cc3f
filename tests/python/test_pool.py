"""The thread pool from Python: fork safety, sizes, concurrent callers."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest

import word_count
from helpers import reference_count

# The fork tests fork a process with the pool's workers on purpose (the
# child's count is what they test): 3.12's warning about it is expected.
FORK_WARNING = "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"

TEXT = word_count.default_text() * 3  # past PARALLEL_THRESHOLD: the pool works


def _count_in_child(text: str) -> int:
    return word_count.search(text, "is", threads=2)


@pytest.mark.filterwarnings(FORK_WARNING)
def test_fork_child_after_parent_used_the_pool():
    """A child made by multiprocessing's fork start method, after the parent
    used search (so the parent's pool has workers the child does not
    inherit), gets the right count in time."""
    word_count.shutdown_pool()  # fresh workers (test_lifecycle.py says why)
    assert word_count.search(TEXT, "is", threads=2) == 30_000
    assert word_count._word_count._pool_workers() >= 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        result = pool.map_async(_count_in_child, [TEXT] * 4)
        assert result.get(timeout=60) == [30_000] * 4


@pytest.mark.filterwarnings(FORK_WARNING)
def test_fork_child_with_os_fork():
    assert word_count.search(TEXT, "is", threads=2) == 30_000
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: count, report, leave without cleanup
        try:
            os.write(w, str(word_count.search(TEXT, "is", threads=3)).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        got = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert got == "30000"


@pytest.mark.parametrize("env_threads", ["1", "7"])
def test_semantics_suite_under_thread_counts(env_threads):
    """The vectors and random texts, with WORD_COUNT_THREADS=1 and =7."""
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--import-mode=importlib", "-o", f"pythonpath={here}",
         os.path.join(here, "test_semantics.py")],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "WORD_COUNT_THREADS": env_threads,
             "WC_HYPOTHESIS_EXAMPLES": "60"},
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert " passed" in r.stdout


def test_default_threads_used_by_search():
    r = subprocess.run(
        [sys.executable, "-c",
         "import word_count as w\n"
         "t = w.default_text() * 4\n"
         "assert w.search(t, 'is') == 40000\n"
         "print(w.default_threads(), w._word_count._pool_workers())"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "WORD_COUNT_THREADS": "5"},
    )
    assert r.returncode == 0, r.stderr
    # 5 threads: the caller and 4 workers.
    assert r.stdout.split() == ["5", "4"]


def test_pool_grows_to_the_largest_request():
    text = TEXT * 2
    want = reference_count(word_count.ZEN, "is") * 6000
    word_count.shutdown_pool()  # fresh workers (test_lifecycle.py says why)
    for threads in (1, 2, 7, 3):
        assert word_count.search(text, "is", threads=threads) == want
    assert word_count._word_count._pool_workers() >= 6
