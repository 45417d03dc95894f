#!/usr/bin/env bash
# durability_readonly: the database turns read-only in the middle of a
# sweep of a running daemon, as when a file system is remounted read-only
# after an error, then writable again.
#
# Linux refuses `mount -o remount,ro` while SQLite holds the file open for
# writing, so the fault comes from tests/tools/erofs_shim.so (LD_PRELOAD):
# while $T_DIR/readonly exists, every write, sync and truncate on the
# database or its -wal fails with EROFS. The shim counts the calls it sees
# on those files: calls let through before the fault prove that SQLite's
# writes really go through it (SQLite binds pwrite64 & co. at load time).
#
# Asserted: the writer rolls back, keeps the results queued, says so in the
# log (naming "Read-only file system") and in `rollcall status` (degraded,
# queue depth); nothing stored before is lost or changed and integrity_check
# is ok while read-only; once writable, the queued results land, the sweep
# row is closed and the writer is no longer degraded.
#
# Under ASan the shim is preloaded after libasan (ASan must come first in
# the library list); the same assertions run.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

preload_shim "${EROFS_SHIM:-$BUILD_DIR/tests/erofs_shim.so}"

# 8 hosts: one answers after 0.2 s, the others after 3.3-3.8 s (the
# fleet's delays are a fixed hash of the host number), so read-only can be
# switched on after the first result of a sweep and before the rest.
HOSTS=8
fleet_start --hosts "$HOSTS" --delay 200:4000 --command-timeout 20s
conf_add <<'YML'
interval: 1h
YML
TRIGGER=$T_DIR/readonly
COUNT=$T_DIR/shim.count
DBREAL=$(realpath -m "$DB")

daemon_start LD_PRELOAD="$PRELOAD" RC_EROFS_DB="$DBREAL" \
    RC_EROFS_TRIGGER="$TRIGGER" RC_EROFS_COUNT="$COUNT"

st() {
	ip netns exec "$NETNS" "$ROLLCALL" status -c "$CONF" --json
}
shim_passed() {
	awk '{ print $2 }' "$COUNT" 2>/dev/null || echo 0
}
shim_failed() {
	awk '{ print $4 }' "$COUNT" 2>/dev/null || echo 0
}
sql_true() {		# sql_true SQL: the query yields 1
	[ "$(sql "$1")" = 1 ]
}
sweep_stored() {	# sweep_stored ID N: N attempts of sweep ID stored
	[ "$(sql "SELECT count(*) FROM attempts WHERE sweep_id = $1")" -ge "$2" ]
}
sweep1_rows() {		# what sweep 1 stored, as one line
	sql "SELECT (SELECT count(*) || ',' || sum(id) FROM attempts WHERE sweep_id = 1),
	    (SELECT count(*) FROM collector_runs WHERE attempt_id IN
	        (SELECT id FROM attempts WHERE sweep_id = 1)),
	    (SELECT count(*) FROM hosts),
	    (SELECT ended_at FROM sweeps WHERE id = 1)"
}

# ---- sweep 1 (at start), stored normally through the shim
wait_for "sweep 1 stored every host" 60 sweep_stored 1 "$HOSTS"
wait_for "sweep 1 closed" 20 sql_true 'SELECT ended_at IS NOT NULL FROM sweeps WHERE id = 1'
assert_ge "the shim saw SQLite's writes to the database (interposition works)" 1 "$(shim_passed)"
assert_eq "and failed none while writable" 0 "$(shim_failed)"
before=$(sweep1_rows)
facts_before=$(sql 'SELECT count(*) FROM facts')
assert_match "sweep 1 is all there" "^$HOSTS,[0-9]+\\|[1-9][0-9]*\\|$HOSTS\\|[0-9]+$" "$before"

# ---- sweep 2: read-only after its first result
rc_run sweep -c "$CONF"
assert_eq "rollcall sweep starts sweep 2" 0 "$RC"
wait_for "sweep 2: the first result is stored" 30 sweep_stored 2 1
touch "$TRIGGER"
stored2=$(sql 'SELECT count(*) FROM attempts WHERE sweep_id = 2')
echo "durability_readonly: read-only on with $stored2 of sweep 2's $HOSTS results stored"
degraded() {
	st | jq -e '.writer.degraded == true and (.writer.last_error | test("Read-only file system"))'
}
wait_for "status: writer degraded, last_error names the read-only file system" 30 degraded
wait_for "log: write failed, results kept queued, retrying" 10 \
    log_has 'writer: database write failed: .*Read-only file system.*keeping [0-9]+ results queued and retrying'
sweep_idle() {
	st | jq -e '.sweep.running == false'
}
wait_for "sweep 2 finished on the hosts' side while read-only" 30 sweep_idle
sleep 1		# a few more retries against the read-only database
s=$(st)
assert_eq "status while read-only: degraded, sweep 2's unstored results queued" \
    "true $((HOSTS - stored2))" "$(jq -r '"\(.writer.degraded) \(.writer.queue_depth)"' <<<"$s")"
assert_ge "sweep 2 left results queued (read-only came mid-sweep)" 1 "$((HOSTS - stored2))"
assert_eq "while read-only: sweep 1 is unchanged" "$before" "$(sweep1_rows)"
assert_eq "while read-only: no more of sweep 2 got in" "$stored2" \
    "$(sql 'SELECT count(*) FROM attempts WHERE sweep_id = 2')"
assert_eq "while read-only: integrity_check" ok "$(sql 'PRAGMA integrity_check')"
assert_ge "the shim failed writes with EROFS" 1 "$(shim_failed)"
assert_eq "the daemon is still running" 0 "$(kill -0 "$DPID" 2>/dev/null; echo $?)"

# ---- writable again: catch up
rm -f "$TRIGGER"
wait_for "log: writable again, catching up" 15 log_has 'writer: database writable again, catching up'
wait_for "every result of sweep 2 is stored" 15 sweep_stored 2 "$HOSTS"
wait_for "sweep 2 closed" 15 sql_true 'SELECT ended_at IS NOT NULL FROM sweeps WHERE id = 2'
s=$(st)
assert_eq "status: writer ok again, queue empty" "false 0" \
    "$(jq -r '"\(.writer.degraded) \(.writer.queue_depth)"' <<<"$s")"
assert_eq "sweep 1 still unchanged" "$before" "$(sweep1_rows)"
assert_eq "sweep 2: every host ok" "$HOSTS" \
    "$(sql "SELECT count(*) FROM attempts WHERE sweep_id = 2 AND status = 'ok'")"
assert_ge "facts not fewer than before" "$facts_before" "$(sql 'SELECT count(*) FROM facts')"
assert_eq "integrity_check after catching up" ok "$(sql 'PRAGMA integrity_check')"

daemon_term
assert_eq "daemon exits 0 on SIGTERM" 0 "$DRC"
echo "durability_readonly: shim: $(cat "$COUNT" 2>/dev/null)"
finish
