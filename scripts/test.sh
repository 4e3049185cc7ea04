#!/bin/sh
# SPDX-License-Identifier: MIT
# Set up and run every test: the README test command, and what CI runs.
#   1. install dependencies (scripts/setup.sh, idempotent)
#   2. build with warnings as errors; run every suite (unit, integration,
#      proof, fuzz) -- the proof and fuzz suites register themselves when
#      their tools are present
#   3. rebuild under ASan + UBSan and run the unit and integration suites
#   4. build the libFuzzer targets with clang (build-fuzz) and run each for
#      20 s (tests/fuzz/run.sh: the meson `fuzz` suite of that build)
# Ends with one line "virtagent: N passed, N failed, N skipped".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
setup() { # dir, options...
    dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}

status=0
setup build -Dwerror=true
ninja -C build
meson test -C build --print-errorlogs --num-processes "$jobs" || status=1

setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dproofs=disabled -Dfuzzers=disabled
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs --num-processes "$jobs" \
        --suite unit --suite integration || status=1

# a stale log must not count: run.sh writes a fresh one, or none if the
# fuzz build failed (counted as one failure below)
rm -f build-fuzz/meson-logs/testlog.json
sh tests/fuzz/run.sh 20 || status=1

python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
    build-fuzz/meson-logs/testlog.json <<'PY'
import json, os, sys
p = f = s = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):
        f += 1
        continue
    for line in open(path):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print("virtagent: %d passed, %d failed, %d skipped" % (p, f, s))
PY
exit $status
