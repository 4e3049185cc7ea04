#!/bin/sh
# SPDX-License-Identifier: MIT
# Show that the checks can fail: apply each proofs/mutants/*.patch to a
# temporary copy of the tree and run the check named in the patch's
# "Check:" line; the mutant must be killed (the check must fail).
#   proofs/check_mutants.sh SRC_ROOT BUILD_DIR
# Check kinds:
#   Check: wp FUNCTIONS     WP (run.sh options) on runtime/va_manager.c, -wp-fct FUNCTIONS
#   Check: test NAME        meson build of the copy + `meson test NAME`
set -u
top=$(cd "${1:-$(dirname "$0")/..}" && pwd)
bld=${2:-$top/build}
mkdir -p "$bld/proofs/tmp"
bld=$(cd "$bld/proofs" && pwd)
export TMPDIR="$bld/tmp"
export WHY3CONFIG="$bld/why3.conf"
[ -f "$WHY3CONFIG" ] || why3 config detect >/dev/null 2>&1
survivors=0
n=0
for p in "$top"/proofs/mutants/*.patch; do
    [ -e "$p" ] || continue
    n=$((n + 1))
    name=$(basename "$p" .patch)
    work=$(mktemp -d "$TMPDIR/mutant.XXXXXX")
    # copy the sources only (no build folders, no .git)
    (cd "$top" && tar cf - --exclude=./build --exclude='./build*' --exclude=./.git .) | (cd "$work" && tar xf -)
    if ! (cd "$work" && patch -p1 -s <"$p"); then
        echo "mutant $name: patch does not apply (stale mutant) - FAIL"
        survivors=$((survivors + 1)); rm -rf "$work"; continue
    fi
    check=$(sed -n 's/^Check: *//p' "$p" | head -1)
    case "$check" in
        wp\ *)
            fcts=${check#wp }
            frama-c -wp -wp-rte -wp-prover z3,cvc4 -wp-par 2 -wp-timeout 10 \
                -wp-no-warn-memory-model \
                "-cpp-extra-args=-I$work/include -I$work/gen -I$work/runtime -include $work/proofs/va_manager.acsl.h" \
                "$work/runtime/va_manager.c" "$work/gen/va_sj_tables.c" "$work/gen/va_cj_tables.c" \
                -wp-fct "$fcts" -then -report-classify -report-unclassified-unknown ERROR \
                >"$bld/mutant-$name.log" 2>&1
            rc=$? ;;
        test\ *)
            t=${check#test }
            if [ "${MUTANT_REGEN:-}" != no ] && grep -q '^+++ b/spec/' "$p"; then
                sh "$work/scripts/regen.sh" "$work/gen" "" >"$bld/mutant-$name.log" 2>&1 || true
            fi
            (meson setup "$work/_b" "$work" -Dproofs=disabled -Dfuzzers=disabled &&
             ninja -C "$work/_b" && meson test -C "$work/_b" "$t") >>"$bld/mutant-$name.log" 2>&1
            rc=$? ;;
        *)
            echo "mutant $name: no 'Check:' line - FAIL"; rc=0 ;;
    esac
    if [ $rc -eq 0 ]; then
        echo "mutant $name: SURVIVED ($check) - see $bld/mutant-$name.log"
        survivors=$((survivors + 1))
    else
        echo "mutant $name: killed by $check"
    fi
    rm -rf "$work"
done
[ $n -ge 1 ] || { echo "check_mutants: no mutants found"; exit 1; }
if [ $survivors -ne 0 ]; then
    echo "check_mutants: $survivors of $n mutants survived - FAIL"
    exit 1
fi
echo "check_mutants: all $n mutants killed"
