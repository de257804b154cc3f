"""One meaning of top and of ties in the four front ends: frequencies*
(in memory, file, stream), the wordcount CLI, word_count.dask and
word_count.mpi give the same top-K lists for the same text.

The oracle is a plain Python reference: the words of the files taken in
the order given (lines split at "\\n", words at " "), counted in a
collections.Counter, whose keys keep their first occurrence; top K is
those items sorted by count alone, descending, with a stable sort, so equal
counts stay in order of first occurrence (the earlier file first, then the
earlier place in it).  top=0 is no word everywhere; every word is
top=None in Python and --top all on the command lines.
"""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
import random
import shutil
import subprocess
import sys
import threading
from collections import Counter

import pytest

import word_count
import word_count.mpi as wm
from dist_layouts import lines_oracle
from helpers import reference_count
from test_cli import WORDCOUNT, run  # the installed wordcount; run: --words=space
from test_freqio import parse_top  # `COUNT WORD` lines back into pairs
from test_unicode_needle import ratio_of_sizes

KS = [0, 1, 2, 3, 5, 1000]


def oracle_counter(contents) -> Counter:
    total: Counter = Counter()
    for data in contents:
        for line in lines_oracle(data):
            for w in line.split(b" "):
                if w:
                    total[w] += 1
    return total


def oracle_top(contents, k):
    items = sorted(oracle_counter(contents).items(), key=lambda kv: -kv[1])
    return items if k is None else items[:k]


# Ties everywhere, and words whose first occurrence is early in a later
# file but late in an earlier one: "b" first occurs at offset 0 of the
# second file, after "z" at offset 12 of the first, so "z" comes first.
TIE_FILES = [
    b"x y x y aa z\nq\n",
    b"b c b c z aa q\n",
    b"\n\nd b\r\nd e e\n",
]


def _random_files(seed: int):
    rng = random.Random(seed)
    vocab = [b"w%d" % i for i in range(12)]
    files = []
    for n in (40, 1, 75, 0, 20):
        words = [rng.choice(vocab) for _ in range(n)]
        text = b""
        for w in words:
            text += w + rng.choice([b" ", b" ", b"\n", b"  ", b"\r\n"])
        files.append(text + b"\n")
    return files


SETS = {"ties": TIE_FILES, "random1": _random_files(1), "random2": _random_files(2)}


@pytest.fixture(scope="module", params=sorted(SETS))
def fileset(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("frontends")
    paths = []
    for i, data in enumerate(SETS[request.param]):
        p = d / f"f{i}.txt"
        p.write_bytes(data)
        paths.append(str(p))
    return paths, SETS[request.param]


def test_frequencies_in_memory_file_and_stream(fileset):
    """One text: the files joined (each ends with "\\n", so no word joins)."""
    paths, contents = fileset
    text = b"".join(contents)
    # A file of this thread's own: the free-threaded run calls this test
    # from 4 threads at once, and one truncating the file while another
    # counts it gave that one an empty text.
    joined = os.path.join(os.path.dirname(paths[0]), f"joined-{threading.get_ident()}.txt")
    with open(joined, "wb") as f:
        f.write(text)
    for k in KS:
        want = oracle_top([text], k)
        assert list(word_count.frequencies(text, top=k).items()) == want, k
        assert list(word_count.frequencies(text.decode(), top=k).items()) == \
            [(w.decode(), n) for w, n in want], k
        assert list(word_count.frequencies_file(joined, top=k, block_size=3,
                                                threads=2).items()) == want, k
        assert list(word_count.frequencies_stream(io.BytesIO(text), top=k).items()) == want, k
    # top=None: every word, in order of first occurrence
    assert list(word_count.frequencies(text).items()) == list(oracle_counter([text]).items())


def test_cli(fileset):
    paths, contents = fileset
    for k in KS:
        for extra in ([], ["--block-size", "3", "-j", "3"]):
            r = run("--top", k, *extra, *paths)
            assert r.returncode == (0 if oracle_counter(contents) else 1), r.stderr
            assert parse_top(r.stdout) == oracle_top(contents, k), (k, extra)
    r = run("--top", "all", *paths)
    assert parse_top(r.stdout) == oracle_top(contents, None)
    # standard input: one text
    r = run("--top", 3, input=b"".join(contents))
    assert parse_top(r.stdout) == oracle_top([b"".join(contents)], 3)


def test_cli_top_zero_prints_no_word():
    r = run("--top", 0, input=b"a b a\n")
    assert (r.returncode, r.stdout) == (0, b"")  # 0: words were found
    r = run("--top", 0, "--json", input=b"a b a\n")
    assert r.stdout.endswith(b'"top": []}\n'), r.stdout
    assert run("--top", 0, input=b"  \n").returncode == 1  # no word at all
    r = run("--top", "al", input=b"a\n")
    assert r.returncode == 2 and b"--top" in r.stderr


@pytest.mark.parametrize("text", ["0", "3", "007", "all", "9223372036854775807",
                                  " 3", "3 ", "+3", "-0", "-1", "3_0", "0x3", "3.0",
                                  "\u0663", "\uff13", "", "al", "ALL",
                                  "9223372036854775808", "99999999999999999999999"])
def test_command_lines_take_the_top_that_wordcount_takes(text):
    """word_count.dask and .mpi parse --top K (_ranges.top_arg) as wordcount
    does, the oracle: ASCII digits up to 2**63 - 1, or all.  They took what
    int() takes (" 3", "+3", "3_0", other scripts' digits)."""
    import argparse
    from word_count._ranges import top_arg
    r = run("--top", text, input=b"a b a\n")
    assert r.returncode in (0, 2), r.stderr
    try:
        k = top_arg(text)
    except argparse.ArgumentTypeError:
        assert r.returncode == 2, (text, r.stdout)
    else:
        assert r.returncode == 0, (text, r.stderr)
        assert k == (None if text == "all" else int(text))


dask_missing = importlib.util.find_spec("dask") is None or \
    importlib.util.find_spec("distributed") is None


@pytest.mark.skipif(dask_missing, reason="the dask extra is not installed")
def test_dask(fileset):
    import word_count.dask as wd
    paths, contents = fileset
    for k in KS + [None]:
        for blocksize in (1, 4, None):
            got = wd.frequencies_files(paths, top=k, blocksize=blocksize)
            assert list(got.items()) == (
                list(oracle_counter(contents).items()) if k is None else oracle_top(contents, k)
            ), (k, blocksize)
    for k in ("0", "2", "all"):
        r = subprocess.run([sys.executable, "-m", "word_count.dask", "--top", k, *paths,
                            "--blocksize", "5"], capture_output=True, timeout=180)
        assert r.returncode == 0, r.stderr
        assert parse_top(r.stdout) == oracle_top(contents, None if k == "all" else int(k))


def _mpi_in_process(paths, nranks):
    """What main() does with nranks ranks, without MPI: each rank's work,
    gathered (through pickle, as mpi4py sends it) and merged at the root."""
    sizes, errors = wm._plan(paths)
    assert not errors
    runs = [wm._rank_work(paths, sizes, wm._my_ranges(sizes, rank, nranks), None, {})
            for rank in range(nranks)]
    assert all(not e for _, e in runs)
    return wm._merge_runs([pickle.loads(pickle.dumps(r)) for r, _ in runs])


def _arrays_items(arr):
    return [(arr.data[arr.offsets[i]:arr.offsets[i + 1]], arr.counts[i])
            for i in range(len(arr.counts))]


def test_mpi_ranks_in_process(fileset):
    paths, contents = fileset
    for nranks in range(1, 6):
        merged = _mpi_in_process(paths, nranks)
        assert _arrays_items(merged) == list(oracle_counter(contents).items()), nranks
        for k in KS:
            top = word_count.merge_arrays([merged], top=sys.maxsize if k is None else k)
            assert _arrays_items(top) == oracle_top(contents, k), (nranks, k)


def _mpiexec():
    if importlib.util.find_spec("mpi4py") is None:
        return None
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


@pytest.mark.skipif(_mpiexec() is None, reason="mpi4py or mpiexec is not installed")
def test_mpiexec(fileset):
    paths, contents = fileset
    for k in ("0", "3", "all"):
        r = subprocess.run([_mpiexec(), "-n", "3", sys.executable, "-m", "word_count.mpi",
                            "--top", k, *paths], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert parse_top(r.stdout) == oracle_top(contents, None if k == "all" else int(k)), k


# ---- the C range count that dask and mpi use ---------------------------------

def test_count_range_pieces_add_up_in_every_word_mode(tmp_path):
    """Bytes [a, b) cut at line starts, counted by the C core, add up to the
    whole file's oracle counts, in order of first occurrence, for every word
    mode (the range is a text of its own)."""
    from test_freq import MODES, oracle
    from word_count._ranges import count_file_range, merge
    data = "Straße x\r\nSTRASSE ǅ y\n\nx  ﬁ Ab ab\n_z\nx".encode()
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    starts = [0] + [i + 1 for i, c in enumerate(data) if c == 10]
    for words, casefold in MODES:
        opts = {"words": words, "casefold": casefold}
        want = oracle(data, words, casefold)
        for cut in starts:
            pieces = [(0, cut), (cut, len(data))]
            got = merge(count_file_range(str(path), a, b, None, opts) for a, b in pieces)
            assert list(got.items()) == list(want.items()), (words, casefold, cut)
            for needle in (b"x", "strasse".encode(), b"ab"):
                n = sum(count_file_range(str(path), a, b, needle, opts) for a, b in pieces)
                plain = words == "space" and not casefold
                assert n == (reference_count(data, needle) if plain else want.get(needle, 0))


@pytest.mark.timing
@pytest.mark.skipif(bool(os.environ.get("WC_SANITIZER")),
                    reason="timing ratios under the sanitizers mean little")
def test_count_range_long_line_in_short_reads_is_linear():
    """One long line read 8 KiB at a time (as from a pipe): each read
    searched the whole buffer for its last "\n" again, so a line 4 times
    longer took about 16 times as long (28x measured; a 128 MiB line in
    64 KiB reads took 4.35 s).  CPU time of 4n over n, best of 5: about 5
    when linear, 14-17 with that search (n = 4 MiB, on a 2-vCPU EPYC; a
    buffer given that holds the line: the search, not the growth, is
    timed)."""
    from word_count._ranges import count_range

    class ShortReads(io.RawIOBase):
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._b.readinto(memoryview(b)[:8192])

    def count(data):
        got = count_range(ShortReads(data), 0, None, lambda mv: mv.nbytes,
                          lambda a, b: a + b, 0, chunk=65536, buf=bufs[len(data)])
        assert got == len(data)  # every byte counted once

    # The texts are made once and nothing is allocated while timed (no copy
    # of a piece, a buffer given that holds the long line, so count_range
    # never grows its own): on a guest whose fresh memory is slow,
    # allocations that the smaller size found free and the larger did not
    # made a linear count's ratio 11-12, and its growing buffer 9.4 after
    # other tests had run.
    n = 4 << 20
    small, large = (b"a" * k + b"\nb c\n" + b"d" * k for k in (n, 4 * n))
    bufs = {len(small): bytearray(len(small) + 1), len(large): bytearray(len(large) + 1)}
    ratio = ratio_of_sizes(count, small, large)
    assert ratio < 9, ratio


def test_count_range_errors(tmp_path):
    from word_count._ranges import count_file_range
    path = tmp_path / "t.txt"
    path.write_bytes(b"a b\n")
    with pytest.raises(OSError) as e:  # the file ends before `end`: shrank
        count_file_range(str(path), 0, 10, None, {})
    assert e.value.errno == 5 and e.value.filename == str(path)
    with pytest.raises(FileNotFoundError):
        count_file_range(str(tmp_path / "missing"), 0, 1, b"a", {})
    with pytest.raises(ValueError):
        count_file_range(str(path), 3, 1, b"a", {})
    # the same range errors for a file object (fsspec's) as for a path
    from word_count._ranges import count_stream_range
    for start, end in ((3, 1), (-1, 2), (0, -1)):
        with pytest.raises(ValueError) as e:
            count_file_range(str(path), start, end, b"a", {})
        with open(path, "rb") as f, pytest.raises(ValueError) as e2:
            count_stream_range(f, start, end, b"a", {})
        assert str(e2.value) == str(e.value)
    with pytest.raises(UnicodeDecodeError):
        path.write_bytes(b"ok caf\xe9\n")
        count_file_range(str(path), 0, 8, None, {"words": "unicode"})
    assert count_file_range(str(path), 0, 8, None,
                            {"words": "unicode", "errors": "replace"}) == \
        Counter({b"ok": 1, b"caf": 1})
    assert count_file_range(str(path), 2, 2, b"ok", {}) == 0


class _OddReads(io.RawIOBase):
    """A readable file over `data` whose readinto() (or, with
    readinto=False, read()) returns `odd` on its call number `at`."""

    def __init__(self, data: bytes, odd, readinto: bool = True, at: int = 2):
        self._f = io.BytesIO(data)
        self._odd = odd
        self._at = at
        self._calls = 0
        if not readinto:
            self.readinto = None

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, pos, whence=0):
        return self._f.seek(pos, whence)

    def readinto(self, b):
        self._calls += 1
        n = self._f.readinto(b)
        return self._odd if self._calls == self._at else n

    def read(self, n=-1):
        self._calls += 1
        data = self._f.read(n)
        return self._odd if self._calls == self._at else data


@pytest.mark.parametrize("odd,exc", [(None, BlockingIOError), (-5, OSError),
                                     (10**6, OSError), (2.5, OSError)])
def test_count_range_refuses_odd_readinto_results(odd, exc):
    """mpi.count_range took readinto()'s None as the end of the file, and a
    negative or too large length as bytes read: 1,365, 38,634 or 2,729
    matches of 40,000, and no error.  Now each is an error, as in
    io.BufferedReader (a plain file object still counts right)."""
    data = b"is a\nb is\n" * 20000
    count = lambda b: reference_count(bytes(b), b"is")  # noqa: E731
    add = lambda a, b: a + b  # noqa: E731
    assert wm.count_range(io.BytesIO(data), 0, None, count, add, 0, chunk=4096) == 40000
    with pytest.raises(exc):
        wm.count_range(_OddReads(data, odd), 0, None, count, add, 0, chunk=4096)


@pytest.mark.parametrize("odd,exc", [(None, BlockingIOError), (b"x" * 300000, OSError)])
def test_count_range_refuses_odd_read_results(odd, exc):
    """The same through read(n), for an object without readinto; and the
    Dask front end's reader of a range says "read(n) returned more", not
    that the file shrank by a negative number of bytes."""
    from word_count._ranges import count_stream_range
    data = b"is a\nb is\n" * 20000
    count = lambda b: reference_count(bytes(b), b"is")  # noqa: E731
    with pytest.raises(exc):
        wm.count_range(_OddReads(data, odd, readinto=False), 0, None, count,
                       lambda a, b: a + b, 0, chunk=4096)
    with pytest.raises(exc) as e:
        count_stream_range(_OddReads(data, odd, readinto=False, at=1), 0, len(data), b"is", {})
    assert "shrank" not in str(e.value)


def test_count_range_on_threads(tmp_path):
    """A range read in small blocks on several threads: the same count and
    the same Counter, order included, as the oracle."""
    import word_count._ranges as r
    data = b"".join(_random_files(3))
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    starts = [0] + [i + 1 for i, c in enumerate(data) if c == 10]
    word_count._word_count._set_parallel_threshold(1)
    try:
        for threads in (1, 2, 3, 8, 256):
            for a in (0, starts[3]):
                text = data[a:]
                got = r.count_file_range(str(path), a, len(data), None, {}, threads, 7)
                assert list(got.items()) == list(oracle_counter([text]).items()), (threads, a)
                assert r.count_file_range(str(path), a, len(data), b"w3", {}, threads, 7) == \
                    reference_count(text, b"w3")
    finally:
        word_count._word_count._set_parallel_threshold(0)


def test_count_range_never_waits_for_a_fifo(tmp_path):
    """A FIFO where the file was (replaced after the size was taken): an
    OSError at once, not an open() that waits for a writer."""
    from word_count._ranges import count_file_range
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-c",
                        "import sys; from word_count._ranges import count_file_range as c\n"
                        "try:\n    c(sys.argv[1], 0, 10, b'a', {})\n"
                        "except OSError as e:\n    print(e.errno)\n", str(fifo)],
                       capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == b"29", r  # ESPIPE


# ---- the command lines print the same lines, with the same word options -------

# Words that --words unicode and -i cut and fold differently from the
# default: punctuation, tabs, case, a German sharp s.
OPTION_FILES = [
    "Straße STRASSE, strasse;\tthe Cat\n".encode(),
    "cat CAT the\tTHE (straße)\nend.\n".encode(),
]
WORD_OPTIONS = [["--words", "space"], ["--words", "unicode"],
                ["--words", "space", "-i"], ["--words", "unicode", "-i"]]


def _option_oracle(contents, opts):
    """A Counter in order of first occurrence, for the options of a command
    line: space words (split at " " after the lines) or \\w runs (re), then
    str.casefold with -i."""
    import re
    total: Counter = Counter()
    for data in contents:
        text = data.decode()
        if "unicode" in opts:
            words = re.findall(r"\w+", text)
        else:
            words = [w for line in lines_oracle(data) for w in line.decode().split(" ") if w]
        for w in words:
            total[w.casefold() if "-i" in opts else w] += 1
    return total


def _expected_lines(contents, opts, k):
    items = sorted(_option_oracle(contents, opts).items(), key=lambda kv: -kv[1])
    items = items if k is None else items[:k]
    return b"".join(b"%7d %s\n" % (n, w.encode()) for w, n in items)


@pytest.fixture(scope="module")
def option_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("options")
    paths = []
    for i, data in enumerate(OPTION_FILES):
        p = d / f"o{i}.txt"
        p.write_bytes(data)
        paths.append(str(p))
    return paths


def _command_lines():
    yield "wordcount", lambda args: [str(WORDCOUNT), *args]
    if not dask_missing:
        yield "dask", lambda args: [sys.executable, "-m", "word_count.dask", *args,
                                    "--blocksize", "7"]
    if _mpiexec() is not None:
        yield "mpi", lambda args: [_mpiexec(), "-n", "2", sys.executable, "-m",
                                   "word_count.mpi", *args]


@pytest.mark.parametrize("opts", WORD_OPTIONS, ids=" ".join)
def test_command_lines_print_the_same_lines(option_files, opts):
    """wordcount --top, python -m word_count.dask --top and word_count.mpi
    --top print the same bytes ("%7d WORD" lines) for the same files and
    word options, and those are the oracle's."""
    for k in ("2", "all"):
        want = _expected_lines(OPTION_FILES, opts, None if k == "all" else int(k))
        for name, argv in _command_lines():
            r = subprocess.run(argv(["--top", k, *opts, *option_files]),
                               capture_output=True, timeout=180)
            assert r.returncode == 0, (name, r.stderr)
            assert r.stdout == want, (name, k, r.stdout, want)


def test_command_lines_take_options_between_needle_and_files(tmp_path):
    """An option between NEEDLE and FILE (wordcount is -j 2 a.txt takes
    it): the Python command lines refused it ("unrecognized arguments")."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"is a word is\nthis is\n")
    want = reference_count(path.read_bytes(), b"is")
    for name, argv in _command_lines():
        if name == "wordcount":
            continue
        for args in (["is", "--threads", "2", str(path)], ["is", str(path), "--threads", "1"],
                     ["--threads", "2", "is", str(path)]):
            r = subprocess.run(argv(args), capture_output=True, timeout=180)
            assert (r.returncode, r.stdout) == (0, f"{want}\n".encode()), (name, args, r.stderr)


@pytest.mark.parametrize("module,extra", [("dask", "dask"), ("mpi", "mpi4py")])
def test_command_line_without_its_extra_says_so_and_exits_2(module, extra, tmp_path):
    """`python -m word_count.dask` without dask printed a traceback and
    exited 1, which means "none found"; it now says so in one line and
    exits 2, as word_count.mpi does without mpi4py.  The extra is hidden by a
    package of its name, earlier on the path, that cannot be imported."""
    hide = tmp_path / "hide" / extra
    hide.mkdir(parents=True)
    (hide / "__init__.py").write_text(f"raise ImportError({'No module named ' + extra!r})\n")
    path = tmp_path / "a.txt"
    path.write_bytes(b"is a word\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path / "hide"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    r = subprocess.run([sys.executable, "-m", f"word_count.{module}", "is", str(path)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"word_count.{module}: {extra} is not installed"), r
