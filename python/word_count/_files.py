"""search_file and search_stream: the C functions, plus ``progress=True``
(here for these four functions; the in-memory ones call _progress from C).

The counting, the reading and the Ctrl-C handling are all in C
(ext/files.c over lib/input*.c); this module only turns ``progress=True`` into a
tqdm bar when tqdm is installed (it stays an optional dependency).
"""

from __future__ import annotations

import os
import warnings

from . import _word_count


class _Bar:
    """A progress callable that drives a tqdm bar, created on first call."""

    def __init__(self, tqdm, desc, unit="B"):
        self._tqdm = tqdm
        self._desc = desc
        self._unit = unit
        self._bar = None
        self._last = 0

    def __call__(self, done, total):
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit=self._unit, unit_scale=True,
                                   unit_divisor=1024 if self._unit == "B" else 1000,
                                   desc=self._desc)
        elif total is not None and self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._last)
        self._last = done

    def close(self):
        if self._bar is not None:
            self._bar.close()


def _progress(progress, desc, stacklevel=4, unit="B"):
    """(callable or None, bar or None) for a progress= argument.

    Also called by the C functions count_many, frequencies and search for
    progress=True (stacklevel 2: no Python frame between this one and the
    caller's line; unit "char" for str contents)."""
    if progress is not True:
        return progress, None
    try:
        from tqdm import tqdm
    except ImportError:
        warnings.warn("progress=True shows a bar only when tqdm is installed "
                      "(pip install tqdm); counting without one",
                      RuntimeWarning, stacklevel=stacklevel)
        return None, None
    bar = _Bar(tqdm, desc, unit)
    return bar, bar


def _desc(path):
    return os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else None


def _stream_desc(fileobj):
    """A stream's name for its bar, read only for progress=True (a callable
    for _call): the object's `name` is its own code, and may raise or be
    anything; the C core counts the stream whatever it is."""
    def desc():
        try:
            name = fileobj.name
        except Exception:
            return None
        return None if name is None else _text(name)
    return desc


def _text(name):
    try:
        return os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else str(name)
    except Exception:
        return None


def _call(fn, progress, desc, *args, **kwargs):
    """fn(*args, progress=..., **kwargs), with progress=True made a tqdm bar
    (named `desc`, or what it returns when it is a callable: called only for
    the bar) that is closed however the call ends."""
    if callable(desc):
        desc = desc() if progress is True else None
    cb, bar = _progress(progress, desc)
    try:
        return fn(*args, progress=cb, **kwargs)
    finally:
        if bar is not None:
            bar.close()


def search_file(path, needle, *, threads=None, progress=None, block_size=None,
                words="space", casefold=False, errors="strict"):
    """Count the words of the file at `path` equal to `needle`.

    `path` is a str, bytes or os.PathLike; the file's content is bytes, so a
    str `needle` is encoded as UTF-8 (or pass bytes).  Regular files are read
    in blocks on `threads` threads (default: default_threads()), in memory of
    about threads x block_size bytes whatever the file's size; pipes, FIFOs,
    devices and /proc files are read as streams.  The GIL is released.

    `progress`: a callable(bytes_done, bytes_total) called from this thread
    about every 0.1 s (raise in it to stop the count), or True for a tqdm bar
    when tqdm is installed.  Ctrl-C raises KeyboardInterrupt within about a
    second.  Errors raise OSError subclasses with the path
    (FileNotFoundError, IsADirectoryError, PermissionError, ...); a file that
    shrinks while it is read raises OSError(EIO) rather than give a count of
    half a file.

    `words` and `casefold` as for search(): the default ("space", no
    folding) counts on the SIMD kernels; the other modes cut the words of
    the file's bytes, decoded as UTF-8, in blocks whose edges never cut a
    word.  Invalid UTF-8 then raises UnicodeDecodeError (see
    frequencies_file), or with errors="replace" is U+FFFD (no word
    character), as bytes.decode("utf-8", "replace") makes it.
    """
    return _call(_word_count.search_file, progress, _desc(path), path, needle,
                 threads=threads, block_size=block_size, words=words,
                 casefold=casefold, errors=errors)


def search_stream(fileobj, needle, *, threads=None, progress=None,
                  block_size=None, words="space", casefold=False,
                  errors="strict"):
    """Count the words equal to `needle` in what remains of `fileobj`, a binary file object.

    A file object over an OS file (open(..., "rb"), sys.stdin.buffer,
    subprocess pipes) is read through its file descriptor with the GIL
    released, starting at its current position (bytes it had read ahead
    count too) and left at the end (where it stood, if it is seekable and
    the count raises); any other object with read(n) (BytesIO,
    gzip.GzipFile, sockets' makefile, ...) is read with .read(n) in blocks,
    the GIL held only around each call.  When the descriptor is a regular
    file (``open(path, "rb")``, stdin redirected from a file), what remains
    is read in blocks on `threads` threads as search_file reads (default:
    default_threads()); a pipe or a read(n) is one stream on the calling
    thread.  `needle` and `progress` as for search_file (the total given to
    `progress` is None while the stream's size is not known), and so are
    `words`, `casefold` and `errors`.
    """
    return _call(_word_count.search_stream, progress, _stream_desc(fileobj),
                 fileobj, needle, threads=threads, block_size=block_size,
                 words=words, casefold=casefold, errors=errors)


def frequencies_file(path, *, top=None, words="space", casefold=False,
                     threads=None, progress=None, block_size=None,
                     errors="strict"):
    """A collections.Counter of the words of the file at `path`.

    The same result as ``frequencies(open(path, "rb").read(), ...)``: the
    keys are bytes (the file's own bytes for words="space" without
    casefold; UTF-8 of the folded words with casefold=True), with `top`,
    `words` and `casefold` as for frequencies(): top=None: every word, in
    order of first occurrence; top=K: the K most common, most common first,
    equal counts in order of first occurrence; top=0: none.  But the file is never in
    memory: it is read in blocks as by search_file (on `threads` threads,
    memory about threads x block_size plus the table of distinct words), and
    a block's edges never cut a word or a UTF-8 sequence.  The GIL is
    released; `progress` and Ctrl-C as for search_file.

    With words="unicode" or casefold=True the bytes must be UTF-8, else
    UnicodeDecodeError: its ``object`` is the file's bytes around the error
    (up to 16 before and 16 after; ``start``/``end`` index them), its message
    and its ``file_offset`` attribute give the offset of the first bad byte
    in the file, and ``filename`` the path.  With errors="replace" invalid
    UTF-8 is U+FFFD instead, as bytes.decode("utf-8", "replace") makes it:
    no word character in words="unicode", b"\\xef\\xbf\\xbd" in a folded
    space word.
    """
    return _call(_word_count.frequencies_file, progress, _desc(path), path,
                 top=top, words=words, casefold=casefold, threads=threads,
                 block_size=block_size, errors=errors)


def frequencies_stream(fileobj, *, top=None, words="space", casefold=False,
                       threads=None, progress=None, block_size=None,
                       errors="strict"):
    """A collections.Counter of the words in what remains of `fileobj`, a binary file object.

    frequencies_file for streams: read as search_stream reads (through the
    file descriptor when there is one, in blocks on `threads` threads when it
    is a regular file; else with .read(n) on the calling thread);
    ``file_offset`` of a UnicodeDecodeError counts from where the stream was
    when the call began.
    """
    return _call(_word_count.frequencies_stream, progress, _stream_desc(fileobj),
                 fileobj, top=top, words=words, casefold=casefold,
                 threads=threads, block_size=block_size, errors=errors)
