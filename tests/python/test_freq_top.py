"""top=K selects the K most common words without sorting them all; the
result must be exactly what the full sort gave: Counter.most_common(K) of
the oracle Counter (built in order of first occurrence, so its stable sort
breaks ties by first occurrence).

Oracle: collections.Counter over bytes.split() / str.split() of texts made
of words separated by " " and "\\n" only (space words).  Tables with many
ties (counts drawn from a small range), and K at the edges: 0, 1, 2, 3, 10,
n - 1, n, n + 1, and K below and above half the distinct words (the two
paths of the core's selection).
"""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest

import word_count
from test_cli import run  # the installed wordcount, --words=space

native = word_count._word_count


def tie_text(seed: int, nwords: int, maxcount: int) -> bytes:
    """nwords distinct words, each 1..maxcount times, in a shuffled order;
    some words longer than an entry holds inline."""
    rng = random.Random(seed)
    vocab = [(b"w%d" % i) * (1 if i % 5 else 4) for i in range(nwords)]
    words = [w for w in vocab for _ in range(rng.randint(1, maxcount))]
    rng.shuffle(words)
    return b"".join(w + rng.choice([b" ", b" ", b"\n"]) for w in words)


def ks(n: int):
    return sorted(k for k in {0, 1, 2, 3, 10, n // 2 - 1, n // 2, n // 2 + 1,
                              n - 1, n, n + 1} if k >= 0)


CASES = [(1, 1, 3), (2, 5, 2), (3, 40, 3), (4, 300, 4), (5, 3000, 6),
         (6, 20000, 3), (7, 2000, 1)]


@pytest.fixture
def small_chunks():
    native._set_parallel_threshold(64)
    yield
    native._set_parallel_threshold(0)


@pytest.mark.parametrize("seed,nwords,maxcount", CASES)
def test_top_k_is_most_common(seed, nwords, maxcount, small_chunks):
    text = tie_text(seed, nwords, maxcount)
    oracle = Counter(text.split())
    assert len(oracle) == nwords
    utext = text.decode()
    for k in ks(nwords):
        want = oracle.most_common(k)
        for threads in (1, 2, 3):
            got = word_count.frequencies(text, top=k, threads=threads)
            assert list(got.items()) == want, (k, threads)
        got = word_count.frequencies(utext, top=k, threads=2)
        assert list(got.items()) == [(w.decode(), c) for w, c in want], k


@pytest.mark.parametrize("seed,nwords,maxcount", CASES[2:])
def test_top_k_file_stream_and_cli(tmp_path, seed, nwords, maxcount):
    text = tie_text(seed, nwords, maxcount)
    path = tmp_path / "t.txt"
    path.write_bytes(text)
    oracle = Counter(text.split())
    for k in ks(nwords):
        want = oracle.most_common(k)
        got = word_count.frequencies_file(str(path), top=k, threads=2, block_size=4096)
        assert list(got.items()) == want, k
        got = word_count.frequencies_stream(io.BytesIO(text), top=k)
        assert list(got.items()) == want, k
    for k in (0, 1, 3, 10, nwords // 2 - 1, nwords + 1):
        r = run("--top", max(k, 0), str(path))
        assert r.returncode == 0, r.stderr
        pairs = []
        for line in r.stdout.split(b"\n")[:-1]:
            count, word = line.lstrip(b" ").split(b" ", 1)
            pairs.append((word, int(count)))
        assert pairs == oracle.most_common(max(k, 0)), k


def test_top_k_all_counts_equal():
    """Equal counts in every place of the table: the order is the first
    occurrence alone."""
    words = [b"t%d" % i for i in range(1000)]
    text = b" ".join(words * 3)
    oracle = Counter(text.split())
    for k in (1, 7, 499, 500, 501, 999, 1000):
        assert list(word_count.frequencies(text, top=k).items()) == oracle.most_common(k)
