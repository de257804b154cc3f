"""CPython 3.13t: a bytearray resized while other threads take its buffer.

No word_count here: plain threads, memoryview and bytearray.  In the
free-threaded build of CPython 3.13, Objects/bytearrayobject.c takes no lock
in bytearray_getbuffer nor in the resizing methods (CPython made bytearray
thread-safe in 3.14, gh-129107): a resize checks `ob_exports == 0`, a reader
takes the buffer's pointer and length, and the resize then moves or rewrites
the bytes under the reader's memoryview.  So bytes(view) is sometimes neither
the old content nor the new one (and may read freed memory).  With the GIL
that never happens.  word_count holds a bytearray through the same buffer
protocol, so on 3.13t a count of a bytearray that another thread resizes
meanwhile can be wrong (docs/interpreters.md).

Run: python bytearray_resize_export_race.py [SECONDS]  (prints the torn
copies seen; exit 1 if any, else 0).
"""

import sys
import threading
import time


def main(seconds: float) -> int:
    a, b = b"is " * 1000, b"is " * 2000
    buf = bytearray(a)
    stop = False
    torn = []

    def resizer():
        while not stop:
            try:
                buf[:] = b if len(buf) == len(a) else a
            except BufferError:
                pass

    def reader():
        while not stop:
            with memoryview(buf) as m:
                copy = bytes(m)
            if copy != a and copy != b:
                torn.append(len(copy))

    threads = [threading.Thread(target=resizer)] + [
        threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop = True
    for t in threads:
        t.join()
    print(f"{len(torn)} torn copies in {seconds} s")
    return 1 if torn else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 5))
