#!/usr/bin/env bash
# scale.sh: the engine's limits and bounds, shown from the attempts table and
# measured memory, never from wall-clock limits.
#  - the global limit (concurrency) and per-group limits (group_concurrency)
#    hold exactly, also for a host in two limited groups, and are reached;
#  - max_handshakes caps sessions not yet authenticated, not sessions;
#  - a host printing 50 MB is cut off (output_truncated) and the sweep's peak
#    RSS does not grow with it;
#  - workers: 4 gives the same facts as workers: 1, and one channel per
#    collector gives the same facts as the combined script.
. "$(dirname "$0")/lib.sh"

fleet_start --hosts 36 --delay 150:400 --broken chatty

# A second limited group overlapping web and db: its hosts wait for a slot
# in both of their groups.
sed -i 's/^  children:$/  children:\n    canary:\n      hosts:\n        web001:\n        web002:\n        web003:\n        db001:\n        db002:\n        db003:/' \
    "$FLEET_DIR/inventory.yml"
base_conf=$T_DIR/base.yml
grep -v -E '^(concurrency|collectors|max_handshakes|workers|group_concurrency|channel_mode|database):' \
    "$CONF" >"$base_conf"
sed -i "s|^  - inventory.yml|  - $FLEET_DIR/inventory.yml|" "$base_conf"

# conf NAME EXTRA-YAML...: a config for one run, with its own database
conf() {
	local f=$T_DIR/$1.yml
	shift
	{
		cat "$base_conf"
		echo "database: $T_DIR/$(basename "$f" .yml).db"
		printf '%s\n' "$@"
	} >"$f"
	echo "$f"
}

# in_flight DB [GROUP] [END]: most attempts (of hosts in GROUP) at one
# instant between started_us and END (default ended_us; rows without it
# are left out).
in_flight() {
	local db=$1 filter="1" end=${3:-ended_us}
	[ -z "${2:-}" ] || filter="(',' || h.groups || ',') LIKE '%,$2,%'"
	sqlite3 -readonly -batch -noheader "$db" "
	    WITH a AS (SELECT t.started_us, t.$end AS ended_us FROM attempts t
	        JOIN hosts h ON h.id = t.host_id WHERE $filter
	        AND t.$end IS NOT NULL)
	    SELECT max((SELECT count(*) FROM a b WHERE b.started_us <= x.started_us
	        AND b.ended_us > x.started_us)) FROM a x"
}

# ---- limits
c=$(conf limits "concurrency: 10" "group_concurrency: {db: 3, canary: 2}" \
    "collectors: [os, kernel]" "workers: 2")
rc_run collect -c "$c"
db=$T_DIR/limits.db
total=$(sqlite3 -readonly "$db" "SELECT count(*) FROM attempts")
assert_eq "limits: every host attempted" 37 "$total"
g=$(in_flight "$db")
assert_ge "limits: global limit reached" 10 "$g"
assert_eq "limits: never more than concurrency=10 in flight" 1 "$([ "$g" -le 10 ] && echo 1 || echo "0 ($g)")"
d=$(in_flight "$db" db)
assert_eq "limits: db group at most 3 in flight" 1 "$([ "$d" -le 3 ] && echo 1 || echo "0 ($d)")"
assert_ge "limits: db group limit reached" 3 "$d"
k=$(in_flight "$db" canary)
assert_eq "limits: canary (web+db hosts) at most 2 in flight" 1 "$([ "$k" -le 2 ] && echo 1 || echo "0 ($k)")"
assert_ge "limits: canary group limit reached" 2 "$k"

# ---- max_handshakes: at most that many sessions between start and the end
# of authentication (attempts.authed_us) at one instant, while more than
# that many are in flight: the cap is on handshakes, not on sessions.
c=$(conf handshakes "concurrency: 30" "max_handshakes: 3" "collectors: [os]" "workers: 2")
rc_run collect -c "$c" --limit '!chatty*'
assert_eq "handshakes: collect exits 0" 0 "$RC"
db=$T_DIR/handshakes.db
assert_eq "handshakes: every attempt has its authentication time" 36 \
    "$(sqlite3 -readonly "$db" "SELECT count(*) FROM attempts WHERE authed_us >= started_us AND authed_us <= ended_us")"
h=$(in_flight "$db" "" authed_us)
assert_eq "handshakes: never more than max_handshakes=3 at once" 1 "$([ "$h" -le 3 ] && echo 1 || echo "0 ($h)")"
assert_ge "handshakes: the limit is reached" 3 "$h"
g=$(in_flight "$db")
assert_ge "handshakes: more sessions than that in flight" 4 "$g"

# ---- 50 MB from one host: truncated, memory bounded. Peak RSS with and
# without the chatty host must be about the same (a copy of 50 MB would
# show). Under ASan, freed blocks wait in its quarantine and would count
# every step of the capped buffer's growth: measure with it off.
rss() { # CONF LIMIT -> peak RSS in KB
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
	    in_fleet /usr/bin/time -f %M -o "$T_DIR/rss" "$ROLLCALL" collect \
	    -c "$1" --limit "$2" >/dev/null 2>&1 || true
	cat "$T_DIR/rss" | tail -1
}
c=$(conf chatty "concurrency: 40" "collectors: [os, kernel, cpu, memory, uptime]")
with=$(rss "$c" 'all')
without=$(rss "$c" '!chatty*')
echo "   peak RSS: ${with} KB with the 50 MB host, ${without} KB without"
assert_eq "chatty: RSS grows by less than 16 MB" 1 \
    "$([ $((with - without)) -lt 16384 ] && echo 1 || echo "0 (+$((with - without)) KB)")"
db=$T_DIR/chatty.db
st=$(sqlite3 -readonly "$db" "SELECT r.status FROM collector_runs r
    JOIN attempts a ON a.id = r.attempt_id JOIN hosts h ON h.id = a.host_id
    WHERE h.name LIKE 'chatty%' AND a.sweep_id = 1 ORDER BY r.rowid LIMIT 1")
assert_eq "chatty: first collector is output_truncated" output_truncated "$st"
ok=$(sqlite3 -readonly "$db" "SELECT count(*) FROM attempts
    WHERE sweep_id = 1 AND status = 'ok'")
assert_eq "chatty: every host ok (truncation is the collector's)" 37 "$ok"

# ---- same facts whatever the workers or channel mode
facts() {
	sqlite3 -readonly -batch -noheader "$1" "SELECT h.name, f.key, f.value
	    FROM facts f JOIN hosts h ON h.id = f.host_id
	    WHERE f.key LIKE 'os.%' OR f.key LIKE 'kernel.%'
	       OR f.key IN ('cpu.count', 'cpu.model', 'memory.total_bytes')
	    ORDER BY 1, 2"
}
for v in "w1:workers: 1" "w4:workers: 4" "per:channel_mode: per-collector"; do
	c=$(conf "${v%%:*}" "concurrency: 40" "${v#*:}" \
	    "collectors: [os, kernel, cpu, memory]")
	rc_run collect -c "$c" --limit '!chatty*'
	assert_eq "${v%%:*}: collect exits 0" 0 "$RC"
done
n=$(facts "$T_DIR/w1.db" | wc -l)
assert_ge "workers=1 stored facts" 300 "$n"
assert_eq "workers=4 facts equal workers=1" "$(facts "$T_DIR/w1.db" | md5sum)" \
    "$(facts "$T_DIR/w4.db" | md5sum)"
assert_eq "per-collector channels: same facts as combined" \
    "$(facts "$T_DIR/w1.db" | md5sum)" "$(facts "$T_DIR/per.db" | md5sum)"

finish
