"""The benchmark's other ways of counting (benchmarks/ways.py) against the
independent reference (tests/python/helpers.py): they must count what
word_count counts, or the comparison in `make bench` means nothing.

Run: .venv/bin/python -m pytest benchmarks/test_ways.py  (no timing here)
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from hypothesis import given, settings, strategies as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
import ways  # noqa: E402
from helpers import reference_count  # noqa: E402  (tests/python, on pytest's pythonpath)

# The vectors, and cases aimed at each rule the one-liners restate.
VECTORS = [
    ("is is\nis", "is"), ("is\r\n", "is"), ("is\r", "is"), ("is\r", "is\r"),
    ("is\r\r\n", "is\r"), ("a\r\nb\r", "b"), ("", ""), ("\n", ""), ("a\n\n", ""),
    (" ", ""), ("a  b", ""), ("is\x0bis", "is"), ("is\tis", "is"), ("é is é", "é"),
    ("is\n", "is"), ("\r\n\r\n", ""), ("a b", "a b"), ("a\nb", "a\nb"),
    ("is\r\nis\r", "is\r"), ("\r\r\n", "\r"), ("\r\n", "\r"), ("a\r b", "a\r"),
    ("x.is is", "x.is"), ("a+ a+", "a+"), ("\n\n", ""), ("\r", ""), ("\r", "\r"),
    ("\ud800 \ud800", "\ud800"), ("😀 😀\r\n😀", "😀"), ("is\u2028is", "is"),
]

EXACT = {
    "count_re": ways.count_re,
    "count_split": ways.count_split,
}

ALPHABET = st.sampled_from([" ", " ", "\n", "\r", "\r\n", "\t", "\x0b", "\x85",
                            "\u2028", "é", "😀", "a", "is", "is", ".", "+"])
TEXTS = st.lists(ALPHABET, max_size=60).map("".join)
NEEDLES = st.sampled_from(["is", "", "a", "\r", "is\r", "a.", ".", "é", "😀", "a b", "+"])


def kinds(text: str, needle: str):
    yield text, needle
    if "\ud800" not in text:
        yield text.encode(), needle.encode()


@pytest.mark.parametrize("name", sorted(EXACT))
@pytest.mark.parametrize("text,needle", VECTORS)
def test_exact_one_liners_vectors(name, text, needle):
    for t, n in kinds(text, needle):
        assert EXACT[name](t, n) == reference_count(t, n), (t, n)


@pytest.mark.parametrize("name", sorted(EXACT))
@settings(max_examples=300)
@given(text=TEXTS, needle=NEEDLES)
def test_exact_one_liners_random(name, text, needle):
    for t, n in kinds(text, needle):
        assert EXACT[name](t, n) == reference_count(t, n), (t, n)


def test_split_whitespace_is_not_exact_but_matches_on_zen():
    """The popular one-liner is labelled "this text only" for a reason."""
    assert ways.count_split_whitespace("is\tis", "is") != reference_count("is\tis", "is")
    zen = word_count.default_text(3)
    assert ways.count_split_whitespace(zen, "is") == reference_count(zen, "is")


@settings(max_examples=300)
@given(text=TEXTS, needle=NEEDLES, n=st.integers(1, 9))
def test_line_chunks_add_up(text, needle, n):
    for t, nd in kinds(text, needle):
        chunks = ways.line_chunks(t, n)
        assert t[:0].join(chunks) == t
        assert 1 <= len(chunks) <= n or (not t and chunks == [])
        assert all(c.endswith(t[:0] + ("\n" if isinstance(t, str) else b"\n"))
                   for c in chunks[:-1])
        assert sum(reference_count(c, nd) for c in chunks) == reference_count(t, nd)


def test_line_chunks_balance():
    zen = word_count.default_text(100)
    chunks = ways.line_chunks(zen, 4)
    assert len(chunks) == 4
    assert max(map(len, chunks)) - min(map(len, chunks)) < 200  # a Zen line or two


def test_chunked_pools_count_the_whole():
    text = word_count.default_text(20) + "is\r\nis\r"
    want = reference_count(text, "is")
    with ThreadPoolExecutor(2) as ex:
        assert ways.count_threads(ex, word_count.search_py, text, "is", 3) == want
        assert ways.count_threads(ex, word_count.search_sequential_allow_threads,
                                  text, "is", 3) == want
    with multiprocessing.Pool(2) as pool:
        assert ways.count_pool(pool, text, "is", 2) == want
    with ProcessPoolExecutor(2) as ex:
        assert ways.count_executor(ex, text, "is", 2) == want
    assert ways.count_pool_with_startup(2, text, "is") == want
    assert ways.count_executor_with_startup(2, text, "is") == want


def test_python_threads_run_every_call_on_their_own_threads():
    import threading

    text = word_count.default_text(5) + "is\r\n"
    want = reference_count(text, "is")
    seen = []
    lock = threading.Lock()

    def count(t, n):
        with lock:
            seen.append(threading.get_ident())
        return word_count.search_sequential_allow_threads(t, n)

    with ways.PythonThreads(2) as workers:
        assert workers.run(count, text, "is") == 2 * want
        assert workers.run(count, text, "is", calls=3) == 6 * want
        assert sorted(set(seen)) == sorted(workers.idents)
        assert threading.get_ident() not in seen and len(set(workers.idents)) == 2
        assert seen.count(workers.idents[0]) == seen.count(workers.idents[1]) == 4
    with ways.PythonThreads(1) as one:
        assert one.run(word_count.search_sequential_allow_threads, text, "is",
                       calls=2) == 2 * want


def test_python_threads_report_errors_and_refuse_after_close():
    workers = ways.PythonThreads(2)
    with pytest.raises(TypeError):
        workers.run(word_count.search_sequential_allow_threads, 1, "is")
    assert workers.run(len, "abc") == 6  # still usable after an error
    with pytest.raises(ValueError):
        workers.run(len, "abc", calls=0)
    workers.close()
    workers.close()  # twice is harmless
    assert not any(t.is_alive() for t in workers._threads)
    with pytest.raises(RuntimeError):
        workers.run(len, "abc")
    with pytest.raises(ValueError):
        ways.PythonThreads(0)


# -- The arithmetic of the scaling section and of threshold.py, on synthetic
# timings whose answer is known.

def test_amdahl_recovers_the_serial_fraction():
    import bench

    for f in (0.0, 0.05, 0.3, 1.0):
        ns = [1, 2, 3, 4, 8]
        speedups = [1 / (f + (1 - f) / n) for n in ns]
        assert bench.amdahl_f(1, 1.0) is None
        for n, s in zip(ns[1:], speedups[1:]):
            assert bench.amdahl_f(n, s) == pytest.approx(f, abs=1e-12)
        assert bench.amdahl_fit(ns, speedups) == pytest.approx(f, abs=1e-12)
    # Noisy points: the fit lies between the per-n values.
    ns, speedups = [1, 2, 4], [1.0, 1.8, 2.9]
    per_n = [bench.amdahl_f(n, s) for n, s in zip(ns[1:], speedups[1:])]
    assert min(per_n) < bench.amdahl_fit(ns, speedups) < max(per_n)


def test_threshold_crossover_of_known_lines():
    import threshold

    sizes = [4096 * 2 ** k for k in range(11)]
    # One thread: 1 us + 8 GB/s; two threads: 6 us + 16 GB/s (only from the
    # threshold on; below it, one thread either way).  They cross at 80,000 B.
    thr = 256 * 1024
    t1 = [1e-6 + n / 8e9 for n in sizes]
    tp = [6e-6 + n / 16e9 if n >= thr else 1e-6 + n / 8e9 for n in sizes]
    measured, estimated, _, _ = threshold.crossover(sizes, t1, tp, thr)
    assert measured == thr
    assert estimated == pytest.approx(80_000, rel=1e-6)
    # A pool slower than one thread everywhere: no crossover at all.
    slow = [2 * t for t in t1]
    measured, estimated, _, _ = threshold.crossover(sizes, t1, slow, thr)
    assert measured is None and estimated is None


def test_bench_seed_section_runs_and_reports_every_target(tmp_path):
    """`make bench`'s seed section, very short: every row's count is checked
    before it is timed (a wrong count raises), each target gets a verdict in
    the results file, and no line is wider than 100 characters."""
    import json
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    results = tmp_path / "results.jsonl"
    env = dict(os.environ, WC_BENCH_RESULTS=str(results))
    out = subprocess.run([sys.executable, os.path.join(here, "bench.py"), "--section", "seed",
                          "--max-time", "0.02"], capture_output=True, text=True, timeout=300,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert "search_sequential" in out.stdout and "the two-thread target" in out.stdout
    assert max(map(len, out.stdout.splitlines())) <= 100, out.stdout
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["goal"] for r in rows] == [">= 100x", ">= 50x", "<= 1.3x", "<= 1.3x", "<= 1.3x"]
    assert all(r["verdict"] in ("PASS", "MISS") and r["script"] == "bench seed" for r in rows)
    assert out.stdout.count("PASS") + out.stdout.count("MISS") == 5
