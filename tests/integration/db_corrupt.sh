#!/usr/bin/env bash
# db_corrupt: one page of a populated database overwritten (a disk or a
# copy gone wrong), as an operator would meet it.
#  - collect sweeps nothing into it, says nothing was stored and why (the
#    file and what to do), and exits 3, not 0;
#  - hosts, show, history exit 2 with the reason, not 1 ("nothing found");
#  - db check exits 1 and names the damaged page;
#  - the daemon starts, says "corrupt" in its log, status and metrics, and
#    sweeps nothing, not even when asked;
#  - through all of it the file's bytes stay as they were (sha256).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

HOSTS=4
fleet_start --hosts "$HOSTS" --delay 100:300
conf_add <<YML
interval: 1s
metrics_listen: 127.0.0.1:19471
YML

rc_run collect -c "$CONF"
assert_eq "a first sweep into a sound database exits 0" 0 "$RC"
host=$(sql 'SELECT name FROM hosts ORDER BY name LIMIT 1')
page=$(sql "SELECT rootpage FROM sqlite_master WHERE name = 'hosts'")
psz=$(sql 'PRAGMA page_size')
assert_eq "the sweep stored every host" "$HOSTS" "$(sql 'SELECT count(*) FROM attempts')"
assert_eq "no frame in a -wal after collect (the file is the whole database)" 0 \
    "$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)"

# The hosts table's root page becomes 0xff bytes.
head -c "$psz" /dev/zero | tr '\0' '\377' |
    dd of="$DB" bs="$psz" seek=$((page - 1)) count=1 conv=notrunc status=none
before=$(sha256sum <"$DB")

# ---- collect
rc_run collect -c "$CONF"
assert_eq "collect on the corrupt database exits 3 (not stored)" 3 "$RC"
assert_match "collect's summary says nothing was swept or stored, and why" \
    "0 swept, 0 stored: $DB: the database is corrupt \\(quick_check: " "$ERR"
assert_match "and what to do: restore a backup, or salvage (RECOVERY in the man page)" \
    "restore the last backup \\(rollcall db backup\\); RECOVERY in rollcall\\(1\\) says how, and how to salvage" "$ERR"
assert_eq "collect logs it once (no second copy from the writer)" 1 \
    "$(grep -c 'the database is corrupt' <<<"$ERR")"

# ---- read commands
rc_run hosts -c "$CONF"
assert_eq "hosts exits 2 on a corrupt database" 2 "$RC"
assert_match "hosts says why" 'database disk image is malformed.*rollcall db check' "$ERR"
rc_run show -c "$CONF" "$host"
assert_eq "show exits 2 on a corrupt database" 2 "$RC"
assert_match "show says why" 'database disk image is malformed' "$ERR"
rc_run history -c "$CONF" "$host"
assert_eq "history exits 2 on a corrupt database" 2 "$RC"
rc_run db check -c "$CONF"
assert_eq "db check exits 1 on a corrupt database" 1 "$RC"
assert_match "db check names the damaged page" "CORRUPT: $DB failed integrity_check.*Page $page: " "$OUT"
assert_match "db check says what to do" 'restore the last good backup' "$OUT"
rc_run db check -c "$CONF" --json
assert_eq "db check --json: ok false, the page among the problems" "1 false true" \
    "$RC $(jq -r .ok <<<"$OUT") $(jq --arg p "Page $page: " '[.problems[] | startswith($p)] | any' <<<"$OUT")"
rc_run db backup -c "$CONF" "$T_DIR/copy.db"
assert_eq "db backup of a corrupt database fails (exit 1)" 1 "$RC"
assert_eq "and leaves no copy nor temp file behind" "" "$(ls "$T_DIR" | grep copy.db || true)"

# ---- the daemon
daemon_start
st() {
	ip netns exec "$NETNS" "$ROLLCALL" status -c "$CONF" --json
}
broken() {
	st | jq -e '.writer.broken == true and .writer.degraded == true and
	    .writer.transient == false and .writer.fault == "corruption" and
	    (.writer.last_error | test("the database is corrupt"))'
}
wait_for "status: writer broken by corruption, not transient" 20 broken
assert_eq "the log names the file and says it is corrupt" 1 \
    "$(log_count "$DB: the database is corrupt \\(quick_check: ")"
sleep 3		# three intervals of 1 s
assert_eq "no sweep started in 3 intervals" 0 "$(log_count 'sweep started')"
assert_match "the log says why not" 'not sweeping: the database cannot be written \(corruption\)' "$(cat "$DLOG")"
assert_eq "the log says it once" 1 "$(log_count 'not sweeping: the database cannot be written')"
assert_eq "status: no sweep since start, none planned" "0 null" "$(st | jq -r '"\(.sweeps_total) \(.next_sweep)"')"
rc_run status -c "$CONF"
assert_match "status for people: DEGRADED, not transient, corruption" \
    'writer: .*DEGRADED \(not transient: corruption\): .*the database is corrupt' "$OUT"
rc_run sweep -c "$CONF"
assert_eq "rollcall sweep is refused (exit 1)" 1 "$RC"
assert_match "and says why" 'not sweeping: the database cannot be written \(corruption\)' "$ERR"
metrics=$(ip netns exec "$NETNS" curl -sf --max-time 5 http://127.0.0.1:19471/metrics || true)
assert_eq "metrics: degraded, not transient, broken" \
    "rollcall_writer_degraded 1,rollcall_writer_degraded_transient 0,rollcall_writer_broken 1," \
    "$(grep -E '^rollcall_writer_(degraded|degraded_transient|broken) ' <<<"$metrics" | tr '\n' ',')"
daemon_term
assert_eq "the daemon stops cleanly (exit 0)" 0 "$DRC"

assert_eq "the database file's bytes are unchanged (sha256)" "$before" "$(sha256sum <"$DB")"
finish
