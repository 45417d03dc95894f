#!/usr/bin/env bash
# db_backup: `rollcall db backup` while the daemon sweeps every second.
# Ten backups in a row, each checked: exit 0, mode 0600, PRAGMA
# integrity_check ok, every sweep that had finished when the backup began
# is in the copy with all its attempts, no temp file left, and --keep 2
# rotates (FILE, FILE.1, FILE.2, never FILE.3). The daemon keeps sweeping
# and never reports its writer degraded meanwhile.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

HOSTS=6
fleet_start --hosts "$HOSTS" --delay 100:400
conf_add <<YML
interval: 1s
jitter: 0
YML
BK=$T_DIR/backups/rollcall.db
mkdir -p "$T_DIR/backups"

finished() {		# finished N: at least N sweeps have ended
	[ "$(sql 'SELECT count(*) FROM sweeps WHERE ended_at IS NOT NULL')" -ge "$1" ]
}
# done_sweeps DB [MAXID]: finished sweeps up to MAXID, each with its attempt
# count, as one line ("1:6,2:6,...").
done_sweeps() {
	sqlite3 -readonly -batch -noheader "$1" "SELECT group_concat(id || ':' || n) FROM
	    (SELECT s.id, (SELECT count(*) FROM attempts a WHERE a.sweep_id = s.id) AS n
	     FROM sweeps s WHERE s.ended_at IS NOT NULL AND s.id <= ${2:-1000000000} ORDER BY s.id)"
}

daemon_start
wait_for "the daemon finished its first sweep" 40 finished 1
first=$(sql 'SELECT max(id) FROM sweeps WHERE ended_at IS NOT NULL')
ok_all=1
# At least ten backups, and on until three more sweeps have finished (a
# fast machine backs up ten times within one sweep; at most 300 backups).
i=0
while [ "$i" -lt 10 ] || { ! finished $((first + 3)) && [ "$i" -lt 300 ]; }; do
	i=$((i + 1))
	last=$(sql 'SELECT max(id) FROM sweeps WHERE ended_at IS NOT NULL')
	rc_run db backup -c "$CONF" --keep 2 "$BK"
	want=$(done_sweeps "$DB" "$last")
	got=$(done_sweeps "$BK" "$last")
	check=$(sqlite3 -readonly -batch -noheader "$BK" 'PRAGMA integrity_check' 2>&1)
	mode=$(stat -c %a "$BK")
	echo "backup $i: rc $RC, sweeps up to $last: live '$want' copy '$got', integrity $check, mode $mode" >&2
	if [ "$RC" != 0 ] || [ "$check" != ok ] || [ "$mode" != 600 ] ||
	    [ -z "$want" ] || [ "$want" != "$got" ]; then
		ok_all=0
		t_fail "backup $i during sweeps: rc $RC, integrity '$check', mode $mode, sweeps '$want' vs '$got'"
	fi
done
assert_ge "at least ten backups ran" 10 "$i"
assert_eq "$i backups during sweeps: each exits 0, is 0600, passes integrity_check and holds every sweep finished before it began" 1 "$ok_all"
assert_match "the last backup says what it wrote" "backup of $DB written to $BK: [0-9]+ bytes, sweeps up to [0-9]+, quick_check ok" "$OUT"
now=$(sql 'SELECT max(id) FROM sweeps WHERE ended_at IS NOT NULL')
assert_ge "the daemon kept sweeping during the backups (sweeps finished)" 3 $((now - first))
assert_eq "--keep 2: FILE, FILE.1, FILE.2 and nothing else (no temp file)" \
    "rollcall.db rollcall.db.1 rollcall.db.2" "$(ls "$T_DIR/backups" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the copy is one file in rollback-journal mode" delete \
    "$(sqlite3 -readonly -batch -noheader "$BK" 'PRAGMA journal_mode')"
assert_eq "the writer never reported itself degraded" 0 "$(log_count 'database write failed')"
assert_eq "status: writer not degraded" false \
    "$(ip netns exec "$NETNS" "$ROLLCALL" status -c "$CONF" --json | jq .writer.degraded)"
daemon_term
assert_eq "the daemon stops cleanly" 0 "$DRC"

# db stats on the database the daemon wrote: what the tables hold.
rc_run db stats -c "$CONF" --json
assert_eq "db stats --json: hosts, sweeps and attempts rows as in the database" \
    "0 $HOSTS $(sql 'SELECT count(*) FROM sweeps') $(sql 'SELECT count(*) FROM attempts')" \
    "$RC $(jq -r '"\(.hosts) \(.sweeps) \(.tables[] | select(.table == "attempts") | .rows)"' <<<"$OUT")"
assert_match "db stats --json: the oldest sweep as an ISO time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' \
    "$(jq -r .oldest_sweep <<<"$OUT")"
rc_run db stats -c "$CONF"
assert_match "db stats for people: size, hosts and bytes per host, the table list" \
    $'size: .*bytes.*\nhosts: +'"$HOSTS"' \(.*\), [0-9]+ bytes per host' "$OUT"

# A restored backup is a working database: collect writes into it.
cp "$BK" "$T_DIR/restored.db"
rc_run collect -c "$CONF" --db "$T_DIR/restored.db"
assert_eq "collect into a restored backup exits 0" 0 "$RC"
assert_eq "and it is in WAL mode again" wal \
    "$(sqlite3 -batch -noheader "$T_DIR/restored.db" 'PRAGMA journal_mode')"

# The command systemd/rollcall-backup.service runs, with this test's paths:
# nine runs leave the copy and the 7 before it.
unit=$SRC_DIR/systemd/rollcall-backup.service
cmd=$(sed -n 's/^ExecStart=//p' "$unit")
assert_match "the unit backs up with rotation" '^/usr/bin/rollcall db backup .*--keep 7 ' "$cmd"
cmd=${cmd//\/usr\/bin\/rollcall/$ROLLCALL}
cmd=${cmd//\/etc\/rollcall\/rollcall.yml/$CONF}
cmd=${cmd//\/var\/lib\/rollcall\/backup/$T_DIR/unit-backup}
mkdir -p "$T_DIR/unit-backup"
for i in $(seq 1 9); do
	# shellcheck disable=SC2086
	$cmd >/dev/null || t_fail "the unit's backup command failed (run $i)"
done
assert_eq "the unit's command keeps the copy and 7 before it" \
    "rollcall.db rollcall.db.1 rollcall.db.2 rollcall.db.3 rollcall.db.4 rollcall.db.5 rollcall.db.6 rollcall.db.7" \
    "$(ls "$T_DIR/unit-backup" | sort -V | tr '\n' ' ' | sed 's/ $//')"
if command -v systemd-analyze >/dev/null 2>&1; then
	# Only the absent /usr/bin/rollcall and man page may be missing here.
	bad=$(systemd-analyze verify "$unit" "$SRC_DIR/systemd/rollcall-backup.timer" 2>&1 |
	    grep -v -e 'is not executable' -e "Command 'man" || true)
	assert_eq "systemd-analyze verify: the backup units are clean" "" "$bad"
fi

# Refusals: the database itself as the target, a missing source.
rc_run db backup -c "$CONF" "$DB"
assert_eq "backup onto the database itself is refused (exit 1)" 1 "$RC"
assert_match "and says why" 'is the database itself' "$ERR"
rc_run db backup --db "$T_DIR/nope.db" "$T_DIR/x.db"
assert_eq "backup of a missing database exits 2" 2 "$RC"
assert_match "and says why" 'cannot open DB .*nope.db: No such file' "$ERR"
rc_run db backup -c "$CONF" --keep x "$BK"
assert_eq "--keep x is a usage error (exit 2)" 2 "$RC"
rc_run db backup --help
assert_match "db backup --help describes it" 'usage: rollcall db backup \[options\] FILE' "$OUT"
finish
