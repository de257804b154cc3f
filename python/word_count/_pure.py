"""search_py: the pure-Python word count, with the package's exact semantics.

It is the idiomatic nested loop of the PyO3 example's ``search_py``, with the
lines of Rust's ``str::lines`` instead of ``str.splitlines`` (which also
splits at ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028, U+2029
and a bare ``\\r``), so that it never disagrees with the native functions.
"""

from __future__ import annotations

from typing import Iterator, Union

Text = Union[str, bytes]


def _as_pair(contents: object, needle: object) -> tuple[Text, Text]:
    """Check the types as the native functions do; bytes-likes become bytes."""
    if isinstance(contents, str) != isinstance(needle, str):
        raise TypeError(
            "contents and needle must both be str or both be bytes-like, "
            f"not {type(contents).__name__!r} and {type(needle).__name__!r}"
        )
    if isinstance(contents, str) and isinstance(needle, str):  # both or neither
        # Exact str copies of subclasses (str's own slice of one is a str,
        # whatever the subclass's __getitem__ returns): the words are then
        # compared code point for code point, as the native functions
        # compare them, never by a subclass's own __eq__.
        whole = slice(None)
        return str.__getitem__(contents, whole), str.__getitem__(needle, whole)
    return _as_bytes(contents, "contents"), _as_bytes(needle, "needle")


def _as_bytes(obj: object, what: str) -> bytes:
    if type(obj) is bytes:
        return obj
    try:
        view = memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{what} must be str or a bytes-like object, not {type(obj).__name__!r}"
        ) from None
    with view:
        if not view.c_contiguous:
            raise BufferError(
                f"{what}: the {type(obj).__name__!r} buffer is not C-contiguous "
                "(pass bytes(...) of it)"
            )
        if view.itemsize != 1 or view.ndim > 1:
            raise TypeError(
                f"{what} must be a buffer of single bytes in one dimension; "
                f"{type(obj).__name__!r} gives {view.ndim} dimension(s) of "
                f"{view.itemsize}-byte items (format {view.format!r})"
            )
        return view.tobytes()


def lines(text: Text) -> Iterator[Text]:
    """The lines of ``text`` as Rust's ``str::lines`` gives them.

    Split at ``\\n``; a final ``\\n`` starts no new line; one ``\\r`` before a
    ``\\n`` belongs to the line ending; a bare final ``\\r`` stays.
    """
    nl, cr = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    *ended, last = text.split(nl)  # type: ignore[arg-type]
    for line in ended:
        yield line[:-1] if line.endswith(cr) else line  # type: ignore[arg-type]
    if last:
        yield last


def search_py(contents: Text, needle: Text) -> int:
    """Count the words of ``contents`` equal to ``needle``, in pure Python."""
    contents, needle = _as_pair(contents, needle)
    space = " " if isinstance(contents, str) else b" "
    total = 0
    for line in lines(contents):
        for word in line.split(space):  # type: ignore[arg-type]
            if word == needle:
                total += 1
    return total
