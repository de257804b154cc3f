"""frequencies_arrays: the words of frequencies() as three flat arrays, for
vocabularies too large to be worth a Python object per word."""

from __future__ import annotations

from typing import NamedTuple

from . import _word_count


class FrequencyArrays(NamedTuple):
    """Word i is ``data[offsets[i]:offsets[i + 1]]``, counted ``counts[i]``
    times: the layout of an Arrow (large) string or binary array."""

    data: bytes
    """The words one after another: UTF-8 for str contents (a lone
    surrogate as ``str.encode("utf-8", "surrogatepass")`` writes it), the
    bytes themselves for bytes-like contents."""
    offsets: memoryview
    """Native int64 (format ``"q"``), one more than the words: each word's
    start in ``data``, then the end of the last."""
    counts: memoryview
    """Native uint64 (format ``"Q"``), one per word."""


def frequencies_arrays(contents, *, top=None, words="space", casefold=False,
                       threads=None, progress=None, errors="strict") -> FrequencyArrays:
    """The words and counts of ``frequencies()``, in its order, as three
    arrays (``FrequencyArrays``) instead of a Counter: no Python object is
    made per word, so a text of millions of distinct words costs a few
    bytes a word more than its count, not a str, an int and a dict entry
    each.  The arguments are those of ``frequencies()``."""
    data, offsets, counts = _word_count._frequencies_arrays(
        contents, top=top, words=words, casefold=casefold, threads=threads,
        progress=progress, errors=errors)
    return FrequencyArrays(data, memoryview(offsets).cast("q"),
                           memoryview(counts).cast("Q"))
