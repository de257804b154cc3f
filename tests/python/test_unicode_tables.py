"""The committed Unicode tables are what their generator makes.

lib/wc_unicode_data.h and unicode_expect.txt are generated once by
tools/gen_unicode.py with a Python of the tables' Unicode version and
committed; the build never regenerates them.  Regenerating must give the same
bytes (else someone edited them by hand or changed the generator without
running it); CI also runs `make check-unicode` with Python 3.13.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import pytest

import word_count

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "tools", "gen_unicode.py")


@pytest.mark.skipif(unicodedata.unidata_version != word_count.UNICODE_VERSION,
                    reason=f"this Python has Unicode {unicodedata.unidata_version}, "
                           f"the tables {word_count.UNICODE_VERSION}")
@pytest.mark.skipif(not os.path.exists(GEN), reason="no source tree")
def test_regenerating_gives_the_same_bytes():
    r = subprocess.run([sys.executable, GEN, "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
