"""frequencies() on every kernel: the byte-class masks of the space
enumerator (1 KiB at a time), the 16-byte ASCII casefold and the radix sort
by first occurrence give what a plain Python oracle gives, at every thread
count: words at and across vector widths and mask chunks, ASCII runs cut by
non-ASCII characters at every offset, '\\r\\n', texts that end mid-vector."""

import collections
import random
import re

import pytest

import word_count

ALPHABET = ["a", "Z", "q", "_", "9", " ", "\n", "\r", "À", "ß", "Σ", "ǅ", "ﬃ",
            "\u0130", "é"]


def oracle(text, casefold):
    """Space words (the normative split; "\\r\\n" ends a line), empty words
    left out, each folded with str.casefold; in first-occurrence order."""
    words = [w for w in re.split(r"\r?\n| ", text) if w]
    if casefold:
        words = [w.casefold() for w in words]
    return collections.Counter(words)


def texts():
    rng = random.Random(20261130)
    out = []
    # Words of every length around 16, 32, 64 and the 1 KiB chunk, with a
    # non-ASCII character at every offset of some of them.
    for n in list(range(0, 70)) + [127, 128, 129, 1023, 1024, 1025, 2049]:
        w = "".join(rng.choice("aZq_9") for _ in range(n))
        out.append(w)
        out.append(w + " " + w.upper() + "\n")
        out.append(" " + w + "\r\n" + w)
        for cut in ([0, n // 2, n - 1] if n > 0 else []):
            out.append((w[:cut] + "À" + w[cut:] + " ") * 3)
            out.append(w[:cut] + "ß" + w[cut:])
    # Separators at every offset around the chunk edge.
    for k in range(1000, 1100, 7):
        out.append("x" * k + " " + "Yy" * 40 + "\n" + "z" * (2048 - k))
    # Random texts of the alphabet, and ASCII-only ones (width 1 as str).
    for n in list(range(0, 130)) + [500, 1023, 1024, 1025, 3000, 70000]:
        out.append("".join(rng.choice(ALPHABET) for _ in range(n)))
        out.append("".join(rng.choice("aZq_9 \n\r") for _ in range(n)))
    return out


TEXTS = texts()


@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_space_words_every_kernel(kernel, casefold, threads):
    for text in TEXTS:
        want = oracle(text, casefold)
        got = word_count.frequencies(text, casefold=casefold, threads=threads)
        assert got == want, (kernel, len(text), text[:80])
        # Counter order: first occurrence (the radix sort).
        assert list(got) == list(want), (kernel, len(text))
        data = text.encode("utf-8")
        got_b = word_count.frequencies(data, casefold=casefold, threads=threads)
        want_b = collections.Counter({k.encode("utf-8"): v for k, v in want.items()})
        assert got_b == want_b, (kernel, len(text), text[:80])
        assert list(got_b) == list(want_b), (kernel, len(text))


def test_many_words_order_and_top(kernel):
    # 200,000 distinct words: several radix passes (first occurrences past
    # 2**22), checked in order and with top= (sorted by count, then first).
    rng = random.Random(5)
    words = [f"w{rng.randrange(10**9)}" for _ in range(200_000)] + ["w1"] * 3
    text = " ".join(words)
    want = collections.Counter(w for w in words)
    got = word_count.frequencies(text, threads=1)
    assert list(got.items()) == list(want.items())
    top = word_count.frequencies(text, top=50, threads=2)
    assert list(top.items()) == sorted(want.items(), key=lambda kv: -kv[1])[:50]
