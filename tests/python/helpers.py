"""The independent reference that counts are checked against, and the
functions under test by name (imported by the tests; tests/python is on
sys.path through pytest's `pythonpath`)."""

from __future__ import annotations

import subprocess

import word_count


def reference_count(text, needle) -> int:
    """The semantics, written out character by character.

    Shares no code with word_count: a line ends at "\\n" (one "\\r" before it is
    dropped); a final "\\n" starts no line; a line is cut at " " into words.
    """
    nl, cr, sp = ("\n", "\r", " ") if isinstance(text, str) else (10, 13, 32)
    if not isinstance(text, str):
        text = bytes(text)
        needle = bytes(needle)
    words = []
    line = []
    i = 0
    n = len(text)

    def flush_line(chars):
        word = []
        for c in chars:
            if c == sp:
                words.append(word)
                word = []
            else:
                word.append(c)
        words.append(word)

    while i < n:
        c = text[i]
        if c == nl:
            if line and line[-1] == cr:
                line.pop()
            flush_line(line)
            line = []
        else:
            line.append(c)
        i += 1
    if line:
        flush_line(line)
    target = list(needle)
    return sum(1 for w in words if w == target)


SEARCHES = {
    "search": word_count.search,
    "search_sequential": word_count.search_sequential,
    "search_sequential_allow_threads": word_count.search_sequential_allow_threads,
    "search_sequential_detached": word_count.search_sequential_detached,
    "search_py": word_count.search_py,
}


def coreutils_count(path, needle: str) -> int:
    """The coreutils oracle: `tr ' ' '\\n' < FILE | grep -cxF NEEDLE`, for
    files without '\\r' (it knows no "\\r\\n" line endings)."""
    with open(path, "rb") as f:
        tr = subprocess.Popen(["tr", " ", "\n"], stdin=f, stdout=subprocess.PIPE)
        out = subprocess.run(["grep", "-cxF", "--", needle], stdin=tr.stdout,
                             capture_output=True, check=False).stdout
        tr.stdout.close()
        tr.wait()
    return int(out)


# Root reads a file of mode 0 (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH); a child
# started through setpriv (util-linux, essential in Debian) without those two
# capabilities is refused as any user is, with the same uid and files.
_NO_DAC = "-dac_override,-dac_read_search"


def unprivileged(argv: list) -> list:
    """`argv` so that it runs without the capabilities that let root read any
    file; unchanged when not running as root.  Skips the test when setpriv is
    missing (the refusal could not be shown)."""
    import os
    import shutil

    import pytest

    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): root reads a file of mode 0")
    return [setpriv, f"--inh-caps={_NO_DAC}", f"--bounding-set={_NO_DAC}", *map(str, argv)]


def mapped_text(block: bytes, copies: int):
    """(text, address): a read-only memoryview of `copies` times `block`
    (whose length is a multiple of the page size) that costs one block of
    memory, a temporary file of the block mapped `copies` times side by
    side, and where it starts.  The mapping lives until the caller unmaps
    it (tests run it in a child interpreter)."""
    import ctypes
    import mmap
    import os
    import tempfile
    assert len(block) % mmap.PAGESIZE == 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                          ctypes.c_int, ctypes.c_int, ctypes.c_long]
    PROT_NONE, MAP_FIXED, MAP_NORESERVE = 0, 0x10, 0x4000
    total = len(block) * copies
    base = libc.mmap(None, total, PROT_NONE,
                     mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
    assert base not in (None, ctypes.c_void_p(-1).value), os.strerror(ctypes.get_errno())
    with tempfile.TemporaryFile() as f:
        f.write(block)
        f.flush()
        for k in range(copies):
            at = libc.mmap(base + k * len(block), len(block), mmap.PROT_READ,
                           mmap.MAP_SHARED | MAP_FIXED, f.fileno(), 0)
            assert at == base + k * len(block), os.strerror(ctypes.get_errno())
    view = ctypes.pythonapi.PyMemoryView_FromMemory
    view.restype = ctypes.py_object
    view.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
    return view(base, total, 0x100), base  # PyBUF_READ


def random_bytes(rnd, alphabet: bytes, n: int) -> bytes:
    """n bytes drawn from `alphabet` with the random.Random `rnd`, at C speed
    (rnd.choice in a loop takes about 12 s for 32 MiB): random bytes mapped
    through a table.  Uniform when len(alphabet) divides 256, else the first
    letters a little more often."""
    return rnd.randbytes(n).translate(bytes(alphabet[i % len(alphabet)] for i in range(256)))
