#!/bin/sh
# Make sure clang can build a libFuzzer target; install it from Debian if not.
# Debian ships clang's runtimes apart from clang: for clang 14 (bookworm),
# -fsanitize=fuzzer links libclang_rt.fuzzer-x86_64.a from libclang-rt-14-dev.
set -eu
probe() {
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' |
        clang -fsanitize=fuzzer,address,undefined -x c - -o /tmp/wc-fuzz-probe.$$ 2>/dev/null
    rc=$?
    rm -f /tmp/wc-fuzz-probe.$$
    return $rc
}
if command -v clang >/dev/null 2>&1 && probe; then
    exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
command -v clang >/dev/null 2>&1 || { $SUDO apt-get update -q && $SUDO apt-get install -y -q clang; }
major=$(clang -dumpversion | cut -d. -f1)
probe || $SUDO apt-get install -y -q "libclang-rt-$major-dev" || $SUDO apt-get install -y -q "libfuzzer-$major-dev"
probe || { echo "clang cannot build libFuzzer targets" >&2; exit 1; }
