#!/usr/bin/env bash
# cluster_reads: the same fleet swept single-node (SQLite, `rollcall
# collect`) and clustered (the daemon shipping to a real PostgreSQL 15)
# gives the same answers: the docs/SCHEMA.md example queries, `hosts`,
# `show H`, `packages NAME` and, after one package changed on one host
# between sweeps, `changes`, read locally and with --cluster. Compared as
# JSON after normalising times, sweep ids and the central node column.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"
. "$(dirname "${BASH_SOURCE[0]}")/pg-lib.bash"

fleet_start --hosts 4 --delay 0:100
pg_start "$NETNS" || t_die "PostgreSQL did not start"
T=web002
T_ADDR=$(addr_of "$T")
[ -n "$T_ADDR" ] || t_die "no address for $T"

# Stand-in dpkg-query on every host: our package list, not the machine's.
pkgs() { # ADDR OPENSSL_VERSION
	local d=$FLEET_DIR/hostbin/$1
	mkdir -p "$d"
	printf '#!/bin/sh\nexec cat "${0%%/*}/dpkg-query.out"\n' >"$d/dpkg-query"
	printf '%s\n' "libc6|2.36-9+deb12u4|amd64|ii " "vim|2:9.0.1378-2|amd64|ii " \
	    "openssl|$2|amd64|ii " | tr '|' '\t' >"$d/dpkg-query.out"
	chmod 755 "$d" "$d/dpkg-query"
	chmod 644 "$d/dpkg-query.out"
}
for a in $(awk '/ansible_host:/ { print $2 }' "$FLEET_DIR/inventory.yml"); do
	pkgs "$a" 3.0.11-1~deb12u2
done

# The hosts are in the node's segment (rollcall_segment, a group var; the
# single node ignores it).
sed -i 's/^all:/all:\n  vars:\n    rollcall_segment: dc1/' "$FLEET_DIR/inventory.yml"
grep -q '^    rollcall_segment: dc1$' "$FLEET_DIR/inventory.yml" || t_die "could not set rollcall_segment"

# Single node: the fleet's config with stable collectors. Clustered: the
# same with its own database, a cluster: block and a control socket.
sed -i 's/^collectors:.*/collectors: [os, kernel, hostname, packages]/' "$CONF"
CCONF=$FLEET_DIR/cluster.yml
sed "s|^database: .*|database: $T_DIR/node.db|" "$CONF" >"$CCONF"
cat >>"$CCONF" <<YML
interval: 1h
control_socket: $T_DIR/control.sock
cluster:
  postgres: "$PG_CONNINFO"
  password_file: $PG_PASSFILE
  node: node-a
  segment: dc1
YML
CONF_SINGLE=$CONF
CONF=$CCONF	# daemon_start runs `daemon -c $CONF`

central_n() { pg_psql 'select count(*) from attempts' 2>/dev/null || echo x; }
local_n() { sqlite3 -readonly "$T_DIR/node.db" 'select count(*) from attempts'; }
shipped() {
	[ "$(local_n)" -gt 0 ] && [ "$(local_n)" = "$(central_n)" ] &&
	    [ "$(sqlite3 -readonly "$T_DIR/node.db" 'select count(*) from outbox')" = 0 ]
}

# JSON normalised: times -> T, sweep ids and the node/segment columns
# dropped, rows sorted (order among equal times is not part of the answer).
norm() {
	/usr/bin/python3 -c '
import json, re, sys
d = json.load(sys.stdin)
def n(v):
    if isinstance(v, dict):
        return {k: n(x) for k, x in v.items() if k not in ("node", "segment", "sweep_id", "duration_ms", "took")}
    if isinstance(v, list):
        return sorted((n(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(v, str):
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "T", v)
    return v
print(json.dumps(n(d), sort_keys=True, indent=1))' || echo "not JSON"
}
# same WHAT ARGS...: the command's --json answer, single-node and --cluster.
same() {
	local what=$1 a b
	shift
	rc_run "$@" --json -c "$CONF_SINGLE"
	a=$(printf '%s' "$OUT" | norm)
	rc_run "$@" --json -c "$CCONF" --cluster
	b=$(printf '%s' "$OUT" | norm)
	if [ -n "$a" ] && [ "$a" != "[]" ] && [ "$a" = "$b" ]; then
		t_pass "$what: the same answer from SQLite and PostgreSQL"
	else
		t_fail "$what: the same answer from SQLite and PostgreSQL"
		diff <(echo "$a") <(echo "$b") | head -20 >&2
	fi
}

# ---- sweep 1 both ways
rc_run collect -c "$CONF_SINGLE"
assert_eq "single-node sweep 1" 0 "$RC"
daemon_start
wait_for "clustered sweep 1 shipped" 90 shipped

# ---- one package changes on one host, sweep 2 both ways
pkgs "$T_ADDR" 3.0.13-1~deb12u1
rc_run collect -c "$CONF_SINGLE"
assert_eq "single-node sweep 2" 0 "$RC"
n1=$(local_n)
rc_run sweep -c "$CCONF"
assert_eq "clustered sweep 2 started" 0 "$RC"
more() { [ "$(local_n)" -gt "$n1" ] && shipped; }
wait_for "clustered sweep 2 shipped" 90 more

# ---- the answers
same "docs example: os.id" query "SELECT host FROM host_facts WHERE key='os.id' AND value='debian'"
same "docs example: openssl versions" query "SELECT host, version FROM host_packages WHERE name='openssl'"
same "docs example: changes of $T" query "SELECT * FROM changes WHERE host='$T' AND changed_at >= '2026-11-22T00:00:00Z'"
same "docs example: failed hosts" query "SELECT name, status, error FROM host_status WHERE status <> 'ok' OR name = '$T'"
same "hosts" hosts
same "show $T" show "$T"
same "packages openssl" packages openssl
same "packages 'open*' --version '<3.0.12'" packages 'open*' --version '<3.0.12'
same "changes" changes
same "hosts --where (number, version, glob)" hosts --where 'packages.count >= 3' \
    --where 'kernel.release > 2.6' --where 'os.id ~ deb*'
same "history $T --baseline" history "$T" --baseline
# Version order and --where matching: the central functions against the
# local C ones (storage/version.c, storage/where.c), row by row, over
# rpm, apk and dpkg pairs and --where operands, as `query` answers.
vpairs="('rpm','1.0','1.0-1'),('rpm','3.0.7','3.0.7-25.el9'),('rpm','3.0.7-25.el9','3.0.7-27.el9_2'),\
('rpm','1.0~rc1','1.0'),('rpm','1.0^git1','1.0'),('rpm','1.0^git1','1.0.1'),('rpm','1:1.0','2.0'),\
('rpm','1.0a','1.0.1'),('rpm','1.00','1.0'),('rpm','5.14.0-362.8.1.el9_3','5.14.0-284.30.1.el9_2'),\
('rpm','1.a','1.1'),('rpm','abc.1','1'),('apk','1.0_rc1','1.0'),('apk','1.0-r1','1.0-r0'),\
('apk','1.0_p1','1.0'),('apk','1.01','1.1'),('apk','1.0a','1.0b'),('apk','1.0_git20230101','1.0_cvs'),\
('apk','3.0.12-r1','3.1.4-r5'),('apk','1.2.3_alpha2-r1','1.2.3-r1'),('apk','1.0_foo','1.0_bar'),\
('apk','10','9'),('apk','1.0.0','1.0'),('dpkg','3.0.11-1~deb12u2','3.0.13-1~deb12u1'),\
('dpkg','1:0.9','1.0'),('dpkg','1.0~rc1','1.0'),('pacman','1.0+b1','1.0')"
same "version_cmp: rpm, apk and dpkg order as the local one" query \
    "SELECT column1 AS m, column2 AS a, column3 AS b, version_cmp(column1, column2, column3) AS c FROM (VALUES $vpairs) AS v"
wpairs="('8','<','8G'),('30GB','>','27GiB'),('1.5T','=','1536G'),('6.1.0-18-amd64','>=','6.1'),\
('6.10','>','6.9'),('debian','<','fedora'),('10KiB','=','10K'),('10kb','<','10KiB'),('-3','<','.5'),\
('1e3','=','1000'),('abc','~','a*'),('abc','~','[!a]*'),('x/y','~','x/*'),('a*b','~','a\\*b'),\
('12','!=','12.0'),('6.1.0-18-amd64','<','7')"
same "fact_match (hosts --where) as the local one" query \
    "SELECT column1 AS v, column2 AS op, column3 AS x, CASE WHEN fact_match(column1, column2, column3) THEN 'yes' ELSE 'no' END AS m FROM (VALUES $wpairs) AS w"
rc_run query --tables --json -c "$CCONF" --cluster
views=$(printf '%s' "$OUT" | jq -r '[.[] | select(.type == "view") | .name] | join(",")' 2>/dev/null || true)
for v in host_status host_facts changes host_packages host_services host_interfaces host_addresses host_filesystems; do
	assert_match "query --tables --cluster lists the view $v" "(^|,)$v(,|$)" "$views"
done
rc_run query --schema host_packages --json -c "$CCONF" --cluster
assert_eq "query --schema host_packages --cluster: its columns" "host,name,version,arch,manager" \
    "$(printf '%s' "$OUT" | jq -r '[.[].column] | join(",")' 2>/dev/null)"
rc_run changes --json -c "$CCONF" --cluster
assert_match "central changes: openssl upgraded on $T" \
    "\"host\": *\"$T\".*\"key\": *\"package:openssl\".*\"change\": *\"upgraded\"" \
    "$(printf '%s' "$OUT" | tr -d '\n')"
assert_eq "central: unchanged package lists were not shipped again" \
    "$(pg_psql "select count(distinct host) + 1 from item_data")" \
    "$(pg_psql "select count(*) from item_data")"
assert_eq "central: hosts with the same packages share one set" 2 \
    "$(pg_psql "select count(*) from item_sets where kind = 'package'")"
assert_eq "central sweeps view: 2 sweeps of node-a" 2 \
    "$(pg_psql "select count(*) from sweeps where node = 'node-a'")"
# ---- one-shot collect with a cluster: block: queued in the outbox, the
# running daemon ships it
n2=$(local_n)
rc_run collect -c "$CCONF"
assert_eq "collect with cluster: exits 0" 0 "$RC"
assert_match "collect says the attempts are queued for PostgreSQL" \
    "cluster: 4 attempt\(s\) queued in the outbox of .*node.db" "$ERR"
collected() { [ "$(local_n)" -eq $((n2 + 4)) ] && shipped; }
wait_for "collect's attempts shipped by the daemon" 90 collected
assert_eq "central: collect's sweep arrived, 4 attempts" 4 \
    "$(pg_psql "select count(*) from attempts where trigger = 'collect'")"
daemon_term
assert_eq "daemon stops cleanly" 0 "$DRC"
finish
