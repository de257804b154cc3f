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
to ``word_count.search_file`` on each file.  Each rank counts its ranges
with the C core, which reads them with pread() in blocks (memory: one block
plus the longest word), and rank 0 reduces the counts (MPI ``Reduce``, sum)
and prints the total.  ``--top K`` gives word frequencies instead: rank 0
gathers the ranks' words (as FrequencyArrays) and merges them in text order
(the files in the order given, then the offset, with ``merge_arrays``), so equal counts come in order of first occurrence,
as ``word_count.frequencies(top=K)`` orders them; K 0 prints none, K
``all`` every word.  Files whose size is not known (``/proc`` files report 0;
FIFOs) are read whole, as streams, each by one rank, as ``search_file``
reads them.  Failures are reported in one line ``word_count.mpi: ...`` and
exit status 2 (1 means "none found"); a file that cannot be read is
reported so and the others are still counted and printed, as grep does.

Threads: each rank uses all the CPUs of its node by default (the core
reads each of its ranges in blocks on that many threads); with several ranks on one
node, pass ``--threads`` so that ranks x threads is about the node's CPU
count.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterable, List, Optional, Sequence, Tuple

import word_count

# The command line is the public part (docs/api.md); the range helpers are
# word_count._ranges' (shared with word_count.dask), imported for main.
__all__ = ["main"]

from . import _word_count
from ._cli import add_word_options, parse_intermixed, run_main, word_options, write_top_arrays
from ._ranges import (CHUNK, NO_TOP, add_top_option, count_file, count_file_range, count_range,
                      line_range, line_start, open_range_file, split_ranges)

Range = Tuple[int, int, int]  # (file index, start, end): bytes [start, end) of that file


def _rank_work(paths: Sequence[str], sizes: Sequence[Optional[int]],
               ranges: Iterable[Tuple[int, int, Optional[int]]],
               needle: Optional[bytes], options: dict) -> Tuple[object, List[tuple]]:
    """Count this rank's ranges with the C core; errors are collected, not
    raised, so that every rank still takes part in the reduction.  A range
    whose end is None is a whole file of unknown size, read as a stream.
    needle None: every word, as a list of (file index, start,
    FrequencyArrays) for `_merge_runs` (ranges that follow each other in the
    text are merged into one); else the needle's count in each file (a list,
    one per path), so that the root can leave out a file that failed in
    another rank's range.  Errors are (file index, range start, message)."""
    errors: List[tuple] = []
    acc: object = [0] * len(paths) if needle is not None else []
    last = None  # (file index, end) of the run being added to
    for i, lo, hi in ranges:
        try:
            if hi is None:
                got = count_file(paths[i], needle, options, arrays=True)
                start = end = 0
            else:
                with open_range_file(paths[i]) as f:
                    start, end = line_range(f, lo, hi, sizes[i])
                if start >= end:
                    continue
                got = count_file_range(paths[i], start, end, needle, options,
                                       options.get("threads") or word_count.default_threads(),
                                       arrays=True)
        except OSError as e:
            errors.append((i, lo, f"{paths[i]}: {e.strerror or e}"))
            continue
        except Exception as e:  # MemoryError, UnicodeDecodeError, ...
            errors.append((i, lo, f"{paths[i]}: {_one_line(e)}"))
            continue
        if needle is not None:
            acc[i] += got
        elif hi is not None and last == (i, start):
            # right after the last range: one run
            acc[-1] = (*acc[-1][:2], word_count.merge_arrays([acc[-1][2], got]))
            last = (i, end)
        else:
            acc.append((i, start, got))
            last = (i, end) if hi is not None else None
    return acc, errors


def _merge_runs(runs_of_ranks: Iterable[list]) -> word_count.FrequencyArrays:
    """Every rank's runs, merged in text order (file index, then offset), so
    that the words keep their order of first occurrence over the files.
    The runs are FrequencyArrays: what the ranks send the root is three
    flat arrays each (bytes when pickled), not a Counter of an object a
    word."""
    runs = sorted((run for runs in runs_of_ranks for run in runs), key=lambda r: r[:2])
    return word_count.merge_arrays(a for _, _, a in runs)


def _first_errors(errors: Iterable[tuple]) -> dict:
    """{file index: message} of the files that failed in any rank's range:
    for each, the error of its first failed range (a file's first bad byte,
    as search_file and wordcount report it), once, whatever the ranks."""
    first: dict = {}
    for i, _, msg in sorted(errors, key=lambda e: e[:2]):
        first.setdefault(i, msg)
    return first


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text if text else type(e).__name__


def _plan(paths: Sequence[str]) -> Tuple[List[Optional[int]], List[str]]:
    """Each path's size: an int > 0 for a regular file that is split into
    ranges; None for one read whole as a stream (its size is not known or
    made up: 0 for /proc files, 4,096 for sysfs ones; empty files, FIFOs,
    devices), as search_file reads them; -1 for one that cannot be counted
    (reported)."""
    sizes: List[Optional[int]] = []
    errors: List[str] = []
    for path in paths:
        try:
            sizes.append(_word_count._file_size(path))
        except OSError as e:
            errors.append(f"{path}: {e.strerror or e}")
            sizes.append(-1)
        except ValueError as e:  # from main(argv): a NUL byte, a lone surrogate
            errors.append(f"{path!r}: {_one_line(e)}")
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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mpiexec -n N python -m word_count.mpi",
        usage=("%(prog)s [options] NEEDLE FILE [FILE ...]\n"
               "       %(prog)s [options] --top K FILE [FILE ...]"),
        description="Count NEEDLE (or, with --top, every word) in files, split over MPI ranks.",
        epilog="With --top K there is no NEEDLE: every argument is a file.")
    p.add_argument("args", nargs="+", metavar="NEEDLE FILE")
    add_top_option(p)
    add_word_options(p)
    p.add_argument("--threads", type=int, help="C threads per rank (default: all CPUs)")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line ``mpiexec -n N python -m word_count.mpi``: `argv` its
    arguments without the program's name (None: ``sys.argv[1:]``); returns
    the exit status (0 found, 1 none, 2 an error)."""
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
        a = parse_intermixed(p, argv)  # options between NEEDLE and the files too
        if a.top is NO_TOP and len(a.args) < 2:
            p.error("give a NEEDLE and at least one FILE (or --top K and files)")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    finally:
        if rank != 0:
            sys.stderr.close()
            sys.stderr, sys.stdout = stderr, stdout
    options = word_options(a)
    if a.threads is not None:
        options["threads"] = a.threads
    if a.top is NO_TOP:
        needle, paths = os.fsencode(a.args[0]), a.args[1:]
    else:
        needle, paths = None, a.args

    # Rank 0 sizes the files; a file it cannot stat is reported and skipped.
    # Whatever else it meets, it sends a plan: the other ranks wait for one
    # (a ValueError from _plan left them waiting for ever).
    plan = None
    if rank == 0:
        try:
            plan = _plan(paths)
        except Exception as e:
            print(f"word_count.mpi: {_one_line(e)}", file=sys.stderr)
    plan = comm.bcast(plan, root=0)
    if plan is None:
        return 2
    sizes, errors = plan
    mine = _my_ranges(sizes, rank, nranks)

    # Bad options raise here, the same on every rank, before any collective call.
    try:
        if needle is not None:
            word_count.search(b"", needle, **options)
        else:
            word_count.frequencies_arrays(b"", **options)
    except (ValueError, TypeError, AttributeError) as e:
        if rank == 0:
            print(f"word_count.mpi: {e}", file=sys.stderr)
        return 2

    count, my_errors = _rank_work(paths, sizes, mine, needle, options)
    # A file that failed in one rank's range is counted not at all, as
    # wordcount counts a file wholly or not at all: the other ranks' counts
    # of it are left out, so the counts are per file until the root.
    failed = _first_errors(comm.reduce(my_errors, op=MPI.SUM, root=0) or [])
    if needle is not None:
        per_file = array("q", [0] * len(paths))
        comm.Reduce(array("q", count), per_file, op=MPI.SUM, root=0)
        result = sum(n for i, n in enumerate(per_file) if i not in failed)
    else:
        # Gathered, not reduced: the root merges in text order, whatever
        # order a reduction tree would add the ranks in.
        gathered = comm.gather(count, root=0)
        result = _merge_runs([[run for run in runs if run[0] not in failed]
                              for runs in gathered]) if rank == 0 else None
    if rank != 0:
        return 0
    all_errors = [failed[i] for i in sorted(failed)]
    for msg in errors + all_errors:
        print(f"word_count.mpi: {msg}", file=sys.stderr)
    if needle is not None:
        print(result)
    else:
        write_top_arrays(result, a.top, sys.stdout.buffer)
        result = len(result.counts)
    if errors or all_errors:
        return 2
    return 0 if result else 1


if __name__ == "__main__":
    run_main(main)
