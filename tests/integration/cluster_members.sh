#!/usr/bin/env bash
# cluster_members: membership and host sharing (docs/DISTRIBUTED.md) on a
# real PostgreSQL 15 and real sshd. Two segments are two network
# namespaces, each with its own simulated hosts (same addresses, so a host
# is reachable only from inside its segment); PostgreSQL runs in a third
# namespace linked to both by veth pairs. Three daemons: a1 and a2 in
# segment A, b1 in B. Checked: every host is swept by a node of its own
# segment; A's hosts are split between a1 and a2 with none swept by both;
# kill -9 of a2 moves its hosts to a1, its return rebalances them; a2 cut
# from PostgreSQL (an unreachable route in its namespace) keeps sweeping
# into its outbox, status shows the backlog, and after healing every
# attempt arrives centrally exactly once.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"
. "$(dirname "${BASH_SOURCE[0]}")/pg-lib.bash"

NA=12			# hosts of segment A
NB=4			# hosts of segment B
INTERVAL=2		# seconds
DEAD=3			# dead_after, seconds
NS_A=$NETNS		# segment A: lib.sh's fleet
NS_B=rcmb-$$		# segment B: a second fleet
NS_P=rcmp-$$		# PostgreSQL
FLEET_B=$T_DIR/fleet-b
PG_A1=10.213.0.1	# PostgreSQL as a1 reaches it
PG_A2=10.213.0.11	# as a2 reaches it (so a2 alone can be cut off)
PG_B=10.213.1.1		# as b1 reaches it
declare -A WRAP PID

members_cleanup() {
	local n
	for n in "${!WRAP[@]}"; do
		kill -KILL "${PID[$n]}" 2>/dev/null || true
	done
	"$FLEET_SH" --dir "$FLEET_B" --netns "$NS_B" stop >/dev/null 2>&1 || true
	ip netns delete "$NS_P" 2>/dev/null || true
}

fleet_start --hosts "$NA" --delay 50:200
"$FLEET_SH" --dir "$FLEET_B" --netns "$NS_B" --lifetime 900 --hosts "$NB" \
    --delay 50:200 start >/dev/null || { members_cleanup; t_die "fleet B did not start"; }
ip netns add "$NS_P" || { members_cleanup; t_die "cannot create $NS_P"; }
ip -n "$NS_P" link set lo up &&
ip -n "$NS_P" link add pa0 type veth peer name ap0 netns "$NS_A" &&
ip -n "$NS_P" addr add "$PG_A1/24" dev pa0 &&
ip -n "$NS_P" addr add "$PG_A2/24" dev pa0 &&
ip -n "$NS_P" link set pa0 up &&
ip -n "$NS_A" addr add 10.213.0.2/24 dev ap0 &&
ip -n "$NS_A" link set ap0 up &&
ip -n "$NS_P" link add pb0 type veth peer name bp0 netns "$NS_B" &&
ip -n "$NS_P" addr add "$PG_B/24" dev pb0 &&
ip -n "$NS_P" link set pb0 up &&
ip -n "$NS_B" addr add 10.213.1.2/24 dev bp0 &&
ip -n "$NS_B" link set bp0 up || { members_cleanup; t_die "cannot wire $NS_P"; }
PG_LISTEN="127.0.0.1,$PG_A1,$PG_A2,$PG_B" pg_start "$NS_P" ||
    { members_cleanup; t_die "PostgreSQL did not start"; }
# lib.sh's trap last, handed the test's status.
trap 'm_st=$?; members_cleanup; pg_destroy; t_cleanup "$m_st"' EXIT
pg_allow 10.213.0.0/16

# One inventory for every node: A's hosts and B's, with their segment as
# a group var.
{
	echo "all:"
	echo "  children:"
	echo "    seg_a:"
	echo "      vars:"
	echo "        rollcall_segment: A"
	echo "      hosts:"
	for i in $(seq 1 "$NA"); do
		printf '        a-%02d:\n          ansible_host: 127.0.1.%d\n' "$i" "$i"
	done
	echo "    seg_b:"
	echo "      vars:"
	echo "        rollcall_segment: B"
	echo "      hosts:"
	for i in $(seq 1 "$NB"); do
		printf '        b-%02d:\n          ansible_host: 127.0.1.%d\n' "$i" "$i"
	done
} >"$T_DIR/inventory.yml"

# node_conf NAME SEGMENT FLEETDIR PGADDR: its config, from its fleet's.
node_conf() {
	sed -e "s|^database: .*|database: $T_DIR/$1.db|" \
	    -e "s|^  - inventory.yml|  - $T_DIR/inventory.yml|" \
	    -e "s|^concurrency: .*|concurrency: 16|" "$3/rollcall.yml" >"$T_DIR/$1.yml"
	cat >>"$T_DIR/$1.yml" <<YML
interval: ${INTERVAL}s
jitter: 0
retry:
  attempts: 0
control_socket: $T_DIR/$1.sock
cluster:
  postgres: "host=$4 port=$PG_PORT dbname=$PG_DB user=$PG_USER connect_timeout=2"
  password_file: $PG_PASSFILE
  node: $1
  segment: $2
  dead_after: ${DEAD}s
YML
}
MPORT=$(pg_free_port ip netns exec "$NS_A")
node_conf a1 A "$FLEET_DIR" "$PG_A1"
echo "metrics_listen: 127.0.0.1:$MPORT" >>"$T_DIR/a1.yml"
node_conf a2 A "$FLEET_DIR" "$PG_A2"
node_conf b1 B "$FLEET_B" "$PG_B"

# node_start NAME NETNS: the daemon, its log in T_DIR/NAME.log.
node_start() {
	ip netns exec "$2" timeout -k 5 600 "$ROLLCALL" daemon -c "$T_DIR/$1.yml" \
	    >>"$T_DIR/$1.log" 2>&1 &
	WRAP[$1]=$!
	PID[$1]=$(wrapped_pid "${WRAP[$1]}") ||
	    t_die "daemon $1 did not start: $(tail -5 "$T_DIR/$1.log")"
}
nlog_count() { grep -Ec -- "$2" "$T_DIR/$1.log" || true; }
# nlog_more NAME REGEX N: the log has more than N matching lines.
nlog_more() { [ "$(nlog_count "$1" "$2")" -gt "$3" ]; }
central() { pg_psql "$1" 2>/dev/null || echo "psql failed"; }
now_us() { echo $(($(date +%s%N) / 1000)); }
status_json() { "$ROLLCALL" status -c "$T_DIR/$1.yml" --json 2>/dev/null; }
SHARED_A2='segment A shared by 2 live node\(s\)'
SHARED_A1='segment A shared by 1 live node\(s\)'

# all_swept FROM: every A host has an attempt since FROM (central).
all_swept() {
	[ "$(central "select count(distinct host) from attempts where started_us > $1 and host like 'a-%'")" = "$NA" ]
}
# check_split WHAT FROM: wait until every A host was swept since FROM (a
# sweep takes what it takes on a loaded machine), then in [FROM, now] each
# by one node only, and both A nodes swept.
check_split() {
	local w
	wait_for "$1: every A host swept" 90 all_swept "$2"
	sleep 2					# shipped
	w="started_us between $2 and $(now_us) and host like 'a-%'"
	assert_eq "$1: both A nodes swept" "a1,a2" \
	    "$(central "select string_agg(distinct node, ',') from attempts where $w")"
	assert_eq "$1: no A host swept by both nodes" 0 \
	    "$(central "select count(*) from (select host from attempts where $w group by host having count(distinct node) > 1) x")"
}

# ---- three nodes: every host swept in its segment, A split in two
node_start a1 "$NS_A"
node_start a2 "$NS_A"
node_start b1 "$NS_B"
wait_for "a1 sees 2 live nodes in A" 60 nlog_more a1 "$SHARED_A2" 0
wait_for "a2 sees 2 live nodes in A" 60 nlog_more a2 "$SHARED_A2" 0
wait_for "b1 alone in B" 60 nlog_more b1 'segment B shared by 1 live node\(s\)' 0
assert_match "no view before PostgreSQL answered: a1 swept all of A" \
    "no membership view \\(PostgreSQL not reached yet\\): sweeping every host of segment A \\($NA\\)|segment A shared" \
    "$(cat "$T_DIR/a1.log")"
sleep $((INTERVAL + 2))			# sweeps begun before that end
T1=$(now_us)
check_split "steady" "$T1"
T2=$(now_us)
assert_eq "every attempt made by a node of its host's segment" 0 \
    "$(central "select count(*) from attempts where (host like 'a-%' and segment <> 'A') or (host like 'b-%' and segment <> 'B')")"
b_swept() {
	[ "$(central "select count(distinct host) from attempts where node = 'b1' and started_us > $T1")" = "$NB" ]
}
wait_for "B's hosts all swept by b1" 60 b_swept
o1=$(status_json a1 | jq -r .cluster.hosts_owned)
o2=$(status_json a2 | jq -r .cluster.hosts_owned)
assert_eq "status: a1 and a2 own all of A between them ($o1 + $o2)" "$NA" "$((o1 + o2))"
assert_eq "central nodes: three alive" "a1|A|yes,a2|A|yes,b1|B|yes" \
    "$(central "select string_agg(name || '|' || segment || '|' || case when heartbeat_at > now() - interval '${DEAD}s' then 'yes' else 'no' end, ',' order by name) from nodes")"

metrics=$(ip netns exec "$NS_A" curl -sf "http://127.0.0.1:$MPORT/metrics" || true)
assert_match "metrics: connected" $'rollcall_cluster_connected 1\n' "$metrics"
assert_match "metrics: hosts owned" $'rollcall_cluster_hosts_owned '"$o1"$'\n' "$metrics"
assert_match "metrics: backlog and its age" \
    $'rollcall_cluster_backlog_attempts [0-9]+\n.*rollcall_cluster_backlog_oldest_age_seconds [0-9]+\n' "$metrics"
# A node's own status counts its segment's hosts; B's are said, not counted.
assert_eq "status --json (a1): hosts_total = A's, hosts_other_segments = B's" "$NA $NB" \
    "$(status_json a1 | jq -r '"\(.hosts_total) \(.hosts_other_segments)"')"
assert_match "status (a1): other segments' hosts not counted" \
    "hosts: +$NA \(.*\); $NB in other segments not counted" \
    "$("$ROLLCALL" status -c "$T_DIR/a1.yml" 2>&1)"
assert_match "metrics: rollcall_hosts_other_segments" $'rollcall_hosts_other_segments '"$NB"$'\n' "$metrics"
assert_eq "metrics: rollcall_hosts counts A's hosts only" "$NA" \
    "$(grep '^rollcall_hosts{' <<<"$metrics" | awk '{ n += $2 } END { print n }')"
# The nodes' conninfo says connect_timeout=2 (so partitions show fast); under
# ASan on a loaded machine one connection can miss that, so the CLI's read of
# the cluster is retried on a connection failure only (any other answer is
# checked as it is).
cl_status() {
	local out i
	for i in 1 2 3 4 5; do
		out=$(ip netns exec "$NS_A" "$ROLLCALL" status --cluster -c "$T_DIR/a1.yml" 2>&1) && break
		grep -q 'PostgreSQL connection' <<<"$out" || break
		echo "     (status --cluster, try $i: $(head -1 <<<"$out"))" >&2
		sleep 1
	done
	printf '%s\n' "$out"
}
out=$(cl_status || true)
echo "$out" | sed 's/^/     /'
assert_match "status --cluster: a1, a2 alive in A, with hosts owned" \
    "a1 +A +[0-9]+s +yes +$o1 .*a2 +A +[0-9]+s +yes +$o2 " "$(tr '\n' ' ' <<<"$out")"
assert_match "status --cluster: b1 alive in B" "b1 +B +[0-9]+s +yes +$NB " "$out"
if grep -qF -- "$PG_PASS" <<<"$out"; then
	t_fail "status --cluster does not print the password"
else
	t_pass "status --cluster does not print the password"
fi

# ---- a second daemon started under a1's name: it finds a1's live
# instance in the heartbeat row, says so, and steps back (sweeps nothing)
sed -e "s|$T_DIR/a1\.db|$T_DIR/a1dup.db|" -e "s|$T_DIR/a1\.sock|$T_DIR/a1dup.sock|" \
    -e '/^metrics_listen:/d' "$T_DIR/a1.yml" >"$T_DIR/a1dup.yml"
node_start a1dup "$NS_A"
wait_for "the second a1 logs that the name is in use, naming both pids" 60 nlog_more a1dup \
    "node name a1 is in use by another live instance \(machine [^,]+, pid ${PID[a1]}\); this instance \(machine [^,]+, pid ${PID[a1dup]}\) steps back" 0
wait_for "the second a1's scheduler sweeps none of A" 30 nlog_more a1dup \
    "cluster: node a1 stepped back \(another live instance holds the name\): sweeping none of segment A" 0
grep -h 'in use by another\|stepped back' "$T_DIR/a1dup.log" | head -2 | sed 's/^/     /'
dup_json=$(status_json a1dup)
assert_eq "status --json (second a1): stepped_back, owns 0" "true 0" \
    "$(jq -r '"\(.cluster.stepped_back) \(.cluster.hosts_owned)"' <<<"$dup_json")"
assert_match "status (second a1) says it stepped back" "stepped back: another live daemon runs as node a1" \
    "$("$ROLLCALL" status -c "$T_DIR/a1dup.yml" 2>&1)"
d0=$(sqlite3 -readonly "$T_DIR/a1dup.db" 'select count(*) from attempts')
sleep $((2 * INTERVAL + 1))
assert_eq "the second a1 made no attempt while stepped back" "$d0" \
    "$(sqlite3 -readonly "$T_DIR/a1dup.db" 'select count(*) from attempts')"
assert_eq "the name's row is still the first a1's (pid)" "${PID[a1]}" \
    "$(central "select instance_pid from nodes where name = 'a1'")"
kill -TERM "${PID[a1dup]}"
wait "${WRAP[a1dup]}" 2>/dev/null || true
unset 'WRAP[a1dup]'
# Its first sweep (before PostgreSQL answered) shipped under node a1 from
# its own database: the checks below tell databases apart by uid origin.
origin() { sqlite3 -readonly "$T_DIR/$1.db" 'select origin from outbox_origin'; }

# ---- kill -9 a2: a1 takes its hosts within one interval + dead_after
K=$(now_us)
kill -KILL "${PID[a2]}"
wait "${WRAP[a2]}" 2>/dev/null || true
a1_all() {
	[ "$(central "select count(distinct host) from attempts where node = 'a1' and host like 'a-%' and started_us > $K")" = "$NA" ]
}
wait_for "a1 sweeps every A host after a2's kill -9" 90 a1_all
echo "     (took $(( ($(now_us) - K) / 1000 )) ms; interval ${INTERVAL}s + dead_after ${DEAD}s)"
assert_match "a1 logged that it is alone in A" "$SHARED_A1" "$(cat "$T_DIR/a1.log")"
out=$(cl_status || true)
echo "$out" | sed 's/^/     /'
assert_match "status --cluster: a2 no longer alive" "a2 +A +[0-9]+s +no " "$out"

# ---- a2 comes back: the hosts rebalance, none swept twice at once
n1=$(nlog_count a1 "$SHARED_A2")
n2=$(nlog_count a2 "$SHARED_A2")
node_start a2 "$NS_A"
wait_for "a1 sees a2 again" 60 nlog_more a1 "$SHARED_A2" "$n1"
wait_for "a2 sees a1 again" 60 nlog_more a2 "$SHARED_A2" "$n2"
sleep $((INTERVAL + 2))
check_split "after a2's return" "$(now_us)"

# ---- partition: a2 cut from PostgreSQL for two sweeps
s0=$(nlog_count a2 'sweep [0-9]+: ')
c0=$(nlog_count a2 'cluster: caught up')
ip -n "$NS_A" route add unreachable "$PG_A2/32"
wait_for "a2 reports PostgreSQL unreachable" 60 nlog_more a2 'cluster: PostgreSQL unreachable' 0
wait_for "a2 sweeps twice while cut off" 60 nlog_more a2 'sweep [0-9]+: ' $((s0 + 2))
backlog_shown() {
	local j
	j=$(status_json a2)
	[ "$(jq -r .cluster.connected <<<"$j")" = false ] &&
	    [ "$(jq -r .cluster.backlog <<<"$j")" -gt 0 ]
}
wait_for "status shows a2 disconnected with a backlog" 30 backlog_shown
"$ROLLCALL" status -c "$T_DIR/a2.yml" | grep '^cluster:' || true
assert_ge "a2's outbox holds the partition's attempts" 1 \
    "$(sqlite3 -readonly "$T_DIR/a2.db" 'select count(*) from outbox')"
ip -n "$NS_A" route del unreachable "$PG_A2/32"
wait_for "a2 catches up after healing" 60 nlog_more a2 'cluster: caught up' "$c0"

# ---- exactly once: each node's local attempts all central, none twice
# At a moment its outbox was empty (one read of the local database), every
# local attempt up to the newest then is central. (Sweeps go on, so the
# two counts are never read at the same instant.)
arrived() {
	local x o l
	IFS='|' read -r x o l < <(sqlite3 -readonly "$T_DIR/$1.db" \
	    'select max(id), (select count(*) from outbox), count(*) from attempts')
	[ "$o" = 0 ] && [ -n "$x" ] &&
	    [ "$(central "select count(*) from attempts where node = '$1' and uid like '$(origin "$1"):%' and local_id <= $x")" = "$l" ]
}
for n in a1 a2 b1; do
	wait_for "$n: every local attempt is central" 60 arrived "$n"
done
for n in a1 a2 b1; do
	kill -TERM "${PID[$n]}"
	wait "${WRAP[$n]}" 2>/dev/null || true
done
# A batch PostgreSQL committed whose answer the node had not taken in when
# it stopped stays in its outbox (sent again at the next start, dropped by
# ON CONFLICT): the central count is the local one less the outbox rows
# that did not arrive.
for n in a1 a2 b1; do
	ids=$(sqlite3 -readonly "$T_DIR/$n.db" 'select group_concat(attempt_id) from outbox')
	pending=0
	[ -z "$ids" ] || pending=$(central "select count(*) from unnest(array[$ids]::bigint[]) i
	    where not exists (select 1 from attempts where uid = '$(origin "$n"):' || i)")
	assert_eq "$n: central = local - unshipped outbox rows after stopping" \
	    $(( $(sqlite3 -readonly "$T_DIR/$n.db" 'select count(*) from attempts') - pending )) \
	    "$(central "select count(*) from attempts where node = '$n' and uid like '$(origin "$n"):%'")"
done
assert_eq "no attempt twice centrally (database origin, local id)" 0 \
    "$(central "select count(*) - count(distinct (split_part(uid, ':', 1), local_id)) from attempts")"
assert_eq "no attempt twice centrally (uid)" 0 \
    "$(central 'select count(*) - count(distinct uid) from attempts')"
WRAP=()
finish
