"""merge_arrays: the FrequencyArrays of consecutive pieces of one text added
up, and FrequencyArrays through pickle.

Oracles: collections.Counter over the words of the whole text, written in
Python (reliability.space_words: str.split per line; unicode_oracle's
findall_words and casefold), built in order of first occurrence; with top=K
the oracle's most_common(K) (ties by first occurrence).  The merged arrays
are decoded in Python, never compared with the package's own result alone.
"""

from __future__ import annotations

import array
import ctypes
import pickle
import random
import sys
from collections import Counter

import pytest

import unicode_oracle as uo
import word_count
from reliability import space_words


def decode(r):
    data, offsets, counts = r
    n = len(counts)
    assert len(offsets) == n + 1 and offsets[0] == 0 and offsets[n] == len(data)
    return [(data[offsets[i]:offsets[i + 1]], counts[i]) for i in range(n)]


def oracle(text: str, words="space", casefold=False) -> Counter:
    t = uo.casefold(text) if casefold else text
    found = space_words(t) if words == "space" else uo.findall_words(t)
    return Counter(w.encode("utf-8", "surrogatepass") for w in found if w)


def random_lines(rng, nlines):
    vocab = ["a", "is", "the", "Straße", "ΣΊΣΥΦΟΣ", "naïve", "x" * 17,
             "a-rather-long-word-of-the-text", "日本語", "\U0001F600", "y" * 40]
    vocab += ["w%d" % i for i in range(60)]
    return ["".join(rng.choice(vocab) + rng.choice([" ", " ", "  ", "\t"])
                    for _ in range(rng.randint(0, 12))) + "\n"
            for _ in range(nlines)]


def cut(lines, rng, k):
    """The lines as k consecutive pieces (some may be empty)."""
    at = sorted(rng.randint(0, len(lines)) for _ in range(k - 1))
    bounds = [0] + at + [len(lines)]
    return ["".join(lines[a:b]) for a, b in zip(bounds, bounds[1:])]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("words,casefold", [("space", False), ("space", True),
                                            ("unicode", True)])
def test_pieces_add_up_to_the_whole(seed, words, casefold):
    rng = random.Random(seed)
    lines = random_lines(rng, rng.randint(0, 300))
    text = "".join(lines)
    pieces = cut(lines, rng, rng.randint(1, 9))
    want = oracle(text, words, casefold)
    kw = dict(words=words, casefold=casefold)
    parts = [word_count.frequencies_arrays(p, **kw) for p in pieces]
    assert decode(word_count.merge_arrays(parts)) == list(want.items())
    # bytes pieces (keys are the same UTF-8), from a generator
    bparts = (word_count.frequencies_arrays(p.encode("utf-8"), **kw) for p in pieces)
    assert decode(word_count.merge_arrays(bparts)) == list(want.items())
    for top in (0, 1, 5, len(want), len(want) + 3):
        got = decode(word_count.merge_arrays(parts, top=top))
        assert got == want.most_common(top), top


def test_merged_arrays_equal_those_of_the_whole_text():
    rng = random.Random(99)
    lines = random_lines(rng, 2000)
    text = "".join(lines)
    whole = word_count.frequencies_arrays(text)
    merged = word_count.merge_arrays(
        word_count.frequencies_arrays(p) for p in cut(lines, rng, 17))
    assert merged.data == whole.data
    assert merged.offsets.tolist() == whole.offsets.tolist()
    assert merged.counts.tolist() == whole.counts.tolist()
    assert merged.offsets.format == "q" and merged.counts.format == "Q"


def test_no_parts_and_parts_of_no_words():
    empty = word_count.merge_arrays([])
    assert (empty.data, empty.offsets.tolist(), empty.counts.tolist()) == (b"", [0], [])
    none = word_count.frequencies_arrays("")
    got = word_count.merge_arrays([none, word_count.frequencies_arrays("b a b"), none])
    assert decode(got) == [(b"b", 2), (b"a", 1)]


def test_parts_of_other_kinds():
    # array.array, memoryviews, bytearray data, an offset that is not 0 at
    # the start (a slice of a larger array), a word given twice, an empty word
    parts = [
        (bytearray(b"..abab"), array.array("q", [2, 4, 6]), array.array("Q", [1, 2])),
        (memoryview(b"cab"), memoryview(array.array("l", [0, 1, 1, 3])),
         array.array("q", [4, 5, 6])),
    ]
    assert decode(word_count.merge_arrays(parts)) == [
        (b"ab", 3 + 6), (b"c", 4), (b"", 5)]


def test_a_part_changed_after_it_was_added_changes_nothing():
    # Keys are copied: a buffer refilled after its part was added (here by
    # the generator, between parts) does not change the result.
    long_word = b"a-word-longer-than-sixteen-bytes"
    data = bytearray(long_word + b"ab")

    def parts():
        yield (data, array.array("q", [0, len(long_word), len(data)]),
               array.array("Q", [1, 2]))
        data[:] = b"X" * len(data)
        yield (bytes(long_word), array.array("q", [0, len(long_word)]),
               array.array("Q", [10]))

    assert decode(word_count.merge_arrays(parts())) == [(long_word, 11), (b"ab", 2)]


def test_bad_parts_are_refused():
    ok_off, ok_counts = array.array("q", [0, 1, 3]), array.array("Q", [1, 2])
    cases = [
        (TypeError, [5]),
        (TypeError, 5),
        (TypeError, [(b"abc", ok_off)]),
        (TypeError, [("abc", ok_off, ok_counts)]),
        (TypeError, [(b"abc", array.array("i", [0, 1, 3]), ok_counts)]),
        (TypeError, [(b"abc", ok_off, array.array("d", [1.0, 2.0]))]),
        (TypeError, [(b"abc", memoryview(ok_off.tobytes()).cast("B"), ok_counts)]),
        (TypeError, [(b"abc", memoryview(ok_off.tobytes()).cast("B").cast("q", (1, 3)),
                      ok_counts)]),
        (ValueError, [(b"abc", array.array("q", [0, 1]), ok_counts)]),
        (ValueError, [(b"abc", array.array("q", [0, 4, 3]), ok_counts)]),
        (ValueError, [(b"abc", array.array("q", [0, 2, 1]), ok_counts)]),
        (ValueError, [(b"abc", array.array("q", [-1, 1, 3]), ok_counts)]),
        (ValueError, [(b"abc", array.array("Q", [0, 2**63, 3]), ok_counts)]),
        (ValueError, [(b"abc", ok_off, array.array("q", [1, -2]))]),
        (OverflowError, [(b"abc", ok_off, array.array("Q", [2**64 - 1, 0])),
                         (b"a", array.array("q", [0, 1]), array.array("Q", [1]))]),
        (OverflowError, [(b"aa", array.array("q", [0, 1, 2]),
                          array.array("Q", [2**64 - 1, 1]))]),
        # a count's limit: 2**48 - 1 (an entry keeps 48 bits)
        (OverflowError, [(b"a", array.array("q", [0, 1]), array.array("Q", [2**48]))]),
        (OverflowError, [(b"abc", ok_off, array.array("Q", [2**48 - 1, 0])),
                         (b"a", array.array("q", [0, 1]), array.array("Q", [1]))]),
        (OverflowError, [(b"aa", array.array("q", [0, 1, 2]),
                          array.array("Q", [2**47, 2**47]))]),
    ]
    for exc, parts in cases:
        with pytest.raises(exc):
            word_count.merge_arrays(parts)
    # ctypes arrays: "<q" is native here, ">q" is not
    le = (ctypes.c_int64.__ctype_le__ * 3)(0, 1, 3)
    be = (ctypes.c_int64.__ctype_be__ * 3)(0, 1, 3)
    native, other = (le, be) if sys.byteorder == "little" else (be, le)
    assert decode(word_count.merge_arrays([(b"abc", native, ok_counts)])) == [
        (b"a", 1), (b"bc", 2)]
    if sys.byteorder == "little":
        with pytest.raises(TypeError):
            word_count.merge_arrays([(b"abc", other, ok_counts)])
    with pytest.raises(ValueError):
        word_count.merge_arrays([], top=-1)
    # 2**48 - 1 itself is a count, in one part or summed from two
    got = word_count.merge_arrays([(b"a", array.array("q", [0, 1]),
                                    array.array("Q", [2**48 - 1]))])
    assert decode(got) == [(b"a", 2**48 - 1)]
    got = word_count.merge_arrays([(b"a", array.array("q", [0, 1]), array.array("Q", [2**47])),
                                   (b"a", array.array("q", [0, 1]),
                                    array.array("Q", [2**47 - 1]))])
    assert decode(got) == [(b"a", 2**48 - 1)]
    with pytest.raises(OverflowError, match=r"2\*\*48 - 1"):
        word_count.merge_arrays([(b"a", array.array("q", [0, 1]), array.array("Q", [2**48]))])


def test_an_error_from_the_parts_iterator_is_raised():
    def parts():
        yield word_count.frequencies_arrays("a b")
        raise KeyError("from the generator")

    with pytest.raises(KeyError, match="from the generator"):
        word_count.merge_arrays(parts())


def test_frequency_arrays_pickle():
    text = "b a b c\n" * 3 + "naïve 日本語\n"
    for r in (word_count.frequencies_arrays(text), word_count.frequencies_arrays(text, top=2),
              word_count.merge_arrays([])):
        for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(r, proto))
            assert type(back) is word_count.FrequencyArrays
            assert back.data == r.data
            assert back.offsets.format == "q" and back.counts.format == "Q"
            assert back.offsets.tolist() == r.offsets.tolist()
            assert back.counts.tolist() == r.counts.tolist()
    # arrays a user made of other buffers pickle too
    mine = word_count.FrequencyArrays(b"ab", memoryview(array.array("q", [0, 1, 2])),
                                      memoryview(array.array("Q", [3, 4])))
    back = pickle.loads(pickle.dumps(mine))
    assert decode(back) == [(b"a", 3), (b"b", 4)]
