#!/usr/bin/env bash
# durability_retry: a host that fails while the database cannot be written
# is still retried on schedule, and the attempts made meanwhile are stored
# once the database is writable again.
#
# The scheduler learns each host's status from the engine when the sweep
# ends (the sweep summary), not by reading the attempts back from the
# database: so a write that fails cannot cancel a retry. The fault comes
# from tests/tools/erofs_shim.so, as in durability_readonly.sh: while
# $T_DIR/readonly exists every write to the database fails with EROFS.
#
# Asserted: with the database read-only, a manual sweep's refused host gets
# its two retries (backoff 2 s, then 4 s) while the writer is degraded, and
# status shows the host refused and a retry planned; once writable, every
# one of those attempts lands in the database.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

preload_shim "${EROFS_SHIM:-$BUILD_DIR/tests/erofs_shim.so}"

fleet_start --hosts 2 --delay 50:100 --broken refuse
conf_add <<'YML'
interval: 1h
jitter: 0
retry:
  attempts: 2
  backoff: 2s
YML
TRIGGER=$T_DIR/readonly
DBREAL=$(realpath -m "$DB")
daemon_start LD_PRELOAD="$PRELOAD" RC_EROFS_DB="$DBREAL" \
    RC_EROFS_TRIGGER="$TRIGGER" RC_EROFS_COUNT="$T_DIR/shim.count"

st() {
	ip netns exec "$NETNS" "$ROLLCALL" status -c "$CONF" --json
}
retries_logged() {	# retries_logged N: N retry sweeps started so far
	[ "$(log_count 'sweep started \(retry\): 1 host$')" -ge "$1" ]
}
refused_attempts() {
	sql "SELECT count(*) FROM attempts a JOIN hosts h ON h.id = a.host_id
	    WHERE h.name = 'refuse01'"
}
attempts_ge() { [ "$(refused_attempts)" -ge "$1" ]; }
idle() {
	st | jq -e '.sweep.running == false and .retry_pending == 0 and
	    .writer.queue_depth == 0'
}

# ---- writable: sweep 1 and refuse01's two retries are stored
wait_for "sweep 1 done" 30 log_has 'sweep 1: 3 hosts in'
wait_for "refuse01 retried twice while writable" 30 retries_logged 2
wait_for "refuse01's three attempts stored" 15 attempts_ge 3
wait_for "daemon idle, no retry pending" 15 idle
assert_eq "exactly two retries before the fault" 2 \
    "$(log_count 'sweep started \(retry\): 1 host$')"

# ---- read-only: a manual sweep fails refuse01 again; its retries must
# come on schedule although none of its attempts can be stored
touch "$TRIGGER"
rc_run sweep -c "$CONF"
assert_eq "rollcall sweep starts sweep 4" 0 "$RC"
wait_for "sweep 4 done (hosts' side)" 20 log_has 'sweep 4: 3 hosts in'
t4=$SECONDS
degraded() {
	st | jq -e '.writer.degraded == true'
}
wait_for "the writer is degraded (read-only database)" 15 degraded
s=$(st)
assert_eq "status: refuse01 known refused without the database" 1 \
    "$(jq -r '.hosts.refused' <<<"$s")"
wait_for "first retry after the read-only sweep" 15 retries_logged 3
wait_for "second retry after the read-only sweep" 20 retries_logged 4
t1=$SECONDS
# On schedule: 2 s, then 4 s more (plus the sub-second attempts), not
# sooner, and not held up by the database.
assert_ge "the retries waited for their backoff (2 s + 4 s)" 5 "$((t1 - t4))"
assert_ge "and came without delay (within 10 s of the sweep)" 0 "$((10 - (t1 - t4)))"
assert_eq "the writer was degraded throughout" true \
    "$(st | jq -r '.writer.degraded')"
assert_eq "none of it stored yet (read-only)" 3 "$(refused_attempts)"
assert_eq "the daemon is still running" 0 "$(kill -0 "$DPID" 2>/dev/null; echo $?)"

# ---- writable again: the queued attempts land
rm -f "$TRIGGER"
wait_for "log: writable again" 15 log_has 'writer: database writable again'
wait_for "refuse01: manual attempt and both retries stored" 20 attempts_ge 6
assert_eq "refuse01: four retry attempts stored in all" 4 \
    "$(sql "SELECT count(*) FROM attempts a JOIN hosts h ON h.id = a.host_id
        JOIN sweeps s ON s.id = a.sweep_id
        WHERE h.name = 'refuse01' AND s.trigger = 'retry'")"
wait_for "daemon idle again" 15 idle
assert_eq "no more retries than attempts allow" 4 \
    "$(log_count 'sweep started \(retry\): 1 host$')"

daemon_term
assert_eq "daemon exits 0 on SIGTERM" 0 "$DRC"
finish
