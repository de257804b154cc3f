"""word_count.mpi: the line-aligned split in-process (no MPI needed), then
`mpiexec -n 2 python -m word_count.mpi` on the boundary layouts."""

from __future__ import annotations

import collections
import importlib.util
import io
import os
import random
import re
import shutil
import subprocess
import sys
import time

import pytest

import word_count
import word_count.mpi as wm
from dist_layouts import (LAYOUTS, NEEDLES, PROC_FILES, SPLIT_WORD, SYS_FILES, expected_count,
                          frequencies_oracle, write_files)
from helpers import reference_count


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_files(tmp_path_factory.mktemp("mpi_layouts"))


def _rank_pieces(path, data, nranks, chunk):
    """Each rank's line-aligned pieces of one file, as the ranks compute them."""
    pieces = []
    for ranges in wm.split_ranges([len(data)], nranks):
        mine = []
        for _, lo, hi in ranges:
            with open(path, "rb", buffering=0) as f:
                start, end = wm.line_range(f, lo, hi, len(data))
                if start < end:
                    mine += wm.count_range(f, start, end, lambda b: [bytes(b)],
                                           lambda acc, x: acc + x, [], chunk=chunk)
        pieces.append(mine)
    return pieces


class _CountingReader(io.BytesIO):
    """A file of `data` that counts the bytes read from it."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        got = super().read(n)
        self.bytes_read += len(got)
        return got


@pytest.mark.parametrize("data", [b"is " * 100_000, b"is " * 100_000 + b"\n",
                                  b"x" * 300_000 + b"\nis\n" + b"y" * 1000])
def test_line_ranges_read_each_byte_about_once(data):
    """The ranges of a file of few newlines find where their lines start in
    their own bytes: 100 ranges of one 300 KB line read the file about
    twice in all, where each looking to the end for its start read it 50
    times over.  The pieces are still the file, in order."""
    for nranks in (1, 10, 100):
        f = _CountingReader(data)
        pieces = []
        for ranges in wm.split_ranges([len(data)], nranks):
            for _, lo, hi in ranges:
                start, end = wm.line_range(f, lo, hi, len(data))
                assert start <= end
                pieces.append(data[start:end])
        assert b"".join(pieces) == data
        assert f.bytes_read <= 3 * len(data), (nranks, f.bytes_read)


@pytest.mark.parametrize("planned, appended, whole", [
    (b"is a\nan isl", b"and is\nmore\n", b"is a\nan island is\n"),
    (b"isl", b"and", b"island"),
    (b"is a\nan is\n", b"land\n", b"is a\nan is\n"),  # ended with "\n": nothing more
])
def test_line_ranges_of_a_grown_file_end_with_its_last_line_whole(planned, appended, whole):
    """Ranges planned on a file that has grown since (every rank plans with
    the size it was given): the last line, open at the planned size, is read
    to its end, so no word is cut there; the lines appended after it are not
    in any range.  The pieces, in order, are the planned text and the rest of
    its last line."""
    data = planned + appended
    for nranks in (1, 2, 3, 7):
        f = _CountingReader(data)
        pieces = []
        for ranges in wm.split_ranges([len(planned)], nranks):
            for _, lo, hi in ranges:
                start, end = wm.line_range(f, lo, hi, len(planned))
                pieces.append(data[start:end])
        assert b"".join(pieces) == whole, nranks


def _split_ranges_every_rank(sizes, nranks):
    """The oracle: every file tried against every rank's bytes."""
    total, base, out = sum(sizes), 0, [[] for _ in range(nranks)]
    for i, size in enumerate(sizes):
        for r in range(nranks):
            lo, hi = total * r // nranks, total * (r + 1) // nranks
            start, end = max(lo, base) - base, min(hi, base + size) - base
            if start < end:
                out[r].append((i, start, end))
        base += size
    return out


def test_split_ranges_as_every_rank_against_every_file():
    rng = random.Random(7)
    for _ in range(500):
        sizes = [rng.choice([0, 1, 2, 3, 7, 100, 4096]) for _ in range(rng.randrange(0, 12))]
        nranks = rng.randrange(1, 40)
        assert wm.split_ranges(sizes, nranks) == _split_ranges_every_rank(sizes, nranks)


@pytest.mark.timing
def test_split_ranges_costs_files_plus_ranks():
    """Each file meets only the ranks of its own bytes: 10,000 files on 512
    ranks cost about what they cost on 16 (trying every file on every rank
    made it 32-33 times as much; 1.2-1.4 now).  CPU time, the two timed in
    turn, best of 5: 5,000 files timed by the wall clock, best of 3, took
    3-6 ms on 16 ranks, where a few ms of preemption decide."""
    sizes = [4096] * 10000
    best = {16: float("inf"), 512: float("inf")}
    for _ in range(5):
        for nranks in best:
            t = time.process_time()
            wm.split_ranges(sizes, nranks)
            best[nranks] = min(best[nranks], time.process_time() - t)
    assert best[512] / best[16] < 8, best


def test_split_ranges_cover_the_files_once():
    sizes = [0, 5, 1, 17, 0, 3]
    for nranks in range(1, 8):
        ranges = wm.split_ranges(sizes, nranks)
        assert len(ranges) == nranks
        covered = {i: [] for i in range(len(sizes))}
        for rank in ranges:
            for i, lo, hi in rank:
                assert 0 <= lo < hi <= sizes[i]
                covered[i].append((lo, hi))
        for i, size in enumerate(sizes):
            spans = sorted(covered[i])
            assert sum(hi - lo for lo, hi in spans) == size
            assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    with pytest.raises(ValueError):
        wm.split_ranges([1], 0)


def test_every_line_belongs_to_one_rank(files):
    """In-process: for 1 to 5 ranks and chunks down to 1 byte (lines longer
    than a chunk), the ranks' pieces of a file are the file, in order, cut
    only just after a newline; their counts add up to the reference."""
    for path, data in files.items():
        for nranks in range(1, 6):
            for chunk in (1, 2, 3, 64):
                pieces = [p for rank in _rank_pieces(path, data, nranks, chunk) for p in rank]
                assert b"".join(pieces) == data, (path, nranks, chunk)
                assert all(p.endswith(b"\n") for p in pieces[:-1]), (path, nranks, chunk)
                for needle in NEEDLES:
                    assert sum(word_count.search(p, needle) for p in pieces) == \
                        reference_count(data, needle)


def _mpiexec():
    if importlib.util.find_spec("mpi4py") is None:
        return None
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason="mpi4py or mpiexec is not installed "
                               "(pip install 'fastwordcount[mpi]')")


def _run(n, *args):
    return subprocess.run([MPIEXEC, "-n", str(n), sys.executable, "-m", "word_count.mpi", *args],
                          capture_output=True, timeout=120)


@needs_mpi
def test_mpiexec_two_ranks(files, tmp_path):
    paths = list(files)
    for needle in NEEDLES[:2]:
        r = _run(2, needle.decode(), *paths)
        assert r.returncode == (0 if expected_count(files.values(), needle) else 1), r.stderr
        assert int(r.stdout) == expected_count(files.values(), needle), needle
        assert int(r.stdout) == sum(word_count.search_file(p, needle) for p in paths), needle
    # each file alone too: ranges that split one small file between ranks
    for path, data in list(files.items())[:3]:
        r = _run(2, "is", path, "--threads", "1")
        assert int(r.stdout) == reference_count(data, b"is"), path
    # files are never joined
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(SPLIT_WORD[0])
    b.write_bytes(SPLIT_WORD[1])
    r = _run(2, "is", str(a), str(b))
    assert (r.returncode, r.stdout) == (1, b"0\n")


@needs_mpi
def test_mpiexec_errors(files, tmp_path):
    path = next(iter(files))
    r = _run(2, "is", path, str(tmp_path / "missing"))
    assert r.returncode != 0
    assert b"missing" in r.stderr
    assert int(r.stdout) == reference_count(files[path], b"is")  # the others are still counted
    r = _run(2, "is", path, "--threads", "0")
    assert r.returncode != 0 and b"threads" in r.stderr


@needs_mpi
def test_main_with_a_path_python_cannot_pass_to_the_os_ends_on_every_rank(files, tmp_path):
    """main(argv) from Python with a path holding a NUL byte or a lone
    surrogate: reported as a file that cannot be counted, exit 2, on two
    ranks.  Rank 0 raised ValueError before it sent the plan, and rank 1
    waited for it for ever (the timeout here)."""
    path = next(iter(files))
    script = tmp_path / "main.py"
    script.write_text("import sys, word_count.mpi as m\n"
                      f"sys.exit(m.main(['is', {path!r}, 'x\\0y', '\\udc00']))\n")
    r = subprocess.run([MPIEXEC, "-n", "2", sys.executable, str(script)], capture_output=True,
                       timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == [b"word_count.mpi: 'x\\x00y': embedded null byte",
                                     b"word_count.mpi: '\\udc00': 'utf-8' codec can't encode "
                                     b"character '\\udc00' in position 0: surrogates not "
                                     b"allowed"], r.stderr
    assert int(r.stdout) == reference_count(files[path], b"is")


@needs_mpi
@pytest.mark.skipif(not hasattr(word_count, "frequencies"),
                    reason="word_count.frequencies not available")
def test_mpiexec_top(files):
    r = _run(2, "--top", "3", *files)
    assert r.returncode == 0, r.stderr
    full = frequencies_oracle(files.values())
    want = sorted(full.items(), key=lambda kv: -kv[1])[:3]
    assert r.stdout == b"".join(b"%7d %s\n" % (n, w) for w, n in want)


# ---- files of unknown size; failures ---------------------------------------

needs_proc = pytest.mark.skipif(not PROC_FILES, reason="needs /proc")


@needs_proc
def test_plan_reads_unknown_sizes_as_streams_once(tmp_path):
    """In-process: /proc files (size 0) and empty files become whole-file
    streams, each given to exactly one rank; regular files are split."""
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    full = tmp_path / "full"
    full.write_bytes(b"is x\n" * 10)
    paths = [PROC_FILES[0], str(full), str(empty), str(tmp_path), str(tmp_path / "missing")]
    sizes, errors = wm._plan(paths + SYS_FILES)
    assert sizes == [None, 50, None, -1, -1] + [None] * len(SYS_FILES)
    assert errors == [f"{tmp_path}: Is a directory",
                      f"{tmp_path / 'missing'}: No such file or directory"]
    for nranks in range(1, 5):
        streams = []
        covered = 0
        for rank in range(nranks):
            for i, lo, hi in wm._my_ranges(sizes, rank, nranks):
                if hi is None:
                    streams.append(i)
                else:
                    assert i == 1
                    covered += hi - lo
        assert sorted(streams) == [0, 2] + list(range(5, 5 + len(SYS_FILES)))
        assert covered == 50


@needs_mpi
@needs_proc
def test_mpiexec_counts_proc_files():
    """They counted 0 (their size is 0), and sysfs ones failed (4,096 bytes
    that are not there); search_file reads them as streams."""
    for path in PROC_FILES + SYS_FILES:
        data = open(path, "rb").read()
        words = sorted({w for line in data.split(b"\n") for w in line.split(b" ") if w})
        for needle in words[:2]:
            r = _run(2, needle.decode(), path)
            assert r.returncode == 0, r.stderr
            assert int(r.stdout) == reference_count(data, needle) == \
                word_count.search_file(path, needle)
    r = _run(2, "--top", "100", *PROC_FILES, *SYS_FILES)
    assert r.returncode == 0, r.stderr
    full = frequencies_oracle([open(p, "rb").read() for p in PROC_FILES + SYS_FILES])
    want = sorted(full.items(), key=lambda kv: -kv[1])[:100]
    assert r.stdout == b"".join(b"%7d %s\n" % (n, w) for w, n in want)


def test_mpi_missing_is_one_line_and_exit_2():
    """Without mpi4py, python -m word_count.mpi says so in one line and exits
    2 (1 means "none found"), no traceback."""
    code = ("import sys, builtins\n"
            "real = builtins.__import__\n"
            "def imp(name, *a, **k):\n"
            "    if name.startswith('mpi4py'):\n"
            "        raise ImportError('No module named ' + repr(name))\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = imp\n"
            "import word_count.mpi as m\n"
            "sys.exit(m.main(['is', '/dev/null']))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("word_count.mpi: "), r.stderr


def test_rank_decode_error_names_its_offset_in_the_file(tmp_path):
    """A rank's range with invalid UTF-8 (words='unicode') reports the bad
    byte's offset in the file, not in the range.  Oracle: data.index."""
    data = b"hello world\n" * 100 + b"bad \xff byte\n" + b"x\n" * 10
    at = data.index(b"\xff")
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    for lo in (0, 1000, 1200):
        acc, errors = wm._rank_work([str(path)], [len(data)], [(0, lo, len(data))], None,
                                    {"words": "unicode"})
        assert len(errors) == 1 and f"at byte offset {at} of" in errors[0][2], errors


def test_a_fifo_in_a_planned_files_place_is_not_waited_for(tmp_path):
    """A rank's ranges of a file that was replaced by a FIFO with no writer
    after rank 0 planned them: the rank's look for line starts opened it
    with a blocking open() and waited for ever; it is reported now (ESPIPE,
    as the C core's own open of a range gives).  In a child, so that a hang
    is a failure."""
    script = r"""
import os, sys
import word_count.mpi as wm
os.chdir(sys.argv[1])
open("f.txt", "wb").write(b"a b\na a\n")
sizes, errors = wm._plan(["f.txt"])
assert (sizes, errors) == ([8], []), (sizes, errors)
os.remove("f.txt"); os.mkfifo("f.txt")
count, errors = wm._rank_work(["f.txt"], sizes, wm._my_ranges(sizes, 0, 1), b"a", {})
assert count == [0] and errors == [(0, 0, "f.txt: " + os.strerror(29))], (count, errors)
print("ok")
"""
    try:
        r = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a rank waited for the FIFO's writer")
    assert (r.returncode, r.stdout) == (0, b"ok\n"), r.stderr


@needs_mpi
def test_mpiexec_a_file_that_fails_in_one_rank_is_counted_not_at_all(tmp_path):
    """A file with invalid UTF-8 (words unicode, -i) in one rank's range
    only: the other rank's count of its first half went into the total and
    the --top lines, and the file was reported once per rank that failed
    (two offsets).  As wordcount does, the file is now counted not at all
    and reported once, at its first bad byte.  Oracles: re and data.index."""
    half = b"ab\n" * 1000
    late = tmp_path / "late.txt"       # bad only at the end: rank 1's range
    late.write_bytes(half + half + b"q\xfez\n")
    twice = tmp_path / "twice.txt"     # bad in both ranks' ranges
    twice.write_bytes(half + b"x\xffy\n" + half + b"q\xfez\n")
    good = tmp_path / "good.txt"
    good.write_bytes(b"ab Ab\nab\n")
    want = collections.Counter(w.casefold() for w in re.findall(r"\w+", good.read_text()))
    for bad in (late, twice):
        first = bad.read_bytes().index(b"\xfe" if bad is late else b"\xff")
        for args, out in ((["--words", "unicode", "ab", str(bad), str(good)],
                           b"%d\n" % re.findall(r"\w+", good.read_text()).count("ab")),
                          (["-i", "--top", "2", str(bad), str(good)],
                           b"".join(b"%7d %s\n" % (n, w.encode()) for w, n in want.most_common(2)))):
            r = _run(2, *args)
            assert (r.returncode, r.stdout) == (2, out), (bad.name, args, r.stderr)
            lines = r.stderr.decode().splitlines()
            assert len(lines) == 1 and f"at byte offset {first} of" in lines[0], lines


@needs_mpi
def test_mpiexec_double_dash_ends_the_options(tmp_path):
    """`--` ends the options: a NEEDLE or FILE may start with "-" (the
    intermixed parse took "-v" after "--" for an option).  Oracle: bytes
    split at spaces."""
    data = b"-v a -v\n"
    path = tmp_path / "-d.txt"
    path.write_bytes(data)
    r = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-m", "word_count.mpi", "--", "-v",
                        "-d.txt"], capture_output=True, timeout=120, cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"%d\n" % data.split().count(b"-v")), r.stderr
    r = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-m", "word_count.mpi", "--top", "1",
                        "--", "-d.txt"], capture_output=True, timeout=120, cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"      2 -v\n"), r.stderr
