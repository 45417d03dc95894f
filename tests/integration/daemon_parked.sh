#!/usr/bin/env bash
# daemon_parked: a host whose key changed (hostkey_mismatch) is not retried
# while known_hosts stays as it is, although other failed hosts are retried
# on their backoff; once known_hosts changes (the key is fixed), the daemon
# notices (mtime check, every 30 s) and retries the host, which then
# succeeds. The daemon keeps running throughout. Meanwhile `status` shows
# the next regular sweep (1 h on), not the 30 s known_hosts check timer,
# and it stays put across the retries.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

fleet_start --hosts 2 --delay 50:100 --broken hostkey-changed,refuse
conf_add <<'YML'
interval: 1h
jitter: 0
retry:
  attempts: 3
  backoff: 1s
YML

attempts() {
	sql "SELECT count(*) FROM attempts a JOIN hosts h ON h.id = a.host_id
	    WHERE h.name = '$1'"
}
status() { sql "SELECT status FROM host_status WHERE name = '$1'"; }
ge() { [ "$(attempts "$1")" -ge "$2" ]; }
is_ok() { [ "$(status "$1")" = ok ]; }

daemon_start
wait_for "first sweep done" 30 log_has 'sweep 1: 4 hosts in'
assert_eq "hostkey-changed01 is hostkey_mismatch" hostkey_mismatch "$(status hostkey-changed01)"
assert_match "the mismatch is logged loudly" 'HOST KEY CHANGED' "$(cat "$DLOG")"

# refuse01 fails too and is retried at 1 s, 2 s, 4 s: after its three
# retries the parked host must still have its single attempt.
wait_for "refuse01 retried three times (backoff 1s, doubling)" 30 ge refuse01 4
assert_eq "hostkey-changed01 not retried while known_hosts is unchanged" 1 \
    "$(attempts hostkey-changed01)"

# next_sweep: FIELD of status --json's next_sweep
next_sweep() {
	in_fleet "$ROLLCALL" status -c "$CONF" --json | jq -r ".next_sweep.$1"
}
assert_ge "parked: next sweep is the regular one, about 1h on" 3000 "$(next_sweep in_seconds)"
at_before=$(date -d "$(next_sweep at)" +%s)

# Fix the key: the host's line gets the server's real key.
caddr=$(addr_of hostkey-changed01)
good=$(cut -d' ' -f1,2 "$FLEET_DIR/ssh_host_ed25519_key.pub")
sed -i "s|^$caddr .*|$caddr $good|" "$FLEET_DIR/known_hosts"
grep -q "^$caddr $good\$" "$FLEET_DIR/known_hosts" || t_die "could not fix known_hosts"
wait_for "known_hosts change noticed and the host retried" 45 \
    log_has 'changed: retrying 1 host with a changed host key'
wait_for "hostkey-changed01 ok after the fix" 20 is_ok hostkey-changed01
assert_eq "hostkey-changed01: exactly one retry after the fix" 2 "$(attempts hostkey-changed01)"
assert_eq "daemon still running" 1 "$(kill -0 "$DPID" 2>/dev/null && echo 1 || echo 0)"
at_after=$(date -d "$(next_sweep at)" +%s)
assert_ge "next regular sweep did not move with the retries (after >= before - 1)" \
    "$((at_before - 1))" "$at_after"
assert_ge "next regular sweep did not move with the retries (before >= after - 1)" \
    "$((at_after - 1))" "$at_before"

daemon_term
assert_eq "daemon exits 0 on SIGTERM" 0 "$DRC"
finish
