"""CPython 3.13t: mmap's count of buffer exports loses updates.

No word_count here: PyObject_GetBuffer and PyBuffer_Release through ctypes,
from several threads at once, on one mmap.  In the free-threaded build of
CPython 3.13, Modules/mmapmodule.c changes `exports` with a plain ++ in
mmap_buffer_getbuf and -- in mmap_buffer_releasebuf, with no lock: two
threads lose one of their updates, and once every export is released the
count can stay above 0, so close() raises "BufferError: cannot close
exported pointers exist".  tests/python/test_freethreading.py's shared-mmap
test tolerates that BufferError on 3.13t for this (it failed 1 run in 40
there, on 2 CPUs).

Run: python mmap_export_count_race.py [TRIALS]  (prints how many of the
trials' close() raised; exit 1 if any did, else 0).
"""

import ctypes
import mmap
import sys
import tempfile
import threading


class Py_buffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object),
                ("len", ctypes.c_ssize_t), ("itemsize", ctypes.c_ssize_t),
                ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p), ("suboffsets", ctypes.c_void_p),
                ("internal", ctypes.c_void_p)]


def main(trials: int) -> int:
    get = ctypes.pythonapi.PyObject_GetBuffer
    get.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
    rel = ctypes.pythonapi.PyBuffer_Release
    rel.argtypes = [ctypes.POINTER(Py_buffer)]
    bad = 0
    with tempfile.TemporaryFile() as f:
        f.write(b"x" * 4096)
        f.flush()
        for _ in range(trials):
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

            def exports():
                b = Py_buffer()
                for _ in range(100_000):
                    if get(m, ctypes.byref(b), 0) == 0:
                        rel(ctypes.byref(b))

            threads = [threading.Thread(target=exports) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            try:
                m.close()
            except BufferError:
                bad += 1
                del m  # its dealloc unmaps it whatever the count says
    print(f"close() raised BufferError in {bad} of {trials} trials")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
