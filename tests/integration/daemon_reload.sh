#!/usr/bin/env bash
# daemon_reload: SIGHUP with a broken config logs every error (file:line:col)
# and keeps the running config (sweeps go on); SIGHUP with a good config
# that adds a host applies it: the new host is swept and shows up in
# `rollcall hosts`. A changed `workers` is reported as needing a restart.
# rollcall_config_last_reload_successful says 0 after the broken reload and
# 1 after the good one, whose time is then the success timestamp. While the
# file is broken, status and hosts (which need only the database and socket
# paths) still work.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/daemon-lib.bash"

fleet_start --hosts 6 --delay 50:300
conf_add <<'YML'
interval: 4s
jitter: 0
metrics_listen: 127.0.0.1:19465
YML
inv=$FLEET_DIR/inventory.yml
cp "$inv" "$T_DIR/inventory.full"
cp "$CONF" "$T_DIR/rollcall.good"
# Start without db001 (two lines: its name and its address).
sed -i '/^ *db001:$/,+1d' "$inv"
grep -q db001 "$inv" && t_die "could not drop db001 from the inventory"

sweeps() { log_count 'sweep [0-9]+: [0-9]+ hosts in'; }
# metric NAME: its value on /metrics
metric() {
	ip netns exec "$NETNS" curl -sf --max-time 5 http://127.0.0.1:19465/metrics |
	    awk -v n="$1" '$1 == n {print $2}'
}

daemon_start
wait_for "first sweep done" 30 log_has 'sweep 1: 5 hosts in .*: 5 ok'

# ---- broken config: errors logged, old config kept, sweeps go on
cat >>"$CONF" <<'YML'
concurrency: lots
ssh:
  connect_timeout: 10 parsecs
YML
kill -HUP "$DPID"
wait_for "broken reload is refused" 10 log_has 'reload: keeping the running configuration'
assert_eq "the errors are counted" 1 "$(log_count ': [0-9]+ errors? in .*rollcall\.yml$')"
assert_ge "each error logged with file:line:column" 2 \
    "$(log_count 'rollcall\.yml:[0-9]+:[0-9]+: ')"
n=$(sweeps)
wait_for "sweeps go on after the broken reload" 20 \
    bash -c "[ \$(grep -Ec 'sweep [0-9]+: [0-9]+ hosts in' '$DLOG') -gt $n ]"
assert_eq "daemon still running" 1 "$(kill -0 "$DPID" 2>/dev/null && echo 1 || echo 0)"
assert_eq "metrics: last reload failed" 0 "$(metric rollcall_config_last_reload_successful)"
# The file is wrong in keys that status and the read commands do not need:
# they go on working; check-config still reports the mistakes.
rc_run status -c "$CONF"
assert_eq "status works with an unrelated key wrong in the file" 0 "$RC"
rc_run hosts -c "$CONF"
assert_eq "hosts works with an unrelated key wrong in the file" 0 "$RC"
assert_match "hosts lists the hosts" 'web001' "$OUT"
rc_run check-config -c "$CONF"
assert_eq "check-config still reports the broken file" 2 "$RC"
assert_match "check-config names the wrong key" 'rollcall\.yml:[0-9]+:[0-9]+: .*concurrency' "$ERR"
first_ok=$(metric rollcall_config_last_reload_success_timestamp_seconds)
assert_nonempty "metrics: the start's load is a success time" "$first_ok"
sleep 1.1

# ---- good config with a new host (and workers changed)
cp "$T_DIR/rollcall.good" "$CONF"
echo "workers: 3" >>"$CONF"
cp "$T_DIR/inventory.full" "$inv"
kill -HUP "$DPID"
wait_for "good reload applied (6 hosts)" 15 log_has 'configuration .* in use: 6 hosts'
assert_eq "metrics: last reload succeeded" 1 "$(metric rollcall_config_last_reload_successful)"
assert_ge "metrics: success time moved to the reload" "$((first_ok + 1))" \
    "$(metric rollcall_config_last_reload_success_timestamp_seconds)"
assert_match "workers change needs a restart" "'workers'.*restart" "$(cat "$DLOG")"
wait_for "a sweep covers the new host" 20 log_has 'sweep [0-9]+: 6 hosts in .*: 6 ok'
wait_for "db001 appears in rollcall hosts, ok" 10 bash -c \
    "ip netns exec '$NETNS' '$ROLLCALL' hosts -c '$CONF' --json | jq -e '.[] | select(.name == \"db001\" and .status == \"ok\")'"

daemon_term
assert_eq "daemon exits 0 on SIGTERM" 0 "$DRC"
finish
