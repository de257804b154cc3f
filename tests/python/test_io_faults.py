"""System-call faults injected into the I/O layer by an LD_PRELOAD shim:
nothing lost, nothing crashes, nothing hangs.

The shim (SHIM, built by test_cli_grep.preload_shim) interposes read,
pread/pread64 and poll on the descriptors of files whose path holds MARK
(tracked through open/open64/openat/openat64, their duplicates through
dup/dup2/dup3/fcntl, forgotten at close), on fd 0 with WC_FAULT_STDIN, and
on descriptors a Python child marks itself (a pipe).  Every other call
passes through, so the interpreter's start-up and the shared libraries are
untouched.  It counts those calls, and at the Nth:

- eintr: that call fails with EINTR (the later ones pass).  The result must
  be byte for byte the result without faults.
- short: from that call on, each read returns at most WC_FAULT_SHORT bytes
  (really read).  The same result.
- eio: that call fails with EIO.  The command line exits 2 with grep's
  `wordcount: NAME: Input/output error`, never dies of a signal, and prints
  for the other inputs exactly what the run without faults printed for
  them; the Python API raises OSError(EIO) naming the file.

For eintr and eio, N sweeps the calls counted in a run without faults (all
of the first SWEEP_FIRST, then SWEEP_MORE evenly spaced, always the last);
short takes three.  Each run checks that the shim did make its fault.  The
runs without faults are checked against independent oracles (the words cut
with bytes.split and re.findall, counted with collections.Counter).  Every
child process has a timeout: a hang fails the test.  The Python API is
swept in one child per case and kind, the plan set through ctypes before
each call (the same process must count right after its errors).

-I's binary check (a pread of a regular file's head) is faulted on its own:
test_cli_eio_in_the_binary_check_is_reported.
"""

from __future__ import annotations

import collections
import errno
import fcntl
import inspect
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from test_cli import WORDCOUNT
from test_cli_grep import preload_shim

MARK = "wcfault"
BIG = f"{MARK}-big.txt"
OTHER = "other.txt"
BLOCK = 65536          # --block-size / block_size=: many blocks, many preads
PIPE_BLOCK = 16384     # for the pipes, which hold at most 1 MiB
TIMEOUT = 60
SWEEP_FIRST = 20
SWEEP_MORE = 8
EIO_MSG = os.strerror(errno.EIO)  # "Input/output error"
# Linux's, named by fcntl from Python 3.10 on.
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Faults in the calls that read the files whose path holds the marker,
 * fd 0 with WC_FAULT_STDIN, and the fds given to wcfault_mark().  Set by the
 * environment (WC_FAULT_KIND=count|eintr|eio|short, WC_FAULT_NTH: the Nth
 * marked call from 1, 0: count only; WC_FAULT_SHORT: the bytes a short read
 * returns; WC_FAULT_OPS: a comma list of read, pread, poll), or by
 * wcfault_arm() from a Python child through ctypes.  At exit, "CALLS FAULTS"
 * goes to the file WC_FAULT_OUT names. */

#define MAXFD 65536
enum { OP_READ = 1, OP_PREAD = 2, OP_POLL = 4 };
enum { K_COUNT, K_EINTR, K_EIO, K_SHORT };
static unsigned char marked[MAXFD];
static unsigned long calls, faults, nth;
static int ready, kind, ops = OP_READ | OP_PREAD;
static size_t cap = 7;
static const char *const marker = "wcfault";

static int is_marked(int fd)
{
    return fd >= 0 && fd < MAXFD && __atomic_load_n(&marked[fd], __ATOMIC_RELAXED);
}

static void set_mark(int fd, int on)
{
    if (fd >= 0 && fd < MAXFD)
        __atomic_store_n(&marked[fd], (unsigned char)(on != 0), __ATOMIC_RELAXED);
}

static int parse_kind(const char *k)
{
    if (k == NULL) return K_COUNT;
    if (strcmp(k, "eintr") == 0) return K_EINTR;
    if (strcmp(k, "eio") == 0) return K_EIO;
    if (strcmp(k, "short") == 0) return K_SHORT;
    return K_COUNT;
}

static int parse_ops(const char *o)
{
    char buf[64];
    int r = 0;
    if (o == NULL || strlen(o) >= sizeof buf) return OP_READ | OP_PREAD;
    strcpy(buf, o);
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        r |= strcmp(t, "read") == 0 ? OP_READ : strcmp(t, "pread") == 0 ? OP_PREAD
           : strcmp(t, "poll") == 0 ? OP_POLL : 0;
    return r;
}

/* At load, before any thread starts. */
__attribute__((constructor)) static void setup(void)
{
    const char *n = getenv("WC_FAULT_NTH"), *c = getenv("WC_FAULT_SHORT");
    kind = parse_kind(getenv("WC_FAULT_KIND"));
    ops = parse_ops(getenv("WC_FAULT_OPS"));
    nth = n != NULL ? strtoul(n, NULL, 10) : 0;
    if (c != NULL && strtoul(c, NULL, 10) > 0) cap = strtoul(c, NULL, 10);
    if (getenv("WC_FAULT_STDIN") != NULL) set_mark(0, 1);
    ready = 1;
}

/* For a Python child (ctypes.CDLL(None)), between counts: a new plan. */
void wcfault_arm(const char *k, unsigned long n, unsigned long c, const char *o)
{
    kind = parse_kind(k);
    nth = n;
    if (c > 0) cap = c;
    ops = parse_ops(o);
    __atomic_store_n(&calls, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&faults, 0, __ATOMIC_SEQ_CST);
}

void wcfault_stats(unsigned long *c, unsigned long *f)
{
    *c = __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
    *f = __atomic_load_n(&faults, __ATOMIC_SEQ_CST);
}

void wcfault_mark(int fd, int on)
{
    set_mark(fd, on);
}

static void track(int fd, const char *path)
{
    set_mark(fd, path != NULL && strstr(path, marker) != NULL);
}

static void copy_mark(int from, int to)
{
    set_mark(to, is_marked(from));
}

/* 0: pass the call through; 1: fail it with *err; 2: read at most `cap`. */
static int decide(int fd, int op, int *err)
{
    if (!ready || !is_marked(fd) || !(ops & op))
        return 0;
    unsigned long k = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
    if (kind == K_COUNT || nth == 0)
        return 0;
    if (kind == K_SHORT)
        return k >= nth && op != OP_POLL ? 2 : 0;
    if (k != nth)
        return 0;
    __atomic_add_fetch(&faults, 1, __ATOMIC_SEQ_CST);
    *err = kind == K_EINTR ? EINTR : EIO;
    return 1;
}

static size_t clip(int d, size_t n)
{
    if (d != 2 || n <= cap)
        return n;
    __atomic_add_fetch(&faults, 1, __ATOMIC_SEQ_CST);
    return cap;
}

#define REAL(name) static __typeof__(&name) real_##name; \
    if (real_##name == NULL) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

ssize_t read(int fd, void *buf, size_t n)
{
    REAL(read);
    int err = 0, d = decide(fd, OP_READ, &err);
    if (d == 1) { errno = err; return -1; }
    return real_read(fd, buf, clip(d, n));
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    REAL(pread);
    int err = 0, d = decide(fd, OP_PREAD, &err);
    if (d == 1) { errno = err; return -1; }
    return real_pread(fd, buf, clip(d, n), off);
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
    REAL(pread64);
    int err = 0, d = decide(fd, OP_PREAD, &err);
    if (d == 1) { errno = err; return -1; }
    return real_pread64(fd, buf, clip(d, n), off);
}

int poll(struct pollfd *p, nfds_t n, int timeout)
{
    REAL(poll);
    int err = 0;
    if (n == 1 && decide(p[0].fd, OP_POLL, &err) == 1) { errno = err; return -1; }
    return real_poll(p, n, timeout);
}

#define MODE(flags) mode_t mode = 0; \
    if ((flags) & (O_CREAT | __O_TMPFILE)) { \
        va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }

int open(const char *path, int flags, ...)
{
    REAL(open); MODE(flags);
    int fd = real_open(path, flags, mode);
    track(fd, path);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    REAL(open64); MODE(flags);
    int fd = real_open64(path, flags, mode);
    track(fd, path);
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...)
{
    REAL(openat); MODE(flags);
    int fd = real_openat(dirfd, path, flags, mode);
    track(fd, path);
    return fd;
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    REAL(openat64); MODE(flags);
    int fd = real_openat64(dirfd, path, flags, mode);
    track(fd, path);
    return fd;
}

/* A duplicate reads the same file (search_stream counts through one). */
int dup(int fd)
{
    REAL(dup);
    int r = real_dup(fd);
    copy_mark(fd, r);
    return r;
}

int dup2(int fd, int to)
{
    REAL(dup2);
    int r = real_dup2(fd, to);
    if (r >= 0) copy_mark(fd, r);
    return r;
}

int dup3(int fd, int to, int flags)
{
    REAL(dup3);
    int r = real_dup3(fd, to, flags);
    if (r >= 0) copy_mark(fd, r);
    return r;
}

/* As glibc's own wrapper: the argument taken as a pointer, whatever cmd. */
static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
    int r = real(fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        copy_mark(fd, r);
    return r;
}

int fcntl(int fd, int cmd, ...)
{
    REAL(fcntl);
    va_list ap; va_start(ap, cmd); void *arg = va_arg(ap, void *); va_end(ap);
    return do_fcntl(real_fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
    REAL(fcntl64);
    va_list ap; va_start(ap, cmd); void *arg = va_arg(ap, void *); va_end(ap);
    return do_fcntl(real_fcntl64, fd, cmd, arg);
}

int close(int fd)
{
    REAL(close);
    set_mark(fd, 0);
    return real_close(fd);
}

__attribute__((destructor)) static void report(void)
{
    const char *out = getenv("WC_FAULT_OUT");
    FILE *f = out != NULL ? fopen(out, "w") : NULL;
    if (f == NULL)
        return;
    fprintf(f, "%lu %lu\n", __atomic_load_n(&calls, __ATOMIC_SEQ_CST),
            __atomic_load_n(&faults, __ATOMIC_SEQ_CST));
    fclose(f);
}
"""


def sample(total: int) -> list[int]:
    """The Ns of a sweep over `total` calls: all of the first SWEEP_FIRST,
    then SWEEP_MORE evenly spaced, and always the last."""
    ns = list(range(1, min(total, SWEEP_FIRST) + 1))
    if total > SWEEP_FIRST:
        step = max(1, (total - SWEEP_FIRST) // (SWEEP_MORE + 1))
        ns += range(SWEEP_FIRST + step, total, step)
        ns.append(total)
    return sorted(set(ns))


# ---- the oracles -------------------------------------------------------------


def space_words(data: bytes) -> list[bytes]:
    """The words of --words=space and of the Python API's default: the
    pieces of each line between spaces (a line ends at "\\n", one "\\r"
    before it dropped; a final "\\n" starts no line), empty ones included."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    words = []
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        words += line.split(b" ")
    return words


def unicode_words(data: bytes, casefold: bool) -> list[bytes]:
    """The words of --words=unicode: re.findall(r"\\w+") on the text."""
    words = re.findall(r"\w+", data.decode("utf-8"))
    return [(w.casefold() if casefold else w).encode() for w in words]


def freq(words: list[bytes]) -> collections.Counter:
    """Every non-empty word, in order of first occurrence."""
    return collections.Counter(w for w in words if w)


def top_lines(counter: collections.Counter, k: int) -> bytes:
    """--top K as `uniq -c` prints it: most frequent first, ties in order of
    first occurrence (Counter.most_common is a stable sort of that order)."""
    return b"".join(b"%7d %s\n" % (n, w) for w, n in counter.most_common(k))


def make_text(rng: random.Random, size: int) -> bytes:
    """Lines of words that the two word modes cut differently: CRLF, tabs,
    runs of spaces, punctuation, ß and é (valid UTF-8: the Python API's
    errors="strict" is the default)."""
    vocab = [b"is", b"the", b"is", b"x", b"Stra\xc3\x9fe", b"STRASSE", b"strasse",
             b"ERROR:", b"ERROR", b"caf\xc3\xa9", b"it's", b"a_b", b"--", b"the,"]
    seps = [b" "] * 12 + [b"  ", b"\t"]
    out, n = [], 0
    while n < size:
        k = rng.randrange(1, 14)
        line = b"".join(rng.choice(vocab) + rng.choice(seps) for _ in range(k))[:-1]
        line += b"\r\n" if rng.random() < 0.1 else b"\n"
        out.append(line)
        n += len(line)
    return b"".join(out)


@dataclass
class Data:
    dir: Path
    big: bytes
    other: bytes
    pipe: bytes  # what a pipe holds: the start of big, whole lines


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Data:
    d = tmp_path_factory.mktemp("io")
    # Only the files named for it are faulted, never the test's directories.
    assert MARK not in str(d), d
    rng = random.Random(20261204)
    big = make_text(rng, 3 << 20)       # 3 MiB: 48 blocks of BLOCK, on 2 threads
    other = make_text(rng, 300 << 10)   # over 256 KiB: counted in parallel too
    (d / BIG).write_bytes(big)
    (d / OTHER).write_bytes(other)
    cut = big.rindex(b"\n", 0, pipe_capacity() - 4096) + 1
    return Data(d, big, other, big[:cut])


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> dict:
    return preload_shim(tmp_path_factory.mktemp("shim"), SHIM)


_PIPE_CAPACITY = []


def pipe_capacity() -> int:
    """The bytes a pipe can hold once made as large as allowed (up to 1 MiB):
    a pipe filled before the child starts gives it the same reads every run."""
    if not _PIPE_CAPACITY:
        r, w = os.pipe()
        try:
            try:
                fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
            except OSError:
                pass
            _PIPE_CAPACITY.append(fcntl.fcntl(w, F_GETPIPE_SZ))
        finally:
            os.close(r)
            os.close(w)
    return _PIPE_CAPACITY[0]


def filled_pipe(content: bytes) -> int:
    """The read end of a pipe that holds `content`, its write end closed."""
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass
    assert fcntl.fcntl(w, F_GETPIPE_SZ) >= len(content)
    view = memoryview(content)
    while view:
        view = view[os.write(w, view):]
    os.close(w)
    return r


# ---- the command line ----------------------------------------------------------


@dataclass
class Scenario:
    args: list[str]
    # The input the shim faults: BIG, or "-" (standard input, from a
    # pre-filled pipe, or from BIG itself when stdin_file).
    faulted: str = BIG
    stdin_file: bool = False
    # Expected output without faults, and with the faulted input failing
    # (the lines of the other inputs), from the oracles.
    ok: bytes = b""
    eio: bytes = b""
    json: bool = False
    extra: dict = field(default_factory=dict)


_SCENARIOS = {}


def scenarios(d: Data) -> dict[str, Scenario]:
    if id(d) not in _SCENARIOS:
        _SCENARIOS.clear()
        _SCENARIOS[id(d)] = make_scenarios(d)
    return _SCENARIOS[id(d)]


def make_scenarios(d: Data) -> dict[str, Scenario]:
    big_sp, other_sp, pipe_sp = (space_words(t) for t in (d.big, d.other, d.pipe))
    big_u = unicode_words(d.big, casefold=True)
    other_u = unicode_words(d.other, casefold=True)
    n_is, m_is, p_is = big_sp.count(b"is"), other_sp.count(b"is"), pipe_sp.count(b"is")
    needles = [b"is", b"the", b"x", b"ERROR:", b"Stra\xc3\x9fe", b"a_b", b"--", b"it's",
               b"the,"]
    return {
        "count": Scenario(["--words=space", "is", BIG], ok=b"%d\n" % n_is),
        "unicode-ignore-case": Scenario(
            ["-i", "STRASSE", BIG], ok=b"%d\n" % big_u.count(b"strasse")),
        "two-files": Scenario(
            ["--words=space", "is", BIG, OTHER],
            ok=b"%s:%d\n%s:%d\ntotal:%d\n" % (BIG.encode(), n_is, OTHER.encode(), m_is,
                                             n_is + m_is),
            eio=b"%s:%d\ntotal:%d\n" % (OTHER.encode(), m_is, m_is)),
        "top": Scenario(
            ["--words=space", "--top", "6", BIG, OTHER],
            ok=top_lines(freq(big_sp + other_sp), 6), eio=top_lines(freq(other_sp), 6)),
        "top-unicode-ignore-case": Scenario(
            ["-i", "--top", "5", BIG, OTHER],
            ok=top_lines(freq(big_u + other_u), 5), eio=top_lines(freq(other_u), 5)),
        # 9 words: one hash-table look-up a word (the count_many path).
        "nine-words": Scenario(
            ["--words=space", "-H", *[a for n in needles for a in ("-e", n.decode())], BIG,
             OTHER],
            ok=b"".join(b"%s:%s:%d\n" % (f, n, ws.count(n)) for f, ws in (
                (BIG.encode(), big_sp), (OTHER.encode(), other_sp), (b"total", big_sp + other_sp))
                for n in needles),
            eio=b"".join(b"%s:%s:%d\n" % (f, n, other_sp.count(n))
                         for f in (OTHER.encode(), b"total") for n in needles)),
        # -L reads with read() in growing pieces, up to a match (none here).
        "files-without-match": Scenario(
            ["--words=space", "-L", "nosuchword", BIG, OTHER],
            ok=b"%s\n%s\n" % (BIG.encode(), OTHER.encode()), eio=b"%s\n" % OTHER.encode()),
        "json": Scenario(["--words=space", "--json", "is", BIG, OTHER], json=True,
                         extra={"n": n_is, "m": m_is}),
        "stdin-pipe": Scenario(
            ["--words=space", "-j", "2", "--block-size", str(PIPE_BLOCK), "is", "-", OTHER],
            faulted="-",
            ok=b"(standard input):%d\n%s:%d\ntotal:%d\n" % (p_is, OTHER.encode(), m_is,
                                                           p_is + m_is),
            eio=b"%s:%d\ntotal:%d\n" % (OTHER.encode(), m_is, m_is)),
        # -I on a pipe: its first 32 KiB read ahead (to tell binary), then
        # counted before the rest.
        "binary-check-stdin-pipe": Scenario(
            ["--words=space", "-I", "-j", "2", "--block-size", str(PIPE_BLOCK), "is", "-",
             OTHER],
            faulted="-",
            ok=b"(standard input):%d\n%s:%d\ntotal:%d\n" % (p_is, OTHER.encode(), m_is,
                                                           p_is + m_is),
            eio=b"%s:%d\ntotal:%d\n" % (OTHER.encode(), m_is, m_is)),
        "stdin-file": Scenario(
            ["--words=space", "--top", "4", "-", OTHER], faulted="-", stdin_file=True,
            ok=top_lines(freq(big_sp + other_sp), 4), eio=top_lines(freq(other_sp), 4)),
    }


def json_expected(sc: Scenario, failed: bool) -> dict:
    n, m = sc.extra["n"], sc.extra["m"]
    first = {"path": BIG, "error": EIO_MSG} if failed else {"path": BIG, "counts": {"is": n}}
    return {"needles": ["is"], "inputs": [first, {"path": OTHER, "counts": {"is": m}}],
            "total": {"is": m if failed else n + m}}


SCENARIOS = ["count", "unicode-ignore-case", "two-files", "top", "top-unicode-ignore-case",
             "nine-words", "files-without-match", "json", "stdin-pipe",
             "binary-check-stdin-pipe", "stdin-file"]


def run_cli(d: Data, sc: Scenario, env: dict | None, out: Path | None = None, **fault):
    """The tool on the scenario (cwd: the data, so that names are as given),
    with the shim's fault plan `fault` when env is the shim's.  Returns the
    CompletedProcess and the shim's (calls, faults)."""
    args = [str(WORDCOUNT)]
    if "-j" not in sc.args:
        args += ["-j", "2", "--block-size", str(BLOCK)]
    args += sc.args
    if env is not None:
        env = {**env, "WC_FAULT_OUT": str(out),
               **{f"WC_FAULT_{k.upper()}": str(v) for k, v in fault.items()}}
        if sc.faulted == "-":
            env["WC_FAULT_STDIN"] = "1"
        out.unlink(missing_ok=True)
    if sc.stdin_file:
        stdin = os.open(d.dir / BIG, os.O_RDONLY)
    elif sc.faulted == "-":
        stdin = filled_pipe(d.pipe)
    else:
        stdin = subprocess.DEVNULL
    try:
        r = subprocess.run(args, stdin=stdin, capture_output=True, env=env, cwd=d.dir,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung (over {TIMEOUT} s): {fault} {args}")
    finally:
        if stdin != subprocess.DEVNULL:
            os.close(stdin)
    assert r.returncode >= 0, f"killed by signal {-r.returncode}: {fault}\n{r.stderr!r}"
    if env is None:
        return r, None
    calls, faults = map(int, out.read_text().split())
    return r, (calls, faults)


_CLEAN = {}


def clean_run(d: Data, shim: dict, name: str, tmp_path: Path):
    """The scenario without faults, checked against the oracle, and the
    number of marked calls the shim counts in it (the same output under the
    shim)."""
    key = (id(d), name)
    if key not in _CLEAN:
        sc = scenarios(d)[name]
        r, _ = run_cli(d, sc, None)
        if sc.json:
            assert json.loads(r.stdout) == json_expected(sc, failed=False), r
        else:
            assert r.stdout == sc.ok, (r.stdout[:2000], sc.ok[:2000])
        assert r.stderr == b"", r.stderr
        assert r.returncode == (1 if name == "files-without-match" else 0), r
        counted, (calls, faults) = run_cli(d, sc, shim, tmp_path / "fault.out", kind="count")
        assert (counted.returncode, counted.stdout, counted.stderr) == (
            r.returncode, r.stdout, r.stderr)
        assert faults == 0 and calls >= 2, (name, calls)
        _CLEAN[key] = (sc, r, calls)
    return _CLEAN[key]


@pytest.mark.parametrize("name", SCENARIOS)
def test_cli_eintr_anywhere_changes_nothing(data, shim, tmp_path, name):
    sc, clean, calls = clean_run(data, shim, name, tmp_path)
    for n in sample(calls):
        r, (_, faults) = run_cli(data, sc, shim, tmp_path / "fault.out", kind="eintr", nth=n)
        assert faults == 1, (name, n, calls)
        assert (r.returncode, r.stdout, r.stderr) == (
            clean.returncode, clean.stdout, clean.stderr), (name, n, r.stderr)


@pytest.mark.parametrize("name", SCENARIOS)
def test_cli_short_reads_change_nothing(data, shim, tmp_path, name):
    sc, clean, calls = clean_run(data, shim, name, tmp_path)
    # From the first call on, reads of 4093 bytes; from the middle, of 7;
    # the last call alone, byte by byte.
    for n, short in ((1, 4093), ((calls + 1) // 2, 7), (calls, 1)):
        r, (_, faults) = run_cli(data, sc, shim, tmp_path / "fault.out", kind="short",
                                 nth=n, short=short)
        assert faults >= 1, (name, n, calls)
        assert (r.returncode, r.stdout, r.stderr) == (
            clean.returncode, clean.stdout, clean.stderr), (name, n, short, r.stderr)


@pytest.mark.parametrize("name", SCENARIOS)
def test_cli_eio_anywhere_is_reported_and_the_rest_counted(data, shim, tmp_path, name):
    sc, clean, calls = clean_run(data, shim, name, tmp_path)
    shown = "(standard input)" if sc.faulted == "-" else sc.faulted
    message = f"wordcount: {shown}: {EIO_MSG}\n".encode()
    for n in sample(calls):
        r, (_, faults) = run_cli(data, sc, shim, tmp_path / "fault.out", kind="eio", nth=n)
        assert faults == 1, (name, n, calls)
        assert r.returncode == 2, (name, n, r)
        assert r.stderr == message, (name, n, r.stderr)
        if sc.json:
            assert json.loads(r.stdout) == json_expected(sc, failed=True), (name, n, r.stdout)
        else:
            assert r.stdout == sc.eio, (name, n, r.stdout[:2000], sc.eio[:2000])


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
def test_cli_eio_in_the_binary_check_is_reported(shim, tmp_path, stdin):
    """A binary file skipped by -I, whose first read (the check) fails once
    with EIO: the error is reported (exit 2, grep's message, nothing on
    standard output), never taken for "not binary" and the file counted as
    text with exit 0 and no message (the bug this test found).  Named, and
    as a regular file on standard input (checked from where it stands)."""
    d = tmp_path / "bin"
    d.mkdir()
    assert MARK not in str(d), d
    path = d / f"{MARK}-binary"
    path.write_bytes(b"is is\0 is\n")
    argv = [str(WORDCOUNT), "--words=space", "-I", "-c", "is"]
    if not stdin:
        argv.append(path.name)
    shown = "(standard input)" if stdin else path.name

    def run(env):
        with open(path, "rb") as f:
            return subprocess.run(argv, stdin=f if stdin else subprocess.DEVNULL,
                                  capture_output=True, cwd=d, env=env, timeout=TIMEOUT)

    clean = run(None)
    assert (clean.returncode, clean.stdout, clean.stderr) == (1, b"0\n", b"")
    out = tmp_path / "fault.out"
    env = {**shim, "WC_FAULT_OUT": str(out), "WC_FAULT_KIND": "eio", "WC_FAULT_NTH": "1"}
    if stdin:
        env["WC_FAULT_STDIN"] = "1"
    r = run(env)
    assert out.read_text().split()[1] == "1"  # the fault was made
    assert (r.returncode, r.stdout, r.stderr) == (
        2, b"", f"wordcount: {shown}: {EIO_MSG}\n".encode()), r


# ---- the Python API, in a child process under the shim ------------------------------

# The child sweeps the faults in one process (the shim's plan is set through
# ctypes before each call): the count without faults first, then each N.
# Each result is printed as one JSON line.
CHILD = r"""
import ctypes, fcntl, json, os, sys
import word_count

cfg = json.loads(sys.argv[1])
BIG, BLOCK, PIPE_BLOCK = cfg["big"], cfg["block"], cfg["pipe_block"]
lib = ctypes.CDLL(None)
lib.wcfault_arm.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_char_p]
lib.wcfault_mark.argtypes = [ctypes.c_int, ctypes.c_int]

def stats():
    c, f = ctypes.c_ulong(), ctypes.c_ulong()
    lib.wcfault_stats(ctypes.byref(c), ctypes.byref(f))
    return c.value, f.value

# What the pipes hold: the first whole lines of BIG (read before any plan).
with open(BIG, "rb") as f:
    PIPE_CONTENT = f.read(cfg["pipe_len"])

def pipe(buffered):
    # A pipe that holds PIPE_CONTENT, its writer closed.
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except OSError:
        pass
    view = memoryview(PIPE_CONTENT)
    while view:
        view = view[os.write(w, view):]
    os.close(w)
    lib.wcfault_mark(r, 1)
    return os.fdopen(r, "rb", buffering=-1 if buffered else 0)

def stream_file(fn, **kw):
    with open(BIG, "rb") as f:
        f.seek(cfg["offset"])
        try:
            result = fn(f, **kw)
        except Exception as e:
            e.wc_pos = f.tell()
            raise
        return result, f.tell()

def stream_pipe(fn, buffered, **kw):
    with pipe(buffered) as f:
        return fn(f, block_size=PIPE_BLOCK, **kw), None

W = word_count
CASES = {
    "search_file": lambda: (W.search_file(BIG, "is", threads=2, block_size=BLOCK), None),
    "search_file-unicode-casefold": lambda: (W.search_file(
        BIG, "STRASSE", words="unicode", casefold=True, threads=2, block_size=BLOCK), None),
    "frequencies_file": lambda: (W.frequencies_file(BIG, threads=2, block_size=BLOCK), None),
    "frequencies_file-top-unicode-casefold": lambda: (W.frequencies_file(
        BIG, top=5, words="unicode", casefold=True, threads=2, block_size=BLOCK), None),
    "search_stream-file": lambda: stream_file(
        W.search_stream, needle="is", threads=2, block_size=BLOCK),
    "frequencies_stream-file": lambda: stream_file(
        W.frequencies_stream, threads=2, block_size=BLOCK),
    "search_stream-pipe": lambda: stream_pipe(W.search_stream, True, needle="is"),
    "frequencies_stream-pipe-unicode-casefold": lambda: stream_pipe(
        W.frequencies_stream, False, words="unicode", casefold=True),
}

def outcome(fn):
    try:
        result, pos = fn()
    except Exception as e:
        return {"exc": type(e).__name__, "errno": getattr(e, "errno", None),
                "filename": getattr(e, "filename", None), "str": str(e),
                "pos": getattr(e, "wc_pos", None)}
    if isinstance(result, int):
        return {"ok": result, "pos": pos}
    return {"ok": [[w.hex(), n] for w, n in result.items()], "pos": pos}

fn = CASES[cfg["case"]]
def emit(**kw):
    print(json.dumps(kw), flush=True)

lib.wcfault_arm(b"count", 0, 0, cfg["ops"].encode())
emit(n=0, out=outcome(fn), stats=stats())
calls = stats()[0]
SAMPLE
plan = [(n, 0) for n in sample(calls)] if cfg["kind"] != "short" else [
    (1, 4093), ((calls + 1) // 2, 7), (calls, 1)]
for n, short in plan:
    lib.wcfault_arm(cfg["kind"].encode(), n, short, cfg["ops"].encode())
    emit(n=n, out=outcome(fn), stats=stats())
# After all of them, the same process counts as before.
lib.wcfault_arm(b"count", 0, 0, cfg["ops"].encode())
emit(n=-1, out=outcome(fn), stats=stats())
"""

PY_CASES = ["search_file", "search_file-unicode-casefold", "frequencies_file",
            "frequencies_file-top-unicode-casefold", "search_stream-file",
            "frequencies_stream-file", "search_stream-pipe",
            "frequencies_stream-pipe-unicode-casefold"]


_PY_EXPECTED = {}


def py_expected(d: Data, case: str):
    """(the result as the child prints it, the stream's position after it)."""
    key = (id(d), case)
    if key not in _PY_EXPECTED:
        _PY_EXPECTED[key] = py_oracle(d, case)
    return _PY_EXPECTED[key]


def py_oracle(d: Data, case: str):
    offset = stream_offset(d)
    if "-pipe" in case:
        text = d.pipe
    elif case.endswith("stream-file"):
        text = d.big[offset:]
    else:
        text = d.big
    pos = len(d.big) if case.endswith("stream-file") else None
    if case.startswith("search"):
        if "unicode" in case:
            return unicode_words(text, casefold=True).count(b"strasse"), pos
        return space_words(text).count(b"is"), pos
    if "unicode" in case:
        counter = freq(unicode_words(text, casefold=True))
    else:
        counter = freq(space_words(text))
    if "top" in case:
        counter = collections.Counter(dict(counter.most_common(5)))
    return [[w.hex(), n] for w, n in counter.items()], pos


def stream_offset(d: Data) -> int:
    """Where the stream tests start their file: the start of a line past the
    first block, so that the count starts at the descriptor's offset."""
    return d.big.index(b"\n", BLOCK + 12345) + 1


def run_child(d: Data, shim: dict, case: str, kind: str, ops: str) -> list[dict]:
    cfg = {"case": case, "kind": kind, "ops": ops, "big": str(d.dir / BIG),
           "block": BLOCK, "pipe_block": PIPE_BLOCK, "pipe_len": len(d.pipe),
           "offset": stream_offset(d)}
    src = CHILD.replace("SAMPLE", "SWEEP_FIRST, SWEEP_MORE = %d, %d\n%s" % (
        SWEEP_FIRST, SWEEP_MORE, inspect.getsource(sample)))
    try:
        r = subprocess.run([sys.executable, "-c", src, json.dumps(cfg)], capture_output=True,
                           env=shim, cwd=d.dir, timeout=TIMEOUT * 2)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"hung: {case} {kind} {ops}; got so far:\n{(e.stdout or b'')[-2000:]!r}")
    assert r.returncode == 0, f"{case} {kind}: exit {r.returncode}\n{r.stderr.decode()[-3000:]}"
    return [json.loads(line) for line in r.stdout.splitlines()]


PY_KINDS = [("eintr", "read,pread"), ("short", "read,pread"), ("eio", "read,pread")]
# poll() waits on a pipe only (the Python API polls it to run signal
# handlers while a writer is silent): EINTR there too.
PY_PARAMS = [(case, kind, ops) for case in PY_CASES for kind, ops in PY_KINDS] + [
    (case, "eintr", "poll") for case in PY_CASES if "-pipe" in case]


@pytest.mark.parametrize("case,kind,ops", PY_PARAMS,
                         ids=[f"{c}-{k}-{o.replace(',', '+')}" for c, k, o in PY_PARAMS])
def test_python_api_faults(data, shim, case, kind, ops):
    expected, pos = py_expected(data, case)
    lines = run_child(data, shim, case, kind, ops)
    first, *sweep, last = lines
    assert first["out"] == {"ok": expected, "pos": pos}, (case, first)
    assert last["out"] == first["out"], (case, last)
    calls = first["stats"][0]
    assert calls >= 2, (case, ops, calls)
    assert sweep, (case, kind)
    if kind != "short":
        assert [s["n"] for s in sweep] == sample(calls)
    bigpath = str(data.dir / BIG)
    for s in sweep:
        n, out, (_, faults) = s["n"], s["out"], s["stats"]
        if kind == "short":
            assert faults >= 1, (case, s)
        else:
            assert faults == 1, (case, s)
        if kind != "eio":
            assert out == first["out"], (case, kind, n, out)
            continue
        assert out.get("exc") is not None, (case, n, out)
        assert out["errno"] == errno.EIO, (case, n, out)
        assert out["exc"] == "OSError", (case, n, out)
        if "-pipe" not in case:
            assert out["filename"] == bigpath, (case, n, out)
            assert bigpath in out["str"] and EIO_MSG in out["str"], (case, n, out)
        if "stream-file" in case:
            # The object is left where it stood (ext/files.c seeks it back).
            assert out["pos"] == stream_offset(data), (case, n, out)
