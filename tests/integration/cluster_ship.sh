#!/usr/bin/env bash
# cluster_ship: one node ships its attempts to a real PostgreSQL 15
# (pg-lib.bash) while it sweeps a real sshd fleet. Every attempt arrives
# centrally exactly once: with PostgreSQL up; with PostgreSQL stopped
# between sweeps (backlog reported, caught up after the restart); with
# PostgreSQL down when the node starts; and with PostgreSQL killed while
# a batch may be in flight. The password never shows in the log or the
# process's command line. Central rows older than the retention window are
# pruned once the node is caught up; history inside the window stays. A
# node whose clock runs 2 hours behind stays live (liveness is PostgreSQL's
# now()); its attempts sort 2 hours early in central history.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"
. "$(dirname "${BASH_SOURCE[0]}")/pg-lib.bash"

HEALTHY=6
TOTAL=$((HEALTHY + 1))
fleet_start --hosts "$HEALTHY" --delay 50:300 --broken refuse
pg_start "$NETNS" || t_die "PostgreSQL did not start"
# The hosts are in the node's segment (rollcall_segment, a group var).
sed -i 's/^all:/all:\n  vars:\n    rollcall_segment: dc1/' "$FLEET_DIR/inventory.yml"
conf_add <<YML
interval: 1h
retry:
  attempts: 0
control_socket: $T_DIR/control.sock
cluster:
  postgres: "$PG_CONNINFO"
  password_file: $PG_PASSFILE
  node: node-a
  segment: dc1
YML

# Attempts stored locally / arrived centrally / distinct ids centrally.
local_attempts() { sql 'select count(*) from attempts'; }
central() { pg_psql "$1" 2>/dev/null || echo "psql failed"; }
central_attempts() { central 'select count(*) from attempts'; }
outbox_rows() { sql 'select count(*) from outbox'; }
# Local and central agree, exactly once each: same count, every central row
# one local attempt (node-a's local id), no (host, start) twice.
same_everywhere() {
	local n
	n=$(local_attempts)
	[ "$n" -gt 0 ] && [ "$n" = "$(central_attempts)" ] &&
	    [ "$(outbox_rows)" = 0 ]
}
check_exactly_once() {
	local what=$1 n
	n=$(local_attempts)
	assert_eq "$what: every local attempt arrived centrally" "$n" "$(central_attempts)"
	assert_eq "$what: one central row per local attempt id" "$n" \
	    "$(central "select count(distinct local_id) from attempts where node = 'node-a'")"
	assert_eq "$what: no (host, start) shipped twice" "$n" \
	    "$(central 'select count(distinct (host, started_us)) from attempts')"
	assert_eq "$what: the outbox is empty" 0 "$(outbox_rows)"
}
sweep_done() { log_has "sweep $1: $TOTAL hosts in"; }
trigger_sweep() {
	rc_run sweep -c "$CONF"
	assert_eq "sweep $1 started" 0 "$RC"
	wait_for "sweep $1 done" 60 sweep_done "$1"
}

# ---- PostgreSQL up: the first sweep arrives, with facts and statuses
daemon_start
wait_for "sweep 1 done" 60 sweep_done 1
wait_for "connected line" 30 log_has "cluster: connected to PostgreSQL at 127.0.0.1:$PG_PORT as node node-a \\(segment dc1\\), central schema version [0-9]+"
wait_for "sweep 1 arrived centrally" 30 same_everywhere
check_exactly_once "up"
assert_eq "central host_status: every host" "$TOTAL" "$(central 'select count(*) from host_status')"
assert_eq "central host_status: refuse01 refused" refused \
    "$(central "select status from host_status where name = 'refuse01'")"
assert_eq "central host_facts: os.id of every healthy host" "$HEALTHY" \
    "$(central "select count(*) from host_facts where key = 'os.id'")"
assert_eq "central facts = local facts (kernel.release)" \
    "$(sql "select group_concat(host || '=' || value, ',') from (select host, value from host_facts where key = 'kernel.release' order by host)")" \
    "$(central "select string_agg(host || '=' || value, ',' order by host) from host_facts where key = 'kernel.release'")"
assert_eq "central nodes: node-a in dc1" "node-a|dc1" "$(central 'select name, segment from nodes')"
assert_eq "central attempts carry the node" "$TOTAL" \
    "$(central "select count(*) from attempts where node = 'node-a' and segment = 'dc1'")"

# ---- PostgreSQL stopped between sweeps: backlog, then catch-up
pg_stop
trigger_sweep 2
wait_for "backlog reported while PostgreSQL is down" 30 log_has \
    "cluster: PostgreSQL unreachable \\(.*\\): backlog [1-9][0-9]* attempt\\(s\\) in the local outbox, oldest [0-9]+s ago"
assert_eq "sweep 2 waits in the outbox" "$TOTAL" "$(outbox_rows)"
# Kept to replay later: a batch whose answer was lost is sent again.
sql 'select doc from outbox order by id' >"$T_DIR/sweep2.docs"
pg_restart || t_die "PostgreSQL did not restart"
wait_for "caught up after the restart" 60 log_has "cluster: caught up"
wait_for "sweep 2 arrived" 30 same_everywhere
check_exactly_once "after an outage"

# ---- PostgreSQL killed while batches may be in flight
rc_run sweep -c "$CONF"
assert_eq "sweep 3 started" 0 "$RC"
sleep 0.3
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null
wait_for "sweep 3 done" 60 sweep_done 3
trigger_sweep 4
pg_restart || t_die "PostgreSQL did not restart"
wait_for "sweeps 3-4 arrived after a crash" 60 same_everywhere
check_exactly_once "after a crash"

# ---- PostgreSQL down when the node starts
daemon_term
assert_eq "daemon stops cleanly" 0 "$DRC"
# Replay sweep 2's documents, already in PostgreSQL, as if their answer had
# been lost: they must be dropped centrally, not stored twice.
assert_eq "sweep 2's documents kept" "$TOTAL" "$(grep -c . "$T_DIR/sweep2.docs")"
python3 - "$DB" "$T_DIR/sweep2.docs" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
with db:
    for doc in open(sys.argv[2]).read().splitlines():
        db.execute("insert into outbox(attempt_id, created_us, doc) values (0, ?, ?)",
                   (int(time.time() * 1e6), doc))
PY
pg_stop
cp "$DLOG" "$T_DIR/daemon-1.log"
: >"$DLOG"
daemon_start
wait_for "sweep 5 done with PostgreSQL down" 60 sweep_done 5
wait_for "backlog reported at start" 30 log_has \
    "cluster: PostgreSQL unreachable \\(.*\\): backlog $((2 * TOTAL)) attempt\\(s\\)"
assert_eq "sweep 5 and the replay wait in the outbox" $((2 * TOTAL)) "$(outbox_rows)"
pg_restart || t_die "PostgreSQL did not restart"
wait_for "caught up once PostgreSQL is there" 60 log_has "cluster: caught up"
wait_for "sweep 5 arrived" 30 same_everywhere
check_exactly_once "started without PostgreSQL"
assert_eq "central attempts: 5 sweeps, the replay not stored twice" $((5 * TOTAL)) "$(central_attempts)"
assert_match "the replayed attempts were recognised" \
    "cluster: $TOTAL of $((2 * TOTAL)) attempt\\(s\\) were already in PostgreSQL" "$(cat "$DLOG")"

# ---- the password never leaks
if grep -qF -- "$PG_PASS" "$DLOG" "$T_DIR"/*.log 2>/dev/null; then
	t_fail "the password is not in the daemon log"
else
	t_pass "the password is not in the daemon log"
fi
if tr '\0' ' ' <"/proc/$DPID/cmdline" | grep -qF -- "$PG_PASS"; then
	t_fail "the password is not on the command line"
else
	t_pass "the password is not on the command line"
fi

# ---- central retention: rows older than the window (default 180 days)
# are pruned when the node is caught up, history inside the window stays
daemon_term
assert_eq "daemon stops before the central rows are aged" 0 "$DRC"
# Sweeps 1 and 2 are made 200 days old centrally.
AGE=$((200 * 86400 * 1000000))
central "update attempts set started_us = started_us - $AGE, ended_us = ended_us - $AGE where sweep_id <= 2;
    update fact_data set started_us = started_us - $AGE, ended_us = ended_us - $AGE where uid in (select uid from attempts where sweep_id <= 2);
    update item_data set started_us = started_us - $AGE, ended_us = ended_us - $AGE where uid in (select uid from attempts where sweep_id <= 2)" >/dev/null
OLD="started_us < (extract(epoch from now()) - 180 * 86400) * 1000000"
# What must go, said another way than the prune's SQL: per host and
# collector (kind) every old row but the newest; old attempts whose facts
# are not kept (none here is a host's newest or newest ok attempt).
keep_fd="select * from (select *, row_number() over (partition by host, collector order by started_us desc, id desc) n from fact_data where $OLD) k where n = 1"
keep_id="select * from (select *, row_number() over (partition by host, kind order by started_us desc, id desc) n from item_data where $OLD) k where n = 1"
old_fd=$(central "select count(*) from fact_data where $OLD")
old_id=$(central "select count(*) from item_data where $OLD")
old_att=$(central "select count(*) from attempts where $OLD")
kept_fd=$(central "select count(*) from ($keep_fd) k")
kept_id=$(central "select count(*) from ($keep_id) k")
kept_att=$(central "select count(*) from attempts a where $OLD and a.uid in (select uid from ($keep_fd) k)")
assert_match "old fact data to prune" '^[1-9]' "$((old_fd - kept_fd))"
assert_match "old attempts to prune" '^[1-9]' "$((old_att - kept_att))"
history_3_5() { central "select md5(string_agg(c::text, ',' order by c::text)) from changes c where sweep_id between 3 and 5"; }
hist_before=$(history_3_5)
: >"$DLOG"
daemon_start
wait_for "central rows pruned" 60 log_has "cluster: pruned [0-9]+ central row\\(s\\) older than the retention window"
assert_eq "retention: the newest old fact data of each host and collector stays" "$kept_fd" \
    "$(central "select count(*) from fact_data where $OLD")"
assert_eq "retention: the newest old list data of each host and kind stays" "$kept_id" \
    "$(central "select count(*) from item_data where $OLD")"
assert_eq "retention: old attempts go but those whose facts stay" "$kept_att" \
    "$(central "select count(*) from attempts where $OLD")"
assert_eq "retention: no collector run left without its attempt" 0 \
    "$(central 'select count(*) from collector_runs r where not exists (select 1 from attempts a where a.id = r.attempt_id)')"
assert_eq "retention: history inside the window is unchanged" "$hist_before" "$(history_3_5)"
assert_eq "retention: host_status keeps every host, the healthy ones with a last success" \
    "$TOTAL $HEALTHY" "$(central "select count(*) || ' ' || count(last_success) from host_status")"
daemon_term
assert_eq "daemon stops cleanly at the end" 0 "$DRC"
# ---- clock skew (docs/DISTRIBUTED.md "clock skew"): node-a's wall clock
# runs 2 hours behind (libfaketime; the monotonic clock is not faked, so
# libevent's timers and every deadline run as usual). A node behind is the
# case that would look dead if liveness used the node's clock; it uses
# PostgreSQL's now(), so node-a stays live over several heartbeats
# (dead_after 3s: one every second). Its attempts carry its own clock, so
# central history orders them 2 hours early: behind the older, unskewed
# sweeps above (the [to do] of the failure table).
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || t_die "libfaketime missing: run scripts/deps.sh"
preload_shim "$FAKETIME_LIB"	# an ASan build needs libasan first
sed -i 's/^  segment: dc1$/&\n  dead_after: 3s/' "$CONF"
: >"$DLOG"
SK=$(( $(sql 'select max(id) from sweeps') + 1 ))	# swept at start
daemon_start LD_PRELOAD="$PRELOAD" FAKETIME=-2h FAKETIME_DONT_FAKE_MONOTONIC=1
wait_for "sweep $SK done with a skewed clock" 60 sweep_done "$SK"
# (Central retention pruned old attempts above: compare this sweep alone.)
skew_arrived() {
	[ "$(outbox_rows)" = 0 ] && [ "$(central "select count(distinct local_id) from attempts where sweep_id = $SK")" = "$TOTAL" ]
}
wait_for "the skewed sweep arrived" 60 skew_arrived
assert_eq "skew: sweep $SK arrived once" "$TOTAL" \
    "$(central "select count(*) from attempts where sweep_id = $SK")"
assert_eq "skew: sweep $SK was stamped 2 hours behind PostgreSQL's now()" 2 \
    "$(central "select round((extract(epoch from now()) - max(started_us) / 1e6) / 3600) from attempts where sweep_id = $SK")"
sleep 4		# past dead_after: live only if the beats went on
cl_status() { ip netns exec "$NETNS" "$ROLLCALL" status --cluster -c "$CONF" 2>&1; }
skew_live() { cl_status | grep -Eq "node-a +dc1 +[0-9]+s +yes "; }
wait_for "skew: status --cluster shows node-a live (heartbeat_at is PostgreSQL's now())" 30 skew_live
cl_status | sed 's/^/     /'
assert_eq "skew: its heartbeat_at is PostgreSQL's clock, not 2 hours old" 0 \
    "$(central "select round(extract(epoch from now() - heartbeat_at) / 3600) from nodes where name = 'node-a'")"
assert_eq "skew: every host's newest arrival is sweep $SK" "$TOTAL" \
    "$(central "select count(*) from (select distinct on (host) host, sweep_id from attempts order by host, received_at desc, id desc) l where sweep_id = $SK")"
assert_eq "skew: host_status still shows the older unskewed attempt for every host (ordered by the node's clock)" 0 \
    "$(central "select count(*) from host_status h join attempts a on a.host = h.name and a.sweep_id = $SK where h.last_attempt = to_char(to_timestamp(a.started_us / 1e6) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")"
daemon_term
assert_eq "the skewed daemon stops cleanly" 0 "$DRC"
finish
