#!/bin/sh
# Make sure clang can build a libFuzzer target; install it from Debian if not
# (tools/apt-ensure).  Debian ships clang's runtimes apart from clang: for
# clang 14 (bookworm), -fsanitize=fuzzer links libclang_rt.fuzzer-x86_64.a
# from libclang-rt-14-dev.
set -eu
cd "$(dirname "$0")/.."
probe() {
    out=/tmp/wc-fuzz-probe.$$
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' |
        clang -fsanitize=fuzzer,address,undefined -x c - -o "$out" 2>/dev/null
    rc=$?
    rm -f "$out"
    return $rc
}
if command -v clang >/dev/null 2>&1 && probe; then
    exit 0
fi
command -v clang >/dev/null 2>&1 || tools/apt-ensure clang
major=$(clang -dumpversion | cut -d. -f1)
probe || tools/apt-ensure "libclang-rt-$major-dev" || true
probe || { echo "clang cannot build libFuzzer targets" >&2; exit 1; }
