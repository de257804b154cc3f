#!/usr/bin/env python3
"""Where should `search` stop waking the pool?  Times search(threads=1)
against search(threads=T) (default T = 2) over text sizes from 4 KiB to
4 MiB, bytes and ASCII str, and prints the crossover: the size from which T
threads are faster.

Below word_count.PARALLEL_THRESHOLD (lib/count.c: WC_PARALLEL_THRESHOLD) the
build runs every search on the calling thread, so threads=T there measures one
thread too and the crossover cannot be seen directly below it.  The script
then also estimates it from two fits (weighted least squares, relative
error): t_1(n) = a_1 + n / r_1 over all sizes and t_T(n) = a_T + n / r_T over
the sizes that really ran in parallel; they cross at
n* = (a_T - a_1) / (1 / r_1 - 1 / r_T).  Rebuild with a lower threshold to
measure below it directly.

Every size is timed in several passes over all sizes, keeping its best
round: on a shared machine another process may hold a core for seconds.

Run: .venv/bin/python benchmarks/threshold.py [--threads T] [--time S]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
from bench import describe  # noqa: E402

KIB = 1024


def per_call(fn, number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def measure(text, needle, threads: int, budget: float) -> tuple[float, float]:
    """Seconds per call of threads=1 and threads=`threads`: the best of
    alternating rounds of about 2 ms (so that both see the same load; the best
    round, as timeit advises, because other processes only ever add time)."""
    one = lambda: word_count.search(text, needle, threads=1)  # noqa: E731
    par = lambda: word_count.search(text, needle, threads=threads)  # noqa: E731
    number = max(1, int(0.002 / max(per_call(one, 3), 1e-7)))
    t1, tp = [], []
    end = time.perf_counter() + budget
    while len(t1) < 3 or time.perf_counter() < end:
        t1.append(per_call(one, number))
        tp.append(per_call(par, number))
    return min(t1), min(tp)


def weighted_line(xs, ys):
    """(a, b) of y = a + b x minimising the sum of ((a + b x - y) / y)^2."""
    w = [1 / (y * y) for y in ys]
    sw = sum(w)
    sx = sum(wi * x for wi, x in zip(w, xs))
    sy = sum(wi * y for wi, y in zip(w, ys))
    sxx = sum(wi * x * x for wi, x in zip(w, xs))
    sxy = sum(wi * x * y for wi, x, y in zip(w, xs, ys))
    det = sw * sxx - sx * sx
    if det == 0:
        return None
    b = (sw * sxy - sx * sy) / det
    return (sy - b * sx) / sw, b


def crossover(sizes, t1s, tps, threshold):
    """(measured, estimated) crossover in bytes; None where there is none."""
    measured = None
    for i, n in enumerate(sizes):
        if n >= threshold and all(tp < t1 for tp, t1 in zip(tps[i:], t1s[i:])):
            measured = n
            break
    par = [(n, t) for n, t in zip(sizes, tps) if n >= threshold]
    fit1 = weighted_line(sizes, t1s)
    fitp = weighted_line(*zip(*par)) if len(par) >= 2 else None
    estimated = None
    if fit1 and fitp and fit1[1] > fitp[1]:
        estimated = (fitp[0] - fit1[0]) / (fit1[1] - fitp[1])
    return measured, estimated, fit1, fitp


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="the parallel side (default 2)")
    ap.add_argument("--time", type=float, default=0.4,
                    help="seconds per size and kind (default 0.4)")
    ap.add_argument("--passes", type=int, default=8,
                    help="passes over all sizes, the time split among them (default 8)")
    ap.add_argument("--min-size", type=int, default=4 * KIB)
    ap.add_argument("--max-size", type=int, default=4 * KIB * KIB)
    ap.add_argument("--kinds", default="bytes,str", help="bytes, str or both (default)")
    args = ap.parse_args(argv)
    if args.threads < 2:
        ap.error("--threads must be at least 2")
    if args.passes < 1 or args.time <= 0:
        ap.error("--passes must be at least 1 and --time positive")
    if not set(args.kinds.split(",")) <= {"bytes", "str"}:
        ap.error("--kinds: bytes, str or bytes,str")

    # Let threads=N run in parallel at every size, so that both sides are
    # measured directly; the built-in threshold is restored at the end.
    native = word_count._word_count
    if hasattr(native, "_set_parallel_threshold"):
        native._set_parallel_threshold(1)
        threshold = 1
    else:
        threshold = word_count.PARALLEL_THRESHOLD
    print(describe())
    print(f"PARALLEL_THRESHOLD = {word_count.PARALLEL_THRESHOLD:,} bytes "
          f"({word_count.PARALLEL_THRESHOLD // KIB} KiB) built in; measured here with "
          f"{'no threshold' if threshold == 1 else 'the built-in threshold'}: "
          f"threads=1 vs threads={args.threads}")
    sizes = []
    n = args.min_size
    while n <= args.max_size:
        sizes.append(n)
        n *= 2
    zen = word_count.ZEN * (args.max_size // len(word_count.ZEN) + 1)
    word_count.search(zen.encode(), b"is")  # start the pool before timing
    kinds = args.kinds.split(",")
    cases = {}
    for kind in kinds:
        for n in sizes:
            text = zen[:n] if kind == "str" else zen[:n].encode()
            needle = "is" if kind == "str" else b"is"
            want = word_count.search_py(text, needle)
            got = word_count.search(text, needle, threads=args.threads)
            if got != want:
                raise SystemExit(f"{kind} {n}: search gave {got}, search_py {want}")
            cases[kind, n] = (text, needle)
    # Several passes over every case, keeping each case's best: the load of
    # other processes comes and goes, and a pass while a core is taken should
    # not decide a size alone.
    best = {case: (float("inf"), float("inf")) for case in cases}
    for _ in range(args.passes):
        for case, (text, needle) in cases.items():
            t1, tp = measure(text, needle, args.threads, args.time / args.passes)
            best[case] = (min(best[case][0], t1), min(best[case][1], tp))
    for kind in kinds:
        t1s = [best[kind, n][0] for n in sizes]
        tps = [best[kind, n][1] for n in sizes]
        print(f"\n{kind}:")
        print(f"{'size':>9} {'1 thread us':>12} {f'{args.threads} threads us':>13} "
              f"{'ratio':>6} {'GB/s 1':>7} {f'GB/s {args.threads}':>7}")
        for n, t1, tp in zip(sizes, t1s, tps):
            note = "" if n >= threshold else "  (below the threshold: 1 thread either way)"
            print(f"{n // KIB:>6} KiB {t1 * 1e6:>12.1f} {tp * 1e6:>13.1f} {tp / t1:>6.2f} "
                  f"{n / t1 / 1e9:>7.2f} {n / tp / 1e9:>7.2f}{note}")
        measured, estimated, fit1, fitp = crossover(sizes, t1s, tps, threshold)
        if sizes[-1] < threshold:
            print(f"crossover ({kind}): no size reaches PARALLEL_THRESHOLD; nothing ran in "
                  "parallel")
            continue
        built_in = word_count.PARALLEL_THRESHOLD
        if measured is None:
            print(f"crossover ({kind}): none measured: {args.threads} threads are not "
                  "faster at the largest size (a busy machine?)")
        else:
            below = max((n for n in sizes if n < measured), default=None)
            span = (f"between {below // KIB} and {measured // KIB} KiB" if below
                    else f"at or below {measured // KIB} KiB")
            fits = (below or 0) <= built_in <= measured
            print(f"crossover ({kind}): {args.threads} threads first faster at "
                  f"{measured // KIB} KiB, so the crossover lies {span}; the built-in "
                  f"PARALLEL_THRESHOLD ({built_in // KIB} KiB) "
                  f"{'lies in that span' if fits else 'lies outside it: reconsider it'}")
        print("  (the straight-line fits below ignore the time a worker takes to wake, "
              "so their crossover is a lower bound)")
        if estimated is not None:
            print(f"  fits: 1 thread {fit1[0] * 1e6:.1f} us + {1e-9 / fit1[1]:.2f} GB/s, "
                  f"{args.threads} threads {fitp[0] * 1e6:.1f} us + {1e-9 / fitp[1]:.2f} GB/s "
                  f"-> estimated crossover {max(estimated, 0) / KIB:,.0f} KiB")
        else:
            print("  fits: no crossover (the parallel side is not faster per byte)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
