#!/usr/bin/env python3
"""Word frequencies and many needles against what Python users write.

The corpus: at least 100 MB (--size-mb) of words drawn with a Zipf law
(weight 1/rank) from a vocabulary of 100,000+ distinct words, one space
between words and a newline about every 12 words, built deterministically
(seeded) from /usr/share/dict/words (Debian package `wamerican`) when it is
there, else from synthetic words (the output says which).  Built as a str
(ASCII) once per run.

Rows, each pair checked equal before it is timed:
  frequencies(text)                       vs Counter(text.split())
  frequencies(text, words="unicode",
              casefold=True)              vs Counter(re.findall(r"\\w+", text.casefold()))
  frequencies(text)                       vs multiprocessing.Pool: Counter(chunk.split())
                                             per line-aligned chunk, Counters summed
                                             (pool started before timing)
  count_many(text, 1,000 needles)         vs a Python loop over text.split() with a set
  count_many(text, 4 needles)             vs 4 search() calls (no target: both run the
                                             search kernels, a pass a needle)
  frequencies(t) of 1, 10 and 100 lines   vs Counter(t.split()), time a call (no target:
                                             what a call costs on short texts)

Targets, reported as PASS or MISS, never asserted: frequencies at
least 10x faster than Counter(text.split()); the unicode+casefold mode at
least 10x faster than its one-liner; count_many with 1,000 needles at least
5x faster than the Python loop.

Then the per-core rows of benchmarks/bench_freq_core.py (the C reference,
polars, real prose, code text, high cardinality).

Run: .venv/bin/python benchmarks/bench_freq.py [--size-mb N] [--quick]
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import platform
import random
import re
import string
import sys
import time

import word_count

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Row, median, progress, run_row, say, table, target  # noqa: E402

DICT = "/usr/share/dict/words"
VOCAB_MIN = 100_000


def vocabulary(rng: random.Random) -> tuple[list[str], str]:
    """At least VOCAB_MIN distinct words, and where they came from."""
    words: list[str] = []
    source = "synthetic words (install Debian's wamerican for a real word list)"
    try:
        with open(DICT, encoding="utf-8") as f:
            words = sorted({w.strip() for w in f if w.strip() and " " not in w})
        source = f"{DICT} ({len(words):,} words)"
    except OSError:
        pass
    seen = set(words)
    letters = string.ascii_lowercase
    while len(words) < VOCAB_MIN:
        # Synthetic words: 2 to 12 letters, some capitalised (casefold matters).
        w = "".join(rng.choice(letters) for _ in range(rng.randint(2, 12)))
        if rng.random() < 0.1:
            w = w.capitalize()
        if w not in seen:
            seen.add(w)
            words.append(w)
    if len(words) > len(seen):
        source += " + synthetic words"
    rng.shuffle(words)  # which words are common: deterministic, not alphabetical
    return words, source


def corpus(size_mb: int, seed: int = 5) -> tuple[str, list[str], str]:
    rng = random.Random(seed)
    vocab, source = vocabulary(rng)
    cum = []
    total = 0.0
    for rank in range(1, len(vocab) + 1):
        total += 1.0 / rank
        cum.append(total)
    want = size_mb * 1_000_000
    parts = []
    size = 0
    while size < want:
        line_words = rng.choices(vocab, cum_weights=cum, k=12 * 4096)
        block = "\n".join(" ".join(line_words[k:k + 12])
                          for k in range(0, len(line_words), 12)) + "\n"
        parts.append(block)
        size += len(block)
        if len(parts) % 8 == 0:
            progress.show(f"  building the corpus: {size / 1e6:,.0f} of {size_mb} MB")
    progress.clear()
    return "".join(parts), vocab, source


# ---- the other ways --------------------------------------------------------------

def counter_split(text: str) -> collections.Counter:
    return collections.Counter(text.split())


def counter_re_casefold(text: str) -> collections.Counter:
    return collections.Counter(re.findall(r"\w+", text.casefold()))


def line_chunks(text: str, n: int) -> list[str]:
    step = max(1, len(text) // n)
    chunks, lo = [], 0
    while lo < len(text):
        hi = text.find("\n", lo + step)
        hi = len(text) if hi < 0 else hi + 1
        chunks.append(text[lo:hi])
        lo = hi
    return chunks


def pool_counters(pool, text: str, nproc: int) -> collections.Counter:
    total: collections.Counter = collections.Counter()
    for c in pool.map(counter_split, line_chunks(text, nproc * 4)):
        total.update(c)
    return total


def loop_set(text: str, needles: list[str]) -> dict:
    wanted = set(needles)
    counts = dict.fromkeys(needles, 0)
    for w in text.split():
        if w in wanted:
            counts[w] += 1
    return counts


# ---- main ----------------------------------------------------------------------

def short_texts(text: str, summary: list) -> None:
    """frequencies() against Counter(text.split()) on short texts (a line,
    ten lines, a hundred lines of the corpus), where the fixed cost of a
    call shows: time a call, best of 5 runs of enough calls for 0.1 s.
    Checked equal first; no target."""
    lines = text.split("\n")
    print()
    say("short texts: a call, best of 5 runs (frequencies(t) vs Counter(t.split()))")
    for n in (1, 10, 100):
        t = "\n".join(lines[:n])
        assert word_count.frequencies(t) == counter_split(t)

        def per_call(fn) -> float:
            calls, best = 1, float("inf")
            while True:
                t0 = time.perf_counter()
                for _ in range(calls):
                    fn(t)
                if time.perf_counter() - t0 >= 0.1:
                    break
                calls *= 2
            for _ in range(5):
                t0 = time.perf_counter()
                for _ in range(calls):
                    fn(t)
                best = min(best, (time.perf_counter() - t0) / calls)
            return best

        ours, theirs = per_call(word_count.frequencies), per_call(counter_split)
        what = f"short text, {n} line{'s' if n > 1 else ''} ({len(t):,} chars)"
        summary.append(target("bench_freq", what + ": frequencies vs Counter(t.split())", "-",
                              f"{ours * 1e6:.2f} us vs {theirs * 1e6:.2f} us "
                              f"({theirs / ours:.2f}x)", None))
        say("  " + summary[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=100, help="corpus size (default 100)")
    ap.add_argument("--quick", action="store_true", help="a 10 MB corpus, one round a row")
    ap.add_argument("--max-time", type=float, default=2.0,
                    help="seconds of rounds per fast row (default 2)")
    args = ap.parse_args(argv)
    size = 10 if args.quick else args.size_mb

    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    say(f"word_count {word_count.__version__}, Unicode {word_count.UNICODE_VERSION}, "
        f"{word_count.default_threads()} threads, Python {platform.python_version()}, {load}")
    t0 = time.perf_counter()
    text, vocab, source = corpus(size)
    nbytes = len(text)
    say(f"corpus: {nbytes / 1e6:.1f} MB, {nbytes:,} characters, Zipf (1/rank) over "
        f"{len(vocab):,} words from {source}; built in {time.perf_counter() - t0:.1f} s")
    rng = random.Random(7)
    needles = rng.sample(vocab[:20_000], 500) + rng.sample(vocab[20_000:], 499) + ["absent-word"]

    slow = dict(min_rounds=1, max_time=0.0)
    fast = dict(min_rounds=1 if args.quick else 3, max_time=0.0 if args.quick else args.max_time)
    summary = []

    def pair(title, ours_name, ours, theirs_name, theirs, goal, convert=None):
        t0 = time.perf_counter()
        progress.show(f"  the baseline's first call: {theirs_name}")
        expected = theirs()
        progress.clear()
        baseline_first = time.perf_counter() - t0
        base = Row(theirs_name, theirs, expected=expected, nbytes=nbytes)
        check = (lambda: convert(ours())) if convert else ours
        mine = Row(ours_name, check, expected=expected, nbytes=nbytes)
        run_row(mine, **fast)
        run_row(base, **slow)
        print()
        print(table([mine, base], title))
        speedup = median(base) / median(mine)
        distinct = len(expected)
        summary.append(target("bench_freq", title, f">= {goal}x" if goal > 1 else "-",
                              f"{speedup:.2f}x", speedup >= goal if goal > 1 else None)
                       + f"; {distinct:,} distinct; first baseline call {baseline_first:.1f} s")

    pair("frequencies vs Counter(text.split())",
         "word_count.frequencies(text)", lambda: word_count.frequencies(text),
         "Counter(text.split())", lambda: counter_split(text), 10)
    pair("unicode+casefold vs re one-liner",
         "frequencies(text, 'unicode', casefold=True)",
         lambda: word_count.frequencies(text, words="unicode", casefold=True),
         "Counter(re.findall(r'\\w+', text.casefold()))", lambda: counter_re_casefold(text), 10)
    nproc = word_count.available_cpus()
    with multiprocessing.Pool(nproc) as pool:
        pool_counters(pool, text[:100_000], nproc)  # workers started and warm
        pair(f"frequencies vs multiprocessing.Pool({nproc}) map/reduce",
             "word_count.frequencies(text)", lambda: word_count.frequencies(text),
             f"Pool({nproc}).map(Counter(chunk.split())) + sum",
             lambda: pool_counters(pool, text, nproc), 1)
    pair("count_many with 1,000 needles vs a Python loop with a set",
         "word_count.count_many(text, needles)",
         lambda: word_count.count_many(text, needles),
         "for w in text.split(): if w in set: +1",
         lambda: loop_set(text, needles), 5)
    # A few needles: count_many runs the search kernels (a pass each), so
    # it costs what as many search() calls cost, in space mode too.
    few = vocab[:4]
    pair("count_many with 4 needles vs 4 search calls",
         "word_count.count_many(text, 4 needles)", lambda: word_count.count_many(text, few),
         "{w: word_count.search(text, w) for w in 4 needles}",
         lambda: {w: word_count.search(text, w) for w in few}, 1)
    short_texts(text, summary)
    print()
    for line in summary:
        say(line)
    # Per core, side by side: the C reference, polars, three corpora and
    # high cardinality (benchmarks/bench_freq_core.py).
    del text
    print()
    import bench_freq_core
    return bench_freq_core.main(["--quick"] if args.quick else [])


if __name__ == "__main__":
    sys.exit(main())
