"""frequencies_arrays: the words and counts of frequencies() as three flat
arrays (data, offsets, counts) instead of a Counter.

Oracles: collections.Counter over the words of the semantics, written in
Python (reliability.space_words: str.split per line; unicode_oracle's
findall_words for words="unicode"; str.casefold), never the package.  The
arrays are decoded in Python: word i is data[offsets[i]:offsets[i + 1]],
UTF-8 with surrogatepass for str contents, the bytes themselves for bytes.
Order: first occurrence without top (the oracle Counter is built in that
order); with top=K, Counter.most_common(K) (ties by first occurrence).
"""

from __future__ import annotations

import io
import pickle
import random
import sys
import threading
from collections import Counter

import pytest

import unicode_oracle as uo
import word_count
from reliability import space_words


def decode(r, is_str):
    """The arrays as a list of (word, count), checking their layout."""
    data, offsets, counts = r
    assert isinstance(data, bytes)
    assert offsets.format == "q" and offsets.itemsize == 8
    assert counts.format == "Q" and counts.itemsize == 8
    assert offsets.readonly and counts.readonly
    n = len(counts)
    assert len(offsets) == n + 1
    assert offsets[0] == 0 and offsets[n] == len(data)
    assert all(offsets[i] <= offsets[i + 1] for i in range(n))
    words = [data[offsets[i]:offsets[i + 1]] for i in range(n)]
    if is_str:
        words = [w.decode("utf-8", "surrogatepass") for w in words]
    return list(zip(words, counts))


def oracle(text, words="space", casefold=False):
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text)
        if words == "unicode" or casefold:
            t = text.decode("utf-8")
            t = uo.casefold(t) if casefold else t
            found = space_words(t) if words == "space" else uo.findall_words(t)
            return Counter(w.encode("utf-8") for w in found if w)
    elif casefold:
        text = uo.casefold(text)
    found = space_words(text) if words == "space" else uo.findall_words(text)
    return Counter(w for w in found if w)


def random_text(rng, alphabet, nwords, vocab=50, maxlen=24):
    pool = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, maxlen)))
            for _ in range(vocab)]
    seps = [" ", " ", "  ", "\n", "\r\n"]
    return "".join(rng.choice(pool) + rng.choice(seps) for _ in range(nwords))


ALPHABETS = {
    "ascii": "abcXYZ_09-.",
    "latin1": "abcÄéßÿ\xa0",          # a str of 1-byte units beyond ASCII
    "ucs2": "abΣσςİıﬀ\u2028",         # 2-byte units
    "surrogates": "ab\ud800\udfff",   # lone surrogates (2-byte units)
    "ucs4": "ab\U0001F600\U00010400é",  # 4-byte units
}


@pytest.mark.parametrize("alpha", sorted(ALPHABETS))
@pytest.mark.parametrize("mode", [("space", False), ("space", True),
                                  ("unicode", False), ("unicode", True)])
@pytest.mark.parametrize("threads", [1, 3])
def test_str_words_and_counts_in_first_occurrence_order(alpha, mode, threads):
    words, casefold = mode
    rng = random.Random(hash((alpha, mode, threads)) & 0xFFFF)
    # Above the GIL threshold and the parallel threshold, so that the
    # threads split it; and more than 4,096 distinct words (the read-out's
    # chunk) in the large ASCII case below.
    text = random_text(rng, ALPHABETS[alpha], 30_000)
    got = decode(word_count.frequencies_arrays(text, words=words, casefold=casefold,
                                               threads=threads), True)
    want = oracle(text, words, casefold)
    assert got == list(want.items())


@pytest.mark.parametrize("casefold", [False, True])
@pytest.mark.parametrize("top", [None, 10**9])
def test_latin1_words_of_every_length_and_place(casefold, top):
    # A str's Latin-1 words packed as UTF-8: each unit from U+0080 on takes
    # two bytes, counted 8 at once, past the word's end never.  With
    # casefold and top the keys were UTF-8 and were narrowed in place (UTF-8
    # bytes left beyond the Latin-1 ones); with casefold and no top they are
    # packed as the UTF-8 they were counted as.  Every length from 1 to 40,
    # a non-ASCII unit at every place, and 2 of them.
    words = []
    for n in range(1, 41):
        for k in range(n):
            w = ["b"] * n
            w[k] = "É" if k % 2 else "ÿ"
            words.append("".join(w))
            if k + 3 < n:
                w[k + 3] = "Ð"
                words.append("".join(w))
    text = " ".join(words + words[::3]) + "\n"
    got = decode(word_count.frequencies_arrays(text, casefold=casefold, top=top), True)
    want = oracle(text, "space", casefold)
    assert got == (list(want.items()) if top is None else want.most_common(top))


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize("threads", [1, 2])
def test_bytes_keys_are_the_bytes_themselves(kind, threads):
    rng = random.Random(7)
    # Invalid UTF-8 and Latin-1 bytes: space words of bytes are bytes, not
    # UTF-8, and come back unchanged.
    pool = [bytes(rng.randrange(33, 256) for _ in range(rng.randint(1, 20)))
            for _ in range(300)]
    raw = b"".join(rng.choice(pool) + rng.choice([b" ", b"\n", b"\r\n", b"  "])
                   for _ in range(20_000))
    got = decode(word_count.frequencies_arrays(kind(raw), threads=threads), False)
    assert got == list(oracle(raw).items())


def test_bytes_casefold_and_unicode_words_are_utf8():
    text = "Straße STRASSE straße Ünïcode ünïcode x_1 x-1\n" * 300
    raw = text.encode("utf-8")
    for words in ("space", "unicode"):
        got = decode(word_count.frequencies_arrays(raw, words=words, casefold=True), False)
        assert got == list(oracle(raw, words, True).items())
    replaced = b"ab\xff cd ab\n" * 1000
    got = decode(word_count.frequencies_arrays(replaced, words="unicode", errors="replace"),
                 False)
    assert got == [(b"ab", 2000), (b"cd", 1000)]
    with pytest.raises(UnicodeDecodeError):
        word_count.frequencies_arrays(replaced, words="unicode")


def test_many_distinct_words_across_read_out_chunks():
    # 50,000 distinct words (the read-out packs 4,096 at a time), some
    # longer than a table entry holds inline, each 1-3 times.
    rng = random.Random(3)
    vocab = ["w%d" % i + "x" * (i % 40) for i in range(50_000)]
    seq = [w for w in vocab for _ in range(rng.randint(1, 3))]
    rng.shuffle(seq)
    text = " ".join(seq) + "\n"
    for contents, is_str in ((text, True), (text.encode(), False)):
        got = decode(word_count.frequencies_arrays(contents), is_str)
        want = Counter(contents.split())
        assert got == list(want.items())


@pytest.mark.parametrize("is_str,threads", [(True, 2), (False, 1)])
def test_millions_of_words_read_through_an_index(is_str, threads):
    # 1.8 million distinct words (72 MB of the table's entries): the words
    # stay where the count put them and are packed in order through an
    # index (wc_freq_sort_for_pack), not moved first, in parts on two
    # threads (the last from the end back).  Some are
    # longer than an entry holds inline; the str has Latin-1 words (two
    # UTF-8 bytes for one unit).  Compared in bulk with arrays built from
    # Counter(contents.split()).
    n = 1_800_000
    vocab = ["w%x%s" % (i, "é" * (i % 3 == 0) + "y" * (i % 23)) for i in range(n)]
    rng = random.Random(5)
    seq = vocab + rng.sample(vocab, n // 4)
    text = " ".join(seq) + "\n"
    contents = text if is_str else text.encode()
    want = Counter(contents.split())
    keys = [w.encode() for w in want] if is_str else list(want)
    offsets = [0]
    for k in keys:
        offsets.append(offsets[-1] + len(k))
    r = word_count.frequencies_arrays(contents, threads=threads)
    assert r.data == b"".join(keys)
    assert r.offsets.tolist() == offsets
    assert r.counts.tolist() == list(want.values())


def _buffer_address(view):
    """The address of a buffer's first byte, through PyObject_GetBuffer
    (buf is the first field of a Py_buffer), for a read-only one too."""
    import ctypes
    raw = (ctypes.c_char * 256)()  # room for a Py_buffer (80 bytes)
    get = ctypes.pythonapi.PyObject_GetBuffer
    get.argtypes = [ctypes.py_object, ctypes.c_void_p, ctypes.c_int]
    assert get(view, ctypes.addressof(raw), 0) == 0
    address = ctypes.c_void_p.from_buffer(raw).value
    release = ctypes.pythonapi.PyBuffer_Release
    release.argtypes = [ctypes.c_void_p]
    release(ctypes.addressof(raw))
    return address


def _mapped(address):
    with open("/proc/self/maps") as maps:
        for line in maps:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= address < hi:
                return True
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/maps")
@pytest.mark.parametrize("contents_kind,threads", [("ascii", 1), ("ascii", 2),
                                                   ("bytes", 2)])
def test_millions_of_words_packed_into_the_counts_own_pages(contents_kind, threads):
    # 1.8 million distinct words read through an index: the offsets and
    # counts are packed into pages of the count's own table (lent by the
    # core), held by a _Pages object that both memoryviews keep alive, and
    # given back when the last view goes.  An ASCII str is packed as its
    # own UTF-8.  Compared with arrays built from Counter(contents.split()).
    n = 1_800_000
    vocab = ["v%x%s" % (i, "q" * (i % 19)) for i in range(n)]
    seq = vocab + random.Random(9).sample(vocab, n // 3)
    text = " ".join(seq) + "\n"
    contents = text if contents_kind == "ascii" else text.encode()
    want = Counter(contents.split())
    keys = [w.encode() for w in want] if contents_kind == "ascii" else list(want)
    offsets = [0]
    for k in keys:
        offsets.append(offsets[-1] + len(k))
    r = word_count.frequencies_arrays(contents, threads=threads)
    pages = r.offsets.obj
    assert type(pages).__name__ == "_Pages" and r.counts.obj is pages
    assert r.offsets.readonly and r.counts.readonly
    assert r.data == b"".join(keys)
    assert r.offsets.tolist() == offsets
    assert r.counts.tolist() == list(want.values())
    with pytest.raises(TypeError):
        r.counts[0] = 5
    back = pickle.loads(pickle.dumps(r))
    assert back.offsets.tolist() == offsets and back.counts.tolist() == list(want.values())
    address = _buffer_address(r.counts)
    assert _mapped(address)
    del r, pages, back
    assert not _mapped(address), "the pages outlived the arrays"


@pytest.mark.parametrize("threads", [1, 2])
def test_thousands_of_words_packed_into_the_counts_own_pages(threads):
    # Not only millions: 60,000 distinct words are read through an index
    # too, and their table (2 MiB of slots or more: mapped) lends its empty
    # pages to the offsets and counts.  A few words' table is malloc'd and
    # lends none: two bytes objects.  Compared with Counter(text.split()).
    rng = random.Random(60)
    vocab = ["k%d%s" % (i, "z" * (i % 29)) for i in range(60_000)]
    text = " ".join(vocab + rng.choices(vocab, k=20_000))
    for contents in (text, " ".join(vocab[:50])):
        want = Counter(contents.split())
        r = word_count.frequencies_arrays(contents, threads=threads)
        kind = "_Pages" if len(want) == 60_000 else "bytes"
        assert type(r.offsets.obj).__name__ == kind
        if kind == "_Pages":
            assert r.counts.obj is r.offsets.obj
        assert decode(r, True) == list(want.items())


@pytest.mark.skipif(sys.version_info < (3, 10), reason="DISALLOW_INSTANTIATION")
def test_pages_are_made_by_the_count_alone():
    r = word_count.frequencies_arrays(" ".join("w%d" % i for i in range(1_700_000)))
    with pytest.raises(TypeError):
        type(r.offsets.obj)()


@pytest.mark.parametrize("top", [0, 1, 2, 5, 40, 41, 1000, 2**63])
def test_top_is_most_common_order(top):
    rng = random.Random(top % 97)
    text = " ".join(rng.choice(["w%d" % i for i in range(41)])
                    for _ in range(5000))
    got = decode(word_count.frequencies_arrays(text, top=top), True)
    assert got == Counter(text.split()).most_common(top)


def test_empty_and_separator_only_texts():
    for text in ("", " ", "\n\n", b"", b"  \r\n"):
        r = word_count.frequencies_arrays(text)
        assert r.data == b"" and list(r.offsets) == [0] and list(r.counts) == []


def test_arguments_are_those_of_frequencies():
    with pytest.raises(ValueError, match="top must be >= 0"):
        word_count.frequencies_arrays("a b", top=-1)
    with pytest.raises(TypeError):
        word_count.frequencies_arrays("a b", top=True)
    with pytest.raises(TypeError):
        word_count.frequencies_arrays(123)
    with pytest.raises(ValueError):
        word_count.frequencies_arrays("a b", words="lines")
    with pytest.raises(TypeError):
        word_count.frequencies_arrays("a b", "extra")
    with pytest.raises(ValueError, match="threads must be"):
        word_count.frequencies_arrays("a b", threads=0)


def test_result_is_a_named_tuple_of_three():
    r = word_count.frequencies_arrays("b a b")
    assert isinstance(r, word_count.FrequencyArrays)
    data, offsets, counts = r
    assert (r.data, r.offsets, r.counts) == (data, offsets, counts)
    assert data == b"ba" and offsets.tolist() == [0, 1, 2] and counts.tolist() == [2, 1]


def test_a_users_strided_arrays_pickle_as_they_read():
    """FrequencyArrays pickle as their three bytes: a view that is not all
    of its bytes object in order (a user's [::-1], a slice) goes as what it
    reads.  A reversed view of as many bytes went as its base, reversed."""
    import array
    raw = array.array("q", [0, 1, 2]).tobytes()
    counts = array.array("Q", [5, 7, 9, 11]).tobytes()
    for offsets, cnt in ((memoryview(raw).cast("q")[::-1], memoryview(counts).cast("Q")[1:3]),
                         (memoryview(raw).cast("q"), memoryview(counts).cast("Q")[::2])):
        r = word_count.FrequencyArrays(b"ab", offsets, cnt)
        back = pickle.loads(pickle.dumps(r))
        assert back.offsets.tolist() == offsets.tolist()
        assert back.counts.tolist() == cnt.tolist()


def test_threads_calling_at_once_get_the_same_arrays():
    text = random_text(random.Random(5), ALPHABETS["ucs2"], 40_000, vocab=2000)
    want = list(oracle(text).items())
    out, errors = [], []

    def run():
        try:
            for _ in range(3):
                out.append(decode(word_count.frequencies_arrays(text, threads=2), True))
        except BaseException as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=run) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert len(out) == 12 and all(o == want for o in out)


# ---- files and streams ------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    text = random_text(random.Random(11), ALPHABETS["ucs2"] + "abc", 40_000, vocab=3000)
    data = text.encode("utf-8")
    path = tmp_path_factory.mktemp("arrays") / "t.txt"
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("mode", [("space", False), ("space", True), ("unicode", True)])
@pytest.mark.parametrize("threads,block_size", [(1, None), (3, 4096)])
def test_file_and_stream_arrays_are_the_files_words(corpus_file, mode, threads, block_size):
    path, data = corpus_file
    words, casefold = mode
    want = list(oracle(data, words, casefold).items())
    kw = dict(words=words, casefold=casefold, threads=threads, block_size=block_size)
    assert decode(word_count.frequencies_file_arrays(path, **kw), False) == want
    assert decode(word_count.frequencies_file_arrays(str(path).encode(), **kw), False) == want
    with open(path, "rb") as f:  # a regular file's descriptor: blocks on the pool
        assert decode(word_count.frequencies_stream_arrays(f, **kw), False) == want
    # No descriptor: read(n) on the calling thread.
    got = word_count.frequencies_stream_arrays(io.BytesIO(data), **kw)
    assert decode(got, False) == want


def test_file_arrays_top_progress_and_errors(corpus_file, tmp_path):
    path, data = corpus_file
    want = oracle(data).most_common(7)
    calls = []
    got = word_count.frequencies_file_arrays(path, top=7,
                                             progress=lambda d, t: calls.append((d, t)))
    assert decode(got, False) == want
    assert calls and calls[-1] == (len(data), len(data))
    with pytest.raises(FileNotFoundError):
        word_count.frequencies_file_arrays(tmp_path / "missing")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok ok \xff no\n")
    with pytest.raises(UnicodeDecodeError):
        word_count.frequencies_file_arrays(bad, words="unicode")
    got = word_count.frequencies_file_arrays(bad, words="unicode", errors="replace")
    assert decode(got, False) == [(b"ok", 2), (b"no", 1)]
    with pytest.raises(TypeError):
        word_count.frequencies_stream_arrays(object())
