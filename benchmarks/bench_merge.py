#!/usr/bin/env python3
"""The words of the pieces of a file gathered and added up, as Dask's tasks
and MPI's ranks send them: Counters against FrequencyArrays.

A file is cut into N line-aligned ranges (word_count._ranges, as the Dask
and MPI front ends cut it); each range is counted by the C core
(count_file_range), its result goes through pickle (what a Dask worker or an
mpi4py gather does to it) and the results are added up in text order, then
the 10 most common are taken:

  Counter   count_file_range -> Counter; pickle.dumps/loads; Counter.update
            (word_count._ranges.merge, what frequencies_files does); most_common
  arrays    count_file_range(arrays=True) -> FrequencyArrays; pickle;
            word_count.merge_arrays (frequencies_files_arrays, and the --top
            of word_count.dask and word_count.mpi); merge_arrays(top=10)

Both are checked against each other and against Counter(data.split()) of
the whole file before timing; the pickled bytes per word are given too.
Corpora: high (random tokens, almost every word distinct: what the arrays
are for) and zipf (bench_freq.py's Zipf corpus: a real vocabulary).  One
thread per range; min of N interleaved rounds.  No target: the figures say
what the arrays save.

    python benchmarks/bench_merge.py [--size-mb 100] [--pieces 16] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import word_count  # noqa: E402
from harness import say, target  # noqa: E402
from word_count._ranges import count_file_range, line_range, merge  # noqa: E402


def ranges(path: str, pieces: int) -> list:
    size = os.path.getsize(path)
    out = []
    with open(path, "rb") as f:
        for k in range(pieces):
            lo, hi = size * k // pieces, size * (k + 1) // pieces
            start, end = line_range(f, lo, hi, size)
            if start < end:
                out.append((start, end))
    return out


def by_counters(path: str, rs: list) -> tuple:
    sent = [pickle.dumps(count_file_range(path, s, e, None, {})) for s, e in rs]
    total = merge(pickle.loads(b) for b in sent)
    return total.most_common(10), sum(map(len, sent)), len(total)


def by_arrays(path: str, rs: list) -> tuple:
    sent = [pickle.dumps(count_file_range(path, s, e, None, {}, arrays=True)) for s, e in rs]
    total = word_count.merge_arrays(pickle.loads(b) for b in sent)
    top = word_count.merge_arrays([total], top=10)
    items = [(top.data[top.offsets[i]:top.offsets[i + 1]], top.counts[i])
             for i in range(len(top.counts))]
    return items, sum(map(len, sent)), len(total.counts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--pieces", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="10 MB, 2 rounds")
    args = ap.parse_args(argv)
    if args.quick:
        args.size_mb, args.rounds = 10, 2
    from bench_freq_core import high_corpus
    from bench_freq import corpus
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    say(f"bench_merge: {args.pieces} pieces, {load}, min of {args.rounds} rounds")
    tmp = tempfile.mkdtemp(prefix="wc-merge-")
    for name in ("high", "zipf"):
        text = (high_corpus(args.size_mb * 1_000_000) if name == "high"
                else corpus(args.size_mb)[0])
        data = text.encode("utf-8")
        del text
        path = os.path.join(tmp, name + ".txt")
        with open(path, "wb") as f:
            f.write(data)
        rs = ranges(path, args.pieces)
        want = Counter(data.split())
        del data
        a = by_arrays(path, rs)
        c = by_counters(path, rs)
        assert a[0] == c[0] == want.most_common(10), name
        assert a[2] == c[2] == len(want), name
        del want
        best = {"Counter": float("inf"), "arrays": float("inf")}
        for _ in range(args.rounds):
            for row, fn in (("Counter", by_counters), ("arrays", by_arrays)):
                t = time.perf_counter()
                fn(path, rs)
                best[row] = min(best[row], time.perf_counter() - t)
        n = a[2]
        say(f"{name}: {os.path.getsize(path) / 1e6:.0f} MB, {n:,} distinct words, "
            f"{len(rs)} pieces")
        for row, sent in (("Counter", c[1]), ("arrays", a[1])):
            say(f"  {row:8} {best[row]:7.3f} s   pickled {sent / 1e6:8.1f} MB "
                f"({sent / n:5.1f} bytes a distinct word of the total)")
        print(target("bench_merge", f"{name}: Counter / arrays", "none",
                     f"{best['Counter'] / best['arrays']:.2f}x", None))
        os.unlink(path)
    os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
