"""Bugs found by the reliability work (fuzzing, sanitizers), each with the
input that showed it, checked against the independent reference."""

from __future__ import annotations

import pytest

import word_count
from helpers import SEARCHES, reference_count


@pytest.mark.parametrize("wide", ["\u0101", "\U0001f600"], ids=["ucs2", "ucs4"])
@pytest.mark.parametrize("m", [5, 6, 17, 40])
def test_long_needle_in_wide_str_counts_each_match_once(kernel, wide, m):
    """fuzz/fuzz_kernels found it (and the lead's C test, fixed on main in
    699668f; the failing input is the seed regress_long_needle_wide_units): for
    needles longer than the exact-compare
    length (4 units), the SIMD loop ran the full rule once per mask BIT; with
    byte movemasks a 2- or 4-byte unit sets 2 or 4 bits, so a match in the
    vector loop counted 2 or 4 times (UCS-2, UCS-4 str; SSE2 and AVX2)."""
    needle = "x" * m
    text = wide + (" " + needle) * 200 + "\n" + (needle + "y ") * 50 + needle
    want = reference_count(text, needle)
    for name, fn in SEARCHES.items():
        assert fn(text, needle) == want, (name, kernel)


@pytest.mark.parametrize("opts", [{"words": "unicode"}, {"casefold": True}],
                         ids=["unicode", "casefold"])
def test_search_words_takes_the_needle_buffer_as_search_does(opts):
    """The bad-input table found it once search(words=, casefold=) joined it
    (tests/python/reliability.py): with those options a non-contiguous or
    2-dimensional needle buffer was copied by PyBytes_FromObject and counted,
    where search() without them raises BufferError / TypeError."""
    text = b"is is"
    with pytest.raises(BufferError):
        word_count.search(text, memoryview(b"iiss")[::2])  # the default path
    for bad, exc in [(memoryview(b"iiss")[::2], BufferError),
                     (memoryview(b"is").cast("B", (1, 2)), TypeError)]:
        with pytest.raises(exc):
            word_count.search(text, bad, **opts)
    # A bytearray or memoryview needle is still counted (keyed as bytes).
    assert word_count.search(text, bytearray(b"is"), **opts) == 2
    assert word_count.search(text, memoryview(b"xis")[1:], **opts) == 2


def test_count_many_rejects_an_unhashable_needle_before_counting():
    """A bytearray needle cannot be a key of the result: a clear TypeError,
    raised before the count (it used to come from the dict, after it)."""
    with pytest.raises(TypeError, match="needle 1 is an unhashable 'bytearray'"):
        word_count.count_many(b"is a is", [b"is", bytearray(b"a")])
    assert word_count.count_many(b"is a is", [b"is", bytes(bytearray(b"a"))]) == {b"is": 2, b"a": 1}


def test_count_many_keeps_the_exception_of_a_needles_hash():
    """A needle's __hash__ that raises anything but TypeError (Ctrl-C, a
    MemoryError) raises that, as a dict would; it became "unhashable"."""
    class Interrupting(bytearray):
        def __hash__(self):
            raise KeyboardInterrupt

    class Unhashable(bytearray):
        def __hash__(self):
            raise TypeError("no")

    with pytest.raises(KeyboardInterrupt):
        word_count.count_many(b"is a is", [b"is", Interrupting(b"a")])
    with pytest.raises(TypeError, match="needle 1 is an unhashable 'Unhashable'"):
        word_count.count_many(b"is a is", [b"is", Unhashable(b"a")])
