#!/usr/bin/env python3
"""What Dask (and MPI) add over the C core alone, on one machine.

A file of about 1 GB (the Zen of Python repeated; page cache warm) is
counted:
- by ``word_count.search`` on the whole file already read into memory (the
  floor: no I/O, no scheduling), and read + search;
- by ``word_count.search_file`` when this build has it;
- by ``word_count.dask.search_files`` on Dask's local threaded scheduler, and
  on a ``distributed.LocalCluster`` of 1 and of 2 worker processes;
- by ``mpiexec -n 1`` and ``-n 2 python -m word_count.mpi`` (whole command,
  with interpreter and MPI start-up) when mpi4py is installed;
then benchmarks/bench_merge.py: the words of a file's ranges sent and added
up as Counters against FrequencyArrays.

    python benchmarks/bench_dask.py [--size-mb 1000] [--blocksize 64MiB] [--file PATH] [--quick]

--quick: a 100 MB file, 16 MiB blocks, half a second a row.  Part of `make
bench`; no targets (figures on a shared 2-core machine are indicative only),
the overheads go to the summary without a verdict.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import word_count  # noqa: E402
from harness import Row, progress, run_row, say, table, target  # noqa: E402

NEEDLE = b"is"


def make_file(path: str, size_mb: int) -> None:
    unit = word_count.default_text(1000).encode()  # 858,000 bytes, ends with "\n"
    reps = max(1, size_mb * 1_000_000 // len(unit))
    with open(path, "wb") as f:
        for i in range(reps):
            f.write(unit)
            if i % 100 == 0:
                progress.show(f"  writing {path}: {f.tell() / 1e6:,.0f} MB")
    progress.clear()


def read_and_search(path: str) -> int:
    with open(path, "rb") as f:
        return word_count.search(f.read(), NEEDLE)


def mpi_rows(path: str, expected: int) -> list:
    if importlib.util.find_spec("mpi4py") is None:
        return []
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(mpiexec):
        mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        return []

    def run(n: int, threads: int):
        def fn():
            out = subprocess.run([mpiexec, "-n", str(n), sys.executable, "-m", "word_count.mpi",
                                  NEEDLE.decode(), path, "--threads", str(threads)],
                                 check=True, capture_output=True).stdout
            return int(out)
        return fn

    cpus = word_count.default_threads()
    return [
        Row(f"mpiexec -n 1 ({cpus} threads), whole command", run(1, cpus), expected),
        Row(f"mpiexec -n 2 ({max(1, cpus // 2)} thread each), whole command",
            run(2, max(1, cpus // 2)), expected),
    ]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mb", type=int, default=None, help="default 1000, --quick 100")
    p.add_argument("--blocksize", default=None, help="default 64MiB, --quick 16MiB")
    p.add_argument("--file", help="count this file instead of making one")
    p.add_argument("--max-time", type=float, default=None,
                   help="seconds per row (about; default 3, --quick 0.5)")
    p.add_argument("--quick", action="store_true", help="a 100 MB file, 0.5 s a row")
    a = p.parse_args(argv)
    a.size_mb = a.size_mb or (100 if a.quick else 1000)
    a.blocksize = a.blocksize or ("16MiB" if a.quick else "64MiB")
    a.max_time = a.max_time if a.max_time is not None else (0.5 if a.quick else 3.0)

    import dask
    import distributed
    from word_count.dask import search_files

    tmpdir = None
    path = a.file
    if path is None:
        tmpdir = tempfile.mkdtemp(prefix="bench_dask-")
        path = os.path.join(tmpdir, "zen.txt")
        make_file(path, a.size_mb)
    size = os.path.getsize(path)
    try:
        with open(path, "rb") as f:
            data = f.read()  # also warms the page cache
        expected = word_count.search(data, NEEDLE)
        cpus = word_count.default_threads()
        say(f"{path}: {size / 1e6:,.0f} MB, needle {NEEDLE!r}, count {expected:,}; "
            f"kernel {word_count.kernel()}, {cpus} threads, blocksize {a.blocksize}, "
            f"dask {dask.__version__}")
        rows = [
            Row("search (bytes in memory)", lambda: word_count.search(data, NEEDLE),
                expected, nbytes=size),
            Row("read + search", lambda: read_and_search(path), expected, nbytes=size),
        ]
        if hasattr(word_count, "search_file"):
            rows.append(Row("search_file", lambda: word_count.search_file(path, NEEDLE),
                            expected, nbytes=size))
        rows.append(Row("dask, local threaded scheduler",
                        lambda: search_files(path, NEEDLE, blocksize=a.blocksize),
                        expected, nbytes=size))
        for workers in (1, 2):
            threads = max(1, cpus // workers)
            cluster = distributed.LocalCluster(n_workers=workers, processes=True,
                                               threads_per_worker=1, dashboard_address=":0")
            client = distributed.Client(cluster, set_as_default=False)
            progress.show(f"  starting a LocalCluster of {workers} worker(s)")
            row = Row(f"dask, LocalCluster {workers} worker(s) x {threads} C threads",
                      lambda: search_files(path, NEEDLE, blocksize=a.blocksize,
                                           client=client, threads=threads),
                      expected, nbytes=size)
            try:
                run_row(row, min_rounds=3, max_time=a.max_time)
            finally:
                client.close()
                cluster.close()
            rows.append(row)
        rows += mpi_rows(path, expected)
        for row in rows:
            if not row.times:
                run_row(row, min_rounds=3, max_time=a.max_time)
        print(table(rows, f"{size / 1e6:,.0f} MB, Dask and MPI vs the C core"))
        base = rows[0].stats["median"]
        print("\nOverhead over search on bytes in memory (median):")
        for row in rows[1:]:
            m = row.stats["median"]
            print(f"  {row.name:<48} +{(m - base) * 1e3:8.1f} ms  ({m / base:5.2f}x)")
            if row.name.startswith("dask"):
                target("bench_dask", row.name.replace("dask, ", "Dask "), "-",
                       f"{size / m / 1e9:.1f} GB/s, +{(m - base) * 1e3:,.0f} ms over search",
                       None)
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    # What the tasks and ranks send for frequencies: Counters or arrays
    # (benchmarks/bench_merge.py).
    print()
    import bench_merge
    return bench_merge.main(["--quick"] if a.quick else [])


if __name__ == "__main__":
    sys.exit(main())
