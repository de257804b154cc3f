"""The word characters and case folding of the core's Unicode version, for
the tests' oracles on every Python.

The core's tables are for one Unicode version (word_count.UNICODE_VERSION),
whatever Python runs the tests.  Where this Python's unicodedata has that
version, the oracles are Python's own `re` (\\w) and `str.casefold`; where it
has another, they are the committed expectations (unicode_expect.txt: the
word ranges and folds that Python 3.13's isalnum/casefold give, written by
tools/gen_unicode.py), read here by plain Python.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata

import word_count

SAME = unicodedata.unidata_version == word_count.UNICODE_VERSION
_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unicode_expect.txt")
_W = re.compile(r"\w+")


def _load():
    starts, ends, folds = [], [], {}
    with open(_PATH, encoding="ascii") as f:
        head = f.readline()
        assert f"Unicode {word_count.UNICODE_VERSION}:" in head, head
        for line in f:
            if line.startswith("#"):  # the head's notes (the licence)
                continue
            kind, *fields = line.split()
            if kind == "W":
                starts.append(int(fields[0], 16))
                ends.append(int(fields[1], 16))
            else:
                folds[int(fields[0], 16)] = "".join(chr(int(x, 16)) for x in fields[1:])
    return starts, ends, folds


_STARTS, _ENDS, _FOLDS = _load()


def is_word(ch: str) -> bool:
    """What \\w matches (isalnum() or "_") in the core's Unicode version."""
    if SAME:
        return ch.isalnum() or ch == "_"
    c = ord(ch)
    k = bisect.bisect_right(_STARTS, c) - 1
    return k >= 0 and c <= _ENDS[k]


def casefold(s: str) -> str:
    """str.casefold in the core's Unicode version."""
    if SAME:
        return s.casefold()
    return "".join(_FOLDS.get(ord(ch), ch) for ch in s)


def findall_words(s: str) -> list:
    """re.findall(r"\\w+", s) in the core's Unicode version."""
    if SAME:
        return _W.findall(s)
    out, run = [], []
    for ch in s:
        if is_word(ch):
            run.append(ch)
        elif run:
            out.append("".join(run))
            run = []
    if run:
        out.append("".join(run))
    return out
