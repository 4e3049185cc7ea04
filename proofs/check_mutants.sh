#!/bin/sh
# SPDX-License-Identifier: MIT
# Show that the checks can fail: apply each proofs/mutants/*.patch to a
# temporary copy of the tree and run the check named in the patch's
# "Check:" line; the mutant must be killed (the check must fail).
#   proofs/check_mutants.sh SRC_ROOT BUILD_DIR
# Check kinds:
#   Check: wp FUNCTIONS [PROPERTY]
#                           WP on runtime/va_manager.c, -wp-fct FUNCTIONS
#                           (and -wp-prop PROPERTY: a named clause)
#   Check: test NAME        meson build of the copy + `meson test NAME`
set -u
top=$(cd "${1:-$(dirname "$0")/..}" && pwd)
bld=${2:-$top/build}
mkdir -p "$bld/proofs/tmp"
bld=$(cd "$bld/proofs" && pwd)
export TMPDIR="$bld/tmp"
export WHY3CONFIG="$bld/why3.conf"
export WHY3_CONFIG="$WHY3CONFIG"
sh "$top/proofs/why3/config.sh" "$top" "$WHY3CONFIG" || exit 2
# one mutant: prints "killed" or the reason it counts as a survivor
mutant() { # patch
    p=$1
    name=$(basename "$p" .patch)
    work=$(mktemp -d "$TMPDIR/mutant.XXXXXX")
    # copy the sources only (no build folders, no .git)
    (cd "$top" && tar cf - --exclude=./build --exclude='./build*' --exclude=./.git .) | (cd "$work" && tar xf -)
    if ! (cd "$work" && patch -p1 -s <"$p"); then
        echo "mutant $name: patch does not apply (stale mutant) - FAIL"
        rm -rf "$work"; return 1
    fi
    check=$(sed -n 's/^Check: *//p' "$p" | head -1)
    case "$check" in
        wp\ *)
            # "wp FUNCTIONS [PROPERTY]": with a property name, only that
            # property's goals are generated (-wp-prop).  The same check is
            # first run on the unmutated tree and must pass there, so a
            # mutant counts as killed only by the property it breaks, never
            # by a goal that also fails (times out) without the mutation.
            set -- ${check#wp }
            fcts=$1
            prop=${2:+-wp-prop $2}
            wp_check() { # tree log
                # shellcheck disable=SC2086
                frama-c -wp -wp-rte -wp-prover z3,cvc4 -wp-par 1 -wp-timeout 60 \
                    -wp-no-warn-memory-model \
                    "-cpp-extra-args=-I$1/include -I$1/gen -I$1/runtime -include $1/proofs/va_manager.acsl.h" \
                    "$1/runtime/va_manager.c" "$1/gen/va_sj_tables.c" "$1/gen/va_cj_tables.c" \
                    -wp-fct "$fcts" $prop -then -report-classify -report-unclassified-unknown ERROR \
                    >"$2" 2>&1
            }
            if ! wp_check "$top" "$bld/mutant-$name.base.log"; then
                echo "mutant $name: the unmutated tree fails its check ($check) - FAIL"
                rm -rf "$work"; return 1
            fi
            wp_check "$work" "$bld/mutant-$name.log"
            rc=$? ;;
        test\ *)
            t=${check#test }
            if [ "${MUTANT_REGEN:-}" != no ] && grep -q '^+++ b/spec/' "$p"; then
                sh "$work/scripts/regen.sh" "$work/gen" "" >"$bld/mutant-$name.log" 2>&1 || true
            fi
            (meson setup "$work/_b" "$work" -Dproofs=disabled -Dfuzzers=disabled &&
             ninja -C "$work/_b" -j 1 && meson test -C "$work/_b" "$t") >>"$bld/mutant-$name.log" 2>&1
            rc=$? ;;
        *)
            echo "mutant $name: no 'Check:' line - FAIL"; rm -rf "$work"; return 1 ;;
    esac
    rm -rf "$work"
    if [ $rc -eq 0 ]; then
        echo "mutant $name: SURVIVED ($check) - see $bld/mutant-$name.log"
        return 1
    fi
    echo "mutant $name: killed by $check"
}

# two lanes (2 cores): the mutants alternate between them; each lane
# writes one result line per mutant
set -- "$top"/proofs/mutants/*.patch
[ -e "$1" ] || { echo "check_mutants: no mutants found"; exit 1; }
n=$#
lane() { # parity
    k=0
    for p in "$top"/proofs/mutants/*.patch; do
        k=$((k + 1))
        [ $((k % 2)) -eq "$1" ] || continue
        mutant "$p"
    done
}
lane 0 >"$bld/mutants-lane0.txt" 2>&1 &
lane 1 >"$bld/mutants-lane1.txt" 2>&1
wait
cat "$bld/mutants-lane0.txt" "$bld/mutants-lane1.txt"
killed=$(cat "$bld/mutants-lane0.txt" "$bld/mutants-lane1.txt" | grep -c ': killed by ')
survivors=$((n - killed))
[ $n -ge 1 ] || { echo "check_mutants: no mutants found"; exit 1; }
if [ $survivors -ne 0 ]; then
    echo "check_mutants: $survivors of $n mutants survived - FAIL"
    exit 1
fi
echo "check_mutants: all $n mutants killed"
