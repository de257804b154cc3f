"""A typed user of word_count: `mypy --strict` must accept it as it is, and
every `assert_type` says what the stubs give (tests/python/test_typing.py
also runs it, so it is true at run time too)."""

from __future__ import annotations

import io
import mmap
import os
import tempfile
from collections import Counter

from typing_extensions import assert_type

import word_count

text: str = "the cat and the hat\nthe end\n"
data: bytes = text.encode()

assert_type(word_count.search(text, "the"), int)
assert_type(word_count.search(data, b"the", threads=2), int)
assert_type(word_count.search(bytearray(data), memoryview(b"the")), int)
assert_type(word_count.search(text, "THE", words="unicode", casefold=True), int)
assert_type(word_count.search_sequential(text, "the"), int)
assert_type(word_count.search_sequential_allow_threads(data, b"the"), int)
assert_type(word_count.search_sequential_detached(text, "the"), int)
assert_type(word_count.search_py(text, "the"), int)

str_freq = word_count.frequencies(text)
assert_type(str_freq, Counter[str])
bytes_freq = word_count.frequencies(data, top=2, words="unicode")
assert_type(bytes_freq, Counter[bytes])
assert_type(word_count.frequencies(bytearray(data)), Counter[bytes])
arrays = word_count.frequencies_arrays(text, top=2)
assert_type(arrays, word_count.FrequencyArrays)
assert_type(arrays.data, bytes)
assert_type(arrays.counts, memoryview)
assert arrays.data == b"thecat" and arrays.counts.tolist() == [3, 1]
assert_type(word_count.frequencies_stream_arrays(io.BytesIO(data)), word_count.FrequencyArrays)
assert_type(word_count.count_many(text, ["the", "cat"]), dict[str, int])
assert_type(word_count.count_many(data, [b"the", b"cat"]), dict[bytes, int])

# Words of a str are str: str methods type-check on them.
most, _ = str_freq.most_common(1)[0]
assert most.upper() == "THE"
word, _ = bytes_freq.most_common(1)[0]
assert word.decode() == "the"

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "t.txt")
    with open(path, "wb") as f:
        f.write(data)
    assert_type(word_count.search_file(path, "the"), int)
    assert_type(word_count.search_file(path, b"the", progress=lambda done, total: None), int)
    assert_type(word_count.frequencies_file(path, top=1), Counter[bytes])
    with open(path, "rb") as r:
        assert_type(word_count.search_stream(r, "the", casefold=True), int)
    with open(path, "rb") as r, mmap.mmap(r.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert_type(word_count.search(m, b"the"), int)
    assert_type(word_count.frequencies_stream(io.BytesIO(data)), Counter[bytes])

assert_type(word_count.kernel(), str)
assert_type(word_count.available_kernels(), list[str])
assert_type(word_count.default_threads(), int)
assert_type(word_count.default_text(2), str)
assert_type(word_count.MAX_THREADS, int)

assert word_count.search(text, "the") == 3
assert word_count.frequencies(text)["the"] == 3
assert word_count.count_many(data, [b"the"]) == {b"the": 3}
