#!/bin/sh
# SPDX-License-Identifier: MIT
# gen/ must be exactly what scripts/regen.sh makes from spec/ today:
# regenerate into a temporary folder and fail on any difference.
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
sh "$top/scripts/regen.sh" "$tmp/gen" "" >/dev/null
status=0
for f in "$top"/gen/*; do
    b=$(basename "$f")
    [ "$b" = meson.build ] && continue
    if [ ! -f "$tmp/gen/$b" ]; then
        echo "gen-fresh: gen/$b is not produced by scripts/regen.sh (stale file?)"
        status=1
    elif ! cmp -s "$f" "$tmp/gen/$b"; then
        echo "gen-fresh: gen/$b differs from what spec/ generates:"
        diff -u "$f" "$tmp/gen/$b" | head -40
        status=1
    fi
done
for f in "$tmp"/gen/*; do
    b=$(basename "$f")
    if [ ! -f "$top/gen/$b" ]; then
        echo "gen-fresh: scripts/regen.sh makes gen/$b, which is not committed"
        status=1
    fi
done
if [ $status -ne 0 ]; then
    echo "gen-fresh: FAIL - run 'meson compile -C build regen' and commit gen/"
    exit 1
fi
echo "gen-fresh: gen/ matches spec/ ($(ls "$tmp/gen" | wc -l) files)"
