"""What the reliability suites (test_bad_input, test_lifecycle, test_stress,
test_leaks) run, in one place: every counting function behind one calling
convention, and the inputs of every kind.

To bring a new function under every suite (the frequency functions, ...),
add one entry to CALLS: a function
``call(contents, needle, threads)`` that counts `contents` (a str or a
bytes-like object) the way the new function does (for files: write the bytes
to a temporary file and count it) and returns the count or raises.  Set
`threads` support in THREADED.  A function whose count is not that of
``helpers.reference_count`` (other words, casefold, no empty words) names its
independent oracle in ORACLES; the suites compare with ``expected(name,
contents, needle)``, which raises what the function must raise (invalid
UTF-8: UnicodeDecodeError).

This module is importable (tests/python is on sys.path), so that
multiprocessing's spawn and forkserver children can unpickle the functions
below by name.
"""

from __future__ import annotations

import atexit
import io
import mmap
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from typing import Callable, Optional

import unicode_oracle as uo
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
_FILES_PID = 0  # the process that made _FILES_DIR: only it removes it
_FILES: dict[bytes, str] = {}
_FILES_LOCK = threading.Lock()


def remove_files() -> None:
    """Remove the files this process made (at exit, and from children).

    A forked child inherits both the directory and this atexit handler: it
    leaves the parent's directory alone.  A child that made its own (the
    parent had none) and leaves by os._exit, as multiprocessing's fork
    children do, skips atexit: child_all_functions calls this itself."""
    global _FILES_DIR
    with _FILES_LOCK:
        if _FILES_DIR is not None and _FILES_PID == os.getpid():
            shutil.rmtree(_FILES_DIR, True)
            _FILES_DIR = None
            _FILES.clear()


def _content_bytes(contents) -> bytes:
    if isinstance(contents, str):
        return contents.encode("utf-8", "surrogatepass")
    return bytes(memoryview(contents))


def path_of(contents) -> str:
    """A file holding the bytes of `contents` (made once, removed at exit)."""
    global _FILES_DIR, _FILES_PID
    data = _content_bytes(contents)
    with _FILES_LOCK:
        path = _FILES.get(data)
        if path is None:
            if _FILES_DIR is None:
                _FILES_DIR = tempfile.mkdtemp(prefix="wc-reliability-")
                if _FILES_PID == 0:
                    atexit.register(remove_files)
                _FILES_PID = os.getpid()
            path = os.path.join(_FILES_DIR, f"{len(_FILES)}.txt")
            with open(path, "wb") as f:
                f.write(data)
            _FILES[data] = path
    return path


def _file(contents, needle, threads=None):
    return word_count.search_file(path_of(contents), needle, threads=threads)


def _stream_file(contents, needle, threads=None):
    # A regular file's descriptor: read in blocks on the pool, as search_file.
    with open(path_of(contents), "rb") as f:
        return word_count.search_stream(f, needle, threads=threads)


def _stream_bytesio(contents, needle, threads=None):
    # No fileno(): read with .read() in blocks.
    return word_count.search_stream(io.BytesIO(_content_bytes(contents)), needle)


# count_many, frequencies and the words=/casefold= options of search: the
# count of the one needle, looked up in what they return.


def _count_many(contents, needle, threads=None):
    return word_count.count_many(contents, [needle], threads=threads)[needle]


def _count_many_unicode(contents, needle, threads=None):
    return word_count.count_many(contents, [needle], words="unicode",
                                 threads=threads)[needle]


def _search_unicode(contents, needle, threads=None):
    return word_count.search(contents, needle, words="unicode", threads=threads)


def _search_casefold(contents, needle, threads=None):
    return word_count.search(contents, needle, casefold=True, threads=threads)


def _lookup_key(contents, needle, casefold=False):
    """The key of `needle` in a frequencies() Counter of `contents`."""
    if isinstance(contents, str):
        return uo.casefold(needle) if casefold else needle
    key = bytes(memoryview(needle))
    return uo.casefold(key.decode("utf-8")).encode("utf-8") if casefold else key


def _frequencies(contents, needle, threads=None):
    return word_count.frequencies(contents, threads=threads)[_lookup_key(contents, needle)]


def _frequencies_unicode_casefold(contents, needle, threads=None):
    counts = word_count.frequencies(contents, words="unicode", casefold=True,
                                    threads=threads)
    return counts[_lookup_key(contents, needle, casefold=True)]


def _frequencies_arrays(contents, needle, threads=None):
    data, offsets, counts = word_count.frequencies_arrays(contents, threads=threads)
    key = _lookup_key(contents, needle)
    if isinstance(key, str):
        key = key.encode("utf-8", "surrogatepass")
    words = [data[offsets[i]:offsets[i + 1]] for i in range(len(counts))]
    return dict(zip(words, counts)).get(key, 0)


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
    "count_many": _count_many,
    "count_many-unicode": _count_many_unicode,
    "search-unicode": _search_unicode,
    "search-casefold": _search_casefold,
    "frequencies": _frequencies,
    "frequencies-unicode-casefold": _frequencies_unicode_casefold,
    "frequencies_arrays": _frequencies_arrays,
}
WORDS = {"count_many", "count_many-unicode", "search-unicode", "search-casefold",
         "frequencies", "frequencies-unicode-casefold", "frequencies_arrays"}
# The ones with a `threads=` keyword.
THREADED = {"search", "search_file", "search_stream-file"} | WORDS
# The ones that take the text itself as an object in memory (the others read
# it from a file or stream: the type and buffer rows of the bad-input table
# are not theirs).
IN_MEMORY = {"search", "search_sequential", "search_sequential_allow_threads",
             "search_sequential_detached", "search_py"} | WORDS
# The ones that take the needle as an argument (frequencies counts every word:
# the needle is only the key the wrapper looks up, so the needle rows of the
# bad-input table are not theirs).
TAKES_NEEDLE = {name for name in CALLS if not name.startswith("frequencies")}
# The ones that decode bytes as UTF-8 (invalid UTF-8 raises UnicodeDecodeError).
DECODES = {"count_many-unicode", "search-unicode", "search-casefold",
           "frequencies-unicode-casefold"}
# The native ones (the GIL is released, the pool may run).
NATIVE = [name for name in CALLS if name != "search_py"]

# ---- the oracles ---------------------------------------------------------------


def space_words(text):
    """The words of the semantics, written with str.split (no code shared with
    helpers.reference_count, which goes character by character): lines as
    Rust's str::lines, each split at " ", empty words included."""
    if not text:
        return []
    nl, cr, sp = ("\n", "\r", " ") if isinstance(text, str) else (b"\n", b"\r", b" ")
    lines = text.split(nl)
    ended = not lines[-1]  # a final "\n" starts no line
    if ended:
        lines.pop()
    words = []
    for k, line in enumerate(lines):
        if (ended or k < len(lines) - 1) and line.endswith(cr):
            line = line[:-1]  # "\r\n" ends the line; a bare final "\r" stays
        words += line.split(sp)
    return words


def word_oracle(contents, needle, words="space", casefold=False, empty=True):
    r"""The count of `needle` among the words of `contents` with collections.
    Counter over str.split (space) or re.findall(r"\w+") (unicode), after
    str.casefold() when asked; bytes are decoded as strict UTF-8 when the mode
    needs code points (a bad needle first, as the functions add the needles
    before they count).  `empty`: whether empty words count (frequencies
    leaves them out)."""
    text = contents if isinstance(contents, str) else bytes(memoryview(contents))
    if not isinstance(text, str):
        needle = bytes(memoryview(needle))
        if words == "unicode" or casefold:
            needle = needle.decode("utf-8")
            text = text.decode("utf-8")
    if casefold:
        text = uo.casefold(text)
        needle = uo.casefold(needle)
    found = space_words(text) if words == "space" else uo.findall_words(text)
    if not empty:
        found = [w for w in found if w]
    return Counter(found)[needle]


ORACLES: dict[str, Callable[[object, object], int]] = {
    "count_many": lambda c, n: word_oracle(c, n),
    "count_many-unicode": lambda c, n: word_oracle(c, n, words="unicode"),
    "search-unicode": lambda c, n: word_oracle(c, n, words="unicode"),
    "search-casefold": lambda c, n: word_oracle(c, n, casefold=True),
    "frequencies": lambda c, n: word_oracle(c, n, empty=False),
    "frequencies_arrays": lambda c, n: word_oracle(c, n, empty=False),
    "frequencies-unicode-casefold": lambda c, n: word_oracle(c, n, words="unicode",
                                                             casefold=True),
}


def expected(name: str, contents, needle) -> int:
    """What CALLS[name](contents, needle) must return (or raise)."""
    oracle = ORACLES.get(name)
    return oracle(contents, needle) if oracle else reference_count(contents, needle)


# ---- inputs -----------------------------------------------------------------

# A block that ends with "\n": a text made of k blocks has k times the
# block's count (no line and no word crosses a block edge), which lets the
# reference be computed on the block alone for texts of many MB.
BLOCK = word_count.ZEN.replace("\n", "\r\n", 3) + " is  is\r\nis\n"
# "Now": "Now is" and "right* now." tell casefold and unicode words apart.
NEEDLES = ["is", "", "better", "a b", "Now"]


def block_count(needle: str, blocks: int, name: str = "search") -> int:
    # No word of any mode crosses BLOCK's final "\n".
    return expected(name, BLOCK, needle) * blocks


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
    try:
        return [CALLS[name](CHILD_TEXT, needle, 2) for name in sorted(CALLS)]
    finally:
        remove_files()


def child_all_expected(needle: str) -> list[int]:
    return [expected(name, CHILD_TEXT, needle) for name in sorted(CALLS)]
