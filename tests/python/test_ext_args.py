"""The extension's shared conversions, checked alike for every function that
takes them: the ints that may be None (threads=, top=, block_size=), the one
needle of search(words=, casefold=), and the UnicodeDecodeError of invalid
UTF-8 in a needle or a text, compared with what bytes.decode() raises.

Oracles: str.split / collections.Counter for space words, re.findall(r"\\w+")
for unicode words, bytes.decode("utf-8") for the exceptions.
"""
from __future__ import annotations

import collections
import io
import re

import pytest

import word_count

TEXT = b"alpha beta alpha gamma alpha beta"
WORDS = collections.Counter(TEXT.split())


class Int(int):
    pass


def _calls(tmp_path):
    """name -> (call(**kw), the parameters it takes, its expected result)."""
    path = tmp_path / "t.txt"
    path.write_bytes(TEXT)
    alpha = WORDS[b"alpha"]
    return {
        "search": (lambda **kw: word_count.search(TEXT, b"alpha", **kw),
                   {"threads"}, alpha),
        "count_many": (lambda **kw: word_count.count_many(TEXT, [b"alpha"], **kw),
                       {"threads"}, {b"alpha": alpha}),
        "frequencies": (lambda **kw: word_count.frequencies(TEXT, **kw),
                        {"threads", "top"}, WORDS),
        "search_file": (lambda **kw: word_count.search_file(path, b"alpha", **kw),
                        {"threads", "block_size"}, alpha),
        "search_stream": (lambda **kw: word_count.search_stream(
            io.BytesIO(TEXT), b"alpha", **kw), {"threads", "block_size"}, alpha),
        "frequencies_file": (lambda **kw: word_count.frequencies_file(path, **kw),
                             {"threads", "top", "block_size"}, WORDS),
        "frequencies_stream": (lambda **kw: word_count.frequencies_stream(
            io.BytesIO(TEXT), **kw), {"threads", "top", "block_size"}, WORDS),
    }


# Values outside each parameter's range (2**70 overflows every C int).
OUT_OF_RANGE = {
    "threads": ([0, -1, word_count.MAX_THREADS + 1, 2**70, -2**70],
                f"threads must be from 1 to {word_count.MAX_THREADS} "
                r"\(or None for the default\)"),
    "block_size": ([0, -5, 2**30 + 1, 2**70],
                   r"block_size must be from 1 to 1073741824 bytes "
                   r"\(or None for the default\)"),
    "top": ([-1, -2**70], r"top must be >= 0 or None"),
}
GOOD = {"threads": [None, 1, 2, Int(1)], "block_size": [None, 1, 7, 2**30, Int(3)],
        "top": [None, 2**70, Int(2**70)]}


@pytest.mark.parametrize("name", ["search", "count_many", "frequencies",
                                  "search_file", "search_stream",
                                  "frequencies_file", "frequencies_stream"])
def test_int_or_none_parameters_convert_alike_everywhere(tmp_path, name):
    call, params, expected = _calls(tmp_path)[name]
    for param in sorted(params):
        for value in GOOD[param]:
            assert call(**{param: value}) == expected, (param, value)
        for value in (True, False, 1.0, "2", b"2"):
            with pytest.raises(TypeError,
                               match=f"{param} must be an int or None, not "
                                     f"'{type(value).__name__}'"):
                call(**{param: value})
        values, message = OUT_OF_RANGE[param]
        for value in values:
            with pytest.raises(ValueError, match=message):
                call(**{param: value})


@pytest.mark.parametrize("name", ["frequencies", "frequencies_file",
                                  "frequencies_stream"])
def test_top_is_most_common(tmp_path, name):
    call, _, _ = _calls(tmp_path)[name]
    for k in (1, 2, 3, len(WORDS), len(WORDS) + 1):
        assert list(call(top=k).items()) == WORDS.most_common(k)


UNICODE_TEXT = "Alpha beta ALPHA, alpha_1 café CAFÉ Straße strasse alpha-beta\n"


def _oracle(text: str, needle: str, casefold: bool) -> int:
    fold = str.casefold if casefold else (lambda s: s)
    return sum(fold(w) == fold(needle) for w in re.findall(r"\w+", text))


@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("progress", [None, "callable"])
@pytest.mark.parametrize("repeat", [1, 200])  # 200: beyond the GIL threshold
def test_search_words_one_needle_of_any_kind(casefold, progress, repeat):
    text = UNICODE_TEXT * repeat
    data = text.encode()
    calls = []
    kw = {"words": "unicode", "casefold": casefold,
          "progress": (lambda done, total: calls.append((done, total)))
          if progress else None}
    for needle in ("alpha", "café", "straße", "Alpha", "beta", "nothing"):
        want = _oracle(text, needle, casefold)
        b = needle.encode()

        class S(str):
            pass

        class B(bytes):
            pass

        assert word_count.search(text, needle, **kw) == want, needle
        assert word_count.search(text, S(needle), **kw) == want, needle
        for obj in (b, bytearray(b), memoryview(b), B(b)):
            assert word_count.search(data, obj, **kw) == want, (needle, obj)
    if progress:
        assert calls and calls[-1][0] == calls[-1][1]


def test_search_words_needle_is_read_once():
    # The needle is copied into the core's table before the count: a
    # callback that rewrites it while the count runs changes nothing.
    data = (UNICODE_TEXT * 200).encode()
    needle = bytearray(b"alpha")

    def progress(done, total):
        needle[:] = b"beta"

    want = _oracle(data.decode(), "alpha", True)
    assert want != _oracle(data.decode(), "beta", True)
    assert word_count.search(data, needle, words="unicode", casefold=True,
                             progress=progress) == want
    assert needle == b"beta"


BAD = [b"caf\xc3", b"\xff", b"a\xe2\x82", b"ok\xed\xa0\x80ok", b"\xf4\x90\x80\x80"]


def _same_error(got: UnicodeDecodeError, bad: bytes) -> None:
    with pytest.raises(UnicodeDecodeError) as want:
        bad.decode("utf-8")
    w = want.value
    assert (got.encoding, got.start, got.end, got.reason) == \
        (w.encoding, w.start, w.end, w.reason)
    assert bytes(got.object) == bad


@pytest.mark.parametrize("bad", BAD)
def test_invalid_utf8_needle_raises_as_bytes_decode(bad):
    for obj in (bad, bytearray(bad), memoryview(bad)):
        for kw in ({"words": "unicode"}, {"casefold": True}):
            with pytest.raises(UnicodeDecodeError) as e:
                word_count.search(b"some text", obj, **kw)
            _same_error(e.value, bad)
    for kw in ({"words": "unicode"}, {"casefold": True}):
        # count_many's needles are the result's keys: hashable ones only.
        with pytest.raises(UnicodeDecodeError) as e:
            word_count.count_many(b"some text", [b"ok", bad], **kw)
        _same_error(e.value, bad)


@pytest.mark.parametrize("bad", BAD)
def test_invalid_utf8_text_raises_as_bytes_decode(bad):
    for kw in ({"words": "unicode"}, {"casefold": True}):
        with pytest.raises(UnicodeDecodeError) as e:
            word_count.search(bad, b"ok", **kw)
        _same_error(e.value, bad)
        with pytest.raises(UnicodeDecodeError) as e:
            word_count.count_many(bad, [b"ok"], **kw)
        _same_error(e.value, bad)
        with pytest.raises(UnicodeDecodeError) as e:
            word_count.frequencies(bad, **kw)
        _same_error(e.value, bad)


def test_invalid_utf8_needle_of_a_file_raises_as_bytes_decode(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(TEXT)
    for bad in BAD:
        with pytest.raises(UnicodeDecodeError) as e:
            word_count.search_file(path, bad, words="unicode")
        _same_error(e.value, bad)


def test_private_int_arguments_are_ints_not_bools(tmp_path):
    """The private functions' ints (the byte range of _count_range, the
    byte of _count_byte) convert as threads= does: True was taken as 1 (a
    range from byte 1), a float was taken with a warning on 3.9, and an int
    past 64 bits raised OverflowError where a smaller bad one raised
    ValueError.  Oracle: bytes.split."""
    from word_count import _word_count as ext
    path = tmp_path / "t.txt"
    path.write_bytes(TEXT)
    args = (b"alpha", "space", False, "strict", 1, None, False)

    def count_range(start, end):
        return ext._count_range(str(path), start, end, *args)

    assert count_range(0, len(TEXT)) == TEXT.split().count(b"alpha")
    assert count_range(Int(0), Int(len(TEXT))) == TEXT.split().count(b"alpha")
    for start, end in ((True, len(TEXT)), (0, True), (False, 0), (0.0, len(TEXT)),
                       (None, len(TEXT)), ("0", len(TEXT))):
        with pytest.raises(TypeError, match="must be an int"):
            count_range(start, end)
    for start, end in ((-1, len(TEXT)), (0, -1), (2 ** 70, 2 ** 70), (0, 2 ** 63),
                       (3, 1)):
        with pytest.raises(ValueError):
            count_range(start, end)
    assert ext._count_byte(TEXT, 32) == TEXT.count(b" ")
    assert ext._count_byte(TEXT, Int(97)) == TEXT.count(b"a")
    for bad in (True, False, 32.0, None):
        with pytest.raises(TypeError, match="byte must be an int"):
            ext._count_byte(TEXT, bad)
    for bad in (-1, 256, 2 ** 70):
        with pytest.raises(ValueError, match="byte must be from 0 to 255"):
            ext._count_byte(TEXT, bad)
