"""What the command lines of word_count.dask and word_count.mpi share with
the wordcount CLI: the word options (--words MODE, -i/--ignore-case) and the
output of --top (one line per word: its count right-aligned in 7 columns, a
space, the word; as `wordcount --top` and `uniq -c` print it)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import BinaryIO, Callable, NoReturn, Optional, Sequence


def add_word_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--words", choices=("space", "unicode"), default="space", metavar="MODE",
                   help="how the text is cut into words: space (default) or unicode "
                        "(letters, digits and underscores, as Python's \\w)")
    p.add_argument("-i", "--ignore-case", dest="casefold", action="store_true",
                   help="compare words after Unicode full case folding")


def parse_intermixed(p: argparse.ArgumentParser,
                     argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """p.parse_intermixed_args(argv) (options between NEEDLE and the files
    too), with "--" ending the options: argparse's intermixed parse drops
    the "--" and then takes a "-v" after it for an option (every CPython
    from 3.9 to 3.13), so no NEEDLE or file could start with "-".  What
    follows "--" is parsed as stand-ins that cannot be options, then put
    back; the positionals are p's one "args" list."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        return p.parse_intermixed_args(argv)
    cut = argv.index("--")
    after = argv[cut + 1:]
    # NUL cannot be in a command-line argument, so no real one is a stand-in.
    stand_in = {f"\0word_count {i}": arg for i, arg in enumerate(after)}
    a = p.parse_intermixed_args(argv[:cut] + list(stand_in))
    a.args = [stand_in.get(arg, arg) for arg in a.args]
    return a


def word_options(a: argparse.Namespace) -> dict:
    """The keyword options of the API for what add_word_options parsed."""
    options: dict = {}
    if a.words != "space":
        options["words"] = a.words
    if a.casefold:
        options["casefold"] = True
    return options


def write_top_arrays(arrays, top: Optional[int], out: BinaryIO) -> None:
    """The K most common words (None: all) of FrequencyArrays in order of
    first occurrence (every word of the files), most common first, ties in
    order of first occurrence, as Counter.most_common orders them: a line
    "%7d WORD" each."""
    import word_count
    data, offsets, counts = word_count.merge_arrays(
        [arrays], top=sys.maxsize if top is None else top)
    lines = []
    for i in range(len(counts)):
        lines.append(b"%7d %s\n" % (counts[i], data[offsets[i]:offsets[i + 1]]))
        if len(lines) == 65536:
            out.write(b"".join(lines))
            lines.clear()
    out.write(b"".join(lines))
    out.flush()


def run_main(main: Callable[[], int]) -> NoReturn:
    """Run a command line's main() as the program: its return value is the
    exit status.  Ctrl-C and a closed standard output (`| head`) end the
    process as the signal's default action would, as they end wordcount and
    grep: no traceback, and no wait at exit for a thread still counting (a
    Dask task's, in a read of a FIFO that never returns, kept the process
    alive after Ctrl-C)."""
    try:
        code = main()
        sys.stdout.flush()
    except KeyboardInterrupt:
        _die_by(signal.SIGINT)
    except BrokenPipeError:
        _die_by(signal.SIGPIPE)
    sys.exit(code)


def _die_by(signum: int) -> NoReturn:
    try:
        sys.stderr.flush()
    except Exception:
        pass
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # not reached
