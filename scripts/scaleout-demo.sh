#!/usr/bin/env bash
# scaleout-demo.sh: README "Scaling out", run as written on one machine.
#
# The blocks the README marks <!-- demo:NAME --> are read from README.md and
# used as they are, with only these substitutions (printed when it runs):
# db.example is 10.0.0.5 (PostgreSQL's namespace), the inventory's 10.X.1.N
# hosts are the simulated fleet's 127.0.1.N, /etc/rollcall and
# /var/lib/rollcall are a directory per collector, the SSH user is the
# fleet's and the interval is short. The rest is real: PostgreSQL 15
# (initdb in a temp dir, as the postgres user, tests/integration/pg-lib.bash),
# one simulated fleet (scripts/fleet.sh) per datacenter, each in its own
# network namespace with its collectors, veth links to PostgreSQL, three
# rollcall daemons. It waits until the segments are shared, prints what
# `rollcall status`, `status --cluster` and `hosts --cluster` show, checks
# the central rows, kills collector-a2 (kill -9) and shows the survivor
# taking its hosts. Everything it starts is stopped on exit, however it ends.
#
# Needs root. Environment: ROLLCALL (default build/rollcall), DEMO_INTERVAL
# (5s), DEMO_KILL=0 to skip the kill -9 part.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
README=$SRC/README.md
ROLLCALL=${ROLLCALL:-$SRC/build/rollcall}
INTERVAL=${DEMO_INTERVAL:-5s}
FLEET_SH=$SRC/scripts/fleet.sh
NS_A=rcdemo-a-$$	# dc1: its fleet, collector-a1 and collector-a2
NS_B=rcdemo-b-$$	# dc2: its fleet, collector-b1
NS_P=rcdemo-p-$$	# PostgreSQL (db.example)
DB_ADDR=10.0.0.5	# db.example
D=
declare -A WRAP=() PID=() NS=()

die() {
	echo "scaleout-demo: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, sshd, PostgreSQL as postgres)"
[ -x "$ROLLCALL" ] || die "$ROLLCALL: not built (cmake -S . -B build && cmake --build build)"
for tool in ip jq openssl runuser; do
	command -v "$tool" >/dev/null || die "$tool not found: run scripts/deps.sh"
done
. "$SRC/tests/integration/pg-lib.bash"
. "$SRC/tests/integration/proc-lib.bash"

# Stop everything this run started: daemons, PostgreSQL, fleets, namespaces.
demo_cleanup() {
	local n
	for n in "${!WRAP[@]}"; do
		[ -z "${PID[$n]}" ] || kill -TERM "${PID[$n]}" 2>/dev/null || true
	done
	sleep 1
	for n in "${!WRAP[@]}"; do
		[ -z "${PID[$n]}" ] || kill -KILL "${PID[$n]}" 2>/dev/null || true
		kill -KILL "${WRAP[$n]}" 2>/dev/null || true
	done
	pg_destroy
	if [ -n "$D" ]; then
		"$FLEET_SH" --dir "$D/fleet-dc1" --netns "$NS_A" stop >/dev/null 2>&1 || true
		"$FLEET_SH" --dir "$D/fleet-dc2" --netns "$NS_B" stop >/dev/null 2>&1 || true
		rm -rf "$D"
	fi
	ip netns delete "$NS_P" 2>/dev/null || true
}
trap demo_cleanup EXIT
trap 'exit 130' INT TERM

step() {
	printf '\n==> %s\n' "$*"
}

# The README block marked <!-- demo:NAME --> (the fenced block after it).
block() {
	local b
	b=$(awk -v tag="<!-- demo:$1 -->" '
		$0 == tag { want = 1; next }
		want && /^```/ { if (inb) exit; inb = 1; next }
		inb { print }' "$README")
	[ -n "$b" ] || die "README.md has no block marked <!-- demo:$1 -->"
	printf '%s\n' "$b"
}

# The demo's substitutions for collector dir $1 (stdin to stdout).
subst() {
	sed -e "s|/etc/rollcall/|$1/|g" -e "s|/var/lib/rollcall/|$1/|g" \
	    -e "s|host=db\.example|host=$DB_ADDR|" \
	    -e "s|ansible_host: 10\.[0-9]*\.1\.|ansible_host: 127.0.1.|" \
	    -e "s|^  user: inventory\$|  user: rollcall-test|" \
	    -e "s|^interval: .*|interval: $INTERVAL|"
}

# `sudo -u postgres CMD` in the README's block: CMD as postgres, against the
# demo's server (its socket directory and port).
demo_sudo_def() {
	cat <<EOF
sudo() {
	[ "\$1" = -u ] && [ "\$2" = postgres ] || { echo "demo: sudo \$*: not in the README" >&2; return 1; }
	shift 2
	runuser -u postgres -- env PGHOST='$PG_DIR' PGPORT='$PG_PORT' "\$@"
}
EOF
}

# Hosts of segment $1 in the README's inventory.
seg_hosts() {
	"$ROLLCALL" inventory -i "$D/inventory.yml" --list |
	    jq -r --arg s "$1" '._meta.hostvars | to_entries[] |
	    select(.value.rollcall_segment == $s) | .key'
}

# Two namespaces (dc1, dc2) with a fleet each; PostgreSQL's namespace has
# db.example on its loopback and a veth link into each, its side .254 of
# the datacenter's collector network, the collectors' side .1.
net_up() {
	local seg ns n
	for seg in dc1 dc2; do
		[ "$seg" = dc1 ] && ns=$NS_A || ns=$NS_B
		n=$(seg_hosts "$seg" | wc -l)
		"$FLEET_SH" --dir "$D/fleet-$seg" --netns "$ns" --lifetime 900 \
		    --hosts "$n" --delay 50:200 start >/dev/null ||
		    die "fleet $seg did not start"
	done
	ip netns add "$NS_P" || die "cannot create namespace $NS_P"
	ip -n "$NS_P" link set lo up
	ip -n "$NS_P" addr add "$DB_ADDR/32" dev lo
	for n in 1 2; do
		[ "$n" = 1 ] && ns=$NS_A || ns=$NS_B
		ip -n "$NS_P" link add "p$n" type veth peer name "c$n" netns "$ns"
		ip -n "$NS_P" addr add "10.$n.0.254/24" dev "p$n"
		ip -n "$NS_P" link set "p$n" up
		ip -n "$ns" addr add "10.$n.0.1/24" dev "c$n"
		ip -n "$ns" link set "c$n" up
		ip -n "$ns" route add "$DB_ADDR/32" via "10.$n.0.254"
	done
}

# README step 1 on a fresh PostgreSQL 15: postgresql.conf's listen_addresses,
# the role and database (pg_start made its own: dropped first), pg_hba.conf.
pg_setup() {
	local listen port
	listen=$(block postgresql.conf | sed -n "s/^listen_addresses = '\(.*\)'.*/\1/p")
	port=$(block cluster-a1 | sed -n 's/.*port=\([0-9]*\).*/\1/p')
	{ [ -n "$listen" ] && [ -n "$port" ]; } || die "README: no listen_addresses or port"
	# Its own namespace: the README's port is free there.
	pg_free_port() { echo "$port"; }
	PG_LISTEN="'$listen'" pg_start "$NS_P" || die "PostgreSQL did not start"
	trap demo_cleanup EXIT		# pg_start set its own
	PG_PSQL_DB=postgres pg_psql "DROP DATABASE $PG_DB"
	PG_PSQL_DB=postgres pg_psql "DROP ROLE $PG_USER"
	block pg-create
	(cd "$D" && bash -euo pipefail -c "$(demo_sudo_def)
$(block pg-create)")
	[ "$(stat -c %a "$D/pg.pass")" = 600 ] || die "pg.pass is not 0600"
	block pg_hba.conf | grep -v '^#' >>"$PG_DIR/data/pg_hba.conf"
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
	block postgresql.conf
	block pg_hba.conf
}

# README step 3 for collector $1 (a1|a2|b1) in segment $2: its directory,
# rollcall.yml (common part + its cluster block), inventory, key, password.
node_setup() {
	local nd=$D/collector-$1 f=$D/fleet-$2
	mkdir -m 700 "$nd"
	{ block rollcall.yml; block "cluster-$1"; } | subst "$nd" >"$nd/rollcall.yml"
	cp "$D/inventory.yml" "$nd/inventory.yml"
	install -m 600 "$f/id_ed25519" "$nd/id_ed25519"
	cp "$f/known_hosts" "$nd/known_hosts"
	install -m 600 "$D/pg.pass" "$nd/pg.pass"
	"$ROLLCALL" check-config -c "$nd/rollcall.yml" >/dev/null ||
	    die "collector-$1: check-config failed"
}

# README step 4: the daemon of collector $1 inside namespace $2.
node_start() {
	local nd=$D/collector-$1
	NS[$1]=$2
	ip netns exec "$2" timeout -k 5 900 "$ROLLCALL" daemon -c "$nd/rollcall.yml" \
	    >>"$nd/daemon.log" 2>&1 &
	WRAP[$1]=$!
	PID[$1]=$(wrapped_pid "${WRAP[$1]}") ||
	    die "collector-$1 did not start: $(tail -5 "$nd/daemon.log")"
}

# rollcall as collector $1 runs it: in its namespace, with its config.
rc_on() {
	local n=$1
	shift
	ip netns exec "${NS[$n]}" "$ROLLCALL" "$@" -c "$D/collector-$n/rollcall.yml"
}

# Wait up to $1 seconds for the command to succeed.
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs; i++)); do
		"$@" && return 0
		sleep 1
	done
	die "gave up after ${secs}s waiting for: $what"
}

# status --cluster --json: hosts owned of node $1 (as it last reported).
owned() {
	jq -r --arg n "collector-$1" '.[] | select(.node == $n) |
	    if .alive == "yes" then .hosts_owned else "dead" end' \
	    <<<"$CL" 2>/dev/null || true
}

# The segments are shared as they should be: every collector alive in
# PostgreSQL's view, dc1's hosts split between a1 and a2, dc2's all b1's,
# each having logged its share.
shared() {
	local a1 a2 b1
	CL=$(rc_on a1 status --cluster --json 2>/dev/null) || return 1
	a1=$(owned a1) a2=$(owned a2) b1=$(owned b1)
	[[ $a1$a2$b1 =~ ^[0-9]+$ ]] && [ $((a1 + a2)) = "$N1" ] && [ "$b1" = "$N2" ] &&
	    grep -q 'segment dc1 shared by 2 live' "$D/collector-a1/daemon.log" &&
	    grep -q 'segment dc1 shared by 2 live' "$D/collector-a2/daemon.log" &&
	    grep -q 'segment dc2 shared by 1 live' "$D/collector-b1/daemon.log"
}

# Every host of the inventory has central attempts, all made by collectors
# of its own segment.
central_ok() {
	local h seg bad=0 n
	while read -r h seg; do
		n=$(pg_psql "select count(*) from attempts where host = '$h'")
		[ "$n" -gt 0 ] || { echo "  $h: no central attempt" >&2; bad=1; }
		n=$(pg_psql "select count(*) from attempts where host = '$h' and segment <> '$seg'")
		[ "$n" = 0 ] || { echo "  $h: swept from outside $seg" >&2; bad=1; }
	done < <("$ROLLCALL" inventory -i "$D/inventory.yml" --list |
	    jq -r '._meta.hostvars | to_entries[] | "\(.key) \(.value.rollcall_segment)"')
	return "$bad"
}

# A command as the README shows it, then its output.
show() {
	local n=$1
	shift
	printf '\n$ rollcall %s        # on collector-%s\n' "$*" "$n"
	rc_on "$n" "$@"
}

# After kill -9 of a2: PostgreSQL counts it out and a1 owns all of dc1.
a1_alone() {
	CL=$(rc_on a1 status --cluster --json 2>/dev/null) || return 1
	[ "$(owned a2)" = dead ] && [ "$(owned a1)" = "$N1" ]
}

D=$(mktemp -d /tmp/rcdemo.XXXXXX)
chmod 755 "$D"
step "The substitutions (everything else is README.md's text)"
echo "  db.example -> $DB_ADDR; ansible_host 10.X.1.N -> 127.0.1.N (the simulated fleet);"
echo "  /etc/rollcall/, /var/lib/rollcall/ -> $D/collector-NAME/;"
echo "  ssh.user inventory -> rollcall-test; interval -> $INTERVAL"

step "README step 2: the inventory"
block inventory.yml
block inventory.yml | subst "$D" >"$D/inventory.yml"
N1=$(seg_hosts dc1 | wc -l)
N2=$(seg_hosts dc2 | wc -l)
{ [ "$N1" -gt 0 ] && [ "$N2" -gt 0 ]; } || die "the inventory has no dc1 or dc2 hosts"

step "Two datacenters ($N1 and $N2 simulated hosts) and db.example's links"
net_up

step "README step 1: PostgreSQL 15, role, database, password file, pg_hba.conf"
pg_setup

step "README step 3: the three collectors' configs"
node_setup a1 dc1
node_setup a2 dc1
node_setup b1 dc2
cat "$D/collector-a1/rollcall.yml"

step "README step 4: start the daemons"
node_start a1 "$NS_A"
node_start a2 "$NS_A"
node_start b1 "$NS_B"
wait_for "the segments shared" 180 shared
sleep 2		# the last sweep's attempts shipped
wait_for "every host central, by its own segment" 60 central_ok
echo "  every host swept by a collector of its segment; dc1 split, dc2 on collector-b1"

step "README step 5: what they show"
show a1 status
show a1 status --cluster
show a1 hosts --cluster
if grep -rqF -- "$(cat "$D/pg.pass")" "$D"/collector-*/daemon.log; then
	die "the password is in a daemon log"
fi
echo
echo "  (the password is in no daemon log)"

if [ "${DEMO_KILL:-1}" = 1 ]; then
	step "README step 6: kill -9 collector-a2"
	kill -KILL "${PID[a2]}"
	wait "${WRAP[a2]}" 2>/dev/null || true
	PID[a2]=
	t0=$(date +%s)
	wait_for "collector-a1 owning all of dc1" 180 a1_alone
	echo "  collector-a1 owns all $N1 dc1 hosts $(($(date +%s) - t0))s after the kill"
	show a1 status --cluster
	grep 'shared by 1 live' "$D/collector-a1/daemon.log" | tail -1
fi

step "Done: stopping everything"
