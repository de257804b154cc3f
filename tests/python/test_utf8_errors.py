"""errors='strict' | 'replace' of the functions that decode words of bytes:
with 'replace' the words are those of bytes.decode('utf-8', 'replace') (a
maximal invalid subpart is one U+FFFD: no word character in unicode words,
EF BF BD in a folded space word), checked against re and str.casefold on that
decoded text, in memory and through files and streams cut into tiny blocks;
'strict' (the default) still raises UnicodeDecodeError."""

from __future__ import annotations

import collections
import io
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import word_count

native = word_count._word_count

# Bytes that break UTF-8 in every way (truncated, overlong, surrogates, above
# U+10FFFF, stray continuations) among words, separators and valid letters.
PIECES = [b"a", b"Word", b"WORD", b"_", b"1", b"\xc3\xa9", b"\xc3\x9f", b"Stra\xc3\x9fe",
          b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b" ", b"  ", b"\n", b"\r\n", b"\r", b"\t",
          b"-", b".", b"\xff", b"\xfe", b"\x80", b"\xbf", b"\xc0\xaf", b"\xc3", b"\xe2\x82",
          b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98", b"\xe0\x80\x80", b"\xe9"]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join)


def lines(text: str) -> list[str]:
    parts = text.split("\n")
    last = parts.pop()
    out = [p[:-1] if p.endswith("\r") else p for p in parts]
    return out + ([last] if last else [])


def oracle(data: bytes, words: str, casefold: bool) -> collections.Counter:
    s = data.decode("utf-8", "replace")
    if words == "unicode":
        ws = re.findall(r"\w+", s.casefold() if casefold else s)
    else:
        ws = [w for line in lines(s) for w in line.split(" ")]
        ws = [w.casefold() if casefold else w for w in ws]
        if not casefold:  # bytes as they are
            ws = [w for line in lines(data.decode("latin-1")) for w in line.split(" ")]
            return collections.Counter(w.encode("latin-1") for w in ws if w)
    return collections.Counter(w.encode() for w in ws if w)


MODES = [("space", True), ("unicode", False), ("unicode", True)]


@pytest.mark.parametrize("words,casefold", MODES)
@given(data=texts)
@example(data=b"A\xe2\x82b \xed\xa0\x80x caf\xe9 \xf0\x9f\x98")
@settings(max_examples=300, deadline=None)
def test_frequencies_replace(words, casefold, data):
    native._set_parallel_threshold(16)
    try:
        want = oracle(data, words, casefold)
        for threads in (1, 3):
            got = word_count.frequencies(data, words=words, casefold=casefold,
                                         threads=threads, errors="replace")
            assert got == want
            assert list(got.items()) == list(want.items())
    finally:
        native._set_parallel_threshold(0)
    needles = list(want)[:5] + [b"absent"]
    counts = word_count.count_many(data, needles, words=words, casefold=casefold,
                                   errors="replace")
    assert counts == {n: want.get(n, 0) for n in needles}
    for n in needles[:2]:
        assert word_count.search(data, n, words=words, casefold=casefold,
                                 errors="replace") == want.get(n, 0)


@pytest.mark.parametrize("words,casefold", MODES)
@given(data=texts)
@example(data=b"a\xc3\xa9\x80a")  # a stray continuation byte at a block edge
@settings(max_examples=100, deadline=None)
def test_files_and_streams_replace(tmp_path_factory, words, casefold, data):
    path = tmp_path_factory.mktemp("replace") / "t"
    path.write_bytes(data)
    want = oracle(data, words, casefold)
    for block in (1, 3, 64):
        kw = dict(words=words, casefold=casefold, block_size=block, errors="replace")
        assert word_count.frequencies_file(path, threads=2, **kw) == want
        assert word_count.frequencies_stream(io.BytesIO(data), **kw) == want
        for n in list(want)[:2]:
            assert word_count.search_file(path, n, threads=2, **kw) == want[n]
            assert word_count.search_stream(io.BytesIO(data), n, **kw) == want[n]


def test_strict_is_the_default_and_bad_values_raise(tmp_path):
    data = b"ok caf\xe9 ok"
    for kw in ({}, {"errors": "strict"}, {"errors": None}):
        with pytest.raises(UnicodeDecodeError):
            word_count.frequencies(data, words="unicode", **kw)
        with pytest.raises(UnicodeDecodeError):
            word_count.count_many(data, [b"ok"], casefold=True, **kw)
    path = tmp_path / "t"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError):
        word_count.search_file(path, "ok", words="unicode")
    assert word_count.search_file(path, "ok", words="unicode", errors="replace") == 2
    with pytest.raises(ValueError, match="errors must be 'strict' or 'replace'"):
        word_count.frequencies(data, words="unicode", errors="ignore")
    with pytest.raises(TypeError):
        word_count.search(data, b"ok", errors=1)

    # Another type is named by its type, as words= names it, never by its
    # repr (which is its own code, and may raise).
    class Loud:
        def __repr__(self):
            raise RuntimeError("repr called")

    for bad, name in ((1, "int"), (Loud(), "Loud"), (b"strict", "bytes")):
        for key, choices in (("errors", "'strict' or 'replace'"), ("words", "'space' or 'unicode'")):
            with pytest.raises(TypeError) as e:
                word_count.search(data, b"ok", **{key: bad})
            assert str(e.value) == f"{key} must be {choices}, not '{name}'", (key, bad)
    # str has no invalid UTF-8: errors= changes nothing there.
    assert word_count.frequencies("a \ud800 a", words="unicode", errors="replace") == \
        collections.Counter({"a": 2})
    # Space words without casefold are bytes: nothing is decoded.
    assert word_count.frequencies(data, errors="replace") == \
        collections.Counter({b"ok": 2, b"caf\xe9": 1})
