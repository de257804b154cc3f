#!/usr/bin/env python3
"""The last table of `make bench`: every target of the four benchmark
scripts, with what was measured and PASS or MISS.

Each script appends its targets to the results file (one JSON object a line:
script, what, goal, measured, verdict; harness.target) when WC_BENCH_RESULTS
names it; this prints them in one table of at most 100 columns, then the
files the run wrote and, given --start (a Unix time), how long it took.

    python benchmarks/summary.py RESULTS.jsonl [--start SECONDS] [--plot FILE.png]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time

WIDTH = 100


def say(text: str) -> None:
    print(textwrap.fill(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False,
                        break_long_words=True))


def rows_of(path: str) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def label(r: dict) -> str:
    return r["what"] if r["goal"] == "-" else f"{r['what']} ({r['goal']})"


def render(rows: list[dict]) -> list[str]:
    """The table: script | target | measured | verdict, cells wrapped so that
    no line is wider than WIDTH."""
    heads = ("script", "target", "measured", "")
    w_script = max([len(h) for h in heads[:1]] + [len(r["script"]) for r in rows])
    w_verdict = 4
    room = WIDTH - w_script - w_verdict - 6  # three 2-space gaps
    w_what = min(max(len(label(r)) for r in rows), room * 3 // 5)
    w_meas = room - w_what
    out = [f"{'script':<{w_script}}  {'target':<{w_what}}  {'measured':<{w_meas}}  "
           f"{'':<{w_verdict}}".rstrip(), "-" * WIDTH]
    for r in rows:
        what = textwrap.wrap(label(r), w_what) or [""]
        meas = textwrap.wrap(r["measured"], w_meas) or [""]
        for i in range(max(len(what), len(meas))):
            cells = (r["script"] if i == 0 else "", what[i] if i < len(what) else "",
                     meas[i] if i < len(meas) else "", r["verdict"] if i == 0 else "")
            out.append(f"{cells[0]:<{w_script}}  {cells[1]:<{w_what}}  "
                       f"{cells[2]:<{w_meas}}  {cells[3]:<{w_verdict}}".rstrip())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--start", type=float, help="the run's start, in seconds since the epoch")
    ap.add_argument("--plot", help="the scaling plot's path, named if it was written")
    args = ap.parse_args(argv)
    rows = rows_of(args.results)
    print()
    print(" summary: every target of this run ".center(WIDTH, "="))
    if not rows:
        print(f"no targets were recorded in {args.results}")
    else:
        for line in render(rows):
            print(line)
        n = {v: sum(r["verdict"] == v for r in rows) for v in ("PASS", "MISS")}
        print("-" * WIDTH)
        print(f"{n['PASS']} PASS, {n['MISS']} MISS, {len(rows) - n['PASS'] - n['MISS']} "
              "without a target; a benchmark reports, it never fails on a MISS")
    if args.plot:
        if os.path.exists(args.plot):
            say(f"scaling plot: {args.plot}")
        else:
            say(f"scaling plot: not written ({args.plot}: see the scaling section)")
    say(f"results: {args.results}")
    if args.start is not None:
        took = time.time() - args.start
        print(f"make bench took {took // 60:.0f} min {took % 60:02.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
