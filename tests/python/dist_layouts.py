"""Files for the Dask and MPI tests: contents whose block and range
boundaries, over a sweep of small block sizes, fall on matches, on "\\r\\n",
on a bare "\\r" and on empty lines; and the independent oracles for them."""

from __future__ import annotations

import os
import random
from collections import Counter

from helpers import reference_count

NEEDLES = (b"is", b"", b"is\r")


def _random_layout(seed: int, n: int) -> bytes:
    rng = random.Random(seed)
    pieces = [b"is", b" ", b"\n", b"\r\n", b"\r", b"x", b"isis", b"\n\n"]
    return b"".join(rng.choice(pieces) for _ in range(n))


LAYOUTS = {
    # a match right before and after every newline, and at both ends
    "matches": b"is is\nis\r\nis\n\nis\r\n\r\nisis is  is\nis",
    # "\r\n" everywhere, "\r\r\n", and a bare final "\r" (which stays in the word)
    "crlf": b"is\r\n" * 7 + b"is\r\r\n\r\nis\r",
    # runs of empty lines (empty words for the empty needle)
    "empty_lines": b"\n\n\nis\n\n \n\nis",
    "no_newline": b"is is is",
    "only_newlines": b"\n" * 9,
    "final_newline": b"is\n" * 5,
    "empty": b"",
    "random1": _random_layout(1, 60),
    "random2": _random_layout(2, 60),
}

# A file without a final newline followed by another file: joined, "i" + "s"
# would be one match; counted apart (as they must be) there is none.
SPLIT_WORD = (b"x i", b"s x\n")


def write_files(directory, layouts=LAYOUTS):
    """Write each layout to DIR/NAME.txt; return {path: contents}."""
    out = {}
    for name, data in layouts.items():
        p = directory / f"{name}.txt"
        p.write_bytes(data)
        out[str(p)] = data
    return out


def expected_count(contents, needle: bytes) -> int:
    """The sum over the files, each counted alone, by the reference."""
    return sum(reference_count(data, needle) for data in contents)


def lines_oracle(data: bytes) -> list:
    """Rust's str::lines, written out with bytes.split."""
    if not data:
        return []
    parts = data.split(b"\n")
    ended = [True] * (len(parts) - 1) + [False]  # was the piece followed by "\n"?
    if data.endswith(b"\n"):
        parts.pop()
        ended.pop()
    return [p[:-1] if e and p.endswith(b"\r") else p for p, e in zip(parts, ended)]


def frequencies_oracle(contents) -> Counter:
    """Counter(w for line in lines for w in line.split(" ") if w), per file, added."""
    total = Counter()
    for data in contents:
        total.update(w for line in lines_oracle(data) for w in line.split(b" ") if w)
    return total


def _made_up(path: str) -> bool:
    try:
        return os.path.getsize(path) != len(open(path, "rb").read())
    except OSError:
        return False


# Files of the kernel's pseudo file systems whose size is made up, which the
# front ends must read whole as streams (as search_file does): /proc reports
# 0 bytes, sysfs 4,096 for an attribute of a few.  Their contents do not
# change while the tests run.
PROC_FILES = [p for p in ("/proc/filesystems", "/proc/version") if _made_up(p)]
SYS_FILES = [p for p in ("/sys/kernel/mm/transparent_hugepage/enabled",
                         "/sys/devices/system/cpu/online") if _made_up(p)]
