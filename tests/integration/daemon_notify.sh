#!/usr/bin/env bash
# daemon_notify: under a test NOTIFY_SOCKET (tests/tools/notifyrecv) with
# WATCHDOG_USEC set, the daemon sends READY=1, STATUS= lines (sweep
# progress, then idle with the next sweep), WATCHDOG=1 pings, and
# STOPPING=1 on SIGTERM, after which it exits 0.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

[ -x "$NOTIFYRECV" ] || t_die "no $NOTIFYRECV: build the tests/tools first"
fleet_start --hosts 6 --delay 200:800
conf_add <<'YML'
interval: 5s
jitter: 0
YML

sock=$T_DIR/notify.sock
msgs=$T_DIR/notify.log
"$NOTIFYRECV" -l 120 "$sock" "$msgs" &
recv_pid=$!
trap 's=$?; kill $recv_pid 2>/dev/null || true; t_cleanup "$s"' EXIT
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done

daemon_start NOTIFY_SOCKET="$sock" WATCHDOG_USEC=2000000
wait_for "READY=1 received" 10 grep -qx 'READY=1' "$msgs"
wait_for "STATUS= with sweep progress" 15 grep -Eq '^STATUS=sweeping: [0-9]+/6 done, [0-9]+ in flight$' "$msgs"
wait_for "STATUS= idle with the next sweep and the last result" 20 \
    grep -Eq '^STATUS=idle, next sweep in .*, last: 6 ok 0 failed$' "$msgs"
wait_for "WATCHDOG=1 pings (3 or more)" 10 \
    bash -c "[ \$(grep -cx 'WATCHDOG=1' '$msgs') -ge 3 ]"
assert_match "watchdog period logged as half of WATCHDOG_USEC" \
    'watchdog: pinging systemd every 1000 ms' "$(cat "$DLOG")"
ready_line=$(grep -nx 'READY=1' "$msgs" | head -1 | cut -d: -f1)
first_status=$(grep -n '^STATUS=' "$msgs" | head -1 | cut -d: -f1)
assert_ge "READY=1 comes before any STATUS= progress" "$ready_line" "$first_status"

daemon_term
assert_eq "daemon exits 0 on SIGTERM" 0 "$DRC"
wait_for "STOPPING=1 received" 5 grep -qx 'STOPPING=1' "$msgs"
echo "--- notifications (first 12):"; head -12 "$msgs" | sed 's/^/    /'
finish
