#!/usr/bin/env bash
# cli_output: the read commands as ops people use them, on a swept fleet.
# Unknown groups, fact keys and collectors are said on stderr (exit 1);
# --group twice is the union; --where sizes and type errors; tables have
# one header style, no padding past the longest value and no trailing
# blanks, are cut with "…" to the terminal on a TTY (a pseudo-terminal
# from script(1)) but never when piped, and --wide, --no-headers, --sort,
# -o table|wide|json|csv; an empty table is "No hosts found" on stderr;
# query --tables / --schema, and one read-only message for every write;
# JSON facts typed by key; host_collectors = show per collector.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 5 --delay 0:100 --broken refuse
# time and disks for typed JSON (booleans), a custom collector that fails
# and one whose keys are not in the type table.
sed -i 's/^collectors: .*/collectors: [os, kernel, cpu, memory, uptime, time, disks]/' "$CONF"
cat >>"$CONF" <<'EOF2'
custom_collectors:
  - name: broken
    command: "echo half; exit 3"
    parse: raw
  - name: app
    command: "echo count=5"
    parse: kv
EOF2
rc_run collect -c "$CONF"
assert_eq "collect: one host refuses" 1 "$RC"

# ---- names that do not exist, and the union of groups
rc_run hosts -c "$CONF" --group nosuch
assert_eq "--group nosuch exits 1" 1 "$RC"
assert_match "--group nosuch is said" "no group 'nosuch'" "$ERR"
assert_eq "--group nosuch prints no table" "" "$OUT"
rc_run hosts -c "$CONF" --group web -o json
assert_eq "--group web: 4 hosts" 4 "$(jq length <<<"$OUT")"
rc_run hosts -c "$CONF" --group web --group db -o json
assert_eq "--group web --group db: the union, 5 hosts" 5 "$(jq length <<<"$OUT")"
rc_run hosts -c "$CONF" --where 'os.idd=x'
assert_eq "--where on an unknown key exits 1" 1 "$RC"
assert_match "--where unknown key is said" "no fact 'os.idd' on any host" "$ERR"
rc_run show -c "$CONF" web001 --collector nosuch
assert_eq "show --collector nosuch exits 1" 1 "$RC"
assert_match "show --collector nosuch is said" "no collector 'nosuch'" "$ERR"
rc_run show -c "$CONF" web001 --collector os
assert_eq "show --collector os exits 0" 0 "$RC"

# ---- show HOST: each collector's outcome, sizes next to raw bytes
rc_run show -c "$CONF" web001
assert_match "show lists each collector's status" 'COLLECTOR +STATUS +TOOK +OUTPUT' "$OUT"
assert_match "show: os ok with its output size (TOOK '-': one combined channel)" 'os +ok +- +[0-9.]+ (B|KiB)' "$OUT"
assert_match "show: memory.total_bytes with GiB/MiB beside" 'memory\.total_bytes +[0-9]+ \([0-9.]+ (MiB|GiB)\)' "$OUT"
assert_match "show: a failed collector with its exit code" 'custom\.broken +failed \(exit 3\)' "$OUT"
rc_run show -c "$CONF" web001 --json
assert_eq "show --json: one entry per collector" 9 "$(jq '.collectors | length' <<<"$OUT")"
assert_eq "show --json: exit_code is a number" number "$(jq -r '.collectors[0].exit_code | type' <<<"$OUT")"

# ---- JSON facts typed by key (collectors/facttypes.c, docs/COLLECTORS.md)
assert_eq "show --json: memory.total_bytes is a number" number \
    "$(jq -r '.facts["memory.total_bytes"] | type' <<<"$OUT")"
assert_eq "show --json: the number is the stored bytes" \
    "$(sql "SELECT value FROM host_facts WHERE host='web001' AND key='memory.total_bytes'")" \
    "$(jq -r '.facts["memory.total_bytes"]' <<<"$OUT")"
assert_eq "show --json: cpu.count, uptime.load1 are numbers" "number number" \
    "$(jq -r '[.facts["cpu.count"], .facts["uptime.load1"]] | map(type) | join(" ")' <<<"$OUT")"
assert_eq "show --json: os.version_id stays a string" string \
    "$(jq -r '.facts["os.version_id"] | type' <<<"$OUT")"
assert_eq "show --json: a custom key stays a string" '"5"' \
    "$(jq -c '.facts["custom.app.count"]' <<<"$OUT")"
rot=$(jq -r '[.facts | to_entries[] | select(.key | endswith(".rotational")) | .value | type] | unique | join(" ")' <<<"$OUT")
assert_eq "show --json: disks.*.rotational is a boolean" boolean "$rot"
assert_eq "show --json: the boolean is what was stored (yes -> true)" \
    "$(sql "SELECT group_concat(CASE value WHEN 'yes' THEN 'true' ELSE 'false' END, ' ') FROM (SELECT value FROM host_facts WHERE host='web001' AND key LIKE 'disks.%.rotational' ORDER BY key)")" \
    "$(jq -r '[.facts | to_entries[] | select(.key | endswith(".rotational")) | .value] | map(tostring) | join(" ")' <<<"$OUT")"
assert_match "show --json: time.ntp_synchronized is true, false or null" '^(boolean|null)$' \
    "$(jq -r '.facts["time.ntp_synchronized"] | type' <<<"$OUT")"
rc_run query -c "$CONF" --json "SELECT host, key, value FROM host_facts WHERE key IN ('memory.total_bytes', 'os.id', 'custom.app.count') AND host = 'web001' ORDER BY key"
assert_eq "query --json: a fact value typed by its key" "string number string" \
    "$(jq -r 'map(.value | type) | join(" ")' <<<"$OUT")"

# ---- host_collectors: what show prints per collector, for every host
assert_nonempty "the fleet has hosts" "$(sql 'SELECT name FROM hosts')"
for h in $(sql 'SELECT name FROM hosts ORDER BY name'); do
	rc_run show -c "$CONF" "$h" --json
	from_show=$(jq -r '.collectors[] | "\(.collector) \(.status) \(.exit_code) \(.error) \(.duration_ms)"' <<<"$OUT" | sort)
	rc_run query -c "$CONF" --json "SELECT collector, status, exit_code, error, duration_ms FROM host_collectors WHERE host = '$h'"
	assert_eq "query --json host_collectors exits 0 ($h)" 0 "$RC"
	from_view=$(jq -r '.[] | "\(.collector) \(.status) \(.exit_code) \(.error) \(.duration_ms)"' <<<"$OUT" | sort)
	assert_eq "host_collectors = show's collectors for $h" "$from_show" "$from_view"
done
assert_eq "host_collectors: custom.broken failed with exit 3 on each healthy host" 5 \
    "$(sql "SELECT count(*) FROM host_collectors WHERE collector = 'custom.broken' AND status = 'failed' AND exit_code = 3")"
assert_eq "host_collectors: the refusing host has no collector rows" 0 \
    "$(sql "SELECT count(*) FROM host_collectors WHERE host = 'refuse01'")"
# One combined channel runs every collector: none has a time of its own.
assert_eq "combined channel: no collector claims a duration (duration_ms NULL)" 0 \
    "$(sql 'SELECT count(*) FROM collector_runs WHERE duration_ms IS NOT NULL')"
rc_run show -c "$CONF" web001
assert_match "show: TOOK is '-' where it is not known" \
    $'(^|\n)custom\\.broken +failed \\(exit 3\\) +- ' "$OUT"
rc_run query -c "$CONF" --tables
assert_match "query --tables lists host_collectors as a stable view" 'host_collectors +view +stable' "$OUT"
rc_run query -c "$CONF" --schema host_collectors
assert_eq "query --schema host_collectors: its columns" \
    "host collector status exit_code error duration_ms out_bytes started_at sweep_id" \
    "$(awk 'NR > 1 { print $1 }' <<<"$OUT" | paste -sd ' ')"
assert_eq "the database is at schema version 6" 6 "$(sql 'PRAGMA user_version')"
rc_run show -c "$CONF" refuse01
assert_eq "show of a host that never connected: no collector table" "" \
    "$(grep '^COLLECTOR' <<<"$OUT" || true)"

# ---- --where sizes and types
rc_run hosts -c "$CONF" --where 'memory.total_bytes>1K' -o json
assert_eq "memory > 1K: every healthy host" 5 "$(jq length <<<"$OUT")"
rc_run hosts -c "$CONF" --where 'memory.total_bytes>100TB'
assert_eq "memory > 100TB: none, exit 1" 1 "$RC"
assert_eq "memory > 100TB: nothing on stdout" "" "$OUT"
assert_match "memory > 100TB: No hosts found on stderr" '^No hosts found$' "$ERR"
rc_run hosts -c "$CONF" --where 'memory.total_bytes>30XB'
assert_eq "an unknown unit is a usage error" 2 "$RC"
assert_match "the unknown unit is named" "unknown size unit 'XB' in '30XB'" "$ERR"
rc_run hosts -c "$CONF" --where 'os.id>3'
assert_eq "a number compared with text is a usage error (exit 2, docs/rollcall.1)" 2 "$RC"
assert_match "the text is named" "is not a number" "$ERR"
assert_match "in the one usage wording" "usage: rollcall hosts" "$ERR"
rc_run hosts -c "$CONF" --where 'os.name>5'
assert_eq "os.name>5 is a usage error" 2 "$RC"
assert_eq "os.name>5: nothing on stdout" "" "$OUT"

# ---- unknown groups and empty --limit in every read command that takes them
for cmd in "hosts" "packages openssl*" "changes --since 7d"; do
	# shellcheck disable=SC2086
	rc_run $cmd -c "$CONF" --group unknown-group
	assert_eq "$cmd --group unknown-group exits 1" 1 "$RC"
	assert_match "$cmd --group unknown-group is said" "^rollcall ${cmd%% *}: no group 'unknown-group'" "$ERR"
	assert_eq "$cmd --group unknown-group prints nothing" "" "$OUT"
	# shellcheck disable=SC2086
	rc_run $cmd -c "$CONF" --limit nosuch-host
	assert_eq "$cmd --limit nosuch-host exits 1" 1 "$RC"
	assert_match "$cmd --limit nosuch-host is said" "--limit" "$ERR"
done
for cmd in "show web001" "history web001" "query --tables"; do
	# shellcheck disable=SC2086
	rc_run $cmd -c "$CONF" --group web
	assert_eq "$cmd takes no --group: usage error" 2 "$RC"
	assert_match "$cmd --group: unknown option" "unknown option" "$ERR"
done
rc_run packages -c "$CONF" --group web 'lib*'
assert_match "packages --group web: found or not, exit 0/1" '^[01]$' "$RC"
assert_eq "packages --group web: the group is known" "" "$(grep 'no group' <<<"$ERR" || true)"

# ---- tables, piped
rc_run hosts -c "$CONF"
assert_match "one header style: upper case" '^NAME {6}ADDRESS +STATUS +ERROR' "$OUT"
assert_eq "no trailing blanks" "" "$(grep -n ' $' <<<"$OUT" || true)"
assert_match "piped: the error is whole" 'Connection refused' "$OUT"
assert_eq "piped: nothing cut" "" "$(grep '…' <<<"$OUT" || true)"
rc_run hosts -c "$CONF" --no-headers
assert_match "--no-headers: the first line is a host" '^(web|db|refuse)0' "$(head -n 1 <<<"$OUT")"
rc_run hosts -c "$CONF" --sort status --no-headers
assert_match "--sort status: ok first" '^[a-z0-9]+ +[0-9.]+ +ok' "$(head -n 1 <<<"$OUT")"
assert_match "--sort status: refused last" 'refused' "$(tail -n 1 <<<"$OUT")"
rc_run hosts -c "$CONF" --sort nosuch
assert_eq "--sort on no column is a usage error" 2 "$RC"
assert_match "--sort names the columns" "columns: name, address, status" "$ERR"
rc_run hosts -c "$CONF" -o csv --no-headers
assert_eq "-o csv --no-headers: one record per host" 6 "$(grep -c . <<<"$OUT")"
rc_run hosts -c "$CONF" -o json
assert_eq "-o json: every host" 6 "$(jq length <<<"$OUT")"
rc_run hosts -c "$CONF" -o yaml
assert_eq "-o yaml is a usage error" 2 "$RC"

# ---- tables on a terminal (a pseudo-terminal 70 columns wide)
tty_run() {
	script -qec "stty cols 70; $(printf '%q ' "$ROLLCALL" "$@")" /dev/null | tr -d '\r'
}
tty_out=$(tty_run hosts -c "$CONF")
# (… is one column but three bytes: count it as one)
longest=$(sed 's/…/./g' <<<"$tty_out" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
assert_ge "on a TTY every line fits 70 columns" "$longest" 70
assert_match "on a TTY the long error is cut with …" 'Connection…|…' "$tty_out"
assert_match "on a TTY the header is still there" '^NAME +ADDRESS' "$tty_out"
tty_out=$(tty_run hosts -c "$CONF" --wide)
assert_match "--wide on a TTY: the error is whole" 'Connection refused' "$tty_out"
assert_eq "--wide on a TTY: nothing cut" "" "$(grep '…' <<<"$tty_out" || true)"
tty_out=$(tty_run hosts -c "$CONF" -o wide)
assert_match "-o wide on a TTY: the error is whole" 'Connection refused' "$tty_out"

# ---- query: what there is to ask, and one read-only message
rc_run query -c "$CONF" --tables
assert_eq "query --tables exits 0" 0 "$RC"
assert_match "query --tables lists host_status as a stable view" 'host_status +view +stable' "$OUT"
rc_run query -c "$CONF" --schema host_status
assert_match "query --schema host_status lists its columns" 'last_success' "$OUT"
rc_run query -c "$CONF" --schema nosuch
assert_eq "query --schema nosuch exits 1" 1 "$RC"
first=
for q in "DELETE FROM hosts" "INSERT INTO hosts(name) VALUES ('x')" "DROP TABLE hosts" \
    "CREATE TABLE t(a)" "PRAGMA journal_mode = DELETE" "ATTACH '/tmp/x.db' AS x" "VACUUM"; do
	rc_run query -c "$CONF" "$q"
	[ -n "$first" ] || first=$ERR
	assert_eq "query '$q' exits 1" 1 "$RC"
	assert_eq "query '$q': the one read-only message" "$first" "$ERR"
done
assert_match "the read-only message says so" 'only read-only statements' "$first"
assert_eq "the database still has every host" 6 "$(sql 'SELECT count(*) FROM hosts')"
finish
