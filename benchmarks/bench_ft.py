#!/usr/bin/env python3
"""The seed's benchmark on free-threaded Python (and the same rows on the GIL
build, to compare): `make bench-ft` runs it on both.

Rows:
  seed      the seed's four rows (bench.py's seed_rows: the Zen x 1000,
            needle "is").
  threads   search_sequential, which never releases the GIL, on the 858 MB
            text (the Zen x 1,000,000 as an ASCII str; --quick: x 100,000):
            one call on 1 Python thread against one call on each of 2
            (ways.PythonThreads: persistent threads, one barrier).  With the
            GIL the two calls take turns (about 2x); free-threaded they run
            side by side (target <= 1.3x).
  executor  a ThreadPoolExecutor(2).map of search_sequential over many
            small texts (1,000 texts of the Zen x 100, 86 KB each; --quick:
            200) against a plain loop.

A benchmark reports, it does not assert: the summary line prints PASS or MISS
against the target.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
import ways  # noqa: E402
from bench import seed_rows  # noqa: E402
from harness import Row, median, run_rows, table, target, verdict  # noqa: E402

REPEAT = 1_000_000  # 858 MB
QUICK_REPEAT = 100_000  # 86 MB


def gil_state() -> str:
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return "GIL build"
    return "free-threaded, GIL " + ("ON" if sys._is_gil_enabled() else "off")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="an 86 MB text and fewer rounds")
    args = ap.parse_args(argv)
    max_time = 0.25 if args.quick else 1.0
    print(f"Python {platform.python_version()} ({gil_state()}), "
          f"{word_count.available_cpus()} usable CPUs, kernel {word_count.kernel()}")

    text, needle = word_count.default_text(), word_count.DEFAULT_NEEDLE
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = run_rows(seed_rows(text, needle, word_count.DEFAULT_COUNT, pool),
                        min_rounds=5, max_time=max_time)
    print(table(rows, "seed workload: Zen of Python x 1000, needle 'is'"))

    repeat = QUICK_REPEAT if args.quick else REPEAT
    big = word_count.ZEN * repeat
    count = word_count.search_py(word_count.ZEN, "is") * repeat
    f = word_count.search_sequential
    with ways.PythonThreads(1) as one, ways.PythonThreads(2) as two:
        rows = run_rows([
            Row("search_sequential, 1 Python thread", lambda: one.run(f, big, "is"), count),
            Row("search_sequential, 2 Python threads (1 call each)",
                lambda: two.run(f, big, "is"), 2 * count),
        ], min_rounds=3, max_time=max_time * 4)
    print(table(rows, f"search_sequential on the Zen x {repeat:,} "
                f"({len(big) / 1e6:,.0f} MB str) from Python threads"))
    med = {r.name: median(r) for r in rows}
    ratio = (med["search_sequential, 2 Python threads (1 call each)"]
             / med["search_sequential, 1 Python thread"])
    del big

    # Many texts of 86 KB (the Zen x 100), each counted by one call.
    small = [word_count.ZEN * 100] * (200 if args.quick else 1000)
    small_count = word_count.search_py(word_count.ZEN, "is") * 100 * len(small)
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = run_rows([
            Row(f"loop over {len(small):,} small texts",
                lambda: sum(f(s, "is") for s in small), small_count),
            Row("ThreadPoolExecutor(2).map",
                lambda: sum(pool.map(f, small, ["is"] * len(small))),
                small_count),
        ], min_rounds=5, max_time=max_time)
    print(table(rows, f"{len(small):,} texts of 86 KB: search_sequential"))
    med2 = {r.name: median(r) for r in rows}
    speedup = med2[f"loop over {len(small):,} small texts"] / med2["ThreadPoolExecutor(2).map"]

    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    goal = "<= 1.3x" if ft else "about 2x with the GIL"
    # One line to compare the builds by.
    print(f"summary ({gil_state()}): two search_sequential calls on 2 threads take "
          f"{ratio:.2f}x the time of one on 1 ({goal}"
          + (f": {verdict(ratio <= 1.3)}" if ft else "")
          + f"); the executor map over small texts is {speedup:.2f}x the loop's speed")
    # Into make bench's summary table (the results file, when there is one).
    build = "3.13t, GIL off" if ft else "GIL build"
    target("bench_ft", f"{build}: 2 threads x 1 search_sequential vs 1 x 1",
           "<= 1.3x" if ft else "-", f"{ratio:.2f}x", ratio <= 1.3 if ft else None)
    target("bench_ft", f"{build}: ThreadPoolExecutor(2).map vs a loop", "-",
           f"{speedup:.2f}x", None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
