#!/usr/bin/env python3
"""`make bench`: the seed's benchmark, and how word_count compares.

The seed's workload is the Zen of Python repeated 1000 times (858,000
characters, shipped as word_count.default_text()), needle "is", count 10,000.
Four rows as in the PyO3 word-count example: the parallel C count, the
sequential one, the sequential GIL-releasing one twice on two Python threads
(count 20,000), and pure Python.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
from harness import Row, run_row, table  # noqa: E402


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> str:
    return (f"{cpu_name()}, {os.cpu_count()} CPUs ({word_count.available_cpus()} usable), "
            f"kernel {word_count.kernel()}, {word_count.default_threads()} threads, "
            f"Python {platform.python_version()}")


def run_sequential_twice(pool: ThreadPoolExecutor, contents: str, needle: str) -> int:
    """Two GIL-releasing sequential counts on two Python threads at once."""
    f1 = pool.submit(word_count.search_sequential_allow_threads, contents, needle)
    f2 = pool.submit(word_count.search_sequential_allow_threads, contents, needle)
    return f1.result() + f2.result()


def seed_rows(text: str, needle: str, count: int, pool: ThreadPoolExecutor) -> list[Row]:
    return [
        Row("C parallel (search)", lambda: word_count.search(text, needle), count),
        Row("C sequential (search_sequential)",
            lambda: word_count.search_sequential(text, needle), count),
        Row("C sequential twice, 2 Python threads",
            lambda: run_sequential_twice(pool, text, needle), 2 * count),
        Row("Python sequential (search_py)", lambda: word_count.search_py(text, needle), count),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-time", type=float, default=1.0,
                    help="seconds to time each row (default 1)")
    args = ap.parse_args(argv)

    print(describe())
    text, needle = word_count.default_text(), word_count.DEFAULT_NEEDLE
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = [run_row(r, max_time=args.max_time)
                for r in seed_rows(text, needle, word_count.DEFAULT_COUNT, pool)]
    print(table(rows, "seed workload: Zen of Python x 1000, needle 'is'"))
    med = {r.name: r.stats["median"] for r in rows}
    py = med["Python sequential (search_py)"]
    print(f"search is {py / med['C parallel (search)']:.0f}x faster than search_py; "
          f"search_sequential {py / med['C sequential (search_sequential)']:.0f}x; "
          f"two threads take {med['C sequential twice, 2 Python threads'] / med['C sequential (search_sequential)']:.2f}x "
          "the time of one sequential call (medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
