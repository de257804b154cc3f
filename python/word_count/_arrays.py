"""frequencies_arrays, frequencies_file_arrays, frequencies_stream_arrays:
the words of frequencies(), frequencies_file() and frequencies_stream() as
three flat arrays, for vocabularies too large to be worth a Python object
per word."""

from __future__ import annotations

from typing import NamedTuple

from . import _word_count
from ._files import _call, _desc, _stream_desc


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
    return _arrays(_word_count._frequencies_arrays(
        contents, top=top, words=words, casefold=casefold, threads=threads,
        progress=progress, errors=errors))


def frequencies_file_arrays(path, *, top=None, words="space", casefold=False,
                            threads=None, progress=None, block_size=None,
                            errors="strict") -> FrequencyArrays:
    """The words and counts of ``frequencies_file()`` as ``FrequencyArrays``
    (``data`` holds the file's words as bytes, as the Counter's keys are);
    the arguments and the reading are those of ``frequencies_file()``."""
    return _arrays(_call(_word_count._frequencies_file_arrays, progress, _desc(path),
                         path, top=top, words=words, casefold=casefold,
                         threads=threads, block_size=block_size, errors=errors))


def frequencies_stream_arrays(fileobj, *, top=None, words="space", casefold=False,
                              threads=None, progress=None, block_size=None,
                              errors="strict") -> FrequencyArrays:
    """The words and counts of ``frequencies_stream()`` as
    ``FrequencyArrays``; the arguments and the reading are those of
    ``frequencies_stream()``."""
    return _arrays(_call(_word_count._frequencies_stream_arrays, progress,
                         _stream_desc(fileobj), fileobj, top=top, words=words,
                         casefold=casefold, threads=threads, block_size=block_size,
                         errors=errors))


def _arrays(three) -> FrequencyArrays:
    data, offsets, counts = three
    return FrequencyArrays(data, memoryview(offsets).cast("q"),
                           memoryview(counts).cast("Q"))
