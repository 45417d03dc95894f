#!/usr/bin/env bash
# daemon_control: `rollcall status` and `rollcall sweep` over the control
# socket (mode 0660), a peer of another uid refused by SO_PEERCRED, a clear
# error when no daemon runs, and the metrics endpoint with the documented
# metric names. A sweep asked for while one runs is queued and runs next;
# `sweep --wait` blocks until its sweep ended and exits like collect;
# status shows the next regular sweep apart from pending retries; after a
# restart, status and metrics start from what the database knows, and
# counters move as each host finishes, not at the sweep's end.
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
  backoff: 10m
control_socket: $sock
metrics_listen: 127.0.0.1:19465
metrics_per_host: true
YML
trap 's=$?; rm -rf "$sockdir"; t_cleanup "$s"' EXIT

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

# ---- next sweep and retries apart: refuse01 failed, its retry is due in
# 10 min, the next regular sweep in about 1 h.
assert_eq "status --json: next sweep is the schedule's" schedule "$(jq -r .next_sweep.trigger <<<"$OUT")"
assert_ge "status --json: next sweep about 1h away" 3000 "$(jq -r .next_sweep.in_seconds <<<"$OUT")"
assert_eq "status --json: one retry pending" 1 "$(jq -r .next_retry.hosts <<<"$OUT")"
r_in=$(jq -r .next_retry.in_seconds <<<"$OUT")
assert_ge "status --json: retry within 10 min" "$r_in" 600
assert_ge "status --json: retry in the future" 1 "$r_in"
rc_run status -c "$CONF"
assert_match "status: next sweep line, no retry in it" 'next sweep: +[0-9-]+T[0-9:]+Z \(in [0-9]+m[0-9]{2}s\)' "$OUT"
assert_match "status: retries line with its time" 'retries: +1 pending, next [0-9-]+T[0-9:]+Z \(in ([0-9]+m[0-9]{2}s|[0-9.]+s)\)' "$OUT"
assert_match "status: durations in the one format (17.1s, not 17128ms)" 'last commit ([0-9]+ms|[0-9]+\.[0-9]s),' "$OUT"
assert_match "status: sweep durations in the one format" '1 +schedule +[0-9T:Z-]+ +([0-9]+ms|[0-9]+\.[0-9]s)' "$OUT"

# ---- sweep now; a second request while it runs is queued, not refused
rc_run sweep -c "$CONF"
assert_eq "sweep exits 0" 0 "$RC"
assert_match "sweep says how many hosts" 'sweep started: 9 hosts' "$OUT"
rc_run sweep -c "$CONF" --limit '~web00[34]$'
assert_eq "second sweep while one runs exits 0" 0 "$RC"
assert_match "second sweep is queued" 'sweep queued: 2 hosts' "$OUT"
rc_run status -c "$CONF" --json
assert_eq "status shows the sweep in flight" true "$(jq -r .sweep.running <<<"$OUT")"
assert_eq "status shows the queued request" 1 "$(jq -r .queued_sweeps <<<"$OUT")"
assert_eq "no next regular sweep while one runs" null "$(jq -r .next_sweep <<<"$OUT")"
wait_for "manual sweep done" 40 log_has 'sweep 2: 9 hosts in'
wait_for "queued sweep ran next" 40 log_has 'sweep 3: 2 hosts in'
assert_eq "queued request logged as queued" 1 "$(log_count 'requested with --limit ~web00\[34\]\$ \(queued')"
wait_for "daemon idle again" 10 bash -c "ip netns exec '$NETNS' '$ROLLCALL' status --socket '$sock' --json | jq -e '.sweep.running == false and .sweeps_total == 3 and .queued_sweeps == 0'"

# ---- sweep --wait: blocks until the end, prints the summary, exits like collect
t0=$SECONDS
rc_run sweep --socket "$sock" --limit '~web00[12]$' --wait
assert_eq "sweep --wait of ok hosts exits 0" 0 "$RC"
assert_match "sweep --wait prints the summary" '^sweep 4: 2 hosts in [0-9.]+m?s: 2 ok' "$OUT"
assert_eq "the sweep had ended when --wait returned" 1 "$(log_count 'sweep 4: 2 hosts in')"
rc_run sweep --socket "$sock" --wait
assert_eq "sweep --wait with a failing host exits 1" 1 "$RC"
assert_match "its summary names the failure" '^sweep 5: 9 hosts in .*8 ok, 1 failed \(refused 1' "$OUT"
assert_eq "results stored when --wait returned" 9 "$(sql 'SELECT count(*) FROM attempts WHERE sweep_id = 5')"
# --wait on a request that had to queue: waits for its own sweep
rc_run sweep --socket "$sock"
rc_run sweep --socket "$sock" --limit web001 --wait
assert_eq "queued sweep --wait exits 0" 0 "$RC"
assert_match "queued sweep --wait reports its own sweep" '^sweep 7: 1 hosts in' "$OUT"
assert_eq "manual sweeps recorded as such" 6 "$(sql "SELECT count(*) FROM sweeps WHERE trigger = 'manual'")"
wait_for "daemon idle after the waits" 10 bash -c "ip netns exec '$NETNS' '$ROLLCALL' status --socket '$sock' --json | jq -e '.sweep.running == false'"

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
assert_match "rollcall_sweeps_total is 7" 'rollcall_sweeps_total 7' "$metrics"
assert_match "per-host last success (metrics_per_host)" \
    'rollcall_host_last_success_timestamp_seconds\{host="web001"\} [0-9]{10}' "$metrics"
assert_eq "no per-host sample for a host never ok" "" \
    "$(grep 'last_success_timestamp_seconds{host="refuse01"}' <<<"$metrics" || true)"
for name in rollcall_build_info rollcall_up rollcall_start_time_seconds \
    rollcall_config_last_reload_successful \
    rollcall_config_last_reload_success_timestamp_seconds \
    rollcall_last_sweep_end_timestamp_seconds rollcall_sweeps_total \
    rollcall_sweep_duration_seconds rollcall_hosts rollcall_host_failures_total \
    rollcall_sessions_in_flight rollcall_writer_queue_depth \
    rollcall_writer_commit_seconds rollcall_writer_degraded; do
	if grep -q "^# HELP $name " <<<"$metrics" && grep -q "^# TYPE $name " <<<"$metrics"
	then t_pass "metric $name has HELP and TYPE"
	else t_fail "metric $name has HELP and TYPE" "not in: ${metrics:0:300}"; fi
done
version=$("$ROLLCALL" --version | awk '{print $2}')
assert_match "rollcall_build_info carries the version" \
    "rollcall_build_info\\{version=\"$version\"\\} 1" "$metrics"
assert_match "config loaded successfully" 'rollcall_config_last_reload_successful 1' "$metrics"
loaded=$(awk '/^rollcall_config_last_reload_success_timestamp_seconds /{print $2}' <<<"$metrics")
assert_ge "config load time is the daemon's start, not 0" "$(( $(date +%s) - 300 ))" "${loaded:-0}"
ended=$(awk '/^rollcall_last_sweep_end_timestamp_seconds /{printf "%d", $2}' <<<"$metrics")
assert_ge "last sweep end is recent" "$(( $(date +%s) - 300 ))" "${ended:-0}"
assert_ge "last sweep end is not in the future" "${ended:-0}" "$(date +%s)"
if command -v promtool >/dev/null; then
	lint=$(promtool check metrics <<<"$metrics" 2>&1) && lrc=0 || lrc=$?
	assert_eq "promtool check metrics is clean" "0:" "$lrc:$lint"
else
	t_fail "promtool is installed (scripts/deps.sh: prometheus)"
fi
index=$(ip netns exec "$NETNS" curl -s --max-time 5 -w '\n%{http_code} %{content_type}' http://127.0.0.1:19465/ || true)
assert_match "/ answers 200 with a page" '200 text/html' "$index"
assert_match "/ links /metrics" '<a href="/metrics">' "$index"
assert_eq "metrics: other paths 404" 404 \
    "$(ip netns exec "$NETNS" curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:19465/nosuch || true)"

daemon_term
assert_eq "daemon exits 0" 0 "$DRC"
assert_eq "socket removed at exit" no "$([ -e "$sock" ] && echo yes || echo no)"

# ---- restart: status and metrics start from the database. One host at a
# time (0.5-1.5 s each) keeps the first sweep running while we look.
sed -i 's/^concurrency:.*/concurrency: 1/' "$CONF"
: >"$DLOG"
daemon_start
wait_for "restarted daemon answers" 10 bash -c "ip netns exec '$NETNS' '$ROLLCALL' status --socket '$sock' --json"
rc_run status --socket "$sock" --json
assert_eq "restarted: no sweep finished yet" 0 "$(jq -r .sweeps_total <<<"$OUT")"
assert_eq "restarted: hosts ok from the database" 8 "$(jq -r .hosts.ok <<<"$OUT")"
assert_eq "restarted: refused from the database" 1 "$(jq -r .hosts.refused <<<"$OUT")"
assert_eq "restarted: nobody 'never attempted'" 0 "$(jq -r .hosts_never_attempted <<<"$OUT")"
assert_eq "restarted: last sweeps from the database" 7 "$(jq -r '.last_sweeps[0].id' <<<"$OUT")"
metrics=$(ip netns exec "$NETNS" curl -sf --max-time 5 http://127.0.0.1:19465/metrics || true)
assert_match "restarted: rollcall_hosts ok 8" 'rollcall_hosts\{status="ok"\} 8' "$metrics"
assert_match "restarted: rollcall_hosts never 0" 'rollcall_hosts\{status="never"\} 0' "$metrics"
assert_match "restarted: last sweep end known" 'rollcall_last_sweep_end_timestamp_seconds [0-9]' "$metrics"
assert_match "restarted: per-host last success known" \
    'rollcall_host_last_success_timestamp_seconds\{host="web001"\} [0-9]{10}' "$metrics"
# Counters move as each host finishes: refuse01 (second in the sweep's
# order, one host at a time) is counted while the sweep still runs.
wait_for "restarted: a failure is counted before the sweep ends" 30 bash -c \
    "ip netns exec '$NETNS' '$ROLLCALL' status --socket '$sock' --json | jq -e '.sweep.running == true and .sweeps_total == 0 and .failures_total.refused == 1'"
metrics=$(ip netns exec "$NETNS" curl -sf --max-time 5 http://127.0.0.1:19465/metrics || true)
assert_match "restarted: the metric moved mid-sweep too" \
    'rollcall_host_failures_total\{reason="refused"\} 1' "$metrics"
daemon_term
assert_eq "restarted daemon exits 0" 0 "$DRC"
finish
