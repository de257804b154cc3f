"""The extension exports its init function and nothing else.

The core is linked into the extension as a static library: built with
default visibility, every wc_* function would be exported from
_word_count.so, where it could clash with (or be interposed by) another
library loaded into the same process.  With hidden visibility only the
module's init function is in the dynamic symbol table.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

import word_count._word_count as ext

# Symbols the linker itself defines in some binutils versions.
_LINKER = {"_init", "_fini", "_edata", "_end", "__bss_start"}


def dynamic_symbols(path: str) -> set:
    out = subprocess.run(["nm", "-D", "--defined-only", path],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        # "<address> <type> <name>"; type letters in upper case are global.
        if len(parts) == 3 and parts[1].isupper():
            names.add(parts[2].split("@")[0])
    return names - _LINKER


@pytest.mark.skipif(shutil.which("nm") is None, reason="needs binutils' nm")
def test_extension_exports_only_its_init_function():
    assert dynamic_symbols(ext.__file__) == {"PyInit__word_count"}
