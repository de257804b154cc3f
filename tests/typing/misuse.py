"""Code the stubs must reject: each line marked `# error` must get a mypy
error (tests/python/test_typing.py checks the line numbers)."""

from __future__ import annotations

from collections import Counter

import word_count

a: Counter[bytes] = word_count.frequencies("a b")  # error: str text has str words
b: Counter[str] = word_count.frequencies(b"a b")  # error: bytes text has bytes words
word_count.search("a b", b"a")  # error: str text with a bytes needle
word_count.search(b"a b", "a")  # error: bytes text with a str needle
c: dict[str, int] = word_count.count_many(b"a b", [b"a"])  # error: bytes keys
word_count.count_many("a b", [b"a"])  # error: bytes needles in str text
word_count.search("a", "a", words="words")  # error: not a word rule
word_count.search_py("a", b"a")  # error: the mix
n: str = word_count.search("a", "a")  # error: a count is an int
