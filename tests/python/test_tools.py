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
import sys
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


def run_make(*args, _dir=ROOT, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SANITIZER_ENV}
    p = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(_dir), *args],
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
    assert "test-pythons: SKIPPED CPython 3.15" in r.stdout


def test_test_pythons_runs_the_whole_suite_on_the_newest_only(tmp_path):
    # The Makefile beside stand-ins for the two tools, which say what they
    # were asked: 3.14 gets the quick suite, 3.15 (DEBIAN_FULL) the whole.
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "python-debian").write_text(
        '#!/bin/sh\necho "python-debian: made"\necho /fake/python$1\n')
    (tools / "test-python").write_text(
        '#!/bin/sh\necho "ran $2 $3"\n')
    for f in tools.iterdir():
        f.chmod(0o755)
    r = run_make("test-pythons", "PYENV_VERSIONS=", _dir=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.findall(r"^ran .*", r.stdout, re.M) == [
        "ran 3.14 quick", "ran 3.15 full"]
    r = run_make("test-pythons", "PYENV_VERSIONS=", "DEBIAN_FULL=3.14 3.15",
                 _dir=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.findall(r"^ran .*", r.stdout, re.M) == [
        "ran 3.14 full", "ran 3.15 full"]


def test_tsan_suite_runs_pip_on_a_host_of_the_same_cpython(tmp_path):
    """tools/test-python's tsan suite runs pip and the build on a plain
    interpreter (WC_HOST_PYTHON) into the TSan venv: without one it stops,
    and a host whose version or extension suffix differs is refused before
    anything is installed (an extension built against another CPython would
    be loaded by the TSan interpreter)."""
    name = f"tools-test-{os.getpid()}"
    venv = ROOT / "build" / f"venv-{name}"
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'sys.version_info(another CPython) .so'\n")
    fake.chmod(0o755)
    clean = {k: v for k, v in os.environ.items()
             if k not in SANITIZER_ENV and k != "WC_HOST_PYTHON"}
    tool = [str(ROOT / "tools" / "test-python"), sys.executable, name, "tsan"]
    try:
        r = subprocess.run(tool, capture_output=True, text=True, env=clean,
                           timeout=120)
        assert r.returncode != 0
        assert "needs WC_HOST_PYTHON" in r.stderr
        r = subprocess.run(tool, capture_output=True, text=True, timeout=120,
                           env={**clean, "WC_HOST_PYTHON": str(fake)})
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert "is not the CPython that" in r.stderr
        assert list(venv.glob("lib/python*/site-packages/*")) == []
    finally:
        shutil.rmtree(venv, ignore_errors=True)


# tools/run-pytest: the suites spread over processes, then the `timing`
# tests alone.  Each case is a small suite of its own in tmp_path.
RUN_PYTEST = ROOT / "tools" / "run-pytest"
SUITE = '''
import os, pathlib
LOG = pathlib.Path(__file__).with_name("ran.txt")

def note(name):
    with LOG.open("a") as f:
        f.write(f"{name} {os.environ.get('PYTEST_XDIST_WORKER', 'alone')}\\n")

def test_plain_a():
    note("plain_a"); assert PLAIN

def test_plain_b():
    note("plain_b")

@__import__("pytest").mark.timing
def test_ratio():
    note("ratio"); assert TIMING
'''


def run_suite(tmp_path, plain=True, timing=True, with_timing_test=True):
    src = SUITE.replace("PLAIN", str(plain)).replace("TIMING", str(timing))
    if not with_timing_test:
        src = src[:src.index("@__import__")]
    (tmp_path / "test_small.py").write_text(src)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    timing: a ratio of times\n")
    env = {k: v for k, v in os.environ.items()
           if k not in SANITIZER_ENV and not k.startswith("PYTEST_")}
    r = subprocess.run([str(RUN_PYTEST), sys.executable, "-p", "no:cacheprovider",
                        "-q", str(tmp_path)], cwd=tmp_path, capture_output=True,
                       text=True, env={**env, "WC_TEST_JOBS": "2"}, timeout=300)
    log = tmp_path / "ran.txt"
    ran = sorted(log.read_text().split("\n")[:-1]) if log.exists() else []
    return r, ran


def test_run_pytest_runs_timing_tests_alone_after_the_rest(tmp_path):
    r, ran = run_suite(tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    names = {line.split()[0]: line.split()[1] for line in ran}
    assert sorted(names) == ["plain_a", "plain_b", "ratio"], ran  # each once
    assert names["plain_a"].startswith("gw") and names["plain_b"].startswith("gw")
    assert names["ratio"] == "alone"


@pytest.mark.parametrize("plain, timing", [(False, True), (True, False)])
def test_run_pytest_fails_when_either_pass_fails(tmp_path, plain, timing):
    r, ran = run_suite(tmp_path, plain=plain, timing=timing)
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(ran) == 3  # a failure in the first pass does not skip the second


def test_run_pytest_passes_a_suite_without_timing_tests(tmp_path):
    r, ran = run_suite(tmp_path, with_timing_test=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(ran) == 2


TIMERS = re.compile(r"\b(perf_counter|process_time|thread_time)\(")


def test_every_test_that_times_is_marked_timing():
    """A test that takes a ratio of times (time.perf_counter, process_time or
    thread_time, in itself or in a helper it calls, also one imported from
    another test module) carries @pytest.mark.timing, so that
    tools/run-pytest runs it alone."""
    import ast
    tests = ROOT / "tests" / "python"
    funcs = {}  # every module-level function of the test modules
    for path in sorted(tests.glob("*.py")):
        src = path.read_text()
        for node in ast.parse(src).body:
            if isinstance(node, ast.FunctionDef):
                calls = {n.func.id for n in ast.walk(node)
                         if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
                marked = any("mark.timing" in ast.get_source_segment(src, d)
                             for d in node.decorator_list)
                funcs[(path.name, node.name)] = (
                    bool(TIMERS.search(ast.get_source_segment(src, node))), calls, marked)
    timing = {name for (_, name), (t, _, _) in funcs.items() if t}
    while True:  # helpers that call a helper that times
        more = {name for (_, name), (_, calls, _) in funcs.items()
                if calls & timing} - timing
        if not more:
            break
        timing |= more
    unmarked = [f"{f}::{name}" for (f, name), (_, _, marked) in funcs.items()
                if name.startswith("test_") and name in timing and not marked]
    assert unmarked == []
    assert len([1 for (_, n), v in funcs.items() if n.startswith("test_") and v[2]]) >= 9
