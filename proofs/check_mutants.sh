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
mkdir -p "$bld/proofs/tmp" "$bld/proofs/wpcache"
bld=$(cd "$bld/proofs" && pwd)
export TMPDIR="$bld/tmp"
export WHY3CONFIG="$bld/why3.conf"
export WHY3_CONFIG="$WHY3CONFIG"
sh "$top/proofs/why3/config.sh" "$top" "$WHY3CONFIG" || exit 2
# the ninja target of a registered test's program, relative to the build
# folder ("all" when the test runs a program from outside it)
test_target() { # build-dir test-name
    python3 - "$1" "$2" <<'PY'
import json, os, subprocess, sys
b = os.path.realpath(sys.argv[1])
for t in json.loads(subprocess.check_output(["meson", "introspect", b, "--tests"])):
    if t["name"] == sys.argv[2]:
        exe = os.path.realpath(t["cmd"][0])
        print(os.path.relpath(exe, b) if exe.startswith(b + os.sep) else "all")
        break
else:
    print("all")
PY
}
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
            # The WP cache is run.sh's (same provers and timeout): the
            # unmutated goal, proved by run.sh just before, is a cache hit;
            # the mutant's goal is a new prover task, so it is proved (or
            # fails) afresh.  z3 and cvc4 race (-wp-par 2, as in run.sh):
            # with -wp-par 1 Why3 runs them one after the other, and a goal
            # only cvc4 proves first waited for z3's full timeout.
            # The mutant gets 3 times the time the unmutated goal took
            # (at least 10 s, at most run.sh's 60 s): a property the mutant
            # breaks is false, so no timeout proves it; the budget only
            # decides how soon the check gives up.
            set -- ${check#wp }
            fcts=$1
            prop=${2:+-wp-prop $2}
            wp_check() { # tree log timeout
                # shellcheck disable=SC2086
                frama-c -wp -wp-rte -wp-prover z3,cvc4 -wp-par 2 -wp-timeout "$3" \
                    -wp-no-warn-memory-model -wp-cache "${WP_CACHE:-update}" \
                    -wp-cache-dir "$bld/wpcache" \
                    "-cpp-extra-args=-I$1/include -I$1/gen -I$1/runtime -include $1/proofs/va_manager.acsl.h" \
                    "$1/runtime/va_manager.c" "$1/gen/va_sj_tables.c" "$1/gen/va_cj_tables.c" \
                    -wp-fct "$fcts" $prop -then -report-classify -report-unclassified-unknown ERROR \
                    >"$2" 2>&1
            }
            if ! wp_check "$top" "$bld/mutant-$name.base.log" 60; then
                echo "mutant $name: the unmutated tree fails its check ($check) - FAIL"
                rm -rf "$work"; return 1
            fi
            # the slowest prover time of a proved goal, in whole seconds
            # ("Valid (Qed:...) (18.7s)", "(240ms)", "(1'5s)" for 65 s)
            tb=$(sed -n 's/.*: Valid .*) (\([0-9.]*m\{0,1\}s\|[0-9]*'"'"'[0-9]*s\)).*/\1/p' \
                 "$bld/mutant-$name.base.log" | awk '
                    { t = $0
                      if (t ~ /ms$/) { sub(/ms$/, "", t); v = t / 1000 }
                      else if (t ~ /'"'"'/) { split(t, a, "'"'"'"); sub(/s$/, "", a[2]); v = a[1] * 60 + a[2] }
                      else { sub(/s$/, "", t); v = t }
                      if (v > max) max = v }
                    END { printf "%d\n", max + 0.999 }')
            tm=$((3 * ${tb:-20}))
            [ "$tm" -ge 10 ] || tm=10
            [ "$tm" -le 60 ] || tm=60
            wp_check "$work" "$bld/mutant-$name.log" "$tm"
            rc=$?
            check="$check, ${tm} s" ;;
        test\ *)
            t=${check#test }
            if [ "${MUTANT_REGEN:-}" != no ] && grep -q '^+++ b/spec/' "$p"; then
                sh "$work/scripts/regen.sh" "$work/gen" "" >"$bld/mutant-$name.log" 2>&1 || true
            fi
            # build only the test's program (the whole tree when the test
            # is a script); a mutant that does not build is a broken mutant,
            # not a killed one
            if ! (meson setup "$work/_b" "$work" -Dproofs=disabled -Dfuzzers=disabled &&
                  ninja -C "$work/_b" -j 1 "$(test_target "$work/_b" "$t")") \
                  >>"$bld/mutant-$name.log" 2>&1; then
                echo "mutant $name: the mutated tree does not build - FAIL (see $bld/mutant-$name.log)"
                rm -rf "$work"; return 1
            fi
            meson test -C "$work/_b" --no-rebuild "$t" >>"$bld/mutant-$name.log" 2>&1
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

# two lanes (2 cores): the WP mutants in one (each WP run races two
# provers), the test mutants (a one-job build of one test program) in the
# other; each lane writes one result line per mutant
set -- "$top"/proofs/mutants/*.patch
[ -e "$1" ] || { echo "check_mutants: no mutants found"; exit 1; }
n=$#
lane() { # 0: WP mutants, 1: the others
    for p in "$top"/proofs/mutants/*.patch; do
        if grep -q '^Check: *wp ' "$p"; then k=0; else k=1; fi
        [ $k -eq "$1" ] || continue
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
