"""Bugs found by the reliability work (fuzzing, sanitizers), each with the
input that showed it, checked against the independent reference."""

from __future__ import annotations

import pytest

import word_count
from helpers import SEARCHES, reference_count


@pytest.mark.parametrize("wide", ["\u0101", "\U0001f600"], ids=["ucs2", "ucs4"])
@pytest.mark.parametrize("m", [5, 6, 17, 40])
def test_long_needle_in_wide_str_counts_each_match_once(kernel, wide, m):
    """fuzz/fuzz_kernels found it (and the lead's C test, fixed on main in
    699668f; the failing input is the seed regress_long_needle_wide_units): for
    needles longer than the exact-compare
    length (4 units), the SIMD loop ran the full rule once per mask BIT; with
    byte movemasks a 2- or 4-byte unit sets 2 or 4 bits, so a match in the
    vector loop counted 2 or 4 times (UCS-2, UCS-4 str; SSE2 and AVX2)."""
    needle = "x" * m
    text = wide + (" " + needle) * 200 + "\n" + (needle + "y ") * 50 + needle
    want = reference_count(text, needle)
    for name, fn in SEARCHES.items():
        assert fn(text, needle) == want, (name, kernel)
