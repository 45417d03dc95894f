#!/usr/bin/env bash
# durability_kill: `kill -9` of `rollcall collect` at random moments during
# sweeps, 20 times in a row on one database (20 hosts, 0.05-0.8 s delays).
# A first whole sweep measures how long one takes (D); each kill then lands
# 0.05 s .. D + 1 s after the start: before the database is open, mid-sweep,
# during commits and the final flush, or after the end. After every kill the
# database opens, `PRAGMA integrity_check` is ok, every sweep that has
# ended_at has an attempt for each of its hosts, and the CLI reads it. A
# last sweep runs to completion on the same file.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What this checks is SQLite's and the writer's crash consistency, which a
# sanitizer build does not change; 20 rounds cost minutes, so the ASan build
# runs 5 (DURABILITY_ROUNDS sets it).
ROUNDS=${DURABILITY_ROUNDS:-20}
if linked_with libasan; then
	ROUNDS=${DURABILITY_ROUNDS:-5}
fi
HOSTS=20
fleet_start --hosts "$HOSTS" --delay 50:800 --command-timeout 20s

# Seeded so a failure can be replayed: DURABILITY_SEED=n.
RANDOM=${DURABILITY_SEED:-$$}
echo "seed ${DURABILITY_SEED:-$$}"

t0=$(date +%s%N)
rc_run collect -c "$CONF"
sweep_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_eq "a first whole sweep exits 0" 0 "$RC"
echo "a whole sweep takes ${sweep_ms} ms here"

killed_mid=0
bad=()
for round in $(seq 1 "$ROUNDS"); do
	# A simple command in the background is forked and exec'd, and ip
	# netns exec execs rollcall in place: $! is rollcall itself (a shell
	# function here would put a subshell in between).
	ip netns exec "$NETNS" "$ROLLCALL" collect -c "$CONF" >"$T_DIR/run.log" 2>&1 &
	pid=$!
	ms=$((50 + RANDOM % (sweep_ms + 1000)))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
	if [ "$comm" = rollcall ] && kill -9 "$pid" 2>/dev/null; then
		killed_mid=$((killed_mid + 1))
		what="killed at ${ms} ms"
	else
		what="had ended by ${ms} ms"
	fi
	set +e
	wait "$pid" 2>/dev/null
	wrc=$?
	set -e
	# A run that exited between the comm check and the kill (a zombie
	# still has its comm) finished on its own: not a kill.
	if [ "$what" != "had ended by ${ms} ms" ] && [ "$wrc" = 0 ]; then
		killed_mid=$((killed_mid - 1))
		what="had ended by ${ms} ms"
	fi
	[ "$what" = "had ended by ${ms} ms" ] || [ "$wrc" = 137 ] ||
	    bad+=("round $round: rollcall was not killed by SIGKILL (wait status $wrc)")
	if pgrep -f -- "$ROLLCALL collect -c $CONF" >/dev/null; then
		bad+=("round $round: a rollcall collect still runs after the kill")
	fi

	if [ ! -e "$DB" ]; then
		echo "round $round: $what, before the database existed"
		continue
	fi
	# Open read-write, as the next rollcall would (WAL recovery).
	ic=$(sqlite3 -batch "$DB" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ')
	ic=${ic% }
	# Finished sweeps missing host attempts.
	partial=$(sqlite3 -batch "$DB" "SELECT count(*) FROM sweeps s WHERE s.ended_at IS NOT NULL
	    AND (SELECT count(DISTINCT a.host_id) FROM attempts a WHERE a.sweep_id = s.id) < s.nhosts" 2>&1)
	sweeps=$(sqlite3 -batch "$DB" "SELECT count(*) || ' sweeps, ' || count(ended_at) || ' ended' FROM sweeps" 2>&1)
	set +e
	in_fleet timeout 30 "$ROLLCALL" hosts -c "$CONF" --json >"$T_DIR/hosts.json" 2>"$T_DIR/hosts.err"
	hrc=$?
	set -e
	echo "round $round: $what; integrity_check: $ic; $sweeps; finished sweeps missing attempts: $partial; hosts exit $hrc"
	[ "$ic" = ok ] || bad+=("round $round: integrity_check: $ic")
	[ "$partial" = 0 ] || bad+=("round $round: $partial finished sweeps miss host attempts")
	[ "$hrc" = 0 ] && jq -e 'type == "array"' "$T_DIR/hosts.json" >/dev/null 2>&1 ||
	    bad+=("round $round: rollcall hosts failed (exit $hrc): $(head -c 300 "$T_DIR/hosts.err")")
done

assert_eq "$ROUNDS kill -9 rounds: database always consistent" "" "${bad[*]:-}"
assert_ge "rounds where rollcall was killed mid-run" $((ROUNDS / 3)) "$killed_mid"
assert_ge "sweeps cut short by a kill (no ended_at)" $((ROUNDS / 4)) \
    "$(sql 'SELECT count(*) FROM sweeps WHERE ended_at IS NULL')"

# ---- and the same database still takes a whole sweep
rc_run collect -c "$CONF"
assert_eq "a full sweep after $ROUNDS kills exits 0" 0 "$RC"
last=$(sql 'SELECT max(id) FROM sweeps')
assert_eq "the last sweep has ended_at" 1 "$(sql "SELECT count(*) FROM sweeps WHERE id = $last AND ended_at IS NOT NULL")"
assert_eq "the last sweep has an ok attempt for each host" "$HOSTS" \
    "$(sql "SELECT count(DISTINCT host_id) FROM attempts WHERE sweep_id = $last AND status = 'ok'")"
assert_eq "integrity_check after the last sweep" ok "$(sql 'PRAGMA integrity_check')"

finish
