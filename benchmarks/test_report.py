"""How `make bench` reports, without timing anything worth reading: the
tables and the summary stay within 100 columns whatever the names and
figures, targets reach the results file, every script takes --quick, and
the progress line is shown only where a person sees it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import summary  # noqa: E402

SCRIPTS = ("bench.py", "bench_files.py", "bench_freq.py", "bench_dask.py")


def test_table_fits_100_columns_with_long_names_and_slow_rows():
    rows = [harness.Row("a very long row name " * 5, lambda: None, nbytes=10**9),
            harness.Row("fast", lambda: None, nbytes=10**9)]
    rows[0].times = [0.123456, 0.170, 0.0995]  # seconds: printed in us below
    rows[1].times = [1e-5, 2e-5, 3e-5]
    text = harness.table(rows, "a title longer than the table itself " * 3)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 100, text
    assert "~" in lines[3]  # the long name was cut, visibly
    assert "99,500 " in text and "123,456 " in text  # us, to four or more digits
    assert "6,173x" in text  # median against the fastest


def test_target_writes_one_json_line_and_returns_the_verdict(tmp_path, monkeypatch):
    path = tmp_path / "r.jsonl"
    monkeypatch.setenv(harness.RESULTS_ENV, str(path))
    assert harness.target("s", "speed", ">= 10x", "12x", True) == "speed: 12x (>= 10x: PASS)"
    assert harness.target("s", "slow", ">= 10x", "2x", False) == "slow: 2x (>= 10x: MISS)"
    assert harness.target("s", "note", "-", "3 MiB", None) == "note: 3 MiB"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["verdict"] for r in rows] == ["PASS", "MISS", "-"]
    monkeypatch.delenv(harness.RESULTS_ENV)
    harness.target("s", "no file", "-", "x", None)  # no results file: printed only
    assert len(path.read_text().splitlines()) == 3


def test_summary_is_one_table_within_100_columns(tmp_path):
    path = tmp_path / "r.jsonl"
    rows = [{"script": "bench_freq", "what": "a target with a long description " * 3,
             "goal": ">= 10x", "measured": "13.4x, measured on a long corpus " * 2,
             "verdict": "PASS"},
            {"script": "bench big", "what": "search on bytes", "goal": ">= 15 GB/s",
             "measured": "8.0 GB/s", "verdict": "MISS"},
            {"script": "bench_dask", "what": "Dask", "goal": "-", "measured": "1 GB/s",
             "verdict": "-"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = subprocess.run([sys.executable, os.path.join(HERE, "summary.py"), str(path),
                          "--start", str(time.time() - 125), "--plot", str(tmp_path / "none.png")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(map(len, lines)) <= 100, out.stdout
    assert "1 PASS, 1 MISS, 1 without a target" in out.stdout
    assert any(line.startswith("bench big") and line.endswith("MISS") for line in lines)
    assert "scaling plot: not written" in out.stdout
    assert "make bench took 2 min 0" in out.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_takes_quick(script):
    out = subprocess.run([sys.executable, os.path.join(HERE, script), "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "--quick" in out.stdout


def test_progress_only_on_a_terminal_or_when_asked(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("BENCH_PROGRESS", raising=False)
    p = harness.Progress()  # StringIO is no terminal
    p.show("hidden")
    p.clear()
    assert err.getvalue() == ""
    monkeypatch.setenv("BENCH_PROGRESS", "1")
    p = harness.Progress()
    p.show("timing a row: 3 rounds")
    p.show("short")
    p.clear()
    assert err.getvalue().startswith("\rtiming a row: 3 rounds\rshort")
    assert err.getvalue().endswith("\r") and "\n" not in err.getvalue()


def test_freq_core_rows_pay_for_freeing_their_own_result(monkeypatch):
    """bench_freq_core.measure: the time of freeing a row's result is that
    row's, never the next row's (the high-cardinality rows free Counters
    of 10M keys).  A fake clock: each reading advances it by 1, freeing
    row a's result by 100."""
    import bench_freq_core

    clock = [0.0]

    def now():
        clock[0] += 1
        return clock[0]

    class Result:
        def __del__(self):
            clock[0] += 100

    monkeypatch.setattr(bench_freq_core.time, "perf_counter", now)
    best = bench_freq_core.measure({"a": Result, "b": lambda: None}, rounds=2)
    assert best == {"a": 101, "b": 1}


def test_freq_core_corpora_are_made_once_then_read_back(tmp_path, monkeypatch):
    """bench_freq_core.cached_corpus: the machine's docs change as Debian
    packages come and go, so a corpus is made once, written under the data
    directory and read back the same by later runs; fresh makes it again;
    a temp file of an interrupted write is never taken for the corpus."""
    import bench_freq_core

    calls = []

    def text(n):
        # "\r\n" and characters beyond Latin-1 and the BMP: read back as made.
        return f"caf\u00e9 na\u00efve\r\n\ufffd \U0001d11e word{n}\n" * 3

    def prose(size):
        calls.append(size)
        return text(len(calls))

    monkeypatch.setattr(bench_freq_core, "prose_corpus", prose)
    monkeypatch.setattr(bench_freq_core, "MIN_CORPUS", 10)
    d = str(tmp_path / "data")
    path = os.path.join(d, "freq-prose-1000.txt")

    assert bench_freq_core.cached_corpus("prose", 1000, d) == (text(1), "made", path)
    assert calls == [1000]
    with open(path, "rb") as f:
        assert f.read() == text(1).encode("utf-8")
    assert bench_freq_core.cached_corpus("prose", 1000, d) == (text(1), "reused", path)
    assert calls == [1000]  # read back, not made

    # fresh: made again, the file overwritten.
    assert bench_freq_core.cached_corpus("prose", 1000, d, fresh=True) == (text(2), "made", path)
    assert bench_freq_core.cached_corpus("prose", 1000, d) == (text(2), "reused", path)
    assert len(calls) == 2

    # A write cut short (here at the rename) leaves no file to read: the
    # text went whole to another file of the directory, the name later runs
    # read not yet there.
    def interrupted(src, dst):
        with open(src, "rb") as f:
            assert f.read() == text(3).encode("utf-8")
        assert dst == path and os.path.dirname(src) == d and not os.path.exists(dst)
        raise KeyboardInterrupt

    os.unlink(path)
    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        m.setattr(bench_freq_core.os, "replace", interrupted)
        bench_freq_core.cached_corpus("prose", 1000, d)
    assert os.listdir(d) == []
    # One killed mid-write leaves its truncated temp file: made again.
    with open(path + ".4242.tmp", "wb") as f:
        f.write(text(1).encode("utf-8")[:7])
    assert bench_freq_core.cached_corpus("prose", 1000, d) == (text(4), "made", path)
    assert bench_freq_core.cached_corpus("prose", 1000, d) == (text(4), "reused", path)
    assert len(calls) == 4

    # Unavailable (shorter than MIN_CORPUS): not kept.
    monkeypatch.setattr(bench_freq_core, "MIN_CORPUS", 10**6)
    assert bench_freq_core.cached_corpus("prose", 2000, d) == (text(5), "unavailable", None)
    assert not os.path.exists(os.path.join(d, "freq-prose-2000.txt"))


def test_freq_core_says_the_width_of_each_corpus_str():
    """bench_freq_core.str_width: the bytes a character of a str takes in
    CPython (1, 2 or 4), against the size that sys.getsizeof adds a
    character, the independent measure."""
    import sys

    import bench_freq_core

    for text, want in (("plain ascii", 1), ("caf\xe9 \xff", 1),
                       ("\u0101 dash \u2014", 2), ("lone \ud800", 2),
                       ("\uffff", 2), ("emoji \U0001f600", 4),
                       ("\U000e01ef" + "x" * 50, 4)):
        got = bench_freq_core.str_width(text)
        per = sys.getsizeof(text + "a") - sys.getsizeof(text)
        assert got == want == per, (text, got, want, per)
