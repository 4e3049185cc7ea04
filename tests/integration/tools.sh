#!/bin/sh
# SPDX-License-Identifier: MIT
# Integration tests: the real virtagent and vactl binaries over a real Unix
# socket.  Usage: tools.sh CASE  (VIRTAGENT and VACTL name the binaries).
# Every vactl is bounded with timeout(1), agents by the trap; every agent runs --dry-run (one
# case runs a harmless custom shutdown command that writes a file); leftover
# processes are killed by the trap.
set -u
case_name=${1:?case}
: "${VIRTAGENT:?}" "${VACTL:?}"
T=$(mktemp -d /tmp/va-it.XXXXXX)
SOCK=$T/sock
PIDS=""
cleanup() {
    for p in $PIDS; do
        kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
    echo "FAIL ($case_name): $*"
    for f in "$T"/*.log "$T"/*.out; do
        [ -f "$f" ] && { echo "--- $f"; cat "$f"; }
    done
    exit 1
}
ok() { echo "ok - $*"; }

# start_agent [options...]: agent on $SOCK, log in $T/agent.log, pid in AGENT.
# Not under timeout(1), so AGENT is the agent's own pid (kill -9 must reach
# it); the EXIT trap bounds its life.
# Ready means this agent logged "listening on": a stale socket left by a
# killed agent exists before the new one replaces it, so -S alone races.
listening_count() {
    if [ -f "$T/agent.log" ]; then grep -c "listening on" "$T/agent.log"; else echo 0; fi
}
start_agent() {
    n0=$(listening_count)
    "$VIRTAGENT" -m unix-listen -p "$SOCK" --dry-run -v "$@" >>"$T/agent.log" 2>&1 &
    AGENT=$!
    PIDS="$PIDS $AGENT"
    i=0
    while [ "$(listening_count)" -le "$n0" ] &&
          [ $i -lt 250 ]; do
        sleep 0.02
        i=$((i + 1))
    done
    [ -S "$SOCK" ] || fail "agent did not start"
}

stop_agent() {
    kill "$AGENT" 2>/dev/null
    wait "$AGENT" 2>/dev/null
}

# vactl ARGS...: runs vactl (bounded), output in $T/out, status in RC
vactl() {
    timeout 10 "$VACTL" -p "$SOCK" "$@" >"$T/v.out" 2>"$T/v.err"
    RC=$?
}

expect_rc() { # want, what
    [ "$RC" -eq "$1" ] || fail "$2: exit $RC, want $1; stdout: $(cat "$T/v.out"); stderr: $(cat "$T/v.err")"
}

expect_out() { # pattern, what
    grep -q -- "$1" "$T/v.out" || fail "$2: '$1' not in output: $(cat "$T/v.out")"
}

ms() { date +%s%3N; }

case $case_name in
rpcs)
    start_agent
    vactl ping --nonce 12345; expect_rc 0 ping; expect_out "pong: nonce 12345" ping
    vactl -j ping --nonce 77; expect_rc 0 "ping json"; expect_out '^{"nonce":77}$' "ping json"
    vactl info; expect_rc 0 info; expect_out "^hostname: $(hostname)" info
    expect_out "kernel_release: $(uname -r)" info; expect_out "agent_version: " info
    vactl -j info; expect_rc 0 "info json"; expect_out '"uptime_seconds":' "info json"
    vactl capabilities; expect_rc 0 caps; expect_out "name=GuestAgent.Shutdown id=259 enabled=true" caps
    vactl -j capabilities; expect_rc 0 "caps json"
    expect_out '"limits":{"max_frame":' "caps json"
    vactl call GuestAgent.Ping --json '{"nonce": 9}'; expect_rc 0 call; expect_out "nonce 9" call
    vactl -j call info; expect_rc 0 "call info"; expect_out '"hostname":' "call info"
    for m in powerdown halt reboot; do
        vactl shutdown --mode $m; expect_rc 0 "shutdown $m"
    done
    vactl -j shutdown --mode reboot; expect_rc 0 "shutdown json"; expect_out '^{}$' "shutdown json"
    grep -q "dry-run: would run: shutdown -P now" "$T/agent.log" || fail "no dry-run powerdown"
    grep -q "dry-run: would run: shutdown -H now" "$T/agent.log" || fail "no dry-run halt"
    grep -q "dry-run: would run: shutdown -r now" "$T/agent.log" || fail "no dry-run reboot"
    ok "ping, info, capabilities, call, shutdown (dry run, 3 modes)"
    ;;
both-directions)
    start_agent --heartbeat-ms 200
    (sleep 0.7; echo ping; sleep 0.3; echo "shutdown --mode halt"; sleep 0.3) |
        timeout 10 "$VACTL" -p "$SOCK" session >"$T/v.out" 2>"$T/v.err"
    RC=$?; expect_rc 0 session
    expect_out "^guest announced: version .*GuestAgent.Ping" announce
    expect_out "^guest event: heartbeat" heartbeat
    expect_out "GuestAgent.Ping: ok" "host->guest ping"
    expect_out "^guest event: shutdown_started (halt (dry run))" "shutdown event"
    [ "$(grep -c 'guest event: heartbeat' "$T/v.out")" -ge 3 ] || fail "too few heartbeats"
    # json session
    (sleep 0.5) | timeout 10 "$VACTL" -p "$SOCK" -j session >"$T/v.out" 2>"$T/v.err"
    expect_out '^{"event":"announce","data":{"protocol_version":1' "json announce"
    expect_out '^{"event":"guest_event","data":{"kind":"heartbeat"' "json heartbeat"
    ok "guest -> host announce, heartbeats, shutdown_started; host -> guest calls"
    ;;
concurrent)
    start_agent --test-delay-ms 400
    t0=$(ms)
    printf 'info\nping 1\nping 2\ncapabilities\ninfo\nping 3\n' |
        timeout 10 "$VACTL" -p "$SOCK" session >"$T/v.out" 2>"$T/v.err"
    RC=$?; t1=$(ms); expect_rc 0 session
    [ "$(grep -c ': ok' "$T/v.out")" -eq 6 ] || fail "not 6 results"
    # the pings overtake the slow infos: results arrive out of order
    first=$(grep -n '^\[1\] GuestAgent.Info: ok' "$T/v.out" | cut -d: -f1)
    ping3=$(grep -n '^\[6\] GuestAgent.Ping: ok' "$T/v.out" | cut -d: -f1)
    [ "$ping3" -lt "$first" ] || fail "ping 3 did not overtake the slow info"
    # two 400 ms infos ran at once: well under 800 ms
    [ $((t1 - t0)) -lt 750 ] || fail "infos did not overlap ($((t1 - t0)) ms)"
    # many vactl processes at once: each waits its turn, all succeed
    n=0
    for i in 1 2 3 4 5 6 7 8 9 10; do
        timeout 10 "$VACTL" -p "$SOCK" -q ping &
        eval "p$i=\$!"
    done
    for i in 1 2 3 4 5 6 7 8 9 10; do
        eval "wait \$p$i" && n=$((n + 1))
    done
    [ $n -eq 10 ] || fail "only $n of 10 concurrent vactl pings succeeded"
    ok "6 concurrent calls in a session (out of order, overlapping); 10 parallel vactl"
    ;;
timeout)
    start_agent --test-delay-ms 3000
    t0=$(ms); vactl -t 300 info; t1=$(ms)
    expect_rc 4 timeout
    grep -q "timed out after 300 ms" "$T/v.err" || fail "no timeout message"
    [ $((t1 - t0)) -lt 1500 ] || fail "timeout took $((t1 - t0)) ms"
    vactl -j -t 300 info; expect_rc 4 "timeout json"; expect_out '"status":"timed out"' "timeout json"
    vactl ping; expect_rc 0 "ping after timeout"
    ok "slow method: exit 4 after ~300 ms; next call succeeds"
    ;;
cancel)
    start_agent --test-delay-ms 3000
    t0=$(ms)
    (echo info; sleep 0.3; echo "cancel 1"; echo ping) |
        timeout 10 "$VACTL" -p "$SOCK" session >"$T/v.out" 2>"$T/v.err"
    RC=$?; t1=$(ms); expect_rc 0 session
    expect_out '^\[1\] GuestAgent.Info: cancelled' cancel
    expect_out '^\[2\] GuestAgent.Ping: ok' "ping after cancel"
    [ $((t1 - t0)) -lt 2000 ] || fail "cancel did not end the call early ($((t1 - t0)) ms)"
    sleep 0.2
    grep -q "info request cancelled by the host" "$T/agent.log" || fail "agent did not see the cancel"
    ok "cancel reaches the agent; the call ends at once"
    ;;
agent-restart)
    start_agent --test-delay-ms 5000
    t0=$(ms)
    timeout 20 "$VACTL" -p "$SOCK" -t 15000 info >"$T/v.out" 2>"$T/v.err" &
    V=$!
    sleep 0.3
    kill -9 "$AGENT"
    wait "$V"; RC=$?; t1=$(ms)
    expect_rc 3 "call during agent kill"
    grep -q "disconnected" "$T/v.err" || fail "no 'disconnected' message"
    [ $((t1 - t0)) -lt 2000 ] || fail "vactl took $((t1 - t0)) ms to notice"
    vactl ping; expect_rc 3 "ping with no agent"
    grep -q "cannot connect" "$T/v.err" || fail "no connect error"
    start_agent   # same path: the stale socket is replaced
    vactl ping; expect_rc 0 "ping after restart"
    ok "agent killed mid-call: exit 3 at once; restarted agent answers"
    ;;
garbage)
    start_agent
    vactl --test-garbage 20000 ping --nonce 5; expect_rc 0 "garbage then ping"; expect_out "nonce 5" garbage
    vactl --test-garbage 1 info; expect_rc 0 "1 garbage byte then info"
    # a raw connection that only sends garbage and leaves; the agent survives
    python3 - "$SOCK" <<'PY' || fail "python garbage writer"
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(os.urandom(65536) + b"\xa7\x5a" * 1000)
s.close()
PY
    vactl ping; expect_rc 0 "ping after a garbage connection"
    ok "garbage before a call (same stream, and a garbage-only connection)"
    ;;
blocked)
    start_agent -b shutdown
    vactl shutdown --mode halt; expect_rc 1 "blocked shutdown"
    grep -q "remote error: disabled: method disabled" "$T/v.err" || fail "no disabled message"
    vactl -j capabilities; expect_rc 0 caps
    expect_out '{"name":"GuestAgent.Shutdown","id":259,"enabled":false}' "caps shows disabled"
    expect_out '{"name":"GuestAgent.Ping","id":256,"enabled":true}' "caps shows enabled"
    grep -q "dry-run" "$T/agent.log" && fail "a blocked shutdown ran"
    stop_agent
    # allow list: only ping and info
    start_agent -a ping,info
    vactl capabilities; expect_rc 1 "capabilities not allowed"
    vactl info; expect_rc 0 "info allowed"
    stop_agent
    # both: block wins
    start_agent --allow-rpcs GuestAgent.Ping,capabilities,Info --block-rpcs info
    vactl info; expect_rc 1 "block wins over allow"
    vactl -j capabilities; expect_rc 0 caps
    expect_out '"GuestAgent.Info","id":258,"enabled":false' "caps info disabled"
    expect_out '"GuestAgent.Shutdown","id":259,"enabled":false' "caps shutdown not allowed"
    stop_agent
    # the config file sets lists too; the command line wins
    printf '[general]\n# test\nblock-rpcs = ping\nheartbeat-ms = 0\n' >"$T/conf"
    start_agent -c "$T/conf"
    vactl ping; expect_rc 1 "ping blocked by config"
    stop_agent
    start_agent -c "$T/conf" --block-rpcs info
    vactl ping; expect_rc 0 "command line overrides config"
    vactl info; expect_rc 1 "info blocked by command line"
    ok "block list, allow list, block wins, config file, capabilities shows state"
    ;;
bad-args)
    timeout 5 "$VACTL" >/dev/null 2>&1; RC=$?; expect_rc 2 "no arguments"
    timeout 5 "$VACTL" -p "$SOCK" ping >/dev/null 2>&1; RC=$?; expect_rc 3 "no agent"
    start_agent
    for args in "frobnicate" "shutdown" "shutdown --mode explode" "ping --nonce x" \
                "call NoSuchMethod" "call ping {bad" "call ping {\"nonce\":-1}" \
                "call ping {\"zzz\":1}" "info extra" "bench --count 0"; do
        # shellcheck disable=SC2086
        vactl $args; expect_rc 2 "vactl $args"
    done
    timeout 5 "$VACTL" -m tcp -p nonsense ping >/dev/null 2>&1; RC=$?; expect_rc 2 "bad address"
    timeout 5 "$VACTL" -p "$SOCK" --timeout 0 ping >/dev/null 2>&1; RC=$?; expect_rc 2 "timeout 0"
    timeout 5 "$VACTL" --help >"$T/v.out" 2>&1; RC=$?; expect_rc 0 help; expect_out "Exit status" help
    for args in "--bogus" "-m nosuch -p x" "-b nosuchmethod -m unix-listen -p $T/x" \
                "-a announce -m unix-listen -p $T/x" "--heartbeat-ms -5" "-c $T/missing.conf" \
                "extra-arg"; do
        # shellcheck disable=SC2086
        timeout 5 "$VIRTAGENT" $args >/dev/null 2>&1; RC=$?; expect_rc 2 "virtagent $args"
    done
    timeout 5 "$VIRTAGENT" --block-rpcs '?' >"$T/v.out"; RC=$?; expect_rc 0 "list methods"
    expect_out "GuestAgent.Shutdown" "list methods"
    vactl ping; expect_rc 0 "agent still fine"
    ok "usage errors exit 2 (vactl and virtagent); no agent exits 3"
    ;;
daemon)
    # pidfile, SIGTERM, AGENT_STOPPING, a real (harmless) shutdown command
    start_agent --pidfile "$T/pid" --heartbeat-ms 0 \
        --shutdown-command "echo \"\$1\" > $T/shutdown-ran"
    sleep 0.1
    [ "$(cat "$T/pid")" = "$AGENT" ] || fail "pidfile does not hold the agent's pid"
    (sleep 0.3; echo "shutdown reboot"; sleep 0.5; echo quit) |
        timeout 10 "$VACTL" -p "$SOCK" session >"$T/v.out" 2>"$T/v.err" &
    V=$!
    sleep 1.3
    # dry run: the command is logged, not run
    grep -q "dry-run: would run: /bin/sh -c 'echo" "$T/agent.log" || fail "dry-run custom command"
    [ -e "$T/shutdown-ran" ] && fail "dry run ran the command"
    wait "$V"
    expect_out "guest event: shutdown_started (reboot (dry run))" "shutdown event"
    (sleep 0.5) | timeout 10 "$VACTL" -p "$SOCK" session >"$T/v.out" 2>"$T/v.err" &
    V=$!
    sleep 0.3
    kill -TERM "$AGENT"; wait "$AGENT"; RC=$?; expect_rc 0 "agent exit on SIGTERM"
    wait "$V"
    expect_out "guest event: agent_stopping" "stopping event"
    [ -e "$T/pid" ] && fail "pidfile left behind"
    # not a dry run: the harmless custom command really runs, mode as $1
    "$VIRTAGENT" -m unix-listen -p "$SOCK" --heartbeat-ms 0 \
        --shutdown-command "echo \"\$1\" > $T/shutdown-ran" >>"$T/agent.log" 2>&1 &
    AGENT=$!; PIDS="$PIDS $AGENT"
    sleep 0.2
    vactl shutdown --mode halt; expect_rc 0 "real custom shutdown command"
    sleep 0.3
    [ "$(cat "$T/shutdown-ran" 2>/dev/null)" = "halt" ] || fail "custom command did not run"
    grep -q "exited with 0" "$T/agent.log" || fail "command exit not reaped"
    ok "pidfile, SIGTERM + agent_stopping, dry run, custom command with the mode"
    ;;
reconnect)
    # the agent connects out (-m unix); the host side goes away and comes back
    python3 - "$VIRTAGENT" "$T" <<'PY' || fail "reconnect"
import os, socket, subprocess, sys, time
agent, tmp = sys.argv[1], sys.argv[2]
path = os.path.join(tmp, "host.sock")
p = subprocess.Popen([agent, "-m", "unix", "-p", path, "--dry-run", "--heartbeat-ms", "0"],
                     stderr=open(os.path.join(tmp, "agent.log"), "ab"))
try:
    for round in range(3):
        l = socket.socket(socket.AF_UNIX)
        l.bind(path)
        l.listen(1)
        l.settimeout(5)
        c, _ = l.accept()
        c.settimeout(5)
        data = c.recv(4096)
        assert data[:2] == b"\xa7\x5a", data[:8]      # a frame: the agent's HELLO
        c.close()
        l.close()
        os.unlink(path)
        time.sleep(0.3)                               # host away for a while
    print("ok - agent reconnected 3 times")
finally:
    p.kill()
    p.wait()
PY
    ;;
*)
    fail "unknown case"
    ;;
esac
exit 0
