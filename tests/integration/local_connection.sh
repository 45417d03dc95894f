#!/usr/bin/env bash
# local_connection: `ansible_connection: local` runs the collectors on the
# collector's own machine, without SSH, beside SSH hosts of a real fleet in
# one sweep. The local host's facts are this machine's (kernel release,
# node name), its commands run as rollcall's own user (root here) while
# the SSH hosts' run as the fleet's login user; a local collector that
# hangs gets its timeout status and its process is killed (no leftover
# sleep), in the combined script and per collector; winrm stays
# unsupported_connection; check-config no longer lists the local host.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 3 --delay 50:200

# A sleep no other test (or engineer) runs, to find leftovers by.
NAP="sleep 100.$$"
login_user=$(awk '$1 == "user:" { print $2; exit }' "$CONF")

cat >"$FLEET_DIR/local.yml" <<'EOF'
all:
  children:
    locals:
      hosts:
        self:
          ansible_connection: local
          ansible_host: 192.0.2.1   # not used: nothing is contacted
    slowlocal:
      hosts:
        napper:
          ansible_connection: ansible.builtin.local
    windows:
      hosts:
        win1:
          ansible_connection: winrm
EOF
sed -i -e 's/^  - inventory.yml$/  - inventory.yml\n  - local.yml/' \
    -e 's/^collectors: .*/collectors: [os, kernel, cpu, memory, uptime, hostname]/' "$CONF"
cat >>"$CONF" <<EOF
custom_collectors:
  - name: nap
    command: "$NAP"
    parse: raw
    timeout: 2s
    groups: [slowlocal]
  - name: runas
    command: "id -un"
    parse: raw
EOF
grep -q '^  - local.yml$' "$CONF" || t_die "could not add local.yml to $CONF"

# leftover: processes still running the hung collector's sleep.
leftover() {
	pgrep -f "^$NAP\$" | tr '\n' ' ' || true
}

# ---- one sweep: SSH hosts and local hosts together
rc_run collect -c "$CONF"
assert_eq "collect exits 1 (napper times out, win1 unsupported)" 1 "$RC"
assert_eq "no hung local collector left running after collect" "" "$(leftover)"

rc_run hosts -c "$CONF" --json
hosts_json=$OUT
status_of() {
	jq -r --arg n "$1" '.[] | select(.name == $n) | .status' <<<"$hosts_json"
}
assert_eq "self (local) is ok" ok "$(status_of self)"
assert_eq "napper (local, hung collector) is command_timeout" command_timeout "$(status_of napper)"
assert_eq "win1 (winrm) stays unsupported_connection" unsupported_connection "$(status_of win1)"
ssh_hosts=$(jq -r '.[] | select(.name | test("^(web|db)[0-9]+$")) | .name' <<<"$hosts_json")
assert_eq "three SSH hosts listed" 3 "$(grep -c . <<<"$ssh_hosts" || true)"
assert_eq "every SSH host is ok in the same sweep" "" \
    "$(jq -r '.[] | select(.name | test("^(web|db)[0-9]+$")) | select(.status != "ok") | .name' <<<"$hosts_json")"

# ---- the local host's facts are this machine's, gathered as rollcall's user
rc_run show -c "$CONF" --json self
assert_eq "show self exits 0" 0 "$RC"
fact() { jq -r --arg k "$1" '.facts[$k] // empty' <<<"$OUT"; }
assert_eq "self: kernel.release = uname -r" "$(uname -r)" "$(fact kernel.release)"
assert_eq "self: hostname.nodename = uname -n" "$(uname -n)" "$(fact hostname.nodename)"
assert_eq "self: os.id from /etc/os-release" "$(. /etc/os-release && echo "$ID")" "$(fact os.id)"
assert_eq "self: cpu.count = nproc --all" "$(nproc --all)" "$(fact cpu.count)"
assert_eq "self: commands ran as rollcall's own user" "$(id -un)" "$(fact custom.runas.value)"
not_ok=$(sql "SELECT c.collector || '=' || c.status FROM collector_runs c
    JOIN attempts a ON a.id = c.attempt_id JOIN hosts h ON h.id = a.host_id
    WHERE h.name = 'self' AND c.status != 'ok'")
assert_eq "self: every collector ok" "" "$not_ok"
assert_eq "self: 7 collectors ran" 7 "$(sql "SELECT count(*) FROM collector_runs c
    JOIN attempts a ON a.id = c.attempt_id JOIN hosts h ON h.id = a.host_id
    WHERE h.name = 'self'")"

first_ssh=$(head -n 1 <<<"$ssh_hosts")
rc_run show -c "$CONF" --json "$first_ssh"
assert_eq "$first_ssh (SSH): commands ran as the login user $login_user" \
    "$login_user" "$(jq -r '.facts["custom.runas.value"] // empty' <<<"$OUT")"

# ---- the hung local collector: timeout status, the others kept
coll() {
	sql "SELECT c.status FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	    JOIN hosts h ON h.id = a.host_id WHERE h.name = '$1' AND c.collector = '$2'
	    ORDER BY a.id DESC LIMIT 1"
}
assert_eq "napper: custom.nap is timeout" timeout "$(coll napper custom.nap)"
assert_eq "napper: kernel (before it) is ok" ok "$(coll napper kernel)"
err=$(jq -r '.[] | select(.name == "napper") | .error // ""' <<<"$hosts_json")
assert_match "napper's error names the collector" 'custom\.nap' "$err"

# ---- per-collector units: each local command its own process
sed 's/^collectors: .*/collectors: [kernel, hostname]\nchannel_mode: per-collector/' \
    "$CONF" >"$FLEET_DIR/per.yml"
rc_run collect -c "$FLEET_DIR/per.yml" --limit 'self:napper'
assert_eq "per-collector collect exits 1 (napper)" 1 "$RC"
assert_eq "per-collector: no hung local collector left running" "" "$(leftover)"
assert_eq "per-collector: self ok" ok "$(sql "SELECT status FROM host_status WHERE name = 'self'")"
assert_eq "per-collector: napper command_timeout" command_timeout \
    "$(sql "SELECT status FROM host_status WHERE name = 'napper'")"
assert_eq "per-collector: napper's custom.nap is timeout" timeout "$(coll napper custom.nap)"
assert_eq "per-collector: napper's custom.runas ran after it" ok "$(coll napper custom.runas)"

# ---- check-config: the local hosts are fine, winrm is listed
rc_run check-config -c "$CONF"
assert_eq "check-config exits 1 (win1)" 1 "$RC"
assert_match "check-config lists win1 as unsupported_connection" 'host win1: unsupported_connection' "$ERR"
assert_eq "check-config does not list the local hosts" "" \
    "$(grep -E '^host (self|napper):' <<<"$ERR" || true)"

finish
