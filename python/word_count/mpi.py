"""Counting under MPI: ``mpiexec -n N python -m word_count.mpi NEEDLE FILE...``.

Needs the ``mpi`` extra (``pip install 'fastwordcount[mpi]'``: mpi4py and the
mpich wheel; with a system MPI, install mpi4py alone against it).

How it splits the work: the files, taken in order, are cut into N ranges of
about equal byte counts, one per rank (a range may span the end of one file
and the start of the next, but counting never joins two files).  Within a
file, a rank owns exactly the lines that START in its byte range: each
range boundary x > 0 is moved forward to the first line start at or after x
(just after the next ``"\\n"``; the file's end if there is none).  Neighbours
move their shared boundary to the same place, so every line belongs to
exactly one rank, and since a text ``A + B`` whose ``A`` ends with ``"\\n"``
has the lines of ``A`` followed by those of ``B``, the per-rank counts add up
to ``word_count.search_file`` on each file.  Each rank reads its ranges in
line-aligned chunks (memory: one chunk plus the longest line), counts them
with the C core, and rank 0 reduces the counts (MPI ``Reduce``, sum) and
prints the total.  ``--top K`` gives word frequencies instead, the Counters
reduced to rank 0.  Files whose size is not known (``/proc`` files report 0;
FIFOs) are read whole, as streams, each by one rank, as ``search_file``
reads them.  Failures are reported in one line ``word_count.mpi: ...`` and
exit status 2 (1 means "none found").

Threads: each rank uses all the CPUs of its node by default (the C core's
thread pool); with several ranks on one node, pass ``--threads`` so that
ranks x threads is about the node's CPU count.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections import Counter
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import word_count

__all__ = ["split_ranges", "line_start", "count_range", "CHUNK", "main"]

from ._ranges import CHUNK, count_range, line_start, split_ranges

Range = Tuple[int, int, int]  # (file index, start, end): bytes [start, end) of that file


def _rank_work(paths: Sequence[str], sizes: Sequence[Optional[int]],
               ranges: Iterable[Tuple[int, int, Optional[int]]],
               fn: Callable, combine: Callable, acc) -> Tuple[object, List[str]]:
    """Count this rank's ranges; errors are collected, not raised, so that
    every rank still takes part in the reduction.  A range whose end is None
    is a whole file of unknown size, read as a stream."""
    errors: List[str] = []
    for i, lo, hi in ranges:
        try:
            with open(paths[i], "rb", buffering=0) as f:
                if hi is None:
                    acc = count_range(f, 0, None, fn, combine, acc, chunk=STREAM_CHUNK)
                    continue
                start = line_start(f, lo, sizes[i])
                end = line_start(f, hi, sizes[i])
                if start < end:
                    acc = count_range(f, start, end, fn, combine, acc)
        except OSError as e:
            errors.append(f"{paths[i]}: {e.strerror or e}")
        except Exception as e:  # MemoryError, UnicodeDecodeError, ...
            errors.append(f"{paths[i]}: {_one_line(e)}")
    return acc, errors


STREAM_CHUNK = 1 << 20  # the first buffer of a file read as a stream


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text if text else type(e).__name__


def _plan(paths: Sequence[str]) -> Tuple[List[Optional[int]], List[str]]:
    """Each path's size: an int > 0 for a regular file that is split into
    ranges; None for one read whole as a stream (its size is not known: 0
    for /proc files and empty files, FIFOs, devices), as search_file reads
    them; -1 for one that cannot be counted (reported)."""
    sizes: List[Optional[int]] = []
    errors: List[str] = []
    for path in paths:
        try:
            st = os.stat(path)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(21, "Is a directory")
            sizes.append(st.st_size if stat.S_ISREG(st.st_mode) and st.st_size > 0 else None)
        except OSError as e:
            errors.append(f"{path}: {e.strerror or e}")
            sizes.append(-1)
    return sizes, errors


def _my_ranges(sizes: Sequence[Optional[int]], rank: int, nranks: int):
    """This rank's (file index, start, end) ranges: the files of known size
    split as split_ranges does, and every nranks-th file read as a stream."""
    known = [i for i, s in enumerate(sizes) if s is not None and s > 0]
    streams = [i for i, s in enumerate(sizes) if s is None]
    mine = [(known[j], lo, hi) for j, lo, hi in
            split_ranges([sizes[i] for i in known], nranks)[rank]]
    mine += [(i, 0, None) for k, i in enumerate(streams) if k % nranks == rank]
    return mine


def _add_counter(acc: Counter, c: Counter) -> Counter:
    acc.update(c)  # adds counts
    return acc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mpiexec -n N python -m word_count.mpi",
        description="Count NEEDLE (or, with --top, every word) in files, split over MPI ranks.",
        epilog="With --top K there is no NEEDLE: every argument is a file.")
    p.add_argument("args", nargs="+", metavar="NEEDLE FILE")
    p.add_argument("--top", type=int, metavar="K",
                   help="print the K most frequent words instead of counting a needle")
    p.add_argument("--threads", type=int, help="C threads per rank (default: all CPUs)")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        from mpi4py import MPI
    except ImportError as e:  # one line, and 2: 1 means "none found"
        print(f"word_count.mpi: mpi4py is not installed "
              f"(pip install 'fastwordcount[mpi]'): {_one_line(e)}", file=sys.stderr)
        return 2
    from array import array

    comm = MPI.COMM_WORLD
    rank, nranks = comm.Get_rank(), comm.Get_size()
    p = _parser()
    # Every rank parses the same argv; only rank 0 speaks.
    stderr, stdout = sys.stderr, sys.stdout
    try:
        if rank != 0:
            sys.stderr = sys.stdout = open(os.devnull, "w")
        a = p.parse_args(argv)
        if a.top is None and len(a.args) < 2:
            p.error("give a NEEDLE and at least one FILE (or --top K and files)")
        if a.top is not None and a.top < 0:
            p.error("--top must be >= 0")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    finally:
        if rank != 0:
            sys.stderr.close()
            sys.stderr, sys.stdout = stderr, stdout
    options = {} if a.threads is None else {"threads": a.threads}
    if a.top is None:
        needle, paths = os.fsencode(a.args[0]), a.args[1:]
    else:
        needle, paths = None, a.args

    # Rank 0 sizes the files; a file it cannot stat is reported and skipped.
    sizes, errors = comm.bcast(_plan(paths) if rank == 0 else None, root=0)
    mine = _my_ranges(sizes, rank, nranks)

    # Bad options raise here, the same on every rank, before any collective call.
    try:
        if needle is not None:
            word_count.search(b"", needle, **options)
        else:
            word_count.frequencies(b"", **options)
    except (ValueError, TypeError, AttributeError) as e:
        if rank == 0:
            print(f"word_count.mpi: {e}", file=sys.stderr)
        return 2

    if needle is not None:
        count, my_errors = _rank_work(
            paths, sizes, mine,
            lambda block: word_count.search(block, needle, **options),
            lambda acc, n: acc + n, 0)
        total = array("q", [0])
        comm.Reduce(array("q", [count]), total, op=MPI.SUM, root=0)
        result = total[0]
    else:
        count, my_errors = _rank_work(
            paths, sizes, mine,
            lambda block: word_count.frequencies(bytes(block), **options),
            _add_counter, Counter())
        result = comm.reduce(count, op=MPI.SUM, root=0)  # Counter + Counter
    all_errors = comm.reduce(my_errors, op=MPI.SUM, root=0)
    if rank != 0:
        return 0
    for msg in errors + all_errors:
        print(f"word_count.mpi: {msg}", file=sys.stderr)
    if needle is not None:
        print(result)
    else:
        items = sorted(result.items(), key=lambda kv: (-kv[1], kv[0]))[:a.top]
        out = sys.stdout.buffer
        for word, n in items:
            out.write(b"%d %s\n" % (n, word if isinstance(word, bytes) else word.encode()))
        out.flush()
        result = len(items)
    if errors or all_errors:
        return 2
    return 0 if result else 1


if __name__ == "__main__":
    sys.exit(main())
