#!/usr/bin/env bash
# bench/cluster.sh [-n HOSTS] [-s SWEEPS_PER_HOUR] [-b BUILD_DIR]: the
# central write path at scale, no SSH (docs/PERFORMANCE.md).
#
# -x COPIES: the outbox of the N replayed hosts is copied COPIES times as
# more hosts (names, attempt ids, MACs and addresses rewritten, so each copy's
# interface and address sets are its own as on real hosts; package and
# service lists shared as in a real fleet): N x COPIES hosts shipped through
# the real shipper and PostgreSQL, when replaying all of them through the
# parsers is too slow for the machine. Said in the output.
#
# 1. Throughput: bench/storage's replay of the captured outputs of every
#    collector (-k: with the cluster outbox on, as the daemon fills it) puts
#    HOSTS first sights in a node database's outbox; a real daemon then
#    ships it to a real PostgreSQL 15 (tests/integration/pg-lib.bash).
#    Prints hosts per second (outbox to acknowledged), the outbox bytes per
#    host, and PostgreSQL's bytes per host (pg_total_relation_size of every
#    central table, indexes included).
# 2. Catch-up: one hour of sweeps (first sight + SWEEPS_PER_HOUR - 1 steady
#    sweeps, 3% of hosts upgrading a package each) in the outbox while
#    PostgreSQL is down; the daemon starts, PostgreSQL starts, and the time
#    until the node logs "cluster: caught up" is the catch-up time.
# Needs root (PostgreSQL runs as the postgres user) and a built tree.
set -euo pipefail
cd "$(dirname "$0")/.."
N=10000
PER_HOUR=4
BUILD=build
COPIES=1
while getopts n:s:b:x: ch; do
	case $ch in
	n) N=$OPTARG ;;
	s) PER_HOUR=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	x) COPIES=$OPTARG ;;
	*) echo "usage: bench/cluster.sh [-n HOSTS] [-s SWEEPS_PER_HOUR] [-b BUILD_DIR] [-x COPIES]" >&2; exit 2 ;;
	esac
done
BENCH=$BUILD/rollcall-bench-storage
ROLLCALL=$BUILD/rollcall
W=$(mktemp -d /tmp/rcbench-cluster.XXXXXX)
. tests/integration/pg-lib.bash
pg_start || { echo "PostgreSQL did not start" >&2; exit 1; }
trap 'kill "$DPID" 2>/dev/null || true; pg_destroy; rm -rf "$W"' EXIT

# A node config: one unreachable host (the daemon must sweep something),
# the outbox filled by the replay, shipping to PostgreSQL.
ssh-keygen -q -t ed25519 -N '' -f "$W/id" >/dev/null
: >"$W/known_hosts"
printf 'all:\n  hosts:\n    nowhere:\n      ansible_host: 127.0.0.1\n      ansible_port: 9\n' >"$W/inventory.yml"
node_conf() { # DB
	DB=$1
	cat >"$W/node.yml" <<YML
database: $1
inventory:
  - $W/inventory.yml
ssh:
  identity: $W/id
  known_hosts: $W/known_hosts
interval: 1h
control_socket: $W/control.sock
cluster:
  postgres: "$PG_CONNINFO"
  password_file: $PG_PASSFILE
  node: bench-node
  segment: dc1
  outbox_max: 100000000
YML
}
# Start the daemon on DB; caught_up_after waits until its outbox is empty
# and prints the seconds since T0 (epoch ns); $W/done_at holds that moment.
DPID=
daemon_run() {
	"$ROLLCALL" daemon -c "$W/node.yml" >"$W/daemon.log" 2>&1 &
	DPID=$!
}
caught_up_after() { # T0_NS
	until [ "$(sqlite3 -readonly "$DB" 'select count(*) from outbox' 2>/dev/null)" = 0 ]; do
		kill -0 "$DPID" 2>/dev/null || { tail "$W/daemon.log" >&2; exit 1; }
		sleep 0.2
	done
	date +%H:%M:%S.%N >"$W/done_at"
	echo "scale=1; ($(date +%s%N) - $1) / 1000000000" | bc
}
# Seconds from the first log line matching A (HH:MM:SS.mmm) to when the
# outbox was found empty ($W/done_at).
log_span() {
	awk -v a="$1" -v done="$(cat "$W/done_at")" '
	function t(s) { split(s, x, ":"); return x[1] * 3600 + x[2] * 60 + x[3] }
	$0 ~ a && ta == "" { ta = t($1) }
	END { printf "%.1f\n", t(done) - ta }' "$W/daemon.log"
}
central_bytes() {
	pg_psql "select sum(pg_total_relation_size(c.oid)) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'm')"
}
# multiply DB: the outbox's documents COPIES - 1 more times as other hosts.
multiply() {
	[ "$COPIES" -gt 1 ] || return 0
	python3 - "$1" "$COPIES" "$N" <<'PY'
import json, re, sqlite3, sys
db, copies, n = sqlite3.connect(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rows = db.execute("select created_us, doc from outbox order by id").fetchall()
def mac(m, k):
    return m if m.startswith("00:00:00") else "%02x%s" % (0x10 + k, m[2:])
def addr(a, k):
    if a.startswith("127.") or a == "::1":
        return a
    return re.sub(r"^[0-9]+\.", "%d." % (100 + k), a) if ":" not in a else "fd%02x:%s" % (k, a)
with db:
    for k in range(1, copies):
        for created, text in rows:
            d = json.loads(text)
            d["host"] = "h%06d" % (int(d["host"][1:]) + k * n)
            d["uid"] = d["uid"].replace(":", "x%d:" % k, 1)
            it = d.get("items", {})
            for r in it.get("interface", []):
                r[1] = mac(r[1], k)
            for r in it.get("address", []):
                r[2] = addr(r[2], k)
            db.execute("insert into outbox(attempt_id, created_us, doc) values (0, ?, ?)",
                       (created, json.dumps(d, separators=(",", ":"))))
PY
	echo "outbox copied $COPIES times: $((N * COPIES)) hosts (names, ids, MACs, addresses rewritten; replayed: $N)"
}
outbox() { sqlite3 -readonly "$1" "select count(*), coalesce(sum(length(doc)), 0) from outbox"; }
# CPU ticks (1/100 s) spent by PostgreSQL so far: the postmaster, its live
# children and the children that exited (cutime, cstime). On a shared
# machine this, not the wall time, is what the write path costs.
pg_cpu() {
	local pm p t=0
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	for p in $pm $(pgrep -P "$pm"); do
		t=$((t + $(awk "{print \$14 + \$15}" "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo $((t + $(awk '{print $16 + $17}' "/proc/$pm/stat")))
}
proc_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# "P s PostgreSQL CPU, D s daemon CPU: X ms + Y ms per attempt" from ticks.
cpu_line() { # PG_TICKS DAEMON_TICKS ATTEMPTS
	echo "CPU: PostgreSQL $(echo "scale=1; $1 / 100" | bc) s, daemon $(echo "scale=1; $2 / 100" | bc) s: $(echo "scale=2; $1 * 10 / $3" | bc) + $(echo "scale=2; $2 * 10 / $3" | bc) ms per attempt"
}

# ---- 1. throughput: N first sights
echo "load at start: $(uptime)"
echo "== $N hosts, first sight, every collector, through the real parsers and writer (-k)"
"$BENCH" -n "$N" -s 0 -r 1 -k "$W/t.db" | sed -n '1,3p'
multiply "$W/t.db"
IFS='|' read -r docs bytes < <(outbox "$W/t.db")
echo "outbox: $docs documents, $((bytes / docs)) bytes per host (JSON)"
node_conf "$W/t.db"
t0=$(date +%s%N)
pg0=$(pg_cpu)
daemon_run
secs=$(caught_up_after "$t0")
dcpu=$(proc_cpu "$DPID")
kill "$DPID"; wait "$DPID" || true
sleep 1
cpu_line $(($(pg_cpu) - pg0)) "$dcpu" "$docs"
ship=$(log_span "cluster: connected to PostgreSQL")
echo "daemon start to caught up: ${secs}s; connected to caught up (shipping alone): ${ship}s: $(echo "scale=0; $docs / $ship" | bc) hosts/s"
cb=$(central_bytes)
echo "PostgreSQL: $cb bytes, $((cb / (N * COPIES))) bytes per host"
pg_psql "select 'item_sets ' || count(*) from item_sets"

# ---- 2. catch-up after an hour without PostgreSQL
echo "== one hour: $PER_HOUR sweeps of $N hosts (3% upgrade a package per sweep) while PostgreSQL is down"
PG_PSQL_DB=postgres pg_psql "drop database $PG_DB" >/dev/null
PG_PSQL_DB=postgres pg_psql "create database $PG_DB owner $PG_USER" >/dev/null
"$BENCH" -n "$N" -s $((PER_HOUR - 1)) -r 1 -k "$W/c.db" | sed -n '1,6p'
multiply "$W/c.db"
IFS='|' read -r docs bytes < <(outbox "$W/c.db")
echo "outbox: $docs documents, $((bytes / 1048576)) MB of JSON"
pg_stop
node_conf "$W/c.db"
daemon_run
until grep -q "PostgreSQL unreachable" "$W/daemon.log"; do sleep 0.2; done
pg_restart
t0=$(date +%s%N)
pg0=$(pg_cpu)
dcpu0=$(proc_cpu "$DPID")
secs=$(caught_up_after "$t0")
dcpu=$(($(proc_cpu "$DPID") - dcpu0))
kill "$DPID"; wait "$DPID" || true
sleep 1
cpu_line $(($(pg_cpu) - pg0)) "$dcpu" "$docs"
echo "caught up on $docs attempts in ${secs}s after PostgreSQL came back: $(echo "scale=0; $docs / $secs" | bc) attempts/s"
cb=$(central_bytes)
echo "PostgreSQL after the hour: $cb bytes, $((cb / (N * COPIES))) bytes per host"
echo "load at end: $(uptime), $(nproc) CPUs"
