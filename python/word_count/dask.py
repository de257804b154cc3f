"""Counting on a Dask cluster: the C core as the per-block worker of Dask.

    from word_count.dask import search_files, frequencies_files
    search_files("logs/*.txt", "ERROR")                      # local scheduler
    search_files("s3://bucket/corpus/*.txt", "is", client=Client("tcp://..."))

Needs the ``dask`` extra (``pip install 'word-count[dask]'``), and word_count
installed on every worker.

How it counts
-------------
``dask.bytes.read_bytes(urlpath, delimiter=b"\\n", blocksize=...)`` cuts every
file into blocks that each end just after a ``"\\n"`` (all but a file's last
block).  With the package's semantics (lines as Rust's ``str::lines``, words
split at ``" "``) a text ``A + B`` whose ``A`` ends with ``"\\n"`` has exactly
the lines of ``A`` followed by those of ``B``, so

    count(A + B) == count(A) + count(B)

whatever ``B`` is: a match, a ``"\\r\\n"`` or an empty line at a block boundary
counts once, as in the whole file.  Each block is counted in a worker with
``word_count.search`` (or ``word_count.frequencies``); blocks of different
files are never joined, so a file without a final newline never runs into the
next one.  The per-block results are then combined as a tree
(``split_every`` at a time), so the client only ever receives one number or
one Counter.

Progress: pass ``progress=True`` (a ``dask.diagnostics.ProgressBar`` on the
local scheduler, ``distributed.progress`` on a cluster), or watch the
cluster's dashboard (``client.dashboard_link``).

Failures: a task whose worker dies is rerun elsewhere by the distributed
scheduler, up to ``distributed.scheduler.allowed-failures`` times (3 by
default); counting a block has no side effect, so a rerun is harmless.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from typing import Any, Callable, Optional, Sequence

import dask
from dask.bytes import read_bytes

import word_count

__all__ = ["search_files", "frequencies_files", "main"]

DEFAULT_BLOCKSIZE = "64MiB"
SPLIT_EVERY = 16  # results combined per node of the reduction tree


def _needle_bytes(needle: Any) -> bytes:
    if isinstance(needle, str):
        return needle.encode("utf-8")
    if isinstance(needle, (bytes, bytearray, memoryview)):
        return bytes(needle)
    raise TypeError(f"needle must be str or bytes, not {type(needle).__name__}")


def _count_block(block: bytes, needle: bytes, options: dict) -> int:
    """The per-block task: the C core on one line-aligned block."""
    return word_count.search(block, needle, **options)


def _frequencies_block(block: bytes, options: dict) -> Counter:
    """The per-block task for word frequencies (every word: no `top` here,
    since a word that is rare in one block may be common overall)."""
    return word_count.frequencies(block, **options)


def _sum(counts: list) -> int:
    return sum(counts)


def _merge(counters: list) -> Counter:
    counters = [c for c in counters if c]
    if not counters:
        return Counter()
    counters.sort(key=len, reverse=True)
    total = Counter(counters[0])  # copy: never mutate a task's result
    for c in counters[1:]:
        total.update(c)  # Counter.update adds counts
    return total


def _tree(values: list, combine: Callable, split_every: int, empty: Any):
    """Combine delayed values `split_every` at a time until one is left."""
    if not values:
        return dask.delayed(empty)
    while len(values) > 1:
        values = [dask.delayed(combine, pure=False)(values[i:i + split_every])
                  for i in range(0, len(values), split_every)]
    return values[0]


def _blocks(urlpath, blocksize, storage_options) -> list:
    """The delayed line-aligned blocks of every file, files kept apart."""
    _, per_file = read_bytes(urlpath, delimiter=b"\n", blocksize=blocksize,
                             sample=False, **(storage_options or {}))
    return [block for blocks in per_file for block in blocks]


def _compute(total, client, progress: bool):
    if client is None:
        if progress:
            from dask.diagnostics import ProgressBar
            with ProgressBar():
                return dask.compute(total)[0]
        return dask.compute(total)[0]
    future = client.compute(total)
    if progress:
        from distributed import progress as distributed_progress
        distributed_progress(future)
    return future.result()


def _check_split_every(split_every: int) -> int:
    if not isinstance(split_every, int) or isinstance(split_every, bool) or split_every < 2:
        raise ValueError(f"split_every must be an int >= 2, not {split_every!r}")
    return split_every


def search_files(urlpath, needle, *, blocksize=DEFAULT_BLOCKSIZE, client=None,
                 split_every: int = SPLIT_EVERY, progress: bool = False,
                 storage_options: Optional[dict] = None, **options) -> int:
    """Count `needle` in every file of `urlpath`, block by block, on Dask.

    urlpath: anything ``dask.bytes.read_bytes`` accepts (a path, a glob, a
    list of them; local or any fsspec file system such as ``s3://``).
    needle: str (encoded as UTF-8) or bytes.  blocksize: bytes per block (int
    or a string such as ``"64MiB"``; None for one block per file).  client: a
    ``distributed.Client``; None uses Dask's default scheduler.  Other keyword
    options (such as ``threads=``) go to ``word_count.search`` on each block.

    The result is the sum over the files of ``word_count.search_file(file,
    needle)``: files are never joined.
    """
    needle = _needle_bytes(needle)
    split_every = _check_split_every(split_every)
    word_count.search(b"", needle, **options)  # bad options fail here, not on a worker
    counts = [dask.delayed(_count_block, pure=False)(block, needle, options)
              for block in _blocks(urlpath, blocksize, storage_options)]
    return _compute(_tree(counts, _sum, split_every, 0), client, progress)


def _top(counter: Counter, top: Optional[int]) -> Counter:
    if top is None:
        return counter
    # Most common first; ties in byte (or code point) order, so the result
    # does not depend on the order the blocks were merged in.
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return Counter(dict(items[:top]))


def frequencies_files(urlpath, *, top: Optional[int] = None, blocksize=DEFAULT_BLOCKSIZE,
                      client=None, split_every: int = SPLIT_EVERY, progress: bool = False,
                      storage_options: Optional[dict] = None, **options) -> Counter:
    """Every word's count over all the files of `urlpath`, on Dask.

    As ``word_count.frequencies`` on each file, added up: keys are bytes
    (file contents are bytes), empty words are not counted.  `top`: only the
    `top` most common words, most common first, ties in byte order.  Other
    keyword options (``words=``, ``casefold=``, ``threads=``) go to
    ``word_count.frequencies`` on each block; `urlpath`, `blocksize`,
    `client`, `progress` as for `search_files`.
    """
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 0):
        raise ValueError(f"top must be None or an int >= 0, not {top!r}")
    split_every = _check_split_every(split_every)
    if not hasattr(word_count, "frequencies"):
        raise NotImplementedError("this build of word_count has no frequencies()")
    word_count.frequencies(b"", **options)  # bad options fail here
    tables = [dask.delayed(_frequencies_block, pure=False)(block, options)
              for block in _blocks(urlpath, blocksize, storage_options)]
    return _top(_compute(_tree(tables, _merge, split_every, Counter()), client, progress), top)


# ---- command line ------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m word_count.dask",
        description="Count NEEDLE (or, with --top, every word) in files on Dask.",
        epilog="With --top K there is no NEEDLE: every argument is a path.")
    p.add_argument("args", nargs="+", metavar="NEEDLE PATH",
                   help="the needle, then paths, globs or URLs (anything dask's read_bytes takes)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a distributed scheduler (tcp://host:8786); default: the local scheduler")
    p.add_argument("--blocksize", default=DEFAULT_BLOCKSIZE,
                   help=f"bytes per block, e.g. 64MiB (default {DEFAULT_BLOCKSIZE})")
    p.add_argument("--top", type=int, metavar="K",
                   help="print the K most frequent words instead of counting a needle")
    p.add_argument("--threads", type=int, help="C threads per block (default: all CPUs)")
    p.add_argument("--progress", action="store_true", help="show Dask's progress bar")
    return p


def _blocksize_arg(text: str):
    return int(text) if text.isdigit() else text


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = _parser()
    a = p.parse_args(argv)
    options = {} if a.threads is None else {"threads": a.threads}
    if a.top is None and len(a.args) < 2:
        p.error("give a NEEDLE and at least one PATH (or --top K and paths)")
    client = None
    if a.scheduler:
        from distributed import Client
        client = Client(a.scheduler)
    try:
        if a.top is None:
            needle, paths = os.fsencode(a.args[0]), a.args[1:]
            n = search_files(paths, needle, blocksize=_blocksize_arg(a.blocksize),
                             client=client, progress=a.progress, **options)
            print(n)
            return 0 if n else 1
        freq = frequencies_files(a.args, top=a.top, blocksize=_blocksize_arg(a.blocksize),
                                 client=client, progress=a.progress, **options)
        out = sys.stdout.buffer
        for word, n in freq.items():
            out.write(b"%d %s\n" % (n, word if isinstance(word, bytes) else word.encode()))
        out.flush()
        return 0 if freq else 1
    except (OSError, ValueError, TypeError) as e:
        print(f"python -m word_count.dask: {e}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()


if __name__ == "__main__":
    sys.exit(main())
