#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one libFuzzer target for a bounded time (the meson `fuzz` suite).
#   run_one.sh TARGET_BINARY SEED_CORPUS_DIR WORK_DIR
# Seconds: $VA_FUZZ_SECONDS (default 20).  New inputs go to
# WORK_DIR/<target>/corpus (the committed seeds are only read); a crash
# input is saved as WORK_DIR/<target>/crash-*.  Prints one line
#   fuzz <target>: <executions> execs in <s> s, <corpus> inputs: ok|CRASH
# and exits non-zero on a crash, leak, timeout or any libFuzzer error.
set -u
exe=$1
seeds=$2
work=$3
secs=${VA_FUZZ_SECONDS:-20}
name=$(basename "$exe")
dir="$work/$name"
mkdir -p "$dir/corpus"
log="$dir/last.log"
# -timeout: one input taking over 10 s is a hang; the outer timeout bounds
# the whole run whatever libFuzzer does.
timeout $((secs * 2 + 60)) "$exe" "$dir/corpus" "$seeds" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$dir/" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
units=$(ls "$dir/corpus" 2>/dev/null | wc -l)
if [ "$rc" -eq 0 ]; then
    echo "fuzz $name: ${execs:-?} execs in $secs s, $units inputs: ok"
else
    echo "fuzz $name: ${execs:-?} execs, exit $rc: CRASH (log: $log)"
    grep -E "ERROR|property violated|SUMMARY|Test unit written" "$log" | head -n 20
    ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null
fi
exit "$rc"
