#!/usr/bin/env bash
# changes: history grows with change, not with sweeps, on a real sshd fleet.
# Every host gets a stand-in dpkg-query (hostbin) so the package list is
# ours, not the build machine's; web002 also gets stand-in OpenRC tools
# (rc-status, rc-update) for its services. Sweep 1 records everything as
# each host's baseline (one first_seen row per host, no other history);
# then on web002 openssl is upgraded, curl removed, htop installed and
# nginx stopped; sweep 2: `changes --json` shows exactly that for web002
# and nothing for anyone else; sweep 3 with nothing changed adds no row to
# fact_history or item_history, although uptime, load, free memory and
# the clock moved (volatile facts). Then hosts --where, packages
# --version, history, and the CLI's usage errors and parameter binding.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 5 --delay 0:100

T=web002
T_ADDR=$(awk -v h="  $T:" '$0 ~ h"$" { getline; print $2 }' "$FLEET_DIR/inventory.yml")
[ -n "$T_ADDR" ] || t_die "no address for $T in the inventory"
ALL_ADDRS=$(awk '/ansible_host:/ { print $2 }' "$FLEET_DIR/inventory.yml")

# Our own config: the fleet's, with the collectors under test.
RCONF=$FLEET_DIR/changes.yml	# next to inventory.yml, which it names
sed 's/^collectors:.*/collectors: [os, kernel, hostname, memory, uptime, time, packages, services]/' \
    "$CONF" >"$RCONF"
grep -q '^collectors: \[os, kernel, hostname' "$RCONF" || t_die "could not set collectors in $RCONF"

# stand_in ADDR NAME: an executable that prints NAME.out next to it.
stand_in() {
	local d=$FLEET_DIR/hostbin/$1
	mkdir -p "$d"
	printf '#!/bin/sh\nexec cat "${0%%/*}/%s.out"\n' "$2" >"$d/$2"
	chmod 755 "$d" "$d/$2"
}

# packages ADDR LINES...: what that host's dpkg-query prints.
packages() {
	local a=$1
	shift
	printf '%s\n' "$@" | tr '|' '\t' >"$FLEET_DIR/hostbin/$a/dpkg-query.out"
	chmod 644 "$FLEET_DIR/hostbin/$a/dpkg-query.out"
}

BASE=("libc6|2.36-9+deb12u4|amd64|ii " "vim|2:9.0.1378-2|amd64|ii "
    "rc-old|1.0-1|amd64|rc ")
for a in $ALL_ADDRS; do
	stand_in "$a" dpkg-query
	packages "$a" "${BASE[@]}" "openssl|3.0.11-1~deb12u2|amd64|ii " \
	    "curl|7.88.1-10+deb12u4|amd64|ii "
done
stand_in "$T_ADDR" rc-status
stand_in "$T_ADDR" rc-update
services() { # nginx state
	printf ' sshd [ started ]\n crond [ started ]\n nginx [ %s ]\n' "$1" \
	    >"$FLEET_DIR/hostbin/$T_ADDR/rc-status.out"
	printf ' sshd | default\n crond | default\n nginx | default\n' \
	    >"$FLEET_DIR/hostbin/$T_ADDR/rc-update.out"
	chmod 644 "$FLEET_DIR/hostbin/$T_ADDR"/*.out
}
services started

counts() {
	sql "SELECT (SELECT count(*) FROM fact_history) || ' ' || (SELECT count(*) FROM item_history)"
}

# ---- sweep 1: everything is new
rc_run collect -c "$RCONF"
assert_eq "sweep 1 exits 0" 0 "$RC"
assert_eq "web002's services ran ok (stand-in OpenRC)" ok \
    "$(sql "SELECT c.status FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id JOIN hosts h ON h.id = a.host_id WHERE h.name = '$T' AND c.collector = 'services'")"
assert_eq "every host has 4 packages (stand-in dpkg-query)" "5" \
    "$(sql "SELECT count(*) FROM (SELECT host FROM host_packages GROUP BY host HAVING count(*) = 4)")"
assert_eq "volatile facts are stored" 5 \
    "$(sql "SELECT count(*) FROM host_facts WHERE key = 'uptime.seconds'")"
assert_eq "volatile facts have no history" 0 \
    "$(sql "SELECT count(*) FROM fact_history WHERE key IN ('uptime.seconds','uptime.load1','memory.available_bytes','time.epoch')")"
assert_eq "first sight is a baseline: no fact history, one first_seen row per host" "0 5 5" \
    "$(sql "SELECT (SELECT count(*) FROM fact_history) || ' ' || (SELECT count(*) FROM item_history) || ' ' || (SELECT count(DISTINCT host) FROM changes WHERE change = 'first_seen')")"
assert_eq "... saying what the host had" "facts=" \
    "$(sql "SELECT substr(new_value, 1, 6) FROM changes WHERE host = '$T'")"
after1=$(counts)

# ---- change web002: openssl upgraded, curl removed, htop installed,
# nginx stopped
packages "$T_ADDR" "${BASE[@]}" "openssl|3.0.13-1~deb12u1|amd64|ii " \
    "htop|3.2.2-2|amd64|ii "
services stopped
sleep 1		# changed_at has one-second resolution

# same_answers: "host collector" per output the host did not send again
# (its digest was the stored one), from the last command's debug log.
same_answers() {
	sed -n 's/.* rollcall: \([^:]*\): \([a-z_]*\): unchanged on the host.*/\1 \2/p' <<<"$ERR" | sort | tr '\n' ' '
}

# ---- sweep 2
rc_run collect -v -c "$RCONF"
assert_eq "sweep 2 exits 0" 0 "$RC"
assert_eq "sweep 2: the hosts whose packages did not change answered \"same\"; web002 sent its changed packages and services" \
    "db001 packages web001 packages web003 packages web004 packages " "$(same_answers)"
S2=$(sql "SELECT max(id) FROM sweeps")
rc_run changes -c "$RCONF" --json
assert_eq "changes --json exits 0" 0 "$RC"
changes_json=$OUT
jq -e 'type == "array"' >/dev/null 2>&1 <<<"$changes_json" || {
	t_fail "changes --json is a JSON array" "got: ${changes_json:0:300}"
	changes_json='[]'
}
got=$(jq -r --argjson s "$S2" '[.[] | select(.sweep_id == $s)] | sort_by(.key)
    | .[] | "\(.host) \(.key) \(.change) \(.old_value) -> \(.new_value)"' <<<"$changes_json")
want="$T package:curl removed 7.88.1-10+deb12u4 -> null
$T package:htop installed null -> 3.2.2-2
$T package:openssl upgraded 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1
$T service:nginx changed load=loaded active=active sub=started enabled=enabled -> load=loaded active=inactive sub=stopped enabled=enabled
$T services.running changed 3 -> 2"
assert_eq "changes of sweep 2: exactly web002's" "$want" "$got"
echo "--- rollcall changes --json (sweep $S2 rows):"
jq --argjson s "$S2" '[.[] | select(.sweep_id == $s)]' <<<"$changes_json"
assert_eq "changes lists sweep 1 too (default --since 24h): the 5 first_seen rows" "5 first_seen" \
    "$(jq -r --argjson s "$S2" '[.[] | select(.sweep_id < $s)] | "\(length) \([.[].change] | unique | join(","))"' <<<"$changes_json")"
assert_eq "changes: newest first" "$S2" "$(jq '.[0].sweep_id' <<<"$changes_json")"
rc_run changes -c "$RCONF" --group db --key host: --csv
assert_eq "changes --group db --key host: exits 0 (sweep 1 first_seen)" 0 "$RC"
assert_eq "... and names only db hosts" "" "$(tail -n +2 <<<"$OUT" | cut -d, -f2 | grep -v '^db' || true)"
rc_run changes -c "$RCONF" --group db --key package:
assert_eq "changes --group db --key package: nothing (sweep 1 was a baseline)" 1 "$RC"
rc_run changes -c "$RCONF" --since 1s --key nothing.
assert_eq "changes with nothing found exits 1" 1 "$RC"
after2=$(counts)

# ---- sweep 3: nothing changed, uptime and clocks moved
sleep 1
rc_run collect -v -c "$RCONF"
assert_eq "sweep 3 exits 0" 0 "$RC"
assert_eq "sweep 3: every host answered \"same\" for its packages, web002 for its services too" \
    "db001 packages web001 packages web002 packages web002 services web003 packages web004 packages " "$(same_answers)"
assert_eq "sweep 3 adds no history rows (fact_history item_history)" "$after2" "$(counts)"
assert_eq "... and no row carries its sweep id" 0 \
    "$(sql "SELECT (SELECT count(*) FROM fact_history WHERE sweep_id = (SELECT max(id) FROM sweeps)) + (SELECT count(*) FROM item_history WHERE sweep_id = (SELECT max(id) FROM sweeps))")"
assert_eq "volatile facts still update (uptime.seconds rows dated by sweep 3)" 5 \
    "$(sql "SELECT count(*) FROM facts f WHERE key = 'time.epoch' AND updated_at >= (SELECT started_at FROM sweeps WHERE id = (SELECT max(id) FROM sweeps))")"
echo "history rows: after sweep 1: $after1, sweep 2: $after2, sweep 3: $(counts)"

# ---- hosts --where
os_id=$(. /etc/os-release && echo "$ID")
rc_run hosts -c "$RCONF" --json --where "os.id=$os_id" --where 'memory.total_bytes>64M'
assert_eq "hosts --where os.id --where memory>64M exits 0" 0 "$RC"
assert_eq "... lists all 5" 5 "$(jq length <<<"$OUT")"
rc_run hosts -c "$RCONF" --json --where "os.id=$os_id" --group db
assert_eq "hosts --where --group db: db001 only" db001 "$(jq -r '.[].name' <<<"$OUT")"
rc_run hosts -c "$RCONF" --where 'memory.total_bytes>1000T'
assert_eq "hosts --where with no match exits 1" 1 "$RC"
rc_run hosts -c "$RCONF" --json --where 'services.running<=2'
assert_eq "hosts --where services.running<=2: web002" "$T" "$(jq -r '.[].name' <<<"$OUT")"
rc_run hosts -c "$RCONF" --csv --where 'kernel.release~*'
assert_eq "hosts --where glob, CSV: header + 5" 6 "$(grep -c . <<<"$OUT")"
rc_run hosts -c "$RCONF" --where "os.id=x' OR '1'='1"
assert_eq "hosts --where value is a parameter, not SQL" 1 "$RC"
rc_run hosts -c "$RCONF" --where 'os.id debian'
assert_eq "hosts --where without operator: usage, exit 2" 2 "$RC"

# ---- packages
rc_run packages -c "$RCONF" --json openssl --version '<3.0.13'
assert_eq "packages openssl --version '<3.0.13' exits 0" 0 "$RC"
assert_eq "... the 4 hosts still on 3.0.11" "db001 web001 web003 web004" \
    "$(jq -r '[.[].host] | join(" ")' <<<"$OUT")"
assert_eq "... with version, arch, manager" "3.0.11-1~deb12u2 amd64 dpkg" \
    "$(jq -r '.[0] | "\(.version) \(.arch) \(.manager)"' <<<"$OUT")"
rc_run packages -c "$RCONF" --json openssl --version '>=3.0.13~'
assert_eq "packages --version '>=3.0.13~': web002" "$T" "$(jq -r '.[].host' <<<"$OUT")"
rc_run packages -c "$RCONF" --json 'lib*' --group db
assert_eq "packages glob --group db" "db001 libc6" "$(jq -r '.[] | "\(.host) \(.name)"' <<<"$OUT")"
rc_run packages -c "$RCONF" rc-old
assert_eq "a removed-config (rc) package is not installed: exit 1" 1 "$RC"
rc_run packages -c "$RCONF" "x' OR '1'='1"
assert_eq "packages NAME is a parameter, not SQL" 1 "$RC"
rc_run packages -c "$RCONF"
assert_eq "packages without NAME: exit 2" 2 "$RC"

# ---- history
rc_run history -c "$RCONF" --json "$T" --key package:
assert_eq "history web002 --key package: exits 0" 0 "$RC"
assert_eq "... newest first: sweep 2's three, nothing from the baseline" \
    "$S2 $S2 $S2" "$(jq -r '[.[].sweep_id] | join(" ")' <<<"$OUT")"
rc_run history -c "$RCONF" --json "$T" --baseline
assert_eq "history --baseline exits 0" 0 "$RC"
assert_eq "... web002's packages as first seen, versions before sweep 2" \
    "curl 7.88.1-10+deb12u4 libc6 2.36-9+deb12u4 openssl 3.0.11-1~deb12u2 vim 2:9.0.1378-2" \
    "$(jq -r '[.[] | select(.key | startswith("package:")) | "\(.key | ltrimstr("package:")) \(.new_value)"] | join(" ")' <<<"$OUT")"
assert_eq "... nginx as it was: started" "load=loaded active=active sub=started enabled=enabled" \
    "$(jq -r '.[] | select(.key == "service:nginx") | .new_value' <<<"$OUT")"
assert_eq "... every row a baseline" "baseline" "$(jq -r '[.[].change] | unique | join(",")' <<<"$OUT")"
rc_run history -c "$RCONF" "$T" --since 1h
assert_eq "history (table) exits 0" 0 "$RC"
assert_match "history table shows old and new" '3\.0\.11-1~deb12u2 +3\.0\.13-1~deb12u1' "$OUT"
rc_run history -c "$RCONF" nosuchhost
assert_eq "history of an unknown host exits 1" 1 "$RC"
assert_match "... saying so" "no host named 'nosuchhost'" "$ERR"
rc_run history -c "$RCONF" "$T" --since forever
assert_eq "history --since garbage: exit 2" 2 "$RC"
rc_run history --help
assert_eq "history --help exits 0" 0 "$RC"

finish
