"""What a user gets from PyPI: the sdist, a wheel built from that sdist
(not from the source tree), its metadata, and the smoke tests of
[tool.cibuildwheel] run on it.

The sdist is meson-python's (`meson dist`: the files of git's HEAD, and
PKG-INFO), so it needs a git checkout; the wheel is built from the unpacked
sdist with this environment's meson-python, meson and ninja (no download),
then installed with `pip install --target` into a folder of its own.  About
a minute on 2 cores, most of it the compiler.  That test is skipped outside
a git checkout (an unpacked sdist), without meson-python, and under the
sanitizers (the compilers would run under their LD_PRELOAD).  Another
checks that the docs name the CPythons the wheels are built for.
"""

from __future__ import annotations

import email
import itertools
import email.policy
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import word_count

ROOT = Path(__file__).resolve().parents[2]
NAME = "fastwordcount"

needs_git = pytest.mark.skipif(
    not (ROOT / ".git").exists() or shutil.which("git") is None
    or bool(os.environ.get("WC_SANITIZER") or os.environ.get("LD_PRELOAD")),
    reason="needs a git checkout and git (meson dist), and no sanitizer preloaded")


def build_env() -> dict:
    """This environment's meson and ninja first on PATH, as pip's
    --no-build-isolation finds them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_backend(hook: str, outdir: Path, cwd: Path) -> Path:
    """PEP 517 `hook` of meson-python (build_sdist, build_wheel) run in cwd."""
    code = ("import mesonpy, sys; sys.stdout.write(mesonpy.%s(sys.argv[1]))" % hook)
    r = subprocess.run([sys.executable, "-c", code, str(outdir)], cwd=cwd, env=build_env(),
                       capture_output=True, timeout=600, check=False)
    assert r.returncode == 0, (r.stdout[-3000:] + r.stderr[-3000:]).decode(errors="replace")
    return outdir / r.stdout.decode().strip().splitlines()[-1]


def git_files() -> set:
    r = subprocess.run(["git", "ls-tree", "-r", "-z", "--name-only", "HEAD"], cwd=ROOT,
                       capture_output=True, check=True, timeout=60)
    return set(r.stdout.decode().split("\0")) - {""}


def metadata(text: str) -> email.message.Message:
    return email.message_from_string(text, policy=email.policy.compat32)


def test_docs_name_the_pythons_and_wheels_of_pyproject():
    """The CPythons that [tool.cibuildwheel] builds wheels for (in the runs
    that pyproject.toml's comment gives, the 3.13t one told by CIBW_BUILD)
    are the ones README, docs/interpreters.md, Requires-Python and the
    classifiers name (interpreters.md said wheels were built for 3.13t only:
    3.14t too)."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    cibw = pyproject["tool"]["cibuildwheel"]
    builds = [re.fullmatch(r"cp3(\d+)(t?)-\*", b).groups()
              for _, env in cibuildwheel_runs()
              for b in env.get("CIBW_BUILD", " ".join(cibw["build"])).split()]
    gil = sorted(int(minor) for minor, t in builds if not t)
    ft = sorted((f"3.{minor}t" for minor, t in builds if t), key=lambda v: int(v[2:-1]))
    assert gil == list(range(gil[0], gil[-1] + 1)) and ft, cibw["build"]
    assert cibw["linux"]["archs"] == ["x86_64", "aarch64"]
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"CPython 3.{gil[0]}-3.{gil[-1]} (and {', '.join(ft)})" in readme
    assert "manylinux, x86_64 and aarch64" in readme
    interp = " ".join((ROOT / "docs" / "interpreters.md").read_text().split())
    ft_words = ", ".join(ft[:-1]) + " and " + ft[-1] if len(ft) > 1 else ft[0]
    assert (f"CPython 3.{gil[0]} to 3.{gil[-1]} and free-threaded {ft_words} "
            "on Linux (x86_64 and aarch64 wheels;") in interp
    assert f"Wheels are built for {ft_words} (`[tool.cibuildwheel]`" in interp
    project = pyproject["project"]
    assert project["requires-python"] == f">=3.{gil[0]}"
    versions = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"]
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions == [f"3.{minor}" for minor in gil]


def cibuildwheel_runs(text: str | None = None) -> list:
    """The cibuildwheel runs that build every wheel, as pyproject.toml's
    comment on [tool.cibuildwheel] gives them (or `text`'s): (requirement,
    environment) for each `[VAR=VALUE ...] pipx run 'REQUIREMENT' --platform
    linux`."""
    if text is None:
        text = (ROOT / "pyproject.toml").read_text()
    section = text[text.index("[tool.cibuildwheel]\n"):]
    # the comment block right under the header, not later sections' comments
    block = itertools.takewhile(lambda line: line.startswith("#"), section.splitlines()[1:])
    comment = " ".join(line.lstrip("#").strip().rstrip("\\") for line in block)
    runs = [(req, dict(shlex.split(a)[0].split("=", 1) for a in re.findall(r"CIBW_\w+=\S+", envs)))
            for envs, req in re.findall(
                r"((?:CIBW_\w+=\S+\s+)*)pipx run '([^']+)' --platform linux", comment)]
    assert len(runs) >= 1, comment
    return runs


def test_cibuildwheel_runs_reads_the_comment_under_its_header_only():
    text = ("[project]\n# pipx run 'cibuildwheel==1.0' --platform linux\n"
            "[tool.cibuildwheel]\n"
            "#     pipx run 'cibuildwheel>=4.3,<5' --platform linux\n"
            "#     CIBW_BUILD='cp313t-*' CIBW_ENABLE=cpython-freethreading \\\n"
            "#         pipx run 'cibuildwheel>=3.1,<4' --platform linux\n"
            "build = ['cp39-*']\n"
            "# a later note: pipx run 'cibuildwheel==2.0' --platform linux\n"
            "[tool.cibuildwheel.linux]\n# pipx run 'cibuildwheel==3.0' --platform linux\n")
    assert cibuildwheel_runs(text) == [
        ("cibuildwheel>=4.3,<5", {}),
        ("cibuildwheel>=3.1,<4", {"CIBW_BUILD": "cp313t-*",
                                  "CIBW_ENABLE": "cpython-freethreading"})]


def cibuildwheel_venv(requirement: str) -> Path:
    """A venv under build/ with cibuildwheel `requirement` (made once)."""
    tag = re.sub(r"[^0-9a-z.]+", "-", requirement.lower()).strip("-")
    venv = ROOT / "build" / f"cibw-{tag}-py{sys.version_info[0]}{sys.version_info[1]}"
    py = venv / "bin" / "python"
    done = venv / ".installed"
    if not done.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                       timeout=300)
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", requirement],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        done.touch()
    return py


@pytest.mark.skipif(sys.version_info < (3, 11) or bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
                    reason="cibuildwheel 4 runs on 3.11 and later (free-threaded: left to the GIL builds)")
@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists()
                    or bool(os.environ.get("WC_SANITIZER") or os.environ.get("LD_PRELOAD")),
                    reason="needs the source tree, and no sanitizer preloaded (pip would run under it)")
def test_cibuildwheel_runs_build_every_declared_python():
    """The runs of pyproject.toml's comment, each by the cibuildwheel it
    names (from PyPI; `--print-build-identifiers`, which needs no
    container), build one wheel for each CPython the classifiers name, with
    the GIL and free-threaded, on each arch, and none twice.  One run of
    cibuildwheel 3.x built them all until 3.15 came: 4.x builds 3.15 and
    3.15t but refuses 3.13t and the 'cpython-freethreading' group that 3.x
    needs for it (4.3.5 exits with "Unknown enable group")."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    cibw = pyproject["tool"]["cibuildwheel"]
    seen = []
    for requirement, env in cibuildwheel_runs():
        py = cibuildwheel_venv(requirement)
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("CIBW_", "PYTEST_"))}
        r = subprocess.run([str(py), "-m", "cibuildwheel", "--print-build-identifiers",
                            "--platform", "linux"], cwd=ROOT, env={**clean, **env},
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (requirement, env, r.stdout[-2000:], r.stderr[-2000:])
        seen += r.stdout.split()
    minors = [int(c.rsplit(".", 1)[1]) for c in pyproject["project"]["classifiers"]
              if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    ft = [m for m in minors if m >= 13]  # Py_mod_gil: 3.13 and later
    want = [f"cp3{m}{t}-manylinux_{arch}" for arch in cibw["linux"]["archs"]
            for m, t in [(m, "") for m in minors] + [(m, "t") for m in ft]]
    assert sorted(seen) == sorted(want)


def cibw_option(cibw: dict, identifier: str, key: str):
    """An option of [tool.cibuildwheel] for one build identifier: the last
    override whose select matches it wins, as cibuildwheel reads them."""
    import fnmatch
    value = cibw[key]
    for o in cibw.get("overrides", []):
        selects = [o["select"]] if isinstance(o["select"], str) else o["select"]
        if key in o and any(fnmatch.fnmatch(identifier, s) for s in selects):
            value = o[key]
    return value


def test_cibuildwheel_test_requires_pin_hypothesis_on_313t_as_ci_does():
    """The newest hypothesis has no wheel a 3.13t can load, and its sdist
    needs Rust: CI's 3.13t (tools/test-python) pins the last pure Python
    release, and the smoke tests of the 3.13t wheels did not (`pip install
    'hypothesis>=6'` on 3.13t ran maturin, which looked for a Rust
    toolchain and crates.io).  Every other build takes CI's requirement."""
    tomllib = pytest.importorskip("tomllib")
    cibw = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    script = (ROOT / "tools" / "test-python").read_text()
    ft_pin = re.search(r"if \[ \"\$ft\" = 1 \]; then\s+deps\+=\('(hypothesis[^']+)'", script)
    assert ft_pin, "tools/test-python no longer pins hypothesis on free-threaded builds"
    for build in cibw["build"]:
        for arch in cibw["linux"]["archs"]:
            identifier = build.replace("*", f"manylinux_{arch}")
            hyp = [r for r in cibw_option(cibw, identifier, "test-requires")
                   if r.startswith("hypothesis")]
            want = ft_pin.group(1) if build.startswith("cp313t") else "hypothesis>=6"
            assert hyp == [want], identifier


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"),
                    reason="a free-threaded CPython (3.13t, 3.14t)")
def test_cibuildwheel_smoke_test_sees_the_gil_turned_on():
    """The python -c of [tool.cibuildwheel]'s test-command fails on a
    free-threaded CPython whose GIL is on after importing word_count (as an
    extension that does not declare Py_mod_gil turns it on): here with the
    GIL forced on (-X gil=1); it passes with the GIL left as it is."""
    tomllib = pytest.importorskip("tomllib")
    cibw = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    cmds = [shlex.split(c) for c in cibw["test-command"] if c.startswith("python -c")]
    assert cmds
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    for argv in cmds:
        ok = subprocess.run([sys.executable, *argv[1:]], env=env, capture_output=True,
                            timeout=120)
        assert ok.returncode == 0, ok.stderr
        on = subprocess.run([sys.executable, "-X", "gil=1", *argv[1:]], env=env,
                            capture_output=True, timeout=120)
        assert on.returncode != 0 and b"turned the GIL on" in on.stderr, on


@needs_git
def test_sdist_wheel_and_smoke_tests(tmp_path):
    """One test, so that pytest-xdist builds the sdist and the wheel once
    (module fixtures are built once per worker)."""
    dist = build_dist(tmp_path)
    check_sdist_files(dist)
    check_metadata(dist)
    check_wheel_files_and_tag(dist)
    check_smoke_tests(dist, tmp_path)


def build_dist(tmp):
    """(sdist path, unpacked sdist folder, wheel path, --target folder)."""
    pytest.importorskip("mesonpy")
    sdist = run_backend("build_sdist", tmp, ROOT)
    src = tmp / "src"
    with tarfile.open(sdist) as t:
        t.extractall(src, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (top,) = src.iterdir()
    wheel_dir = tmp / "wheel"
    wheel_dir.mkdir()
    wheel = run_backend("build_wheel", wheel_dir, top)
    # Named site-packages: test_api's test_installed_package_is_tested asks it.
    target = tmp / "site-packages"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--no-index", "--target", str(target), str(wheel)],
                       capture_output=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr.decode()[-3000:]
    return sdist, top, wheel, target


def check_sdist_files(dist):
    """Every file of git's HEAD (the build, lib/, include/, ext/, the
    Unicode tables, the man page's and completions' source, LICENSE,
    README, docs/, the tests), PKG-INFO, and nothing else (no build/,
    .venv, caches or benchmark data); none large."""
    sdist, top, _, _ = dist
    assert sdist.name == f"{NAME}-{word_count.__version__}.tar.gz"
    with tarfile.open(sdist) as t:
        members = [m for m in t.getmembers() if m.isfile()]
    prefix = f"{NAME}-{word_count.__version__}/"
    names = set()
    for m in members:
        assert m.name.startswith(prefix), m.name
        names.add(m.name[len(prefix):])
    assert names == git_files() | {"PKG-INFO"}
    for needed in ("meson.build", "meson.options", "pyproject.toml", "LICENSE",
                   "LICENSE-UNICODE", "README.md",
                   "include/wordcount.h", "lib/wc_unicode_data.h", "ext/module.c",
                   "bin/wordcount.c", "bin/wordcount.help", "tools/gen_cli_docs.py",
                   "tests/python/conftest.py", "CHANGELOG.md"):
        assert needed in names, needed
    # Every file the README links to.
    for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", (ROOT / "README.md").read_text()):
        assert link in names, link
    for bad in ("build/", ".venv/", ".mesonpy", "__pycache__/", ".hypothesis/",
                ".pytest_cache/", ".benchmarks/"):
        assert not any(n.startswith(bad) or f"/{bad}" in n for n in names), bad
    assert max(m.size for m in members) < 1 << 20
    assert sdist.stat().st_size < 4 << 20


def check_metadata(dist):
    """Name, the version of word_count.__version__, Requires-Python, the
    license, the README as a Markdown long description, and every extra
    the docs tell users to install; the wheel's METADATA is the sdist's."""
    sdist, top, wheel, _ = dist
    pkg_info = (top / "PKG-INFO").read_text()
    with zipfile.ZipFile(wheel) as z:
        wheel_meta = z.read(f"{NAME}-{word_count.__version__}.dist-info/METADATA").decode()
    assert wheel_meta == pkg_info
    m = metadata(pkg_info)
    assert m["Name"] == NAME
    assert m["Version"] == word_count.__version__
    assert m["Requires-Python"] == ">=3.9"
    # MIT, and the Unicode License v3 of the tables derived from the UCD
    assert m["License-Expression"] == "MIT AND Unicode-3.0"
    assert m.get_all("License-File") == ["LICENSE", "LICENSE-UNICODE"]
    assert m["Description-Content-Type"] == "text/markdown"
    assert m.get_payload().strip() == (ROOT / "README.md").read_text().strip()
    classifiers = m.get_all("Classifier")
    assert "Programming Language :: Python :: Free Threading :: 2 - Beta" in classifiers
    versions = {c.rsplit(" :: ", 1)[1] for c in classifiers
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert versions == {f"3.{v}" for v in range(9, 16)}
    extras = set(m.get_all("Provides-Extra"))
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {e for p in docs for e in re.findall(NAME + r"\[([a-z0-9_-]+)\]", p.read_text())}
    assert named and named <= extras, named - extras
    assert not m.get_all("Requires-Dist", []) or all(
        "extra ==" in r for r in m.get_all("Requires-Dist"))  # no run-time dependency


def check_wheel_files_and_tag(dist):
    """One tag, this interpreter's own (cpXY-cpXY[t]-platform: no abi3, no
    py3-none); the package's modules as python/word_count holds them, the
    extension, the wordcount binary (no Python entry point), the man page,
    the completions and the license, and nothing else."""
    _, top, wheel, _ = dist
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = f"{NAME}-{word_count.__version__}.dist-info"
        data = f"{NAME}-{word_count.__version__}.data"
        wheel_file = metadata(z.read(f"{info}/WHEEL").decode())
        script = z.read(f"{data}/scripts/wordcount")
    ver = f"{sys.version_info.major}{sys.version_info.minor}"
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX")
    abi = "cp" + re.match(r"\.cpython-(\d+[a-z]*)-", ext_suffix).group(1)
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    tag = f"cp{ver}-{abi}-{plat}"
    assert wheel.name == f"{NAME}-{word_count.__version__}-{tag}.whl"
    assert wheel_file.get_all("Tag") == [tag]
    assert wheel_file["Root-Is-Purelib"] == "false"
    modules = {Path(p).name for p in git_files() if p.startswith("python/word_count/")}
    assert {"__init__.py", "__main__.py", "py.typed", "__init__.pyi"} <= modules
    want = {f"word_count/{n}" for n in modules} | {
        f"word_count/_word_count{ext_suffix}",
        f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD", f"{info}/licenses/LICENSE",
        f"{info}/licenses/LICENSE-UNICODE",
        f"{data}/scripts/wordcount",
        f"{data}/data/share/man/man1/wordcount.1",
        f"{data}/data/share/bash-completion/completions/wordcount.bash",
        f"{data}/data/share/zsh/site-functions/_wordcount",
    }
    assert names == want, (names - want, want - names)
    assert script[:4] == b"\x7fELF"


def check_smoke_tests(dist, tmp_path):
    """[tool.cibuildwheel]'s test-command, as cibuildwheel runs it (from
    another folder, {project} the sdist's tree, test-requires installed:
    here the test environment's), on the wheel installed by pip --target:
    its word_count first on sys.path, its wordcount first on PATH and the
    one the CLI tests run (WC_WORDCOUNT).  The installed man page and
    completions are where the docs say, under the install's share/."""
    tomllib = pytest.importorskip("tomllib")
    _, top, _, target = dist
    cibw = tomllib.loads((top / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    requires = {re.split(r"[<>=\[]", r)[0] for r in cibw["test-requires"]}
    assert requires <= {"pytest", "hypothesis", "pytest-timeout"}, requires
    wordcount = target / "bin" / "wordcount"
    env = build_env()
    env.update(PYTHONPATH=str(target), WC_WORDCOUNT=str(wordcount),
               PATH=os.pathsep.join([str(target / "bin"), env["PATH"]]))
    # As cibuildwheel runs them: on a free-threaded Python, nothing forces
    # the GIL off (the 3.13t suite runs with PYTHON_GIL=0), so the command
    # that checks that importing word_count leaves it off can see it on.
    env.pop("PYTHON_GIL", None)
    r = subprocess.run([str(wordcount), "--version"], capture_output=True, timeout=60,
                       check=True)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert r.stdout.decode().split() == ["wordcount", word_count.__version__]
    for cmd in cibw["test-command"]:
        argv = shlex.split(cmd.replace("{project}", str(top)).replace("{package}", str(top)))
        argv = {"python": [sys.executable], "pytest": [sys.executable, "-m", "pytest"]}.get(
            argv[0], argv[:1]) + argv[1:]
        if argv[0] == "wordcount":
            assert shutil.which("wordcount", path=env["PATH"]) == str(wordcount)
        r = subprocess.run(argv, cwd=run_dir, env=env, capture_output=True, timeout=600,
                           check=False)
        assert r.returncode == 0, (cmd, (r.stdout[-3000:] + r.stderr[-3000:]).decode())
        if "pytest" in argv:
            assert re.search(rb"\b\d{3,} passed", r.stdout), r.stdout[-2000:]
    # The man page and completions of the install, and python -m word_count
    # running the install's tool (a bare venv: no other wordcount to find).
    for p in ("man/man1/wordcount.1", "bash-completion/completions/wordcount.bash",
              "zsh/site-functions/_wordcount"):
        assert (target / "share" / p).is_file(), p
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "word_count", "--version"],
                       capture_output=True, timeout=60, check=False,
                       env={**env, "PATH": str(run_dir), "PYTHONUSERBASE": str(run_dir)})
    assert (r.returncode, r.stdout.decode().split()) == (0, ["wordcount", word_count.__version__])
