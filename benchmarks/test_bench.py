"""The seed's pytest-benchmark suite (the PyO3 example's test file), kept out
of `make test`.  Run: .venv/bin/python -m pytest benchmarks --benchmark-enable
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

import word_count


@pytest.fixture(scope="session")
def contents() -> str:
    return word_count.default_text()


def run_rust_sequential_twice(executor: ThreadPoolExecutor, contents: str, needle: str) -> int:
    future_1 = executor.submit(word_count.search_sequential_allow_threads, contents, needle)
    future_2 = executor.submit(word_count.search_sequential_allow_threads, contents, needle)
    return future_1.result() + future_2.result()


def test_word_count_c_parallel(benchmark, contents):
    count = benchmark(word_count.search, contents, "is")
    assert count == 10000


def test_word_count_c_sequential(benchmark, contents):
    count = benchmark(word_count.search_sequential, contents, "is")
    assert count == 10000


def test_word_count_c_sequential_twice_with_threads(benchmark, contents):
    with ThreadPoolExecutor(max_workers=2) as executor:
        count = benchmark(run_rust_sequential_twice, executor, contents, "is")
    assert count == 20000


def test_word_count_python_sequential(benchmark, contents):
    count = benchmark(word_count.search_py, contents, "is")
    assert count == 10000


# -- Beyond the seed: the ways Python users parallelise (benchmarks/ways.py,
# checked against the reference in test_ways.py), on the same text.

import multiprocessing  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ways  # noqa: E402

WORKERS = max(2, word_count.default_threads())


@pytest.fixture(scope="module")
def mp_pool():
    with multiprocessing.Pool(WORKERS) as pool:
        pool.map(abs, range(WORKERS))  # start the workers before timing
        yield pool


@pytest.fixture(scope="module")
def process_executor():
    with ProcessPoolExecutor(WORKERS) as executor:
        list(executor.map(abs, range(4 * WORKERS)))
        yield executor


def test_word_count_python_thread_pool(benchmark, contents):
    with ThreadPoolExecutor(max_workers=WORKERS) as executor:
        count = benchmark(ways.count_threads, executor, word_count.search_py, contents, "is",
                          WORKERS)
    assert count == 10000


@pytest.mark.parametrize("pool", ["mp_pool", "process_executor"])
def test_word_count_process_pool(benchmark, contents, pool, request):
    """multiprocessing.Pool.map / ProcessPoolExecutor.map, started beforehand."""
    way = ways.count_pool if pool == "mp_pool" else ways.count_executor
    count = benchmark(way, request.getfixturevalue(pool), contents, "is", WORKERS)
    assert count == 10000


@pytest.mark.parametrize("way", [ways.count_pool_with_startup,
                                 ways.count_executor_with_startup],
                         ids=["multiprocessing_pool", "process_pool_executor"])
def test_word_count_process_pool_with_startup(benchmark, contents, way):
    count = benchmark.pedantic(way, (WORKERS, contents, "is"), rounds=5, iterations=1)
    assert count == 10000


def test_word_count_re_lookarounds(benchmark, contents):
    count = benchmark(ways.count_re, contents, "is")
    assert count == 10000


def test_word_count_bytes_split(benchmark, contents):
    count = benchmark(ways.count_split, contents.encode(), b"is")
    assert count == 10000
