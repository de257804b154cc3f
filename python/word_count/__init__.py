"""word_count: count whole-word occurrences in text at the speed of memory.

The native functions run in C on every core with the GIL released; their
counts are exactly those of the pure-Python ``search_py``:

- lines are those of Rust's ``str::lines`` (split at ``\\n``; ``\\r\\n`` ends a
  line too; a final newline starts no empty line),
- words are the pieces of a line split at the space character only,
- the count is the number of words equal to the needle.
"""

from __future__ import annotations

import os as _os
import warnings as _warnings

from . import _word_count
from ._arrays import (
    FrequencyArrays,
    frequencies_arrays,
    frequencies_file_arrays,
    frequencies_stream_arrays,
    merge_arrays,
)
from ._files import frequencies_file, frequencies_stream, search_file, search_stream
from ._pure import search_py
from ._word_count import (
    GIL_RELEASE_THRESHOLD,
    MAX_THREADS,
    PARALLEL_THRESHOLD,
    UNICODE_VERSION,
    available_cpus,
    count_many,
    default_threads,
    frequencies,
    kernel,
    search,
    search_sequential,
    search_sequential_allow_threads,
    search_sequential_detached,
    shutdown_pool,
)
from ._zen import DEFAULT_COUNT, DEFAULT_NEEDLE, ZEN, default_text

__version__ = _word_count.CORE_VERSION  # meson.build's project() version

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_NEEDLE",
    "FrequencyArrays",
    "GIL_RELEASE_THRESHOLD",
    "MAX_THREADS",
    "PARALLEL_THRESHOLD",
    "UNICODE_VERSION",
    "ZEN",
    "available_cpus",
    "available_kernels",
    "count_many",
    "default_text",
    "default_threads",
    "frequencies",
    "frequencies_arrays",
    "frequencies_file",
    "frequencies_file_arrays",
    "frequencies_stream",
    "frequencies_stream_arrays",
    "kernel",
    "merge_arrays",
    "search",
    "search_file",
    "search_py",
    "search_sequential",
    "search_sequential_allow_threads",
    "search_sequential_detached",
    "search_stream",
    "shutdown_pool",
]

KERNELS = ("avx512", "avx2", "sse2", "scalar")


def available_kernels() -> list[str]:
    """The kernels this build and this CPU can run, fastest first."""
    return [k for k in KERNELS if _word_count._kernel_supported(k)]


_ignored = {
    "WORD_COUNT_THREADS": f"is not a whole number from 1 to {MAX_THREADS}; "
                          f"using {default_threads()} threads",
    "WORD_COUNT_POOL_IDLE": "is not a number of seconds (>= 0, or inf); "
                            "idle workers exit after 2 s",
    "WORD_COUNT_HASH_SEED": "is not an integer from 0 to 2**64 - 1; "
                            "using a key drawn from the OS",
}
_name = ""
for _name in _word_count._invalid_env():
    _warnings.warn(f"{_name}={_os.environ.get(_name)!r} {_ignored[_name]}",
                   RuntimeWarning, stacklevel=2)
del _ignored, _name
_forced = _os.environ.get("WORD_COUNT_KERNEL", "")
if _forced not in ("", "auto") and not _word_count._kernel_supported(_forced):
    _warnings.warn(
        f"WORD_COUNT_KERNEL={_forced!r} is unknown or not supported on this CPU; "
        f"using {kernel()!r} (available: {', '.join(available_kernels())})",
        RuntimeWarning,
        stacklevel=2,
    )
del _forced
