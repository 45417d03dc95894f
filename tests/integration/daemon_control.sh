#!/usr/bin/env bash
# daemon_control: `rollcall status` and `rollcall sweep` over the control
# socket (mode 0660), a peer of another uid refused by SO_PEERCRED, a clear
# error when no daemon runs, and the metrics endpoint with the documented
# metric names.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

fleet_start --hosts 8 --delay 500:1500 --broken refuse
# A socket directory anyone may traverse, so the uid check (not the file
# mode) is what refuses the other user below.
sockdir=$(mktemp -d /tmp/rc-i5-ctl.XXXXXX)
chmod 755 "$sockdir"
sock=$sockdir/control.sock
conf_add <<YML
interval: 1h
retry:
  attempts: 1
  backoff: 1h
control_socket: $sock
metrics_listen: 127.0.0.1:19465
YML
trap 'rm -rf "$sockdir"; t_cleanup' EXIT

# ---- no daemon yet
rc_run status -c "$CONF"
assert_eq "status without a daemon exits 1" 1 "$RC"
assert_match "status says no daemon" "cannot connect to $sock: .*is the daemon running\\?" "$ERR"
rc_run sweep --socket "$sock"
assert_eq "sweep without a daemon exits 1" 1 "$RC"
rc_run status --bogus
assert_eq "status with a bad option exits 2" 2 "$RC"
rc_run sweep --help
assert_eq "sweep --help exits 0" 0 "$RC"

daemon_start
wait_for "first sweep done" 40 log_has 'sweep 1: 9 hosts in'
assert_eq "control socket mode 0660" 660 "$(stat -c %a "$sock")"

rc_run status -c "$CONF"
assert_eq "status exits 0" 0 "$RC"
assert_match "status: hosts by status" 'hosts: +9 \(ok 8, refused 1' "$OUT"
assert_match "status: up since" 'up since [0-9-]+T' "$OUT"
assert_match "status: last sweeps" '1 +schedule' "$OUT"
assert_match "status: next sweep" 'next sweep: +[0-9-]+T' "$OUT"
assert_match "status: writer" 'writer: +queue 0' "$OUT"
rc_run status -c "$CONF" --json
assert_eq "status --json exits 0" 0 "$RC"
assert_eq "status --json: hosts.ok" 8 "$(jq -r .hosts.ok <<<"$OUT")"
assert_eq "status --json: failures.refused" 1 "$(jq -r .failures.refused <<<"$OUT")"
assert_eq "status --json: last sweep id" 1 "$(jq -r '.last_sweeps[0].id' <<<"$OUT")"
assert_eq "status --json: writer not degraded" false "$(jq -r .writer.degraded <<<"$OUT")"
assert_nonempty "status --json: daemon.up_since" "$(jq -r .daemon.up_since <<<"$OUT")"

# ---- sweep now, and refused while one runs
rc_run sweep -c "$CONF"
assert_eq "sweep exits 0" 0 "$RC"
assert_match "sweep says how many hosts" 'sweep started: 9 hosts' "$OUT"
rc_run sweep -c "$CONF"
assert_eq "second sweep while one runs exits 1" 1 "$RC"
assert_match "second sweep says one runs" 'already running' "$ERR"
rc_run status -c "$CONF" --json
assert_eq "status shows the sweep in flight" true "$(jq -r .sweep.running <<<"$OUT")"
wait_for "manual sweep done" 40 log_has 'sweep 2: 9 hosts in'
wait_for "daemon idle again" 10 bash -c "ip netns exec '$NETNS' '$ROLLCALL' status --socket '$sock' --json | jq -e '.sweep.running == false and .sweeps_total == 2'"
rc_run sweep --socket "$sock" --limit '~web00[12]$'
assert_eq "sweep --limit exits 0" 0 "$RC"
assert_match "sweep --limit takes 2 hosts" 'sweep started: 2 hosts' "$OUT"
wait_for "limited sweep done" 30 log_has 'sweep 3: 2 hosts in'
assert_eq "manual sweeps recorded as such" 2 "$(sql "SELECT count(*) FROM sweeps WHERE trigger = 'manual'")"

# ---- another uid is refused (socket opened up so only SO_PEERCRED stops it)
chmod 666 "$sock"
set +e
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$ROLLCALL" status --socket "$sock" 2>&1)
rc=$?
set -e
assert_eq "uid nobody: status exits 1" 1 "$rc"
assert_match "uid nobody: refused with a message" 'permission denied: uid 65534' "$out"
wait_for "refusal logged by the daemon" 5 log_has 'control: refused a connection from uid 65534'

# ---- metrics
metrics=$(ip netns exec "$NETNS" curl -sf --max-time 5 http://127.0.0.1:19465/metrics || true)
for name in rollcall_up rollcall_sweeps_total rollcall_sweep_duration_seconds \
    'rollcall_hosts{status="ok"}' 'rollcall_host_failures_total{reason="refused"}' \
    rollcall_sessions_in_flight rollcall_writer_queue_depth \
    rollcall_writer_commit_seconds rollcall_writer_degraded; do
	if grep -qF "$name " <<<"$metrics"; then t_pass "metric $name"
	else t_fail "metric $name" "not in: ${metrics:0:300}"; fi
done
assert_match "rollcall_hosts ok is 8" 'rollcall_hosts\{status="ok"\} 8' "$metrics"
assert_match "rollcall_sweeps_total is 3" 'rollcall_sweeps_total 3' "$metrics"
assert_eq "metrics: other paths 404" 404 \
    "$(ip netns exec "$NETNS" curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:19465/ || true)"

daemon_term
assert_eq "daemon exits 0" 0 "$DRC"
assert_eq "socket removed at exit" no "$([ -e "$sock" ] && echo yes || echo no)"
finish
