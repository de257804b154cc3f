"""The code in README.md and docs/*.md runs, and says what it prints.

Every fenced block of those files is a test, in a fresh folder holding the
example files the docs name (zen.txt, a.txt, b.txt, words.txt, latin1.txt,
big.log, logs/a.txt: FILES below):
- ```pycon blocks, and ```python blocks that start with ">>>", are doctests;
  a file's doctests share their names, as a reader's session would (each
  runs after the ones above it in the same file);
- other ```python blocks run in a fresh interpreter and must exit 0;
- ```console blocks: each "$ command" runs in sh (standard error joined to
  standard output) and must print exactly the lines under it.
A block right under `<!-- docs-test: skip: REASON -->` is skipped (it needs a
cluster, a network or a terminal), and one under `<!-- docs-test: python >=
3.14 -->` runs on that Python and later only; plain indented blocks (shell
set-up such as `pip install`) are not run.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import word_count

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
SKIP = re.compile(r"<!-- docs-test: skip: (.*?) -->\s*$")
NEEDS = re.compile(r"<!-- docs-test: python >= (\d+)\.(\d+) -->\s*$")
# The CLI under test: the installed one, or WC_WORDCOUNT's (make test-asan).
CLI = Path(os.environ.get("WC_WORDCOUNT") or Path(sys.executable).parent / "wordcount")

A_TXT = b"is this the end? is it\nis\n"
FILES = {
    "zen.txt": word_count.ZEN.encode(),
    "a.txt": A_TXT,
    "b.txt": b"is is is is is\n",
    "logs/a.txt": A_TXT,
    "words.txt": "Straße STRASSE strasse\r\nthe cat, the dog.\nThe end \n".encode(),
    "latin1.txt": b"ok caf\xe9 ok\n",
    "big.log": b"INFO start\nERROR disk full\nERROR: retry\nWARN slow\tERROR\nERROR\n",
}


def blocks():
    """(test id, language, code, markdown file, line) of every fenced block."""
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
            skip, needs = SKIP.search(before), NEEDS.search(before)
            lang, code = m.group(1), m.group(2)
            rel = path.relative_to(ROOT)
            marks = [pytest.mark.skip(reason=skip.group(1))] if skip else []
            if needs:
                want = (int(needs.group(1)), int(needs.group(2)))
                marks.append(pytest.mark.skipif(
                    sys.version_info[:2] < want,
                    reason=f"needs Python {want[0]}.{want[1]} or later"))
            out.append(pytest.param(lang, code, str(rel), line, id=f"{rel}:{line}",
                                    marks=marks))
    return out


@pytest.fixture
def folder(tmp_path, monkeypatch):
    for name, data in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_docs_have_examples_of_every_kind():
    langs = [p.values[0] for p in blocks()]
    assert {"pycon", "python", "console"} <= set(langs), langs
    readme = [p for p in blocks() if p.values[2] == "README.md"]
    assert len(readme) >= 5


def is_doctest(lang: str, code: str) -> bool:
    return lang == "pycon" or (lang == "python" and code.lstrip().startswith(">>>"))


def run_doctest(code: str, name: str, line: int) -> None:
    parser = doctest.DocTestParser()
    globs: dict = {}
    for p in blocks():  # the doctests above this one in the same file, unchecked
        lang, earlier, ename, eline = p.values
        if ename == name and eline < line and is_doctest(lang, earlier):
            t = parser.get_doctest(earlier, globs, name, name, eline)  # copies globs
            doctest.DocTestRunner().run(t, out=lambda _: None, clear_globs=False)
            globs = t.globs
    test = parser.get_doctest(code, globs, name, name, line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
    assert runner.tries > 0


def run_console(code: str, folder: Path) -> None:
    env = dict(os.environ, PATH=f"{CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}",
               LC_ALL="C.UTF-8")
    env.pop("WORD_COUNT_THREADS", None)
    steps: list[tuple[str, list[str]]] = []
    for raw in code.splitlines():
        if raw.startswith("$ "):
            steps.append((raw[2:], []))
        else:
            assert steps, f"output before any command: {raw!r}"
            steps[-1][1].append(raw)
    assert steps
    for cmd, want in steps:
        r = subprocess.run(["sh", "-c", cmd], cwd=folder, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=120)
        got = (r.stdout + r.stderr).rstrip("\n").split("\n") if (r.stdout + r.stderr) else []
        assert got == [w.rstrip() for w in want] or [g.rstrip() for g in got] == want, (
            f"$ {cmd}\nexpected:\n" + "\n".join(want) + "\ngot:\n" + "\n".join(got))


@pytest.mark.parametrize("lang, code, name, line", blocks())
def test_example(lang, code, name, line, folder):
    if is_doctest(lang, code):
        run_doctest(code, name, line)
    elif lang == "python":
        r = subprocess.run([sys.executable, "-c", code], cwd=folder, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{name}:{line}\n{code}\n{r.stdout}{r.stderr}"
    elif lang == "console":
        run_console(code, folder)
    else:
        pytest.fail(f"{name}:{line}: a ```{lang or '(no language)'} block: mark it pycon, "
                    "python or console, or indent it")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces
    to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_relative_link_resolves():
    """Links between the README, docs/, CHANGELOG and LICENSE name a file that
    exists and, after "#", a heading of it."""
    bad = []
    for path in DOCS + [ROOT / "CHANGELOG.md"]:
        text = FENCE.sub("", path.read_text(encoding="utf-8"))
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # an absolute URL
            file, _, frag = target.partition("#")
            dest = (path.parent / file).resolve() if file else path
            if not dest.exists():
                bad.append(f"{path.name}: {target}: no such file")
            elif frag:
                heads = re.findall(r"^#+ (.*)$", FENCE.sub("", dest.read_text(encoding="utf-8")),
                                   re.M)
                if frag not in {anchor(h) for h in heads}:
                    bad.append(f"{path.name}: {target}: no such heading")
    assert not bad, "\n".join(bad)


def written_signature(name: str, fn) -> str:
    """How api.md writes a function's call: `name(a, b, *, k=None, s="x")`
    (no annotations, strings in double quotes), from inspect.signature."""
    import inspect
    parts, star = [], False
    params = list(inspect.signature(fn).parameters.values())
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is p.VAR_POSITIONAL:
            star = True
            parts.append("*" + p.name)
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append("**" + p.name)
            continue
        s = p.name
        if p.default is not p.empty:
            s += "=" + repr(p.default).replace("'", '"')
        parts.append(s)
        if p.kind is p.POSITIONAL_ONLY and (
                i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    return f"{name}({', '.join(parts)})"


def public_modules():
    """word_count, and its Dask and MPI front ends where their extras are
    installed (importing them needs neither a cluster nor mpiexec)."""
    import importlib
    mods = [word_count]
    for name in ("word_count.dask", "word_count.mpi"):
        try:
            mods.append(importlib.import_module(name))
        except ImportError:
            pass
    return mods


def test_api_md_documents_every_public_name_with_its_signature():
    """Every name of the __all__ of word_count (and of word_count.dask and
    word_count.mpi, when they import) is in docs/api.md, and every function
    is written there once at least with the parameters it really takes
    (their names, order, kinds and defaults)."""
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = []
    for mod in public_modules():
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type):
                want = written_signature(name, obj)
                if want not in api:
                    missing.append(f"{mod.__name__}: {want}")
            elif f"`{name}`" not in api and f"`{mod.__name__}.{name}`" not in api:
                missing.append(f"{mod.__name__}: {name}")
    assert not missing, "docs/api.md lacks:\n" + "\n".join(missing)


def test_cli_md_names_every_option_of_the_help():
    """Every option line of `wordcount --help` has one of its names (-x or
    --xx, as written there) in docs/cli.md, and every long option cli.md
    gives `wordcount` is one --help lists (grep's options that wordcount
    lacks: none, test_cli_grep.py::test_no_option_of_grep_is_unknown)."""
    out = subprocess.run([str(CLI), "--help"], capture_output=True, text=True,
                         timeout=60).stdout
    cli = FENCE.sub("", (ROOT / "docs" / "cli.md").read_text(encoding="utf-8"))
    missing = []
    lines = re.findall(r"^  (-\w(?:, --[a-z][\w-]*)?|    --[a-z][\w-]*)", out, re.M)
    assert len(lines) > 30, lines
    for line in lines:
        names = re.findall(r"--?[A-Za-z][\w-]*", line)
        if not any(re.search(r"`" + re.escape(n) + r"(?![\w-])", cli) for n in names):
            missing.append(line.strip())
    helped = set(re.findall(r"--[a-z][a-z0-9-]*", out))
    own = cli.split("## Dask and MPI command lines")[0]
    unknown = {o for o in re.findall(r"`(--[a-z][a-z0-9-]*)", own)
               if not any(h.startswith(o) for h in helped)}  # (--ignore: a start of one)
    assert not missing and not unknown, (
        "docs/cli.md lacks the options:\n" + "\n".join(missing)
        + "\nnames options --help does not list: " + " ".join(sorted(unknown)))


def test_every_test_the_docs_name_exists():
    """A test the docs cite by name (`test_x`, `test_x.py`) is a test file or
    a test function (Python or C) under tests/, benchmarks/ or fuzz/: a
    renamed test leaves no name behind."""
    names, where = set(), {}
    for path in DOCS:
        for m in re.finditer(r"\btest_\w+", path.read_text(encoding="utf-8")):
            names.add(m.group(0))
            where.setdefault(m.group(0), path.name)
    known = set()
    for folder in ("tests", "benchmarks", "fuzz"):
        for f in (ROOT / folder).rglob("*"):
            if f.suffix in (".py", ".c", ".h"):
                known.add(f.stem)
                known.update(re.findall(r"\b(?:def |void |int )(test_\w+)",
                                        f.read_text(encoding="utf-8", errors="replace")))
    missing = sorted(f"{where[n]}: {n}" for n in names - known)
    assert not missing, "\n".join(missing)


def test_every_source_path_the_docs_name_exists():
    """A path the docs give under one of the source folders (`lib/count.c`,
    `tests/python/helpers.py`, a glob such as `lib/kernels/words_*.c`)
    names a file or folder of the tree: a moved or deleted file leaves no
    name behind. A path right after "then " is a former name, said so."""
    folders = "lib|ext|include|python|tests|tools|bin|fuzz|benchmarks|\\.ci"
    path = re.compile(r"(?<![\w/.-])(?<!then `)((?:" + folders + r")/[\w./*-]*[\w*])")
    missing = []
    for doc in DOCS + [ROOT / "CHANGELOG.md"]:
        for p in sorted(set(path.findall(doc.read_text(encoding="utf-8")))):
            if not (ROOT / p).exists() and not any(ROOT.glob(p)):
                missing.append(f"{doc.name}: {p}")
    assert not missing, "\n".join(missing)


def test_docstrings_name_every_parameter():
    """help() of every public function (word_count's, and its front ends'
    when they import) names each of its parameters, in its own docstring
    or in one of a public function it names (followed on); and where it
    says "`p` ... as for X", X's own docstring names `p`."""
    import inspect
    funcs = {}
    for mod in public_modules():
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type):
                funcs[mod.__name__, name] = obj
    docs = {key: inspect.getdoc(obj) or "" for key, obj in funcs.items()}

    def ref(key, name):
        """The function a docstring of key's module means by name."""
        for k in ((key[0], name), ("word_count", name)):
            if k in docs:
                return k
        return None

    def reach(key, seen):
        if key in seen:
            return ""
        seen.add(key)
        return docs[key] + "".join(reach(r, seen) for r in
                                   {ref(key, w) for w in re.findall(r"\w+", docs[key])} - {None})

    bad = []
    for key, obj in funcs.items():
        where = f"{key[0]}.{key[1]}"
        text = reach(key, set())
        for p in inspect.signature(obj).parameters.values():
            if p.kind is not p.VAR_KEYWORD and not re.search(rf"\b{p.name}\b", text):
                bad.append(f"{where}: no docstring it leads to names {p.name}")
        for sentence in re.split(r"(?<=[.;])\s", " ".join(docs[key].split())):
            for m in re.finditer(r"\bas (?:for|of) [`']*(?:word_count\.)?(\w+)", sentence):
                other = ref(key, m.group(1))
                if other is None or other == key:
                    continue
                for p in re.findall(r"`+(\w+)`+", sentence[:m.start()]):
                    if (p in inspect.signature(funcs[other]).parameters
                            and not re.search(rf"\b{p}\b", docs[other])):
                        bad.append(f"{where}: `{p}` as for {m.group(1)}, whose docstring "
                                   "does not say it")
    assert not bad, "\n".join(bad)
