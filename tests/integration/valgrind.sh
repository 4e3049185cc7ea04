#!/bin/sh
# SPDX-License-Identifier: MIT
# The tools' integration cases with both programs under valgrind memcheck:
# 0 errors, 0 definite/indirect leaks, and no descriptor left open at exit
# that the program opened itself (inherited ones are the harness's).
#   VIRTAGENT=... VACTL=... valgrind.sh CASE...
set -u
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: SKIP"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT INT TERM
for b in virtagent vactl; do
    eval real=\$$(echo "$b" | tr a-z A-Z)
    cat > "$d/$b" <<W
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --track-fds=yes \\
    --log-file=$d/vg.$b.%p.log "$real" "\$@"
W
    chmod +x "$d/$b"
done
status=0
for c in "$@"; do
    if VIRTAGENT="$d/virtagent" VACTL="$d/vactl" sh "$here/tools.sh" "$c" > "$d/case.log" 2>&1; then
        echo "ok - $c (under valgrind)"
    else
        echo "FAIL - $c (under valgrind):"; tail -5 "$d/case.log"; status=1
    fi
done
logs=$(ls "$d"/vg.*.log 2>/dev/null | wc -l)
errs=$(cat "$d"/vg.*.log 2>/dev/null | grep -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]|Invalid (read|write)|uninitialised' | head -5)
fds=$(for f in "$d"/vg.*.log; do
        awk '/Open file descriptor/{fd=$0; getline; if ($0 !~ /inherited/) print FILENAME": "fd" "$0}' "$f"
      done | head -5)
if [ -n "$errs" ]; then
    echo "FAIL - memcheck errors or leaks:"; echo "$errs"; status=1
fi
if [ -n "$fds" ]; then
    echo "FAIL - descriptors left open at exit:"; echo "$fds"; status=1
fi
echo "valgrind: $logs processes checked; errors: $( [ -n "$errs" ] && echo yes || echo 0 ); fd leaks: $( [ -n "$fds" ] && echo yes || echo 0 )"
exit $status
