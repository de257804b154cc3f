"""Bytes [lo, hi) of a file counted by the core as a text of their own
(wc_count_file_range, wc_freq_count_file_range, through
word_count._ranges.count_file_range, which word_count.dask and
word_count.mpi use), against oracles written here: the slice data[lo:hi]
split by hand (helpers.reference_count for needles, test_freq.oracle for
frequencies, Python's decoder for UTF-8).

Every range of a small file that holds multi-byte UTF-8, "\\r\\n", empty
words and lines: ranges that start or end inside a word, a "\\r\\n" or a
UTF-8 sequence count the words of those bytes alone (a cut sequence is
invalid UTF-8 there: an error in strict mode, U+FFFD with
errors='replace').  On 1, 2 and 4 threads with blocks of 1 and 3 bytes (a
block edge on every byte) and the default; the edges of the file; ranges
past its end; lo > hi.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

import word_count
from helpers import reference_count
from test_freq import MODES, oracle
from word_count._ranges import count_file_range

native = word_count._word_count

DATA = "ab é x\r\nAB  €uro\n\nÉcole 😀 ab\r\rz__9 ab\n x".encode()

# (threads, block_size): the default, and a block edge on every byte on
# several threads.
RUNS = [(1, None), (2, 1), (4, 3)]


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "data.txt"
    p.write_bytes(DATA)
    return str(p)


@pytest.fixture
def many_blocks():
    """Even a few bytes are read on several threads."""
    native._set_parallel_threshold(1)
    yield
    native._set_parallel_threshold(0)


def ranges():
    return [(lo, hi) for lo in range(len(DATA) + 1) for hi in range(lo, len(DATA) + 1)]


def want_counter(text: bytes, words: str, casefold: bool, errors: str):
    """The oracle's Counter of `text` alone, or the UnicodeDecodeError that
    decoding it raises."""
    if words == "space" and not casefold:
        return oracle(text)  # bytes stay bytes
    try:
        s = text.decode("utf-8", errors)
    except UnicodeDecodeError as e:
        return e
    return Counter({k.encode(): v for k, v in oracle(s, words, casefold).items()})


@pytest.mark.parametrize("threads,block", RUNS)
def test_every_range_frequencies(path, many_blocks, threads, block):
    for words, casefold in MODES:
        for errors in ("strict", "replace"):
            opts = {"words": words, "casefold": casefold, "errors": errors}
            for lo, hi in ranges():
                want = want_counter(DATA[lo:hi], words, casefold, errors)
                where = (words, casefold, errors, lo, hi)
                if isinstance(want, UnicodeDecodeError):
                    with pytest.raises(UnicodeDecodeError) as e:
                        count_file_range(path, lo, hi, None, opts, threads, block)
                    # The offset is the bad byte's in the file (it counted
                    # from lo, which front ends then gave as the file's).
                    assert f"at byte offset {lo + want.start} " in str(e.value), where
                    assert e.value.file_offset == lo + want.start, where
                    continue
                got = count_file_range(path, lo, hi, None, opts, threads, block)
                assert list(got.items()) == list(want.items()), where


@pytest.mark.parametrize("threads,block", RUNS)
def test_every_range_needles(path, many_blocks, threads, block):
    needles = [b"ab", b"x", b"", b"z__9", "€uro".encode(), b"\r", b"ab\r"]
    for lo, hi in ranges():
        text = DATA[lo:hi]
        for needle in needles:
            # The default words: the needle kernels, empty words included.
            got = count_file_range(path, lo, hi, needle, {}, threads, block)
            assert got == reference_count(text, needle), (lo, hi, needle)
        # Other word modes: the words of a table, errors replaced.
        for words, casefold in MODES[1:]:
            opts = {"words": words, "casefold": casefold, "errors": "replace"}
            want = want_counter(text, words, casefold, "replace")
            for needle in (b"ab", "école".encode(), b"z__9"):
                got = count_file_range(path, lo, hi, needle, opts, threads, block)
                assert got == want.get(needle, 0), (words, casefold, lo, hi, needle)


def test_range_ends(path):
    """The whole file, an empty range at 0 and at the end, ranges past the
    end of the file, lo > hi."""
    n = len(DATA)
    assert list(count_file_range(path, 0, n, None, {}).items()) == list(oracle(DATA).items())
    assert count_file_range(path, 0, n, b"ab", {}) == reference_count(DATA, b"ab")
    for at in (0, n, n + 10, 1 << 40):  # empty: nothing read, wherever it is
        assert count_file_range(path, at, at, None, {}) == Counter()
        assert count_file_range(path, at, at, b"", {}) == 0
    for lo, hi in ((0, n + 1), (n, n + 1), (n + 5, n + 9)):
        for needle in (None, b"ab"):
            with pytest.raises(OSError) as e:  # ends before hi: as if it shrank
                count_file_range(path, lo, hi, needle, {}, 2)
            assert e.value.errno == 5 and e.value.filename == path
    for needle in (None, b"ab"):
        with pytest.raises(ValueError, match="bad byte range"):
            count_file_range(path, 5, 4, needle, {})
        with pytest.raises(ValueError, match="start must be from 0"):
            count_file_range(path, -1, 4, needle, {})


def test_range_errors(path, tmp_path):
    with pytest.raises(FileNotFoundError):
        count_file_range(str(tmp_path / "missing"), 0, 1, None, {})
    with pytest.raises(IsADirectoryError):
        count_file_range(str(tmp_path), 0, 1, b"a", {})
    with pytest.raises(ValueError):
        count_file_range(path, 0, 1, None, {}, 0)  # threads >= 1 or None
    with pytest.raises(ValueError):
        count_file_range(path, 0, 1, None, {}, 1, 0)  # block_size >= 1 or None
    assert count_file_range(path, 0, 2, b"ab", {}, None) == 1  # the default threads


def test_range_of_a_large_file_on_threads(tmp_path):
    """A range of several default blocks, on 1 and 4 threads: the oracle's
    counts, order included (blocks are claimed out of order)."""
    line = "ab cd é €uro\r\n".encode()
    data = b"".join(line.replace(b"cd", b"c%d" % (i % 5000)) for i in range(300_000))
    p = tmp_path / "big.txt"
    p.write_bytes(data)
    lo = data.index(b"\n", 1 << 20) + 1
    hi = len(data) - 17  # inside a line
    text = data[lo:hi]
    want = oracle(text)
    for threads in (1, 4):
        got = count_file_range(str(p), lo, hi, None, {}, threads)
        assert list(got.items()) == list(want.items()), threads
        assert count_file_range(str(p), lo, hi, b"ab", {}, threads) == \
            reference_count(text, b"ab")
        got = count_file_range(str(p), lo, hi, None, {"words": "unicode"}, threads)
        assert got == Counter(w.encode() for w in __import__("re").findall(r"\w+", text.decode()))
    os.unlink(p)
