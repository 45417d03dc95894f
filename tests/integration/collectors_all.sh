#!/usr/bin/env bash
# collectors_all: `collectors: all` runs every built-in collector on a real
# sshd fleet: each host's last attempt has one collector_runs row per
# collector named in docs/COLLECTORS.md's table, none of them an error of
# rollcall's own (ok or unsupported on this machine are both honest).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 3 --delay 0:100

# The built-ins, from the documentation's table (| name | ...).
builtins=$(awk -F'|' '/^\| name \| source/ {t=1; next} t && /^\|---/ {next}
    t && /^\|/ {gsub(/ /, "", $2); print $2; next} t {exit}' "$SRC_DIR/docs/COLLECTORS.md" | sort)
n=$(grep -c . <<<"$builtins" || true)
assert_ge "docs/COLLECTORS.md lists the built-ins" 16 "$n"

sed -i 's/^collectors:.*/collectors: all/' "$CONF"
grep -q '^collectors: all$' "$CONF" || t_die "could not set collectors: all in $CONF"
rc_run check-config -c "$CONF"
assert_eq "check-config accepts collectors: all" 0 "$RC"

rc_run collect -c "$CONF"
assert_eq "collect with every collector exits 0" 0 "$RC"
ran=$(sql "SELECT DISTINCT collector FROM collector_runs ORDER BY 1" | sort)
assert_eq "every documented built-in ran" "$builtins" "$ran"
assert_eq "each host ran every collector once" "$((3 * n))" \
    "$(sql 'SELECT count(*) FROM collector_runs')"
assert_eq "no collector failed" "" \
    "$(sql "SELECT collector || '=' || status FROM collector_runs WHERE status NOT IN ('ok', 'unsupported')")"
finish
