#!/usr/bin/env bash
# valgrind_sweep: a whole `rollcall collect` under valgrind memcheck, on a
# small fleet with healthy and broken hosts (so error paths run too: refused,
# tarpit, changed key, rejected key, hung command, dropped connection), then
# the CLI reading the result: zero memcheck errors, zero definite or
# indirect leaks. Deadlines are long: valgrind makes rollcall ~20x slower.
#
# Under ASan valgrind cannot run the binary (ASan replaces the allocator), so
# in that build the same runs go without valgrind and the sanitizers are the
# checker: any ASan/UBSan/LSan finding exits 99 and is reported.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECKER=valgrind
if linked_with 'libasan\|libubsan'; then
	CHECKER=asan
	echo "valgrind_sweep: ASan/UBSan build: the same runs, checked by the sanitizers instead of memcheck"
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=99
else
	command -v valgrind >/dev/null || t_die "valgrind not found: run scripts/deps.sh"
fi

fleet_start --hosts 4 --delay 50:200 --broken refuse,tarpit,hostkey-changed,auth-reject,hang,drop \
    --connect-timeout 10s --command-timeout 10s --host-timeout 120s

VG="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no --num-callers=30"

# vg NAME ARGS...: rollcall under memcheck (log in $T_DIR/vg-NAME.log), or
# in the sanitizer build under its own checks (reports on stderr)
vg() {
	local name=$1
	shift
	if [ "$CHECKER" = asan ]; then
		rc_run "$@"
		assert_eq "sanitizers ($name): nothing reported" "" \
		    "$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' <<<"$ERR" || true)"
		return
	fi
	RC_WRAP="$VG --log-file=$T_DIR/vg-$name.log"
	rc_run "$@"
	RC_WRAP=
	echo "--- valgrind log ($name) ---"
	cat "$T_DIR/vg-$name.log"
	assert_eq "valgrind ($name): no memcheck errors or leaks reported" "" \
	    "$(grep -E '== (Invalid|Conditional|Syscall|Mismatched|Source and destination)|definitely lost|indirectly lost|ERROR SUMMARY: [1-9]' "$T_DIR/vg-$name.log" || true)"
}

vg collect collect -c "$CONF"
assert_eq "collect under $CHECKER exits 1 (broken hosts), not 99 (a finding)" 1 "$RC"
assert_eq "every host has an attempt" 10 "$(sql 'SELECT count(*) FROM attempts')"
assert_eq "healthy hosts ok under $CHECKER" 4 \
    "$(sql "SELECT count(*) FROM host_status WHERE (name LIKE 'web%' OR name LIKE 'db%') AND status = 'ok'")"
assert_eq "broken hosts failed as expected" "auth_failed command_timeout disconnected handshake_timeout hostkey_mismatch refused" \
    "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM host_status WHERE name NOT LIKE 'web%' AND name NOT LIKE 'db%' ORDER BY status)")"

vg hosts hosts -c "$CONF" --json
assert_eq "hosts under $CHECKER exits 0" 0 "$RC"
vg show show -c "$CONF" web001
assert_eq "show under $CHECKER exits 0" 0 "$RC"
vg check check-config -c "$CONF"
assert_eq "check-config under $CHECKER exits 0" 0 "$RC"

finish
