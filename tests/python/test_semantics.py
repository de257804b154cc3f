"""The counting semantics: the issue's vectors and random texts, for every
function, both input kinds, every kernel and several thread counts."""

from __future__ import annotations

import mmap

import pytest
from hypothesis import given, strategies as st

import word_count
from helpers import SEARCHES, reference_count

VECTORS = [
    ("is is\nis", "is", 3),
    ("is\r\n", "is", 1),
    ("is\r", "is", 0),
    ("is\r", "is\r", 1),
    ("is\r\r\n", "is\r", 1),
    ("a\r\nb\r", "b", 0),
    ("", "", 0),
    ("\n", "", 1),
    ("a\n\n", "", 1),
    (" ", "", 2),
    ("a  b", "", 1),
    ("is\x0bis", "is", 0),
    ("is\tis", "is", 0),
    ("é is é", "é", 2),
    # and some of our own
    ("is\n", "is", 1),
    ("\r\n\r\n", "", 2),
    ("a b", "a b", 0),
    ("a\nb", "a\nb", 0),
    ("is\u2028is", "is", 0),
    ("is\x85is is", "is", 1),
    ("😀 😀\r\n😀", "😀", 3),
    ("\ud800 \ud800", "\ud800", 2),  # lone surrogates are text like any other
    ("x" * 100 + " is", "is", 1),
]


def as_kinds(text: str, needle: str):
    """The same vector as str and as every kind of bytes-like object."""
    data, pat = text.encode("utf-8", "surrogatepass"), needle.encode("utf-8", "surrogatepass")
    yield "str", text, needle
    yield "bytes", data, pat
    yield "bytearray", bytearray(data), bytearray(pat)
    yield "memoryview", memoryview(data), memoryview(pat)


@pytest.mark.parametrize("text,needle,count", VECTORS)
def test_vectors(search, kernel, text, needle, count):
    assert reference_count(text, needle) == count
    for kind, t, n in as_kinds(text, needle):
        assert search(t, n) == count, kind


@pytest.mark.parametrize("text,needle,count", VECTORS)
def test_vectors_mmap(search, text, needle, count):
    data = text.encode("utf-8", "surrogatepass")
    if not data:
        pytest.skip("an mmap cannot be empty")
    with mmap.mmap(-1, len(data)) as m:
        m.write(data)
        assert search(m, needle.encode("utf-8", "surrogatepass")) == count


PIECES = [" ", " ", "\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x85",
          "\u2028", "\u2029", "é", "ß", "İ", "ς", "😀", "a", "b", "is", "\ud800",
          "better", "éééé", "😀😀😀😀"]


@st.composite
def text_and_needle(draw, max_pieces=60):
    needle = draw(st.sampled_from(["is", "", "a", "é", "😀", "is\r", "a b",
                                   "\r", "ß", "\ud800", "\x85", "b\u2028",
                                   # past the kernels' exact path (4 units)
                                   "better", "éééé\r", "a\u2028bcd", "😀😀😀😀😀",
                                   "Although that"]))
    # The needle also between separators, so that whole-word matches are
    # common, and wide pieces so that every str width is drawn.
    bounded = [needle, f" {needle} ", f"\n{needle}\r\n", f"{needle}\n"]
    pieces = draw(st.lists(st.sampled_from(PIECES + bounded), max_size=max_pieces))
    return "".join(pieces), needle


def encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


@given(text_and_needle())
def test_random_texts_all_functions_agree(tn):
    text, needle = tn
    want = reference_count(text, needle)
    for name, fn in SEARCHES.items():
        assert fn(text, needle) == want, name
        assert fn(encode(text), encode(needle)) == want, name + " bytes"


@given(text_and_needle(max_pieces=20), st.integers(1, 3000), st.integers(1, 7))
def test_long_texts_split_across_threads(tn, repeat, threads):
    """Texts past PARALLEL_THRESHOLD bytes, so that the pool's chunks cut
    them at arbitrary places.  Each copy ends with "\n", so copies are
    separate lines and the reference on one copy gives the whole count."""
    text, needle = tn
    unit = text + "\n"
    copies = word_count.PARALLEL_THRESHOLD // len(unit) + repeat
    big = unit * copies
    want = reference_count(unit, needle) * copies
    assert word_count.search(big, needle, threads=threads) == want
    assert word_count.search(encode(big), encode(needle), threads=threads) == want
    assert word_count.search_sequential(big, needle) == want


@pytest.mark.parametrize("threads", [1, 2, 3, 7, None])
def test_threads_keyword(kernel, threads):
    text = word_count.default_text()
    assert word_count.search(text, "is", threads=threads) == 10_000
    assert word_count.search(text.encode(), b"is", threads=threads) == 10_000


def test_seed_workload():
    text = word_count.default_text()
    assert len(text) == 858_000
    assert text == word_count.ZEN * 1000
    for name, fn in SEARCHES.items():
        assert fn(text, "is") == 10_000, name
    assert reference_count(word_count.ZEN, "is") == 10


@pytest.mark.parametrize("char", ["é", "\u2028", "😀"])
def test_every_str_width(char):
    """Latin-1, UCS-2 and UCS-4 str are counted in place, needles widened."""
    text = f"is {char} is\r\nis{char} {char}is is\n" * 20_000
    want = reference_count(text[: len(text) // 20_000], "is") * 20_000
    for threads in (1, 2, 5):
        assert word_count.search(text, "is", threads=threads) == want
    assert word_count.search(text, char) == 20_000
    assert word_count.search_sequential(text, char) == 20_000


def test_needle_wider_than_text():
    assert word_count.search("abc abc", "😀") == 0
    assert word_count.search("é é", "\u2028") == 0
    assert word_count.search("é é", "") == 0
    assert word_count.search(" é ", "") == 2
