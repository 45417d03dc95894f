#!/usr/bin/env bash
# demo.sh: from a fresh clone to a first inventory in one command.
# Installs the dependencies, builds rollcall, starts a simulated fleet of 60
# sshd hosts on loopback (50-500 ms each) plus 2 hosts broken on purpose,
# runs one sweep and prints the inventory table. The fleet is stopped at the
# end; the database stays in .fleet/rollcall.db for the queries it suggests.
#
# Options (environment): DEMO_HOSTS (60), DEMO_BROKEN (refuse,hostkey-changed),
# DEMO_DIR (./.fleet), DEMO_NETNS (rc-demo).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		echo "demo: needs root (packages, network namespace, sshd): re-running with sudo"
		exec sudo --preserve-env=DEMO_HOSTS,DEMO_BROKEN,DEMO_DIR,DEMO_NETNS \
		    -- "$0" "$@"
	fi
	echo "demo: needs root (packages, network namespace, sshd) and sudo is missing: run it as root" >&2
	exit 1
fi

hosts=${DEMO_HOSTS:-60}
broken=${DEMO_BROKEN:-refuse,hostkey-changed}
dir=${DEMO_DIR:-.fleet}
netns=${DEMO_NETNS:-rc-demo}
rollcall=$PWD/build/rollcall

step() {
	printf '\n==> %s\n' "$*"
}

step "Installing dependencies (Debian packages)"
./scripts/deps.sh

step "Building (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2

fleet() {
	./scripts/fleet.sh --dir "$dir" --netns "$netns" "$@"
}

step "Starting a simulated fleet: $hosts hosts, 50-500 ms each, broken on purpose: $broken"
trap 'fleet stop >/dev/null 2>&1 || true' EXIT
fleet --hosts "$hosts" --delay 50:500 --broken "$broken" start
dir=$(cd "$dir" && pwd)
conf=$dir/rollcall.yml

step "One sweep: rollcall collect -c $conf"
set +e
fleet exec -- "$rollcall" collect -c "$conf"
rc=$?
set -e
case $rc in
0) ;;
1) echo "(exit 1: some hosts failed, as intended for: $broken)" ;;
*) echo "demo: rollcall collect failed with exit $rc" >&2; exit "$rc" ;;
esac

step "The inventory: rollcall hosts -c $conf"
"$rollcall" hosts -c "$conf"

ok=$("$rollcall" hosts -c "$conf" --json | jq '[.[] | select(.status == "ok")] | length')
if [ "$ok" != "$hosts" ]; then
	echo "demo: only $ok of $hosts healthy hosts are ok" >&2
	exit 1
fi

r="./build/rollcall"
cat <<EOF

==> Done: $ok of $hosts healthy hosts ok. The database stays in $dir/rollcall.db.
Try next (reading the database needs no fleet):
  $r hosts -c $conf --json
  $r show -c $conf web001
  $r query -c $conf "select value as kernel, count(*) as hosts from host_facts where key = 'kernel.release' group by value"
  $r query -c $conf "select name, status, error from host_status where status != 'ok'"
  $r query -c $conf --csv "select host, value from host_facts where key = 'memory.total_bytes' order by host"
Sweep again (the fleet must run, inside its namespace):
  ./scripts/fleet.sh --dir $dir --netns $netns --hosts $hosts --broken $broken start
  ./scripts/fleet.sh --dir $dir exec -- $r collect -c $conf
  ./scripts/fleet.sh --dir $dir stop
EOF
