# word-count: `make test` and `make bench` each set up everything they need
# on a fresh clone: .venv, the build tools, the package, the test tools.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
MESON  := $(VENV)/bin/meson
# Build and test tools, installed into .venv; the package is then built
# without isolation against them (quicker, and no second download).
DEPS   := 'meson-python>=0.18' 'meson>=1.1' ninja 'pytest>=7' 'hypothesis>=6' \
          'pytest-benchmark>=4' tqdm
# The dask and mpi extras, for tests/python/test_dask.py and test_mpi.py.
DEPS   += 'dask[distributed]>=2024.1' 'mpi4py>=3.1' mpich
# Per-test time limits of the reliability suites (a hang fails, not blocks).
DEPS   += 'pytest-timeout>=2'
# The suites spread over the CPUs (tools/run-pytest).
DEPS   += 'pytest-xdist>=3.2'
# The type stubs: mypy --strict on a typed example, and stubtest.
DEPS   += 'mypy>=1.8'
SOURCES := $(shell find include lib ext bin python tools -type f 2>/dev/null) \
           meson.build meson.options pyproject.toml

.PHONY: all test test-c test-py bench install clean FORCE

all: install

$(VPY):
	$(PYTHON) -m venv $(VENV)

# A venv made before DEPS changed gets the new list too, and only then: the
# list is written to .deps-list when it differs (not on any Makefile edit).
$(VENV)/.deps-list: FORCE | $(VPY)
	@echo "$(DEPS)" | cmp -s - $@ || echo "$(DEPS)" > $@

$(VENV)/.deps: $(VENV)/.deps-list
	$(VPY) -m pip install -q $(DEPS)
	touch $@

FORCE:

# --werror: the extension's warnings fail the build, as the core's do (on
# every interpreter: tools/test-python builds it so too).
$(VENV)/.installed: $(VENV)/.deps $(SOURCES)
	$(VPY) -m pip install -q --no-build-isolation -Csetup-args=--werror .
	touch $@

install: $(VENV)/.installed

# The C tests: the core alone, built with -Werror, no Python.
build/c/build.ninja: | $(VENV)/.deps
	$(MESON) setup build/c -Dpython=false -Dtests=true --werror

test-c: build/c/build.ninja
	$(MESON) test -C build/c --print-errorlogs

# What the tests need from Debian: bash-completion's loader, which one test
# runs on the installed completion, and zsh and tmux, in which one test
# lists the zsh completion's options (missing, those tests are skipped).
TEST_APT := bash-completion zsh tmux

# pytest runs on the installed package, never the source tree: tests/python
# has no access to python/ (see test_api.py's test_installed_package_is_tested).
# tools/run-pytest spreads the tests over the CPUs, then runs the timing
# ratios alone.
test-py: install
	-tools/apt-ensure $(TEST_APT)
	tools/run-pytest $(VPY) tests/python
	$(VPY) -m pytest benchmarks/test_ways.py benchmarks/test_report.py

test: test-c test-py

# What the benchmarks need from Debian: ripgrep and grep to compare with,
# wamerican for the word-frequency corpus, linux-doc for its English prose
# (the kernel's documentation).  Missing ones only leave rows out.
BENCH_APT := ripgrep wamerican linux-doc
BENCH_DATA := build/bench-data
# Each script appends its targets here; summary.py prints them as one table.
BENCH_RESULTS := build/bench-results.jsonl
BENCH_PLOT := build/bench-scaling.png
# BENCH_ARGS go to bench.py; --quick among them reaches all four scripts.
BENCH_QUICK := $(filter --quick,$(BENCH_ARGS))
# Bench-only: matplotlib draws the scaling plot (never needed to count).
BENCH_DEPS := matplotlib
# polars: the bench_freq rows that compare with a DataFrame's value_counts.
BENCH_DEPS += polars

# The Makefile a prerequisite: a .venv made before a dependency was added
# to the list gets it.
$(VENV)/.bench-deps: Makefile | $(VENV)/.deps
	$(VPY) -m pip install -q $(BENCH_DEPS)
	touch $@

bench: install $(VENV)/.bench-deps build/c/build.ninja
	-tools/apt-ensure $(BENCH_APT)
	@$(MESON) compile -C build/c core_freq >/dev/null
	@mkdir -p build && rm -f $(BENCH_RESULTS) && date +%s > $(BENCH_RESULTS).start
	@echo "== benchmarks/bench.py $(BENCH_ARGS)"
	@WC_BENCH_RESULTS=$(BENCH_RESULTS) $(VPY) benchmarks/bench.py --plot $(BENCH_PLOT) $(BENCH_ARGS)
	@echo "== benchmarks/bench_files.py $(BENCH_QUICK)"
	@WC_BENCH_RESULTS=$(BENCH_RESULTS) $(VPY) benchmarks/bench_files.py --dir $(BENCH_DATA) $(BENCH_QUICK)
	@echo "== benchmarks/bench_freq.py $(BENCH_QUICK)"
	@WC_BENCH_RESULTS=$(BENCH_RESULTS) $(VPY) benchmarks/bench_freq.py $(BENCH_QUICK)
	@echo "== benchmarks/bench_dask.py $(BENCH_QUICK)"
	@WC_BENCH_RESULTS=$(BENCH_RESULTS) $(VPY) benchmarks/bench_dask.py $(BENCH_QUICK)
	@echo "== make bench-ft"
	@WC_BENCH_RESULTS=$(BENCH_RESULTS) $(MAKE) --no-print-directory bench-ft BENCH_FT_ARGS="$(BENCH_QUICK)"
	@$(VPY) benchmarks/summary.py $(BENCH_RESULTS) --plot $(BENCH_PLOT) \
	    --start $$(cat $(BENCH_RESULTS).start)

clean:
	rm -rf build .venv .mesonpy-*

# ---- reliability: sanitizers, valgrind, fuzzing (docs/reliability.md) ----
# Each build has its own directory under build/, so none clobbers .venv's
# normal build of the package.
.PHONY: test-asan test-asan-c test-asan-py test-tsan test-valgrind fuzz fuzz-ci test-cross

SAN_MESON := -Dbuildtype=debugoptimized -Dc_args=-fno-omit-frame-pointer
# halt_on_error: a UBSan finding stops the run with a failure instead of
# printing and going on.  ASan's leak check runs on the C tests, not on the
# interpreter (CPython keeps objects alive at exit on purpose).
ASAN_C_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1 \
              UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The interpreter is not built with ASan: the runtime must be loaded first.
# PYTHONMALLOC=malloc gives every Python object its own malloc block, so ASan
# sees a read past the end of a bytes or str (pymalloc's arenas would hide it).
# pytest --capture=sys: a sanitizer's report (written to file descriptor 2)
# reaches the terminal; pytest's default capture of the descriptor loses it
# when the process dies.
LIBASAN = $(shell $(CC) -print-file-name=libasan.so)
ASAN_PY_ENV = LD_PRELOAD=$(LIBASAN) PYTHONMALLOC=malloc WC_SANITIZER=asan \
              ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 \
              UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
              PYTHONPATH=$(CURDIR)/build/asan/site-packages \
              WC_WORDCOUNT=$(CURDIR)/build/asan/site-packages/bin/wordcount
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

build/asan/c/build.ninja: | $(VENV)/.deps
	$(MESON) setup build/asan/c -Dpython=false -Dtests=true --werror \
	    -Db_sanitize=address,undefined $(SAN_MESON)

test-asan-c: build/asan/c/build.ninja
	$(ASAN_C_ENV) $(MESON) test -C build/asan/c --print-errorlogs

# The package, built with the sanitizers into its own site-packages folder
# (pip --target) that PYTHONPATH puts ahead of .venv's normal install.
build/asan/.installed: $(VENV)/.deps $(SOURCES)
	$(VPY) -m pip install -q --no-build-isolation --no-deps --upgrade \
	    --target build/asan/site-packages -Cbuild-dir=build/asan/py \
	    -Csetup-args=-Db_sanitize=address,undefined \
	    -Csetup-args=-Dbuildtype=debugoptimized \
	    -Csetup-args=-Dc_args=-fno-omit-frame-pointer .
	touch $@

test-asan-py: build/asan/.installed
	test -x build/asan/site-packages/bin/wordcount
	$(ASAN_PY_ENV) $(VPY) -c 'import word_count._word_count as m, sys; \
	    sys.exit(0 if "/build/asan/" in m.__file__ else "not the ASan build: " + m.__file__)'
	$(ASAN_PY_ENV) tools/run-pytest $(VPY) -p no:cacheprovider --capture=sys tests/python

test-asan: test-asan-c test-asan-py

build/tsan/build.ninja: | $(VENV)/.deps
	$(MESON) setup build/tsan -Dpython=false -Dtests=true --werror \
	    -Db_sanitize=thread $(SAN_MESON)

# The C tests (test_core's parallel and concurrent-caller cases, test_pool)
# under ThreadSanitizer.
test-tsan: build/tsan/build.ninja
	$(TSAN_ENV) $(MESON) test -C build/tsan --print-errorlogs

# The C tests of the normal build under valgrind's memcheck.  --fair-sched:
# valgrind runs one thread at a time, and with its default lock the threads
# counting starved the pool's waiting workers: test_pool took 22 s to more
# than 300 (twice in four runs it did not end in 300 s) on a 2-vCPU AMD
# EPYC; 13-14 s with a fair lock.
test-valgrind: build/c/build.ninja
	@command -v valgrind >/dev/null 2>&1 || tools/apt-ensure valgrind
	$(MESON) compile -C build/c
	$(MESON) test -C build/c --print-errorlogs --timeout-multiplier 10 \
	    --wrapper 'valgrind -q --fair-sched=yes --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1'

# The core where no x86 SIMD kernel exists: aarch64 (the wheels' other
# architecture), cross-compiled by Debian's gcc, its C tests run under
# qemu-user.  Every kernel is then a stub and every x86-only path is left
# out, which no x86 build compiles (the needle kernels' stubs stopped
# compiling with 15ba131, unseen).  WC_TEST_EMULATED=1 skips what qemu-user
# cannot emulate: fork from threads, madvise advice, its own threads in
# /proc.
# Then the CLI's tests run against the aarch64 wordcount (through a qemu
# wrapper, WC_WORDCOUNT), with grep and the Python package as oracles.
CROSS_APT := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
CROSS_WC := $(CURDIR)/build/aarch64/wordcount-qemu
test-cross: install
	tools/apt-ensure $(CROSS_APT)
	@[ -f build/aarch64/build.ninja ] || $(MESON) setup build/aarch64 \
	    --cross-file tools/cross-aarch64.ini -Dpython=false -Dtests=true --werror
	$(MESON) compile -C build/aarch64
	WC_TEST_EMULATED=1 $(MESON) test -C build/aarch64 --print-errorlogs --timeout-multiplier 4
	printf '#!/bin/sh\nexec qemu-aarch64 -L /usr/aarch64-linux-gnu %s "$$@"\n' \
	    "$(CURDIR)/build/aarch64/wordcount" > $(CROSS_WC) && chmod +x $(CROSS_WC)
	WC_TEST_EMULATED=1 WC_WORDCOUNT=$(CROSS_WC) tools/run-pytest $(VPY) \
	    tests/python/test_cli.py tests/python/test_cli_grep.py

# libFuzzer targets (fuzz/*.c) with clang, ASan and UBSan, against the core's
# sources compiled here with the same flags (and each kernel with its own).
FUZZ_TARGETS := $(basename $(notdir $(wildcard fuzz/*.c)))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined -Iinclude -Ilib -pthread
FUZZ_OBJS := $(patsubst lib/%.c,build/fuzz/obj/%.o,$(wildcard lib/*.c lib/kernels/*.c))
.SECONDARY: $(FUZZ_OBJS)
FUZZ_ISA_kernels/count_sse2 := -msse2
FUZZ_ISA_kernels/count_avx2 := -mavx2
FUZZ_ISA_kernels/count_avx512 := -mavx512f -mavx512bw
FUZZ_ISA_kernels/words_sse2 := -msse2
FUZZ_ISA_kernels/words_avx2 := -mavx2
FUZZ_ISA_kernels/words_avx512 := -mavx512f -mavx512bw

build/fuzz/.clang: fuzz/ensure-clang.sh
	fuzz/ensure-clang.sh
	@mkdir -p $(@D) && touch $@

# The core's objects keep the edge counters that guide the fuzzer but not
# the tracing of every comparison (trace-cmp, which stays in the targets'
# own code): in the core's per-byte loops it was 71% of fuzz_words' time.
# 20 s from the committed seeds, with it and without: fuzz_words 502 and
# 2,438 executions (4,857 and 5,469 edges covered), fuzz_kernels 2,549 and
# 7,060 (2,867 and 3,057), fuzz_io 24,256 and 58,524 (421 both).
build/fuzz/obj/%.o: lib/%.c $(wildcard lib/*.h lib/kernels/*.h include/*.h) | build/fuzz/.clang
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-coverage=trace-cmp $(FUZZ_ISA_$*) -c $< -o $@

build/fuzz/%: fuzz/%.c $(FUZZ_OBJS) | build/fuzz/.clang
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $< $(FUZZ_OBJS) -o $@

# Each target for FUZZ_SECONDS, from its committed seeds (fuzz/corpus/<name>,
# read only) and what earlier runs found (build/fuzz/corpus/<name>).  A
# finding stops the run with the input saved as build/fuzz/<name>-crash-*.
fuzz: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/corpus/$$t fuzz/corpus/$$t; \
	    build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        -print_final_stats=1 -artifact_prefix=build/fuzz/$$t- \
	        build/fuzz/corpus/$$t fuzz/corpus/$$t > build/fuzz/$$t.log 2>&1 || \
	        { tail -40 build/fuzz/$$t.log; echo "fuzz: $$t FOUND A PROBLEM"; exit 1; }; \
	    echo "fuzz: $$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$$t.log) executions in $(FUZZ_SECONDS) s, no finding"; \
	done

# The short pass that CI runs (20 s a target); the objects compile on every
# CPU (make -j), the targets then run one after another.
fuzz-ci:
	$(MAKE) -j$$(nproc) fuzz FUZZ_SECONDS=20

# ---- every interpreter we claim (docs/interpreters.md) ----------------------
.PHONY: python-ft test-ft test-ft-tsan test-pythons check-unicode
PYENV_VERSIONS ?= 3.9 3.10 3.12 3.13
PYENV_ROOT ?= $(HOME)/.pyenv

# A free-threaded CPython 3.13 ("3.13t") built from Debian's source package
# into build/python-ft (cached in ~/.cache/word-count; a few minutes cold).
python-ft:
	tools/build-python-ft

# The full suite on 3.13t with the GIL off, then the API tests under
# pytest-run-parallel (none when WORD_COUNT_SKIP_FT=1 and it cannot be built).
test-ft:
	@py=$$(tools/build-python-ft) || exit 1; py=$$(echo "$$py" | tail -1); \
	    if [ -z "$$py" ]; then echo "test-ft: SKIPPED: no free-threaded Python"; \
	    else tools/test-python $$py 3.13t full; fi

# The threads tests (many Python threads on shared objects, and the API tests
# under pytest-run-parallel) on a 3.13t built with ThreadSanitizer, the
# extension built with it too: a data race in our code, or in CPython as our
# code calls it, stops the run (CPython's own suppressions only).  Its
# interpreter is built as 3.13t's is, and cached beside it; pip and the
# package's build run on the plain 3.13t, only the tests under TSan.
test-ft-tsan:
	@host=$$(tools/build-python-ft) || exit 1; host=$$(echo "$$host" | tail -1); \
	    py=$$(WORD_COUNT_FT_TSAN=1 tools/build-python-ft) || exit 1; py=$$(echo "$$py" | tail -1); \
	    if [ -z "$$py" ] || [ -z "$$host" ]; then echo "test-ft-tsan: SKIPPED: no free-threaded Python"; \
	    else WC_HOST_PYTHON=$$host tools/test-python $$py 3.13t-tsan tsan; fi

# The quick suite on each pyenv CPython, then on each CPython newer than
# pyenv has here (3.14 and 3.15), from Debian testing's binary packages
# (tools/python-debian; WORD_COUNT_SKIP_DEBIAN_PYTHON=1 goes on without them
# when they cannot be had): the quick suite on 3.14, the whole suite on the
# newest, 3.15 (DEBIAN_FULL), where new deprecations and changes show first.
# The whole suite on both took 9-11 minutes of CI; 3.14's quick one takes
# under 1.  Each in its own venv under build/.
DEBIAN_PYTHONS ?= 3.14 3.15
DEBIAN_FULL ?= 3.15
test-pythons:
	@set -e; for v in $(PYENV_VERSIONS); do \
	    py=$$(ls -d $(PYENV_ROOT)/versions/$$v.*/bin/python 2>/dev/null | sort -V | tail -1); \
	    [ -n "$$py" ] || { echo "test-pythons: no CPython $$v in $(PYENV_ROOT)"; exit 1; }; \
	    echo "== CPython $$v ($$py): quick suite"; \
	    tools/test-python $$py $$v quick; \
	done; \
	for v in $(DEBIAN_PYTHONS); do \
	    py=$$(tools/python-debian $$v) || exit 1; py=$$(echo "$$py" | tail -1); \
	    if [ -z "$$py" ]; then echo "test-pythons: SKIPPED CPython $$v: not to be had"; continue; fi; \
	    suite=quick; for f in $(DEBIAN_FULL); do [ "$$f" = "$$v" ] && suite=full; done; \
	    echo "== CPython $$v ($$py): the $$suite suite"; \
	    tools/test-python $$py $$v $$suite; \
	done

# The committed Unicode tables are what tools/gen_unicode.py makes (with a
# Python of their Unicode version, 3.13).
check-unicode:
	@py=$$(ls -d $(PYENV_ROOT)/versions/3.13.*/bin/python build/python-ft/bin/python3.13t 2>/dev/null | head -1); \
	    [ -n "$$py" ] || { echo "check-unicode: needs a CPython 3.13"; exit 1; }; \
	    $$py tools/gen_unicode.py --check

# The seed's benchmark on the GIL build and on 3.13t: search_sequential from 1
# and 2 Python threads side by side.  The 3.13t and its venv are made here as
# `make test-ft` makes them (the interpreter once a machine: a few minutes
# cold, then copied from ~/.cache/word-count); WORD_COUNT_SKIP_FT=1 runs the
# GIL build only when it cannot be built.
.PHONY: bench-ft
bench-ft: install
	$(VPY) benchmarks/bench_ft.py $(BENCH_FT_ARGS)
	@py=$$(tools/build-python-ft) || exit 1; py=$$(echo "$$py" | tail -1); \
	    if [ -z "$$py" ]; then echo "bench-ft: SKIPPED on 3.13t: no free-threaded Python"; \
	    else tools/test-python $$py 3.13t setup && \
	        PYTHON_GIL=0 build/venv-3.13t/bin/python benchmarks/bench_ft.py $(BENCH_FT_ARGS); fi
