"""A small timing harness that prints tables in the style of pytest-benchmark.

Each row is timed in rounds of one call (after a warm-up call whose result is
checked against the expected count), for at least `min_rounds` rounds and
about `max_time` seconds: `run_row` times one row, `run_rows` the rows of a
table in turns (so that they share the machine's changing load).  The table
gives min, max, mean, stddev, median, IQR, operations per second and rounds,
the median's ratio to the fastest row's, and GB/s (from the median) for rows
that set `nbytes`, in at most WIDTH (100) columns.

While a row is timed for more than a second, a progress line on standard
error (rewritten in place with "\\r", only on a terminal or with
BENCH_PROGRESS=1) says which row and how many rounds.  `target` prints a
target's outcome and, when the environment names a results file
(WC_BENCH_RESULTS, set by `make bench`), appends it there as one JSON line,
for benchmarks/summary.py's table at the end of the run.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import textwrap
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

WIDTH = 100  # the widest line a benchmark prints
NAME_MAX = 46  # the widest row name in a table; longer names are cut with "~"
RESULTS_ENV = "WC_BENCH_RESULTS"


class Progress:
    """One status line on standard error, rewritten in place ("\\r"), shown
    only where a person sees it (a terminal, or BENCH_PROGRESS=1): `make
    bench` piped to a file keeps clean lines."""

    def __init__(self) -> None:
        self.on = os.environ.get("BENCH_PROGRESS", "") == "1" or (
            os.environ.get("BENCH_PROGRESS", "") != "0" and sys.stderr.isatty())
        self._shown = 0

    def show(self, text: str) -> None:
        if not self.on:
            return
        text = text[:WIDTH - 1]
        sys.stderr.write("\r" + text.ljust(self._shown))
        sys.stderr.flush()
        self._shown = len(text)

    def clear(self) -> None:
        if self.on and self._shown:
            sys.stderr.write("\r" + " " * self._shown + "\r")
            sys.stderr.flush()
        self._shown = 0


progress = Progress()


class _Ticker:
    """Progress for one timed row: shown from its first second on, refreshed
    at most twice a second."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.t0 = self.last = time.perf_counter()
        progress.show(f"  timing {name} ...")

    def tick(self, rounds: int) -> None:
        now = time.perf_counter()
        if now - self.last >= 0.5:
            self.last = now
            progress.show(f"  timing {self.name}: {rounds} rounds, {now - self.t0:.0f} s")


@dataclass
class Row:
    name: str
    fn: Callable[[], object]
    expected: Optional[object] = None
    times: list = field(default_factory=list)
    nbytes: int = 0  # for a GB/s column; 0: none
    min_rounds: int = 0  # run_rows: this row's minimum rounds; 0: the call's

    @property
    def stats(self) -> dict:
        t = sorted(self.times)
        q = statistics.quantiles(t, n=4) if len(t) >= 2 else [t[0]] * 3
        return {
            "min": t[0],
            "max": t[-1],
            "mean": statistics.fmean(t),
            "stddev": statistics.stdev(t) if len(t) >= 2 else 0.0,
            "median": statistics.median(t),
            "iqr": q[2] - q[0],
        }


def run_row(row: Row, min_rounds: int = 5, max_time: float = 1.0,
            max_rounds: int = 100_000) -> Row:
    ticker = _Ticker(row.name)
    got = row.fn()  # warm-up, and the check that it counts what it should
    if row.expected is not None and got != row.expected:
        raise AssertionError(f"{row.name}: got {got!r}, expected {row.expected!r}")
    gc_was = gc.isenabled()
    gc.disable()
    try:
        deadline = time.perf_counter() + max_time
        while len(row.times) < max_rounds and (
            len(row.times) < min_rounds or time.perf_counter() < deadline
        ):
            t0 = time.perf_counter()
            row.fn()
            row.times.append(time.perf_counter() - t0)
            ticker.tick(len(row.times))
    finally:
        if gc_was:
            gc.enable()
        progress.clear()
    return row


def run_rows(rows: list, min_rounds: int = 5, max_time: float = 1.0,
             time_slice: float = 0.05, max_rounds: int = 100_000) -> list:
    """Time several rows in turns, `time_slice` seconds each, until each has
    had about `max_time` seconds and `min_rounds` rounds (a row's own
    `min_rounds`, if set, wins).  On a shared machine the load changes during
    a run; taking turns lets every row see the same load, so that the ratios
    between rows (the targets) are fair even when the absolute times are not.
    """
    ticker = _Ticker(rows[0].name if len(rows) == 1 else f"{len(rows)} rows in turns")
    for row in rows:
        got = row.fn()  # warm-up, and the check that it counts what it should
        if row.expected is not None and got != row.expected:
            raise AssertionError(f"{row.name}: got {got!r}, expected {row.expected!r}")
    spent = [0.0] * len(rows)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        while True:
            pending = [i for i, r in enumerate(rows)
                       if len(r.times) < max_rounds and (
                           len(r.times) < (r.min_rounds or min_rounds) or spent[i] < max_time)]
            if not pending:
                break
            for i in pending:
                row = rows[i]
                end = time.perf_counter() + time_slice
                while True:
                    t0 = time.perf_counter()
                    row.fn()
                    t1 = time.perf_counter()
                    row.times.append(t1 - t0)
                    spent[i] += t1 - t0
                    if t1 >= end or len(row.times) >= max_rounds:
                        break
                ticker.tick(sum(len(r.times) for r in rows))
    finally:
        if gc_was:
            gc.enable()
        progress.clear()
    return rows


def _unit(seconds: float) -> tuple[str, float]:
    for name, scale in (("s", 1.0), ("ms", 1e3), ("us", 1e6), ("ns", 1e9)):
        if seconds * scale >= 1.0:
            return name, scale
    return "ns", 1e9


def _num(v: float) -> str:
    """About four significant digits: 68,431 / 113.4 / 47.26 / 2.363."""
    for limit, digits in ((1000, 0), (100, 1), (10, 2)):
        if v >= limit:
            return f"{v:,.{digits}f}"
    return f"{v:.3f}"


def _cut(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[:NAME_MAX - 1] + "~"


def table(rows: list[Row], title: str) -> str:
    """Min, median and IQR (in one unit), the median against the fastest
    row's, rounds, and GB/s for rows that set `nbytes`: about 90 columns."""
    stats = [r.stats for r in rows]
    unit, scale = _unit(min(s["min"] for s in stats))
    best = min(s["median"] for s in stats)
    names = [_cut(r.name) for r in rows]
    heads = ["Min", "Median", "IQR", "vs best", "Rounds"]
    cols = [
        [_num(s["min"] * scale) for s in stats],
        [_num(s["median"] * scale) for s in stats],
        [_num(s["iqr"] * scale) for s in stats],
        [f"{s['median'] / best:,.2f}x" if best > 0 and s["median"] < 1000 * best
         else f"{s['median'] / best:,.0f}x" if best > 0 else "" for s in stats],
        [str(len(r.times)) for r in rows],
    ]
    gbs = [_num(r.nbytes / s["median"] / 1e9) if r.nbytes else "" for r, s in zip(rows, stats)]
    if any(gbs):
        heads.append("GB/s")
        cols.append(gbs)
    name_w = max(len(n) for n in names + [f"Name (time in {unit})"]) + 1
    widths = [max(len(h), max(len(c) for c in col)) + 2 for h, col in zip(heads, cols)]
    header = f"{'Name (time in ' + unit + ')':<{name_w}}" + "".join(
        f"{h:>{w}}" for h, w in zip(heads, widths))
    width = len(header)
    title_w = min(max(width, len(title) + 6), WIDTH)
    title = title if len(title) + 2 <= title_w else title[:title_w - 3] + "~"
    lines = [f" {title} ".center(title_w, "-"), header, "-" * width]
    for i, name in enumerate(names):
        lines.append(f"{name:<{name_w}}" + "".join(
            f"{col[i]:>{w}}" for col, w in zip(cols, widths)))
    lines.append("-" * width)
    return "\n".join(lines)


def say(text: str) -> None:
    """Print a paragraph wrapped to WIDTH columns (continuation lines indented)."""
    print(textwrap.fill(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False))


def median(row: Row) -> float:
    return row.stats["median"]


def verdict(ok: bool) -> str:
    """A target's outcome, as the summary lines print it (reported, never asserted)."""
    return "PASS" if ok else "MISS"


def target(script: str, what: str, goal: str, measured: str, ok: Optional[bool]) -> str:
    """A target's outcome: returned as "what: measured (goal: PASS)" for the
    script's own lines, and appended to the results file if there is one.
    ok=None: reported without a verdict (no target, or not measurable here)."""
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"script": script, "what": what, "goal": goal,
                                "measured": measured,
                                "verdict": "-" if ok is None else verdict(ok)}) + "\n")
    if ok is None:
        return f"{what}: {measured}" + ("" if goal == "-" else f" ({goal})")
    return f"{what}: {measured} ({goal}: {verdict(ok)})"
