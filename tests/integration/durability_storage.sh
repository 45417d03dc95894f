#!/usr/bin/env bash
# durability_storage: the database under pressure, end to end with
# `rollcall collect`.
#  - Disk full: the database lives on a 2 MB tmpfs that we fill while a
#    sweep runs. The writer must fail, roll back, log that it keeps the
#    results queued (degraded), lose nothing already stored, and catch up
#    once we free the space, before collect exits. When the disk stays
#    full, collect says how many results were not stored and exits 3.
#  - Read-only file system: collect refuses with a clear error (exit 2),
#    the read commands still work (immutable=1, or the -wal read without
#    locks when it holds commits), and collect works again after.
#  - A reader holding a long read transaction (sqlite3 CLI: BEGIN; SELECT
#    ...; then nothing) does not block the writer (WAL): a sweep completes
#    while the reader still sees its old snapshot.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOSTS=6
fleet_start --hosts "$HOSTS" --delay 1500:2500 --command-timeout 20s

MNT=$T_DIR/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=2m,mode=0700 rc-i6-full "$MNT" || t_die "cannot mount a tmpfs on $MNT"
# Unmount however the test ends, then the usual cleanup.
trap 's=$?; umount -l "$MNT" 2>/dev/null || true; t_cleanup "$s"' EXIT
DBF=$MNT/rollcall.db

# dsql SQL: read the tmpfs database
dsql() {
	sqlite3 -batch -noheader "$DBF" "$@" 2>&1 || true
}

# ---- a first sweep stores data
rc_run collect -c "$CONF" --db "$DBF"
assert_eq "sweep 1 on the tmpfs exits 0" 0 "$RC"
n1=$(dsql 'SELECT count(*) FROM attempts')
f1=$(dsql 'SELECT count(*) FROM facts')
assert_eq "sweep 1 stored every host" "$HOSTS" "$n1"
assert_ge "sweep 1 stored facts" 10 "$f1"

# collect_then_fill: start collect in the background (pid, output in $LOG),
# and once it has opened the database fill the tmpfs until ENOSPC.
collect_then_fill() {
	set +e
	ip netns exec "$NETNS" timeout -k 5 120 "$ROLLCALL" collect -c "$CONF" --db "$DBF" >"$LOG" 2>&1 &
	pid=$!
	set -e
	for i in $(seq 1 100); do
		[ -e "$DBF-wal" ] && break
		sleep 0.05
	done
	dd if=/dev/zero of="$MNT/filler" bs=16k 2>/dev/null || true	# until ENOSPC
}

# ---- disk full during sweep 2
LOG=$T_DIR/full.log
collect_then_fill
assert_eq "the tmpfs is full" 0 "$(df --output=avail -k "$MNT" | tail -n 1 | tr -d ' ')"
failed_seen=0
for i in $(seq 1 300); do
	if grep -q 'database write failed' "$LOG"; then failed_seen=1; break; fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
assert_eq "writer logs the failed write (degraded)" 1 "$failed_seen"
assert_match "the log says the disk is full and results stay queued" \
    'database write failed: .*full.*keeping [0-9]+ results queued and retrying' "$(cat "$LOG")"
assert_eq "while full: sweep 1's attempts are all still there" "$n1" "$(dsql 'SELECT count(*) FROM attempts')"
assert_eq "while full: sweep 1's facts are all still there" "$f1" "$(dsql 'SELECT count(*) FROM facts')"
sleep 2		# a few retries against the full disk
rm -f "$MNT/filler"
set +e
wait "$pid"
RC=$?
set -e
sed 's/^/  [collect, disk full] /' "$LOG" >&2
assert_eq "collect exits 0 once space returned (every host ok)" 0 "$RC"
assert_match "the writer says it caught up" 'database writable again, catching up' "$(cat "$LOG")"
assert_eq "sweep 2's results were all stored after the disk full spell" $((n1 + HOSTS)) \
    "$(dsql 'SELECT count(*) FROM attempts')"
s2=$(dsql 'SELECT max(id) FROM sweeps')
assert_eq "sweep 2 has ended_at and every host" "1|$HOSTS" \
    "$(dsql "SELECT ended_at IS NOT NULL, (SELECT count(*) FROM attempts WHERE sweep_id = $s2) FROM sweeps WHERE id = $s2")"
assert_eq "integrity_check after disk full" ok "$(dsql 'PRAGMA integrity_check')"

# ---- disk full during sweep 3, and it stays full: nothing counts as done
# that was not stored. collect gives up after its grace, says how many
# results were swept and how many stored, and exits 3.
LOG=$T_DIR/full-stays.log
collect_then_fill
assert_eq "the tmpfs is full again" 0 "$(df --output=avail -k "$MNT" | tail -n 1 | tr -d ' ')"
set +e
wait "$pid"
RC=$?
set -e
sed 's/^/  [collect, disk stays full] /' "$LOG" >&2
assert_eq "collect exits 3 when results could not be stored" 3 "$RC"
assert_match "the summary says how many were swept and how many stored, and why" \
    "rollcall collect: $HOSTS swept, 0 stored: .*full" "$(cat "$LOG")"
assert_match "the writer said it gave up on them" \
    "writer: giving up at shutdown: $HOSTS results were not stored" "$(cat "$LOG")"
rm -f "$MNT/filler"
assert_eq "what was stored before is all there" "$((n1 + HOSTS))" "$(dsql 'SELECT count(*) FROM attempts')"
assert_eq "integrity_check after a disk that stayed full" ok "$(dsql 'PRAGMA integrity_check')"

# ---- read-only file system
# Two more copies for the read side: one under a name with URI
# metacharacters, one with committed frames left in its -wal and no -shm
# (sqlite3 with no_ckpt_on_close keeps both files; we drop the -shm).
ODD=$MNT/'odd?name#%41.db'
WALDB=$MNT/walonly.db
cp "$DBF" "$ODD"
cp "$DBF" "$WALDB"
sqlite3 -batch "$WALDB" '.dbconfig no_ckpt_on_close on' \
    'CREATE TABLE wal_marker(x); INSERT INTO wal_marker VALUES (42)' >/dev/null
rm -f "$WALDB-shm"
assert_ge "walonly.db has frames in its -wal" 33 "$(stat -c %s "$WALDB-wal")"
mount -o remount,ro "$MNT" || t_die "cannot remount $MNT read-only"
rc_run collect -c "$CONF" --db "$DBF"
assert_eq "collect on a read-only file system exits 2" 2 "$RC"
assert_match "and says why" '[Rr]ead-only|readonly|read only' "$ERR"
assert_eq "read-only: stored attempts still readable" $((n1 + HOSTS)) \
    "$(sqlite3 -batch "file:$DBF?immutable=1" 'SELECT count(*) FROM attempts' 2>&1)"
assert_eq "read-only: no -wal or -shm left (so the plain read-only open cannot work)" "" \
    "$(ls "$DBF-wal" "$DBF-shm" 2>/dev/null || true)"
rc_run hosts -c "$CONF" --db "$DBF" --json
assert_eq "read-only: rollcall hosts exits 0" 0 "$RC"
assert_eq "read-only: rollcall hosts lists every host" "$HOSTS" "$(jq length <<<"$OUT" 2>/dev/null || true)"
assert_eq "read-only: every host listed is ok" "$HOSTS" \
    "$(jq '[.[] | select(.status == "ok")] | length' <<<"$OUT" 2>/dev/null || true)"
assert_eq "read-only: one warning line, saying why and how it reads" "1 1" \
    "$(grep -c warning <<<"$ERR") $(grep -c 'warning: .*read-only file system.*immutable.*no -wal frames' <<<"$ERR")"
name=$(jq -r '.[0].name' <<<"$OUT" 2>/dev/null || true)
rc_run show -c "$CONF" --db "$DBF" --json "$name"
assert_eq "read-only: rollcall show $name exits 0" 0 "$RC"
assert_eq "read-only: show names the host" "$name" "$(jq -r .name <<<"$OUT" 2>/dev/null || true)"
assert_nonempty "read-only: show has its os.id" "$(jq -r '.facts["os.id"]' <<<"$OUT" 2>/dev/null || true)"
rc_run hosts -c "$CONF" --db "$ODD" --json
assert_eq "read-only: a database named 'odd?name#%41.db' (URI-escaped) lists every host" \
    "0 $HOSTS" "$RC $(jq length <<<"$OUT" 2>/dev/null || true)"
rc_run query -c "$CONF" --db "$WALDB" --csv 'SELECT x FROM wal_marker'
assert_eq "read-only, -wal without -shm: the commit still in the -wal is read" \
    "0 42" "$RC $(tail -n 1 <<<"$OUT")"
assert_match "and the warning says the -wal is read, not ignored" \
    'warning: .*read-only file system.*-wal \([0-9]+ bytes not checkpointed\) without locks' "$ERR"
rc_run hosts -c "$CONF" --db "$WALDB" --json
assert_eq "read-only, -wal without -shm: rollcall hosts lists every host" \
    "0 $HOSTS" "$RC $(jq length <<<"$OUT" 2>/dev/null || true)"
mount -o remount,rw "$MNT" || t_die "cannot remount $MNT read-write"
rc_run collect -c "$CONF" --db "$DBF"
assert_eq "collect works again once the file system is writable" 0 "$RC"
assert_eq "sweep 3 stored" $((n1 + 2 * HOSTS)) "$(dsql 'SELECT count(*) FROM attempts')"

# ---- a long read transaction does not block the writer
rc_run collect -c "$CONF"
assert_eq "sweep on the fleet's database exits 0" 0 "$RC"
before=$(sql 'SELECT count(*) FROM attempts')
mkfifo "$T_DIR/reader.in"
sqlite3 -batch -noheader "$DB" <"$T_DIR/reader.in" >"$T_DIR/reader.out" 2>&1 &
rpid=$!
exec 7>"$T_DIR/reader.in"
echo "BEGIN; SELECT count(*) FROM attempts; SELECT 'holding';" >&7
for i in $(seq 1 100); do
	grep -q holding "$T_DIR/reader.out" && break
	sleep 0.05
done
assert_match "reader holds a read transaction" "^$before"$'\n'"holding" "$(cat "$T_DIR/reader.out")"
t0=$(date +%s%N)
rc_run collect -c "$CONF"
t1=$(date +%s%N)
assert_eq "sweep with a reader holding a transaction exits 0" 0 "$RC"
assert_ge "and finished in under 30 s (ms to spare)" 0 $((30000 - (t1 - t0) / 1000000))
assert_eq "the reader was still in its transaction throughout" 0 "$(kill -0 "$rpid" 2>/dev/null; echo $?)"
assert_eq "the sweep's results are stored" $((before + HOSTS)) "$(sql 'SELECT count(*) FROM attempts')"
echo "SELECT 'snapshot ' || count(*) FROM attempts; COMMIT; SELECT 'after ' || count(*) FROM attempts;" >&7
exec 7>&-
set +e
timeout 10 tail --pid="$rpid" -f /dev/null
set -e
assert_match "the reader kept its snapshot, then saw the new rows" \
    "snapshot $before"$'\n'"after $((before + HOSTS))" "$(cat "$T_DIR/reader.out")"

finish
