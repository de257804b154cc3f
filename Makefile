# word-count: `make test` and `make bench` each set up everything they need
# on a fresh clone: .venv, the build tools, the package, the test tools.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
MESON  := $(VENV)/bin/meson
# Build and test tools, installed into .venv; the package is then built
# without isolation against them (quicker, and no second download).
DEPS   := 'meson-python>=0.15' 'meson>=1.1' ninja 'pytest>=7' 'hypothesis>=6' \
          'pytest-benchmark>=4' tqdm
# The dask and mpi extras, for tests/python/test_dask.py and test_mpi.py.
DEPS   += 'dask[distributed]>=2024.1' 'mpi4py>=3.1' mpich
SOURCES := $(shell find include lib ext bin python tools -type f 2>/dev/null) \
           meson.build meson.options pyproject.toml

.PHONY: all test test-c test-py bench install clean

all: install

$(VPY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: | $(VPY)
# A venv made before DEPS grew gets the new ones too.
$(VENV)/.deps: Makefile
	$(VPY) -m pip install -q $(DEPS)
	touch $@

$(VENV)/.installed: $(VENV)/.deps $(SOURCES)
	$(VPY) -m pip install -q --no-build-isolation .
	touch $@

install: $(VENV)/.installed

# The C tests: the core alone, built with -Werror, no Python.
build/c/build.ninja: | $(VENV)/.deps
	$(MESON) setup build/c -Dpython=false -Dtests=true --werror

test-c: build/c/build.ninja
	$(MESON) test -C build/c --print-errorlogs

# pytest runs on the installed package, never the source tree: tests/python
# has no access to python/ (see tests/python/test_install.py).
test-py: install
	$(VPY) -m pytest tests/python
	$(VPY) -m pytest benchmarks/test_ways.py

test: test-c test-py

# What the benchmarks need from Debian: ripgrep and grep to compare with,
# wamerican for the word-frequency corpus.  Missing ones only leave rows out.
BENCH_APT := ripgrep wamerican
BENCH_DATA := build/bench-data

bench: install
	-tools/apt-ensure $(BENCH_APT)
	$(VPY) benchmarks/bench.py $(BENCH_ARGS)
	$(VPY) benchmarks/bench_files.py --dir $(BENCH_DATA)
	$(VPY) benchmarks/bench_dask.py
	$(VPY) benchmarks/bench_freq.py

clean:
	rm -rf build .venv .mesonpy-*
