"""Counting on a Dask cluster: the C core as the per-block worker of Dask.

    from word_count.dask import search_files, frequencies_files
    search_files("logs/*.txt", "ERROR")                      # local scheduler
    search_files("s3://bucket/corpus/*.txt", "is", client=Client("tcp://..."))

Needs the ``dask`` extra (``pip install 'fastwordcount[dask]'``), and word_count
installed on every worker.

How it counts
-------------
Each file is cut into byte ranges of ``blocksize`` (``fsspec`` opens
``urlpath`` exactly as ``dask.bytes.read_bytes`` does); a range owns the
lines that START in it (its ends are moved forward to just after the next
``"\\n"``, see ``word_count._ranges``), so every line belongs to exactly one
range.  With the package's semantics (lines as Rust's ``str::lines``, words
split at ``" "``) a text ``A + B`` whose ``A`` ends with ``"\\n"`` has exactly
the lines of ``A`` followed by those of ``B``, so

    count(A + B) == count(A) + count(B)

whatever ``B`` is: a match, a ``"\\r\\n"`` or an empty line at a range
boundary counts once, as in the whole file.  One Dask task per range opens
the file in the worker, finds where the range's lines start and end, and
counts them with the C core, which reads them with pread() in blocks on the
task's thread with the GIL released (a remote file: with the file object's
read(n)): the bytes never leave the worker nor become a task result.  Ranges of different files
are never joined, so a file without a final newline never runs into the
next one.  The per-range results are then combined as a tree
(``split_every`` neighbours at a time, in order), so the client only ever
receives one number or one Counter, whose words keep their order of first
occurrence over the files (the tie order of ``top``).

(``read_bytes(urlpath, delimiter=b"\\n")`` would give the same blocks, but
as a read task whose fresh bytes object feeds a second, count task: twice
the tasks, and on one machine about 3 times slower for 1 GB, mostly in
allocating and faulting in a new 64 MiB object per block.)

Progress: pass ``progress=True`` (a ``dask.diagnostics.ProgressBar`` on the
local scheduler, ``distributed.progress`` on a cluster), or watch the
cluster's dashboard (``client.dashboard_link``).

Files whose size is not known (``/proc`` files report 0) are one task that
reads the whole file as a stream, as ``search_file`` reads them.

Failures: a task whose worker dies is rerun elsewhere by the distributed
scheduler, up to ``distributed.scheduler.allowed-failures`` times (3 by
default); counting a block has no side effect, so a rerun is harmless.
``python -m word_count.dask`` reports any failure (a missing file, a URL
whose fsspec backend is not installed, a scheduler it cannot reach) in one
line ``word_count.dask: ...`` and exits 2 (1 means "none found").
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections import Counter
from collections.abc import Mapping
from typing import Any, Callable, Optional, Sequence

try:
    import dask
    from dask.utils import parse_bytes
    from fsspec.core import get_fs_token_paths, url_to_fs
except ImportError as _e:
    if __name__ != "__main__":
        raise
    # The command line without the extra: one line, and 2 (1 is "none
    # found"), as every other failure of it and of word_count.mpi.
    print(f"word_count.dask: dask is not installed (pip install 'fastwordcount[dask]'): {_e}",
          file=sys.stderr)
    sys.exit(2)

import word_count

from . import _word_count
from ._cli import add_word_options, parse_intermixed, word_options, write_top_arrays
from ._ranges import (NO_TOP, add_top_option, check_top, count_file, count_file_range,
                      count_stream, count_stream_range, line_range, merge, open_range_file,
                      top_words)

__all__ = ["search_files", "frequencies_files", "frequencies_files_arrays", "main"]

DEFAULT_BLOCKSIZE = "64MiB"
SPLIT_EVERY = 16  # results combined per node of the reduction tree


def _needle_bytes(needle: Any) -> bytes:
    if isinstance(needle, str):
        return needle.encode("utf-8")
    if isinstance(needle, (bytes, bytearray, memoryview)):
        return bytes(needle)
    raise TypeError(f"needle must be str or bytes, not {type(needle).__name__}")


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem
    return isinstance(fs, LocalFileSystem)


class _BufferFile(io.RawIOBase):
    """A read-only file over a buffer, with a position of its own."""

    def __init__(self, buf):
        super().__init__()
        self._buf = memoryview(buf).cast("B")
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        if base + pos < 0:
            raise ValueError(f"negative seek position {base + pos}")
        self._pos = base + pos
        return self._pos

    def readinto(self, b) -> int:
        n = max(0, min(len(b), len(self._buf) - self._pos))
        memoryview(b).cast("B")[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        self._buf.release()
        super().close()


def _open(fs, path: str):
    """fs.open(path, "rb"), as a file object of this task's own.  fsspec's
    memory file system hands every open() of a file the same object, whose
    one position tasks on threads would share (they miscounted, or found
    the file shorter than planned): there, a view of its bytes with a
    position of its own.  A local file is opened as the MPI ranks open
    theirs (open_range_file)."""
    from fsspec.implementations.memory import MemoryFileSystem
    if _is_local(fs):
        # Not waiting for a FIFO put in the planned file's place.
        return open_range_file(path)
    f = fs.open(path, "rb")
    if isinstance(fs, MemoryFileSystem) and hasattr(f, "getbuffer"):
        return _BufferFile(f.getbuffer())
    return f


class _Failed:
    """A range's UnicodeDecodeError, returned instead of raised and carried
    up the reduction tree, where the first one in text order (the files in
    order, then the offset) wins and is raised by the client: the file's
    first bad byte, as search_file and word_count.search report it.  Raised
    in the task, the error of whichever range failed first in time was the
    one raised (the second of two bad bytes in one file, or one in a later
    file)."""

    def __init__(self, exc: UnicodeDecodeError):
        # Its parts, not the exception: once dask is imported (it installs
        # tblib's pickling of exceptions), a pickled UnicodeDecodeError comes
        # back with start 0, end 0, reason None and an empty message, which
        # is what a cluster's client got from a task that raised one.
        self.args = exc.args
        self.attrs = dict(vars(exc))

    @property
    def exc(self) -> UnicodeDecodeError:
        e = UnicodeDecodeError(*self.args)
        vars(e).update(self.attrs)
        return e


def _first_failed(parts: list):
    return next((p for p in parts if isinstance(p, _Failed)), None)


def _raise_failed(result):
    if isinstance(result, _Failed):
        raise result.exc
    return result


def _over_range(fs, path: str, lo: int, hi: Optional[int], size: Optional[int],
                needle: Optional[bytes], options: dict, arrays: bool = False):
    try:
        return _count_range(fs, path, lo, hi, size, needle, options, arrays)
    except UnicodeDecodeError as e:
        return _Failed(e)


def _count_range(fs, path: str, lo: int, hi: Optional[int], size: Optional[int],
                 needle: Optional[bytes], options: dict, arrays: bool = False):
    """The per-range task: the C core on the whole lines that start in bytes
    [lo, hi) of the file: the needle's count, or needle None: a Counter of
    every word in order of first occurrence (no `top` here, since a word
    that is rare in one range may be common overall; with `arrays`, its
    FrequencyArrays).  size None: the size is not known (a /proc file
    reports 0): the whole file, read as a stream, as search_file reads
    it."""
    if size is None:
        if _is_local(fs):
            # fsspec's local files seek to their end when opened, which /proc
            # files refuse (EINVAL): the C core opens local ones itself.
            return count_file(path, needle, options, arrays)
        with _open(fs, path) as f:
            return count_stream(f, needle, options, arrays)
    with _open(fs, path) as f:
        start, end = line_range(f, lo, hi, size)
        if start >= end:
            if needle is not None:
                return 0
            return word_count.merge_arrays([]) if arrays else Counter()
        if not _is_local(fs):
            return count_stream_range(f, start, end, needle, options, path, arrays)
    return count_file_range(path, start, end, needle, options, options.get("threads") or 1,
                            arrays=arrays)


def _sum(counts: list) -> int:
    return _first_failed(counts) or sum(counts)


def _merge_counters(parts: list):
    return _first_failed(parts) or merge(parts)


def _merge_arrays(parts: list):
    return _first_failed(parts) or word_count.merge_arrays(parts)


def _tree(values: list, combine: Callable, split_every: int, empty: Any):
    """Combine delayed values `split_every` at a time until one is left."""
    if not values:
        return dask.delayed(empty)
    while len(values) > 1:
        values = [dask.delayed(combine, pure=False)(values[i:i + split_every])
                  for i in range(0, len(values), split_every)]
    return values[0]


def _files(urlpath, storage_options) -> list:
    """(fs, path) for every file of urlpath, in order.  A str (or path) is
    what dask.bytes.read_bytes takes: a glob when it holds "*".  In a list
    (the command line's paths), an item that exists is that file whatever
    its characters ("a[1].txt", "what?.txt": fsspec takes them for globs),
    any other item is a glob of the files it matches, which must match one:
    a missing file or a glob that matches nothing raises FileNotFoundError."""
    if storage_options is not None and not isinstance(storage_options, Mapping):
        # (an int went to fsspec as **options, or was ignored for a list)
        raise TypeError(f"storage_options must be a mapping or None, "
                        f"not {type(storage_options).__name__!r}")
    if isinstance(urlpath, bytes):
        urlpath = os.fsdecode(urlpath)  # a path, as search_file takes it
    if isinstance(urlpath, (str, os.PathLike)):
        fs, _, paths = get_fs_token_paths(urlpath, mode="rb", storage_options=storage_options)
        if not paths:
            raise OSError(f"{urlpath} resolved to no files")
        return [(fs, path) for path in paths]
    try:
        items = iter(urlpath)
    except TypeError:
        raise TypeError(f"urlpath must be a path, a glob, a URL or a list of them, "
                        f"not {type(urlpath).__name__!r}") from None
    out = []
    for item in items:
        item = os.fspath(item)
        if isinstance(item, bytes):
            item = os.fsdecode(item)
        if os.path.exists(item):
            # A local file by that name is that file: fsspec would read "::"
            # in it as a chain of URLs ("a::b.txt" is its file "a:") and a
            # leading "file:" as a protocol.
            from fsspec.implementations.local import LocalFileSystem
            out.append((LocalFileSystem(), os.path.abspath(item)))
            continue
        fs, path = url_to_fs(item, **(storage_options or {}))
        if fs.exists(path):
            out.append((fs, path))
            continue
        if any(c in path for c in "*?["):
            matches = [p for p in sorted(fs.glob(path)) if not fs.isdir(p)]
            if matches:
                out += [(fs, p) for p in matches]
                continue
        raise FileNotFoundError(2, "No such file or directory", item)
    if not out:
        raise OSError("no files given")
    return out


def _ranges(urlpath, blocksize, storage_options) -> list:
    """(fs, path, lo, hi, size) for every range of every file, files apart.
    The ranges are not line-aligned: the tasks align them."""
    if isinstance(blocksize, str):
        blocksize = parse_bytes(blocksize)
    if blocksize is not None and (not isinstance(blocksize, int) or isinstance(blocksize, bool)
                                  or blocksize < 1):
        raise ValueError(f"blocksize must be None, a positive int or a size such as '64MiB', "
                         f"not {blocksize!r}")
    out = []
    for fs, path in _files(urlpath, storage_options):
        if _is_local(fs):
            # The C core's look: sysfs files report 4,096 bytes and hold a
            # few, /proc ones 0 (None: read whole, as a stream).
            size = _word_count._file_size(path)
        else:
            info = fs.info(path)
            if info.get("type") == "directory":
                raise IsADirectoryError(21, "Is a directory", path)
            size = info.get("size")
        if not size:
            # Not known, or 0: empty, or a file that reports 0 and still has
            # bytes (/proc).  search_file reads those as streams: so does one
            # task here.
            out.append((fs, path, 0, None, None))
            continue
        step = blocksize or max(size, 1)
        out += [(fs, path, lo, min(lo + step, size), size) for lo in range(0, size, step)]
    return out


def _compute(total, client, progress: bool):
    if client is not None and not callable(getattr(client, "compute", None)):
        raise TypeError(f"client must be a distributed.Client or None, "
                        f"not {type(client).__name__!r}")
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

    urlpath: what ``dask.bytes.read_bytes`` accepts (a path, a glob, a list
    of them; local or any fsspec file system such as ``s3://``;
    `storage_options` go to the file system).  Compressed files are not
    decompressed.
    needle: str (encoded as UTF-8) or bytes.  blocksize: bytes per block (int
    or a string such as ``"64MiB"``; None for one block per file): the work
    of one task.  client: a
    ``distributed.Client``; None uses Dask's default scheduler.  Other keyword
    options (``words=``, ``casefold=``, ``errors=``) are those of
    ``word_count.search``; ``threads=``: the threads of one task (default:
    1 for a block, since Dask runs tasks at once; all CPUs for a file of
    unknown size, read whole).  split_every: how many results are added
    up at a time, as a tree (an int >= 2).  progress: True shows Dask's
    progress bar (``distributed.progress`` with a `client`).

    The result is the sum over the files of ``word_count.search_file(file,
    needle)``: files are never joined.
    """
    needle = _needle_bytes(needle)
    split_every = _check_split_every(split_every)
    word_count.search(b"", needle, **options)  # bad options fail here, not on a worker
    counts = [dask.delayed(_over_range, pure=False)(*part, needle, options)
              for part in _ranges(urlpath, blocksize, storage_options)]
    return _raise_failed(_compute(_tree(counts, _sum, split_every, 0), client, progress))


def frequencies_files(urlpath, *, top: Optional[int] = None, blocksize=DEFAULT_BLOCKSIZE,
                      client=None, split_every: int = SPLIT_EVERY, progress: bool = False,
                      storage_options: Optional[dict] = None, **options) -> Counter:
    """Every word's count over all the files of `urlpath`, on Dask.

    ``word_count.frequencies`` of the files one after the other, in the
    order given (a glob's in the order fsspec lists them), but no word runs
    from one file into the next: keys are bytes (file contents are bytes),
    empty words are not counted.  top=None: every word, in order of first
    occurrence; top=K: the K most common, most common first, equal counts
    in order of first occurrence (the earlier file first, then the earlier
    place in it); top=0: none.  Other keyword options (``words=``,
    ``casefold=``, ``errors=``) are those of ``word_count.frequencies``;
    ``threads=`` as for `search_files`.  `urlpath`, `blocksize`,
    `client`, `split_every`, `progress` and `storage_options` as for
    `search_files`.
    """
    check_top(top)
    split_every = _check_split_every(split_every)
    if not hasattr(word_count, "frequencies"):
        raise NotImplementedError("this build of word_count has no frequencies()")
    word_count.frequencies(b"", **options)  # bad options fail here
    tables = [dask.delayed(_over_range, pure=False)(*part, None, options)
              for part in _ranges(urlpath, blocksize, storage_options)]
    # The tree combines neighbours in order: the merged Counter keeps the
    # order of first occurrence over the files, taken in order.
    return top_words(_raise_failed(_compute(_tree(tables, _merge_counters, split_every,
                                                  Counter()), client, progress)), top)


def frequencies_files_arrays(urlpath, *, top: Optional[int] = None,
                             blocksize=DEFAULT_BLOCKSIZE, client=None,
                             split_every: int = SPLIT_EVERY, progress: bool = False,
                             storage_options: Optional[dict] = None,
                             **options) -> word_count.FrequencyArrays:
    """`frequencies_files` as ``word_count.FrequencyArrays``: the same words,
    counts and order, but each task's result, each node of the reduction
    tree and the client's result are three flat arrays (bytes objects when
    pickled), not a Counter of a Python object a word: for vocabularies of
    millions of words, what travels between workers is a few bytes a word
    more than the words themselves.  Ranges are added with
    ``word_count.merge_arrays``.  The arguments are `frequencies_files`'."""
    check_top(top)
    split_every = _check_split_every(split_every)
    word_count.frequencies_arrays(b"", **options)  # bad options fail here
    tables = [dask.delayed(_over_range, pure=False)(*part, None, options, True)
              for part in _ranges(urlpath, blocksize, storage_options)]
    total = _raise_failed(_compute(_tree(tables, _merge_arrays, split_every,
                                         word_count.merge_arrays([])), client, progress))
    return total if top is None else word_count.merge_arrays([total], top=top)


# ---- command line ------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m word_count.dask",
        usage=("%(prog)s [options] NEEDLE PATH [PATH ...]\n"
               "       %(prog)s [options] --top K PATH [PATH ...]"),
        description="Count NEEDLE (or, with --top, every word) in files on Dask.",
        epilog="With --top K there is no NEEDLE: every argument is a path.")
    p.add_argument("args", nargs="+", metavar="NEEDLE PATH",
                   help="the needle, then paths, globs or URLs (anything dask's read_bytes takes)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a distributed scheduler (tcp://host:8786); default: the local scheduler")
    p.add_argument("--blocksize", default=DEFAULT_BLOCKSIZE, type=_blocksize_arg,
                   help=f"bytes per block, e.g. 64MiB (default {DEFAULT_BLOCKSIZE})")
    add_top_option(p)
    add_word_options(p)
    p.add_argument("--threads", type=int,
                   help="C threads per task (default: 1 per block; all CPUs for a file "
                        "of unknown size)")
    p.add_argument("--progress", action="store_true", help="show Dask's progress bar")
    return p


def _blocksize_arg(text: str):
    """--blocksize: ASCII digits (bytes) or a size such as 64MiB (a "²" or
    an Arabic-Indic "٣" was int()'s error or 3 bytes)."""
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        n = parse_bytes(text) if text.isascii() else None
    except (ValueError, TypeError):
        n = None
    if not isinstance(n, int):
        raise argparse.ArgumentTypeError(f"not a number of bytes such as 64MiB: {text!r}")
    return n


def _one_line(e: BaseException) -> str:
    """An exception as one line: its message (the type when it has none)."""
    text = " ".join(str(e).split())
    return text if text else type(e).__name__


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line ``python -m word_count.dask``: `argv` its arguments
    without the program's name (None: ``sys.argv[1:]``); returns the exit
    status (0 found, 1 none, 2 an error)."""
    p = _parser()
    a = parse_intermixed(p, argv)  # options between NEEDLE and the files too
    options = word_options(a)
    if a.threads is not None:
        options["threads"] = a.threads
    if a.top is NO_TOP and len(a.args) < 2:
        p.error("give a NEEDLE and at least one PATH (or --top K and paths)")
    client = None
    try:
        if a.scheduler:
            from distributed import Client
            client = Client(a.scheduler)
        # The progress bar goes to standard error, never into the result.
        with contextlib.redirect_stdout(sys.stderr):
            if a.top is NO_TOP:
                needle, paths = os.fsencode(a.args[0]), a.args[1:]
                result = search_files(paths, needle, blocksize=a.blocksize,
                                      client=client, progress=a.progress, **options)
            else:
                # Arrays, not Counters, go between the tasks and to here.
                result = frequencies_files_arrays(
                    a.args, blocksize=a.blocksize, client=client,
                    progress=a.progress, **options)
        if a.top is NO_TOP:
            print(result)
            return 0 if result else 1
        write_top_arrays(result, a.top, sys.stdout.buffer)
        return 0 if len(result.counts) else 1
    except BrokenPipeError:
        raise  # run_main: as grep, ended by SIGPIPE
    except Exception as e:
        # Exit status 1 means "none found" (grep's convention), so every
        # failure is 2 with one line: a missing file, an fsspec protocol
        # whose backend is not installed (ImportError), a scheduler that
        # cannot be reached (OSError/TimeoutError), an error in a task.
        print(f"word_count.dask: {_one_line(e)}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            try:
                client.close()
            except Exception:
                pass


if __name__ == "__main__":
    # Run main() from word_count.dask, not from __main__: the task functions
    # must be pickled by reference (as word_count.dask.*) for the workers.
    from word_count._cli import run_main
    from word_count.dask import main as _main
    run_main(_main)
