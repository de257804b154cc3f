"""CPython 3.13t: mmap.close() racing a buffer export crashes the interpreter.

No word_count here: plain threads and mmap.  In the free-threaded build of
CPython 3.13, Modules/mmapmodule.c takes no lock (no critical section) in
mmap_close_method and mmap_buffer_getbuf: close() reads `exports == 0`, a
reader's getbuf checks that the map is open and takes `data`, then close()
unmaps it, and the reader's memoryview points at unmapped memory (SIGSEGV).
With the GIL the two never interleave.  tests/python/test_stress.py's
test_mmap_closed_during_count is skipped on 3.13t for this.

Run: python mmap_close_export_race.py [SECONDS]  (exit 0: no crash seen;
the process dies with SIGSEGV/SIGBUS when it hits the race).
"""

import mmap
import sys
import threading
import time


def main(seconds: float) -> int:
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        m = mmap.mmap(-1, 1 << 16)
        go = threading.Event()

        def reader():
            go.set()
            for _ in range(100):
                try:
                    with memoryview(m) as v:
                        v[0]
                        v[-1]
                except ValueError:  # closed before the export: as it should be
                    return

        t = threading.Thread(target=reader)
        t.start()
        go.wait()
        while True:
            try:
                m.close()
                break
            except BufferError:  # exported: as it should be
                pass
        t.join()
        rounds += 1
    print(f"no crash in {rounds} rounds ({sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0))
