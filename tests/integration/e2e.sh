#!/usr/bin/env bash
# e2e: one sweep of a real sshd fleet, end to end. 24 healthy hosts with
# 50-500 ms delays plus one host each that refuses, tarpits, shows a changed
# host key, shows an unknown host key, rejects the client key, and hangs in
# its command. Checks every host's status, the facts of the healthy ones,
# that hosts were in flight together (from the attempts table, not from
# wall-clock time), and the CLI around it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HEALTHY=24
BROKEN=refuse,tarpit,hostkey-changed,hostkey-unknown,auth-reject,hang
TOTAL=$((HEALTHY + 6))

fleet_start --hosts "$HEALTHY" --delay 50:500 --broken "$BROKEN"

# ---- the sweep
rc_run collect -c "$CONF"
assert_eq "collect exits 1 when some hosts fail" 1 "$RC"

# ---- every host's status, from `rollcall hosts --json`
rc_run hosts -c "$CONF" --json
assert_eq "hosts --json exits 0" 0 "$RC"
hosts_json=$OUT
if ! jq -e 'type == "array"' >/dev/null 2>&1 <<<"$hosts_json"; then
	t_fail "hosts --json is a JSON array" "got: ${hosts_json:0:300}"
	hosts_json='[]'
fi
assert_eq "hosts --json lists every host" "$TOTAL" "$(jq length <<<"$hosts_json")"

# status_of NAME: the host's status from hosts --json
status_of() {
	jq -r --arg n "$1" '.[] | select(.name == $n) | .status' <<<"$hosts_json"
}

declare -A want=(
	[refuse01]=refused
	[tarpit01]=handshake_timeout
	[hostkey-changed01]=hostkey_mismatch
	[hostkey-unknown01]=hostkey_unknown
	[auth-reject01]=auth_failed
	[hang01]=command_timeout
)
for name in "${!want[@]}"; do
	assert_eq "$name is ${want[$name]}" "${want[$name]}" "$(status_of "$name")"
	err=$(jq -r --arg n "$name" '.[] | select(.name == $n) | .error // ""' <<<"$hosts_json")
	assert_nonempty "$name has an error message" "$err"
done

healthy_names=$(jq -r '.[] | select(.name | test("^(web|db)[0-9]+$")) | .name' <<<"$hosts_json")
assert_eq "healthy hosts listed" "$HEALTHY" "$(grep -c . <<<"$healthy_names" || true)"
not_ok=$(jq -r '.[] | select(.name | test("^(web|db)[0-9]+$")) | select(.status != "ok") | "\(.name)=\(.status) (\(.error))"' <<<"$hosts_json")
assert_eq "every healthy host is ok" "" "$not_ok"

# ---- facts of the healthy hosts, from `rollcall show HOST --json`
os_id=$(. /etc/os-release && echo "$ID")
facts_missing=()
for name in $healthy_names; do
	rc_run show -c "$CONF" --json "$name"
	for key in os.id kernel.release cpu.count memory.total_bytes uptime.seconds; do
		v=$(jq -r --arg k "$key" '.facts[$k] // empty' <<<"$OUT" 2>/dev/null || true)
		[ -n "$v" ] || facts_missing+=("$name:$key")
	done
	v=$(jq -r '.facts["os.id"] // empty' <<<"$OUT" 2>/dev/null || true)
	[ "$v" = "$os_id" ] || facts_missing+=("$name:os.id='$v'")
done
assert_eq "healthy hosts have os/kernel/cpu/memory/uptime facts, os.id=$os_id" \
    "" "${facts_missing[*]:-}"

rc_run show -c "$CONF" --json web001
assert_eq "show web001 exits 0" 0 "$RC"
assert_eq "show web001 --json: name" web001 "$(jq -r .name <<<"$OUT" 2>/dev/null || true)"
assert_eq "show web001 --json: facts.\"os.id\"" "$os_id" \
    "$(jq -r '.facts["os.id"]' <<<"$OUT" 2>/dev/null || true)"

# ---- overlap: the most attempts in flight at one instant, from the
# attempts table (started_us/ended_us), never from wall-clock limits.
in_flight=$(sql "SELECT max((SELECT count(*) FROM attempts b
    WHERE b.started_us <= a.started_us AND b.ended_us > a.started_us))
    FROM attempts a")
assert_ge "attempts in flight at once" 10 "$in_flight"
assert_eq "one attempt per host" "$TOTAL" "$(sql 'SELECT count(*) FROM attempts')"
assert_eq "attempts have start <= end" 0 \
    "$(sql 'SELECT count(*) FROM attempts WHERE ended_us < started_us OR started_us IS NULL')"

# ---- CLI around the database
rc_run query -c "$CONF" --csv "select count(*) from attempts"
assert_eq "query --csv exits 0" 0 "$RC"
assert_eq "query --csv: count(*) on the last line" "$TOTAL" "$(tail -n 1 <<<"$OUT" | tr -d '\r"')"

rc_run hosts -c "$CONF"
assert_eq "hosts (table) exits 0" 0 "$RC"
assert_match "hosts table names web001" 'web001' "$OUT"

# ---- config checking
rc_run check-config -c "$CONF"
assert_eq "check-config exits 0 on the fleet's config" 0 "$RC"

bad=$T_DIR/bad.yml
cat >"$bad" <<'EOF'
database: /nonexistent/never-written.db
inventory:
  - inventory-that-does-not-exist.yml
concurrency: lots
ssh:
  connect_timeout: 10 parsecs
  no_such_option: 1
EOF
rc_run check-config -c "$bad"
assert_eq "check-config exits 2 on a broken config" 2 "$RC"
assert_match "errors name the file and line" 'bad\.yml:[0-9]+' "$ERR"
rc_run collect -c "$bad"
assert_eq "collect exits 2 on a broken config" 2 "$RC"

finish
