#!/usr/bin/env bash
# valgrind_sweep: a whole `rollcall collect` under valgrind memcheck, on a
# small fleet with healthy and broken hosts (so error paths run too: refused,
# tarpit, changed key, rejected key, hung command, dropped connection), then
# the CLI reading the result: zero memcheck errors, zero definite or
# indirect leaks. Deadlines are long: valgrind makes rollcall ~20x slower.
#
# Only in the normal build: under ASan the binary has its own allocator and
# shadow memory and valgrind cannot run it (the ASan build checks the same
# things its own way), so the test says so and passes without running.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ldd "$ROLLCALL" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "valgrind_sweep: $ROLLCALL is an ASan/UBSan build; valgrind cannot run it (ASan replaces the allocator). Memcheck runs in the normal build."
	t_pass "not applicable to a sanitizer build (said why above)"
	finish
fi
command -v valgrind >/dev/null || t_die "valgrind not found: run scripts/deps.sh"

fleet_start --hosts 4 --delay 50:200 --broken refuse,tarpit,hostkey-changed,auth-reject,hang,drop \
    --connect-timeout 10s --command-timeout 10s --host-timeout 120s

VG="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no --num-callers=30"

# vg NAME ARGS...: rollcall under memcheck; log in $T_DIR/vg-NAME.log
vg() {
	local name=$1
	shift
	RC_WRAP="$VG --log-file=$T_DIR/vg-$name.log"
	rc_run "$@"
	RC_WRAP=
	echo "--- valgrind log ($name) ---"
	cat "$T_DIR/vg-$name.log"
	assert_eq "valgrind ($name): no memcheck errors or leaks reported" "" \
	    "$(grep -E '== (Invalid|Conditional|Syscall|Mismatched|Source and destination)|definitely lost|indirectly lost|ERROR SUMMARY: [1-9]' "$T_DIR/vg-$name.log" || true)"
}

vg collect collect -c "$CONF"
assert_eq "collect under valgrind exits 1 (broken hosts), not 99 (memcheck)" 1 "$RC"
assert_eq "every host has an attempt" 10 "$(sql 'SELECT count(*) FROM attempts')"
assert_eq "healthy hosts ok under valgrind" 4 \
    "$(sql "SELECT count(*) FROM host_status WHERE (name LIKE 'web%' OR name LIKE 'db%') AND status = 'ok'")"
assert_eq "broken hosts failed as expected" "auth_failed command_timeout disconnected handshake_timeout hostkey_mismatch refused" \
    "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM host_status WHERE name NOT LIKE 'web%' AND name NOT LIKE 'db%' ORDER BY status)")"

vg hosts hosts -c "$CONF" --json
assert_eq "hosts under valgrind exits 0" 0 "$RC"
vg show show -c "$CONF" web001
assert_eq "show under valgrind exits 0" 0 "$RC"
vg check check-config -c "$CONF"
assert_eq "check-config under valgrind exits 0" 0 "$RC"

finish
