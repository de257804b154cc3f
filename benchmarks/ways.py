"""The ways Python users count words in parallel (or in one line), each with
word_count's exact semantics, for the benchmarks to compare with `search`.

Everything here is checked against the independent reference in
benchmarks/test_ways.py (the issue's vectors and random texts), and every
benchmark row checks its count again on the benchmark's own text.

- `line_chunks` cuts a text after "\\n" characters, so that each chunk holds
  whole lines and the counts of the chunks add up to the count of the whole
  (a "\\r\\n" is never split; a chunk's final "\\n" starts no line).
- `count_threads`, `count_pool`, `count_executor`: map a count over the chunks
  on a thread pool, a `multiprocessing.Pool` or a `ProcessPoolExecutor`, and
  sum (the reduce).
- `count_re`: one regular expression with lookarounds that state the word
  boundary rule; exact for every needle (the needles that cannot match and
  the empty needle's end-of-text case are settled before the regex).
- `count_split`: `bytes.replace` + `bytes.split` + `list.count`; exact for
  every needle (with the same end-of-text correction for the empty needle).
- `PythonThreads`: n persistent Python threads that start a round of calls
  together and report together, so that one call on one thread and two
  calls on two threads are timed with the same start and join (the GIL
  hand-off measured without an executor's dispatch on one side only).
- `count_split_whitespace`: the popular `text.split().count(needle)`, which
  splits at every run of whitespace: NOT our semantics ("a\\tb", "a  b",
  "\\x0b", U+2028 ...); it gives the same count on the Zen text only.
"""

from __future__ import annotations

import functools
import re
import threading
from concurrent.futures import Executor
from itertools import repeat
from typing import Callable, Union

import word_count

Text = Union[str, bytes]


def _chars(text: Text):
    """(space, newline, carriage return) of the text's kind."""
    return (" ", "\n", "\r") if isinstance(text, str) else (b" ", b"\n", b"\r")


def line_chunks(text: Text, n: int) -> list:
    """Cut `text` into at most `n` pieces of about equal size, each but the
    last ending just after a "\\n"; empty pieces are left out.  The pieces
    concatenate to `text`, and their counts add up to its count."""
    if n < 1:
        raise ValueError("n must be at least 1")
    _, nl, _ = _chars(text)
    size = len(text)
    cuts = [0]
    for k in range(1, n):
        j = text.find(nl, max(k * size // n, cuts[-1]))  # type: ignore[arg-type]
        if j < 0:
            break
        cuts.append(j + 1)
    cuts.append(size)
    return [text[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def count_threads(executor: Executor, count: Callable, text: Text, needle: Text,
                  n: int) -> int:
    """Count line-aligned chunks with `count(chunk, needle)` on a thread pool."""
    return sum(executor.map(count, line_chunks(text, n), repeat(needle)))


def count_pool(pool, text: Text, needle: Text, n: int) -> int:
    """`multiprocessing.Pool.map` of search_py over line-aligned chunks; sum."""
    return sum(pool.map(functools.partial(word_count.search_py, needle=needle),
                        line_chunks(text, n)))


def count_pool_with_startup(processes: int, text: Text, needle: Text) -> int:
    """As count_pool, starting (and ending) the pool inside the call."""
    import multiprocessing

    with multiprocessing.Pool(processes) as pool:
        return count_pool(pool, text, needle, processes)


def count_executor(executor: Executor, text: Text, needle: Text, n: int) -> int:
    """`ProcessPoolExecutor.map` of search_py over line-aligned chunks; sum."""
    return sum(executor.map(word_count.search_py, line_chunks(text, n), repeat(needle)))


def count_executor_with_startup(processes: int, text: Text, needle: Text) -> int:
    """As count_executor, starting (and shutting down) the executor inside."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes) as executor:
        return count_executor(executor, text, needle, processes)


def _impossible(needle: Text) -> bool:
    sp, nl, _ = _chars(needle)
    return sp in needle or nl in needle  # type: ignore[operator]


def _empty_word_after_final_newline(text: Text) -> int:
    """1 if the lookaround/split forms see a word that is not there: the empty
    text has no line, and a final "\\n" starts none."""
    _, nl, _ = _chars(text)
    return int(not text or text.endswith(nl))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=64)
def word_regex(needle: Text) -> "re.Pattern":
    """The needle as a whole word: after the start, a " " or a "\\n"; before
    a " ", a "\\n" (unless the needle ends with "\\r": that "\\r" would then be
    the line ending's), a "\\r\\n", or the end of the text."""
    cr = "\r" if isinstance(needle, str) else b"\r"
    after = r"(?= |\r\n|\Z)" if needle.endswith(cr) else r"(?=[ \n]|\r\n|\Z)"  # type: ignore
    pattern = r"(?<![^ \n])" + re.escape(needle.decode("latin-1") if isinstance(needle, bytes)
                                        else needle) + after
    return re.compile(pattern if isinstance(needle, str) else pattern.encode("latin-1"))


def count_re(text: Text, needle: Text) -> int:
    """`len(re.findall(...))` with the boundary rule as lookarounds."""
    if _impossible(needle):
        return 0
    n = len(word_regex(needle).findall(text))
    return n - _empty_word_after_final_newline(text) if not needle else n


def count_split(text: Text, needle: Text) -> int:
    """Lines become words: "\\r\\n" -> "\\n" -> " ", then split at " "."""
    sp, nl, cr = _chars(text)
    n = text.replace(cr + nl, nl).replace(nl, sp).split(sp).count(needle)  # type: ignore
    return n - _empty_word_after_final_newline(text) if not needle else n


def count_split_whitespace(text: Text, needle: Text) -> int:
    """`text.split().count(needle)`: splits at any whitespace run.  NOT our
    semantics in general; equal on the Zen text (single spaces, "\\n")."""
    return text.split().count(needle)  # type: ignore[arg-type]


class PythonThreads:
    """`n` persistent Python threads.  `run(fn, *args, calls=k)` makes each
    thread call `fn(*args)` `k` times back to back, all threads starting at
    one barrier and the caller returning when the last has finished; it
    returns the sum of every result.  The threads are started once and wait
    between rounds, so a round's cost is the calls plus one wake-up and one
    join, the same for any `n`: comparing `n=2` with `n=1` isolates whether
    the calls run side by side."""

    def __init__(self, n: int):
        if n < 1:
            raise ValueError("n must be at least 1")
        self.n = n
        self._start = threading.Barrier(n + 1)
        self._done = threading.Barrier(n + 1)
        self._job = None
        self._results = [0] * n
        self._errors: list = []
        self.idents = [0] * n  # each worker's threading.get_ident()
        self._threads = [threading.Thread(target=self._work, args=(i,), daemon=True,
                                          name=f"PythonThreads-{i}") for i in range(n)]
        for t in self._threads:
            t.start()

    def _work(self, i: int) -> None:
        self.idents[i] = threading.get_ident()
        while True:
            self._start.wait()
            job = self._job
            if job is None:
                return
            fn, args, calls = job
            total = 0
            try:
                for _ in range(calls):
                    total += fn(*args)
            except BaseException as e:  # reported by run(), in the caller
                self._errors.append(e)
            self._results[i] = total
            self._done.wait()

    def run(self, fn: Callable, *args, calls: int = 1):
        if not self._threads[0].is_alive():
            raise RuntimeError("PythonThreads is closed")
        if calls < 1:
            raise ValueError("calls must be at least 1")
        self._job = (fn, args, calls)
        self._errors.clear()
        self._start.wait()
        self._done.wait()
        if self._errors:
            raise self._errors[0]
        return sum(self._results)

    def close(self) -> None:
        if self._threads[0].is_alive():
            self._job = None
            self._start.wait()
            for t in self._threads:
                t.join()

    def __enter__(self) -> "PythonThreads":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
