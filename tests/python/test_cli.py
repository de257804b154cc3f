"""The `wordcount` command-line tool installed by `pip install .`: formats,
exit codes, stdin, several files and needles, -r, --json, errors, against
independent oracles (reference_count, coreutils)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import word_count
from helpers import reference_count, coreutils_count, unprivileged

# The tool sits next to the interpreter of the environment it was installed in.
# WC_WORDCOUNT names another build of it (make test-asan: the ASan one).
WORDCOUNT = Path(os.environ.get("WC_WORDCOUNT") or Path(sys.executable).parent / "wordcount")


def run(*args, input=None, words="space", **kw):
    """The tool with `args`; these tests check the space words (the Python
    API's) against coreutils, so --words=space unless words=None
    (test_cli_grep.py checks the default words against grep)."""
    pre = [] if words is None else [f"--words={words}"]
    return subprocess.run([str(WORDCOUNT), *pre, *map(str, args)], input=input,
                          capture_output=True, timeout=120, check=False, **kw)


@pytest.fixture(scope="module")
def zen(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "zen.txt"
    path.write_bytes(word_count.default_text(400).encode())
    return path


def test_installed():
    assert WORDCOUNT.is_file() and os.access(WORDCOUNT, os.X_OK), WORDCOUNT
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.decode().split() == ["wordcount", word_count.__version__]
    # One version everywhere (it was written in five places): the package's
    # metadata (pyproject.toml), the Python package, the C core, the tool.
    from importlib.metadata import PackageNotFoundError, version
    try:
        assert version("fastwordcount") == word_count.__version__
    except PackageNotFoundError:  # a build dir on PYTHONPATH without its metadata
        pass
    assert word_count.__version__ == word_count._word_count.CORE_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|rc\d+)?", word_count.__version__)
    r = run("--help")
    assert r.returncode == 0 and b"Usage: wordcount" in r.stdout


def test_one_file_and_stdin(zen):
    want = coreutils_count(zen, "is")
    r = run("is", zen)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{want}\n".encode(), b"")
    data = zen.read_bytes()
    assert run("is", input=data).stdout == f"{want}\n".encode()
    assert run("is", "-", input=data).stdout == f"{want}\n".encode()
    with open(zen, "rb") as f:  # stdin a regular file: counted in parallel
        r = subprocess.run([str(WORDCOUNT), "--words=space", "-j", "2", "is"], stdin=f,
                           capture_output=True, check=False)
    assert r.stdout == f"{want}\n".encode()


def test_every_block_edge(tmp_path):
    rng = random.Random(7)
    pieces = [b"ab", b"a", b" ", b"\n", b"\r\n", b"\r", b"ab\r\n"]
    path = tmp_path / "t"
    for size in (0, 1, 2, 3, 10, 33, 100):
        data = b"".join(rng.choices(pieces, k=size))[:size]
        path.write_bytes(data)
        for block in (1, 2, 5):
            want = reference_count(data, b"ab")
            for args in (["-j", "2", path], ["-j1", path], [], ["-"]):
                r = run("--block-size", block, "ab", *args,
                        input=data if args in ([], ["-"]) else None)
                assert r.stdout == f"{want}\n".encode(), (data, block, args)
                assert r.returncode == (0 if want else 1)


def test_several_files_and_total(zen, tmp_path):
    other = tmp_path / "other.txt"
    other.write_bytes(b"is is\r\nnot is\n")
    a, b = coreutils_count(zen, "is"), reference_count(other.read_bytes(), b"is")
    r = run("is", zen, other)
    assert r.returncode == 0
    assert r.stdout.decode().splitlines() == [f"{zen}:{a}", f"{other}:{b}", f"total:{a + b}"]
    r = run("is", zen, "-", input=other.read_bytes())
    assert r.stdout.decode().splitlines()[1] == f"(standard input):{b}"


def test_several_needles(zen, tmp_path):
    want = {n: coreutils_count(zen, n) for n in ("is", "better", "nothere")}
    r = run("-e", "is", "-e", "better", "--needle=nothere", "-e", "is", zen)
    assert r.returncode == 0
    assert r.stdout.decode().splitlines() == [f"{n}:{c}" for n, c in want.items()]
    other = tmp_path / "o"
    other.write_bytes(b"better is\n")
    r = run("-e", "is", "-ebetter", zen, other)
    assert r.stdout.decode().splitlines() == [
        f"{zen}:is:{want['is']}", f"{zen}:better:{want['better']}",
        f"{other}:is:1", f"{other}:better:1",
        f"total:is:{want['is'] + 1}", f"total:better:{want['better'] + 1}"]


def test_json(zen, tmp_path):
    missing = tmp_path / "missing"
    odd = tmp_path / os.fsdecode(b"caf\xe9 \xff.txt")  # not UTF-8
    odd.write_bytes(b"\xff x \xff\n")
    r = run("--json", "-e", "is", "-e", b"\xff".decode("latin-1"), zen, missing, odd,
            "-", input=b"is\n")
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert doc["needles"][0] == "is"
    assert [os.fsencode(i["path"]) for i in doc["inputs"]] == [
        os.fsencode(zen), os.fsencode(missing), os.fsencode(odd), b"-"]
    zen_is = coreutils_count(zen, "is")
    assert doc["inputs"][0]["counts"]["is"] == zen_is
    assert doc["inputs"][1] == {"path": str(missing), "error": "No such file or directory"}
    assert doc["inputs"][3]["counts"]["is"] == 1
    assert doc["total"]["is"] == zen_is + 1
    assert b"wordcount: " + os.fsencode(missing) + b": No such file or directory" in r.stderr
    # One input, one needle: the same shape.
    doc = json.loads(run("--json", "nothere", zen).stdout)
    assert doc == {"needles": ["nothere"], "inputs": [{"path": str(zen), "counts": {"nothere": 0}}],
                   "total": {"nothere": 0}}


def test_recursive(tmp_path):
    root = tmp_path / "tree"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"x y x\n")
    (root / "b" / "c.txt").write_bytes(b"x\r\n")
    (root / "b" / "deeper" / "d").write_bytes(b"no\n")
    (root / "b" / "loop").symlink_to(root)          # not followed: no loop
    (root / "link.txt").symlink_to(root / "a.txt")  # not followed either
    os.mkfifo(root / "fifo")                         # skipped, never blocks
    r = run("-r", "x", root)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines() == [
        f"{root}/a.txt:2", f"{root}/b/c.txt:1", f"{root}/b/deeper/d:0", "total:3"]
    # No FILE with -r: the current directory, names relative to it.
    r = run("-r", "x", cwd=root)
    assert r.stdout.decode().splitlines() == ["a.txt:2", "b/c.txt:1", "b/deeper/d:0", "total:3"]
    # A directory without -r is an error; the others are still counted.
    r = run("x", root, root / "a.txt")
    assert r.returncode == 2
    assert r.stdout.decode().splitlines() == [f"{root}/a.txt:2", "total:2"]
    assert r.stderr.decode() == f"wordcount: {root}: Is a directory\n"
    # Nor with -c or -L (docs/cli.md: its count is not known; grep prints
    # "DIR:0" and lists it with -L); the file is counted, and it is exit 2.
    for opt, want in (("-c", [f"{root}/a.txt:2"]), ("-L", []), ("-l", [f"{root}/a.txt"])):
        r = run(opt, "x", root, root / "a.txt")
        assert (r.returncode, r.stdout.decode().splitlines()) == (2, want), opt
        assert r.stderr.decode() == f"wordcount: {root}: Is a directory\n", opt


def test_exit_codes_and_errors(zen, tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    r = run("is", empty)
    assert (r.returncode, r.stdout) == (1, b"0\n")
    r = run("nothere", zen)
    assert (r.returncode, r.stdout) == (1, b"0\n")
    r = run("is", tmp_path / "missing", zen)
    assert r.returncode == 2
    assert r.stderr.decode() == f"wordcount: {tmp_path / 'missing'}: No such file or directory\n"
    assert r.stdout.decode().splitlines() == [f"{zen}:{coreutils_count(zen, 'is')}",
                                              f"total:{coreutils_count(zen, 'is')}"]
    for bad in (["-j", "0", "x"], ["--threads=300", "x"], ["--bogus", "x"], [],
                ["-j"], ["--json=1", "x"], ["--block-size", "0", "x"]):
        r = run(*bad)
        assert r.returncode == 2, bad
        assert r.stderr.startswith(b"wordcount: "), bad
        assert r.stdout == b""


def test_special_files(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = b"a b a\n" * 50000

    def writer():
        with open(fifo, "wb") as f:
            f.write(data)

    t = threading.Thread(target=writer)
    t.start()
    r = run("a", fifo)
    t.join()
    assert r.stdout == f"{reference_count(data, b'a')}\n".encode()
    with open("/proc/version", "rb") as f:
        proc = f.read()
    first = proc.split(b" ")[0].decode()
    r = run("--block-size=3", first, "/proc/version")
    assert r.stdout == f"{reference_count(proc, first.encode())}\n".encode()
    assert r.returncode == 0


def test_permission_denied(tmp_path):
    """A file it may not read: exit 2 and the file named (run without root's
    right to read anything: helpers.unprivileged); the other files count."""
    path = tmp_path / "secret"
    path.write_bytes(b"x\n")
    path.chmod(0)
    other = tmp_path / "other"
    other.write_bytes(b"x x\n")
    r = subprocess.run(unprivileged([WORDCOUNT, "--words=space", "x", path, other]),
                       capture_output=True,
                       timeout=120, check=False)
    assert r.returncode == 2
    assert r.stderr.decode() == f"wordcount: {path}: Permission denied\n"
    assert r.stdout.decode().splitlines() == [f"{other}:2", "total:2"]


def test_progress_line():
    """--progress: a line on stderr for an input that takes a while (a pipe
    fed slowly); --no-progress and a non-terminal stderr: none."""
    def slow_feed(proc):
        proc.stdin.write(b"a b\n" * 1000)
        proc.stdin.flush()
        time.sleep(0.6)
        proc.stdin.write(b"a\n")
        proc.stdin.close()

    for flag, shown in (("--progress", True), ("--no-progress", False), (None, False)):
        args = [str(WORDCOUNT), "--words=space", "a"] + ([flag] if flag else [])
        p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        slow_feed(p)
        out, err = p.stdout.read(), p.stderr.read()
        p.wait(timeout=60)
        p.stdout.close()
        p.stderr.close()
        assert out == b"1001\n"
        assert (b"wordcount: (standard input): " in err) == shown, err
