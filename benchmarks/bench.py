#!/usr/bin/env python3
"""`make bench`: the seed's benchmark, and how word_count compares.

Sections (--section, default all; docs/benchmarks.md explains every row):

  seed     The seed's workload: the Zen of Python x 1000 (858,000 characters,
           word_count.default_text()), needle "is", count 10,000.  The four
           rows of the PyO3 word-count example: the parallel C count, the
           sequential one, the sequential GIL-releasing one twice on two
           Python threads (count 20,000), and pure Python.  Then the
           two-thread target measured apart: one Python thread against two
           on persistent threads (ways.PythonThreads), one call each and
           100 calls each back to back.
  compare  The same text counted the ways Python users parallelise: search_py
           on a ThreadPoolExecutor, multiprocessing.Pool.map and
           ProcessPoolExecutor.map over line-aligned chunks (with and without
           the pool's start-up), and exact re / bytes.split one-liners.
  big      About 1 GB (the Zen x 1,250,000, as bytes and as an ASCII str,
           built once per run): GB/s of search, search_sequential and one plain
           SIMD pass over the same bytes (the memory-speed yardstick).
  scaling  search on the 1 GB bytes over 1..N threads: speed-up and the serial
           fraction Amdahl's law gives; --plot FILE.png draws it.
  memory   Peak-memory growth of searching an 858 MB ASCII str, measured in a
           fresh subprocess after the str is built.

Every row checks its count before it is timed.  The target lines compare the
medians with the targets and print PASS or MISS (and append them to the
results file that `make bench` sums up at the end): a benchmark reports, it
does not assert.  Lines are at most 100 characters wide; rows timed for more
than a second show a progress line on a terminal's standard error.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
import ways  # noqa: E402
from harness import Row, median, run_rows, say, table, target  # noqa: E402

SECTIONS = ("seed", "compare", "big", "scaling", "memory")
ZEN_BYTES = len(word_count.ZEN)  # 858, all ASCII
BIG_REPEAT = 1_250_000  # Zen x 1.25 million: 1.07 GB
QUICK_BIG_REPEAT = 125_000  # 107 MB
MEMORY_REPEAT = 1_000_000  # 858 MB: the text of the memory rows
QUICK_MEMORY_REPEAT = 100_000
TWO_THREAD_CALLS = 100  # calls per thread per round, back to back (~5 ms)


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
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    return (f"{cpu_name()}, {os.cpu_count()} CPUs ({word_count.available_cpus()} usable), "
            f"kernel {word_count.kernel()}, {word_count.default_threads()} threads, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
            f"{load}")


def busy_note() -> str:
    """A warning when other processes already load the CPUs we measure on."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return ""
    cpus = word_count.available_cpus()
    if load < 0.5 * cpus:
        return ""
    return (f"note: the 1-minute load average ({load:.1f}) is high for {cpus} CPUs: other "
            "processes share them, so the figures below are indicative only")


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


class Bench:
    """One run of the benchmark: the options, and the 1 GB workload, built at
    most once and shared by the big and scaling sections."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.quick = args.quick
        self.max_time = args.max_time if args.max_time is not None else (
            0.25 if args.quick else 1.0)
        self.threads = word_count.default_threads()
        self.cores = word_count.available_cpus()
        self.big_repeat = args.big_repeat or (QUICK_BIG_REPEAT if args.quick else BIG_REPEAT)
        self._big_bytes = None
        self._big_str = None

    def run(self, rows: list, min_rounds: int = 5, time_scale: float = 1.0) -> list:
        """Time the rows of one table in turns (harness.run_rows)."""
        return run_rows(rows, min_rounds=min_rounds, max_time=self.max_time * time_scale)

    # -- seed ---------------------------------------------------------------
    def seed(self) -> None:
        text, needle = word_count.default_text(), word_count.DEFAULT_NEEDLE
        with ThreadPoolExecutor(max_workers=2) as pool:
            rows = self.run(seed_rows(text, needle, word_count.DEFAULT_COUNT, pool))
        print(table(rows, "seed workload: Zen of Python x 1000, needle 'is'"))
        med = {r.name: median(r) for r in rows}
        py = med["Python sequential (search_py)"]
        par = py / med["C parallel (search)"]
        seq = py / med["C sequential (search_sequential)"]
        twice = med["C sequential twice, 2 Python threads"] / med["C sequential (search_sequential)"]
        say("targets (medians): " + "; ".join([
            target("bench seed", "search vs search_py", ">= 100x", f"{par:,.0f}x", par >= 100),
            target("bench seed", "search_sequential vs search_py", ">= 50x", f"{seq:,.0f}x",
                   seq >= 50),
            target("bench seed", "executor pair vs one direct call", "<= 1.3x",
                   f"{twice:.2f}x", twice <= 1.3),
        ]) + " (the two-thread target measured apart: next table)")
        self.seed_two_threads()

    def seed_two_threads(self) -> None:
        """The two-thread target, with the thread hand-off measured apart.

        The seed row above is the PyO3 example's shape: a ThreadPoolExecutor
        pair against a direct call, so the executor's dispatch (two wake-ups
        of sleeping threads and two GIL hand-offs, tens of microseconds on a
        VM) is counted on one side only, against a call of ~50 us.  Here both
        sides run on persistent Python threads started at one barrier
        (ways.PythonThreads): one thread against two, one call each, and
        TWO_THREAD_CALLS calls each back to back (the steady state, where the
        start-up is spread over the calls)."""
        text, needle = word_count.default_text(), word_count.DEFAULT_NEEDLE
        count, k = word_count.DEFAULT_COUNT, TWO_THREAD_CALLS
        f = word_count.search_sequential_allow_threads
        with ways.PythonThreads(1) as one, ways.PythonThreads(2) as two, \
                ThreadPoolExecutor(max_workers=2) as pool:
            rows = self.run([
                Row("ThreadPoolExecutor: 2 no-op tasks",
                    lambda: [x.result() for x in (pool.submit(int), pool.submit(int))]),
                Row("1 Python thread, 1 call", lambda: one.run(f, text, needle), count),
                Row("2 Python threads, 1 call each", lambda: two.run(f, text, needle),
                    2 * count),
                Row(f"1 Python thread, {k} calls", lambda: one.run(f, text, needle, calls=k),
                    k * count),
                Row(f"2 Python threads, {k} calls each",
                    lambda: two.run(f, text, needle, calls=k), 2 * k * count),
            ], time_scale=2.0)
        print(table(rows, "the two-thread target: search_sequential_allow_threads on "
                    "persistent Python threads"))
        med = {r.name: median(r) for r in rows}
        once = med["2 Python threads, 1 call each"] / med["1 Python thread, 1 call"]
        steady = (med[f"2 Python threads, {k} calls each"] / med[f"1 Python thread, {k} calls"])
        say("two calls on 2 Python threads against one on 1 (medians): " + "; ".join([
            target("bench seed", f"2 threads x {k} calls vs 1 x {k}", "<= 1.3x",
                   f"{steady:.2f}x", steady <= 1.3),
            target("bench seed", "2 threads x 1 call vs 1 x 1", "<= 1.3x", f"{once:.2f}x",
                   once <= 1.3),
        ]) + f"; the executor alone spends "
            f"{med['ThreadPoolExecutor: 2 no-op tasks'] * 1e6:,.0f} us on two no-op tasks, "
            f"against {med['1 Python thread, ' + str(k) + ' calls'] / k * 1e6:,.0f} us "
            "for one call")

    # -- compare ------------------------------------------------------------
    def compare(self) -> None:
        text, needle = word_count.default_text(), word_count.DEFAULT_NEEDLE
        data, bneedle = text.encode(), needle.encode()
        count = word_count.DEFAULT_COUNT
        n = max(2, self.threads)
        method = multiprocessing.get_start_method()
        chunks = ways.line_chunks(text, n)
        parts = [word_count.search_py(c, needle) for c in chunks]
        if "".join(chunks) != text or sum(parts) != count:
            raise AssertionError(f"line chunks do not add up: {parts} (want {count})")
        print(f"line-aligned chunks: {len(chunks)} of {', '.join(f'{len(c):,}' for c in chunks)} "
              f"characters; counts {' + '.join(map(str, parts))} = {count:,} (checked)")
        with ThreadPoolExecutor(n) as tpool, multiprocessing.Pool(n) as mpool, \
                ProcessPoolExecutor(n) as ppool:
            # Start every worker before timing: the rows without start-up
            # measure the map and the reduce only.
            mpool.map(abs, range(n))
            list(ppool.map(abs, range(4 * n)))
            rows = [
                Row("C parallel (search)", lambda: word_count.search(text, needle), count),
                Row(f"search_py on ThreadPoolExecutor ({n} threads)",
                    lambda: ways.count_threads(tpool, word_count.search_py, text, needle, n),
                    count),
                Row(f"search_sequential_allow_threads on ThreadPoolExecutor ({n})",
                    lambda: ways.count_threads(
                        tpool, word_count.search_sequential_allow_threads, text, needle, n),
                    count),
                Row(f"multiprocessing.Pool.map ({n} processes)",
                    lambda: ways.count_pool(mpool, text, needle, n), count),
                Row(f"multiprocessing.Pool.map, incl. pool start-up",
                    lambda: ways.count_pool_with_startup(n, text, needle), count),
                Row(f"ProcessPoolExecutor.map ({n} processes)",
                    lambda: ways.count_executor(ppool, text, needle, n), count),
                Row(f"ProcessPoolExecutor.map, incl. start-up",
                    lambda: ways.count_executor_with_startup(n, text, needle), count),
                Row("re.findall, lookarounds (exact; str)",
                    lambda: ways.count_re(text, needle), count),
                Row("bytes replace/split/count (exact; bytes)",
                    lambda: ways.count_split(data, bneedle), count),
                Row("str.split().count (this text only)",
                    lambda: ways.count_split_whitespace(text, needle), count),
                Row("Python sequential (search_py)",
                    lambda: word_count.search_py(text, needle), count),
            ]
            for r in rows:
                if "start-up" in r.name:
                    r.min_rounds = 3
            rows = self.run(rows)
        print(table(rows, f"compare: Zen x 1000, needle 'is'; chunks cut at lines; "
                          f"processes by {method}"))
        med = {r.name: median(r) for r in rows}
        python_only = [r for r in rows if not r.name.startswith(("C ", "search_sequential"))]
        best = min(python_only, key=median)
        py = med["Python sequential (search_py)"]
        gil = med[rows[1].name] / py
        fastest = median(best) / med[rows[0].name]
        say("summary (medians): " + target(
            "bench compare", "search vs the fastest way without our C", "-",
            f"{fastest:,.0f}x ({best.name})", None) + f"; search_py on {n} threads takes "
            f"{gil:.2f}x the time of one thread (the GIL)")

    # -- the 1 GB workload ----------------------------------------------------
    def big_bytes(self) -> bytes:
        if self._big_bytes is None:
            t0 = time.perf_counter()
            self._big_bytes = word_count.ZEN.encode("ascii") * self.big_repeat
            print(f"built the big workload as bytes: Zen x {self.big_repeat:,} = "
                  f"{len(self._big_bytes) / 1e9:.3f} GB in {time.perf_counter() - t0:.2f} s")
        return self._big_bytes

    def big_str(self) -> str:
        if self._big_str is None:
            t0 = time.perf_counter()
            self._big_str = word_count.ZEN * self.big_repeat
            print(f"built the big workload as an ASCII str: {len(self._big_str) / 1e9:.3f} GB "
                  f"in {time.perf_counter() - t0:.2f} s")
        return self._big_str

    def big_expected(self) -> int:
        # The count on one Zen, from the pure-Python function, times the repeat
        # (the Zen begins and ends with "\n", so copies never join words).
        return word_count.search_py(word_count.ZEN, "is") * self.big_repeat

    def big(self) -> None:
        data, text = self.big_bytes(), self.big_str()
        nbytes, count = len(data), self.big_expected()
        spaces = word_count.ZEN.count(" ") * self.big_repeat
        n = self.threads
        rows = [
            Row("search, bytes", lambda: word_count.search(data, b"is"), count, nbytes=nbytes),
            Row("search, ASCII str", lambda: word_count.search(text, "is"), count,
                nbytes=nbytes),
            Row("search_sequential, bytes",
                lambda: word_count.search_sequential(data, b"is"), count, nbytes=nbytes),
            Row(f"plain SIMD pass (_count_byte ' ', {n} threads)",
                lambda: word_count._word_count._count_byte(data, 32, threads=n), spaces,
                nbytes=nbytes),
        ]
        rows = self.run(rows, min_rounds=5, time_scale=2)
        print(table(rows, f"big: Zen x {self.big_repeat:,} ({nbytes / 1e9:.2f} GB), "
                          f"needle 'is', {n} threads"))
        gbs = {r.name: nbytes / median(r) / 1e9 for r in rows}
        plain = median(rows[3])
        ratio_b, ratio_s = median(rows[0]) / plain, median(rows[1]) / plain
        gb_b, gb_s = gbs["search, bytes"], gbs["search, ASCII str"]
        say("targets (medians): " + "; ".join([
            target("bench big", "search on bytes", ">= 15 GB/s", f"{gb_b:.1f} GB/s",
                   gb_b >= 15),
            target("bench big", "search on str", ">= 15 GB/s", f"{gb_s:.1f} GB/s", gb_s >= 15),
            target("bench big", "search bytes / plain pass", "<= 2x", f"{ratio_b:.2f}x",
                   ratio_b <= 2),
            target("bench big", "search str / plain pass", "<= 2x", f"{ratio_s:.2f}x",
                   ratio_s <= 2),
        ]))

    # -- scaling ----------------------------------------------------------------
    def scaling(self) -> None:
        data = self.big_bytes()
        nbytes, count = len(data), self.big_expected()
        top = self.args.max_threads or max(self.threads, 4)
        top = min(top, word_count.MAX_THREADS)
        rows = self.run([Row(f"search, threads={k}",
                             lambda k=k: word_count.search(data, b"is", threads=k),
                             count, nbytes=nbytes) for k in range(1, top + 1)],
                        min_rounds=5, time_scale=2)
        print(table(rows, f"scaling: Zen x {self.big_repeat:,} bytes, 1..{top} threads, "
                          f"{self.cores} usable CPUs"))
        ns = list(range(1, top + 1))
        times = [median(r) for r in rows]
        speedups = [times[0] / t for t in times]
        print(f"{'threads':>7} {'median ms':>10} {'GB/s':>7} {'speed-up':>9} "
              f"{'limit':>6} {'Amdahl f':>9}")
        marks = set()
        for k, t, s in zip(ns, times, speedups):
            f = amdahl_f(k, s)
            note = "" if k <= self.cores else " *"
            if f is not None and not 0 <= f <= 1:
                note += " !"
            marks.update(note.split())
            print(f"{k:>7} {t * 1e3:>10.2f} {nbytes / t / 1e9:>7.2f} {s:>9.2f} "
                  f"{min(k, self.cores):>6} {'' if f is None else f'{f:9.3f}':>9}{note}")
        if "*" in marks:
            print("  * more threads than CPUs: cannot help")
        if "!" in marks:
            print("  ! f outside [0, 1]: noise or contention, not Amdahl")
        f_all = amdahl_fit(ns, speedups)
        within = [(k, s) for k, s in zip(ns, speedups) if k <= self.cores]
        f_cores = amdahl_fit(*zip(*within)) if len(within) >= 2 else None
        fits = [f"all n: f = {f_all:.3f}" if f_all is not None else "all n: no fit"]
        if f_cores is not None and len(within) < len(ns):
            fits.append(f"n <= {self.cores} CPUs: f = {f_cores:.3f}")
        say("Amdahl's law S(n) = 1 / (f + (1 - f) / n): serial fraction f by least squares "
            f"over {'; '.join(fits)}.")
        say(f"Points with n above the {self.cores} usable CPUs measure the CPUs, not the "
            "code, and push f up.")
        if len(ns) >= 2:
            cpu_n = min(self.cores, ns[-1])
            target("bench scaling", f"speed-up at {cpu_n} threads", f"-",
                   f"{speedups[cpu_n - 1]:.2f}x ({nbytes / times[cpu_n - 1] / 1e9:.1f} GB/s)",
                   None)
        if self.args.plot:
            plot_scaling(self.args.plot, ns, times, speedups, self.cores,
                         f_cores if f_cores is not None else f_all, nbytes)

    # -- memory -------------------------------------------------------------------
    def memory(self) -> None:
        repeat = QUICK_MEMORY_REPEAT if self.quick else MEMORY_REPEAT
        out = subprocess.run([sys.executable, os.path.abspath(__file__),
                              "--memory-child", str(repeat)],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"memory: the measuring subprocess failed:\n{out.stderr}")
            return
        res = json.loads(out.stdout)
        mib = 1024 * 1024
        say(f"memory: peak RSS growth while searching an ASCII str of "
            f"{res['bytes'] / 1e6:,.0f} MB (fresh process, measured after the str was "
            f"built; {res['method']})")
        for name, growth in res["calls"]:
            print(f"  {name:<46} {growth / mib:>10.3f} MiB")
        worst = max(g for name, g in res["calls"] if not name.startswith("control"))
        say("target: " + target("bench memory", "peak memory growth of search", "< 1 MiB",
                                f"{worst / mib:.3f} MiB", worst < mib)
            + "; the control row shows that a copy would be seen")


def amdahl_f(n: int, speedup: float):
    """The serial fraction f with S(n) = 1 / (f + (1 - f) / n), for n >= 2."""
    if n < 2:
        return None
    return (1 / speedup - 1 / n) / (1 - 1 / n)


def amdahl_fit(ns, speedups):
    """Least-squares f over all points: 1/S - 1/n = f (1 - 1/n), a line
    through the origin in x = 1 - 1/n (the point n = 1 carries no weight)."""
    xs = [1 - 1 / n for n in ns]
    ys = [1 / s - 1 / n for n, s in zip(ns, speedups)]
    sxx = sum(x * x for x in xs)
    return None if sxx == 0 else sum(x * y for x, y in zip(xs, ys)) / sxx


def plot_scaling(path, ns, times, speedups, cores, f, nbytes) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say(f"--plot {path}: matplotlib is not installed; install the optional extra "
            "with `.venv/bin/python -m pip install matplotlib` (or fastwordcount[plot])")
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax1.plot(ns, [nbytes / t / 1e9 for t in times], "o-", label="search (median)")
    ax1.set_ylim(bottom=0)
    ax1.set_xlabel("threads")
    ax1.set_ylabel("GB/s")
    ax1.set_title(f"search over {nbytes / 1e9:.2f} GB")
    ax2.plot(ns, speedups, "o-", label="measured speed-up")
    ax2.plot(ns, ns, ":", color="grey", label="ideal (S = n)")
    ax2.plot(ns, [min(n, cores) for n in ns], "--", color="grey",
             label=f"limit of {cores} CPUs")
    if f is not None and 0 <= f <= 1:
        fine = [1 + i * (ns[-1] - 1) / 100 for i in range(101)]
        ax2.plot(fine, [1 / (f + (1 - f) / n) for n in fine], "-", alpha=0.6,
                 label=f"Amdahl fit, f = {f:.3f}")
    ax2.set_xlabel("threads")
    ax2.set_ylabel("speed-up vs 1 thread")
    ax2.set_title("scaling")
    for ax in (ax1, ax2):
        if ns[-1] > cores:
            ax.axvspan(cores + 0.5, ns[-1] + 0.5, color="0.9",
                       label=f"more threads than CPUs")
        ax.set_xticks(ns)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"word_count.search scaling: {cpu_name()}, kernel {word_count.kernel()}",
                 fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    print(f"scaling plot written to {path}")


# -- the memory section's subprocess -------------------------------------------
def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: "5" to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_child(repeat: int) -> int:
    import resource

    text = word_count.ZEN * repeat
    gc.collect()
    use_hwm = _reset_peak()
    method = ("VmHWM (reset before each call) minus VmRSS before it" if use_hwm else
              "ru_maxrss after minus before (no /proc/self/clear_refs: a growth below the "
              "peak of building the str would not show)")
    calls = []

    def measure(name, fn):
        if use_hwm:
            _reset_peak()
            before = _status_kib("VmRSS")
            fn()
            growth = _status_kib("VmHWM") - before
        else:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            fn()
            growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        calls.append((name, max(0, growth) * 1024))

    measure("search (first call: starts the thread pool)", lambda: word_count.search(text, "is"))
    measure("search (second call)", lambda: word_count.search(text, "is"))
    measure("search_sequential", lambda: word_count.search_sequential(text, "is"))
    measure("search_sequential_allow_threads",
            lambda: word_count.search_sequential_allow_threads(text, "is"))
    measure("control: text.encode() (a copy)", lambda: len(text.encode()))
    json.dump({"bytes": len(text), "method": method, "calls": calls}, sys.stdout)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--section", choices=SECTIONS + ("all",), default="all",
                    help="which section to run (default all)")
    ap.add_argument("--quick", action="store_true",
                    help="a fast check: fewer rounds, a 107 MB big workload, an 86 MB str "
                         "for the memory section")
    ap.add_argument("--max-time", type=float, default=None,
                    help="seconds to time each row (default 1, --quick 0.25; twice that in "
                         "the big and scaling sections); at least 5 rounds (3 for the "
                         "pool start-up rows) whatever it says")
    ap.add_argument("--max-threads", type=int, default=None,
                    help="scaling: up to this many threads (default max(default_threads(), 4))")
    ap.add_argument("--big-repeat", type=int, default=None,
                    help=f"big/scaling: Zen copies (default {BIG_REPEAT:,}, --quick "
                         f"{QUICK_BIG_REPEAT:,})")
    ap.add_argument("--plot", metavar="FILE.png",
                    help="scaling: draw the speed-up with matplotlib (optional extra)")
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child is not None:
        return memory_child(args.memory_child)
    if args.max_threads is not None and args.max_threads < 1:
        ap.error("--max-threads must be at least 1")

    t0 = time.perf_counter()
    say(describe())
    busy = busy_note()
    if busy:
        say(busy)
    bench = Bench(args)
    for name in SECTIONS:
        if args.section in (name, "all"):
            print()
            getattr(bench, name)()
    print(f"\nbench.py: {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
