"""Line-aligned byte ranges of files, counted by the C core, and the merge of
their results: what word_count.mpi and word_count.dask share.

A text A + B whose A ends with "\\n" has the lines of A followed by those of
B (lines as Rust's str::lines), so counts over such pieces add up to the
count of the whole.  A range [lo, hi) of a file owns the lines that START in
it: both ends are moved forward to the next line start (`line_start`), and
neighbouring ranges move their shared end to the same place, so every line
belongs to exactly one range (`line_range`).  `count_file_range` counts such a range with
the C core (pread in blocks on the core's threads, the GIL released);
`count_stream_range` counts one of a file object (an fsspec file of a remote
file system).

Top words, the same in every front end (frequencies(top=), the wordcount
CLI, word_count.dask, word_count.mpi): top=None is every word, in order of
first occurrence; top=K >= 0 is the K most common, most common first, equal
counts in order of first occurrence (K = 0: none, as Counter.most_common(0)).
Over several files the text is the files one after the other, in the order
given: `merge` adds the Counters of the ranges in that order, so the merged
Counter keeps the order of first occurrence, and `top_words` keeps it among
equal counts (Counter.most_common's sort is stable).
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections import Counter
from typing import BinaryIO, Callable, Iterable, List, Optional, Sequence, Tuple

from . import _word_count
from ._arrays import _arrays

CHUNK = 64 << 20  # bytes read (and counted) at a time
_PROBE = 64 << 10  # bytes read at a time when looking for the next newline


def split_ranges(sizes: Sequence[int], nranks: int) -> List[List[Tuple[int, int, int]]]:
    """Cut files of these sizes, taken in order, into `nranks` byte ranges of
    about equal total size.  The ranges are NOT line-aligned yet: each rank
    moves its boundaries with `line_start`.  Empty pieces are left out."""
    if nranks < 1:
        raise ValueError(f"nranks must be >= 1, not {nranks}")
    total = sum(sizes)
    out: List[List[Tuple[int, int, int]]] = [[] for _ in range(nranks)]
    base = 0  # offset of file i in the sequence of all files
    for i, size in enumerate(sizes):
        # Rank r has bytes [total * r // nranks, total * (r + 1) // nranks)
        # of all: a file meets only the ranks from the one that holds its
        # first byte on (files x ranks steps for every rank was quadratic).
        r = base * nranks // total if size > 0 else nranks
        while r < nranks and total * r // nranks < base + size:
            lo = total * r // nranks
            hi = total * (r + 1) // nranks
            start, end = max(lo, base) - base, min(hi, base + size) - base
            if start < end:
                out[r].append((i, start, end))
            r += 1
        base += size
    return out


def line_start(f: BinaryIO, x: int, size: int, grown: bool = False) -> int:
    """The first line start at or after byte x of the file f of `size` bytes:
    0 for x == 0, else just after the first "\\n" at or after x - 1, or
    `size` if there is none before it (a `size` below the file's own size
    bounds the search).  With `grown`, a line that runs on past `size` (the
    file grew after `size` was taken) is followed to its end instead: just
    after its "\\n", or the file's end."""
    if x <= 0:
        return 0
    pos = x - 1
    while pos < size or grown:
        f.seek(pos)
        probe = f.read(min(_PROBE, size - pos) if pos < size else _PROBE)
        if not probe:  # the file shrank (before size), or its end (grown)
            return max(size, pos)
        i = probe.find(b"\n")
        if i >= 0:
            return pos + i + 1
        pos += len(probe)
    return size


def open_range_file(path) -> BinaryIO:
    """The local file at `path`, opened to look for its ranges' line starts
    (line_range), unbuffered.  O_NONBLOCK, as the C core opens a range: a
    FIFO put in the planned file's place is not waited for (its seek fails
    with ESPIPE) where a plain open() waited for a writer for ever; a
    regular file does not see the flag."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
                 | getattr(os, "O_NOCTTY", 0))
    try:
        return open(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def line_range(f: BinaryIO, lo: int, hi: int, size: int) -> Tuple[int, int]:
    """The bytes [start, end) of the lines that start in bytes [lo, hi) of the
    file f of `size` bytes; start == end when no line starts there.  The
    start is looked for in [lo, hi) only, and the end only when a line
    starts there: a range costs its own bytes and those it counts, so the
    ranges of a file with few newlines cost the file's size in all, where
    each looking to the end of the file for its start made them quadratic.
    The last line of the file, when it had no "\\n" at `size` and the file
    has grown since, is followed to its end (line_start's `grown`): a word
    is never cut at the planned size, though the lines appended after it
    are not the range's."""
    start = line_start(f, lo, hi)
    if start >= hi:
        return hi, hi
    return start, line_start(f, hi, size, grown=True)


def _not_ready(what: str) -> BlockingIOError:
    return BlockingIOError(errno.EAGAIN, f"{what} returned None: "
                           "a non-blocking file with no data ready")


def _read_at_most(f, n: int, name: Optional[str] = None) -> bytes:
    """f.read(n), checked: None raises BlockingIOError, more than n bytes
    OSError(EIO)."""
    data = f.read(n)
    if data is None:
        raise _not_ready("read()")
    if len(data) > n:
        raise OSError(errno.EIO, f"read({n}) returned {len(data)} bytes", name)
    return data


def _readinto(f, mv: memoryview) -> int:
    """f.readinto(mv), or read and copy for file objects without it.  What
    either returns is checked, as io.BufferedReader checks its raw file's:
    None (a non-blocking file with nothing ready) raises BlockingIOError,
    and a length outside [0, len(mv)] (or more bytes than asked) OSError;
    they were taken as the end of the file or as bytes read, and the count
    was silently wrong."""
    readinto = getattr(f, "readinto", None)
    if readinto is not None:
        try:
            n = readinto(mv)
        except (NotImplementedError, io.UnsupportedOperation):
            pass
        else:
            if n is None:
                raise _not_ready("readinto()")
            if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= len(mv):
                raise OSError(f"readinto() returned {n!r}: not a length from 0 to {len(mv)}")
            return n
    data = _read_at_most(f, len(mv))
    mv[:len(data)] = data
    return len(data)


def count_range(f: BinaryIO, start: int, end: Optional[int], fn: Callable,
                combine: Callable, acc, chunk: int = CHUNK,
                buf: Optional[bytearray] = None):
    """Apply `fn` to the bytes [start, end) of f (which must be whole lines),
    in chunks that each end just after a "\\n" (except the last), combining
    the results into `acc` with `combine`.  Memory: one chunk plus the
    longest line.  A file that shrinks while it is read is counted as far as
    it goes.  end=None: read to the end of the stream, without seeking (files
    whose size is not known, such as /proc files that report 0, and pipes)."""
    if end is None:
        left = float("inf")
    else:
        f.seek(start)
        left = end - start
    if buf is None or len(buf) < 1:  # else the caller's buffer, reused
        buf = bytearray(max(1, int(min(chunk, left))))
    have = 0  # bytes in buf: the unfinished line carried over, then new data
    # buf[:scanned] holds no "\n": each read's bytes are searched once, so a
    # long line read a little at a time (a pipe's 64 KiB) costs its length,
    # where searching the whole buffer after each read cost its square.
    scanned = 0
    while left > 0:
        if have == len(buf):  # a line longer than the buffer: grow it
            buf.extend(bytes(len(buf)))
        with memoryview(buf) as mv:
            n = _readinto(f, mv[have:have + int(min(len(buf) - have, left))])
        if not n:
            break
        left -= n
        have += n
        if left == 0:
            break
        cut = buf.rfind(b"\n", scanned, have) + 1
        scanned = have
        if cut == 0:
            continue
        with memoryview(buf) as mv:
            acc = combine(acc, fn(mv[:cut]))
        buf[:have - cut] = buf[cut:have]  # the carried line to the front
        have -= cut
        scanned = have
    if have:
        with memoryview(buf) as mv:
            acc = combine(acc, fn(mv[:have]))
    return acc


# ---- counting a range with the C core --------------------------------------

def _word_options(options: dict) -> Tuple[str, bool, str]:
    return (options.get("words", "space"), options.get("casefold", False),
            options.get("errors", "strict"))


def count_file_range(path, start: int, end: int, needle: Optional[bytes], options: dict,
                     threads: Optional[int] = 1, block_size: Optional[int] = None,
                     arrays: bool = False):
    """The words of bytes [start, end) of the local file at `path` (whole
    lines: the ends come from `line_start`), counted in C as a text of their
    own with the GIL released: the count of `needle`, or needle None: every
    word, a Counter in order of first occurrence (with `arrays`, the
    FrequencyArrays of frequencies_arrays in that order).  options: words=,
    casefold=, errors= as for word_count.search.  The range is read as
    search_file reads a file: pread in blocks of `block_size` bytes (None:
    the default) on `threads` threads (None: word_count.default_threads()).
    A file that ends before `end` raises OSError(EIO), as search_file does
    for one that shrinks; start > end raises ValueError."""
    r = _word_count._count_range(path, start, end, needle, *_word_options(options),
                                 threads, block_size, arrays)
    return _arrays(r) if arrays and needle is None else r


class _Bounded:
    """The next `left` bytes of a file object, through read(n) only (no
    fileno: search_stream would read the descriptor to its end).  A file
    that ends before them (it shrank since its ranges were planned) raises
    OSError(EIO), as count_file_range does, rather than give the count of
    part of a range."""

    def __init__(self, f, left: int, name: Optional[str] = None):
        self._f = f
        self._left = left
        self._name = name

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > self._left:
            n = self._left
        data = _read_at_most(self._f, n, self._name) if n else b""
        if n and not data:
            raise OSError(errno.EIO, f"the file ends {self._left} bytes before the end "
                          "of the range it was planned with (it shrank)", self._name)
        self._left -= len(data)
        return data


def count_stream_range(f, start: int, end: int, needle: Optional[bytes], options: dict,
                       name: Optional[str] = None, arrays: bool = False):
    """count_file_range for a seekable file object (fsspec's remote files):
    the C core reads the range with f.read(n).  Invalid UTF-8 raises a
    UnicodeDecodeError that names its offset in the file (and `name`), as
    count_file_range's does, not in the range.  start > end raises
    ValueError, as count_file_range does."""
    for what, v in (("start", start), ("end", end)):
        if not 0 <= v < sys.maxsize:
            raise ValueError(f"{what} must be from 0 to {sys.maxsize - 1}, got {v}")
    if start > end:
        raise ValueError(f"bad byte range [{start}, {end})")
    f.seek(start)
    try:
        return count_stream(_Bounded(f, end - start, name), needle, options, arrays)
    except UnicodeDecodeError as e:
        offset = getattr(e, "file_offset", None)
        if offset is None:
            raise
        raise _decode_error_at(e, start + offset, name) from None


def _decode_error_at(e: UnicodeDecodeError, offset: int, name: Optional[str]):
    """e (raised by the C core for a stream) placed at `offset` of file `name`."""
    reason = e.reason.rpartition(" at byte offset ")[0] or e.reason
    where = f"of {name!r}" if name is not None else "of the stream"
    moved = UnicodeDecodeError(e.encoding, e.object, e.start, e.end,
                               f"{reason} at byte offset {offset} {where}")
    moved.file_offset = offset  # type: ignore[attr-defined]
    moved.filename = name  # type: ignore[attr-defined]
    return moved


def _count_whole(source, needle: Optional[bytes], options: dict, freq_fn, search_fn):
    words, casefold, errors = _word_options(options)
    kw = dict(words=words, casefold=casefold, errors=errors, threads=options.get("threads"))
    return freq_fn(source, **kw) if needle is None else search_fn(source, needle, **kw)


def count_stream(f, needle: Optional[bytes], options: dict, arrays: bool = False):
    """What remains of a file object, counted as count_file_range counts."""
    return _count_whole(f, needle, options,
                        _frequencies_stream_arrays if arrays else _word_count.frequencies_stream,
                        _word_count.search_stream)


def count_file(path, needle: Optional[bytes], options: dict, arrays: bool = False):
    """A whole local file (of unknown size: /proc files, FIFOs), as
    search_file / frequencies_file read it."""
    return _count_whole(path, needle, options,
                        _frequencies_file_arrays if arrays else _word_count.frequencies_file,
                        _word_count.search_file)


def _frequencies_stream_arrays(f, **kw):
    return _arrays(_word_count._frequencies_stream_arrays(f, **kw))


def _frequencies_file_arrays(path, **kw):
    return _arrays(_word_count._frequencies_file_arrays(path, **kw))


# ---- merging and top words ---------------------------------------------------

def merge(counters: Iterable[Counter]) -> Counter:
    """The Counters of consecutive pieces of text, given in text order, added
    up into a new Counter (none of them is changed) whose keys come in order
    of first occurrence over the whole text, when each Counter has its keys in
    order of first occurrence in its piece."""
    total: Counter = Counter()
    for c in counters:
        total.update(c)  # adds counts; a new key goes to the end
    return total


def check_top(top) -> Optional[int]:
    """top= as frequencies(top=) takes it: a wrong type is a TypeError, a
    negative int a ValueError."""
    if top is not None and (not isinstance(top, int) or isinstance(top, bool)):
        raise TypeError(f"top must be None or an int >= 0, not {type(top).__name__!r}")
    if top is not None and top < 0:
        raise ValueError(f"top must be None or an int >= 0, not {top!r}")
    return top


def top_words(counter: Counter, top: Optional[int]) -> Counter:
    """frequencies(top=)'s result from a Counter in order of first
    occurrence: None: the Counter itself; K: the K most common, most common
    first, equal counts in order of first occurrence; 0: none."""
    if top is None:
        return counter
    return Counter(dict(counter.most_common(top)))


NO_TOP = object()  # the command lines' --top when not given: count a needle


def add_top_option(p) -> None:
    """--top K for an argparse parser: a.top is an int >= 0, None for
    "all" (every word, most common first), or NO_TOP."""
    p.add_argument("--top", type=top_arg, default=NO_TOP, metavar="K",
                   help="print the K most frequent words instead of counting a needle "
                        "(equal counts in order of first occurrence; 0: none; all: every word)")


def top_arg(text: str) -> Optional[int]:
    """--top K of the command lines: an int >= 0, or "all" (every word,
    most common first: None)."""
    if text == "all":
        return None
    # What wordcount --top takes: ASCII digits only, up to 2**63 - 1 (int()
    # would also take " 3", "+3", "3_0" and other scripts' digits).
    k = int(text) if text.isascii() and text.isdigit() else -1
    if not 0 <= k <= sys.maxsize:
        import argparse
        raise argparse.ArgumentTypeError(f"--top takes an int >= 0 or 'all', not {text!r}")
    return k
