#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per RPC on the core path (bench_channel under callgrind):
# repeatable on a noisy machine.  Compares with the stored baseline and
# fails on a regression of more than 10 %.
#   callgrind_check.sh BENCH_CHANNEL_BINARY BASELINE_FILE [--update]
set -eu
bin=$1
base=$2
rpcs=20000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
if ! command -v valgrind >/dev/null 2>&1; then
    echo "callgrind-check: valgrind not installed: SKIP"
    exit 77
fi
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bin" "$rpcs" 64 \
    >"$tmp/out.txt" 2>"$tmp/err.txt"
total=$(grep -E '^summary:|^totals:' "$tmp/cg.out" | head -1 | awk '{print $2}')
per=$((total / rpcs))
echo "callgrind-check: $total instructions for $rpcs RPCs: $per per RPC (both ends, core path)"
if [ "${3:-}" = "--update" ] || [ ! -f "$base" ]; then
    echo "$per" > "$base"
    echo "callgrind-check: baseline written to $base"
    exit 0
fi
ref=$(cat "$base")
limit=$((ref + ref / 10))
echo "callgrind-check: baseline $ref, limit $limit (+10 %)"
if [ "$per" -gt "$limit" ]; then
    echo "callgrind-check: FAIL - instructions per RPC regressed beyond 10 %"
    exit 1
fi
echo "callgrind-check: ok"
