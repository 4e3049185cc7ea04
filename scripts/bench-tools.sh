#!/bin/sh
# SPDX-License-Identifier: MIT
# The tools' performance targets, measured in one run:
#   1. `vactl ping` end to end, process start included: median of N runs
#      (target <= 5 ms);
#   2. sequential pings through the real agent on one connection
#      (`vactl bench`) vs a raw 32-byte socketpair ping-pong (target >= 0.85x),
#      pinned to one CPU (taskset -c 0) and unpinned.
# Usage: scripts/bench-tools.sh [BUILD_DIR] [RUNS] [COUNT]
set -eu
build=${1:-build}
runs=${2:-200}
count=${3:-100000}
tmp=$(mktemp -d /tmp/va-bench.XXXXXX)
agent_pid=""
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
start() { # [taskset prefix...]
    "$@" "$build/tools/virtagent" -m unix-listen -p "$tmp/s" --dry-run --heartbeat-ms 0 2>/dev/null &
    agent_pid=$!
    while [ ! -S "$tmp/s" ]; do sleep 0.01; done
}
stop() { kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""; }

start
i=0
: >"$tmp/t"
while [ $i -lt "$runs" ]; do
    a=$(date +%s%N)
    "$build/tools/vactl" -p "$tmp/s" -q ping
    b=$(date +%s%N)
    echo $(((b - a) / 1000)) >>"$tmp/t"
    i=$((i + 1))
done
sort -n "$tmp/t" | awk '{v[NR]=$1} END {printf "vactl ping end to end (%d runs, incl. process start): median %.2f ms, p90 %.2f ms, min %.2f ms\n", NR, v[int((NR+1)/2)]/1000, v[int(NR*0.9)]/1000, v[1]/1000}'
stop

for mode in pinned unpinned; do
    if [ $mode = pinned ]; then pre="taskset -c 0"; else pre=""; fi
    start $pre
    # shellcheck disable=SC2086
    agent=$($pre "$build/tools/vactl" -p "$tmp/s" -j bench --count "$count")
    stop
    # shellcheck disable=SC2086
    raw=$($pre "$build/bench/bench_pingpong" "$count")
    a=$(echo "$agent" | sed 's/.*"per_second":\([0-9]*\).*/\1/')
    r=$(echo "$raw" | sed 's/.* \([0-9]*\) per s.*/\1/')
    echo "$mode: agent session $a pings/s, raw socketpair $r round trips/s, ratio $(echo "$a $r" | awk '{printf "%.2f", $1/$2}')"
done
