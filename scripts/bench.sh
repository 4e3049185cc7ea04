#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the whole benchmark suite in one go, on a release build, and write
# the figures to bench/results.json (one JSON object per benchmark) as well
# as printing the tables.  docs/performance.md explains each figure.
#   scripts/bench.sh [seconds-per-figure]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-2}
sh scripts/setup.sh >/dev/null
if [ -f build-bench/build.ninja ]; then
    meson setup --reconfigure build-bench --buildtype=release -Db_ndebug=true -Dproofs=disabled >/dev/null
else
    meson setup build-bench --buildtype=release -Db_ndebug=true -Dproofs=disabled >/dev/null
fi
ninja -C build-bench >/dev/null
out=bench/results.json
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM
{
    echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "== manager"; build-bench/bench/bench_manager
    echo "== framing"; build-bench/bench/bench_framing
    echo "== channel core path"; build-bench/bench/bench_channel 2000000
    echo "== RPC over a socketpair"; build-bench/bench/bench_rpc "$secs"
    echo "== agents"; build-bench/bench/bench_agents build-bench/tools/virtagent "$secs"
    echo "== scale and memory"; build-bench/bench/bench_scale "$secs"
    echo "== instructions per RPC (callgrind, this build)"
    sh bench/callgrind_check.sh build-bench/bench/bench_channel "$tmp.base" --update | head -1
} | tee "$tmp"
grep '^JSON ' "$tmp" | sed 's/^JSON //' > "$out"
echo "figures written to $out"
