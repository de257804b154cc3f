"""The type stubs (word_count/__init__.pyi) against mypy and the module.

- `mypy --strict` accepts tests/typing/example.py, whose `assert_type` calls
  say what each function returns (str text: str words; bytes-like: bytes);
- mypy rejects every line of tests/typing/misuse.py marked `# error`, and
  only those (a str/bytes mix, a wrong key type, an unknown word rule);
- `stubtest word_count` finds the stub and the module at run time agree
  (names, signatures, defaults);
- the example runs, so what it asserts is true at run time too.
Skipped where mypy is not installed (it is in the `test` extra).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (the test extra)")

TYPING = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "typing")


def mypy(*args: str) -> subprocess.CompletedProcess:
    # The cache in a temporary place: never next to the installed package.
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *args],
                          capture_output=True, text=True, cwd=TYPING, timeout=600)


def test_strict_example_passes():
    r = mypy("--strict", "example.py")
    assert r.returncode == 0, r.stdout + r.stderr


def test_misuse_is_rejected_line_by_line():
    path = os.path.join(TYPING, "misuse.py")
    with open(path) as f:
        marked = {i for i, line in enumerate(f, 1) if "# error:" in line}
    assert len(marked) >= 9
    r = mypy("--strict", "misuse.py")
    found = {int(m) for m in re.findall(r"^misuse\.py:(\d+): error:", r.stdout, re.M)}
    assert found == marked, r.stdout


def test_stubtest_agrees_with_the_module(tmp_path):
    args = [sys.executable, "-m", "mypy.stubtest", "word_count",
            "--mypy-config-file", os.path.join(TYPING, "stubtest.ini")]
    try:
        import dask  # noqa: F401
    except ImportError:
        # Without the dask extra (the test extra alone) word_count.dask
        # cannot be imported, as documented: stubtest leaves it out.
        allow = tmp_path / "allowlist.txt"
        allow.write_text("word_count\\.dask\n")
        args += ["--allowlist", str(allow)]
    r = subprocess.run(args, capture_output=True, text=True, cwd=TYPING, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


def test_example_runs():
    r = subprocess.run([sys.executable, os.path.join(TYPING, "example.py")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
