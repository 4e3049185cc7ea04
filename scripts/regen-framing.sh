#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate the framing layer's files in gen/ from their sources:
#   spec/framing.rl               -> OUT/va_framing.c        (ragel 6.10, -G2)
#   scripts/gen-crc32c-tables.py  -> OUT/va_crc32c_tables.h
# Usage: scripts/regen-framing.sh [OUT]   (OUT defaults to gen/)
# Called by scripts/regen.sh and by the gen freshness test (OUT = a temp dir).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$top/gen"}
mkdir -p "$out"
out=$(cd "$out" && pwd)

RAGEL=${RAGEL:-ragel}
PYTHON=${PYTHON:-python3}
want_ragel="6.10"
have_ragel=$("$RAGEL" --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')
if [ "$have_ragel" != "$want_ragel" ]; then
    echo "regen-framing: need ragel $want_ragel, found '$have_ragel'" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Run from the top so paths recorded by ragel are repo-relative.
cd "$top"
# -G2: goto-driven code; 0 Eva alarms and the fastest style (docs/framing.md).
# -L only comments #line out; the sed removes the comments too (they name
# the output path, which would differ between gen/ and a temp dir).
"$RAGEL" -G2 -L -o "$tmp/raw.c" spec/framing.rl
{
    printf '/* SPDX-License-Identifier: MIT */\n'
    printf '/*\n * GENERATED FILE - DO NOT EDIT.\n'
    printf ' * Source:     spec/framing.rl (ragel %s -G2)\n' "$want_ragel"
    printf ' * Regenerate: scripts/regen-framing.sh gen/\n */\n'
    sed -e '/^\/\* #line [0-9]* ".*" \*\/$/d' "$tmp/raw.c"
} > "$tmp/va_framing.c"
mv "$tmp/va_framing.c" "$out/va_framing.c"

"$PYTHON" scripts/gen-crc32c-tables.py "$tmp/va_crc32c_tables.h"
mv "$tmp/va_crc32c_tables.h" "$out/va_crc32c_tables.h"
