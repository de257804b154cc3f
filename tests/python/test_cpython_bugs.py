"""CPython's own bugs that some of our tests are skipped for: their
reproducers (tests/cpython_bugs/, no word_count in them) run here, so a skip
can be checked on the interpreter at hand."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig

import pytest

BUGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "cpython_bugs")
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

pytestmark = pytest.mark.skipif(not os.path.isdir(BUGS), reason="no source tree")


def run(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, os.path.join(BUGS, script), *args],
                          capture_output=True, text=True, timeout=timeout)


def test_mmap_close_export_race():
    """3.13t crashes (the skip of test_stress.py's
    test_mmap_closed_during_count is for this); with the GIL it never does."""
    if FREE_THREADED and sys.version_info[:2] == (3, 13):
        r = run("mmap_close_export_race.py", "60")
        if r.returncode == 0:
            pytest.skip("the reproducer did not crash in 60 s on this 3.13t: "
                        "the skip in test_stress.py may be lifted")
        assert r.returncode < 0, (r.returncode, r.stdout, r.stderr[-2000:])
    else:
        r = run("mmap_close_export_race.py", "2")
        assert r.returncode == 0, (r.returncode, r.stderr[-2000:])


def test_mmap_export_count_race():
    """3.13t loses updates of an mmap's export count (the BufferError that
    test_freethreading.py tolerates there); with the GIL it never does."""
    if FREE_THREADED and sys.version_info[:2] == (3, 13):
        r = run("mmap_export_count_race.py", "20")
        if r.returncode == 0:
            pytest.skip("no lost export in 20 trials on this 3.13t: the tolerance "
                        "in test_freethreading.py may be lifted")
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr[-2000:])
    else:
        r = run("mmap_export_count_race.py", "2")
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr[-2000:])


def test_bytearray_resize_export_race():
    """3.13t lets a bytearray be resized under a buffer another thread has
    just taken (the note on bytearrays in docs/interpreters.md); with the GIL
    it never does."""
    if FREE_THREADED and sys.version_info[:2] == (3, 13):
        r = run("bytearray_resize_export_race.py", "5")
        if r.returncode == 0:
            pytest.skip("no torn copy in 5 s on this 3.13t: the note in "
                        "docs/interpreters.md may be lifted")
        assert r.returncode in (1, -11), (r.returncode, r.stdout, r.stderr[-2000:])
    else:
        r = run("bytearray_resize_export_race.py", "1")
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr[-2000:])
