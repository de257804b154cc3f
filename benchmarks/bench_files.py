#!/usr/bin/env python3
"""Counting a ~1 GB file (page cache warm): wordcount, grep, ripgrep and
word_count.search_file, with each one's peak memory.

The file is the Zen of Python repeated to about --size-mb MB, built once
under --dir (default build/bench-data) and reused.  Every row must give the
same count.  ripgrep comes from the Debian package `ripgrep`
(`apt-get install ripgrep`); without it its row is left out.

    python benchmarks/bench_files.py [--dir DIR] [--size-mb 1024] [--needle is] [--quick]

--quick: a 100 MB file and half a second a row.  Targets (reported, never
asserted): wordcount at least 10x faster than `rg -ow | wc -l`.

Then a generated log of about --log-mb MB (100; --quick 20): CRLF lines
with timestamps, `ERROR:`, `[ERROR]`, tab-separated words, Latin-1 bytes
(not UTF-8) and UTF-8 letters and dashes beside the word, where grep's
words (the CLI's default) need Unicode: `wordcount ERROR` against
`grep -ow` (in the C.UTF-8 locale) and `rg -ow`, every row the same count.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
from harness import Row, progress, run_row, say, table, target  # noqa: E402

TIME = "/usr/bin/time"


def make_file(directory: str, size_mb: int) -> tuple[str, int]:
    """The Zen text repeated to about size_mb MB; (path, copies of the Zen)."""
    os.makedirs(directory, exist_ok=True)
    zen = word_count.ZEN.encode()
    copies = size_mb * 1_000_000 // len(zen)
    path = os.path.join(directory, f"zen-{copies}.txt")
    if not os.path.exists(path) or os.path.getsize(path) != copies * len(zen):
        tmp = path + ".tmp"
        block = zen * 1000
        with open(tmp, "wb") as f:
            for i in range(copies // 1000):
                f.write(block)
                if i % 100 == 0:
                    progress.show(f"  writing {path}: {f.tell() / 1e6:,.0f} MB")
            f.write(zen * (copies % 1000))
        os.replace(tmp, path)
        progress.clear()
    return path, copies


LOG_MESSAGES = [
    b"INFO request served in %d ms", b"WARN slow\tERROR retry %d",
    b"ERROR: disk full on /dev/sda%d", b"DEBUG cache hit for user_%d",
    b"ERROR caf\xe9 %d failed", b"INFO na\xc3\xafve parser %d ok", b"ERRORS %d ignored",
    b"xERROR %d", b"ERROR_%d", b"[ERROR] code=%d", b"ERROR\xc3\xa9 %d", b"\xc3\xa9ERROR %d",
    b"ERROR\xe2\x80\x94 dash %d", b"\xe4\xb8\xadERROR %d", b"\xe9t\xe9 ERROR %d"]


def make_log(directory: str, size_mb: int) -> str:
    """A deterministic log of about size_mb MB (see the module's doc)."""
    import random
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"log-{size_mb}mb.txt")
    if os.path.exists(path):
        return path
    rng = random.Random(size_mb)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        i = 0
        while f.tell() < size_mb * 1_000_000:
            lines = []
            for _ in range(10_000):
                msg = rng.choice(LOG_MESSAGES) % rng.randrange(1000)
                lines.append(b"2026-11-30T%02d:%02d:%02d.%03dZ host-%d app[%d]: %s\r\n" % (
                    i // 3_600_000 % 24, i // 60_000 % 60, i // 1000 % 60, i % 1000,
                    rng.randrange(40), rng.randrange(99999), msg))
                i += 1
            f.write(b"".join(lines))
    os.replace(tmp, path)
    return path


def bench_log(args, wordcount: str) -> None:
    """grep's words in a log: wordcount's default against grep and rg, with
    and without -i (casefold: the needle 'error' in any case)."""
    path = make_log(args.dir, args.log_mb)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    for needle, i in (("ERROR", ""), ("error", "i")):
        o = f"-o{i}w"
        cmds = {
            f"wordcount {'-i ' if i else ''}{needle}":
                f"{wordcount} --no-progress {'-i ' if i else ''}{needle} {path}",
            f"grep {o} | wc -l (C.UTF-8)": f"LC_ALL=C.UTF-8 grep {o} {needle} {path} | wc -l",
        }
        if shutil.which("rg"):
            cmds[f"rg {o} | wc -l"] = f"rg {o} {needle} {path} | wc -l"
        expected = shell_count(cmds[f"grep {o} | wc -l (C.UTF-8)"])
        rows = [Row(name, (lambda c=c: shell_count(c)), expected, nbytes=size)
                for name, c in cmds.items()]
        rows.append(Row(f"search_file(words='unicode'{', casefold=True' if i else ''})",
                        lambda n=needle, i=i: word_count.search_file(
                            path, n, words="unicode", casefold=bool(i), errors="replace"),
                        expected, nbytes=size))
        say(f"\n{size / 1e6:,.0f} MB log {path}, needle {needle!r}{' with -i' if i else ''}, "
            f"grep's words, count {expected:,}")
        for r in rows:
            run_row(r, min_rounds=3, max_time=args.max_time)
        print(table(rows, f"grep's words in a {size / 1e6:,.0f} MB log"
                          f"{', -i' if i else ''} (page cache warm)"))
        med = {r.name: r.stats["median"] for r in rows}
        ours = rows[0].name
        what = f"log{' -i' if i else ''}: wordcount vs"
        gr = med[f"grep {o} | wc -l (C.UTF-8)"] / med[ours]
        print(target("bench_files", f"{what} grep {o} | wc -l", "-", f"{gr:.1f}x faster", None))
        if f"rg {o} | wc -l" in med:
            rg = med[f"rg {o} | wc -l"] / med[ours]
            print(target("bench_files", f"{what} rg {o} | wc -l", "-", f"{rg:.1f}x faster",
                         None))


def shell_count(cmd: str) -> int:
    out = subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True)
    return int(out.stdout.split()[0])


def peak_rss_mib(cmd: str) -> float | None:
    """Max RSS of the command's largest process, from GNU time -v."""
    if not os.path.exists(TIME):
        return None
    r = subprocess.run([TIME, "-v", "sh", "-c", cmd + " >/dev/null"],
                       capture_output=True, text=True, check=False)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m.group(1)) / 1024 if m else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="build/bench-data")
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--needle", default="is")
    ap.add_argument("--max-time", type=float, default=None,
                    help="seconds per row (default 3, --quick 0.5)")
    ap.add_argument("--log-mb", type=int, default=None,
                    help="the generated log's size (default 100, --quick 20)")
    ap.add_argument("--quick", action="store_true",
                    help="a 100 MB file (unless --size-mb says otherwise), 0.5 s a row")
    args = ap.parse_args(argv)
    if args.quick and args.size_mb == 1024:
        args.size_mb = 100
    if args.log_mb is None:
        args.log_mb = 20 if args.quick else 100
    if args.max_time is None:
        args.max_time = 0.5 if args.quick else 3.0

    path, copies = make_file(args.dir, args.size_mb)
    size = os.path.getsize(path)
    expected = word_count.DEFAULT_COUNT // 1000 * copies if args.needle == word_count.DEFAULT_NEEDLE else None
    wordcount = shutil.which("wordcount", path=os.path.dirname(sys.executable)) or shutil.which("wordcount")
    if wordcount is None:
        print("wordcount is not installed (pip install .)", file=sys.stderr)
        return 2
    with open(path, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass

    q = args.needle
    cmds = {
        # The CLI's default words are grep's (runs of \w): the same semantics
        # as grep -ow and rg -ow, so the targets compare against this row.
        "wordcount": f"{wordcount} --no-progress {q} {path}",
        "wordcount --words=space": f"{wordcount} --no-progress --words=space {q} {path}",
        "grep -ow | wc -l": f"grep -ow {q} {path} | wc -l",
    }
    if shutil.which("rg"):
        cmds["rg -ow | wc -l"] = f"rg -ow {q} {path} | wc -l"
    else:
        print("ripgrep is not installed: its row is left out "
              "(apt-get install ripgrep)", file=sys.stderr)
        target("bench_files", "wordcount vs rg -ow | wc -l", ">= 10x",
               "not measured: ripgrep is not installed", None)
    rows = [Row(name, (lambda c=c: shell_count(c)), expected, nbytes=size)
            for name, c in cmds.items()]
    rows.append(Row("word_count.search_file", lambda: word_count.search_file(path, q),
                    expected, nbytes=size))
    if expected is None:
        expected = shell_count(cmds["grep -ow | wc -l"])
        for r in rows:
            r.expected = expected

    say(f"{size / 1e6:,.0f} MB file {path}, needle {q!r}, count {expected:,}; "
        f"kernel {word_count.kernel()}, {word_count.default_threads()} threads")
    for r in rows:
        run_row(r, min_rounds=3, max_time=args.max_time)
    print(table(rows, f"counting a {size / 1e9:.1f} GB file (page cache warm)"))

    med = {r.name: r.stats["median"] for r in rows}
    if "rg -ow | wc -l" in med:
        rg = med["rg -ow | wc -l"] / med["wordcount"]
        print(target("bench_files", "wordcount vs rg -ow | wc -l", ">= 10x",
                     f"{rg:.1f}x faster", rg >= 10))
    gr = med["grep -ow | wc -l"] / med["wordcount"]
    print(target("bench_files", "wordcount vs grep -ow | wc -l", "-", f"{gr:.1f}x faster",
                 None))

    print("\nPeak memory (max RSS of the largest process, GNU time -v):")
    for name, c in cmds.items():
        rss = peak_rss_mib(c.split(" | ")[0])
        print(f"  {name:<24} {'n/a' if rss is None else f'{rss:,.1f} MiB'}")
    code = (f"import word_count, resource; word_count.search_file({path!r}, {q!r}); "
            f"print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    base = ("import word_count, resource; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    rss = int(subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, check=True).stdout)
    rss0 = int(subprocess.run([sys.executable, "-c", base], capture_output=True,
                              text=True, check=True).stdout)
    print(f"  {'word_count.search_file':<24} {rss / 1024:,.1f} MiB "
          f"({(rss - rss0) / 1024:,.1f} MiB above the interpreter with word_count imported)")
    wc_rss = peak_rss_mib(cmds["wordcount"])
    if wc_rss is not None:
        target("bench_files", "wordcount peak memory (max RSS)", "-", f"{wc_rss:,.1f} MiB",
               None)
    bench_log(args, wordcount)
    return 0


if __name__ == "__main__":
    sys.exit(main())
