#!/bin/sh
# SPDX-License-Identifier: MIT
# The README demo: set up, build, then run the real guest agent (virtagent)
# on a Unix socket and talk to it with the host CLI (vactl), in both
# directions, some calls at once, and a dry-run shutdown.  Prints a
# transcript; cleans up after itself.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh >/dev/null
if [ -f build/build.ninja ]; then
    meson setup --reconfigure build >/dev/null
else
    meson setup build >/dev/null
fi
ninja -C build >/dev/null

VIRTAGENT=$top/build/tools/virtagent
VACTL=$top/build/tools/vactl
tmp=$(mktemp -d /tmp/virtagent-demo.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ -t 1 ]; then b=$(printf '\033[1m'); n=$(printf '\033[0m'); else b=""; n=""; fi
say() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
note() { printf '   %s\n' "$*"; }
run() { # show the command (paths shortened), then run it, bounded
    printf '$ %s\n' "$(echo "$*" | sed "s|$tmp/|\$tmp/|g; s|$top/build/tools/||g")"
    timeout 10 "$@" || printf '   (exit status %d)\n' "$?"
}
agent() { # socket, log, extra options...
    sock=$1 log=$2
    shift 2
    "$VIRTAGENT" -m unix-listen -p "$sock" --dry-run --heartbeat-ms 500 "$@" >"$log" 2>&1 &
    pids="$pids $!"
    i=0
    while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
}

S=$tmp/sock
say "Start the guest agent on a Unix socket"
note "In a VM it would open /dev/virtio-ports/org.virtagent.0; here it listens on a"
note "socket. --dry-run: shutdown only logs what it would run. --heartbeat-ms 500: fast"
note "heartbeats for the demo. --test-delay-ms 300 (a testing option) makes Info slow"
note "on purpose, so you can watch calls overlap."
printf '$ virtagent -m unix-listen -p $tmp/sock --dry-run --heartbeat-ms 500 --test-delay-ms 300 &\n'
agent "$S" "$tmp/agent.log" --test-delay-ms 300 -v

say "Host -> guest: one call per vactl"
run "$VACTL" -p "$S" ping
run "$VACTL" -p "$S" info
run "$VACTL" -p "$S" --json capabilities

say "Three vactl at once, in the background"
note "The agent serves one host connection at a time; the others wait in the listen"
note "backlog and are served in turn, so all three succeed."
for c in ping info capabilities; do
    timeout 10 "$VACTL" -p "$S" --json "$c" >"$tmp/bg-$c.out" 2>&1 &
    eval "bg_$c=\$!"
done
for c in ping info capabilities; do
    eval "wait \$bg_$c" && st=ok || st="failed ($?)"
    printf '   vactl --json %-12s -> %s: %.70s...\n' "$c" "$st" "$(cat "$tmp/bg-$c.out")"
done

say "Both directions on one stream: vactl session"
note "The session stays connected. The guest announces itself and sends heartbeats"
note "(guest -> host calls) while the host sends commands from stdin, several in flight"
note "at once: the two pings overtake the slow info. Then a dry-run shutdown: the"
note "agent replies, tells the host 'shutdown_started', and logs the command."
printf '$ (echo info; echo ping 1; echo ping 2; ...; echo "shutdown --mode powerdown") | vactl -p $tmp/sock session\n'
(sleep 0.3; echo info; echo "ping 1"; echo "ping 2"; sleep 0.9; echo "shutdown --mode powerdown";
 sleep 0.4) | timeout 10 "$VACTL" -p "$S" session | sed 's/^/   /'

say "A cancelled call"
note "info takes 300 ms here; 'cancel 1' stops it: the agent hears the cancel too."
printf '$ (echo info; sleep 0.1; echo "cancel 1") | vactl -p $tmp/sock session\n'
(echo info; sleep 0.1; echo "cancel 1") | timeout 10 "$VACTL" -p "$S" session | sed 's/^/   /'

say "A timeout"
run "$VACTL" -p "$S" --timeout 100 info

say "A blocked method (second agent started with --block-rpcs shutdown)"
S2=$tmp/sock2
printf '$ virtagent -m unix-listen -p $tmp/sock2 --dry-run --block-rpcs shutdown &\n'
agent "$S2" "$tmp/agent2.log" --block-rpcs shutdown
run "$VACTL" -p "$S2" shutdown --mode reboot
run "$VACTL" -p "$S2" capabilities

say "The agent's log"
note "(-v logs every request; connection chatter left out here)"
sleep 0.2
grep -vE 'host (connected|said hello|disconnected)|: ok$' "$tmp/agent.log" | sed 's/^/   /'

say "Done"
note "Exit codes: 0 ok, 1 remote error, 2 usage, 3 connection failure, 4 timeout."
note "Everything above ran the real binaries; the sockets and logs are removed now."
