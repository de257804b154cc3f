"""frequencies() of 2- and 4-byte-kind str on every kernel: the separators
and the ends of ASCII word runs are found by classifying 16- or 32-bit
units as bit masks, so a character whose low byte is ' ', '\\n' or an ASCII
word byte (U+0120, U+010A, U+0161, U+1000A, U+10061) must stay what it is.
Every word mode, casefold or not, one and two threads, against re,
str.casefold and Counter, in first-occurrence order."""

import collections
import random
import re

import pytest

import word_count

# Low bytes in a class: ' ' (U+0120, U+FF20), '\n' (U+010A, U+800A), word
# bytes (U+0161 'a', U+015F '_', U+0130 '0'; and non-word characters:
# U+2061 'a', U+2030 '0', U+2041 'A', U+205F '_', U+1F341 'A'); and ordinary
# characters.
WIDE2 = ["\u0120", "\u010a", "\u0161", "\u015f", "\u0130", "\uff20", "\u800a",
         "\u2061", "\u2030", "\u2041", "\u205f", "\u3030",
         "\u0141", "\u017a", "\u0100", "\u00ff", "\u00e9", "Σ"]
WIDE4 = ["\U0001000a", "\U00010020", "\U00010061", "\U0001d41a", "\U0001f60a",
         "\U0001f341", "\U0001f330"]
ASCII = ["a", "Z", "q", "_", "9", " ", " ", "\n", "\r", "-", "."]


def space_oracle(text, casefold):
    words = [w for w in re.split(r"\r?\n| ", text) if w]
    if casefold:
        words = [w.casefold() for w in words]
    return collections.Counter(words)


def unicode_oracle(text, casefold):
    return collections.Counter(re.findall(r"\w+", text.casefold() if casefold else text))


def texts():
    rng = random.Random(1130)
    out = []
    for extra in (WIDE2, WIDE2 + WIDE4):
        alphabet = ASCII * 3 + extra
        for n in list(range(1, 80)) + [127, 128, 129, 1023, 1024, 1025, 3000, 40000]:
            out.append("".join(rng.choice(alphabet) for _ in range(n)))
        # ASCII words of every length around the 64-unit masks and the
        # 1 KiB chunks, a wide character cutting them at every offset.
        for n in (15, 16, 17, 63, 64, 65, 1023, 1024, 1025):
            w = "".join(rng.choice("aZq_9") for _ in range(n))
            for c in extra:
                for cut in (0, 1, n // 2, n - 1):
                    out.append((w[:cut] + c + w[cut:] + " ") * 3 + w.upper() + "\n")
    return out


TEXTS = texts()


@pytest.mark.parametrize("words", ["space", "unicode"])
@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_wide_text_every_kernel(kernel, words, casefold, threads):
    oracle = space_oracle if words == "space" else unicode_oracle
    for text in TEXTS:
        want = oracle(text, casefold)
        got = word_count.frequencies(text, words=words, casefold=casefold,
                                     threads=threads)
        assert got == want, (kernel, len(text), text[:80])
        assert list(got) == list(want), (kernel, len(text))
