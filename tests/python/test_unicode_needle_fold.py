"""A few needles in unicode mode with casefold (grep -i's words, the CLI's
-i): when every needle folds to ASCII, the unicode needle kernels count
them with ASCII letters compared without case (lib/needle_words.c,
kernels.h: wc_ucount* with fold), and the stretches around letters that
fold to ASCII ("ß" -> "ss", "ſ" -> "s", "ﬁ" -> "fi", the Kelvin sign ->
"k", "İ" -> "i" + U+0307) go word by word.  Checked against the words of
the folded text (re.findall(r"\\w+", text.casefold()) in the core's Unicode
version) on every kernel, for bytes (strict and replace) and str of every
width, on 1 and 2 threads, in file blocks and in the CLI, and against
count_many with more needles than the kernels take (word by word)."""

from __future__ import annotations

import os
import random

import pytest

import word_count
from test_space_needles import oracle as space_oracle
from test_unicode_needle import FILLERS, ratio_of_sizes, run_cli, units_per
from unicode_oracle import casefold, findall_words

native = word_count._word_count

# Letters in both cases; the letters that fold to ASCII, beside and inside
# words; U+0345 (no word character, its fold is one); "İ" (folds to "i" and
# U+0307, which is no word character); "ŉ" (folds to U+02BC and "n");
# non-ASCII letters that fold to non-ASCII (é, É, Σ, ς); separators.
PIECES = ["is", "IS", "Is", "iS", "s", "S", "ss", "SS", "k", "K", "fi", "FI", "st",
          "ß", "ẞ", "ſ", "\u212a", "ﬁ", "ﬆ", "İ", "\u0345", "ŉ", "n", "\u0307",
          "é", "É", "Σ", "ς", "中", "😀", "x", "_", "1", " ", "  ", "\n", "\r\n", "\t",
          "-", ".", "·", "—", "\x00", "\x7f", "\x80", "\xa0"]
# Needles that fold to ASCII (the kernels), one that folds to no word, and
# ones that do not fold to ASCII (then word by word, the same counts).
NEEDLES = ["is", "IS", "s", "ss", "SS", "k", "K", "fi", "st", "n", "i", "x_1", "kiss",
           "strasse", "STRASSE", "ß", "ſ", "\u212a", "ﬁ", "is\u0345", "é", "Σ"]


def oracle(text: str, needles) -> dict:
    words = findall_words(casefold(text))
    return {nd: sum(1 for w in words if w == casefold(nd)) for nd in needles}


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def check(text, needle, threads=1):
    want = oracle(text, [needle])[needle]
    got = word_count.search(text, needle, words="unicode", casefold=True, threads=threads)
    assert got == want, (needle, text[:120])
    data = text.encode("utf-8", "surrogatepass")
    got_b = word_count.search(data, needle.encode(), words="unicode", casefold=True,
                              threads=threads)
    assert got_b == want, (needle, data[:120])


def test_every_kernel_every_length(kernel):
    rng = random.Random(11)
    native._set_parallel_threshold(16)
    try:
        for n in list(range(0, 40)) + [63, 64, 65, 127, 128, 129, 200]:
            for _ in range(4):
                text = random_text(rng, n)
                for needle in NEEDLES:
                    check(text, needle, threads=1 + n % 2)
    finally:
        native._set_parallel_threshold(0)


def test_exact_lengths_around_vectors(kernel):
    """The needle, in either case, at each place of texts up to 130 units,
    with each neighbour: ASCII word or not, a letter that folds to ASCII
    (then word by word), U+0345, "İ", non-ASCII word or not."""
    sides = [" ", "x", "é", "—", "_", "ß", "ſ", "\u0345", "İ", "ŉ", "中"]
    for needle in ["is", "IsX", "abcdefgh", "ABCdefGH"]:
        for n in range(0, 130, 9):
            for left in sides:
                for right in sides:
                    check("-" * n + left + needle + right + "-" * (n % 5), needle.lower())
                    check(needle + right + "-" * n, needle.lower())
                    check("-" * n + left + needle, needle.upper())


def test_the_folds_that_make_ascii():
    """Words that are ASCII only once folded, and boundaries that move."""
    cases = {
        ("Straße STRASSE strasse straẞe", "strasse"): 4,
        ("ſtop STOP ſtoſ", "stop"): 2,
        ("\u212aiss kiss KISS", "kiss"): 3,
        ("ﬁsh FISH ﬁſh", "fish"): 3,
        ("İs is", "s"): 1,       # "İs" folds to "i", U+0307, "s": words "i" and "s"
        ("İs is", "is"): 1,
        ("is\u0345 is", "is"): 1,  # U+0345 folds to a word character
        ("\u0345is is", "is"): 1,
        ("ŉ n", "n"): 1,          # "ŉ" folds to U+02BC (a word character) and "n"
    }
    for (text, needle), want in cases.items():
        assert oracle(text, [needle])[needle] == want, (text, needle)
        check(text, needle)
        check(text.upper(), needle)


@pytest.mark.parametrize("width", ["latin1", "ucs2", "ucs4"])
def test_str_widths(kernel, width):
    extra = {"latin1": "é", "ucs2": "中", "ucs4": "😀"}[width]
    rng = random.Random(12)
    for n in range(1, 300, 11):
        text = random_text(rng, n) + extra
        if width == "latin1":
            text = text.encode("latin-1", "ignore").decode("latin-1")
        got = word_count.count_many(text, NEEDLES[:8], words="unicode", casefold=True)
        assert got == oracle(text, NEEDLES[:8]), text[:80]
        for needle in NEEDLES:
            assert word_count.search(text, needle, words="unicode",
                                     casefold=True) == oracle(text, [needle])[needle]


def test_invalid_utf8_replace_and_strict(kernel):
    """Invalid bytes are U+FFFD, no word character (errors='replace'),
    beside letters that fold to ASCII too; strict reports the first one at
    the offset bytes.decode reports."""
    rng = random.Random(13)
    bad = [b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x98",
           b"\xc0\xaf", b"\xc5", b"\xe2\x84"]
    for n in range(1, 120):
        parts = [rng.choice(PIECES).encode() if rng.random() < 0.8 else rng.choice(bad)
                 for _ in range(n)]
        data = b"".join(parts)
        text = data.decode("utf-8", "replace")
        for needle in ["is", "s", "ss", "k", "fi"]:
            want = oracle(text, [needle])[needle]
            got = word_count.search(data, needle.encode(), words="unicode", casefold=True,
                                    errors="replace")
            assert got == want, (needle, data)
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                with pytest.raises(UnicodeDecodeError) as got_e:
                    word_count.search(data, needle.encode(), words="unicode", casefold=True)
                assert got_e.value.start == e.start, (needle, data)
            else:
                assert word_count.search(data, needle.encode(), words="unicode",
                                         casefold=True) == want


@pytest.mark.parametrize("words", ["unicode", "space"])
def test_invalid_utf8_where_the_scan_finds_it(kernel, words):
    """With casefold, a strict text is checked by the scan for letters that
    fold to ASCII as it goes (no pass of its own): an invalid byte before,
    inside or after the stretch around such a letter, in any span of a
    count on 1 or 2 threads, is reported at the offset bytes.decode
    reports (the first of the text), and with errors='replace' the counts
    are those of the text decoded so."""
    rng = random.Random(31 if words == "unicode" else 32)
    bad = [b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x98"]
    fold_letters = ["\u017f", "\u00df", "\ufb01", "\u212a", "\u0130"]
    native._set_parallel_threshold(16)
    try:
        for n in (50, 400, 3000):
            for _ in range(6):
                words_ = [rng.choice(PIECES) for _ in range(n)]
                for _ in range(rng.randint(0, 4)):
                    words_[rng.randrange(n)] = rng.choice(fold_letters) + "s"
                parts = [w.encode() for w in words_]
                for _ in range(rng.randint(1, 3)):
                    at = rng.randrange(n)
                    b = rng.choice(bad)
                    parts[at] = rng.choice([b + parts[at], parts[at] + b, b])
                data = b" ".join(parts)
                want_err = None
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as e:
                    want_err = e.start
                assert want_err is not None
                text = data.decode("utf-8", "replace")
                for threads in (1, 2):
                    for needles in (["is"], ["is", "ss", "k", "fi"]):
                        bn = [nd.encode() for nd in needles]
                        with pytest.raises(UnicodeDecodeError) as got:
                            word_count.count_many(data, bn, words=words, casefold=True,
                                                  threads=threads)
                        assert got.value.start == want_err, (threads, needles, data[:200])
                        got_r = word_count.count_many(data, bn, words=words, casefold=True,
                                                      threads=threads, errors="replace")
                        want = (oracle(text, needles) if words == "unicode"
                                else space_oracle(text, needles, True))
                        assert got_r == {nd.encode(): c for nd, c in want.items()}
    finally:
        native._set_parallel_threshold(0)


@pytest.mark.parametrize("k", [2, 5, 8, 9])
def test_several_needles(kernel, k):
    """count_many with 2 to 8 needles (the kernels, a pass each) and 9 (the
    table), on 1 and 2 threads; and with the fillers, word by word."""
    rng = random.Random(14 + k)
    needles = NEEDLES[:k]
    native._set_parallel_threshold(16)
    try:
        for n in (0, 1, 7, 64, 65, 300, 5000):
            text = random_text(rng, n)
            want = oracle(text, needles)
            for threads in (1, 2):
                assert word_count.count_many(text, needles, words="unicode", casefold=True,
                                             threads=threads) == want
                got_b = word_count.count_many(text.encode(), [nd.encode() for nd in needles],
                                              words="unicode", casefold=True, threads=threads)
                assert got_b == {nd.encode(): c for nd, c in want.items()}
            slow = word_count.count_many(text, needles + FILLERS, words="unicode",
                                         casefold=True)
            assert {nd: slow[nd] for nd in needles} == want
    finally:
        native._set_parallel_threshold(0)


def test_large_text_spans_and_threads():
    rng = random.Random(15)
    text = random_text(rng, 300_000)
    for needle in ["is", "ss", "k"]:
        want = oracle(text, [needle])[needle]
        for threads in (1, 2):
            assert word_count.search(text, needle, words="unicode", casefold=True,
                                     threads=threads) == want
            assert word_count.search(text.encode(), needle.encode(), words="unicode",
                                     casefold=True, threads=threads) == want


def test_file_blocks(tmp_path):
    """search_file (the CLI's path) in tiny blocks: windows cut at edges."""
    rng = random.Random(16)
    text = random_text(rng, 20_000)
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode())
    for needle in ["is", "ss", "fi", "é"]:
        want = oracle(text, [needle])[needle]
        for bs in (1 << 12, 1 << 16):
            got = word_count.search_file(str(p), needle, words="unicode", casefold=True,
                                         block_size=bs)
            assert got == want, (needle, bs)


@pytest.mark.timing
@pytest.mark.skipif(bool(os.environ.get("WC_SANITIZER")),
                    reason="timing ratios under the sanitizers mean little")
@pytest.mark.parametrize("unit", ["ß ", "ß", "aſ-", "\u212a" * 3 + "x" * 40 + " "])
def test_letters_that_fold_to_ascii_are_linear(unit):
    """A text dense with letters that fold to ASCII: many short stretches
    word by word, or one as long as the text.  CPU time of 4n units over n:
    about 4 when linear."""
    def run(text):
        return word_count.search(text, b"ss", words="unicode", casefold=True, threads=1)

    assert run((unit * (1 << 15)).encode()) == oracle(unit * (1 << 15), ["ss"])["ss"]
    # About 2 MiB and 8 MiB, made once (see ratio_of_sizes).
    n = units_per(unit)
    ratio = ratio_of_sizes(run, (unit * n).encode(), (unit * (4 * n)).encode())
    assert ratio < 9, ratio


def test_cli_dash_i(tmp_path):
    """wordcount -i, one needle and several (-e), against the oracle."""
    rng = random.Random(17)
    text = random_text(rng, 30_000)
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode())
    want = oracle(text, ["is", "ss", "k", "fi"])
    assert int(run_cli(["-i", "IS", str(p)])) == want["is"]
    args = ["-i"]
    for nd in want:
        args += ["-e", nd]
    out = run_cli(args + [str(p)])
    got = {nd: int(c) for nd, c in (line.rsplit(":", 1) for line in out.splitlines())}
    assert got == want
