"""A few needles in unicode mode without casefold (the CLI's default, grep's
words): counted by the unicode needle kernels (lib/needle_words.c,
kernels.h: wc_ucount*) rather than word by word.  Checked on every kernel,
at every length around the vector widths, for bytes (strict and replace)
and str of every width, against the words of re (the core's Unicode
version: unicode_oracle.findall_words) and against count_many with more
needles than the kernels take (WC_UNEEDLE_MAX, 8), which counts word by
word."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

import word_count
from unicode_oracle import findall_words

native = word_count._word_count

# Word and non-word code points, ASCII and not, of every UTF-8 length and
# every str width: letters (e, é, ß, Ω, 中, 𝔘), digits (٣), the underscore;
# separators (space, tab, "-", "·" U+00B7 is not \w, "—", "€", "😀").
PIECES = ["is", "Is", "IS", "iss", "this", "is_", "_is", "is1", "1is", "é", "isé", "éis",
          "iß", "ßis", "中", "is中", "中is", "𝔘", "is𝔘", "𝔘is", "٣", "is٣", "a", "Ω", "isΩ",
          " ", "  ", "\n", "\r\n", "\t", "-", ".", "·", "—", "€", "😀", "is—", "—is",
          "is😀", "😀is", "\x00", "\x7f", "\x80", "\xa0"]
NEEDLES = ["is", "i", "this", "é", "isé", "中", "𝔘", "is𝔘", "٣", "a_b_c_d_e_f", "ßis"]


def oracle(text: str, needle: str) -> int:
    return sum(1 for w in findall_words(text) if w == needle)


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def check(text, needle, threads):
    want = oracle(text, needle)
    got = word_count.search(text, needle, words="unicode", threads=threads)
    assert got == want, (needle, text[:120])
    # bytes: UTF-8, strict
    data = text.encode("utf-8", "surrogatepass")
    got_b = word_count.search(data, needle.encode(), words="unicode", threads=threads)
    assert got_b == want, (needle, data[:120])
    # word by word, for the same answer
    assert word_by_word(text, [needle], threads)[needle] == want


FILLERS = ["\x01never%d" % i for i in range(9)]  # no word: 0, on either path


def word_by_word(text, needles, threads=1):
    """count_many with more needles than the kernels take: the table."""
    return word_count.count_many(text, list(needles) + FILLERS, words="unicode",
                                 threads=threads)


def test_every_kernel_every_length(kernel):
    rng = random.Random(1)
    native._set_parallel_threshold(16)
    try:
        for n in list(range(0, 40)) + [63, 64, 65, 127, 128, 129, 200]:
            for _ in range(6):
                text = random_text(rng, n)
                for needle in NEEDLES:
                    check(text, needle, threads=1 + n % 2)
    finally:
        native._set_parallel_threshold(0)


def test_exact_lengths_around_vectors(kernel):
    """The needle at each place of texts of every length up to 200 units,
    with each neighbour ASCII or not, word or not."""
    sides = [" ", "x", "é", "—", "中", "😀", "_", "1", "·"]
    for needle in ["is", "isx", "abcdefgh", "é", "中"]:
        for n in range(0, 130, 7):
            for left in sides:
                for right in sides:
                    text = "-" * n + left + needle + right + "-" * (n % 5)
                    check(text, needle, threads=1)
                    check(needle + right + "-" * n, needle, threads=1)
                    check("-" * n + left + needle, needle, threads=1)


@pytest.mark.parametrize("width", ["latin1", "ucs2", "ucs4"])
def test_str_widths(kernel, width):
    extra = {"latin1": "é", "ucs2": "中", "ucs4": "😀"}[width]
    rng = random.Random(2)
    for n in range(1, 300, 13):
        text = random_text(rng, n) + extra
        text = text.encode("latin-1", "ignore").decode("latin-1") if width == "latin1" else text
        for needle in NEEDLES:
            try:
                needle.encode("latin-1") if width == "latin1" else None
            except UnicodeEncodeError:
                continue
            assert word_count.search(text, needle, words="unicode") == oracle(text, needle)


def test_invalid_utf8_replace_and_strict(kernel):
    """Invalid bytes are no word characters (errors='replace'); with the
    default errors='strict' the first one is reported, at the offset
    bytes.decode reports."""
    rng = random.Random(3)
    bad = [b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x98", b"\xc0\xaf",
           b"\xf4\x90\x80\x80"]
    for n in range(1, 120):
        parts = [rng.choice(PIECES).encode() if rng.random() < 0.8 else rng.choice(bad)
                 for _ in range(n)]
        data = b"".join(parts)
        for needle in ["is", "é", "中", "is𝔘"]:
            want = oracle(data.decode("utf-8", "replace"), needle)
            got = word_count.search(data, needle.encode(), words="unicode", errors="replace")
            assert got == want, (needle, data)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                with pytest.raises(UnicodeDecodeError) as got_e:
                    word_count.search(data, needle.encode(), words="unicode")
                assert got_e.value.start == e.start, (needle, data)
            else:
                assert word_count.search(data, needle.encode(), words="unicode") == want


def test_continuation_bytes_before_the_needle():
    """The code point before a match is found by looking back: a valid
    sequence ends there (a word character or not), or the byte is invalid."""
    cases = [b"\xc3\xa9is", b"\xe2\x80\x94is", b"\xf0\x9d\x94\x98is", b"\xa9is", b"\xe2\x80is",
             b"\xc3\xa9\xa9is", b"a\x80is", b"\xf0\x9f\x98\x80\x80is", b"\xe4\xb8\xadis",
             b"\xc2\xb7is", b"\xc2\xa0is"]
    for data in cases:
        for tail in [b"", b" ", b"\xc3\xa9", b"\xe2\x80\x94", b"\x80"]:
            d = b"x " + data + tail
            want = oracle(d.decode("utf-8", "replace"), "is")
            assert word_count.search(d, b"is", words="unicode", errors="replace") == want, d


def test_a_needle_that_is_no_word():
    """A needle with a non-word character equals no word: 0, and a strict
    text is still checked."""
    assert word_count.search("a-b a-b", "a-b", words="unicode") == 0
    assert word_count.search(b"a b", b"a b", words="unicode") == 0
    with pytest.raises(UnicodeDecodeError):
        word_count.search(b"a-b \xff", b"a-b", words="unicode")


def test_large_text_spans_and_threads():
    """A text of several spans, on 1 and 2 threads: the spans' edges."""
    rng = random.Random(4)
    text = random_text(rng, 400_000)
    for needle in ["is", "中", "is𝔘"]:
        want = oracle(text, needle)
        for threads in (1, 2):
            assert word_count.search(text, needle, words="unicode", threads=threads) == want
            assert word_count.search(text.encode(), needle.encode(), words="unicode",
                                     threads=threads) == want


def test_file_blocks(tmp_path):
    """search_file (the CLI's path) in tiny blocks: windows cut at edges."""
    rng = random.Random(5)
    text = random_text(rng, 20_000)
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode())
    for needle in ["is", "é", "中"]:
        want = oracle(text, needle)
        for bs in (1 << 12, 1 << 16):
            got = word_count.search_file(str(p), needle, words="unicode", block_size=bs)
            assert got == want, (needle, bs)


def cpu_min(fn, rounds=3) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def ratio_of_sizes(fn, small, large, rounds: int = 5) -> float:
    """CPU time of fn(large) over fn(small), the two timed in turn and the
    best of `rounds` of each kept: about 4 when linear, 16 when quadratic,
    for inputs 4 times as large.  The inputs are made by the caller, once,
    before: on a guest whose fresh memory is slow, a text built inside the
    timed part costs its first-touch faults at the larger size only (the
    smaller one reuses freed heap), which took a linear count's ratio of
    4n over n to 4.6-6.2 at 1.6 MB (texts built each time, best of 3).  The
    sizes should make the smaller input's time some milliseconds: times
    under one, as 32k units gave, are the noise's."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, x in ((1, large), (0, small)):
            t0 = time.process_time()
            fn(x)
            best[i] = min(best[i], time.process_time() - t0)
    return best[1] / best[0]


def units_per(unit: str, size: int = 2 << 20) -> int:
    """How many repetitions of `unit` make about `size` bytes of UTF-8."""
    return max(1, size // len(unit.encode()))


@pytest.mark.timing
@pytest.mark.skipif(bool(os.environ.get("WC_SANITIZER")),
                    reason="timing ratios under the sanitizers mean little")
@pytest.mark.parametrize("as_bytes", [False, True])
def test_one_long_word_of_non_ascii_letters_is_linear(kernel, as_bytes):
    """A needle of n/4 'é' in a text that is one word of n 'é': every place
    has the needle's first and last units around it and a neighbour that is
    not ASCII; comparing the body there before the boundaries costs n m
    (quadratic, with m a quarter of n).  CPU time of 4n over n: about 4
    when linear, 16 when quadratic."""

    def make(n, m):
        t, nd = "é" * n, "é" * m
        return (t.encode(), nd.encode()) if as_bytes else (t, nd)

    def run(tn):
        return word_count.search(*tn, words="unicode", threads=1)

    k = 1 << 16
    assert run(make(k, k // 4)) == 0 and run(make(4 * k, k)) == 0 and run(make(k, k)) == 1
    # Texts made once, outside the timed part (see ratio_of_sizes), and twice
    # the size that gave ratios of 2.1-4.7 over 10 runs of 8 cases, built
    # each time (0.2-1 ms for the smaller one): no larger, since the body
    # compared first costs 4n x n unit compares for the larger (estimated:
    # seconds a round at 128 Ki).
    n = 1 << 17
    ratio = ratio_of_sizes(run, make(n, n // 4), make(4 * n, n))
    assert ratio < 9, ratio


@pytest.mark.parametrize("k", [2, 3, 8, 9])
def test_several_needles(kernel, k):
    """count_many and wordcount -e with 2 to 8 needles (the kernels, a pass
    each) and 9 (the table): the same counts as the words of re."""
    rng = random.Random(6 + k)
    needles = (NEEDLES * 2)[:k]
    native._set_parallel_threshold(16)
    try:
        for n in (0, 1, 7, 64, 65, 300, 5000):
            text = random_text(rng, n)
            words = findall_words(text)
            want = {nd: sum(1 for w in words if w == nd) for nd in needles}
            for threads in (1, 2):
                assert word_count.count_many(text, needles, words="unicode",
                                             threads=threads) == want
                got_b = word_count.count_many(text.encode(), [nd.encode() for nd in needles],
                                              words="unicode", threads=threads)
                assert got_b == {nd.encode(): c for nd, c in want.items()}
    finally:
        native._set_parallel_threshold(0)


WORDCOUNT = Path(os.environ.get("WC_WORDCOUNT") or Path(sys.executable).parent / "wordcount")


def run_cli(args):
    r = subprocess.run([str(WORDCOUNT), "--no-progress", *args], capture_output=True,
                       text=True, timeout=120, check=False)
    assert r.returncode in (0, 1), r.stderr
    return r.stdout


def test_cli_several_words(tmp_path):
    rng = random.Random(7)
    text = random_text(rng, 30_000)
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode())
    words = findall_words(text)
    args = []
    for nd in ["is", "é", "中", "this"]:
        args += ["-e", nd]
    out = run_cli(args + [str(p)])
    for line in out.splitlines():
        nd, count = line.rsplit(":", 1)
        assert int(count) == sum(1 for w in words if w == nd), line
