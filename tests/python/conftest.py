"""Shared fixtures and the independent reference that counts are checked against."""

from __future__ import annotations

import os
import signal
import sysconfig

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

# Dask's statistical profiler reads other threads' frames through
# sys._current_frames(), which a free-threaded CPython 3.13 does without a
# lock: a use-after-free (CPython gh-152355) that crashed a test-ft worker in
# distributed/profile.py while the scheduler of the LocalCluster ran in it.
# Off on such builds, for this process and (through the environment) for
# the Dask workers and command lines the tests start; docs/interpreters.md
# tells users the same.
if sysconfig.get_config_var("Py_GIL_DISABLED"):
    os.environ.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")


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
