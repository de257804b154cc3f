import os
from collections import Counter
from typing import BinaryIO, Callable, Final, Iterable, Literal, Optional, Protocol, Union

from typing_extensions import Buffer

_Text = Union[str, Buffer]
_Words = Literal["space", "unicode"]

GIL_RELEASE_THRESHOLD: Final[int]
MAX_THREADS: Final[int]
PARALLEL_THRESHOLD: Final[int]
UNICODE_VERSION: Final[str]
KERNELS: Final[tuple[str, ...]]
ZEN: Final[str]
DEFAULT_NEEDLE: Final[str]
DEFAULT_COUNT: Final[int]
__version__: Final[str]

def search(
    contents: _Text,
    needle: _Text,
    *,
    threads: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
) -> int: ...
def count_many(
    contents: _Text,
    needles: Iterable[_Text],
    *,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
) -> dict[_Text, int]: ...
def frequencies(
    contents: _Text,
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
    threads: Optional[int] = None,
) -> Counter[_Text]: ...
def search_sequential(contents: _Text, needle: _Text) -> int: ...
def search_sequential_allow_threads(contents: _Text, needle: _Text) -> int: ...
def search_sequential_detached(contents: _Text, needle: _Text) -> int: ...
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
) -> int: ...
def frequencies_file(
    path: Union[str, bytes, os.PathLike[str], os.PathLike[bytes]],
    *,
    top: Optional[int] = None,
    words: _Words = "space",
    casefold: bool = False,
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
    threads: Optional[int] = None,
    progress: _Progress = None,
    block_size: Optional[int] = None,
) -> Counter[bytes]: ...
def search_py(contents: _Text, needle: _Text) -> int: ...
def kernel() -> str: ...
def available_kernels() -> list[str]: ...
def default_threads() -> int: ...
def available_cpus() -> int: ...
def shutdown_pool() -> None: ...
def default_text(repeat: int = 1000) -> str: ...
