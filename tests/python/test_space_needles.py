"""A few needles in space mode (the Python API's default words): count_many
of up to 8 needles, and search and count_many with casefold when every
needle folds to ASCII, are counted by the words-count needle kernels with
the space rule (kernels.h: wc_ucount* with WC_USPACE; lib/needle_words.c)
rather than word by word; with casefold, the words that hold a letter that
folds to ASCII ("ß", "ſ", "ﬁ", the Kelvin sign, "İ") go word by word.
Checked against the words of the semantics (lines as Rust's str::lines,
split at " "; test_freq.oracle) on every kernel, for bytes and str of every
width, on 1 and 2 threads, in file blocks and in the CLI, and against
count_many with more needles than the kernels take (word by word)."""

from __future__ import annotations

import os
import random

import pytest

import word_count
from test_freq import oracle as freq_oracle
from test_unicode_needle import FILLERS, ratio_of_sizes, run_cli, units_per
from unicode_oracle import casefold

native = word_count._word_count

# Words and their neighbours in space mode: " ", "\n", "\r\n", bare "\r"
# (inside a word, or a line's last before "\n"), punctuation that stays in
# the word, letters that fold to ASCII, non-ASCII letters, tabs.
PIECES = ["is", "IS", "Is", "is\r", "\r", "\r\n", "\n", " ", "  ", "x", "is,", "ß", "ẞ", "ſ",
          "\u212a", "ﬁ", "İ", "é", "\u0345", "ss", "SS", "k", "K", "fi", "中", "\t", "-",
          "\x00", "😀"]
# Needles: ASCII (the kernels with and without casefold), with "\r" at the
# end or alone, ones that no word equals (" ", "\n" in them), non-ASCII ones
# (the kernels without casefold, word by word with it).
NEEDLES = ["is", "IS", "is,", "is\r", "\r", "ss", "k", "fi", "x", "ß", "é", "a b", "is\n",
           "ſ", "中"]


def oracle(text, needles, fold=False):
    c = freq_oracle(text, "space", fold)
    if fold:
        if isinstance(text, str):
            return {nd: c[casefold(nd)] for nd in needles}
        return {nd: c[casefold(nd.decode()).encode()] for nd in needles}
    return {nd: c[nd] for nd in needles}


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def check(text, needles, threads=1):
    data = text.encode()
    bneedles = [nd.encode() for nd in needles]
    for fold in (False, True):
        want = oracle(text, needles, fold)
        got = word_count.count_many(text, needles, casefold=fold, threads=threads)
        assert got == want, (fold, needles, text[:120])
        got_b = word_count.count_many(data, bneedles, casefold=fold, threads=threads)
        assert got_b == {nd.encode(): c for nd, c in want.items()}, (fold, needles, data[:120])
        if len(needles) == 1:
            assert word_count.search(text, needles[0], casefold=fold,
                                     threads=threads) == want[needles[0]]


def test_every_kernel_every_length(kernel):
    rng = random.Random(21)
    native._set_parallel_threshold(16)
    try:
        for n in list(range(0, 40)) + [63, 64, 65, 127, 128, 129, 200]:
            for _ in range(3):
                text = random_text(rng, n)
                for needle in NEEDLES:
                    check(text, [needle], threads=1 + n % 2)
                check(text, rng.sample(NEEDLES, 3), threads=1 + n % 2)
    finally:
        native._set_parallel_threshold(0)


def test_exact_lengths_around_vectors(kernel):
    """The needle, in either case, at each place of texts up to 130 units,
    between every pair of neighbours."""
    sides = [" ", "\n", "\r\n", "\r", "x", "é", "ß", "ſ", "-", "\t"]
    for needle in ["is", "IsX", "abcdefgh", "ABCdefGH", "is\r"]:
        for n in range(0, 130, 9):
            for left in sides:
                for right in sides:
                    check("-" * n + left + needle + right + "-" * (n % 5), [needle.lower()])
                    check(needle + right + "-" * n, [needle.upper()])
                    check("-" * n + left + needle, [needle])


def test_the_folds_that_make_ascii():
    cases = {
        ("Straße STRASSE strasse straẞe straße,", "strasse"): 4,
        ("ſtop STOP ſtoſ\r\nstop\r", "stop"): 2,  # a bare final "\r" stays in the word
        ("\u212aiss kiss\nKISS", "kiss"): 3,
        ("ﬁsh FISH ﬁſh\n", "fish"): 3,
        ("İs is", "is"): 1,  # "İs" folds to "i̇s", a word of its own
    }
    for (text, needle), want in cases.items():
        assert oracle(text, [needle], True)[needle] == want, (text, needle)
        check(text, [needle])
        check(text.upper(), [needle])


@pytest.mark.parametrize("width", ["latin1", "ucs2", "ucs4"])
def test_str_widths(kernel, width):
    extra = {"latin1": "é", "ucs2": "中", "ucs4": "😀"}[width]
    rng = random.Random(22)
    for n in range(1, 300, 11):
        text = random_text(rng, n) + extra
        if width == "latin1":
            text = text.encode("latin-1", "ignore").decode("latin-1")
        for fold in (False, True):
            needles = NEEDLES[:8]
            assert word_count.count_many(text, needles, casefold=fold) == \
                oracle(text, needles, fold), (fold, text[:80])


def test_bytes_as_they_are_and_invalid_utf8(kernel):
    """Without casefold, bytes are bytes: invalid UTF-8 is no error and
    counts as it is; with casefold it is an error (strict, at the offset
    bytes.decode reports) or U+FFFD inside the word (replace)."""
    rng = random.Random(23)
    bad = [b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xc5", b"\xe2\x84", b"\xed\xa0\x80"]
    for n in range(1, 120):
        parts = [rng.choice(PIECES).encode() if rng.random() < 0.8 else rng.choice(bad)
                 for _ in range(n)]
        data = b"".join(parts)
        needles = [b"is", b"ss", b"\xff", b"is\xc3", b"k"]
        want = oracle(data, needles)
        assert word_count.count_many(data, needles) == want, data
        text = data.decode("utf-8", "replace")
        fneedles = [b"is", b"ss", b"k"]
        want_f = oracle(text.encode(), fneedles, True)
        assert word_count.count_many(data, fneedles, casefold=True,
                                     errors="replace") == want_f, data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            with pytest.raises(UnicodeDecodeError) as got_e:
                word_count.count_many(data, fneedles, casefold=True)
            assert got_e.value.start == e.start, data


@pytest.mark.parametrize("k", [2, 5, 8, 9])
def test_several_needles(kernel, k):
    """2 to 8 needles (the kernels, a pass each), 9 (the table), on 1 and 2
    threads; and with the fillers, word by word."""
    rng = random.Random(24 + k)
    needles = NEEDLES[:k]
    native._set_parallel_threshold(16)
    try:
        for n in (0, 1, 7, 64, 65, 300, 5000):
            text = random_text(rng, n)
            for threads in (1, 2):
                check(text, needles, threads)
            for fold in (False, True):
                slow = word_count.count_many(text, needles + FILLERS, casefold=fold)
                assert {nd: slow[nd] for nd in needles} == oracle(text, needles, fold)
    finally:
        native._set_parallel_threshold(0)


def test_the_empty_needle_counts_empty_words():
    """The empty needle goes word by word: the empty words between spaces."""
    for text in ["a  b ", " ", "a\n\nb  ", "  \r\n  "]:
        want = word_count.search_py(text, "")
        assert word_count.count_many(text, ["", "a"])[""] == want
        assert word_count.count_many(text.encode(), [b"", b"a"])[b""] == want


def test_large_text_spans_and_threads():
    rng = random.Random(25)
    text = random_text(rng, 300_000)
    for needles in (["is"], ["is", "ss", "k", "is\r"]):
        for threads in (1, 2):
            check(text, needles, threads)


def test_file_blocks(tmp_path):
    """search_file and count_many's file form in tiny blocks."""
    rng = random.Random(26)
    text = random_text(rng, 20_000)
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode())
    for needle in ["is", "ss", "is\r", "é"]:
        for fold in (False, True):
            want = oracle(text, [needle], fold)[needle]
            for bs in (1 << 12, 1 << 16):
                got = word_count.search_file(str(p), needle, casefold=fold, block_size=bs)
                assert got == want, (needle, fold, bs)


@pytest.mark.timing
@pytest.mark.skipif(bool(os.environ.get("WC_SANITIZER")),
                    reason="timing ratios under the sanitizers mean little")
@pytest.mark.parametrize("unit", ["ß ", "ß", "aſ\n", "\u212a" * 3 + "x" * 40 + " "])
def test_letters_that_fold_to_ascii_are_linear(unit):
    """Many short words that go word by word, or one as long as the text:
    CPU time of 4n units over n, about 4 when linear."""
    def run(text):
        return word_count.search(text, b"ss", casefold=True, threads=1)

    assert run((unit * (1 << 15)).encode()) == oracle(unit * (1 << 15), ["ss"], True)["ss"]
    # About 2 MiB and 8 MiB, made once (see ratio_of_sizes).
    n = units_per(unit)
    ratio = ratio_of_sizes(run, (unit * n).encode(), (unit * (4 * n)).encode())
    assert ratio < 9, ratio


def test_cli_words_space_dash_i(tmp_path):
    rng = random.Random(27)
    text = random_text(rng, 30_000)
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode())
    want = oracle(text, ["is", "ss", "k", "fi"], True)
    args = ["--words=space", "-i"]
    for nd in want:
        args += ["-e", nd.upper()]
    out = run_cli(args + [str(p)])
    got = {nd.lower(): int(c) for nd, c in (line.rsplit(":", 1) for line in out.splitlines())}
    assert got == want
