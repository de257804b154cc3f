"""A small timing harness that prints tables in the style of pytest-benchmark.

Each row is timed in rounds of one call (after a warm-up call whose result is
checked against the expected count), for at least `min_rounds` rounds and
about `max_time` seconds: `run_row` times one row, `run_rows` the rows of a
table in turns (so that they share the machine's changing load).  The table
gives min, max, mean, stddev, median, IQR, operations per second and rounds,
each time figure followed by its ratio to the fastest row's, as
pytest-benchmark does, and GB/s (from the median) for rows that set `nbytes`.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Optional


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
    finally:
        if gc_was:
            gc.enable()
    return row


def run_rows(rows: list, min_rounds: int = 5, max_time: float = 1.0,
             time_slice: float = 0.05, max_rounds: int = 100_000) -> list:
    """Time several rows in turns, `time_slice` seconds each, until each has
    had about `max_time` seconds and `min_rounds` rounds (a row's own
    `min_rounds`, if set, wins).  On a shared machine the load changes during
    a run; taking turns lets every row see the same load, so that the ratios
    between rows (the targets) are fair even when the absolute times are not.
    """
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
    finally:
        if gc_was:
            gc.enable()
    return rows


def _unit(seconds: float) -> tuple[str, float]:
    for name, scale in (("s", 1.0), ("ms", 1e3), ("us", 1e6), ("ns", 1e9)):
        if seconds * scale >= 1.0:
            return name, scale
    return "ns", 1e9


def table(rows: list[Row], title: str) -> str:
    stats = [r.stats for r in rows]
    fastest = {k: min(s[k] for s in stats) for k in stats[0]}
    unit, scale = _unit(min(s["min"] for s in stats))
    ops_best = 1.0 / fastest["mean"]
    keys = ["min", "max", "mean", "stddev", "median", "iqr"]
    heads = ["Min", "Max", "Mean", "StdDev", "Median", "IQR"]
    name_w = max(len(r.name) for r in rows) + 2
    cols = []
    for k in keys:
        col = []
        for s in stats:
            rel = s[k] / fastest[k] if fastest[k] > 0 else 1.0
            col.append(f"{s[k] * scale:,.4f} ({rel:.2f})")
        cols.append(col)
    ops = [f"{1.0 / s['mean']:,.4f} ({(1.0 / s['mean']) / ops_best:.2f})" for s in stats]
    gbs = [f"{r.nbytes / s['median'] / 1e9:,.2f}" if r.nbytes else "" for r, s in zip(rows, stats)]
    rounds = [str(len(r.times)) for r in rows]
    all_cols = cols + [ops, rounds] + ([gbs] if any(gbs) else [])
    all_heads = heads + ["OPS", "Rounds"] + (["GB/s"] if any(gbs) else [])
    widths = [max(len(h), max(len(c) for c in col)) + 2 for h, col in zip(all_heads, all_cols)]
    header = f"{'Name (time in ' + unit + ')':<{name_w}}" + "".join(
        f"{h:>{w}}" for h, w in zip(all_heads, widths))
    width = len(header)
    lines = [f" {title} ".center(width, "-"), header, "-" * width]
    for i, r in enumerate(rows):
        lines.append(f"{r.name:<{name_w}}" + "".join(
            f"{col[i]:>{w}}" for col, w in zip(all_cols, widths)))
    lines.append("-" * width)
    return "\n".join(lines)


def median(row: Row) -> float:
    return row.stats["median"]


def verdict(ok: bool) -> str:
    """A target's outcome, as the summary lines print it (reported, never asserted)."""
    return "PASS" if ok else "MISS"
