"""word_count.dask: counts on Dask equal each file counted alone, at every
block boundary, on the local scheduler and on a 2-process LocalCluster,
including when a worker process dies mid-job."""

from __future__ import annotations

import errno
from collections import Counter
import os
import signal
import subprocess
import sys
import sysconfig
import time

import pytest

dask = pytest.importorskip("dask", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

import word_count  # noqa: E402
import word_count.dask as wd  # noqa: E402
from word_count._ranges import line_range  # noqa: E402
from dist_layouts import (  # noqa: E402
    LAYOUTS, NEEDLES, PROC_FILES, SPLIT_WORD, SYS_FILES, expected_count, frequencies_oracle,
    write_files)
from helpers import reference_count  # noqa: E402

HAVE_FREQUENCIES = hasattr(word_count, "frequencies")
needs_frequencies = pytest.mark.skipif(not HAVE_FREQUENCIES,
                                       reason="word_count.frequencies not available")
# Block sizes on the cluster (each task costs a few ms there; blocksize 1 and
# every other small size run on the local scheduler below).
SIZES = (2, 5, None)  # None: one block per file


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_files(tmp_path_factory.mktemp("layouts"))


@pytest.fixture(scope="module")
def client():
    # allowed-failures: how often a task may lose its worker before Dask gives
    # up (3 is Dask's default; set here so the kill test does not depend on it).
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
        cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                           dashboard_address=":0")
    # Not the default scheduler: tests without a client use the local one.
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"),
                    reason="a free-threaded build's setting")
def test_dask_profiler_is_off_on_a_free_threaded_build(client):
    """Dask's profiler reads other threads' frames, a use-after-free on
    3.13t (CPython gh-152355) that crashed a test-ft worker: conftest turns
    it off, here, in the scheduler's process and in the workers'."""
    assert dask.config.get("distributed.worker.profile.enabled") is False
    assert set(client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
               .values()) == {False}


def test_ranges_partition_each_file(files):
    """What the tasks count: for every block size, the pieces the ranges of a
    file are read in are the file, in order, and every non-empty piece but
    the last ends with "\\n"; block boundaries fall on every byte."""
    for path, data in files.items():
        for size in list(range(1, len(data) + 2)) + [None]:
            pieces = []
            for fs, p, lo, hi, n in wd._ranges(path, size, None):
                if n is None:  # size 0 or not known: the whole file, as a stream
                    pieces.append(data)
                    continue
                with fs.open(p, "rb") as f:
                    start, end = line_range(f, lo, hi, n)
                pieces.append(data[start:end])
            assert b"".join(pieces) == data, (path, size)
            nonempty = [b for b in pieces if b]
            assert all(b.endswith(b"\n") for b in nonempty[:-1]), (path, size)


def test_block_counts_add_up(files):
    """count(A + B) == count(A) + count(B) when A ends with "\\n", with the
    reference on both sides (no Dask): every cut just after a newline."""
    for data in files.values():
        cuts = [i + 1 for i, c in enumerate(data) if c == 10]
        for cut in cuts:
            for needle in NEEDLES:
                assert (reference_count(data[:cut], needle) + reference_count(data[cut:], needle)
                        == reference_count(data, needle))
                assert (word_count.search(data[:cut], needle) + word_count.search(data[cut:], needle)
                        == reference_count(data, needle))


def test_local_scheduler_every_blocksize(files):
    """No client: Dask's default (threaded) scheduler; each file alone, block
    sizes that put a boundary on every byte."""
    for path, data in files.items():
        for size in list(range(1, 12)) + [None]:
            for needle in NEEDLES:
                got = wd.search_files(path, needle, blocksize=size)
                assert got == reference_count(data, needle), (path, size, needle)
                assert got == word_count.search_file(path, needle), (path, size, needle)


def test_files_are_never_joined(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(SPLIT_WORD[0])
    b.write_bytes(SPLIT_WORD[1])
    assert expected_count(SPLIT_WORD, b"is") == 0  # the layout does what it says
    assert reference_count(b"".join(SPLIT_WORD), b"is") == 1
    for size in (1, 2, None):
        assert wd.search_files([str(a), str(b)], "is", blocksize=size) == 0


def test_cluster_every_layout(files, client):
    for size in SIZES:
        for needle in NEEDLES:
            got = wd.search_files(list(files), needle, blocksize=size, client=client)
            assert got == expected_count(files.values(), needle), (size, needle)
            # and exactly what search_file gives, file by file
            assert got == sum(word_count.search_file(p, needle) for p in files), (size, needle)


def test_cluster_glob_of_many_small_files(tmp_path, client):
    from dist_layouts import _random_layout
    contents = []
    for i in range(60):
        data = _random_layout(100 + i, i % 23)
        (tmp_path / f"f{i:03d}.txt").write_bytes(data)
        contents.append(data)
    glob = str(tmp_path / "*.txt")
    for needle in (b"is", b""):
        want = expected_count(contents, needle)
        assert wd.search_files(glob, needle, blocksize=7, client=client, split_every=3) == want
        assert wd.search_files(glob, needle, blocksize="1MiB") == want  # local scheduler


def test_cluster_worker_killed_mid_job(files, client, tmp_path):
    """The first block task to run kills its own worker process (SIGKILL);
    Dask reruns the lost tasks on the restarted or the other worker, and the
    count is still exact."""
    marker = str(tmp_path / "killed")

    def arm(marker=marker):
        # Runs in each worker: the block task (looked up by name when a task
        # is unpickled) becomes one that, the first time anywhere, records
        # its pid and kills its own process.
        import os
        import signal

        import word_count.dask as wdm
        original = wdm._over_range

        def killer(*args):
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return original(*args)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)

        wdm._original_over_range = original
        wdm._over_range = killer

    def disarm():
        import word_count.dask as wdm
        wdm._over_range = getattr(wdm, "_original_over_range", wdm._over_range)

    pids_before = set(client.run(os.getpid).values())
    client.run(arm)
    try:
        got = wd.search_files(list(files), "is", blocksize=3, client=client)
    finally:
        client.wait_for_workers(2, timeout=60)
        client.run(disarm)
    assert os.path.exists(marker), "no worker was killed: the test did not test anything"
    killed = int(open(marker).read())
    assert killed in pids_before
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)
    assert killed not in set(client.run(os.getpid).values())
    assert got == expected_count(files.values(), b"is")


def test_progress_bar_local(files, capsys):
    path, data = next(iter(files.items()))
    assert wd.search_files(path, "is", blocksize=4, progress=True) == reference_count(data, b"is")
    assert "Completed" in capsys.readouterr().out


def test_options_reach_the_block_worker(files):
    path, data = next(iter(files.items()))
    assert wd.search_files(path, b"is", blocksize=2, threads=1) == reference_count(data, b"is")
    with pytest.raises(ValueError):
        wd.search_files(path, b"is", threads=0)  # checked before anything is read
    with pytest.raises(TypeError):
        wd.search_files(path, b"is", thread=1)


def test_bad_arguments(tmp_path, files):
    path = next(iter(files))
    with pytest.raises(TypeError):
        wd.search_files(path, 3)
    with pytest.raises(ValueError):
        wd.search_files(path, "is", split_every=1)
    with pytest.raises(FileNotFoundError):
        wd.search_files(str(tmp_path / "missing.txt"), "is")
    with pytest.raises(OSError):
        wd.search_files(str(tmp_path / "*.none"), "is")
    with pytest.raises(IsADirectoryError):
        wd.search_files(str(tmp_path), "is")
    with pytest.raises(ValueError):
        wd.search_files(path, "is", blocksize=0)
    for flag in (True, False):  # bool is an int: True was taken as 1 byte a block
        with pytest.raises(ValueError, match="blocksize"):
            wd.search_files(path, "is", blocksize=flag)


def test_urlpath_storage_options_and_client_are_checked(files):
    """A bytes urlpath is a path, as search_file's; anything that is not a
    path nor an iterable of them, a storage_options that is not a mapping
    and a client with no compute() are TypeErrors naming the argument.  They
    were a TypeError about ints (bytes iterated), "'NoneType' object is not
    iterable", AttributeErrors, or for a list, storage_options=3 ignored."""
    path = next(iter(files))
    want = wd.search_files(path, "is")
    assert wd.search_files(os.fsencode(path), "is") == want
    for bad in (None, 3):
        with pytest.raises(TypeError, match="urlpath must be"):
            wd.search_files(bad, "is")
    for where in (path, [path]):
        with pytest.raises(TypeError, match="storage_options must be a mapping"):
            wd.search_files(where, "is", storage_options=3)
        assert wd.search_files(where, "is", storage_options={}) == want
    with pytest.raises(TypeError, match="client must be"):
        wd.search_files(path, "is", client=3)


@pytest.mark.parametrize("scheduler", ["synchronous", "threads", "cluster"])
def test_invalid_utf8_in_several_ranges_raises_the_first(tmp_path, scheduler, request):
    """Bad bytes in several ranges (of one file, of two files): the error is
    the first bad byte of the first file that has one, as search_file on
    the files in order raises it (and bytes.decode on each file).  It was
    the error of whichever range's task failed first in time: on the
    synchronous scheduler a later file's later byte, on threads either.
    On a cluster it also came without its start, end and reason (0, 0,
    None: an empty message), as dask's pickling of exceptions (tblib's)
    sends a UnicodeDecodeError."""
    client = request.getfixturevalue("client") if scheduler == "cluster" else None
    where = {"client": client} if client else {}

    def local():
        return dask.config.set(scheduler=scheduler) if not client else dask.config.set({})
    lines = b"ab cd\n" * 500
    a = tmp_path / "a.txt"
    a.write_bytes(lines + b"x\xfdy\n" + lines)
    b = tmp_path / "b.txt"
    b.write_bytes(lines + b"x\xffy\n" + lines * 20 + b"q\xfez\n" + lines)
    for paths in ([str(b)], [str(a), str(b)]):
        first = paths[0]
        data = open(first, "rb").read()
        with pytest.raises(UnicodeDecodeError) as want:
            data.decode()
        for blocksize in (1000, 7000):
            for fn, args in ((wd.search_files, ("ab",)), (wd.frequencies_files, ()),
                             (wd.frequencies_files_arrays, ())):
                for _ in range(3):
                    with pytest.raises(UnicodeDecodeError) as got, local():
                        fn(paths, *args, blocksize=blocksize, words="unicode", **where)
                    e = got.value
                    assert (e.filename, e.file_offset) == (first, want.value.start), \
                        (fn.__name__, paths, blocksize, str(e))
                    assert e.object[e.start:e.end] == data[want.value.start:want.value.end]
                    assert e.reason == f"{want.value.reason} at byte offset {e.file_offset} " \
                                       f"of {first!r}"


def test_a_file_that_shrinks_after_the_plan_raises(tmp_path, monkeypatch):
    """A file that is shorter when its range is counted than when its ranges
    were planned raises OSError(EIO), local or remote (fsspec's memory file
    system); the remote one was counted as far as it went, silently.  The
    plan is made, then the file is cut, then the tasks run."""
    fsspec = pytest.importorskip("fsspec")
    data = b"is a word\n" * 1000
    local = tmp_path / "shrink.txt"
    memfs = fsspec.filesystem("memory")
    real_ranges = wd._ranges

    def plan_then_cut(urlpath, blocksize, storage_options):
        plan = real_ranges(urlpath, blocksize, storage_options)
        local.write_bytes(data[:len(data) // 2])
        with memfs.open("/wc-shrink/shrink.txt", "wb") as f:
            f.write(data[:len(data) // 2])
        return plan

    monkeypatch.setattr(wd, "_ranges", plan_then_cut)
    for url in (str(local), "memory://wc-shrink/shrink.txt"):
        for blocksize in (None, 4000):
            local.write_bytes(data)
            with memfs.open("/wc-shrink/shrink.txt", "wb") as f:
                f.write(data)
            with pytest.raises(OSError) as e, dask.config.set(scheduler="synchronous"):
                wd.search_files(url, "is", blocksize=blocksize)
            assert e.value.errno == errno.EIO, (url, blocksize)


def test_a_file_that_grows_after_the_plan_keeps_its_last_word_whole(tmp_path, monkeypatch):
    """A file that did not end with a newline when its ranges were planned
    and has grown since (a log being written): the last line is read to its
    end, so its last word is whole ("island"; it was counted as "isl", cut at
    the planned size); the lines appended after it are not counted, as
    search_file does not count bytes appended after it opened a file.  Local
    and remote (fsspec's memory file system), one range and several."""
    fsspec = pytest.importorskip("fsspec")
    planned = b"is a word\n" * 1000 + b"an isl"
    grown = planned + b"and is\nis appended\n"
    local = tmp_path / "grow.txt"
    memfs = fsspec.filesystem("memory")
    real_ranges = wd._ranges

    def write(data):
        local.write_bytes(data)
        with memfs.open("/wc-grow/grow.txt", "wb") as f:
            f.write(data)

    def plan_then_grow(urlpath, blocksize, storage_options):
        plan = real_ranges(urlpath, blocksize, storage_options)
        write(grown)
        return plan

    monkeypatch.setattr(wd, "_ranges", plan_then_grow)
    # The oracle: the planned text with its last line as it now reads.
    want = Counter((planned + b"and is\n").split())
    for url in (str(local), "memory://wc-grow/grow.txt"):
        for blocksize in (None, 4000, 7):
            write(planned)
            with dask.config.set(scheduler="synchronous"):
                got = wd.frequencies_files(url, blocksize=blocksize)
            assert got == want, (url, blocksize)
            assert b"isl" not in got
            write(planned)
            with dask.config.set(scheduler="synchronous"):
                assert wd.search_files(url, "is", blocksize=blocksize) == 1001


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "word_count.dask", *args],
                          capture_output=True, timeout=120)


def test_cli(files, client):
    paths = list(files)
    want = expected_count(files.values(), b"is")
    r = _cli("is", *paths, "--blocksize", "3")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == want
    r = _cli("is", *paths, "--blocksize", "5", "--scheduler", client.scheduler.address)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == want
    r = _cli("nowhere-to-be-found", *paths)
    assert (r.returncode, int(r.stdout)) == (1, 0)
    r = _cli("is", paths[0] + ".missing")
    assert r.returncode == 2 and b"missing" in r.stderr
    # --blocksize: ASCII digits or a size; "²" was int()'s message, "٣" 3 bytes.
    assert _cli("is", paths[0], "--blocksize", "1KiB").stdout == _cli("is", paths[0]).stdout
    for bad in ("²", "٣", "lots", "1.5.2MB"):
        r = _cli("is", paths[0], "--blocksize", bad)
        assert r.returncode == 2 and b"argument --blocksize: not a number of bytes" in r.stderr, \
            (bad, r.stderr)


@needs_frequencies
def test_frequencies_every_layout(files, client):
    for size in (1, 3, 8, None):
        assert wd.frequencies_files(list(files), blocksize=size) == \
            frequencies_oracle(files.values()), size
    got = wd.frequencies_files(list(files), blocksize=2, client=client)
    assert got == frequencies_oracle(files.values())


def _items(arr):
    """FrequencyArrays as a list of (word, count), in their order."""
    return [(arr.data[arr.offsets[i]:arr.offsets[i + 1]], arr.counts[i])
            for i in range(len(arr.counts))]


@needs_frequencies
def test_frequencies_arrays_every_layout(files, client, tmp_path):
    """frequencies_files_arrays: the oracle's words and counts in order of
    first occurrence over the files (or most_common with top), on the
    local scheduler at every block size, on a cluster, and for a file of
    a remote file system (memory://: read through its file object)."""
    full = frequencies_oracle(files.values())
    want = list(full.items())
    for size in (1, 3, 8, None):
        assert _items(wd.frequencies_files_arrays(list(files), blocksize=size)) == want, size
    got = wd.frequencies_files_arrays(list(files), blocksize=2, client=client)
    assert isinstance(got, word_count.FrequencyArrays)
    assert _items(got) == want
    for top in (0, 3, len(want) + 1):
        assert _items(wd.frequencies_files_arrays(list(files), top=top, blocksize=4)) == \
            full.most_common(top), top
    with pytest.raises(ValueError):
        wd.frequencies_files_arrays(list(files), top=-1)
    import fsspec
    data = b"b a b\nc  a\n\nd b\n" * 5
    with fsspec.filesystem("memory").open("memory://wc-arrays/t.txt", "wb") as f:
        f.write(data)
    for size in (3, 16, None):
        assert _items(wd.frequencies_files_arrays("memory://wc-arrays/t.txt",
                                                  blocksize=size)) \
            == list(frequencies_oracle([data]).items()), size


def test_memory_files_on_the_threaded_scheduler():
    """fsspec's memory file system hands every open() of a file the same
    file object: the tasks of Dask's threaded scheduler (the default) shared
    its position, so they miscounted (b counted 17 times of 15 at block
    size 3) or raised that the file had shrunk.  Each task now reads a view
    of its own.  Oracles: bytes.split per line, reference_count."""
    import fsspec
    data = b"b a b\nc  a\n\nd b\n" * 40 + b"is this is\n" * 30
    url = "memory://wc-threads/t.txt"
    with fsspec.filesystem("memory").open(url, "wb") as f:
        f.write(data)
    want = frequencies_oracle([data])
    for _ in range(3):
        for size in (1, 3, 5, 16, 64, None):
            assert wd.search_files(url, "is", blocksize=size) == \
                reference_count(data, b"is"), size
            if HAVE_FREQUENCIES:
                assert wd.frequencies_files(url, blocksize=size) == want, size
                assert _items(wd.frequencies_files_arrays(url, blocksize=size)) == \
                    list(want.items()), size


@needs_frequencies
def test_top_of_a_wrong_type_is_a_type_error(files):
    """top= is checked as frequencies(top=) checks it: a bool, a str or a
    float is a TypeError (they were ValueErrors), a negative int a
    ValueError."""
    paths = list(files)
    for bad in (True, "3", 1.0):
        with pytest.raises(TypeError):
            word_count.frequencies("a", top=bad)
        with pytest.raises(TypeError):
            wd.frequencies_files(paths, top=bad)
    with pytest.raises(ValueError):
        wd.frequencies_files(paths, top=-1)


def test_frequencies_top(files):
    full = frequencies_oracle(files.values())
    top = wd.frequencies_files(list(files), top=3, blocksize=4)
    assert list(top.items()) == sorted(full.items(), key=lambda kv: -kv[1])[:3]


@needs_frequencies
def test_frequencies_cli(files):
    r = _cli("--top", "2", *files, "--blocksize", "3")
    assert r.returncode == 0, r.stderr
    full = frequencies_oracle(files.values())
    want = sorted(full.items(), key=lambda kv: -kv[1])[:2]
    assert r.stdout == b"".join(b"%7d %s\n" % (n, w) for w, n in want)


# ---- failures are one line and exit 2; files of unknown size ---------------

def _cli_env(*args, **env):
    return subprocess.run([sys.executable, "-m", "word_count.dask", *args],
                          capture_output=True, timeout=180, env={**os.environ, **env})


def _one_line_failure(r):
    """Exit 2 (1 means "none found"), one line on stderr naming the module,
    no traceback."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("word_count.dask: "), r.stderr
    assert b"Traceback" not in r.stderr
    return lines[0]


def test_cli_url_whose_backend_is_missing(files):
    import importlib.util
    if importlib.util.find_spec("s3fs") is None:  # fsspec raises ImportError
        line = _one_line_failure(_cli("is", "s3://word-count-test/none/*.txt"))
        assert "s3" in line
    line = _one_line_failure(_cli("is", "nosuchprotocol://host/file.txt"))
    assert "nosuchprotocol" in line


def test_cli_unreachable_scheduler(files):
    path = next(iter(files))
    r = _cli_env("is", path, "--scheduler", "tcp://127.0.0.1:9",
                 DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="3s")
    _one_line_failure(r)


needs_proc = pytest.mark.skipif(not PROC_FILES, reason="needs /proc")


def _proc_needles(data: bytes):
    words = [w for line in data.split(b"\n") for w in line.split(b" ") if w]
    return sorted(set(words))[:3] + [b"nodev", b""]


@needs_proc
def test_files_of_unknown_size_are_read_as_streams(tmp_path):
    """/proc files report size 0 and still have bytes, sysfs ones 4,096 and
    hold a few: search_file reads them as streams, and so must the Dask
    tasks (they counted 0, and failed as files that shrank).  The contents
    of these files do not change while the test runs."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for path in PROC_FILES + SYS_FILES:
        data = open(path, "rb").read()
        assert os.path.getsize(path) != len(data)
        assert data
        for needle in _proc_needles(data):
            want = reference_count(data, needle)
            assert word_count.search_file(path, needle) == want
            for blocksize in (1, 64, None):
                assert wd.search_files(path, needle, blocksize=blocksize) == want, needle
        assert wd.search_files([path, str(empty)], _proc_needles(data)[0]) == \
            reference_count(data, _proc_needles(data)[0])
    if HAVE_FREQUENCIES:
        datas = [open(p, "rb").read() for p in PROC_FILES + SYS_FILES]
        assert wd.frequencies_files(PROC_FILES + SYS_FILES) == frequencies_oracle(datas)
        assert _items(wd.frequencies_files_arrays(PROC_FILES + SYS_FILES)) == \
            list(frequencies_oracle(datas).items())


@needs_proc
def test_cli_counts_proc_files():
    data = open(PROC_FILES[0], "rb").read()
    needle = _proc_needles(data)[0]
    r = _cli(needle.decode(), PROC_FILES[0])
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == reference_count(data, needle) == \
        word_count.search_file(PROC_FILES[0], needle)


@needs_frequencies
def test_decode_error_names_its_offset_in_the_file(tmp_path):
    """Invalid UTF-8 (words='unicode', errors='strict') in a range raises a
    UnicodeDecodeError at its offset in the file, not in the range (it said
    byte 4 of a file whose bad byte is at 1204), for local files and
    fsspec's others alike.  Oracle: data.index."""
    fsspec = pytest.importorskip("fsspec")
    data = b"hello world\n" * 100 + b"bad \xff byte\n" + b"x\n" * 10
    at = data.index(b"\xff")
    local = tmp_path / "bad.txt"
    local.write_bytes(data)
    with fsspec.filesystem("memory").open("memory://wc-decode/bad.txt", "wb") as f:
        f.write(data)
    # fsspec's memory file system gives every open() of a file one shared
    # file object, so its ranges are read one after another (synchronous).
    for url, name, scheduler in [(str(local), str(local), "threads"),
                                 ("memory://wc-decode/bad.txt", "/wc-decode/bad.txt",
                                  "synchronous")]:
        for blocksize in (1, 100, 1000, None):
            for count in (lambda: wd.frequencies_files(url, words="unicode", blocksize=blocksize),
                          lambda: wd.search_files(url, "x", words="unicode", blocksize=blocksize)):
                with pytest.raises(UnicodeDecodeError) as e, dask.config.set(scheduler=scheduler):
                    count()
                assert e.value.file_offset == at, (url, blocksize)
                assert f"at byte offset {at} of {name!r}" in str(e.value), (url, blocksize)


def _blocked_in_fifo(module: str, tmp_path):
    """`python -m word_count.<module> is FIFO`, started with Ctrl-C's default
    action (a test run in the background ignores SIGINT), once it reads the
    FIFO (its writer is open and silent); returns (process, writer fd)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # exec keeps a default action (an ignored signal stays ignored).
    exec_default_sigint = ("import os, signal, sys; "
                           "signal.signal(signal.SIGINT, signal.SIG_DFL); "
                           "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")
    p = subprocess.Popen([sys.executable, "-c", exec_default_sigint, "-m", module, "is",
                          str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:  # opening for writing succeeds once a reader has it open
        try:
            return p, os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            if time.monotonic() > deadline or p.poll() is not None:
                p.kill()
                pytest.fail(f"{module} never opened the FIFO: {p.communicate()}")
            time.sleep(0.05)


@pytest.mark.parametrize("module", ["word_count.dask", "word_count.mpi"])
def test_cli_ctrl_c_ends_at_once_and_quietly(module, tmp_path):
    """Ctrl-C ends the command lines as it ends wordcount and grep: at once,
    by the signal, no traceback.  (word_count.dask went on running: its task
    thread, blocked in the FIFO's read, was waited for at exit.)"""
    if module.endswith("mpi"):
        pytest.importorskip("mpi4py")
    p, w = _blocked_in_fifo(module, tmp_path)
    try:
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            pytest.fail(f"{module} still ran 20 s after Ctrl-C")
    finally:
        os.close(w)
    assert (p.returncode, out, err) == (-signal.SIGINT, b"", b"")


def test_cli_progress_bar_goes_to_stderr(files):
    path, data = next(iter(files.items()))
    r = _cli("is", path, "--progress")
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout == b"%d\n" % reference_count(data, b"is")
    assert b"Completed" in r.stderr


def test_cli_closed_stdout_ends_by_sigpipe(tmp_path):
    """`python -m word_count.dask --top all FILE | head -1`: ended by SIGPIPE,
    as grep is, with nothing on stderr (it said "[Errno 32] Broken pipe")."""
    path = tmp_path / "words.txt"
    path.write_bytes(b" ".join(b"w%d" % i for i in range(100_000)) + b"\n")
    p = subprocess.Popen([sys.executable, "-m", "word_count.dask", "--top", "all", str(path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().endswith(b"\n")
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == -signal.SIGPIPE, err
    assert err == b""


def test_a_list_of_paths_takes_each_file_as_it_is(tmp_path, monkeypatch):
    """The command line's paths (a list): a file named like a glob is that
    file (fsspec globbed "a[1].txt", which matched nothing or a1.txt, and
    the file was left out silently), a glob that matches nothing and a
    missing file are errors, and a glob skips directories as a str glob
    does.  Oracle: each file's bytes split at spaces."""
    monkeypatch.chdir(tmp_path)
    files = {"a[1].txt": b"is is\n", "a1.txt": b"is\n", "b.txt": b"is\n", "what?.txt": b"is is is\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "sub").mkdir()

    def want(*names):
        return sum(files[n].split().count(b"is") for n in names)

    assert wd.search_files(["a[1].txt", "b.txt", "what?.txt"], "is") == want("a[1].txt", "b.txt",
                                                                            "what?.txt")
    assert wd.search_files(["a[1].txt"], "is") == want("a[1].txt")
    assert wd.search_files(["b*.txt", "what?.txt"], "is") == want("b.txt", "what?.txt")
    assert wd.search_files(["*"], "is") == want(*files)  # not sub/
    for missing in (["b.txt", "nomatch*.txt"], ["b.txt", "missing.txt"]):
        with pytest.raises(FileNotFoundError):
            wd.search_files(missing, "is")
    r = _cli("is", "a[1].txt", "b.txt", "what?.txt")
    assert (r.returncode, r.stdout) == (0, b"%d\n" % want("a[1].txt", "b.txt", "what?.txt"))


def test_a_local_file_is_that_file_whatever_fsspec_reads_in_its_name(tmp_path, monkeypatch):
    """A list item that names a local file is that file: fsspec read "::"
    as a chain of URLs, so "a::b.txt" was reported missing, or silently
    became the file "a:" when one existed, and "file:x.txt" became
    "x.txt".  Oracle: each file's bytes split at spaces."""
    monkeypatch.chdir(tmp_path)
    files = {"a::b.txt": b"a b a\n", "a:": b"a a a a a a a\n", "file:x.txt": b"a\n",
             "x.txt": b"a a a a a\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    for name, data in files.items():
        want = data.split().count(b"a")
        assert wd.search_files([name], "a", blocksize=3) == want, name
        assert wd.search_files([str(tmp_path / name)], "a") == want, name
        assert wd.frequencies_files([name]) == Counter(data.split()), name
    r = _cli("a", "a::b.txt", "file:x.txt")
    assert (r.returncode, r.stdout) == (0, b"3\n"), r.stderr


def test_cli_double_dash_ends_the_options(tmp_path, monkeypatch):
    """`--` ends the options, so a NEEDLE or a file may start with "-":
    argparse's intermixed parse took the "-v" after "--" for an option
    ("unrecognized arguments").  Oracle: bytes split at spaces."""
    monkeypatch.chdir(tmp_path)
    data = b"-v a -v -d.txt\n"
    (tmp_path / "-d.txt").write_bytes(data)
    (tmp_path / "-e.txt").write_bytes(b"-v\n")
    for args, want in ((["--", "-v", "-d.txt"], b"2\n"),
                       (["--", "-v", "-d.txt", "-e.txt"], b"3\n"),
                       (["-v", "--blocksize", "3", "--", "-d.txt"], None),
                       (["--blocksize", "3", "--", "-v", "-d.txt"], b"2\n"),
                       (["a", "--", "-d.txt"], b"1\n"),
                       (["--top", "1", "--", "-d.txt"],
                        b"      2 -v\n")):
        r = _cli(*args)
        if want is None:  # "-v" before "--" is still an option
            assert r.returncode == 2 and b"unrecognized arguments: -v" in r.stderr, r
            continue
        assert (r.returncode, r.stdout, r.stderr) == (0, want, b""), args
    assert data.split().count(b"-v") == 2


def test_a_fifo_in_a_planned_files_place_is_not_waited_for(tmp_path):
    """A regular file planned into ranges, then replaced by a FIFO with no
    writer before its task runs: the task's look for line starts opened it
    with a blocking open() and waited for ever; it is an error now (ESPIPE,
    as the C core's own open of a range gives).  In a child, so that a hang
    is a failure and not a stuck suite."""
    script = r"""
import errno, os, sys
import word_count.dask as wd
os.chdir(sys.argv[1])
open("f.txt", "wb").write(b"a b\na a\n")
parts = wd._ranges("f.txt", 4, None)
assert len(parts) == 2, parts
os.remove("f.txt"); os.mkfifo("f.txt")
for part in parts:
    try:
        wd._over_range(*part, b"a", {})
    except OSError as e:
        assert e.errno == errno.ESPIPE, e
    else:
        raise AssertionError("counted a FIFO as a planned range")
print("ok")
"""
    try:
        r = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a task waited for the FIFO's writer")
    assert (r.returncode, r.stdout) == (0, b"ok\n"), r.stderr
