#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets with clang and run each for a bounded time.
#   tests/fuzz/run.sh [SECONDS]      (default 20 per target)
# Sets up its own build directory (build-fuzz, or $VA_FUZZ_BUILD) with
# CC=clang-14 (or $CC if it is clang) and -Dfuzzers=enabled, builds, then
# runs the meson `fuzz` suite there: one test per target, two at a time,
# each running tests/fuzz/run_one.sh for SECONDS.  Prints one line per
# target (executions, result) and exits non-zero if any target crashed.
# Crash inputs: <build>/tests/fuzz/work/fuzz_<target>/crash-*; new inputs:
# .../corpus (the committed seed corpus is only read).  Longer runs:
# docs/fuzzing.md.
set -eu
secs=${1:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bdir=${VA_FUZZ_BUILD:-build-fuzz}
cc=${CC:-clang-14}
case "$($cc --version 2>/dev/null | head -n 1)" in
*clang*) ;;
*) echo "run.sh: $cc is not clang (libFuzzer needs clang-14 and libclang-rt-14-dev)" >&2
   exit 1 ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)
if [ -f "$bdir/build.ninja" ]; then
    meson setup --reconfigure "$bdir" -Dfuzzers=enabled -Dproofs=disabled >/dev/null
else
    CC=$cc meson setup "$bdir" -Dwerror=true -Dfuzzers=enabled -Dproofs=disabled >/dev/null
fi
ninja -C "$bdir"
status=0
VA_FUZZ_SECONDS=$secs meson test -C "$bdir" --suite fuzz --num-processes "$jobs" \
    --print-errorlogs >/dev/null 2>&1 || status=1
# the per-target lines, from the tests' own output
python3 - "$bdir/meson-logs/testlog.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    out = (r.get("stdout") or "").strip().splitlines()
    print(out[0] if out else "%s: %s" % (r["name"], r["result"]))
    for extra in out[1:]:
        print("    " + extra)
PY
if [ "$status" -ne 0 ]; then
    echo "run.sh: a fuzz target failed (inputs saved under $bdir/tests/fuzz/work/)"
fi
exit "$status"
