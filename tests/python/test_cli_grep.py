"""The `wordcount` tool as a grep user uses it, with GNU grep as the oracle:
the default words against `grep -ow WORD | wc -l` on generated files with
punctuation, tabs, CRLF and bytes that are not UTF-8; -c, -l, -L, -q, -i,
-r with --include/--exclude/--exclude-dir, -I, --, --color, exit codes;
and what grep has no answer for (-g, -e sets, -f, deep trees, a terminal on
stdin, python -m word_count, the man page and completions) against plain
Python references."""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_cli import WORDCOUNT

GREP = shutil.which("grep")
# grep's word characters are those of the locale: in a UTF-8 one they are
# Unicode letters, digits and '_', what the tool's default words use.
GREP_ENV = {**os.environ, "LC_ALL": "C.UTF-8"}
needs_grep = pytest.mark.skipif(GREP is None, reason="GNU grep is not installed")


def wc(*args, input=None, **kw):
    args = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args]
    return subprocess.run([str(WORDCOUNT), *args], input=input,
                          capture_output=True, timeout=120, check=False, **kw)


def grep(*args, input=None, cwd=None):
    # -a: grep calls a file with bytes that are not UTF-8 binary and prints
    # "binary file matches" instead of its matches; the count is the same.
    return subprocess.run([GREP, *map(str, args)], input=input, capture_output=True,
                          env=GREP_ENV, timeout=120, check=False, cwd=cwd)


def grep_ow(word: str, path) -> int:
    """`grep -ow WORD FILE | wc -l`."""
    r = grep("-a", "-o", "-w", "-F", "--", word, path)
    assert r.returncode in (0, 1), r.stderr
    return r.stdout.count(b"\n")


# Pieces of real-looking text: words, punctuation, tabs, CRLF, Latin-1 and
# other bytes that are not UTF-8, UTF-8 letters (é is a letter for both).
# The truncated sequence is closed by "(": with "\x80" it would make U+2080,
# a digit to Python's \w and not to glibc's iswalnum (the documented
# difference: word characters are Python's).
PIECES = [b"ERROR", b"error", b"Error", b"ERRORS", b"ERROR_2", b"x", b"foo", b"caf\xc3\xa9",
          b"na\xc3\xafve", b"ERROR\xc3\xa9", b" ", b" ", b"  ", b"\t", b"\n", b"\r\n",
          b":", b".", b",", b"-", b"(", b")", b"'", b"\"", b"/", b"=", b"[", b"]",
          b"\xe9", b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xe2\x82(", b"\r", b"\x00"]
WORDS = ["ERROR", "error", "x", "foo", "caf\u00e9", "ERRORS", "ERROR_2", "na\u00efve"]


def random_file(path: Path, rng: random.Random, n: int, nul: bool = True) -> bytes:
    pieces = PIECES if nul else PIECES[:-1]
    data = b"".join(rng.choice(pieces) for _ in range(n))
    path.write_bytes(data)
    return data


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("grep")
    rng = random.Random(2024)
    paths = []
    for k, n in enumerate((0, 1, 50, 3000, 40000)):
        p = d / f"f{k}.log"
        random_file(p, rng, n)
        paths.append(p)
    # The log of the issue: "ERROR:" and tab-separated words are words.
    log = d / "app.log"
    log.write_bytes(b"".join(
        b"2024-01-01 12:00:%02d ERROR: disk\tERROR\r\n" % (i % 60) if i % 5 == 0 else
        b"2024-01-01 12:00:%02d INFO ok caf\xe9 [ERROR] (ERROR)\n" % (i % 60)
        for i in range(20000)))
    paths.append(log)
    return paths


@needs_grep
def test_default_words_are_grep_ow(corpus):
    for path in corpus:
        for word in WORDS:
            want = grep_ow(word, path)
            r = wc("-j", "2", "--block-size", 4096, word, path)
            assert r.stdout == f"{want}\n".encode(), (path, word, r.stderr)
            assert r.returncode == (0 if want else 1)
    # The figure: every ERROR of the log, ERROR: and tabs included.
    log = corpus[-1]
    assert wc("ERROR", log).stdout == f"{grep_ow('ERROR', log)}\n".encode()
    # A grep user's own spelling of it, -o and -w as grep -ow takes them
    # (-o was refused: "unknown option"): the same count.
    for opts in (["-ow"], ["-o", "-w"], ["--only-matching"], ["-owF"]):
        r = wc(*opts, "ERROR", log)
        assert (r.returncode, r.stdout, r.stderr) == (
            0, f"{grep_ow('ERROR', log)}\n".encode(), b""), opts


@needs_grep
def test_ignore_case_is_grep_i(corpus):
    for path in corpus:
        for word in ("error", "Foo", "X"):
            r = grep("-a", "-o", "-w", "-i", "-F", "--", word, path)
            want = r.stdout.count(b"\n")
            assert wc("-i", word, path).stdout == f"{want}\n".encode(), (path, word)


@needs_grep
def test_several_words_in_one_pass(corpus):
    path = corpus[4]
    args = [x for w in WORDS for x in ("-e", w)]
    r = wc(*args, "-e", WORDS[0], path)  # repeated: counted once
    assert r.stdout.decode().splitlines() == [f"{w}:{grep_ow(w, path)}" for w in WORDS]
    listed = path.parent / "needles.txt"
    listed.write_bytes("\r\n".join(WORDS).encode() + b"\n\n")
    assert wc("-f", listed, path).stdout == r.stdout
    # -f of an empty file: no WORD at all, every operand a FILE (grep -f).
    empty = path.parent / "empty"
    empty.write_bytes(b"")
    r = wc("-f", empty, path)
    assert (r.returncode, r.stdout) == (grep("-f", empty, path).returncode, b"")


@needs_grep
def test_count_per_file_is_grep_c(tmp_path):
    """-c: one count a file, no total.  On files where no line holds the word
    twice it is grep -c's number; on any file, grep -ow's."""
    rng = random.Random(5)
    paths = []
    for k in range(4):
        lines = [rng.choice([b"ERROR here", b"no", b"x ERROR\t", b"(ERROR)\r", b"\xff ERROR",
                             b"ERRORS"]) for _ in range(rng.randrange(0, 200))]
        p = tmp_path / f"c{k}.txt"
        p.write_bytes(b"\n".join(lines))
        paths.append(p)
    r = wc("-c", "ERROR", *paths)
    g = grep("-a", "-c", "-w", "ERROR", *paths)
    assert r.stdout == g.stdout
    assert r.returncode == g.returncode
    assert wc("-c", "ERROR", paths[0]).stdout == grep("-a", "-cw", "ERROR", paths[0]).stdout
    assert wc("-c", "-H", "ERROR", paths[0]).stdout == grep("-a", "-cwH", "ERROR", paths[0]).stdout
    assert wc("-c", "-h", "ERROR", *paths).stdout == grep("-a", "-cwh", "ERROR", *paths).stdout
    # Without -c too: a count an input, no names and no total line (as
    # --help says).
    r = wc("-h", "ERROR", *paths)
    assert r.stdout == b"".join(f"{grep_ow('ERROR', p)}\n".encode() for p in paths)


@needs_grep
def test_files_with_and_without_matches_and_quiet(corpus, tmp_path):
    missing = tmp_path / "missing"
    for word in ("ERROR", "foo", "nowhere"):
        for flag in ("-l", "-L"):
            r, g = wc(flag, word, *corpus), grep("-a", flag, "-w", "-F", word, *corpus)
            assert r.stdout == g.stdout, (flag, word)
            assert r.returncode == g.returncode, (flag, word)
        r, g = wc("-q", word, *corpus), grep("-q", "-w", "-F", word, *corpus)
        assert (r.returncode, r.stdout, r.stderr) == (g.returncode, b"", b"")
        # -q: a match wins over an error, as grep -q.
        r, g = wc("-q", word, missing, *corpus), grep("-q", "-w", "-F", word, missing, *corpus)
        assert r.returncode == g.returncode, word
        # -s: no message about the missing file, still exit 2 when none is found.
        r, g = wc("-s", "-c", word, missing), grep("-s", "-c", "-w", word, missing)
        assert (r.returncode, r.stderr) == (g.returncode, g.stderr) == (2, b"")


@needs_grep
def test_null_after_file_names_as_grep_z(tmp_path):
    """-Z/--null: a NUL byte after each file name instead of ':' (or, with
    -l and -L, the newline), byte for byte as grep -Z prints them, for file
    names that hold ':', spaces and a newline; the separators between a
    WORD and its count, and the total line, are not after a file name and
    stay ':'."""
    names = ["a.txt", "with:colon.txt", "with space.txt", "new\nline.txt", "none.txt"]
    paths = []
    for k, name in enumerate(names):
        p = tmp_path / name
        p.write_bytes(b"ERROR here\nno\n" * k if name != "none.txt" else b"no\n")
        paths.append(p)
    for flags in (["-l"], ["-L"], ["-c"], ["-c", "-H"], ["-c", "-h"], ["-l", "-r"]):
        for z in ("-Z", "--null"):
            args = [*flags, z, "ERROR", *(paths if "-r" not in flags else [tmp_path])]
            r, g = wc(*args), grep("-a", "-w", *args, cwd=tmp_path)
            if "-r" in flags:  # grep -r lists in directory order, we in byte order
                assert sorted(r.stdout.split(b"\0")) == sorted(g.stdout.split(b"\0")), args
            else:
                assert r.stdout == g.stdout, (args, r.stdout, g.stdout)
            assert r.returncode == g.returncode, args
    # One count a file without -c: the name, NUL, the count; several WORDs:
    # the name, NUL, WORD:count; the total line has no file name.
    r = wc("-Z", "-e", "ERROR", "-e", "no", paths[0], paths[1])
    assert r.stdout == (f"{paths[0]}\0ERROR:0\n{paths[0]}\0no:0\n"
                        f"{paths[1]}\0ERROR:1\n{paths[1]}\0no:1\n"
                        "total:ERROR:1\ntotal:no:1\n").encode(), r.stdout


@needs_grep
def test_exit_codes_as_grep(corpus, tmp_path):
    cases = [["ERROR", corpus[4]], ["nowhere", corpus[4]], ["ERROR", tmp_path / "missing"],
             ["ERROR", tmp_path / "missing", corpus[4]], ["ERROR", corpus[0]]]
    for args in cases:
        assert wc(*args).returncode == grep("-a", "-w", *args).returncode, args


@needs_grep
def test_recursive_include_exclude_as_grep(tmp_path):
    root = tmp_path / "tree"
    rng = random.Random(9)
    for rel in ("a.c", "a.h", "b.txt", "sub/c.c", "sub/d.log", "sub/deep/e.c",
                "skip/f.c", ".hidden/g.c", "sub/skip/h.c"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        random_file(p, rng, 400, nul=False)
    (root / "z.gz").write_bytes(gzip.compress(b"ERROR " * 100))
    options = [[], ["--include=*.c"], ["--exclude=*.c"], ["--include=*.c", "--exclude=a*"],
               ["--exclude-dir=skip"], ["--exclude-dir=sub", "--include=*.h"],
               ["--exclude=*.log", "--include=*.log"]]
    for opts in options:
        # The files: grep -r -L and -l list the same ones.
        for flag in ("-l", "-L"):
            want = sorted(grep("-a", "-r", flag, "-w", *opts, "ERROR", ".", cwd=root)
                          .stdout.decode().splitlines())
            r = wc("-r", flag, *opts, "ERROR", ".", cwd=root)
            assert sorted(r.stdout.decode().splitlines()) == want, (flag, opts)
        # The counts: grep -ow's, file by file, in byte order of names.
        r = wc("-r", "-c", *opts, "ERROR", ".", cwd=root)
        lines = [ln.rsplit(":", 1) for ln in r.stdout.decode().splitlines()]
        assert [int(c) for _, c in lines] == [grep_ow("ERROR", root / f) for f, _ in lines]
        assert [f for f, _ in lines] == sorted((f for f, _ in lines), key=lambda s: s.split("/"))
    # --exclude-dir skips a directory given as FILE too ("sub/" is kept).
    for operand in ("sub", "sub/", "skip"):
        for opts in (["--exclude-dir=sub"], ["--exclude-dir=s*"]):
            g = grep("-a", "-r", "-c", "-w", *opts, "ERROR", operand, cwd=root)
            r = wc("-r", "-c", *opts, "ERROR", operand, cwd=root)
            assert sorted(r.stdout.splitlines()) == sorted(
                ln.rsplit(b":", 1)[0] + b":" + str(grep_ow("ERROR", root / ln.rsplit(b":", 1)[0]
                                                           .decode())).encode()
                for ln in g.stdout.splitlines()), (operand, opts)
            assert r.returncode == g.returncode, (operand, opts)
    # Without -r a directory given is an error ("Is a directory", exit 2)
    # whatever the file filters say, as grep has it: --include and -g
    # skipped it in silence (exit 1), hiding the missing -r.
    for opts in (["--include=*.c"], ["--exclude=sub"], ["--exclude=*.c"], ["-g", "*.c"],
                 ["--include=sub"]):
        r = wc("-c", *opts, "ERROR", "sub", cwd=root)
        assert r.returncode == 2, opts
        assert r.stderr == b"wordcount: sub: Is a directory\n", opts
        if opts[0] != "-g":
            g = grep("-a", "-c", "-w", *opts, "ERROR", "sub", cwd=root)
            assert g.returncode == 2 and b"Is a directory" in g.stderr, opts
    # A .gz file is counted as its bytes, never decompressed (grep -r neither).
    gz = (root / "z.gz").read_bytes()
    assert wc("ERROR", root / "z.gz").stdout == f"{grep_ow('ERROR', root / 'z.gz')}\n".encode()
    assert gz.count(b"ERROR") == 0


@needs_grep
def test_globs_match_characters_not_bytes_as_grep_in_utf8(tmp_path):
    """--include, --exclude and --exclude-dir match a name's characters, as
    grep's fnmatch does in a UTF-8 locale: '?' and '[...]' are one
    character (ü.c is ?.c), in any locale, as the words are Unicode in any
    locale.  They matched bytes: --include='?.c' skipped ü.c, and
    --exclude='[ü].c' counted it.  A name that is not UTF-8 is matched
    byte by byte, as grep matches it.  rg's -g stays on bytes, as rg's
    globs are (rg 14: -g '?.c' skips ü.c, -g '!?' keeps the directory ü)."""
    root = tmp_path / "t"
    root.mkdir()
    for name in ("a.c", "ü.c", "éé.c", "ß.txt", "ab.c", "Ω"):
        (root / name).write_bytes(b"ERROR\n")
    (root / os.fsdecode(b"\xff.c")).write_bytes(b"ERROR\n")
    (root / "ü").mkdir()
    (root / "ü" / "x.c").write_bytes(b"ERROR\n")
    for opts in (["--include=?.c"], ["--exclude=?.c"], ["--include=[ü].c"],
                 ["--exclude=[ü].c"], ["--include=[!a].c"], ["--include=??.c"],
                 ["--include=[[:alpha:]].c"], ["--include=?"], ["--exclude-dir=?"],
                 ["--include=?.*"], ["--include=[^a].c"], ["--exclude=[é]*"]):
        g = grep("-r", "-c", *opts, "ERROR", ".", cwd=root)
        for locale in ("C.UTF-8", "C"):
            r = wc("-r", "-c", *opts, "ERROR", ".", cwd=root,
                   env={**os.environ, "LC_ALL": locale})
            assert sorted(r.stdout.splitlines()) == sorted(g.stdout.splitlines()), (
                opts, locale, r.stdout, g.stdout)
    # -g as rg's: "?" is one byte.
    r = wc("-r", "-l", "-g", "?.c", "ERROR", cwd=root)
    assert sorted(r.stdout.splitlines()) == sorted([b"a.c", b"\xff.c", "ü/x.c".encode()])
    r = wc("-r", "-l", "-g", "!?", "-g", "*.c", "ERROR", cwd=root)
    assert sorted(r.stdout.splitlines()) == sorted(
        [b"a.c", b"ab.c", "éé.c".encode(), "ü.c".encode(), "ü/x.c".encode(), b"\xff.c"])


def glob_reference(root: Path, globs: list[str]) -> list[str]:
    """rg -g's rules as rg's help states them (the later of the globs that
    match decides; braces are alternatives; a trailing "/" matches only
    directories, a leading one anchors), walked by os.walk."""

    def segments_match(gs, ps):
        # A "**" segment matches any number of path segments, none too.
        if not gs:
            return not ps
        if gs == ["**"]:  # a last "**": one segment or more
            return bool(ps)
        if gs[0] == "**":
            return any(segments_match(gs[1:], ps[i:]) for i in range(len(ps) + 1))
        return bool(ps) and fnmatch.fnmatchcase(ps[0], gs[0]) and segments_match(gs[1:], ps[1:])

    def alternatives(g):
        m = re.search(r"\{([^{}]*)\}", g)
        if m is None:
            return [g]
        return [a for alt in m.group(1).split(",")
                for a in alternatives(g[:m.start()] + alt + g[m.end():])]

    def match(g, rel, is_dir):
        for a in alternatives(g):
            if a.endswith("/") and len(a) > 1:
                if not is_dir:
                    continue
                a = a[:-1]
            anchored = a.startswith("/")
            a = a.lstrip("/") if anchored else a
            subject = rel if anchored or "/" in a else rel.rsplit("/", 1)[-1]
            if segments_match(a.split("/"), subject.split("/")):
                return True
        return False

    def decide(rel, is_dir):
        verdict = None
        for g in globs:
            if match(g.lstrip("!") if g.startswith("!") else g, rel, is_dir):
                verdict = not g.startswith("!")
        return verdict

    whitelist = any(not g.startswith("!") for g in globs)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        reld = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames
                       if decide(os.path.normpath(os.path.join(reld, d)), True) is not False]
        for f in filenames:
            rel = os.path.normpath(os.path.join(reld, f))
            v = decide(rel, False)
            if v is False or (v is None and whitelist):
                continue
            out.append(rel)
    return sorted(out)


def test_glob_as_rg(tmp_path):
    root = tmp_path / "g"
    for rel in ("a.c", "b.py", "src/c.c", "src/d.py", "src/gen/e.c", "doc/f.md"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"ERROR\n")
    rg = shutil.which("rg")
    for globs in (["*.c"], ["!*.c"], ["!gen"], ["*.c", "!src/gen"], ["src/*.py"], ["*.py", "*.md"],
                  # "**" segments (they matched as "*": within one segment)
                  ["**/*.c"], ["src/**"], ["!src/**"], ["**/gen/*"], ["src/**/e.c"], ["**"],
                  ["!**/*.c"], ["src/**/*.c", "!gen"], ["**/**/*.py"], ["a**"],
                  # The later glob decides (a "!" that matched always won);
                  # braces; a trailing "/" (directories only), a leading one
                  # (anchored): each matched nothing or the wrong files.
                  ["!a.c", "*.c"], ["*.c", "!a.c"], ["!*", "src/**", "*.py"],
                  ["*.{c,md}"], ["{src,doc}/*"], ["{a,b}.{c,py}"], ["*.py", "!src/"],
                  ["src/"], ["/src/*.c"], ["/*.c"], ["!gen/", "**/*.c"], ["!/src/gen", "*.c"]):
        r = wc("-r", "-l", *[f"--glob={g}" for g in globs], "ERROR", cwd=root)
        got = sorted(r.stdout.decode().splitlines())
        assert got == glob_reference(root, globs), globs
        if rg is not None:  # the reference against ripgrep itself, where it is
            o = subprocess.run([rg, "-l", "-uu", *[f"--glob={g}" for g in globs], "ERROR"],
                               cwd=root, capture_output=True, check=False)
            assert got == sorted(o.stdout.decode().splitlines()), globs
    assert wc("-r", "-l", "-g", "**/*.c", "ERROR", cwd=root).stdout.count(b"\n") == 3
    # A FILE given is counted whatever the globs say, as rg searches it.
    r = wc("-l", "-g", "*.c", "-g", "!b.py", "ERROR", "b.py", cwd=root)
    assert (r.returncode, r.stdout) == (0, b"b.py\n")
    # Braces that do not close or that nest, or that make too many
    # alternatives: a usage error, as rg refuses them.
    for bad in ("*.{c", "*.c}", "{a,{b,c}}", "{a,b}" * 13):
        r = wc("-r", "-l", "-g", bad, "ERROR", cwd=root)
        assert r.returncode == 2 and r.stdout == b"", bad
        assert b"-g GLOB" in r.stderr, bad


def test_glob_double_star_is_linear(tmp_path):
    """Many "**" segments against a deep path: each pair of segments is
    matched once (a backtracking match tries every way to share the path
    among them: 20 of them against 60 levels would not end)."""
    deep = tmp_path.joinpath(*["d"] * 60)
    deep.mkdir(parents=True)
    (deep / "x.txt").write_bytes(b"ERROR\n")
    glob = "/".join(["**"] * 20) + "/y.txt"
    r = wc("-r", "-l", "-g", glob, "ERROR", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (1, b"")
    r = wc("-r", "-l", "-g", "/".join(["**"] * 20) + "/x.txt", "ERROR", cwd=tmp_path)
    assert r.stdout == b"/".join([b"d"] * 60) + b"/x.txt\n"


@needs_grep
def test_long_options_abbreviated_as_grep(tmp_path):
    """A long option may be given by the start of its name when only one
    option (or aliases of one) starts so, as getopt_long and grep take it;
    several: exit 2 naming them.  (Only whole names were taken.)"""
    f = tmp_path / "a.txt"
    f.write_bytes(b"is IS this is\n")
    full = {"--ignore": "--ignore-case", "--cou": "--count", "--files-with-m":
            "--files-with-matches", "--col=never": "--color=never", "--no-m": "--no-messages"}
    for short, name in full.items():
        r, whole = wc(short, "is", f), wc(name, "is", f)
        assert (r.returncode, r.stdout, r.stderr) == (whole.returncode, whole.stdout, b""), short
        assert grep(short, "-w", "is", f).returncode == 0, short
    for amb in ("--co", "--files-with"):
        r, g = wc(amb, "is", f), grep(amb, "-w", "is", f)
        assert r.returncode == g.returncode == 2
        assert b"ambiguous" in r.stderr and b"ambiguous" in g.stderr
        assert r.stdout == b""
    assert wc("--nosuch", "is", f).returncode == 2


@needs_grep
def test_binary_files(tmp_path):
    text = tmp_path / "t.txt"
    text.write_bytes(b"ERROR x\n")
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"ERROR\x00\nERROR\n" + b"\x00" * 100)
    # A NUL far after the first match: text to grep -I too (grep decides on
    # what it read before the match; this tool on the first 32 KiB).
    late = tmp_path / "late.bin"
    late.write_bytes(b"ERROR\n" + b"y\n" * 200_000 + b"\x00")
    files = [text, binary, late]
    # Counted by default (grep -c counts them too), skipped by -I.
    assert wc("-c", "ERROR", *files).stdout == grep("-c", "-a", "-w", "ERROR", *files).stdout
    for opt in ("-I", "--binary-files=without-match"):
        assert wc("-l", opt, "ERROR", *files).stdout == grep("-l", opt, "-w", "ERROR", *files).stdout
    assert wc("-l", "-I", "-a", "ERROR", *files).stdout == grep("-l", "-a", "-w", "ERROR", *files).stdout


@needs_grep
def test_binary_stdin(tmp_path):
    """-I skips a binary standard input as it skips a binary file, as grep
    -I does: a pipe (whose first 32 KiB are read to tell, then counted), a
    file on stdin (from where its offset stands), and text behind a pipe's
    first 32 KiB is still counted whole."""
    binary = b"ERROR\x00\nERROR\n"
    for opt in ("-I", "--binary-files=without-match"):
        # Skipped is no match: 0, as grep -c prints (it printed nothing).
        r = wc("-c", opt, "ERROR", "-", input=binary)
        assert (r.returncode, r.stdout) == (1, b"0\n")
        assert grep("-c", opt, "-w", "ERROR", input=binary).stdout == b"0\n"
        r = wc("-l", opt, "ERROR", input=binary)
        assert (r.returncode, r.stdout) == (1, b"")
    assert wc("-I", "ERROR", input=b"ERROR x ERROR\n").stdout == b"2\n"
    assert wc("ERROR", input=binary).stdout == b"2\n"  # counted without -I
    # Text longer than what is read ahead to tell: all of it counted.
    big = b"ERROR y\n" * 20_000
    assert wc("-I", "ERROR", input=big).stdout == b"20000\n"
    assert wc("-I", "--top", "1", input=big).stdout == wc("--top", "1", input=big).stdout
    assert wc("-I", "-e", "ERROR", "-e", "y", input=big).stdout == b"ERROR:20000\ny:20000\n"
    # A file on stdin: binary or not from its offset on.
    f = tmp_path / "f"
    f.write_bytes(b"skip\x00\n" + b"ERROR\n")
    with open(f, "rb") as fh:
        assert wc("-I", "ERROR", stdin=fh).returncode == 1
    with open(f, "rb") as fh:
        fh.seek(6)
        assert wc("-I", "ERROR", stdin=fh).stdout == b"1\n"


def test_help_and_version_write_errors():
    """--help and --version report a failed write and exit 2, as grep does."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    for opt in ("--help", "--version"):
        with open("/dev/full", "wb") as full:
            r = subprocess.run([str(WORDCOUNT), opt], stdout=full, stderr=subprocess.PIPE,
                               timeout=30, check=False)
        assert r.returncode == 2 and b"write error" in r.stderr, (opt, r)
        assert wc(opt).returncode == 0


FAIL_CLOSE_STDOUT = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
/* fclose(stdout) fails with EIO, as a file system that reports a lost
 * write only at close() (NFS) makes it fail. */
int fclose(FILE *f)
{
    int (*real)(FILE *) = (int (*)(FILE *))dlsym(RTLD_NEXT, "fclose");
    int rc = real(f);
    if (f == stdout) {
        errno = EIO;
        return EOF;
    }
    return rc;
}
"""


def preload_shim(tmp_path, source: str) -> dict:
    """The environment that preloads the C `source` built as a shared object,
    after any preload already there (the ASan runtime comes first); skips
    where it cannot apply."""
    if os.environ.get("WC_TEST_EMULATED") == "1":
        pytest.skip("the shim is built for this machine, not the emulated wordcount")
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the shim")
    src = tmp_path / "shim.c"
    src.write_text(source)
    shim = tmp_path / "shim.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(shim), str(src), "-ldl"], check=True,
                   timeout=120)
    preload = " ".join(filter(None, [os.environ.get("LD_PRELOAD"), str(shim)]))
    return {**os.environ, "LD_PRELOAD": preload}


def test_error_at_close_of_stdout_is_reported(tmp_path):
    """An error that only close() reports (NFS: a quota met by the flushed
    data) is a write error and exit 2, as gnulib's close_stdout makes it in
    grep and coreutils; standard output was never closed, so it went unseen
    (exit 0).  A preloaded shim makes fclose(stdout) fail."""
    env = preload_shim(tmp_path, FAIL_CLOSE_STDOUT)
    for args in (["x", "-"], ["--top", "2", "-"], ["--version"]):
        r = wc(*args, input=b"x y x\n", env=env)
        assert r.returncode == 2, (args, r)
        assert r.stderr.endswith(b"wordcount: write error: Input/output error\n"), (args, r)
    assert wc("x", "-", input=b"x y x\n").returncode == 0


def closed_stdout(*args, cwd=None):
    """wordcount run with its standard output closed (`>&-`)."""
    return subprocess.run([str(WORDCOUNT), *map(str, args)], cwd=cwd,
                          preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE,
                          timeout=30, check=False)


def test_a_closed_stdout_with_nothing_written_is_no_error(tmp_path):
    """With standard output closed (`>&-`) and nothing to write to it (-q,
    -l or -L that list nothing, --top 0), grep exits 0 or 1 as the count
    says: gnulib's close_stdout ignores the EBADF of closing a stream that
    was never written.  wordcount said "write error: Bad file descriptor"
    and exited 2 (`wordcount -q WORD FILE >&-` with no match: 2, not 1).
    A line to write is still a write error, as grep's."""
    (tmp_path / "a").write_bytes(b"x y x\n")
    (tmp_path / "b").write_bytes(b"y\n")
    for args, want in ((["-q", "z", "a"], 1), (["-q", "x", "a"], 0),
                       (["-l", "z", "a"], 1), (["-L", "x", "a"], 0),
                       (["-q", "x", "b"], 1), (["--top", "0", "a"], 0),
                       (["-qs", "x", "missing"], 2)):
        r = closed_stdout(*args, cwd=tmp_path)
        assert (r.returncode, r.stderr) == (want, b""), (args, r)
    for args in (["x", "a"], ["-l", "x", "a"], ["-L", "x", "b"], ["--version"]):
        r = closed_stdout(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r)
        assert r.stderr == b"wordcount: write error: Bad file descriptor\n", (args, r)


def closed_pipe():
    """The write end of a pipe whose read end is closed: a write to it fails
    with EPIPE in a process that ignores SIGPIPE, as the tests' children do
    (restore_signals=False: Python ignores SIGPIPE, and they inherit that),
    as a pipeline's writer does in a service that ignores it."""
    r, w = os.pipe()
    os.close(r)
    return w


def test_a_closed_pipe_stops_the_count_of_the_inputs_left(tmp_path):
    """After a write to standard output failed (its reader gone, SIGPIPE
    ignored), wordcount exits 2 with grep's message at the next result
    instead of counting the inputs left: here a FIFO with no writer comes
    after 2,000 files, whose lines fill stdio's buffer and fail; it went on
    and waited for the FIFO for ever."""
    names = []
    for i in range(2000):
        (tmp_path / f"f{i}").write_bytes(b"x\n")
        names.append(f"f{i}")
    os.mkfifo(tmp_path / "fifo")
    w = closed_pipe()
    try:
        r = subprocess.run([str(WORDCOUNT), "x", *names, "fifo"], cwd=tmp_path, stdout=w,
                           stderr=subprocess.PIPE, timeout=30, restore_signals=False)
    except subprocess.TimeoutExpired:
        pytest.fail("it went on after the write error, to wait for the FIFO's writer")
    finally:
        os.close(w)
    assert r.returncode == 2, r
    assert r.stderr == b"wordcount: write error: Broken pipe\n", r.stderr


COUNT_FWRITE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
/* Counts fwrite() calls on stdout (one a word of --top's lines), written to
 * stderr at exit. */
static unsigned long calls;
size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    static size_t (*real)(const void *, size_t, size_t, FILE *);
    if (real == NULL)
        real = (size_t (*)(const void *, size_t, size_t, FILE *))dlsym(RTLD_NEXT, "fwrite");
    if (f == stdout)
        calls++;
    return real(p, size, n, f);
}
__attribute__((destructor)) static void report(void)
{
    fprintf(stderr, "fwrite calls: %lu\n", calls);
}
"""


def test_a_closed_pipe_stops_the_top_lines(tmp_path):
    """--top's lines stop at the first write error (their reader gone,
    SIGPIPE ignored): of 20,000 words, about 1,024 more are formatted after
    the buffer that failed, where all 20,000 were (a shim counts the fwrite
    calls, one a line).  Exit 2 with grep's message, as before."""
    env = preload_shim(tmp_path, COUNT_FWRITE)
    text = tmp_path / "words"
    text.write_bytes(b" ".join(b"w%d" % i for i in range(20000)))
    open_ = subprocess.run([str(WORDCOUNT), "--top", "20000", str(text)], env=env,
                           capture_output=True, timeout=60)
    assert open_.returncode == 0 and open_.stdout.count(b"\n") == 20000
    assert open_.stderr == b"fwrite calls: 20000\n"  # the shim counts
    w = closed_pipe()
    try:
        r = subprocess.run([str(WORDCOUNT), "--top", "20000", str(text)], env=env, stdout=w,
                           stderr=subprocess.PIPE, timeout=60, restore_signals=False)
    finally:
        os.close(w)
    assert r.returncode == 2, r
    lines = r.stderr.decode().splitlines()
    assert lines[0] == "wordcount: write error: Broken pipe", lines
    calls = int(lines[1].split(": ")[1])
    assert calls <= 2048, calls


@needs_grep
def test_double_dash_ends_options(tmp_path):
    dash = tmp_path / "-e"
    dash.write_bytes(b"-v x -v\n")
    r = wc("--words=space", "--", "-v", "-e", cwd=tmp_path)
    assert r.stdout == b"2\n"
    r = wc("x", "--", "-e", cwd=tmp_path)
    assert r.stdout == grep("-c", "-w", "x", "--", "-e", cwd=tmp_path).stdout


@needs_grep
def test_color(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x\n")
    b.write_bytes(b"y\n")
    r = wc("--color=always", "x", a, b)
    name = f"\033[35m\033[K{a}\033[m\033[K\033[36m\033[K:\033[m\033[K1\n".encode()
    assert r.stdout.startswith(name)
    assert b"\033[35m\033[K" + str(b).encode() + b"\033[m\033[K" in r.stdout
    assert (wc("--color=always", "-l", "x", a, b).stdout
            == f"\033[35m\033[K{a}\033[m\033[K\n".encode())
    for when in ("never", "auto"):  # auto: stdout is a pipe here
        assert b"\033" not in wc(f"--color={when}", "x", a, b).stdout
    # A bare --color is auto, as grep's (it was always).
    assert b"\033" not in wc("--color", "x", a, b).stdout
    assert (b"\033" in grep("--color", "x", a).stdout) is False
    assert wc("--color=sometimes", "x", a).returncode == 2


@needs_grep
@pytest.mark.parametrize("colors", [
    None, "", "fn=32:se=33", "ms=01;31:fn=1;32", "fn=32:zz=1:se=33", "fn=:se=",
    "ne", "fn=32:ne:se=34", "fn=32:se=3x3:ne", "se=33:fn=32x:ne", ":::", "fn", "=5",
    "ne=5:se=2", "ne=", "se=2:ne=x"])
def test_colors_are_greps_and_grep_colors_sets_them(tmp_path, colors):
    """--color=always writes what grep --color=always writes, byte for byte
    (grep's erase to the end of the line, "\\033[K", after each colour),
    and GREP_COLORS sets them as it sets grep's: fn= (names) and se=
    (separators), empty for none, ne for no erase (ne=5 too: grep ignores
    its value; it was ignored here); an unknown name is read past; at a
    value that is not digits and ';' the rest is ignored.  It was not read:
    the colours were always magenta and cyan.  grep -c counts
    lines: here one match a line."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x\nan x\n")
    b.write_bytes(b"y\n")
    env = {k: v for k, v in os.environ.items() if k != "GREP_COLORS"}
    if colors is not None:
        env["GREP_COLORS"] = colors
    for opts in (["-c"], ["-cH"], ["-l"], ["-L"], ["-cZ"], ["-lZ"]):
        r = wc("--color=always", *opts, "x", a, b, env=env)
        g = subprocess.run([GREP, "--color=always", *opts, "-w", "x", str(a), str(b)],
                           capture_output=True, env={**env, "LC_ALL": "C.UTF-8"},
                           timeout=60, check=False)
        assert (r.returncode, r.stdout) == (g.returncode, g.stdout), (opts, r.stdout)
        assert (b"\033" in r.stdout) == (colors != "fn=:se="), (opts, r.stdout)
    # Without --color=always, no GREP_COLORS makes a colour.
    assert b"\033" not in wc("-c", "x", a, b, env=env).stdout


def test_strict_utf8_and_invalid_bytes(tmp_path):
    p = tmp_path / "latin1"
    p.write_bytes(b"caf\xe9 ERROR\tERROR:\n\xff\n")
    r = wc("ERROR", p)
    assert (r.returncode, r.stdout) == (0, b"2\n")
    r = wc("--strict-utf8", "ERROR", p)
    assert r.returncode == 2
    assert r.stderr == f"wordcount: {p}: not UTF-8 at byte offset 3 (--strict-utf8)\n".encode()
    assert wc("-i", "error", p).stdout == b"2\n"
    assert wc("-i", "--strict-utf8", "error", p).returncode == 2
    # A WORD that is not UTF-8 is refused in words=unicode: that one error,
    # not also a warning that it is never counted.
    r = wc("--strict-utf8", b"caf\xe9", p)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr == (b"wordcount: WORD 'caf\xe9' is not UTF-8 (at byte 3)\n"
                        b"Try 'wordcount --help' for more information.\n")


def test_help_says_what_bytes_not_utf8_become(tmp_path):
    """--help (and the man page made from it) says what a sequence that is
    not UTF-8 becomes without --strict-utf8, and it is so: U+FFFD, as
    bytes.decode("utf-8", "replace") makes it, which separates words in
    unicode mode and stays in its word with --words=space -i (the help said
    such bytes were never part of a word)."""
    p = tmp_path / "bad"
    data = b"ab\xffcd caf\xe9 AB\xfeCD\n"
    p.write_bytes(data)
    text = data.decode("utf-8", "replace")

    def top(*args):
        r = wc("--top", "all", *args, p)
        assert r.returncode == 0, r.stderr
        return [tuple(line.split(None, 1)[::-1]) for line in r.stdout.splitlines()]

    def oracle(words):
        counts = {}
        for w in words:
            counts[w.encode()] = counts.get(w.encode(), 0) + 1
        return sorted(((w, b"%d" % n) for w, n in counts.items()),
                      key=lambda wn: -int(wn[1]))
    assert top() == oracle(re.findall(r"\w+", text))
    assert top("--words=space", "-i") == oracle(text.casefold().split())
    assert (b"ab\xef\xbf\xbdcd", b"2") in top("--words=space", "-i")
    desc = wc("--help").stdout.decode().split("--strict-utf8", 1)[1].split("\n  -", 1)[0]
    desc = " ".join(desc.split())
    assert "never part of a word" not in desc
    assert "a word separator in unicode mode" in desc
    assert "a character of its word with --words=space -i" in desc


def test_quiet_strict_utf8_answers_by_lines_not_by_reads(tmp_path):
    """-q and -l with --strict-utf8: a match on a line before the line that
    is not UTF-8 answers 0, however read() cuts the input.  All complete
    lines of one read() were counted as one piece, and the error anywhere
    in it hid a match before it: the same bytes gave 2 in one read, 0 in
    two (19 runs in 20 gave 2 through a pipe)."""
    p = tmp_path / "sq.txt"
    p.write_bytes(b"ok\ncaf\xe9\n")
    assert wc("--strict-utf8", "-q", "ok", p).returncode == 0
    r = wc("--strict-utf8", "-l", "ok", p)
    assert (r.returncode, r.stdout) == (0, f"{p}\n".encode())
    for _ in range(5):
        assert wc("--strict-utf8", "-q", "ok", "-", input=b"ok\ncaf\xe9\n").returncode == 0
    # In two reads (the second line after a pause): the same answer.
    proc = subprocess.Popen([str(WORDCOUNT), "--strict-utf8", "-q", "ok"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"x\n")
    proc.stdin.flush()
    time.sleep(0.2)
    proc.stdin.write(b"ok\ncaf\xe9\n")
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    proc.stderr.close()
    # The match on the line in error, or after it: the error (exit 2), as
    # the count of that line alone is.
    for data in (b"ok caf\xe9\n", b"x\ncaf\xe9\nok\n", b"caf\xe9 ok\n"):
        r = wc("--strict-utf8", "-q", "ok", "-", input=data)
        assert r.returncode == 2, data
        assert b"not UTF-8 at byte offset" in r.stderr, data
    r = wc("--strict-utf8", "-q", "ok", "-", input=b"x\nz caf\xe9\n")
    assert r.stderr == b"wordcount: (standard input): not UTF-8 at byte offset 7 (--strict-utf8)\n"
    # Past a regular file's first MiBs the rest was counted whole, so there
    # the same lines gave the error (2) where a pipe of them gave 0.
    big = tmp_path / "big.txt"
    big.write_bytes(b"x\n" * 6_000_000 + b"ok\ncaf\xe9\n" + b"y\n" * 1000)
    assert wc("--strict-utf8", "-q", "ok", big).returncode == 0
    assert wc("--strict-utf8", "-q", "ok", "-", input=big.read_bytes()).returncode == 0
    r = wc("--strict-utf8", "-l", "y", big)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr == f"wordcount: {big}: not UTF-8 at byte offset 12000006 (--strict-utf8)\n".encode()


def test_non_blocking_stdin_waits_for_input():
    """Standard input whose O_NONBLOCK another process set (node does so to
    the pipes it shares): the plain count waited for input, but -q, -l,
    -L and -I read it themselves and failed at once with "Resource
    temporarily unavailable" (exit 2).  Each now waits as grep does."""
    want = {(): (0, b"1\n"), ("-q",): (0, b""), ("-l",): (0, b"(standard input)\n"),
            ("-L",): (0, b""), ("-I",): (0, b"1\n"), ("-c",): (0, b"1\n")}
    for opts, (code, out) in want.items():
        r_fd, w_fd = os.pipe()
        os.set_blocking(r_fd, False)
        proc = subprocess.Popen([str(WORDCOUNT), *opts, "is"], stdin=r_fd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(r_fd)
        time.sleep(0.2)  # the tool reads before any input is there
        os.write(w_fd, b"is\n")
        os.close(w_fd)
        stdout, stderr = proc.communicate(timeout=60)
        assert (proc.returncode, stdout, stderr) == (code, out, b""), opts


def test_not_one_word_warns():
    r = wc("foo-bar", "-", input=b"foo-bar foo bar\n")
    assert r.stdout == b"0\n" and b"is not one word" in r.stderr
    r = wc("--words=space", "foo-bar", "-", input=b"foo-bar foo bar\n")
    assert (r.stdout, r.stderr) == (b"1\n", b"")
    # A WORD with a space or a newline is never a word of either mode
    # (space mode said nothing, and unicode mode pointed to space mode).
    for word in ("is this", "is\nthis", " "):
        for mode in ("--words=space", "--words=unicode", "-i"):
            r = wc(mode, word, "-", input=b"is this\nis this \n")
            assert r.stdout == b"0\n", (mode, word)
            assert b"so it is never counted" in r.stderr, (mode, word)
            assert b"--words=space" not in r.stderr, (mode, word)
    # What space mode can count draws no warning: "" counts empty words.
    for word, want in (("", b"1\n"), ("this", b"2\n"), ("is\r", b"0\n")):
        r = wc("--words=space", word, "-", input=b"is this\nis  this\n")
        assert (r.stdout, r.stderr) == (want, b""), word


def test_a_long_word_is_shown_in_messages_by_its_first_kib(tmp_path):
    """A WORD of -f is not NUL-terminated and its message printed it with
    printf's "%.*s" and an (int) length: from 2 GiB on, negative, which
    prints up to a NUL past the buffer.  Messages now show its first 1,024
    bytes (a WORD of 3,000 here, to keep the test small)."""
    pats = tmp_path / "pats"
    long_word = b"ab-" * 1000
    pats.write_bytes(long_word + b"\n")
    r = wc("-f", pats, "-", input=b"x\n")
    line = r.stderr.split(b"\n")[0]
    assert line.startswith(b"wordcount: warning: '" + long_word[:1024] + b"' is not one word")
    bad = b"\xff" + b"a" * 2000
    pats.write_bytes(bad + b"\n")
    r = wc("--strict-utf8", "-f", pats, "-", input=b"x\n")
    assert r.returncode == 2
    assert r.stderr.startswith(b"wordcount: WORD '" + bad[:1024] + b"' is not UTF-8 (at byte 0)")


def test_a_word_with_a_nul_byte_is_shown_whole_in_its_warning(tmp_path):
    """A WORD of -f may hold a NUL byte: its warning shows the bytes the
    count's line shows (printf's "%.*s" stopped at the NUL: 'fo' for
    fo<NUL>o, a word never given)."""
    pats = tmp_path / "pats"
    pats.write_bytes(b"fo\0o\nfoo\nx y\0\n")
    r = wc("-f", pats, "-", input=b"foo\n")
    assert r.stdout == b"fo\0o:0\nfoo:1\nx y\0:0\n", r.stdout
    assert r.stderr.splitlines() == [
        b"wordcount: warning: 'fo\0o' is not one word (letters, digits, '_'), so it is never "
        b"counted; --words=space counts words between spaces",
        b"wordcount: warning: 'x y\0' is not one word (letters, digits, '_'), so it is never "
        b"counted"], r.stderr
    r = wc("--words=space", "-f", pats, "-", input=b"foo\n")
    assert r.stderr == (b"wordcount: warning: 'x y\0' holds a space or a newline, so it is "
                        b"never counted (words are split at spaces)\n"), r.stderr


def test_not_one_word_case_folded_warns():
    """With -i a WORD whose fold is not one word (İ folds to i and U+0307,
    no word character) is never counted, and the tool says so; a WORD
    whose fold is one word (ẞ to ss, ﬁ to fi) counts without a warning.
    Oracle: re's words of the folded text, and of the folded WORD."""
    # "a" and U+0345 (a combining mark, no word character) fold to "a" and
    # "ι": counted with -i, where the tool warned from the unfolded WORD.
    for n in ["İstanbul", "İ", "ẞ", "Straße", "ΣΑΣ", "ﬁ", "istanbul", "x", "a\u0345",
              "\u0345"]:
        text = f"{n} x {n.upper()}\n"
        want = re.findall(r"\w+", text.casefold()).count(n.casefold())
        countable = re.fullmatch(r"\w+", n.casefold()) is not None
        r = wc("-i", n, "-", input=text.encode())
        assert r.stdout == f"{want}\n".encode(), n
        assert (b"never counted" in r.stderr) == (not countable), (n, r.stderr)
        assert countable == (want > 0), n


def test_terminal_stdin_prints_usage():
    """No FILE and a terminal on stdin: usage on stderr and exit 2 at once,
    never a silent wait (a pty that nobody writes to)."""
    master, slave = os.openpty()
    try:
        r = subprocess.run([str(WORDCOUNT), "app.log"], stdin=slave, capture_output=True,
                           timeout=30, check=False)
    finally:
        os.close(slave)
        os.close(master)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr.startswith(b"Usage: wordcount")


def test_terminal_stdin_without_word_prints_usage():
    """--top takes no WORD: with a terminal on stdin and no FILE it prints
    the usage and exits 2 too (it crashed: there was no WORD to name)."""
    for args in (["--top", "5"], ["--top=3", "--json"]):
        master, slave = os.openpty()
        try:
            r = subprocess.run([str(WORDCOUNT), *args], stdin=slave, capture_output=True,
                               timeout=30, check=False)
        finally:
            os.close(slave)
            os.close(master)
        assert r.returncode == 2, (args, r)
        assert r.stdout == b"" and r.stderr.startswith(b"Usage: wordcount")


def test_threads_env_invalid_warns():
    """WORD_COUNT_THREADS that is not a whole number from 1 to 256: a
    warning (as the Python API gives) and the default threads; -j N, -s and
    -q say nothing."""
    for bad in ("abc", "0", "100000", "2x"):
        env = {**os.environ, "WORD_COUNT_THREADS": bad}
        r = wc("x", "-", input=b"x y x\n", env=env)
        assert r.stdout == b"2\n"
        assert f"WORD_COUNT_THREADS='{bad}' is not a whole number".encode() in r.stderr
        for quiet in (["-j", "2"], ["-s"]):
            r = wc(*quiet, "x", "-", input=b"x y x\n", env=env)
            assert (r.stdout, r.stderr) == (b"2\n", b""), quiet
    env = {**os.environ, "WORD_COUNT_THREADS": "2"}
    assert wc("x", "-", input=b"x\n", env=env).stderr == b""


@pytest.mark.parametrize("var,bad", [("WORD_COUNT_POOL_IDLE", "soon"),
                                     ("WORD_COUNT_HASH_SEED", "-5"),
                                     ("WORD_COUNT_KERNEL", "bogus")])
def test_other_env_invalid_warns(var, bad):
    """The other WORD_COUNT_* variables: the same warning as the Python API
    (they were ignored without a word), the right count; -s and -q say
    nothing, and a valid value says nothing."""
    env = {**os.environ, var: bad}
    r = wc("x", "-", input=b"x y x\n", env=env)
    assert r.stdout == b"2\n"
    assert r.stderr.startswith(f"wordcount: warning: {var}='{bad}' is ".encode()), r.stderr
    assert r.stderr.count(b"\n") == 1
    assert wc("-s", "x", "-", input=b"x y x\n", env=env).stderr == b""
    good = {"WORD_COUNT_POOL_IDLE": "inf", "WORD_COUNT_HASH_SEED": "0x10",
            "WORD_COUNT_KERNEL": "scalar"}[var]
    assert wc("x", "-", input=b"x\n", env={**os.environ, var: good}).stderr == b""


REFUSED = [  # grep's options for lines and patterns: (short, long, reason)
    ("v", "invert-match", b"wordcount counts words, not lines"),
    ("n", "line-number", b"wordcount prints counts, not lines"),
    ("b", "byte-offset", b"wordcount prints counts, not lines"),
    ("A", "after-context", b"wordcount prints counts, not lines"),
    ("B", "before-context", b"wordcount prints counts, not lines"),
    ("C", "context", b"wordcount prints counts, not lines"),
    ("x", "line-regexp", b"wordcount counts words, not lines"),
    ("m", "max-count", b"wordcount counts every occurrence"),
    ("z", "null-data", b"wordcount reads lines that end at newlines"),
    ("E", "extended-regexp", b"a WORD is a fixed word, as with -F, not a regular expression"),
    ("G", "basic-regexp", b"a WORD is a fixed word, as with -F, not a regular expression"),
    ("P", "perl-regexp", b"a WORD is a fixed word, as with -F, not a regular expression"),
]


@pytest.mark.parametrize("short, long, why", REFUSED)
def test_greps_line_and_pattern_options_are_refused_with_the_reason(short, long, why):
    """A grep user's -n, -E or -A 2 is refused as grep's option, saying
    why, not as an unknown option: short, grouped after another option,
    with an attached or a separate value, long, long with =VALUE, and an
    abbreviation of the long name that no other option has."""
    head = f"-{short} (--{long}) is not supported: ".encode()
    abbrev = {"after-context": "after", "before-context": "before",
              "context": "conte", "line-number": "line-n", "line-regexp": "line-r"}
    for args in ([f"-{short}"], [f"-c{short}"], [f"-{short}2"], [f"-{short}", "2"],
                 [f"--{long}"], [f"--{long}=2"], [f"--{abbrev.get(long, long[:-1])}"]):
        r = wc(*args, "x", "-", input=b"x\n")
        assert r.returncode == 2, (args, r)
        assert r.stdout == b"", (args, r)
        assert r.stderr == (b"wordcount: " + head + why +
                            (b" (-L lists the files without WORD)" if short == "v" else b"") +
                            b"\nTry 'wordcount --help' for more information.\n"), (args, r.stderr)
    # Options that are neither ours nor refused stay unknown.
    for bad in ("-Y", "--no-such-option"):
        r = wc(bad, "x", "-", input=b"x\n")
        assert r.returncode == 2 and b"unknown option" in r.stderr, (bad, r.stderr)


@pytest.mark.parametrize("long", ["group-separator", "no-group-separator"])
def test_greps_context_separators_are_refused_with_the_reason(long):
    """grep's --group-separator=SEP and --no-group-separator (of its
    context lines; no short name) are refused saying why, as -A is."""
    for args in ([f"--{long}"], [f"--{long}=--"], [f"--{long[:-1]}"]):
        r = wc(*args, "x", "-", input=b"x\n")
        assert (r.returncode, r.stdout) == (2, b""), (args, r)
        assert r.stderr == (f"wordcount: --{long} is not supported: wordcount prints "
                            f"counts, not lines\nTry 'wordcount --help' for more "
                            f"information.\n").encode(), (args, r.stderr)


@needs_grep
def test_directories_devices_and_exclude_from_as_grep(tmp_path):
    """grep's -d ACTION (read, skip, recurse), -D ACTION (read, skip) and
    --exclude-from=FILE: the files counted, the names listed, the messages
    and the exit status are grep's (grep -c counts lines: one match a line
    here), on a FILE, a directory, a FIFO with no writer and standard input.
    All were unknown options (exit 2)."""
    (tmp_path / "d" / "e").mkdir(parents=True)
    for name in ("a.txt", "b.md", "d/a.txt", "d/c.log", "d/e/f.txt"):
        (tmp_path / name).write_bytes(b"is\nnot it\nthis is\n")
    os.mkfifo(tmp_path / "fifo")

    def both(*args, input=None):
        w = wc(*args, input=input, cwd=tmp_path)
        g = subprocess.run([GREP, "-w", *args], input=input, capture_output=True,
                           env=GREP_ENV, timeout=60, check=False, cwd=tmp_path)
        return w, g

    def names(out):
        return sorted(out.decode().splitlines())

    for args in (["-d", "skip"], ["--directories=skip"], ["-r", "-d", "skip"]):
        # A directory FILE: skipped, no message; alone, no match (exit 1).
        w, g = both("-c", *args, "is", "a.txt", "d")
        assert (w.returncode, w.stdout, w.stderr) == (g.returncode, g.stdout, b""), args
        assert w.stdout == b"a.txt:2\n"
        w, g = both("-c", *args, "is", "d")
        assert (w.returncode, w.stdout, w.stderr) == (g.returncode, b"", b"") == (1, b"", b"")
    for args in (["-d", "recurse"], ["-d", "skip", "-r"], ["-d", "read", "-d", "recurse"]):
        w, g = both("-c", *args, "is", "d")
        assert w.returncode == g.returncode == 0, args
        assert names(w.stdout) == names(g.stdout) == ["d/a.txt:2", "d/c.log:2", "d/e/f.txt:2"]
    # read (also after -r): the error it is without -d.
    for args in (["-d", "read"], ["-r", "-d", "read"]):
        w, g = both("-c", *args, "is", "d", "a.txt")
        assert w.returncode == g.returncode == 2, args
        assert b"d: Is a directory" in w.stderr and b"d: Is a directory" in g.stderr
    # -D skip: a FIFO FILE (no writer: read, it would wait for one) is
    # skipped; standard input, a pipe, is read all the same.
    w, g = both("-c", "-D", "skip", "is", "fifo", "a.txt")
    assert (w.returncode, w.stdout, w.stderr) == (g.returncode, g.stdout, b"")
    assert w.stdout == b"a.txt:2\n"
    w, g = both("-c", "--devices=skip", "is", "-", input=b"is\n")
    assert (w.returncode, w.stdout) == (g.returncode, g.stdout) == (0, b"1\n")
    w, g = both("-c", "-D", "read", "is", "/dev/null")
    assert (w.returncode, w.stdout) == (g.returncode, g.stdout) == (1, b"0\n")
    # --exclude-from: a GLOB a line, trailing white space and empty lines
    # left out; with the --exclude and --include given beside it.
    (tmp_path / "globs").write_bytes(b"a.*  \r\n\n*.md\t\n")
    want = {(): ["./d/c.log", "./d/e/f.txt"], ("--exclude=*.log",): ["./d/e/f.txt"],
            # The last GLOB that matches decides; none: kept, as the first
            # is an exclude (grep's rule).
            ("--include=*.txt",): ["./a.txt", "./d/a.txt", "./d/c.log", "./d/e/f.txt"]}
    for extra, files in want.items():
        w, g = both("-r", "-l", "--exclude-from=globs", *extra, "is", ".")
        assert w.returncode == g.returncode == 0, extra
        assert names(w.stdout) == names(g.stdout) == files, extra
    w, g = both("-l", "--exclude-from=no-such-file", "is", "a.txt")
    assert w.returncode == g.returncode == 2 and b"no-such-file" in w.stderr
    for bad in (["-d", "walk"], ["--devices=open"]):
        r = wc(*bad, "is", "a.txt", cwd=tmp_path)
        assert (r.returncode, r.stdout) == (2, b""), bad
        assert b"invalid argument" in r.stderr


@needs_grep
def test_label_y_initial_tab_and_line_buffered_as_grep(tmp_path):
    """--label names standard input in the lines and messages, -y is -i,
    -T changes no count, --line-buffered writes each input's line when it is
    counted: before the next input ends, as grep --line-buffered (without
    it, both keep the line in their buffer until the end)."""
    f = tmp_path / "a.txt"
    f.write_bytes(b"Is it\nthis IS\n")
    for args in (["-H", "-c", "--label=log"], ["--label", "log", "-c", "-H"], ["-l", "--label=log"]):
        r, g = wc(*args, "it", input=b"it\n"), grep(*args, "-w", "it", input=b"it\n")
        assert (r.returncode, r.stdout) == (g.returncode, g.stdout) == (0, g.stdout), args
        assert g.stdout.startswith(b"log")
    r = wc("--label=log", "--strict-utf8", "it", "-", f, input=b"\xff")
    assert r.returncode == 2 and r.stderr.startswith(b"wordcount: log: not UTF-8"), r.stderr
    assert wc("--json", "--label=log", "it", input=b"it").stdout.startswith(
        b'{"needles": ["it"], "inputs": [{"path": "-"')
    for args, n in ((["-y"], 2), (["-yc"], 2), (["-T"], 0), (["-T", "-i"], 2),
                    (["--initial-tab", "-y"], 2)):
        r, g = wc("-c", *args, "is", f), grep("-c", *args, "-w", "is", f)
        assert (r.returncode, r.stdout) == (g.returncode, g.stdout), args
        assert r.stdout == b"%d\n" % n, args
    for cmd, env in (([str(WORDCOUNT)], None), ([GREP, "-w"], GREP_ENV)):
        for buffered, want in ((["--line-buffered"], b"%s:1\n" % os.fsencode(f)), ([], b"")):
            p = subprocess.Popen([*cmd, *buffered, "-c", "it", str(f), "-"], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            try:
                # Standard input stays open: what comes out before it
                # closes is what was written line by line.
                got = b""
                deadline = time.monotonic() + (20 if want else 2)
                os.set_blocking(p.stdout.fileno(), False)
                while len(got) < len(want) or (not want and time.monotonic() < deadline):
                    if time.monotonic() > deadline:
                        break
                    got += p.stdout.read() or b""
                    time.sleep(0.05)
                assert got == want, (cmd, buffered, got)
            finally:
                p.stdin.close()
                p.wait(timeout=60)
                p.stdout.close()


@needs_grep
def test_an_abbreviation_of_a_refused_option_too_is_ambiguous_as_grep():
    """--line starts --line-buffered and grep's --line-number and
    --line-regexp, which wordcount refuses: ambiguous, as in grep, not
    --line-buffered; --nu (--null, --null-data) likewise."""
    for amb in ("--line", "--nu", "--in"):
        r, g = wc(amb, "x", "-", input=b"x\n"), grep(amb, "-w", "x", "-", input=b"x\n")
        assert r.returncode == g.returncode == 2, amb
        assert b"ambiguous" in r.stderr and b"ambiguous" in g.stderr, (amb, r.stderr)
        assert r.stdout == b""


@needs_grep
def test_obsolete_unix_byte_offsets_warns_as_grep(tmp_path):
    """grep 3.8's -u (--unix-byte-offsets, an abbreviation too) is obsolete:
    its warning once for each, even with -s, and the same count and exit
    status as without it; it was an unknown option (exit 2)."""
    f = tmp_path / "a.txt"
    f.write_bytes(b"is it\nthis is\n")
    warning = b"warning: --unix-byte-offsets (-u) is obsolete\n"
    for args in (["-u"], ["--unix-byte-offsets"], ["--unix"], ["-uc"], ["-u", "-u", "-s"],
                 ["-su", "-H"]):
        r, g = wc(*args, "is", f), grep("-c", *args, "-w", "is", f)
        assert (r.returncode, r.stdout) == (g.returncode, g.stdout) == (0, g.stdout), args
        n = args.count("-u") + args.count("--unix-byte-offsets") + args.count("--unix") + \
            args.count("-uc") + args.count("-su")
        assert g.stderr == (os.fsencode(GREP) + b": " + warning) * n, (args, g.stderr)
        assert r.stderr == (b"wordcount: " + warning) * n, (args, r.stderr)


@needs_grep
def test_no_option_of_grep_is_unknown():
    """Every option that `grep --help` lists, and grep's undocumented -y and
    -u, is wordcount's or refused with the reason: a grep user's option is
    never an unknown one (docs/cli.md says so)."""
    out = subprocess.run([GREP, "--help"], capture_output=True, text=True, env=GREP_ENV,
                         timeout=60, check=True).stdout
    names = set(re.findall(r"(?:^|[ ,])(--?[a-zA-Z][a-zA-Z-]*)", out, re.M)) - {"-NUM"}
    assert {"-e", "--regexp", "--line-buffered", "-T", "--null-data"} <= names, names
    for name in sorted(names | {"-y", "-u"}):
        r = wc(name, "x", "/dev/null")
        assert "unknown option" not in r.stderr.decode(), (name, r.stderr)


@needs_grep
def test_greps_context_digits_are_refused_as_context():
    """grep's -NUM is -C NUM (also in a group: -c5, -2c): refused as -C,
    saying why, where it was an unknown option '-5'."""
    for args in (["-5"], ["-c5"], ["-2c"], ["-12"]):
        assert grep(*args, "x", "-", input=b"x\n").returncode == 0, args  # grep's option
        r = wc(*args, "x", "-", input=b"x\n")
        assert (r.returncode, r.stdout) == (2, b""), (args, r)
        assert r.stderr == (b"wordcount: -C (--context) is not supported: wordcount prints "
                            b"counts, not lines\nTry 'wordcount --help' for more "
                            b"information.\n"), (args, r.stderr)
    # A digit that is the value of -j stays its value.
    assert wc("-j2", "x", "-", input=b"x\n").stdout == b"1\n"


@pytest.mark.timing
def test_many_needles_scale_linearly(tmp_path):
    """N needles: repeated ones are found by sorting, not by comparing each
    with every earlier one.  The time for 8x the needles stays within ~20x
    (quadratic was 64x: 100,000 needles took 73 s).  -f, because exec()
    itself slows down with a huge argv; -e and -f share the code."""
    data = tmp_path / "t"
    data.write_bytes(b"n1 n2 n3\n")
    listed = tmp_path / "needles"

    def run(n):
        listed.write_text("\n".join(f"n{k % (n // 2) + 1}" for k in range(n)))
        t = time.perf_counter()
        r = wc("-f", listed, "-c", data)
        took = time.perf_counter() - t
        assert r.returncode == 0
        lines = r.stdout.splitlines()
        assert len(lines) == n // 2  # each twice: once, in the order given
        assert lines[:4] == [b"n1:1", b"n2:1", b"n3:1", b"n4:0"]
        return took

    small = min(run(20_000) for _ in range(3))
    big = min(run(160_000) for _ in range(2))
    assert big / small < 20, (small, big)
    args = [x for k in range(2000) for x in ("-e", f"n{k % 1000 + 1}")]
    assert wc(*args, "-c", data).stdout.splitlines()[:3] == [b"n1:1", b"n2:1", b"n3:1"]


@needs_grep
@pytest.mark.parametrize("depth", [3, 63, 64, 70])
def test_dereference_recursive_follows_a_link_deep_in_a_tree_as_grep(tmp_path, depth):
    """-R and a link to a directory in a directory `depth` levels deep: every
    file counted, as grep -R counts them.  From 64 levels down the walk
    closes a directory while it is below it and comes back through "..",
    which for a link's target is another directory: it reported "Stale file
    handle" for each level from there up to 64 and left out what followed
    the link there (z.txt), exit 2."""
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "o.txt").write_bytes(b"foo\n")
    deep = tmp_path.joinpath("t", *["d"] * depth)
    deep.mkdir(parents=True)
    for name in ("a.txt", "z.txt"):
        (deep / name).write_bytes(b"foo\n")
    (deep.parent / "zz.txt").write_bytes(b"foo\n")
    (deep / "m_link").symlink_to(tmp_path / "other", target_is_directory=True)
    r, g = wc("-R", "-c", "foo", "t", cwd=tmp_path), grep("-R", "-c", "-w", "foo", "t", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (g.returncode, g.stderr) == (0, b""), r.stderr[-300:]
    lines = sorted(r.stdout.splitlines())
    assert lines == sorted(g.stdout.splitlines()), (lines, g.stdout)
    assert len(lines) == 4 and any(ln.endswith(b"/z.txt:1") for ln in lines)
    assert wc("-R", "foo", "t", cwd=tmp_path).stdout.splitlines()[-1] == b"total:4"


def remove_deep(top: Path, name: str) -> None:
    """Remove a chain top/name/name/... with two descriptors at a time
    (shutil.rmtree, and so pytest's clean-up, recurse once a level)."""
    fd, depth = os.open(top, os.O_RDONLY), 0
    try:
        while name in os.listdir(fd):
            sub = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, depth = sub, depth + 1
        while True:
            for entry in os.listdir(fd):
                os.unlink(entry, dir_fd=fd)
            if depth == 0:
                break
            up = os.open("..", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, depth = up, depth - 1
            os.rmdir(name, dir_fd=fd)
    finally:
        os.close(fd)


def test_deep_tree(tmp_path):
    """-r counts a tree deeper than PATH_MAX (3,000 levels, built with
    dir_fd as no path could reach it), as grep -r does."""
    depth, name = 3000, "d" * 20
    try:
        check_deep_tree(tmp_path, depth, name)
    finally:
        remove_deep(tmp_path, name)
    assert os.listdir(tmp_path) == []


def check_deep_tree(tmp_path, depth, name):
    fd = os.open(tmp_path, os.O_RDONLY)
    fds = []
    try:
        for level in range(depth):
            with open(f"f{level % 7}", "wb", opener=lambda p, f: os.open(p, f, dir_fd=fd)) as f:
                f.write(b"ERROR x ERROR\n" if level % 3 == 0 else b"x\n")
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
            if level > 0:
                os.close(fd)
            else:
                fds.append(fd)
            fd = nfd
    finally:
        os.close(fd)
        for f in fds:
            os.close(f)
    want_files = depth
    want = 2 * len(range(0, depth, 3))
    r = wc("-r", "-c", "ERROR", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[:300]
    assert r.stderr == b""
    lines = r.stdout.split(b"\n")[:-1]
    assert len(lines) == want_files
    assert sum(int(ln.rsplit(b":", 1)[1]) for ln in lines) == want
    deepest = b"./" + b"/".join([name.encode()] * (depth - 1)) + b"/f%d:" % ((depth - 1) % 7)
    assert any(ln.startswith(deepest) for ln in lines)
    assert len(max(lines, key=len)) > 4096 * 10  # far past PATH_MAX
    r = wc("-r", "ERROR", cwd=tmp_path)
    assert r.stdout.split(b"\n")[-2] == b"total:%d" % want


def test_python_m_word_count(tmp_path, monkeypatch, capsys):
    p = tmp_path / "t"
    p.write_bytes(b"ERROR: x ERROR\n")
    r = subprocess.run([sys.executable, "-m", "word_count", "ERROR", p], capture_output=True,
                       timeout=60, check=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"2\n", b"")
    r = subprocess.run([sys.executable, "-m", "word_count", "--bogus"], capture_output=True,
                       timeout=60, check=False)
    assert r.returncode == 2 and r.stderr.startswith(b"wordcount: unknown option")
    import word_count.__main__ as main

    monkeypatch.setattr(main, "find_wordcount", lambda: None)
    assert main.main(["x"]) == 2
    assert "the wordcount tool is not installed" in capsys.readouterr().err


def test_python_m_word_count_finds_the_tool_of_a_pip_target_install(tmp_path):
    """`pip install --target DIR fastwordcount` puts the package in
    DIR/word_count and the tool in DIR/bin/wordcount, and DIR goes on
    PYTHONPATH.  `python -m word_count` looked only next to the Python, in
    the user scheme, four levels above the package (a prefix's bin/) and on
    PATH, so it said "the wordcount tool is not installed" (exit 2).  Laid
    out here as pip lays it out, run by a Python of a bare venv whose bin/,
    user scheme and PATH hold no wordcount."""
    import word_count

    target = tmp_path / "target"
    shutil.copytree(Path(word_count.__file__).parent, target / "word_count")
    (target / "bin").mkdir()
    shutil.copy2(WORDCOUNT, target / "bin" / "wordcount")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    # PATH without the folders that hold a wordcount (the emulated aarch64
    # tool of make test-cross is a script that needs sh and qemu from it).
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not os.path.exists(os.path.join(d, "wordcount"))]
    env = {**os.environ, "PYTHONPATH": str(target), "PATH": os.pathsep.join(keep),
           "PYTHONUSERBASE": str(tmp_path / "userbase"), "HOME": str(tmp_path)}
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "word_count", "--version"],
                       capture_output=True, env=env, timeout=60, check=False)
    assert (r.returncode, r.stderr) == (0, b""), r
    assert r.stdout.decode().split() == ["wordcount", word_count.__version__]
    r = subprocess.run([str(venv / "bin" / "python"), "-c",
                        "import word_count.__main__ as m; print(m.find_wordcount())"],
                       capture_output=True, env=env, timeout=60, check=True)
    assert r.stdout.decode().strip() == str(target / "bin" / "wordcount")


def test_python_m_word_count_with_a_standard_stream_closed(tmp_path):
    """`python -m word_count` with standard output or error closed (`>&-`,
    `2>&-`) runs the tool as `wordcount` runs: Python makes such a stream
    None, and flushing it before the exec raised AttributeError (a
    traceback, exit 1, where `wordcount -q ERROR FILE >&-` exits 0)."""
    p = tmp_path / "t"
    p.write_bytes(b"ERROR: x ERROR\n")
    for fd in (1, 2):
        for word, want in (("ERROR", 0), ("nothing", 1)):
            for cmd in ([str(WORDCOUNT)], [sys.executable, "-m", "word_count"]):
                r = subprocess.run([*cmd, "-q", word, str(p)], capture_output=True,
                                   preexec_fn=lambda: os.close(fd), timeout=60, check=False)
                assert (r.returncode, r.stderr) == (want, b""), (fd, word, cmd, r)


def test_python_m_word_count_ends_by_sigpipe_as_wordcount_does(tmp_path):
    """`python -m word_count --top all FILE | head -1` ends silently by
    SIGPIPE, as `wordcount` started by a shell does: Python ignores SIGPIPE
    and the tool inherited that across exec, so it said "write error:
    Broken pipe" and exited 2.  Started here with the default SIGPIPE (the
    shell's), as the plain tool is."""
    path = tmp_path / "words.txt"
    path.write_bytes(b" ".join(b"w%d" % i for i in range(200_000)) + b"\n")
    for cmd in ([str(WORDCOUNT)], [sys.executable, "-m", "word_count"]):
        p = subprocess.Popen([*cmd, "--top", "all", str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        assert p.stdout.readline().endswith(b"\n")
        p.stdout.close()
        err = p.stderr.read()
        assert p.wait(timeout=60) == -signal.SIGPIPE, (cmd, err)
        assert err == b"", cmd


def test_python_m_word_count_under_an_ignored_sigpipe(tmp_path):
    """What cli.md says of a caller that ignores SIGPIPE (`trap '' PIPE`):
    `wordcount` then sees EPIPE, says "write error" and exits 2, while
    `python -m word_count`, whose Python ignores SIGPIPE whatever its caller
    did, cannot tell and ends by the signal, as under a shell's default."""
    path = tmp_path / "words.txt"
    path.write_bytes(b" ".join(b"w%d" % i for i in range(200_000)) + b"\n")
    ignore = lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # noqa: E731
    for cmd, status, said in (([str(WORDCOUNT)], 2, b"wordcount: write error: Broken pipe\n"),
                              ([sys.executable, "-m", "word_count"], -signal.SIGPIPE, b"")):
        p = subprocess.Popen([*cmd, "--top", "all", str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=ignore, restore_signals=False)
        assert p.stdout.readline().endswith(b"\n")
        p.stdout.close()
        err = p.stderr.read()
        assert (p.wait(timeout=60), err) == (status, said), cmd


def test_options_that_top_and_json_refuse(tmp_path):
    """cli.md: --top takes no -e, -f, -c, -l, -L, -q; --json no -c, -l, -L.
    Each is a usage error (exit 2, a message, nothing on standard output),
    not an option silently dropped."""
    p = tmp_path / "t.txt"
    p.write_bytes(b"is a is\n")
    n = tmp_path / "n.txt"
    n.write_bytes(b"is\n")
    for args in (["--top", "1", "-e", "is"], ["--top", "1", "-f", n], ["--top", "1", "-c"],
                 ["--top", "1", "-l"], ["--top", "1", "-L"], ["--top", "1", "-q"],
                 ["--json", "-c", "is"], ["--json", "-l", "is"], ["--json", "-L", "is"]):
        r = wc(*args, p)
        assert (r.returncode, r.stdout) == (2, b""), args
        assert r.stderr.startswith(b"wordcount: --") and b"with it" in r.stderr, (args, r.stderr)
    assert wc("--top", "1", "-H", "-Z", p).stdout == b"      2 is\n"  # these are accepted
    r = wc("--json", "-q", "is", p)
    assert (r.returncode, r.stdout) == (0, b"")


def help_options(text: str) -> set[str]:
    """The long options that begin the option lines of --help."""
    return set(re.findall(r"^  (?:-\w, |    )(--[a-z0-9-]+)", text, re.M))


def test_man_page_and_completions_installed():
    share = Path(sys.prefix) / "share"
    man = share / "man" / "man1" / "wordcount.1"
    bash = share / "bash-completion" / "completions" / "wordcount.bash"
    zsh = share / "zsh" / "site-functions" / "_wordcount"
    for p in (man, bash, zsh):
        assert p.is_file(), p
    help_text = wc("--help").stdout.decode()
    roff = man.read_text()
    # Every variable the tool reads has its section; sections start with a
    # capital ("with one input" began OUTPUT FORMAT).
    env = roff.split(".SH ENVIRONMENT\n", 1)[1].split(".SH ", 1)[0].replace("\\-", "-")
    for var in ("WORD_COUNT_THREADS", "WORD_COUNT_KERNEL", "WORD_COUNT_POOL_IDLE",
                "WORD_COUNT_HASH_SEED", "NO_COLOR", "GREP_COLORS"):
        assert var in env, var
    for title, body in re.findall(r"^\.SH ([A-Z ]+)\n(.)", roff, re.M):
        if title in ("DESCRIPTION", "OUTPUT FORMAT", "ENVIRONMENT", "EXIT STATUS"):
            assert not body.islower(), title  # (NAME and SEE ALSO are commands)
    # One source: every option of --help is in the man page and completions.
    man_opts = set(re.findall(r"--[a-z0-9-]+", roff.replace("\\-", "-")))
    opts = help_options(help_text)
    assert len(opts) > 30 and opts <= man_opts, opts - man_opts
    for o in opts:
        assert o in bash.read_text() and o in zsh.read_text(), o
    if shutil.which("man"):
        r = subprocess.run(["man", "-l", str(man)], capture_output=True, timeout=60,
                           env={**os.environ, "MANWIDTH": "80", "PAGER": "cat"}, check=False)
        if r.returncode == 0:
            assert b"--strict-utf8" in r.stdout.replace(b"\xe2\x80\x90", b"-")
    # The bash completion completes options and their values.
    script = (f"source {bash}; COMP_WORDS=(wordcount --wor); COMP_CWORD=1; _wordcount; "
              "echo ${COMPREPLY[@]}; COMP_WORDS=(wordcount --words= ''); COMP_CWORD=2; "
              "COMP_WORDS=(wordcount --words=); COMP_CWORD=1; _wordcount; echo ${COMPREPLY[@]}")
    r = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60, check=False)
    first, second = r.stdout.decode().splitlines()[:2]
    assert set(first.split()) == {"--word-regexp", "--words="}
    assert set(second.split()) == {"unicode", "space"}


def zsh_listing(tmp_path, fpath: Path, line: str) -> str:
    """What zsh shows for `line` followed by Tab Tab (its listing of the
    matches and their descriptions), with `fpath` searched for _wordcount:
    an interactive `zsh -f` in a tmux of its own."""
    sock = f"wc-test-{os.getpid()}"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm"}
    subprocess.run(tmux + ["new-session", "-d", "-x", "200", "-y", "50", "zsh", "-f"],
                   env=env, check=True, timeout=30)
    try:
        setup = (f"fpath=({fpath} $fpath); autoload -Uz compinit; compinit -u; "
                 "zstyle ':completion:*' verbose yes; clear")
        subprocess.run(tmux + ["send-keys", "-t", "0", setup, "Enter"], check=True, timeout=30)
        time.sleep(1)
        subprocess.run(tmux + ["send-keys", "-t", "0", line, "Tab", "Tab"],
                       check=True, timeout=30)
        screen = ""
        for _ in range(100):  # until zsh has listed (at most 10 s)
            time.sleep(0.1)
            screen = subprocess.run(tmux + ["capture-pane", "-t", "0", "-p"],
                                    capture_output=True, check=True, timeout=30).stdout.decode()
            if " -- " in screen:
                time.sleep(0.3)
                return subprocess.run(tmux + ["capture-pane", "-t", "0", "-p"], capture_output=True,
                                      check=True, timeout=30).stdout.decode()
        return screen
    finally:
        subprocess.run(tmux + ["kill-server"], check=False, timeout=30)


@pytest.mark.skipif(shutil.which("zsh") is None or shutil.which("tmux") is None,
                    reason="needs zsh and tmux (make test installs them)")
def test_zsh_completion_shows_the_help_words(tmp_path):
    """zsh lists each option with the first clause of its --help line, as
    written: the generator dropped every ':', '[', ']', backslash and
    apostrophe ("(FILECOUNT)" for -c's "(FILE:COUNT)") and cut clauses in
    the middle of a word or a parenthesis.  The installed completion, then
    one generated from a help line holding each character _arguments or
    the shell would take for its own."""
    share = Path(sys.prefix) / "share" / "zsh" / "site-functions"
    screen = zsh_listing(tmp_path, share, "wordcount --co")
    assert "print only a count for each FILE (FILE:COUNT), also for FILEs with..." in screen, screen
    tricky = "print [only] the names of FILE's with a\\match: a"
    help_text = (Path(__file__).resolve().parents[2] / "bin" / "wordcount.help").read_text()
    line = "print only the names of FILEs with a match"
    assert line in help_text
    src = tmp_path / "help"
    src.write_text(help_text.replace(line, tricky))
    out = tmp_path / "fpath"
    out.mkdir()
    gen = Path(__file__).resolve().parents[2] / "tools" / "gen_cli_docs.py"
    subprocess.run([sys.executable, str(gen), str(src), *(str(tmp_path / n) for n in "hmb"),
                    str(out / "_wordcount"), "0"], check=True, timeout=60)
    screen = zsh_listing(tmp_path, out, "wordcount --files-with")
    assert f"--files-with-matches   -- {tricky}" in screen, screen


BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


@pytest.mark.skipif(not BASH_COMPLETION.is_file() or shutil.which("bash") is None,
                    reason="needs bash and the bash-completion package (make test installs it)")
def test_bash_completion_loader_finds_the_installed_file(tmp_path):
    """bash-completion's lazy loader (__load_completion, run on the first
    Tab after `wordcount`) finds the file by the command's name in each
    completions directory of $XDG_DATA_DIRS: `wordcount`, `wordcount.bash`
    or `_wordcount`.  Ours is `wordcount.bash` (meson cannot give a
    generated file the name of the executable built beside it): loaded from
    the environment's share/ as a distribution's /usr/share would be."""
    share = Path(sys.prefix) / "share"
    script = (f"source {BASH_COMPLETION}; __load_completion wordcount || exit 3; "
              "complete -p wordcount")
    env = {**os.environ, "XDG_DATA_DIRS": str(share), "HOME": str(tmp_path),
           "BASH_COMPLETION_USER_DIR": str(tmp_path / "none")}
    r = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60, env=env,
                       check=False)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert r.stdout.decode().split()[-2:] == ["_wordcount", "wordcount"]


def test_plain_meson_install_puts_man_page_and_completions_in_the_system_share(tmp_path):
    """`meson setup --prefix=/usr` then `meson install` (as a distribution
    builds): the man page in /usr/share/man/man1 and the completions in
    /usr/share/{bash-completion,zsh}; they went to /usr/share/share/..., where
    man and bash-completion never look.  A wheel's layout (-Dwheel=true,
    what pyproject.toml gives meson-python) keeps {datadir}/share.  Read
    from meson's own plan of the install (meson introspect --installed)."""
    meson = shutil.which("meson", path=str(Path(sys.executable).parent)) or shutil.which("meson")
    root = Path(__file__).resolve().parents[2]
    if meson is None or not (root / "meson.build").is_file():
        pytest.skip("needs meson and the source tree")
    plans = {}
    for wheel in ("false", "true"):
        build = tmp_path / f"b-{wheel}"
        r = subprocess.run([meson, "setup", str(build), "-Dpython=false", f"-Dwheel={wheel}",
                            "--prefix=/usr"], cwd=root, capture_output=True, timeout=300,
                           check=False)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        r = subprocess.run([meson, "introspect", str(build), "--installed"],
                           capture_output=True, timeout=120, check=True)
        plans[wheel] = {Path(k).name: v for k, v in json.loads(r.stdout).items()}
    assert plans["false"]["wordcount.1"] == "/usr/share/man/man1/wordcount.1"
    assert plans["false"]["wordcount.bash"] == "/usr/share/bash-completion/completions/wordcount.bash"
    assert plans["false"]["_wordcount"] == "/usr/share/zsh/site-functions/_wordcount"
    assert plans["true"]["wordcount.1"] == "/usr/share/share/man/man1/wordcount.1"
    assert plans["true"]["_wordcount"] == "/usr/share/share/zsh/site-functions/_wordcount"
    assert plans["false"]["wordcount"] == plans["true"]["wordcount"] == "/usr/bin/wordcount"


@needs_grep
def test_dereference_recursive_as_grep(tmp_path):
    """-R follows symbolic links (a link back up is a loop, skipped); -r
    follows none met inside directories, as grep -r."""
    root = tmp_path / "r"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.txt").write_bytes(b"ERROR x\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.txt").write_bytes(b"ERROR ERROR\n")
    (root / "link").symlink_to(outside)
    (root / "file_link").symlink_to(outside / "b.txt")
    (root / "real" / "up").symlink_to(root)
    for flag in ("-r", "-R"):
        want = sorted(grep(flag, "-l", "-w", "ERROR", ".", cwd=root).stdout.decode().splitlines())
        r = wc(flag, "-l", "ERROR", ".", cwd=root)
        assert sorted(r.stdout.decode().splitlines()) == want, flag
    r = wc("-R", "-c", "ERROR", ".", cwd=root)
    assert r.stdout.decode().splitlines() == ["./file_link:2", "./link/b.txt:2", "./real/a.txt:1"]
    assert b"recursive directory loop" in r.stderr


@needs_grep
def test_recursive_names_files_only_when_a_directory_is_met_as_grep(tmp_path):
    """-r with one FILE that is not a directory (a file, a link to one,
    standard input) prints its count without its name, as grep -r does;
    with a directory, no FILE or several FILEs, names.  wordcount -r -c
    ERROR a.txt printed "a.txt:2" where grep -r -c prints "2" (and without
    -c "a.txt:2" and "total:2" where grep -r -ow ERROR a.txt | wc -l is 2).
    No line holds ERROR twice, so grep -c's counts are the occurrences."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.txt").write_bytes(b"ERROR\nno\n")
    (tmp_path / "a.txt").write_bytes(b"ERROR\nx\n(ERROR)\n")
    (tmp_path / "link.txt").symlink_to("a.txt")
    (tmp_path / "dlink").symlink_to("d")
    stdin = b"ERROR\nERROR\n"
    for flag in ("-r", "-R"):
        for ops in (["a.txt"], ["link.txt"], ["-"], ["d"], ["dlink"], ["d/"], [],
                    ["a.txt", "d"], ["a.txt", "a.txt"]):
            for opts in (["-c"], ["-c", "-H"], ["-c", "-h"], ["-cZ"], ["-l"], ["-L"]):
                g = grep("-a", "-w", flag, *opts, "ERROR", *ops, input=stdin, cwd=tmp_path)
                r = wc(flag, *opts, "ERROR", *ops, input=stdin, cwd=tmp_path)
                # sorted: grep -r lists a directory in readdir order
                assert sorted(r.stdout.splitlines()) == sorted(g.stdout.splitlines()), (
                    flag, opts, ops, r.stdout, g.stdout)
                assert r.returncode == g.returncode, (flag, opts, ops)
            # Without -c: grep -c's lines and a total line, or the count alone.
            g = grep("-a", "-w", flag, "-c", "ERROR", *ops, input=stdin, cwd=tmp_path)
            r = wc(flag, "ERROR", *ops, input=stdin, cwd=tmp_path)
            want = sorted(g.stdout.splitlines())
            if b":" in g.stdout:
                want.append(b"total:%d" % sum(int(ln.rsplit(b":", 1)[1]) for ln in want))
            assert sorted(r.stdout.splitlines()) == sorted(want), (flag, ops, r.stdout)

DEEP_TREE = r"""
import os, sys
# A tree `levels` directories deep under the cwd, built and removed by
# chdir (its paths are far longer than PATH_MAX); a file at the top, one at
# 100 levels and one at the bottom.
levels, mode = int(sys.argv[1]), sys.argv[2]
if mode == "make":
    open("top.txt", "w").write("ERROR\n")
    for i in range(levels):
        os.mkdir("d"); os.chdir("d")
        if i == 99:
            open("mid.txt", "w").write("ERROR ERROR\n")
    open("bottom.txt", "w").write("ERROR\n")
else:
    depth = 0
    while os.path.isdir("d"):
        os.chdir("d"); depth += 1
    for _ in range(depth):
        for name in os.listdir("."):
            os.unlink(name)
        os.chdir(".."); os.rmdir("d")
"""


def test_recursive_walk_of_a_very_deep_tree_is_an_error_not_a_crash(tmp_path):
    """-r on a tree 20,000 directories deep (any user can make one): the
    walk recursed a level a directory and overflowed the stack (SIGSEGV,
    exit 139, with the default 8 MiB).  Now a directory more than 4,096
    levels down is an error (exit 2, its path and why on stderr), and
    everything above it is counted."""
    script = tmp_path / "deep.py"
    script.write_text(DEEP_TREE)
    root = tmp_path / "t"
    root.mkdir()
    subprocess.run([sys.executable, str(script), "20000", "make"], cwd=root, check=True,
                   timeout=300)
    try:
        r = wc("-r", "-c", "ERROR", ".", cwd=root)
        assert r.returncode == 2, (r.returncode, r.stderr[-300:])
        mid = "./" + "d/" * 100 + "mid.txt:2"
        assert r.stdout.decode().splitlines() == [mid, "./top.txt:1"]
        err = r.stderr.decode().splitlines()
        assert len(err) == 1 and err[0].endswith(": more than 4096 directories deep, skipped")
        assert err[0].startswith("wordcount: ./" + "d/" * 4096 + "d:")
    finally:
        subprocess.run([sys.executable, str(script), "0", "remove"], cwd=root, check=True,
                       timeout=300)


@needs_grep
def test_grep_no_op_flags(corpus):
    """-w (whole words: always), -F (literal: always), --no-ignore-case after
    -i: the counts of grep -owF."""
    path = corpus[4]
    want = f"{grep_ow('ERROR', path)}\n".encode()
    for flags in (["-w"], ["-F"], ["-wF"], ["-i", "--no-ignore-case"]):
        assert wc(*flags, "ERROR", path).stdout == want, flags


@needs_grep
def test_binary_is_greps_no_op_not_binary_files(corpus):
    """grep's -U/--binary (read bytes as they are: no effect on GNU/Linux)
    changes nothing.  --binary was taken as the start of --binary-files,
    which took the WORD as its value: "invalid argument 'ERROR' for
    --binary-files"."""
    path = corpus[4]
    want = f"{grep_ow('ERROR', path)}\n".encode()
    for flags in (["--binary"], ["-U"], ["-cU"]):
        assert grep("-a", "-w", *flags, "ERROR", path).returncode == 0, flags
        r = wc(*flags, "ERROR", path)
        assert (r.returncode, r.stdout, r.stderr) == (0, want, b""), (flags, r.stderr)
    # The start of --binary-files that is not --binary is still it.
    assert wc("--binary-f=text", "ERROR", path).stdout == want


def _answers_before_the_end(cmd, env=None):
    """Run cmd with a pipe on stdin that gets one matching line and then
    stays open: (returncode, stdout), or None when cmd still waits."""
    p = subprocess.Popen([str(a) for a in cmd], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        p.stdin.write(b"a line\nthe ERROR here\n")
        p.stdin.flush()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            return None
        return p.returncode, p.stdout.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            try:
                f.close()
            except BrokenPipeError:
                pass


@needs_grep
@pytest.mark.parametrize("words", [[], ["--words=space"], ["-i"], ["-e", "ERROR"] + [
    f"-e{w}" for w in "abcdefgh"]])
def test_quiet_and_list_answer_at_the_first_match_of_an_open_stream(words):
    """-q, -l and -L stop at the first match, as grep does, so `tail -f log
    | wordcount -q ERROR` answers: they read every input to its end (a
    pipe that stays open: never).  The plain kernels, the table (unicode
    words, -i, many WORDs) alike; grep is the oracle on the same pipe."""
    word = [] if "-e" in words else ["ERROR"]
    for opt in ("-q", "-l", "-L"):
        got = _answers_before_the_end([WORDCOUNT, opt, *words, *word])
        want = _answers_before_the_end([GREP, opt, "-w", "ERROR"], env=GREP_ENV)
        assert want is not None
        assert got == want, (opt, words)


@needs_grep
def test_quiet_and_list_on_files_as_grep(tmp_path):
    """-q, -l and -L now read a piece at a time (whole lines); what they
    answer is grep's on files whose match is in the first line, the last
    (with and without its newline), past the first MiB, on a line of
    several MiB, behind CRLF, and nowhere; a FIFO given as a FILE too."""
    rng = random.Random(11)
    filler = b"".join(rng.choice([b"x y\n", b"zz\r\n", b"ERRORS a\n", b"q " * 50 + b"\n"])
                      for _ in range(60_000))
    texts = {
        "first": b"ERROR\n" + filler, "last": filler + b"ERROR\n",
        "last-nonl": filler + b"z ERROR", "crlf": filler + b"a ERROR\r\n" + filler,
        "long-line": filler + b"w " * (3 << 20) + b"ERROR " + b"v " * 100 + b"\n",
        "none": filler, "empty": b"",
        "late": filler * 4 + b"a ERROR\n",
    }
    # A regular file is read in pieces for its first MiBs, then counted whole
    # from the start of the line it was in (1 + 2 + 4 MiB read): a line that
    # starts just before 7 MiB and holds the only match.
    for k in (1, 3, 5, 8):
        start = (7 << 20) - k  # of the line with the match
        head = b"ab\n" * (start // 3) + (b"c" * (start % 3))[1:] + b"\n" * (start % 3 > 0)
        assert len(head) == start
        texts[f"straddle-{k}"] = head + b"ERROR and more\n" + b"tail\n" * 10
    paths = []
    for name, data in texts.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    for opt in ("-l", "-L"):
        for words in ([], ["--words=space"], ["-i"]):
            r = wc(opt, *words, "ERROR", *paths)
            g = grep(opt, "-a", "-w", "ERROR", *paths)
            assert (r.returncode, r.stdout) == (g.returncode, g.stdout), (opt, words)
    for p in paths:
        assert wc("-q", "ERROR", p).returncode == grep("-q", "-w", "ERROR", p).returncode, p
    # A FIFO given, whose writer keeps it open after its matching line.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    p = subprocess.Popen([str(WORDCOUNT), "-l", "ERROR", str(fifo)], stdout=subprocess.PIPE)
    with open(fifo, "wb") as w:
        w.write(b"an ERROR\n")
        w.flush()
        assert p.wait(timeout=20) == 0
    assert p.stdout.read() == os.fsencode(fifo) + b"\n"
    p.stdout.close()


def test_quiet_a_line_longer_than_what_it_holds(tmp_path):
    """A line of more than 64 MiB without a newline: -q and -l count the rest
    of the input whole instead of holding it, and still find the WORD at its
    end; a count with its own count of the pieces before it."""
    f = tmp_path / "one-line"
    f.write_bytes(b"a b\n" * 1000 + b"ERROR " + b"y " * (33 << 20) + b"z")
    assert wc("-q", "ERROR", f).returncode == 0  # in what was held
    assert wc("-q", "z", f).returncode == 0
    f.write_bytes(b"a b\n" * 1000 + b"y " * (33 << 20) + b"ERROR")
    assert wc("-q", "ERROR", f).returncode == 0
    assert wc("-l", "ERROR", f).stdout == os.fsencode(f) + b"\n"
    assert wc("-q", "--words=space", "ERROR", f).returncode == 0
    assert wc("-l", "-e", "b", "-e", "zzz", f).stdout == os.fsencode(f) + b"\n"
    assert wc("-L", "nothere", f).stdout == os.fsencode(f) + b"\n"


def test_quiet_and_list_name_the_offset_of_bad_utf8_in_the_input(tmp_path):
    """--strict-utf8 with -l reads a piece at a time: the offset it names is
    in the input, the same as without -l, not in the piece."""
    f = tmp_path / "bad"
    f.write_bytes(b"no match here\n" * 300_000 + b"bad \xff byte\n")
    whole = wc("--strict-utf8", "ERROR", f)
    listed = wc("--strict-utf8", "-l", "ERROR", f)
    assert whole.returncode == listed.returncode == 2
    assert b"at byte offset 4200004 " in whole.stderr
    assert whole.stderr == listed.stderr


@needs_grep
def test_binary_fifo_and_device_skipped_by_I(tmp_path):
    """-I skips a binary FIFO or device given as a FILE as it skips a binary
    standard input (it counted them; /dev/zero never ended), and a skipped
    input is no match: 0 with -c, named by -L (it was left out of both)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for cmd in ([WORDCOUNT, "-c", "-I", "is"], [GREP, "-c", "-I", "-w", "is"]):
        p = subprocess.Popen([str(a) for a in cmd] + [str(fifo)], stdout=subprocess.PIPE,
                             env=GREP_ENV)
        with open(fifo, "wb") as w:
            w.write(b"is\x00 is\n")
        out = p.communicate(timeout=20)[0]
        assert (p.returncode, out) == (1, b"0\n"), cmd
    r = wc("-c", "-I", "is", "/dev/zero")
    assert (r.returncode, r.stdout) == (1, b"0\n")
    binary, text = tmp_path / "bin.dat", tmp_path / "a.txt"
    binary.write_bytes(b"is\x00is\n")
    text.write_bytes(b"it is\nthis is\n")
    for opt in ("-c", "-L", "-l"):
        r, g = wc(opt, "-I", "is", binary, text), grep(opt, "-I", "-w", "is", binary, text)
        assert (r.returncode, r.stdout) == (g.returncode, g.stdout), opt
    assert wc("-I", "is", binary).stdout == b"0\n"


@needs_grep
def test_include_exclude_match_name_suffixes_of_files_given(tmp_path):
    """--include, --exclude and --exclude-dir match a FILE given by any
    trailing part of its name after a '/', as grep's do (only the base name
    was looked at: --exclude='src/*' let src/c.txt through); a directory
    given and excluded is skipped without -r too, not an error."""
    (tmp_path / "src").mkdir()
    for name in ("a.txt", "b.c", "src/c.txt", "src/d.c"):
        (tmp_path / name).write_bytes(b"is\n")
    names = ["a.txt", "b.c", "src/c.txt", "src/d.c", str(tmp_path / "b.c"), "./src/d.c"]
    for opts in (["--exclude=src/*"], ["--exclude=*.c"], [f"--exclude={tmp_path}/*"],
                 ["--include=src/*"], ["--include=*.c", "--exclude=src*"], ["--exclude=c.txt"]):
        r, g = wc("-l", *opts, "is", *names, cwd=tmp_path), grep("-l", *opts, "-w", "is", *names,
                                                                  cwd=tmp_path)
        assert (r.returncode, r.stdout) == (g.returncode, g.stdout), opts
    for opts in (["--exclude-dir=src"], ["--exclude-dir=sr?"]):
        r = wc("-l", *opts, "is", "src", "a.txt", cwd=tmp_path)
        g = grep("-l", *opts, "-w", "is", "src", "a.txt", cwd=tmp_path)
        assert (r.returncode, r.stdout, r.stderr) == (g.returncode, g.stdout, b""), opts


@needs_grep
def test_a_filtered_out_file_that_cannot_be_opened_is_an_error_as_grep(tmp_path):
    """grep opens a FILE given before it looks at --include and --exclude,
    so a missing one is an error (exit 2) even when they would skip it: a
    mistyped name is not hidden by a filter.  wordcount skipped it in
    silence (exit 1, or 0 with a match elsewhere)."""
    (tmp_path / "a.c").write_bytes(b"is\n")
    (tmp_path / "b.txt").write_bytes(b"is\n")
    for opts in (["--include=*.txt"], ["--exclude=*.c"], ["--exclude=missing*"],
                 ["--include=*.c", "--exclude=m*"], ["-r", "--exclude=*.c"]):
        for files in (["missing.c"], ["a.c", "missing.c", "b.txt"], ["-s", "missing.c"]):
            for out in (["-c"], ["-l"], ["-q"]):
                args = [*opts, *out, "is", *files]
                r, g = wc(*args, cwd=tmp_path), grep("-w", *args, cwd=tmp_path)
                assert (r.returncode, r.stdout) == (g.returncode, g.stdout), args
                assert r.stderr == re.sub(rb"(?m)^\S*grep: ", b"wordcount: ", g.stderr), args
    # An existing file they skip stays skipped in silence.
    r = wc("--exclude=*.c", "-c", "is", "a.c", "b.txt", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"b.txt:1\n", b"")


@needs_grep
def test_recursive_trims_trailing_slashes_of_a_directory_given_as_grep(tmp_path):
    """grep -r prints d//f as d/f: two or more slashes at the end of a
    directory given are one (fts's rule, for a name of more than two
    bytes).  wordcount printed d//f and d//e/g."""
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "f").write_bytes(b"is\n")
    (tmp_path / "d" / "e" / "g").write_bytes(b"is\nis\n")  # grep -c: lines
    for op in ("d//", "d///", "./d//", "d/", "d/e//", "./"):
        for out in (["-l"], ["-c"], ["-L"]):
            g = grep("-r", "-w", *out, "is", op, cwd=tmp_path)
            r = wc("-r", *out, "is", op, cwd=tmp_path)
            assert sorted(r.stdout.splitlines()) == sorted(g.stdout.splitlines()), (op, out)
