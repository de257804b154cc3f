"""Type stubs: str in, str out; bytes-like in, bytes out.

Each counting function is overloaded on the contents: a ``str`` with ``str``
needles, or any bytes-like (bytes, bytearray, memoryview, mmap, ...) with
bytes-like needles. A mix is a TypeError at run time and a type error here.
Word keys have the type of the contents: ``str`` for ``str``, ``bytes`` for
every bytes-like; the file and stream functions read bytes, so their keys are
bytes.
"""

import os
from collections import Counter
from typing import BinaryIO, Callable, Final, Iterable, Literal, NamedTuple, Optional, Protocol, Union, overload

from typing_extensions import Buffer

_Words = Literal["space", "unicode"]
_Errors = Literal["strict", "replace"]

GIL_RELEASE_THRESHOLD: Final[int]
MAX_THREADS: Final[int]
PARALLEL_THRESHOLD: Final[int]
UNICODE_VERSION: Final[str]
KERNELS: Final[tuple[str, ...]]
ZEN: Final[str]
DEFAULT_NEEDLE: Final[str]
DEFAULT_COUNT: Final[int]
__version__: Final[str]

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

@overload
def search(
    contents: str,
    needle: str,
    *,
    threads: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> int: ...
@overload
def search(
    contents: Buffer,
    needle: Buffer,
    *,
    threads: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> int: ...
@overload
def count_many(
    contents: str,
    needles: Iterable[str],
    *,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> dict[str, int]: ...
@overload
def count_many(
    contents: Buffer,
    needles: Iterable[Buffer],
    *,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> dict[bytes, int]: ...
@overload
def frequencies(
    contents: str,
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> Counter[str]: ...
@overload
def frequencies(
    contents: Buffer,
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> Counter[bytes]: ...
class FrequencyArrays(NamedTuple):
    data: bytes
    offsets: memoryview
    counts: memoryview

def frequencies_arrays(
    contents: Union[str, Buffer],
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    errors: _Errors = "strict",
) -> FrequencyArrays: ...
@overload
def search_sequential(contents: str, needle: str) -> int: ...
@overload
def search_sequential(contents: Buffer, needle: Buffer) -> int: ...
@overload
def search_sequential_allow_threads(contents: str, needle: str) -> int: ...
@overload
def search_sequential_allow_threads(contents: Buffer, needle: Buffer) -> int: ...
@overload
def search_sequential_detached(contents: str, needle: str) -> int: ...
@overload
def search_sequential_detached(contents: Buffer, needle: Buffer) -> int: ...
class _Readable(Protocol):
    def read(self, n: int = ..., /) -> Buffer: ...

_Progress = Union[bool, None, Callable[[int, Optional[int]], object]]

def search_file(
    path: Union[str, bytes, os.PathLike[str], os.PathLike[bytes]],
    needle: Union[str, Buffer],
    *,
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    errors: _Errors = "strict",
) -> int: ...
def search_stream(
    fileobj: Union[BinaryIO, _Readable],
    needle: Union[str, Buffer],
    *,
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    errors: _Errors = "strict",
) -> int: ...
def frequencies_file(
    path: Union[str, bytes, os.PathLike[str], os.PathLike[bytes]],
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    errors: _Errors = "strict",
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
) -> Counter[bytes]: ...
def frequencies_stream(
    fileobj: Union[BinaryIO, _Readable],
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    errors: _Errors = "strict",
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
) -> Counter[bytes]: ...
def frequencies_file_arrays(
    path: Union[str, bytes, os.PathLike[str], os.PathLike[bytes]],
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
    errors: _Errors = "strict",
) -> FrequencyArrays: ...
def frequencies_stream_arrays(
    fileobj: Union[BinaryIO, _Readable],
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
    errors: _Errors = "strict",
) -> FrequencyArrays: ...
def merge_arrays(
    parts: Iterable[tuple[Buffer, Buffer, Buffer]],
    *,
    top: Optional[int] = None,
) -> FrequencyArrays: ...
@overload
def search_py(contents: str, needle: str) -> int: ...
@overload
def search_py(contents: Buffer, needle: Buffer) -> int: ...
def kernel() -> str: ...
def available_kernels() -> list[str]: ...
def default_threads() -> int: ...
def available_cpus() -> int: ...
def shutdown_pool() -> None: ...
def default_text(repeat: int = 1000) -> str: ...
