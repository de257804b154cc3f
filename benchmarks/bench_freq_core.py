#!/usr/bin/env python3
"""Word frequencies per core, side by side in one run: the core against a
plain C reference, polars and Counter, on four corpora, and the cost of
high cardinality.

Corpora (deterministic; prose, english and code are kept in files):
  zipf   the Zipf corpus of bench_freq.py (wamerican words, 1/rank)
  prose  English text from this machine's Debian docs: every
         /usr/share/doc/*/copyright and changelog*.gz but linux-doc's
         (sorted by path, decoded as UTF-8 with errors="replace"),
         repeated up to the size (changelogs: names, addresses,
         versions; a tenth of the words longer than 16 characters)
  english  English prose: the Linux kernel's documentation from Debian's
         linux-doc package (make bench installs it), every
         Documentation/**/*.rst.gz but the translations (sorted by path),
         repeated up to the size; left out where it is not installed
  code   the Python standard library's .py files (runs of spaces), repeated
         up to the size
  high   random tokens of 4 to 12 lowercase letters, one space apart, a
         newline every 12 (almost every word distinct)

prose, english and code come from this machine's files, which change as
Debian packages come and go (make test installs some; the prose lost 5% of
its distinct words in a day), so runs would not count the same text.  The
first run that makes one of them at a size writes it as UTF-8 to
--data-dir (default build/bench-data, beside benchmarks/), as
freq-NAME-SIZE.txt; later runs read that file back, so the runs of one
clone count the same text.  Each such corpus prints a line saying whether
it was made or reused, its file and its distinct words, to compare runs'
logs.  --fresh-corpora makes them again (after a corpus function changes,
say).  Less than 1 MB (linux-doc not installed) is not kept, nor are zipf
(bench_freq.py's) and high (made from a seed).

Rows (min of N rounds, the rows of a corpus interleaved round by round so
that they share the machine's load; MB/s = corpus bytes / min seconds):
  space        frequencies(text, threads=1)  (text: a str, as users pass it;
               the prose, english and code corpora hold characters
               beyond Latin-1, so their str is 2 or 4 bytes a character:
               each corpus's line says which)
  casefold     frequencies(text, casefold=True, threads=1)
  unicode+cf   frequencies(text, words="unicode", casefold=True, threads=1)
  space x2     frequencies(text, threads=2)
  bytes        frequencies(data, threads=1), data the corpus as UTF-8 bytes
               (what the C reference reads)
  bytes cf     frequencies(data, casefold=True, threads=1)
  arrays       frequencies_arrays(text, threads=1): the words and counts of
               the space row as three flat arrays, no Python object a word
  arrays x2    the same on 2 threads
  file arrays  frequencies_file_arrays(path, threads=1): the corpus read
               from its file (in the page cache) in blocks, no str made
  core         benchmarks/core_freq.c (build/c/core_freq, which make bench
               builds) on the same bytes: the core's count and sort of the
               bytes row, without the Counter (bytes minus core: the cost
               of the Python objects); best count + best sort of 3 rounds
               in its process
  core x2      the same on 2 threads
  C ref        benchmarks/ref_wordfreq.c (-i for casefold) on the same bytes,
               its own counting time (the file read excluded)
  polars       pl.DataFrame({"l": lines}).select(pl.col("l").str.split(" ")
               .explode().value_counts()) (zipf and high; bench-only dependency)
  Counter      Counter(text.split())

Two bounds follow each corpus, derived from those rows (not timed): the
result's keys and counts (bytes - core) are made and inserted into the
Counter one by one, under the GIL, by CPython's own str, int and dict
code, so space / Counter can be no more than Counter / (bytes - core),
two threads no faster than that part plus half of the rest, and the high
cardinality corpus no faster per byte than its part alone.

Targets are printed as PASS / MISS, never asserted.

Run: .venv/bin/python benchmarks/bench_freq_core.py [--size-mb N] [--rounds N]
       [--data-dir DIR] [--fresh-corpora]
"""

from __future__ import annotations

import argparse
import collections
import glob
import gzip
import os
import random
import re
import string
import subprocess
import sys
import sysconfig
import tempfile
import time

import word_count

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import say, target  # noqa: E402

# Where prose, english and code are kept between runs (build/ is ignored).
DATA_DIR = os.path.normpath(os.path.join(HERE, os.pardir, "build", "bench-data"))
MIN_CORPUS = 1_000_000  # characters: a shorter corpus is unavailable here


def repeat_to(text: str, size: int) -> str:
    if not text:
        return ""
    return (text * (size // len(text) + 1))[:size].rsplit("\n", 1)[0] + "\n"


def prose_corpus(size: int) -> str:
    parts = []
    # Not linux-doc's (make bench installs it for the english corpus): the
    # prose stays what it was before.
    paths = sorted(p for p in glob.glob("/usr/share/doc/*/copyright") +
                   glob.glob("/usr/share/doc/*/changelog*.gz")
                   if not p.startswith("/usr/share/doc/linux-doc-"))
    total = 0
    for p in paths:
        try:
            if p.endswith(".gz"):
                with gzip.open(p, "rb") as f:
                    data = f.read()
            else:
                with open(p, "rb") as f:
                    data = f.read()
        except OSError:
            continue
        parts.append(data.decode("utf-8", "replace"))
        total += len(parts[-1])
        if total >= size:
            break
    return repeat_to("".join(parts), size)


def english_corpus(size: int) -> str:
    parts = []
    paths = [p for p in glob.glob("/usr/share/doc/linux-doc-*/Documentation/**/*.rst.gz",
                                  recursive=True)
             if "/Documentation/translations/" not in p]
    for p in sorted(paths):
        try:
            with gzip.open(p, "rb") as f:
                parts.append(f.read().decode("utf-8", "replace"))
        except (OSError, EOFError):
            continue
    return repeat_to("".join(parts), size)


def code_corpus(size: int) -> str:
    parts = []
    root = sysconfig.get_paths()["stdlib"]
    for p in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
        try:
            with open(p, "rb") as f:
                parts.append(f.read().decode("utf-8", "replace"))
        except OSError:
            continue
    return repeat_to("".join(parts), size)


def cached_corpus(name: str, size: int, data_dir: str = DATA_DIR,
                  fresh: bool = False) -> tuple[str, str, str | None]:
    """The corpus `name` (prose, english or code) of `size`: read back from
    data_dir when a run wrote it there, else made (fresh: made anyway) and
    written.  (text, "reused" / "made" / "unavailable" / "not cached", file
    or None.)"""
    # Looked up at each call, not bound once: the tests replace the maker.
    make = {"prose": prose_corpus, "english": english_corpus, "code": code_corpus}[name]
    path = os.path.join(data_dir, f"freq-{name}-{size}.txt")
    if not fresh and os.path.exists(path):
        # Bytes decoded, not a text-mode read: that would turn "\r\n" to "\n".
        with open(path, "rb") as f:
            return f.read().decode("utf-8"), "reused", path
    text = make(size)
    if len(text) < MIN_CORPUS:
        return text, "unavailable", None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (errors="replace" makes none): the file could not
        # give this text back, so it is not kept.
        return text, "not cached", None
    os.makedirs(data_dir, exist_ok=True)
    # Written under another name, then renamed: an interrupted run leaves at
    # most a *.tmp, never a short corpus under the name later runs read.
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return text, "made", path


def str_width(text: str) -> int:
    """The bytes a character of text takes in CPython's str (PEP 393): 1
    (Latin-1), 2 (up to U+FFFF, a lone surrogate too) or 4.  A str of 2 or 4
    is the core's wide-text path, and its rows read 2 or 4 times the bytes
    of a 1-byte one."""
    try:
        text.encode("latin-1")
        return 1
    except UnicodeEncodeError:
        pass
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return 2 if units == len(text) else 4


def high_corpus(size: int, seed: int = 11) -> str:
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    out, n = [], 0
    while n < size:
        line = " ".join("".join(rng.choices(letters, k=rng.randint(4, 12)))
                        for _ in range(12)) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out)


def build_ref() -> str | None:
    exe = os.path.join(tempfile.gettempdir(), f"ref_wordfreq.{os.getpid()}")
    cc = os.environ.get("CC", "cc")
    r = subprocess.run([cc, "-O2", "-march=native", "-std=c11", "-o", exe,
                        os.path.join(HERE, "ref_wordfreq.c")], capture_output=True, text=True)
    if r.returncode != 0:
        say(f"C reference not built: {r.stderr.strip()[:200]}")
        return None
    return exe


def ref_row(exe: str, path: str, fold: bool):
    def run():
        out = subprocess.run([exe] + (["-i"] if fold else []) + [path],
                             capture_output=True, text=True, check=True).stdout.split()
        return float(out[2])
    return run


def core_exe() -> str | None:
    exe = os.path.join(os.path.dirname(HERE), "build", "c", "core_freq")
    if not os.access(exe, os.X_OK):
        say("core rows left out: no build/c/core_freq (make bench builds it)")
        return None
    return exe


def core_row(exe: str, path: str, threads: int):
    """core_freq's count + sort, as it times them, best of 3 rounds in its
    process (its first round, in a fresh process, is not the warm process
    the other rows run in).  The first call also checks its distinct words
    and total against core_freq's plain reference (--check, after the
    timing; a difference exits 1, which fails the run)."""
    checked = []

    def run():
        check = [] if checked else ["--check"]
        checked.append(1)
        out = subprocess.run([exe, path, "--rounds", "3", "--threads", str(threads)] + check,
                             capture_output=True, text=True, check=True).stdout
        m = re.search(r"count ([0-9.]+) ms .* sort ([0-9.]+) ms", out)
        return (float(m.group(1)) + float(m.group(2))) / 1e3
    return run


def polars_row():
    try:
        import polars as pl
    except ImportError:
        return None

    def run(lines):
        return pl.DataFrame({"l": lines}).select(
            pl.col("l").str.split(" ").explode().value_counts(sort=False))
    return run


def tgt(*a) -> None:
    say(target("bench_freq", *a))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(rows: dict, rounds: int) -> dict:
    """Min seconds of each row over `rounds` interleaved rounds; a row
    returning a float reports its own time.  A row's result is freed in
    its own time, as harness.py's rows are (a Counter of 10M keys takes a
    second or more to free): when it was kept until the next row's result
    replaced it, every row paid for the row before it, the first of a round
    for the Counter of the round before."""
    best = {k: float("inf") for k in rows}
    for _ in range(rounds):
        for k, fn in rows.items():
            t0 = time.perf_counter()
            r = fn()
            own = r if isinstance(r, float) else None
            del r
            dt = own if own is not None else time.perf_counter() - t0
            best[k] = min(best[k], dt)
    return best


def peak_rss(code: str) -> float:
    """Peak RSS in MB of a fresh Python that runs `code` (after it imports)."""
    # VmHWM, not ru_maxrss: ru_maxrss keeps the parent's peak across fork.
    r = subprocess.run([sys.executable, "-c", code + "\nprint([l for l in open("
                        "'/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return float("nan")
    return int(r.stdout.split()[-1]) / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=50)
    ap.add_argument("--high-mb", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpora", default="zipf,prose,english,code,high")
    ap.add_argument("--quick", action="store_true", help="10 MB corpora, 2 rounds")
    ap.add_argument("--data-dir", default=DATA_DIR,
                    help="where prose, english and code are kept (default %(default)s)")
    ap.add_argument("--fresh-corpora", action="store_true",
                    help="make prose, english and code again, overwriting the kept files")
    args = ap.parse_args(argv)
    if args.quick:
        args.size_mb, args.high_mb, args.rounds = 10, 10, 2
    size = args.size_mb * 1_000_000
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load average unknown"
    say(f"bench_freq_core: kernel {word_count.kernel()}, "
        f"{load}, min of {args.rounds} interleaved rounds")
    exe = build_ref()
    core = core_exe()
    pol = polars_row()
    results = {}
    counter_part = {}  # bytes - core, seconds
    tmp = tempfile.mkdtemp(prefix="wc-freq-core-")
    for name in args.corpora.split(","):
        kept = None  # what cached_corpus did, for the machine's corpora
        if name == "zipf":
            from bench_freq import corpus
            text = corpus(args.size_mb)[0]
        elif name in ("prose", "english", "code"):
            text, kept, kept_path = cached_corpus(name, size, args.data_dir,
                                                  args.fresh_corpora)
        elif name == "high":
            text = high_corpus(args.high_mb * 1_000_000)
        else:
            continue
        if len(text) < MIN_CORPUS:
            say(f"{name}: corpus unavailable here, left out")
            continue
        data = text.encode("utf-8")
        path = os.path.join(tmp, name + ".txt")
        with open(path, "wb") as f:
            f.write(data)
        # The rows are checked equal to oracles before timing.
        # '\r' is dropped from the corpora so that space words are exactly
        # re.split("[ \n]") (the Counter of frequencies() has no empty word).
        text = text.replace("\r", "")
        c = collections.Counter(re.split("[ \n]", text))
        c.pop("", None)
        if kept:
            # Its distinct words: two runs' logs show whether they counted
            # the same text.
            say(f"{name}: corpus {kept} {kept_path or '(not kept)'}, "
                f"{len(c):,} distinct words")
        got = word_count.frequencies(text, threads=1)
        assert got == c, f"{name}: frequencies != Counter(re.split('[ \\n]', text))"
        arr = word_count.frequencies_arrays(text, threads=1)
        assert list(c.items()) == [
            (arr.data[arr.offsets[i]:arr.offsets[i + 1]].decode("utf-8"), arr.counts[i])
            for i in range(len(arr.counts))], f"{name}: frequencies_arrays != the Counter"
        del arr
        farr = word_count.frequencies_file_arrays(path, threads=1)
        fwant = collections.Counter(re.split(rb"\r?\n| ", data))
        fwant.pop(b"", None)
        assert {farr.data[farr.offsets[i]:farr.offsets[i + 1]]: farr.counts[i]
                for i in range(len(farr.counts))} == fwant, \
            f"{name}: frequencies_file_arrays != Counter(re.split(rb'\\r?\\n| ', data))"
        del farr, fwant
        rows = {
            "space": lambda: word_count.frequencies(text, threads=1),
            "casefold": lambda: word_count.frequencies(text, casefold=True, threads=1),
            "unicode+cf": lambda: word_count.frequencies(text, words="unicode",
                                                         casefold=True, threads=1),
            "space x2": lambda: word_count.frequencies(text, threads=2),
            "bytes": lambda: word_count.frequencies(data, threads=1),
            "bytes cf": lambda: word_count.frequencies(data, casefold=True, threads=1),
            "arrays": lambda: word_count.frequencies_arrays(text, threads=1),
            "arrays x2": lambda: word_count.frequencies_arrays(text, threads=2),
            "file arrays": lambda: word_count.frequencies_file_arrays(path, threads=1),
        }
        if core:
            rows["core"] = core_row(core, path, 1)
            rows["core x2"] = core_row(core, path, 2)
        if exe:
            rows["C ref"] = ref_row(exe, path, False)
            rows["C ref -i"] = ref_row(exe, path, True)
        if pol and name in ("zipf", "high"):
            lines = text.splitlines()
            rows["polars"] = lambda: pol(lines)
        rows["Counter"] = lambda: collections.Counter(text.split())
        best = measure(rows, args.rounds)
        mbs = {k: len(data) / 1e6 / v for k, v in best.items()}
        results[name] = (mbs, len(data), len(c))
        w = str_width(text)
        say(f"{name}: {len(data) / 1e6:.1f} MB, {len(c):,} distinct words; its str "
            f"{w} byte{'s' if w > 1 else ''} a character ({len(text) * w / 1e6:.0f} MB)")
        for k in rows:
            say(f"  {k:<12} {best[k]:8.3f} s  {mbs[k]:8.1f} MB/s")
        if "core" in best:
            py = best["bytes"] - best["core"]
            say(f"  bytes - core {py:8.3f} s  (the Counter's {len(c):,} keys and counts: "
                f"{100 * py / best['bytes']:.0f}% of the bytes row, "
                f"{py * 1e9 / len(c):.0f} ns a word)")
            # What the Counter alone allows (bounds derived from the rows
            # above, not measured rows): its keys and counts are made and
            # inserted one by one under the GIL, whatever the count costs.
            counter_part[name] = py
            if py > 0:
                say(f"  bound: space / Counter <= {best['Counter'] / py:.1f}x even if the "
                    f"count took no time (Counter(text.split()) / (bytes - core))")
                t1 = best["space"]
                say(f"  bound: 2 threads / 1 <= {t1 / (py + (t1 - py) / 2):.2f}x if all "
                    f"but the Counter's keys and counts halved (space row, bytes - core "
                    f"serial)")
        del text, data, c, got
        if name != "high":
            os.unlink(path)
    for name, (mbs, n, d) in results.items():
        if name == "high":
            continue
        for row, goal in (("space", 500), ("casefold", 400), ("unicode+cf", 300),
                          ("bytes", 500), ("bytes cf", 400)):
            tgt(f"{name}: {row} per core MB/s", f">= {goal}",
                   f"{mbs[row]:.0f}", mbs[row] >= goal)
        if "C ref" in mbs:
            r = mbs["space"] / mbs["C ref"]
            tgt(f"{name}: space / C reference", ">= 3.5x", f"{r:.2f}x", r >= 3.5)
            if "core" in mbs:
                # Like for like: the C reference counts and stops (it makes
                # no result); the core counts and sorts, in C, no Python
                # objects.  The line above also pays for the Counter.
                r = mbs["core"] / mbs["C ref"]
                tgt(f"{name}: core (count + sort) / C reference (count)", ">= 3.5x",
                    f"{r:.2f}x", r >= 3.5)
        tgt(f"{name}: arrays (frequencies_arrays, space) per core MB/s", ">= 500",
            f"{mbs['arrays']:.0f}", mbs["arrays"] >= 500)
        r = mbs["space x2"] / mbs["space"]
        tgt(f"{name}: 2 threads / 1", ">= 1.8x", f"{r:.2f}x", r >= 1.8)
        r = mbs["arrays x2"] / mbs["arrays"]
        tgt(f"{name}: arrays 2 threads / 1", ">= 1.8x", f"{r:.2f}x", r >= 1.8)
        r = mbs["space"] / mbs["Counter"]
        tgt(f"{name}: space / Counter", ">= 10x", f"{r:.1f}x", r >= 10)
        if "polars" in mbs:
            r = mbs["space x2"] / mbs["polars"]
            tgt(f"{name}: frequencies / polars", ">= 10x", f"{r:.1f}x", r >= 10)
    if "high" in results and "zipf" in results:
        r = results["zipf"][0]["space"] / results["high"][0]["space"]
        tgt("high cardinality: time per byte / zipf", "<= 3x", f"{r:.2f}x", r <= 3)
        if "high" in counter_part:
            # zipf's space MB/s times the seconds a MB of high's Counter
            # part alone takes: the ratio above if the count took no time.
            b = results["zipf"][0]["space"] * counter_part["high"] / (results["high"][1] / 1e6)
            say(f"  bound: high cardinality time per byte / zipf >= {b:.1f}x even if the "
                f"count took no time (high's bytes - core per byte, against zipf's space row)")
        mbs, n, d = results["high"]
        # The text is read from a file (its generation would set the peak).
        gen = f"t = open({os.path.join(tmp, 'high.txt')!r}, encoding='utf-8').read()"
        base = peak_rss(gen)
        rss = {
            "frequencies": peak_rss(gen + "; import word_count; c = word_count.frequencies(t)"),
            "arrays": peak_rss(gen + "; import word_count; c = word_count.frequencies_arrays(t)"),
            "Counter": peak_rss(gen + "; import collections; c = collections.Counter(t.split())"),
        }
        if pol:
            rss["polars"] = peak_rss(gen + "; import polars as pl; c = pl.DataFrame({'l': "
                                     "t.splitlines()}).select(pl.col('l').str.split(' ')"
                                     ".explode().value_counts(sort=False))")
        for k, v in rss.items():
            say(f"  high: {k:<12} peak RSS {v:8.0f} MB, {(v - base) * 1e6 / d:6.0f} bytes per "
                f"distinct word above the text's {base:.0f} MB")
        r = rss["frequencies"] <= rss["Counter"]
        tgt("high cardinality: peak RSS vs Counter", "<= Counter",
               f"{rss['frequencies']:.0f} vs {rss['Counter']:.0f} MB", r)
        r = mbs["space"] / mbs["Counter"]
        tgt("high cardinality: space / Counter", ">= 5x", f"{r:.1f}x", r >= 5)
        # The same words and counts with no object a word (one thread).
        r = mbs["arrays"] / mbs["Counter"]
        tgt("high cardinality: arrays (frequencies_arrays) / Counter", ">= 5x",
            f"{r:.1f}x", r >= 5)
        r = rss["arrays"] <= rss["Counter"]
        tgt("high cardinality: arrays peak RSS vs Counter", "<= Counter",
            f"{rss['arrays']:.0f} vs {rss['Counter']:.0f} MB", r)
    if os.path.exists(os.path.join(tmp, "high.txt")):
        os.unlink(os.path.join(tmp, "high.txt"))
    os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
