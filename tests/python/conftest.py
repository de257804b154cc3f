"""Shared fixtures and the independent reference that counts are checked against."""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import HealthCheck, settings

import word_count
from helpers import SEARCHES

# Shared, noisy machines: no per-example deadline.  CI runs the same number
# of examples as a developer.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=int(os.environ.get("WC_HYPOTHESIS_EXAMPLES", "200")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")

# The Ctrl-C tests send SIGINT to child interpreters, which raise
# KeyboardInterrupt only if they did not inherit SIGINT ignored: a shell
# starts `cmd &` in a script (or under nohup) that way, and CI launched so
# failed every one of them.  A handler here is the default again in a child.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


ALL_KERNELS = ("scalar", "sse2", "avx2", "avx512")


@pytest.fixture(params=ALL_KERNELS)
def kernel(request):
    """Run the test once per kernel this CPU supports; skip the others."""
    name = request.param
    if name not in word_count.available_kernels():
        pytest.skip(f"kernel {name} is not supported on this CPU or build")
    word_count._word_count._force_kernel(name)
    yield name
    word_count._word_count._force_kernel("auto")


@pytest.fixture(params=sorted(SEARCHES))
def search(request):
    return SEARCHES[request.param]
