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
