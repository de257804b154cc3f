"""Line-aligned byte ranges of files: the splitting that word_count.mpi and
word_count.dask share.

A text A + B whose A ends with "\\n" has the lines of A followed by those of
B (lines as Rust's str::lines), so counts over such pieces add up to the
count of the whole.  A range [lo, hi) of a file owns the lines that START in
it: both ends are moved forward to the next line start (`line_start`), and
neighbouring ranges move their shared end to the same place, so every line
belongs to exactly one range.
"""

from __future__ import annotations

import io
from typing import BinaryIO, Callable, List, Optional, Sequence, Tuple

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
        for r in range(nranks):
            lo = total * r // nranks
            hi = total * (r + 1) // nranks
            start, end = max(lo, base) - base, min(hi, base + size) - base
            if start < end:
                out[r].append((i, start, end))
        base += size
    return out


def line_start(f: BinaryIO, x: int, size: int) -> int:
    """The first line start at or after byte x of the file f of `size` bytes:
    0 for x == 0, else just after the first "\\n" at or after x - 1, or
    `size` if there is none."""
    if x <= 0:
        return 0
    pos = x - 1
    while pos < size:
        f.seek(pos)
        probe = f.read(min(_PROBE, size - pos))
        if not probe:  # the file shrank
            return size
        i = probe.find(b"\n")
        if i >= 0:
            return pos + i + 1
        pos += len(probe)
    return size


def _readinto(f, mv: memoryview) -> int:
    """f.readinto(mv), or read and copy for file objects without it."""
    readinto = getattr(f, "readinto", None)
    if readinto is not None:
        try:
            return readinto(mv)
        except (NotImplementedError, io.UnsupportedOperation):
            pass
    data = f.read(len(mv))
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
        cut = buf.rfind(b"\n", 0, have) + 1
        if cut == 0:
            continue
        with memoryview(buf) as mv:
            acc = combine(acc, fn(mv[:cut]))
        buf[:have - cut] = buf[cut:have]  # the carried line to the front
        have -= cut
    if have:
        with memoryview(buf) as mv:
            acc = combine(acc, fn(mv[:have]))
    return acc


