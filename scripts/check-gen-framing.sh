#!/bin/sh
# SPDX-License-Identifier: MIT
# Freshness check: regenerate the framing files into a temporary directory
# and fail on any difference from the committed gen/ copies.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$top/scripts/regen-framing.sh" "$tmp"
status=0
for f in va_framing.c va_crc32c_tables.h; do
    if ! diff -u "$top/gen/$f" "$tmp/$f"; then
        echo "check-gen-framing: gen/$f is stale: run scripts/regen-framing.sh" >&2
        status=1
    fi
done
exit $status
