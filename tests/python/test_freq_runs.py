"""Words counted as runs (lib/freq_runs.c): a run starts after a
separator and ends at the next one, both found from 64-unit mask words, and
a word of at most 16 bytes is read with two masked 8-byte loads (safe loads
in the last 16 bytes of the text) and lower-cased there when it is ASCII.
In unicode mode the runs are those of the ASCII word bytes where a 64-unit
mask word is all ASCII, and the general enumerator takes over from the open
run to the next edge where it is not.
Checked against a plain Python split (re.findall(r"\\w+") in unicode mode),
in first-occurrence order (the items,
not only the counts), for bytes and for str of every width, casefold or not,
one and two threads, and through files read in small windows: runs that
cross 64-unit words and 1 KiB mask blocks, 64-unit words whose every unit
is an edge (a run's start or end), words of every length around 8 and 16
bytes at the very end of the text, '\\r\\n' and stray '\\r' at the edges,
a non-ASCII character at every offset of a short word, and words of 17 to
66 bytes (lower-cased 8 bytes at a time up to 64) with and without one."""

import collections
import random
import re

import pytest

import word_count


def oracle(text, casefold, words="space"):
    if words == "unicode":
        t = text if isinstance(text, str) else text.decode()
        found = re.findall(r"\w+", t.casefold() if casefold else t)
        if not isinstance(text, str):
            found = [w.encode() for w in found]
        return list(collections.Counter(found).items())
    words = [w for w in re.split(r"\r?\n| " if isinstance(text, str) else rb"\r?\n| ",
                                 text) if w]
    if casefold:
        words = [w.casefold() if isinstance(w, str) else w.decode().casefold().encode()
                 for w in words]
    return list(collections.Counter(words).items())


def texts():
    rng = random.Random(1201)
    out = []
    # Every word length 0..40 ending the text, with and without a separator
    # after it, and after a long run of separators.
    for n in range(41):
        w = "".join(rng.choice("aBcDeFgHxYz_9") for _ in range(n))
        for tail in ("", " ", "\n", "\r", "\r\n", " \r"):
            out.append("lead " + w + tail)
            out.append(w + tail)
            out.append(" \n  \n" * 9 + w.upper() + tail)
    # Words of 17 to 66 bytes (folded 8 bytes at a time when ASCII, up to
    # 64), mixed case, with a non-ASCII character at their start, in their
    # last 8 bytes or past 64 bytes, and in unicode mode with punctuation
    # around them.
    for n in range(17, 67):
        w = "".join(rng.choice("aBcDeFgHxYz_9QZ") for _ in range(n))
        out.append(w + " " + w.upper() + "\n" + w.lower() + "\r\n" + w)
        for cut in sorted({0, n // 2, n - 8, n - 1, n}):
            out.append(w[:cut] + "É" + w[cut:] + " " + w + ",(" + w.swapcase() + ")")
    # Runs that start at every offset of a 64-unit word and cross into the
    # next (and the 1 KiB mask block), with separators of every kind.
    for k in list(range(50, 80)) + list(range(1010, 1040)):
        for sep in (" ", "\n", "\r\n", "  "):
            out.append("p" * k + sep + "Run" * 5 + sep + "r\r" + sep * 3 + "End")
    # A non-ASCII character at every offset of a short word.
    for n in range(1, 18):
        for cut in range(n + 1):
            for ch in ("É", "ß", "Σ", "ﬃ"):
                w = "AbCdEfGhIjKlMnOpQr"[:n]
                out.append((w[:cut] + ch + w[cut:] + " " + w + "\n") * 2)
    # Unicode mode: punctuation between ASCII runs, and a non-ASCII
    # character (word or not, folding to one or more) at every offset
    # around a 64-unit word, inside, before and after a run that crosses it.
    for k in range(54, 76):
        for ch in ("é", "—", "\u0130", "ﬃ", "\u00a0", "Σ", "\u0301"):
            out.append("ab-cd." * 8 + "x" * (k - 48) + ch + "Yz" * 20 + ",q_9" * 40)
            out.append("w" * k + "," + ch + "Tail")
            out.append(("Q" * 63 + ch + " ") * 3 + "end")
    # Every unit an edge (words of one unit, one separator apart): 64 edges
    # in a 64-unit word, the most that its list of edges holds (they are
    # written 8 at a time), and words of 1-2 units at every offset, so that
    # the edges of a 64-unit word cross every multiple of 8.
    for lead in range(3):
        out.append("x" * lead + " " + "a b\nC " * 80)
        out.append(" " * lead + "".join(rng.choice(["a ", "bb ", "c\n", "D  ", "é "])
                                        for _ in range(300)))
    # Random texts over separators, '\r' and letters.
    for n in (63, 64, 65, 127, 128, 1023, 1024, 1025, 5000):
        out.append("".join(rng.choice("aAbB \n\r  xyZ") for _ in range(n)))
        out.append("".join(rng.choice("aAbB_9 ,.-xyZéΣ") for _ in range(n)))
    return out


TEXTS = texts()
WIDEN = {"latin1": "", "ucs2": "Σ", "ucs4": "\U0001f600"}


@pytest.mark.parametrize("words", ["space", "unicode"])
@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["bytes", "latin1", "ucs2", "ucs4"])
def test_runs_in_first_occurrence_order(kind, casefold, threads, words):
    for text in TEXTS:
        if kind == "bytes":
            t = text.encode()
        else:
            # One wide character as a word of its own at the start makes the
            # str that kind without changing the other words.
            t = (WIDEN[kind] + " " + text) if WIDEN[kind] else text
        got = word_count.frequencies(t, casefold=casefold, threads=threads, words=words)
        assert list(got.items()) == oracle(t, casefold, words), (kind, t[:60])


@pytest.mark.parametrize("words", ["space", "unicode"])
@pytest.mark.parametrize("casefold", [False, True])
def test_runs_across_file_windows(tmp_path, casefold, words):
    path = tmp_path / "t.txt"
    text = "".join(TEXTS[::7]).encode()
    path.write_bytes(text)
    want = oracle(text, casefold, words)
    for block in (1, 3, 64, 1000):
        got = word_count.frequencies_file(path, casefold=casefold, block_size=block,
                                          threads=2, words=words)
        assert list(got.items()) == want, block


# ---- a str of 2- or 4-byte units, its ASCII stretches counted as bytes ----
#
# freq_runs.c narrows blocks of 8,192 units up to the last edge before a
# unit >= 0x80 and counts them as a 1-byte text; from such a unit it counts
# at least 256 units (doubled while the ASCII stretches between stay short,
# up to 65,536) as they are.  These texts put the wide units, the edges and
# the '\r\n' on every kind of place around those lengths.

NARROW_BLOCK = 8192


def wide_texts():
    rng = random.Random(8192)
    letters = "aBcDeFgHiJkLmNoPqRsTuVwXyZ_09"
    seps = [" ", "\n", "\r\n", "  ", " \r", ", ", ". ", "-", "\t"]

    def ascii_words(n):
        out, size = [], 0
        while size < n:
            w = "".join(rng.choice(letters) for _ in range(rng.choice([1, 3, 7, 15, 16, 17, 40])))
            out.append(w + rng.choice(seps))
            size += len(out[-1])
        return "".join(out)[:n]

    wides = ["é", "Σ", "—", "\u0130", "ﬃ", "\u00a0", "\u0301", "\u2028", "ſ", "K"]
    texts = []
    # One wide character, then ASCII for several blocks: every later block
    # narrows whole; the text's end falls in a block's middle.
    body = ascii_words(5 * NARROW_BLOCK + 77)
    texts.append(("lead", "Σ " + body))
    # A wide character at every offset around the ends of the first blocks
    # (and around 256 units past one: the end of the stretch counted wide).
    for base in (NARROW_BLOCK, 2 * NARROW_BLOCK):
        for d in (-17, -2, -1, 0, 1, 2, 255, 256, 257):
            at = base + d
            ch = rng.choice(wides)
            texts.append((f"at {at}", body[:at] + ch + body[at:]))
    # ASCII words longer than a block, alone, in a line, or with a wide
    # character inside, at their end or just after.
    long_word = "Ab" * 4500
    for shape in ("{w}", "x {w} y", "{w}\r\n{w} {w}", "é {w}é {w}", "{w}Σ{w}\n",
                  "q " + "z" * (3 * NARROW_BLOCK) + " end"):
        texts.append(("long", "Σ" + shape.format(w=long_word)))
    # ASCII stretches of random length (1 to 3,000 units) between wide
    # words: the wide stretch doubles and falls back to 256.
    parts = []
    for _ in range(120):
        parts.append(ascii_words(rng.choice([1, 5, 100, 255, 300, 1000, 3000])))
        parts.append(" " + "".join(rng.choice(wides + ["x"]) for _ in range(rng.randint(1, 6))) + " ")
    texts.append(("stretches", "".join(parts)))
    # Dense wide words for more than 65,536 units (the wide stretch at its
    # largest), then ASCII again.
    cyr = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГД"
    dense = " ".join("".join(rng.choice(cyr) for _ in range(rng.randint(1, 9)))
                     for _ in range(15000))
    texts.append(("dense", dense + "\n" + ascii_words(3 * NARROW_BLOCK)))
    # Unicode mode: a run of word units longer than a block, with no
    # non-word unit in it, and punctuation right at the block's end.
    texts.append(("word run", "é" + "ab_9" * 3000 + ",x" + "y" * (NARROW_BLOCK - 3) + ".z" * 50))
    # '\r' and '\n' at every offset around the end of the first block.
    for d in range(-3, 4):
        t = "é " + "a" * (NARROW_BLOCK - 4 + d) + "\r\n" + "b\r" * 10 + "\r\nA\r\n"
        texts.append((f"crlf {d}", t * 3))
    return texts


WIDE_TEXTS = wide_texts()


@pytest.mark.parametrize("words", ["space", "unicode"])
@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("kind", ["ucs2", "ucs4"])
def test_wide_text_narrowed(kind, casefold, words):
    for name, text in WIDE_TEXTS:
        t = text + (" \U0001f600" if kind == "ucs4" else " Σ")
        assert max(t) > ("\uffff" if kind == "ucs4" else "\xff")
        want = oracle(t, casefold, words)
        for threads in (1, 2):
            got = word_count.frequencies(t, casefold=casefold, threads=threads, words=words)
            assert list(got.items()) == want, (name, threads)


@pytest.mark.parametrize("words", ["space", "unicode"])
def test_wide_text_narrowed_in_small_spans(words):
    """Spans of a few hundred units: a span ends inside a narrowed block."""
    native = word_count._word_count
    native._set_parallel_threshold(16)
    try:
        for name, text in WIDE_TEXTS[::3]:
            text += " Σ"
            for casefold in (False, True):
                got = word_count.frequencies(text, casefold=casefold, threads=3, words=words)
                assert list(got.items()) == oracle(text, casefold, words), name
    finally:
        native._set_parallel_threshold(0)
