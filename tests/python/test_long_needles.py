"""Needles as long as the input: search_file and search_stream read each byte
about once (not size^2 / block bytes), whatever the needle's length, and
count what the reference counts.

Bytes read are measured, not time: /proc/self/io's rchar counts every byte
the process's read()/pread() calls returned, and a stream object counts
what its read() gave out.  Each measuring case runs in a fresh interpreter,
so that nothing else reads meanwhile."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings, strategies as st

import word_count
from helpers import random_bytes, reference_count

pytestmark = pytest.mark.timeout(600)

MIB = 1 << 20
SIZE = 8 * MIB   # 8 blocks of the default 1 MiB: before, reads were ~4.5x


def _rchar_script(body: str) -> dict:
    code = textwrap.dedent("""
        import json, sys
        import word_count as w
        def rchar():
            with open("/proc/self/io") as f:
                for line in f:
                    if line.startswith("rchar:"):
                        return int(line.split()[1])
        def reads(fn):
            before = rchar()
            result = fn()
            return result, rchar() - before
        """) + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _files(tmp_path):
    """(path, needle, want): the file is one word, the needle is that word;
    the same word as needle in a file of that word twice on two lines."""
    rnd = random.Random(7)
    word = random_bytes(rnd, b"abcdefgh", SIZE)
    one = tmp_path / "one.txt"
    one.write_bytes(word)
    two = tmp_path / "two.txt"
    two.write_bytes(word[:SIZE // 2] + b"\r\n" + word[:SIZE // 2] + b" x\n")
    return [(str(one), word, 1), (str(two), word[:SIZE // 2], 2)]


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs /proc/self/io")
@pytest.mark.parametrize("threads", [1, 2])
def test_search_file_needle_as_long_as_the_file_reads_it_once(tmp_path, threads):
    for path, needle, want in _files(tmp_path):
        npath = tmp_path / "needle"
        npath.write_bytes(needle)
        out = _rchar_script(f"""
            needle = open({str(npath)!r}, "rb").read()
            n, r = reads(lambda: w.search_file({path!r}, needle, threads={threads}))
            print(json.dumps([n, r]))
            """)
        size = os.path.getsize(path)
        assert out[0] == want == reference_count(open(path, "rb").read(), needle)
        assert out[1] <= 1.3 * size + 64 * 1024, f"read {out[1] / size:.2f}x the file"


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs /proc/self/io")
def test_needles_that_cannot_match_cost_no_rereading(tmp_path):
    """A needle holding a separator, or longer than the file, can match no
    word: the count is 0 without reading the file (it was read 4.5x)."""
    path = tmp_path / "words.txt"
    data = b"ab cd\nab\r\n" * (SIZE // 10)
    path.write_bytes(data)
    out = _rchar_script(f"""
        size = {len(data)}
        a, ra = reads(lambda: w.search_file({str(path)!r}, b"ab " * (size // 3), threads=2))
        b, rb = reads(lambda: w.search_file({str(path)!r}, b"a" * (size + 1), threads=2))
        c, rc = reads(lambda: w.search_file({str(path)!r}, b"ab", threads=2))
        print(json.dumps([a, ra, b, rb, c, rc]))
        """)
    a, ra, b, rb, c, rc = out
    assert (a, b) == (0, 0)
    assert c == reference_count(data, b"ab")
    for r in (ra, rb):  # nothing to look for: the file is not read at all
        assert r <= 64 * 1024, f"read {r / len(data):.2f}x the file"
    assert rc <= 1.3 * len(data) + 64 * 1024, f"read {rc / len(data):.2f}x the file"


class CountingReader(io.RawIOBase):
    """A stream without a file descriptor that counts what read() gave out
    and how many bytes its callers asked for at most at once."""

    def __init__(self, data: bytes):
        self._f = io.BytesIO(data)
        self.given = 0

    def readable(self):
        return True

    def read(self, n=-1):
        b = self._f.read(n)
        self.given += len(b)
        return b


def _stream_time(data: bytes, needle: bytes, block: int) -> float:
    """Best of 3 times of search_stream over a reader without a descriptor."""
    import time
    t = []
    for _ in range(3):
        r = CountingReader(data)
        t0 = time.perf_counter()
        word_count.search_stream(r, needle, block_size=block)
        t.append(time.perf_counter() - t0)
        assert r.given == len(data)
    return min(t)


@pytest.mark.timing
def test_search_stream_long_needle_is_linear():
    """search_stream with needles as long as the stream or half of it:
    read() gives each byte once, and the work is about that of a short
    needle (a ratio of two inputs, generous bound).  Before, the context
    carried from buffer to buffer was the needle's length: a needle half as
    long as the stream took 140x a short one here."""
    rnd = random.Random(3)
    data = random_bytes(rnd, b"abc", 32 * MIB)
    block = 256 * 1024
    r = CountingReader(data)
    assert word_count.search_stream(r, data, block_size=block) == 1
    assert r.given == len(data)
    ratio = _stream_time(data, data[:len(data) // 2], block) / _stream_time(data, data[:2], block)
    assert ratio < 5, f"a needle of half the stream took {ratio:.1f}x a short one"


# ---- the counts: long needles against the reference, on every path ----------

ALPHABET = b"ab \n\r"


@st.composite
def text_and_needles(draw):
    text = draw(st.binary(max_size=3000).map(lambda b: bytes(ALPHABET[x % 5] for x in b)))
    needles = []
    words = [w for line in text.split(b"\n") for w in line.split(b" ")]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 3))
        if kind == 0 and words:  # a word of the text, often long
            needles.append(draw(st.sampled_from(words)))
        elif kind == 1 and words:  # a word with its '\r' dropped or added
            w = draw(st.sampled_from(words))
            needles.append(w[:-1] if w.endswith(b"\r") else w + b"\r")
        else:
            needles.append(draw(st.binary(max_size=200).map(
                lambda b: bytes(b"ab\r"[x % 3] for x in b))))
    return text, needles


def _long_texts():
    """Texts whose words are long, so that needles pass wc_long_min (64 bytes
    for the small blocks used here)."""
    rnd = random.Random(11)
    out = []
    for _ in range(40):
        parts = []
        for _ in range(rnd.randint(1, 6)):
            w = bytes(rnd.choice(b"ab") for _ in range(rnd.choice([0, 1, 63, 64, 65, 100, 700])))
            if rnd.random() < 0.3:
                w += b"\r"
            parts.append(w + rnd.choice([b" ", b"\n", b"\r\n", b""]))
        out.append(b"".join(parts))
    return out


@pytest.mark.parametrize("block", [1, 7, 64, 512, 4096])
def test_long_needles_count_as_the_reference(tmp_path, block):
    path = tmp_path / "t.txt"
    for text in _long_texts():
        path.write_bytes(text)
        words = {w for line in text.split(b"\n") for w in line.split(b" ")}
        needles = sorted(words | {w + b"\r" for w in words} | {w[:-1] for w in words if w},
                         key=len)[-6:]
        for needle in needles:
            want = reference_count(text, needle)
            for threads in (1, 3):
                assert word_count.search_file(str(path), needle, threads=threads,
                                              block_size=block) == want, (text, needle)
            assert word_count.search_stream(CountingReader(text), needle,
                                            block_size=block) == want, (text, needle)
            with open(path, "rb") as f:
                assert word_count.search_stream(f, needle, threads=2,
                                                block_size=block) == want


@settings(max_examples=300)
@given(text_and_needles(), st.sampled_from([1, 3, 64, 100]))
def test_random_needles_on_files_and_streams(tmp_path_factory, tn, block):
    text, needles = tn
    path = tmp_path_factory.mktemp("long") / "t.txt"
    path.write_bytes(text)
    for needle in needles:
        want = reference_count(text, needle)
        assert word_count.search_file(str(path), needle, threads=2, block_size=block) == want
        assert word_count.search_stream(CountingReader(text), needle, block_size=block) == want
