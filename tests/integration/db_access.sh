#!/usr/bin/env bash
# db_access: a database the read commands cannot open is exit 2 with the
# reason, never exit 1 ("nothing found"), so `if rollcall hosts ...` does
# not read a missing or forbidden database as "no hosts":
#  - missing file: "cannot open DB PATH: No such file";
#  - a 0600 database of another user, a chmod 000 one, and one in a
#    directory the user may not enter, read as `nobody`: "permission
#    denied (the database is 0600; run as root or the rollcall user)".
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 2 --delay 50:100
rc_run collect -c "$CONF"
assert_eq "a database to read exists (collect exits 0)" 0 "$RC"
host=$(sql 'SELECT name FROM hosts ORDER BY name LIMIT 1')

# ---- missing
MISSING=$T_DIR/missing.db
for cmd in "hosts" "show $host" "history $host" "changes" "packages openssl" \
    "query SELECT\ 1" "db check" "db stats"; do
	eval "set -- $cmd"
	rc_run "$@" --db "$MISSING"
	assert_eq "$1 on a missing database exits 2" 2 "$RC"
	assert_match "$1 says: cannot open DB, no such file" \
	    "cannot open DB $MISSING: No such file" "$ERR"
done
assert_eq "nothing was created at the missing path" "" "$(ls "$MISSING" 2>/dev/null || true)"

# ---- no permission, as nobody
PD=$T_DIR/perm
mkdir -p "$PD/open" "$PD/closed"
chmod 755 "$PD" "$PD/open"
chmod 700 "$PD/closed"
cp "$DB" "$PD/open/root0600.db"
chmod 600 "$PD/open/root0600.db"
cp "$DB" "$PD/open/mode000.db"
chmod 000 "$PD/open/mode000.db"
cp "$DB" "$PD/closed/rollcall.db"
as_nobody() {
	local errf=$T_DIR/nobody.stderr
	set +e
	OUT=$(setpriv --reuid nobody --regid nogroup --clear-groups "$ROLLCALL" "$@" 2>"$errf")
	RC=$?
	set -e
	ERR=$(cat "$errf")
	printf '%s\n' "$ERR" | sed 's/^/  [nobody] /' >&2
}
for f in open/root0600.db open/mode000.db closed/rollcall.db; do
	for cmd in hosts "db check"; do
		eval "set -- $cmd"
		as_nobody "$@" --db "$PD/$f"
		assert_eq "$cmd as nobody on $f exits 2" 2 "$RC"
		assert_match "$cmd as nobody on $f: permission denied, and what to do" \
		    "cannot open DB $PD/$f: permission denied \\(the database is 0600; run as root or the rollcall user\\)" "$ERR"
	done
done
as_nobody show "$host" --db "$PD/open/root0600.db"
assert_eq "show as nobody on a 0600 database exits 2" 2 "$RC"
rc_run hosts --db "$PD/open/root0600.db"
assert_eq "root reads the same 0600 database (exit 0)" 0 "$RC"
finish
