"""Words of files and streams (on the blocks of the file counter): frequencies_file,
frequencies_stream, and words=/casefold= for search_file and search_stream.

Every count is checked against the oracles of test_freq.py (a literal
split for space words, re.findall(r"\\w+") on the decoded text, and their
casefolded forms), never against the code under test.  Tiny block sizes put a
block edge on every byte: inside words, inside UTF-8 sequences, between "\\r"
and "\\n"; a lowered parallel threshold makes small files use every thread.
"""

from __future__ import annotations

import collections
import io
import json
import os
import random
import re

import pytest

import unicode_oracle as uo
import word_count
from test_cli import WORDCOUNT
from test_freq import MODE_IDS, MODES, SANITIZED, TRICKY, check, oracle

native = word_count._word_count
THREADS = [1, 2, 3, 7]
BLOCKS = [1, 2, 3, 5, 64]
ALPHABET = [c for c in TRICKY if c != "\x00"] + ["ab", "cd", "Ab", "ǅ", "ﬁ", "\u0307"]


def random_text(rng: random.Random, n: int) -> bytes:
    return "".join(rng.choice(ALPHABET) for _ in range(n)).encode()


@pytest.fixture
def small_chunks():
    native._set_parallel_threshold(16)
    yield
    native._set_parallel_threshold(0)


@pytest.fixture(scope="module")
def samples():
    rng = random.Random(5)
    return [random_text(rng, n) for n in (0, 1, 7, 40, 300)] + [
        b" ", b"a ", b"\r\n", b"a\r", "ß\r\nİ".encode(), b"  x  \n"]


def decoded(counter):
    return collections.Counter({k.decode(): v for k, v in counter.items()})


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_frequencies_file_every_edge(tmp_path, samples, small_chunks, words, casefold):
    path = tmp_path / "t.txt"
    for data in samples:
        path.write_bytes(data)
        want = oracle(data, words, casefold)
        for block in BLOCKS:
            for threads in THREADS:
                got = word_count.frequencies_file(path, words=words, casefold=casefold,
                                                  threads=threads, block_size=block)
                check(got, want)
            check(word_count.frequencies_stream(io.BytesIO(data), words=words,
                                                casefold=casefold, block_size=block), want)


def test_unicode_keys_equal_re_on_decoded_text(tmp_path, samples):
    """The bytes keys are the UTF-8 of re.findall's words on the decoded text."""
    path = tmp_path / "t.txt"
    data = b"".join(samples)
    path.write_bytes(data)
    for casefold in (False, True):
        s = data.decode()
        want = collections.Counter(uo.findall_words(uo.casefold(s) if casefold else s))
        got = word_count.frequencies_file(path, words="unicode", casefold=casefold,
                                          block_size=3, threads=2)
        assert decoded(got) == want


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_top_order(tmp_path, small_chunks, words, casefold):
    rng = random.Random(7)
    data = random_text(rng, 2000)
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    want = oracle(data, words, casefold)
    for top in (0, 1, 5, 10**6):
        for threads in (1, 3):
            got = word_count.frequencies_file(path, top=top, words=words,
                                              casefold=casefold, threads=threads,
                                              block_size=7)
            assert list(got.items()) == want.most_common(top)


def test_default_blocks_two_threads(tmp_path):
    """A file of several default blocks, above the real parallel threshold."""
    rng = random.Random(9)
    chunk = random_text(rng, 20000)
    data = chunk * 60  # about 3 default blocks
    assert len(data) > 2 * 2**20 and len(data) > word_count.PARALLEL_THRESHOLD
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    for words, casefold in MODES:
        got = word_count.frequencies_file(path, words=words, casefold=casefold,
                                          threads=2)
        check(got, oracle(data, words, casefold))


def test_long_words_cross_many_blocks(tmp_path, small_chunks):
    data = ("x" * 1000 + " " + "é" * 700 + "\r\n" + "y" * 3 + " ").encode() * 3
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    for words, casefold in MODES:
        want = oracle(data, words, casefold)
        for threads in (1, 3):
            check(word_count.frequencies_file(path, words=words, casefold=casefold,
                                              threads=threads, block_size=10), want)
        check(word_count.frequencies_stream(io.BytesIO(data), words=words,
                                            casefold=casefold, block_size=10), want)


NEEDLES = ["a", "A", "ab", "ss", "ß", "STRASSE", "straße", "İ", "i\u0307", "σ",
           "word", "", "absent", " "]


def needle_oracle(data, needle, words, casefold):
    if words == "space" and needle == "":
        # Empty words count for needles (not for frequencies).
        from test_freq import space_words
        return sum(1 for w in space_words(data) if w == b"")
    key = uo.casefold(needle) if casefold else needle
    return oracle(data, words, casefold).get(key.encode(), 0)


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_search_file_and_stream_words(tmp_path, samples, small_chunks, words, casefold):
    path = tmp_path / "t.txt"
    for data in samples[2:]:
        path.write_bytes(data)
        for needle in NEEDLES:
            want = needle_oracle(data, needle, words, casefold)
            for block in (1, 3, 64):
                for threads in (1, 2, 7):
                    assert word_count.search_file(
                        path, needle, words=words, casefold=casefold,
                        block_size=block, threads=threads) == want, (data, needle, block)
                assert word_count.search_stream(
                    io.BytesIO(data), needle.encode(), words=words, casefold=casefold,
                    block_size=block) == want
                with open(path, "rb") as f:
                    assert word_count.search_stream(f, needle, words=words,
                                                    casefold=casefold,
                                                    block_size=block) == want


BAD = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]


@pytest.mark.parametrize("bad", BAD, ids=[b.hex() for b in BAD])
def test_invalid_utf8_in_file(tmp_path, small_chunks, bad):
    rng = random.Random(bad[0])
    head = random_text(rng, 50)
    data = head + b"word" + bad + b" tail \xff again"
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError) as want:
        data.decode()
    for words, casefold in MODES[1:]:
        for block in (1, 2, 5, 4096):
            for threads in (1, 3):
                calls = [  # (call, reads a file: 16 bytes of context before)
                    lambda: word_count.frequencies_file(path, words=words, casefold=casefold,
                                                        block_size=block, threads=threads),
                    lambda: word_count.search_file(path, "word", words=words,
                                                   casefold=casefold, block_size=block,
                                                   threads=threads),
                ]
                if threads == 1:
                    calls += [
                        lambda: word_count.frequencies_stream(
                            io.BytesIO(data), words=words, casefold=casefold,
                            block_size=block),
                        lambda: word_count.search_stream(
                            open(path, "rb"), "word", words=words, casefold=casefold,
                            block_size=block),
                    ]
                for call in calls:
                    with pytest.raises(UnicodeDecodeError) as got:
                        call()
                    e = got.value
                    assert e.file_offset == want.value.start
                    assert e.encoding == "utf-8"
                    assert e.reason.startswith(want.value.reason)
                    assert f"byte offset {want.value.start} " in str(e)
                    # object: the bytes around the error, start/end index them.
                    assert e.end - e.start == want.value.end - want.value.start
                    assert e.object[e.start:e.end] == data[want.value.start:want.value.end]
                    if call in calls[:2]:
                        assert e.start == min(16, want.value.start)
                        assert e.filename == path
                    assert data[want.value.start - e.start:].startswith(e.object)
    # Space words without casefold are bytes: no decoding, no error.
    assert word_count.frequencies_file(path) == oracle(data)


def test_errors(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"a b")
    with pytest.raises(FileNotFoundError):
        word_count.frequencies_file(tmp_path / "missing")
    with pytest.raises(IsADirectoryError):
        word_count.frequencies_file(tmp_path)
    with pytest.raises(ValueError):
        word_count.frequencies_file(path, top=-1)
    with pytest.raises(ValueError):
        word_count.frequencies_file(path, words="regex")
    with pytest.raises(ValueError):
        word_count.search_file(path, "a", words="regex")
    with pytest.raises(TypeError):
        word_count.frequencies_stream(io.StringIO("a b"))
    with pytest.raises(UnicodeDecodeError):
        word_count.search_file(path, b"\xff", casefold=True)
    # Default mode: bytes as is, kernels unchanged.
    assert word_count.search_file(path, "a") == 1


def test_progress_and_stop(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"a b c\n" * 1000)
    seen = []
    got = word_count.frequencies_file(path, progress=lambda d, t: seen.append((d, t)),
                                      block_size=100)
    assert got == oracle(path.read_bytes())
    assert seen[-1] == (6000, 6000)

    def boom(done, total):
        raise RuntimeError("stop")
    with pytest.raises(RuntimeError):
        word_count.frequencies_file(path, progress=boom, block_size=100)


# ---- the CLI: --top, -w, -i, many needles ------------------------------------------

from test_cli import run  # noqa: E402  (the installed wordcount)


def parse_top(out: bytes):
    """`COUNT WORD` lines (uniq -c's format) back into (word, count) pairs."""
    pairs = []
    for line in out.split(b"\n")[:-1]:
        count, word = line.lstrip(b" ").split(b" ", 1)
        pairs.append((word, int(count)))
    return pairs


def top_order(counter, k):
    """The CLI's order: count descending, equal counts in order of first
    occurrence (counter's own order: the oracle counts the inputs in order,
    and a stable sort keeps it); k "all": every word."""
    items = sorted(counter.items(), key=lambda kv: -kv[1])
    return items if k == "all" else items[:k]


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_cli_top(tmp_path, words, casefold):
    rng = random.Random(11)
    parts = [random_text(rng, 400), random_text(rng, 300) + b" x"]
    paths = []
    for k, part in enumerate(parts):
        paths.append(tmp_path / f"f{k}.txt")
        paths[-1].write_bytes(part)
    want = sum((oracle(p, words, casefold) for p in parts), collections.Counter())
    opts = [f"--words={words}"] + (["-i"] if casefold else [])
    for k in (0, 1, 7, "all"):
        r = run("--top", k, *opts, "--block-size", 3, "-j", 3, *paths)
        assert r.returncode == 0, r.stderr
        assert parse_top(r.stdout) == top_order(want, k)
        r = run(f"--top={k}", *opts, "--json", *paths)
        doc = json.loads(r.stdout)
        assert doc["inputs"] == [{"path": str(p)} for p in paths]
        assert [(os.fsencode(w), c) for w, c in doc["top"]] == top_order(want, k)
    r = run("--top", 5, *opts, input=parts[0])  # standard input
    assert parse_top(r.stdout) == top_order(oracle(parts[0], words, casefold), 5)


def test_cli_top_errors_and_exit_status(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"  \n")
    bad = tmp_path / "bad"
    bad.write_bytes(b"ok caf\xe9 ok")
    assert run("--top", 3, empty).returncode == 1
    r = run("--top", 3, "-i", "--strict-utf8", bad, empty)
    assert r.returncode == 2
    assert f"{bad}: not UTF-8 at byte offset 6".encode() in r.stderr
    r = run("--top", 3, bad)  # space words, no folding: bytes
    assert r.returncode == 0 and parse_top(r.stdout) == [(b"ok", 2), (b"caf\xe9", 1)]
    assert run("--top", 3, "-e", "x", bad).returncode == 2
    assert run("--words=regex", "x", bad).returncode == 2


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_cli_needles_words(tmp_path, words, casefold):
    rng = random.Random(13)
    data = random_text(rng, 600)
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    opts = [f"--words={words}"] + (["-i"] if casefold else [])
    needles = ["a", "ß", "STRASSE", "word", "Word", "absent"]
    want = {n: needle_oracle(data, n, words, casefold) for n in needles}
    r = run(*opts, "a", path)
    assert int(r.stdout) == want["a"]
    # Many needles (the hash-table path) and few, each in one pass.
    for ns in (needles, needles + [f"n{k}" for k in range(10)]):
        args = [x for n in ns for x in ("-e", n)]
        r = run(*opts, *args, "--block-size", 2, path)
        got = dict(line.rsplit(":", 1) for line in r.stdout.decode().splitlines())
        assert {n: int(got[n]) for n in needles} == want


class _CountedReads(io.RawIOBase):
    """A stream that counts the calls that read it and the bytes read."""

    def __init__(self, data: bytes):
        self._b = io.BytesIO(data)
        self.calls = 0

    def readable(self):
        return True

    def readinto(self, b):
        self.calls += 1
        return self._b.readinto(b)


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_stream_words_before_a_long_word_are_counted_in_one_read(words, casefold):
    """Words before a word that runs past the end of the buffer: with no
    edge near the end, the stream took the first edge after the last one
    counted, so each read counted one word and moved the rest of the
    buffer: 30,000 short words before a long one took 29,996 reads of 2
    bytes (quadratic: 7.8 s for 3.9 MB with blocks of 1 MiB).  Now the last
    edge before the long word, and a buffer whose carried word fills half
    of it grows before the next read: a few reads for the whole stream."""
    block = 1 << 16
    cases = [b"a " * 30000 + b"b" * 200000,
             b"x" * 300000 + b" " + b"a " * 3000 + b"b" * 300000,
             (b"w " * 10 + b"L" * 60000 + b" ") * 20]
    for data in cases:
        r = _CountedReads(data)
        got = word_count.frequencies_stream(r, words=words, casefold=casefold,
                                            block_size=block)
        assert got == oracle(data, words, casefold)
        assert r.calls <= 2 * len(data) // block + 24, r.calls
        r = _CountedReads(data)
        n = word_count.search_stream(r, b"a", words=words, casefold=casefold, block_size=block)
        assert n == oracle(data, words, casefold).get(b"a", 0)
        assert r.calls <= 2 * len(data) // block + 24, r.calls


# ---- long runs counted in pieces ---------------------------------------------------

def long_run_texts():
    """Runs of word characters far longer than any needle (longer than the
    window that makes a block cut them), with short words beside them and
    inside them where folding or invalid bytes end a word without a place
    to cut: "İ" folds to "i" + U+0307 (a word ends after it), "ᾷ" to "α",
    U+0342, "ι" (a word ends and one starts inside it: a run of them is a
    run of short words with no place to cut, cut after one of them), a
    stray continuation byte is U+FFFD (errors="replace")."""
    x, y, z = "x" * 5200, "y" * 5000, "z" * 6100
    return [
        f"ab {x} ab\n{x}ab ab {y}\nab{y} ab".encode(),
        f"{y}İab{y}İ abi İab İ{y}İabİ{x}".encode(),
        f"{z}ᾷbᾷ{z} ιbα ᾷb {z}ᾷbᾷ{x}".encode(),
        b"q" * 5000 + b"\x80ab\x80" + b"q" * 5000 + b" ab \xc3\xa9ab" + b"\xe2\x82" + b"r" * 6000 + b"\xffab",
        f"AB {x}AB{x} AB{y}ab\r\nAB\r\n{z}".encode(),
        ("ab Σσς " + "é" * 3000 + "ab " + "中" * 2100 + " ab").encode(),
        f"ab {'ᾷ' * 3000}b{'ῷῇ' * 1500}ι {x}ᾷ{'ῇ' * 2500} ᾷ ιab{'ᾷb' * 2000}".encode(),
    ]


LONG_RUN_NEEDLES = ["ab", "AB", "abi", "ιbα", "i", "α", "ι", "x", "σ", "ab\r", "ια", "ιη"]


def replace_oracle(data, needle, words, casefold):
    text = data.decode("utf-8", "replace")
    key = uo.casefold(needle) if casefold else needle
    return oracle(text, words, casefold).get(key, 0)


@pytest.mark.parametrize("words,casefold", MODES, ids=MODE_IDS)
def test_long_runs_are_counted_in_pieces(tmp_path, small_chunks, words, casefold):
    """search_file and search_stream with words= or casefold= count a run
    of word characters longer than their window in pieces (not holding it
    whole): the counts are the oracle's at every block size and thread
    count, strict and with errors="replace", whatever folding does at the
    run's places."""
    path = tmp_path / "t.txt"
    for data in long_run_texts():
        path.write_bytes(data)
        for errors in ("strict", "replace"):
            try:
                data.decode()
            except UnicodeDecodeError:
                if errors == "strict" and (words, casefold) != ("space", False):
                    continue  # the strict errors: the test below
            for needle in LONG_RUN_NEEDLES:
                want = replace_oracle(data, needle, words, casefold)
                for block in (1, 7, 64, 4096, 1 << 20):
                    for threads in (1, 3):
                        got = word_count.search_file(
                            path, needle, words=words, casefold=casefold, errors=errors,
                            block_size=block, threads=threads)
                        assert got == want, (data[:20], needle, block, threads, errors)
                    got = word_count.search_stream(
                        io.BytesIO(data), needle.encode(), words=words, casefold=casefold,
                        errors=errors, block_size=block)
                    assert got == want, (data[:20], needle, block, errors, "stream")


@pytest.mark.parametrize("words,casefold", MODES[1:], ids=MODE_IDS[1:])
def test_invalid_utf8_after_a_long_run(tmp_path, small_chunks, words, casefold):
    """Invalid UTF-8 inside or after a run counted in pieces is reported at
    its offset, as bytes.decode() reports it."""
    for data in (b"ab " + b"x" * 9000 + b"\xff" + b"x" * 9000,
                 b"ab " + b"x" * 9000 + b"\xe2\x82" + b"y" * 9000 + b" ab",
                 b"x" * 9000 + "ᾷ".encode() + b"\x80" + b"x" * 9000):
        path = tmp_path / "t.txt"
        path.write_bytes(data)
        with pytest.raises(UnicodeDecodeError) as want:
            data.decode()
        for block in (1, 64, 4096):
            for threads in (1, 3):
                with pytest.raises(UnicodeDecodeError) as got:
                    word_count.search_file(path, "ab", words=words, casefold=casefold,
                                           block_size=block, threads=threads)
                assert got.value.file_offset == want.value.start
            with pytest.raises(UnicodeDecodeError) as got:
                word_count.search_stream(io.BytesIO(data), b"ab", words=words,
                                         casefold=casefold, block_size=block)
            assert want.value.start - got.value.start + got.value.end - got.value.start > 0
            assert data[want.value.start:want.value.end] == got.value.object[got.value.start:got.value.end]
            # Needles that are looked up word by word (the empty one, more
            # than 8), not by the kernels: the piece of a long word before a
            # cut is checked too (fuzz_io found it unchecked in space mode).
            mode = [f"--words={words}", "-i"] if casefold else [f"--words={words}"]
            for needles in (["ab", ""], [f"w{i}" for i in range(9)]):
                for source in ([str(path)], ["-"]):
                    r = run(*mode, "--strict-utf8", f"--block-size={block}", "-j2",
                            *[a for n in needles for a in ("-e", n)], *source,
                            input=data if source == ["-"] else None, words=None)
                    assert r.returncode == 2, (needles, block, r)
                    assert f"not UTF-8 at byte offset {want.value.start} ".encode() in r.stderr, (
                        needles, block, source, r.stderr)


def test_a_cut_inside_a_long_word_keeps_a_sequence_whole(tmp_path, small_chunks):
    """A long word is cut before the UTF-8 sequence that holds the place of
    the cut, but only a valid one: with stray continuation bytes after "ᾷ"
    (e1 be b7, then a4 be b7), a cut at the last of them backed over three
    continuation bytes into "ᾷ", and its first byte was reported as the
    first invalid one (fuzz_io found it, space words with casefold)."""
    path = tmp_path / "t.txt"
    for pad in range(300):  # the cuts' period is 2 x (block + keep) bytes
        data = (b"ab " + b"x" * (3000 + pad) + "ᾷ".encode() + b"\xa4\xbe\xb7"
                + b"x" * 3000 + b" ab")
        with pytest.raises(UnicodeDecodeError) as want:
            data.decode()
        path.write_bytes(data)
        for words, casefold in MODES[1:]:
            for block in (1, 64):
                with pytest.raises(UnicodeDecodeError) as got:
                    word_count.search_file(path, "ab", words=words, casefold=casefold,
                                           block_size=block, threads=1)
                assert got.value.file_offset == want.value.start, (pad, words, block)
                with pytest.raises(UnicodeDecodeError) as got:
                    word_count.search_stream(io.BytesIO(data), b"ab", words=words,
                                             casefold=casefold, block_size=block)
                assert got.value.file_offset == want.value.start, (pad, words, block)


def test_stray_bytes_after_a_long_word_end_it(tmp_path):
    """A long word, then stray continuation bytes (U+FFFD each with
    errors="replace") up to the end of the window: the place before them
    was not one where the window could be cut, so the word was cut `keep`
    bytes before the end as if it went on, and its last "x" counted as a
    word of its own (fuzz_io found it)."""
    path = tmp_path / "t.txt"
    for n in range(150, 450):
        data = b"(" + b"x" * n + b"\xaa" * 70 + b"qqq ab x"
        want = re.findall(r"\w+", data.decode("utf-8", "replace")).count("x")
        path.write_bytes(data)
        for block in (1, 64):
            got = word_count.search_file(path, "x", words="unicode", errors="replace",
                                         block_size=block, threads=1)
            assert got == want, (n, block)
            got = word_count.search_stream(io.BytesIO(data), b"x", words="unicode",
                                           errors="replace", block_size=block)
            assert got == want, (n, block, "stream")


def test_long_runs_of_random_lengths(tmp_path, small_chunks):
    """Runs of random lengths, so that a run counted in pieces ends at
    every distance from the places where it was cut: no piece of a run is
    counted as a word (needles as short as one character, looked up word by
    word with casefold and a non-ASCII needle, by the kernels otherwise)."""
    rng = random.Random(17)
    path = tmp_path / "t.txt"
    for _ in range(3):
        parts = []
        for _ in range(12):
            ch = rng.choice(["x", "σ", "é", "ᾷ"])
            parts.append(ch * rng.randrange(4000, 14000))
            parts.append(rng.choice([" ", "\n", " x σ ", "-é-", "\r\n", "  ", " \n "]))
        data = "".join(parts).encode()
        path.write_bytes(data)
        for words, casefold in MODES:
            for needle in ("x", "xx", "σ", "σσ", "é", "Σ", "", "ια", "α"):
                want = (needle_oracle(data, needle, words, casefold) if needle == ""
                        else replace_oracle(data, needle, words, casefold))
                for block in (1, 64, 4096):
                    got = word_count.search_file(path, needle, words=words, casefold=casefold,
                                                 block_size=block, threads=2)
                    assert got == want, (needle, words, casefold, block)
                got = word_count.search_stream(io.BytesIO(data), needle.encode(), words=words,
                                               casefold=casefold, block_size=64)
                assert got == want, (needle, words, casefold, "stream")


@pytest.mark.parametrize("group, needle, casefold, errors", [
    ("ᾷbᾷ".encode(), "ιbα", True, "strict"),   # one run split inside a code point
    ("İabİ".encode(), "abi", True, "strict"),    # a word ends after each "İ"
    (b"\x80ab\x80", "ab", False, "replace"),    # stray bytes end words
    ("·ab·".encode(), "ab", False, "strict"),     # U+00B7 is no word character
], ids=["split", "fold-end", "stray", "non-word"])
def test_a_short_word_inside_a_long_run_at_every_offset(tmp_path, small_chunks, group,
                                                        needle, casefold, errors):
    """A short word inside a long run, where folding (or a stray byte, or a
    non-word character) ends the run's words around it: "ᾷbᾷ" folds to
    "...α", U+0342, "ιbα", U+0342, "ι...", a word in the middle of the run
    with no place around it where the run may be cut.  At every offset of
    the word from the places where long runs are cut, it is counted."""
    path = tmp_path / "t.txt"
    for pad in range(0, 300, 1):
        data = b"z" * (3000 + pad) + group + b"z" * 3000 + f" {needle}\n".encode()
        want = replace_oracle(data, needle, "unicode", casefold)
        assert want == 2
        path.write_bytes(data)
        assert word_count.search_file(path, needle, words="unicode", casefold=casefold,
                                      errors=errors, block_size=1, threads=1) == want, pad
        assert word_count.search_stream(io.BytesIO(data), needle.encode(), words="unicode",
                                        casefold=casefold, errors=errors,
                                        block_size=1) == want, pad


def cli_peak(args, path, want):
    """The peak RSS of wordcount ARGS PATH, which must print want (that of
    the child, which before its exec may count the Python that forked it:
    16 MB on 3.14, so callers compare two peaks)."""
    import subprocess
    import sys
    r = subprocess.run(
        [sys.executable, "-c",
         "import resource, subprocess, sys\n"
         "out = subprocess.run(sys.argv[1:], capture_output=True).stdout\n"
         "print(out.decode().strip(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
         str(WORDCOUNT), *args, str(path)],
        capture_output=True, text=True, timeout=600)
    count, maxrss_kib = r.stdout.split()
    assert int(count) == want, (args, r)
    return int(maxrss_kib) * 1024


MEMORY_SCRIPT = r"""
import json, sys, word_count
def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
path, needle = sys.argv[1], sys.argv[2]
for kw in json.loads(sys.argv[3]):
    for stream in (0, 1):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM from here
        before = hwm()
        if stream:
            with open(path, "rb") as f:
                n = word_count.search_stream(f, needle, threads=2, **kw)
        else:
            n = word_count.search_file(path, needle, threads=2, **kw)
        print(n, hwm() - before)
"""


def search_peaks(path, needle, kws):
    """(count, peak growth) of search_file, then search_stream, of needle
    in path on 2 threads with each dict of options in kws, in a process of
    its own (VmHWM reset before each)."""
    import json
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(path), needle,
                        json.dumps(kws)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = [tuple(map(int, line.split())) for line in r.stdout.split("\n") if line]
    assert len(rows) == 2 * len(kws), rows
    return rows


@pytest.mark.skipif(SANITIZED, reason="the sanitizers' own memory hides the peak")
def test_one_long_word_is_not_held(tmp_path):
    """search_file and search_stream with words= or casefold=, and the
    wordcount CLI (unicode words by default, -i), count a file of one 64 MiB
    word in a few MiB: the word is read in pieces, never held whole (before:
    the whole word, 64 MiB and more)."""
    size = 64 << 20
    path = tmp_path / "one-word.txt"
    with open(path, "wb") as f:
        f.write(b"ab ")
        chunk = b"x" * (1 << 20)
        for _ in range(size >> 20):
            f.write(chunk)
        f.write(b" ab\n")
    rows = search_peaks(path, "ab", [
        {"words": "unicode"}, {"words": "unicode", "casefold": True},
        {"words": "space", "casefold": True}, {"words": "unicode", "errors": "replace"}])
    for count, peak in rows:
        assert count == 2
        assert peak < size // 4, (peak, rows)
    # The CLI: its peak RSS (that of the child, which before its exec may
    # count the Python that forked it: 16 MB on 3.14) on the file, less that
    # on a file of a 1 KiB word.
    small = tmp_path / "short-word.txt"
    small.write_bytes(b"ab " + b"x" * 1024 + b" ab\n")

    for args in (["ab"], ["-i", "ab"], ["--words=space", "-i", "ab"]):
        grown = cli_peak(args, path, 2) - cli_peak(args, small, 2)
        assert grown < size // 4, (args, grown)


@pytest.mark.skipif(SANITIZED, reason="the sanitizers' own memory hides the peak")
def test_one_run_of_split_code_points_is_not_held(tmp_path):
    """A run of "ᾷ" (which folds to "α", U+0342, "ι") is a run of short
    words, "ια" each but the first and the last, with no place where the
    run may be cut.  search_file and search_stream with casefold, and
    wordcount -i, count 64 MiB of it in a few MiB (before: held whole, 68 to
    78 MB at the peak)."""
    small = tmp_path / "small.txt"
    small.write_bytes(b"ab " + "ᾷ".encode() * 1000 + b" ab\n")
    # The oracle: one "ια" between two "ᾷ", so n - 1 of them in n.
    assert uo.findall_words(uo.casefold(small.read_text())).count("ια") == 999
    n = (64 << 20) // 3
    path = tmp_path / "split.txt"
    with open(path, "wb") as f:
        f.write(b"ab ")
        chunk = "ᾷ".encode() * (1 << 18)
        for _ in range(n >> 18):
            f.write(chunk)
        f.write(b" ab\n")
    n = n >> 18 << 18
    size = path.stat().st_size
    rows = search_peaks(path, "ια", [{"words": "unicode", "casefold": True}])
    for count, peak in rows:
        assert count == n - 1
        assert peak < size // 4, (peak, rows)
    grown = cli_peak(["-i", "ια"], path, n - 1) - cli_peak(["-i", "ια"], small, 999)
    assert grown < size // 4, grown
