"""``python -m word_count``: run the ``wordcount`` command-line tool.

The tool is a C program installed with the package, next to the Python that
runs this (the environment's scripts directory; DIR/bin after
``pip install --target DIR``); this finds it there, else on PATH, and
replaces this process with it, so arguments, standard streams, signals and
the exit status are the tool's own (``wordcount --help``).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import sysconfig


def find_wordcount() -> str | None:
    """The path of the installed ``wordcount`` tool, or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    for scheme_dir in (sysconfig.get_path("scripts"),
                       os.path.dirname(sys.executable)):
        if scheme_dir:
            candidates.append(os.path.join(scheme_dir, "wordcount"))
    try:  # a --user install puts scripts in the user scheme
        candidates.append(os.path.join(
            sysconfig.get_path("scripts", f"{os.name}_user"), "wordcount"))
    except KeyError:
        pass
    # The package's own environment: .../lib/pythonX.Y/site-packages/word_count
    prefix = os.path.normpath(os.path.join(here, *[os.pardir] * 4))
    candidates.append(os.path.join(prefix, "bin", "wordcount"))
    # `pip install --target DIR`: DIR/word_count and DIR/bin/wordcount.
    candidates.append(os.path.join(os.path.dirname(here), "bin", "wordcount"))
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return shutil.which("wordcount")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    exe = find_wordcount()
    if exe is None:
        sys.stderr.write(
            "python -m word_count: the wordcount tool is not installed next to "
            f"this Python ({sys.executable}) nor on PATH; reinstall the package "
            "(pip install --force-reinstall fastwordcount)\n")
        return 2
    # A standard stream closed when Python started (`>&-`) is None here;
    # the tool is given it closed, as a shell gives it to `wordcount`.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored
    # across exec: the tool would then see EPIPE and say "write error" with
    # exit 2 where `wordcount ... | head` ends silently by SIGPIPE.
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        os.execv(exe, [exe, *args])
    except OSError as e:
        sys.stderr.write(f"python -m word_count: {exe}: {e.strerror}\n")
        return 2
    return 2  # not reached


if __name__ == "__main__":
    sys.exit(main())
