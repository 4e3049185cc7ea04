#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate gen/ (and the diagrams in docs/) from spec/.
#   scripts/regen.sh [GEN_OUT_DIR [DOCS_OUT_DIR]]
# The freshness test (tests/check_gen_fresh.sh) calls it with a temp dir and
# diffs the result against the committed gen/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/gen}
docs=${2:-}
[ -n "$docs" ] || { [ $# -ge 1 ] || docs=$top/docs; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

gen_lifecycle() { # spec-name machine prefix
    spec=$1 machine=$2 prefix=$3
    up=$(echo "$prefix" | tr a-z A-Z)
    ragel -x "$top/spec/$spec.rl" -o "$tmp/$spec.xml"
    python3 "$top/scripts/lifecycle_tables.py" "$top/spec/$spec.rl" "$tmp/$spec.xml" "$prefix" "$out"
    subst="s/@SPEC@/$spec/g; s/@MACHINE@/$machine/g; s/@PREFIX@/$prefix/g; s/@UP@/$up/g"
    sed "$subst" "$top/scripts/lifecycle_exec.rl.in" > "$tmp/${prefix}_machine.rl"
    sed "$subst" "$top/scripts/lifecycle_machine.h.in" > "$out/${prefix}_machine.h"
    cp "$top/spec/$spec.rl" "$tmp/"
    (cd "$tmp" && ragel -G2 -L "${prefix}_machine.rl" -o "${prefix}_machine.c.raw")
    # Strip Ragel's #line-style comments so diffs stay readable.
    grep -v '^/\* #line' "$tmp/${prefix}_machine.c.raw" | cat -s > "$out/${prefix}_machine.c"
    if [ -n "$docs" ]; then
        mkdir -p "$docs"
        ragel -V "$top/spec/$spec.rl" -o "$tmp/$spec.dot"
        python3 "$top/scripts/lifecycle_dot.py" "$tmp/$spec.dot" "$tmp/$spec.xml" "$top/spec/$spec.rl" > "$docs/$spec.dot"
        if command -v dot >/dev/null 2>&1; then
            dot -Tsvg "$docs/$spec.dot" -o "$docs/$spec.svg"
        fi
    fi
}

gen_lifecycle server_job va_server_job va_sj
gen_lifecycle client_job va_client_job va_cj

# Other generators register here (framing, protobuf messages).
for part in "$top"/scripts/regen-*.sh; do
    [ -e "$part" ] || continue
    sh "$part" "$out"
done
