"""What the reliability suites (test_bad_input, test_lifecycle, test_stress,
test_leaks) run, in one place: every counting function behind one calling
convention, and the inputs of every kind.

To bring a new function under every suite (the frequency functions, ...),
add one entry to CALLS: a function
``call(contents, needle, threads)`` that counts `contents` (a str or a
bytes-like object) the way the new function does (for files: write the bytes
to a temporary file and count it) and returns the count or raises.  Set
`threads` support in THREADED.

This module is importable (tests/python is on sys.path), so that
multiprocessing's spawn and forkserver children can unpickle the functions
below by name.
"""

from __future__ import annotations

import atexit
import io
import mmap
import os
import shutil
import tempfile
import threading
from typing import Callable, Optional

import word_count
from helpers import reference_count

Call = Callable[[object, object, Optional[int]], int]


def _search(contents, needle, threads=None):
    return word_count.search(contents, needle, threads=threads)


def _sequential(contents, needle, threads=None):
    return word_count.search_sequential(contents, needle)


def _allow_threads(contents, needle, threads=None):
    return word_count.search_sequential_allow_threads(contents, needle)


def _detached(contents, needle, threads=None):
    return word_count.search_sequential_detached(contents, needle)


def _py(contents, needle, threads=None):
    return word_count.search_py(contents, needle)


# Files and streams count bytes: the text's bytes (UTF-8 for a str, which
# keeps every count: ' ', '\n' and '\r' are single bytes there) are written
# once to a file of their own and counted from it.  The needle is passed as
# given (search_file and search_stream encode a str needle as UTF-8).
_FILES_DIR: Optional[str] = None
_FILES: dict[bytes, str] = {}
_FILES_LOCK = threading.Lock()


def _content_bytes(contents) -> bytes:
    if isinstance(contents, str):
        return contents.encode("utf-8", "surrogatepass")
    return bytes(memoryview(contents))


def path_of(contents) -> str:
    """A file holding the bytes of `contents` (made once, removed at exit)."""
    global _FILES_DIR
    data = _content_bytes(contents)
    with _FILES_LOCK:
        path = _FILES.get(data)
        if path is None:
            if _FILES_DIR is None:
                _FILES_DIR = tempfile.mkdtemp(prefix="wc-reliability-")
                atexit.register(shutil.rmtree, _FILES_DIR, True)
            path = os.path.join(_FILES_DIR, f"{len(_FILES)}.txt")
            with open(path, "wb") as f:
                f.write(data)
            _FILES[data] = path
    return path


def _file(contents, needle, threads=None):
    return word_count.search_file(path_of(contents), needle, threads=threads)


def _stream_file(contents, needle, threads=None):
    with open(path_of(contents), "rb") as f:  # has fileno(): read with read(2)
        return word_count.search_stream(f, needle)


def _stream_bytesio(contents, needle, threads=None):
    # No fileno(): read with .read() in blocks.
    return word_count.search_stream(io.BytesIO(_content_bytes(contents)), needle)


# Every counting function of the package, by name.
CALLS: dict[str, Call] = {
    "search": _search,
    "search_sequential": _sequential,
    "search_sequential_allow_threads": _allow_threads,
    "search_sequential_detached": _detached,
    "search_py": _py,
    "search_file": _file,
    "search_stream-file": _stream_file,
    "search_stream-bytesio": _stream_bytesio,
}
# The ones with a `threads=` keyword.
THREADED = {"search", "search_file"}
# The ones that take the text itself as an object in memory (the others read
# it from a file or stream: the type and buffer rows of the bad-input table
# are not theirs).
IN_MEMORY = {"search", "search_sequential", "search_sequential_allow_threads",
             "search_sequential_detached", "search_py"}
# The native ones (the GIL is released, the pool may run).
NATIVE = [name for name in CALLS if name != "search_py"]

# ---- inputs -----------------------------------------------------------------

# A block that ends with "\n": a text made of k blocks has k times the
# block's count (no line and no word crosses a block edge), which lets the
# reference be computed on the block alone for texts of many MB.
BLOCK = word_count.ZEN.replace("\n", "\r\n", 3) + " is  is\r\nis\n"
NEEDLES = ["is", "", "better", "a b"]


def block_count(needle: str, blocks: int) -> int:
    return reference_count(BLOCK, needle) * blocks


def text_kinds(blocks: int, tmpdir: str) -> dict[str, object]:
    """The same words as every kind of input the functions take: str of 1, 2
    and 4 bytes a character (a wide character on a line of its own, so the
    counts of NEEDLES do not change), bytes, bytearray, memoryview and mmap."""
    ascii_text = BLOCK * blocks
    raw = ascii_text.encode()
    path = os.path.join(tmpdir, "text.bin")
    with open(path, "wb") as f:
        f.write(raw)
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return {
        "str1": ascii_text,
        "str2": "\u0101\n" + ascii_text,
        "str4": "\U0001f600\n" + ascii_text,
        "bytes": raw,
        "bytearray": bytearray(raw),
        "memoryview": memoryview(raw),
        "mmap": mapped,
    }


def as_needle(text: object, needle: str):
    return needle if isinstance(text, str) else needle.encode()


# ---- for multiprocessing children (pickled by name) -------------------------

CHILD_TEXT = BLOCK * 400  # past PARALLEL_THRESHOLD: the pool works


def child_count(args) -> int:
    needle, threads = args
    return word_count.search(CHILD_TEXT, needle, threads=threads)


def child_all_functions(needle: str) -> list[int]:
    return [CALLS[name](CHILD_TEXT, needle, 2) for name in sorted(CALLS)]
