"""frequencies_arrays, frequencies_file_arrays, frequencies_stream_arrays:
the words of frequencies(), frequencies_file() and frequencies_stream() as
three flat arrays, for vocabularies too large to be worth a Python object
per word; merge_arrays adds up the arrays of pieces of one text."""

from __future__ import annotations

from typing import Iterable, NamedTuple, Optional

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

    def __reduce__(self):
        # memoryviews do not pickle: the arrays go as their bytes (a worker
        # process's or a Dask task's result is three bytes objects, not a
        # Python object a word).
        return (_unpickle, (bytes(self.data), _bytes_of(self.offsets),
                            _bytes_of(self.counts)))


def _bytes_of(view) -> bytes:
    base = getattr(view, "obj", None)
    # The array's own bytes, not copied, when the view is all of them in
    # their order: a strided view of as many bytes (a user's [::-1]) is
    # another array, and pickled as its base it came back reversed.
    if (type(base) is bytes and memoryview(base).nbytes == view.nbytes
            and view.c_contiguous):
        return base
    return memoryview(view).tobytes()


def _unpickle(data: bytes, offsets: bytes, counts: bytes) -> "FrequencyArrays":
    return _arrays((data, offsets, counts))


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


def merge_arrays(parts: Iterable, *, top: Optional[int] = None) -> FrequencyArrays:
    """The ``FrequencyArrays`` of consecutive pieces of one text, given in
    text order, added up: the ``frequencies_arrays`` of the whole text, when
    the text was cut between words (at a newline, say) and each piece's
    arrays have every word in order of first occurrence (``top=None``, the
    default).  Words are compared as bytes; counts are added; the words of
    a later piece that an earlier one did not have follow, in their order.
    top=K: the K most common, most common first, equal counts in order of
    first occurrence; top=0: none.

    A part is any ``(data, offsets, counts)``: bytes-like data, and offsets
    and counts 1-D arrays of native 8-byte integers (``FrequencyArrays``,
    ``array.array("q")``, numpy ``int64``/``uint64``), offsets one longer
    than counts.  Bad parts raise ``TypeError`` or ``ValueError`` (an offset
    out of ``data`` or below the one before, a negative count), a total
    beyond 2**48 - 1 (the most a count keeps) ``OverflowError``; the parts
    are only read (a buffer that may change is copied first).  ``parts``
    may be a generator: each part is added as it comes, and only the total
    is kept."""
    return _arrays(_word_count._merge_arrays(parts, top))


def _arrays(three) -> FrequencyArrays:
    data, offsets, counts = three
    return FrequencyArrays(data, memoryview(offsets).cast("q"),
                           memoryview(counts).cast("Q"))
