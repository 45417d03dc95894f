#!/usr/bin/env bash
# daemon_sigterm: SIGTERM in the middle of a sweep (concurrency 4, slow
# hosts, one hanging host): no more hosts start, in-flight hosts get the
# 10 s grace, the hanging one is aborted after it, the daemon exits 0 well
# within TimeoutStopSec (30 s), every host that finished is in the
# database and PRAGMA integrity_check is ok.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

fleet_start --hosts 12 --delay 1500:4000 --broken hang --concurrency 4 \
    --command-timeout 60s --host-timeout 120s
conf_add <<'YML'
interval: 1h
YML

in_progress() {
	ip netns exec "$NETNS" "$ROLLCALL" status -c "$CONF" --json |
	    jq -e '.sweep.running and .sweep.done >= 3 and .sweep.done < 10'
}

daemon_start
wait_for "sweep under way: 3+ hosts done" 40 in_progress
daemon_term
assert_eq "exit status 0 after SIGTERM mid-sweep" 0 "$DRC"
assert_ge "exits within 25 s (grace 10 s, TimeoutStopSec 30 s)" "$DSECS" 25
assert_match "shutdown logged" 'signal 15: stopping' "$(cat "$DLOG")"
assert_match "the hanging host was aborted after the grace" \
    'grace period of 10s over: aborting [1-9]' "$(cat "$DLOG")"

summary=$(grep -E 'sweep 1: 13 hosts in' "$DLOG" || true)
assert_nonempty "sweep summary logged" "$summary"
skipped=$(sed -nE 's/.*interrupted: ([0-9]+) not started, ([0-9]+) aborted.*/\1/p' <<<"$summary")
aborted=$(sed -nE 's/.*interrupted: ([0-9]+) not started, ([0-9]+) aborted.*/\2/p' <<<"$summary")
assert_ge "some hosts never started" 1 "${skipped:-0}"
finished=$((13 - ${skipped:-0} - ${aborted:-0}))
assert_eq "database holds every finished host" "$finished" \
    "$(sql 'SELECT count(*) FROM attempts WHERE sweep_id = 1')"
assert_eq "every stored attempt is complete" 0 \
    "$(sql "SELECT count(*) FROM attempts WHERE ended_us < started_us")"
assert_eq "the sweep row is closed" 1 \
    "$(sql 'SELECT count(*) FROM sweeps WHERE id = 1 AND ended_at IS NOT NULL')"
assert_eq "PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"
assert_eq "control socket removed" no "$( [ -e "$FLEET_DIR/control.sock" ] && echo yes || echo no)"
finish
