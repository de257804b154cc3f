"""The project's interpreter tools fail loudly.

CI's claim "tested on every CPython from 3.9" rests on `make test-ft` and
`make test-pythons` getting their interpreters from tools/build-python-ft
and tools/python-debian.  When a tool cannot make its interpreter, the
target must fail (or, with the tool's WORD_COUNT_SKIP_* variable set, say
SKIPPED): a recipe that read the tool through `| tail -1` took the exit
status of `tail` and passed without testing anything.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"

pytestmark = pytest.mark.skipif(
    not MAKEFILE.exists() or shutil.which("make") is None
    or shutil.which("apt-get") is None,
    reason="needs the source tree, make and apt-get")


def test_no_recipe_hides_a_tools_failure_behind_a_pipe():
    text = MAKEFILE.read_text()
    hidden = re.findall(r"\$\$\(tools/[^)]*\|[^)]*\)", text)
    assert hidden == []
    # Both interpreter tools are read where a failure stops the recipe.
    assert text.count("$$(tools/build-python-ft) || exit 1") >= 2
    assert "$$(tools/python-debian $$v) || exit 1" in text


# What the sanitizer runs (make test-asan) put in the environment for the
# extension: apt-get, run by the tools, hangs with the ASan runtime preloaded.
SANITIZER_ENV = ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS",
                 "PYTHONMALLOC")


def run_make(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SANITIZER_ENV}
    p = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**clean, **env}, start_new_session=True)
    try:
        out, err = p.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # make, the tool and apt-get alike
        p.communicate()
        raise
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def test_test_pythons_fails_when_an_interpreter_cannot_be_had():
    # No pyenv version, and a Debian suite that does not exist: the tool
    # fails (with or without a network), so the target must.
    env = {"WORD_COUNT_SKIP_DEBIAN_PYTHON": "0"}
    r = run_make("test-pythons", "PYENV_VERSIONS=",
                 "DEBIAN_PYTHON_SUITE=no-such-suite", **env)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "python-debian: FAILED" in r.stderr
    assert "suite" not in r.stdout


def test_test_pythons_skips_only_when_told():
    r = run_make("test-pythons", "PYENV_VERSIONS=",
                 "DEBIAN_PYTHON_SUITE=no-such-suite",
                 WORD_COUNT_SKIP_DEBIAN_PYTHON="1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "test-pythons: SKIPPED CPython 3.14" in r.stdout
