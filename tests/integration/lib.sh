# lib.sh: helpers for integration tests; source it, do not run it.
#
#   . "$(dirname "$0")/lib.sh"
#   fleet_start --hosts 24 --broken refuse,tarpit
#   rc_run collect -c "$CONF"; assert_eq "collect exit" 1 "$RC"
#   assert_eq "hosts in db" 30 "$(sql 'select count(*) from hosts')"
#   finish
#
# Environment (ctest sets the first three, see tests/CMakeLists.txt):
#   ROLLCALL   the rollcall binary under test
#   BUILD_DIR  build tree (work files go to BUILD_DIR/integration/<test>)
#   SRC_DIR    source tree (for scripts/fleet.sh)
#   RC_WRAP    optional command prefix for rollcall, e.g.
#              "valgrind --error-exitcode=99 --leak-check=full"
#   RC_TIMEOUT seconds before a rollcall run counts as hung (default 300)
#   KEEP_FLEET=1  leave the fleet running at the end (debugging)
#   T_NO_ROLLCALL=1  (set by the test before sourcing) the test does not
#              run rollcall, so a missing binary is no error
# Each test gets its own state dir and network namespace, and a trap stops
# its fleet however the test ends.
set -euo pipefail

T_NAME=$(basename "$0" .sh)
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
ROLLCALL=${ROLLCALL:-$BUILD_DIR/rollcall}
RC_TIMEOUT=${RC_TIMEOUT:-300}
FLEET_SH=$SRC_DIR/scripts/fleet.sh
T_DIR=$BUILD_DIR/integration/$T_NAME
FLEET_DIR=$T_DIR/fleet
NETNS=rcit-$$
CONF=$FLEET_DIR/rollcall.yml
DB=$FLEET_DIR/rollcall.db

T_PASSED=0
T_FAILED=0
T_FLEET_UP=0

# Say why and stop: a test that cannot run is a failure, not a skip.
t_die() {
	T_FINISHED=1
	echo "$T_NAME: ERROR: $*" >&2
	echo "$T_NAME: $T_PASSED passed, $((T_FAILED + 1)) failed (could not run)"
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	t_die "integration tests need root: the fleet lives in a network namespace (ip netns) with its own sshd. Run: sudo ./scripts/test.sh"
fi
[ "${T_NO_ROLLCALL:-0}" = 1 ] || [ -x "$ROLLCALL" ] || t_die "ROLLCALL is not an executable: '$ROLLCALL' (build first, or set ROLLCALL)"
for t_tool in ip sqlite3 jq ssh-keygen timeout; do
	command -v "$t_tool" >/dev/null 2>&1 ||
	    t_die "$t_tool not found: run scripts/deps.sh"
done

# A run killed hard (ctest timeout) had no chance to clean up: stop its
# fleet now, found through the state it left.
if [ -r "$FLEET_DIR/fleet.env" ]; then
	"$FLEET_SH" --dir "$FLEET_DIR" stop >/dev/null 2>&1 || true
fi
rm -rf "$T_DIR"
mkdir -p "$T_DIR"

# Always runs: stop the fleet, print the summary if finish was not reached.
# A trap of a test's own passes the test's status as $1: it must not re-raise
# it with (exit N) first, which set -e ends the trap on, fleet still up.
t_cleanup() {
	local status=${1:-$?}
	if [ "$T_FLEET_UP" = 1 ] && [ "${KEEP_FLEET:-0}" != 1 ]; then
		"$FLEET_SH" --dir "$FLEET_DIR" --netns "$NETNS" stop >/dev/null 2>&1 ||
		    echo "$T_NAME: warning: fleet stop failed" >&2
	fi
	if [ "${T_FINISHED:-0}" != 1 ]; then
		echo "$T_NAME: aborted (exit $status) after $T_PASSED passed, $T_FAILED failed"
		echo "$T_NAME: $T_PASSED passed, $((T_FAILED + 1)) failed"
		exit 1
	fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# Start this test's fleet; arguments go to scripts/fleet.sh (--hosts,
# --delay, --broken, timeouts ...). Short fakesrv lifetime: they must never
# outlive the test.
fleet_start() {
	T_FLEET_UP=1
	"$FLEET_SH" --dir "$FLEET_DIR" --netns "$NETNS" --lifetime 900 "$@" start ||
	    t_die "fleet did not start"
}

# Run a command inside the fleet's namespace.
in_fleet() {
	ip netns exec "$NETNS" "$@"
}

# rollcall inside the namespace (the collector's, NETNS-c, for a fleet
# started with --bastion: T_RC_NS), with RC_WRAP and a hard timeout.
# Output passes through.
rc() {
	# shellcheck disable=SC2086
	ip netns exec "${T_RC_NS:-$NETNS}" timeout -k 10 "$RC_TIMEOUT" \
	    ${RC_WRAP:-} "$ROLLCALL" "$@"
}

# rc, capturing: sets RC (exit code), OUT (stdout), ERR (stderr, also
# echoed to our stderr so ctest logs show it).
rc_run() {
	local errf=$T_DIR/last.stderr
	set +e
	OUT=$(rc "$@" 2>"$errf")
	RC=$?
	set -e
	ERR=$(cat "$errf")
	[ -z "$ERR" ] || printf '%s\n' "$ERR" | sed "s/^/  [rollcall $1] /" >&2
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		echo "$T_NAME: rollcall $1 ran longer than ${RC_TIMEOUT}s and was killed" >&2
	fi
}

# Read-only SQL on the test's database; one row per line, '|' between
# columns. An SQL error prints to stderr and yields no rows (the assertion
# on the result then fails) instead of aborting the test.
sql() {
	sqlite3 -readonly -batch -noheader "$DB" "$@" ||
	    echo "$T_NAME: sql failed: $*" >&2
}

t_pass() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok   - $1"
}

t_fail() {
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL - $1"
	shift
	[ "$#" -eq 0 ] || printf '       %s\n' "$@"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then
		t_pass "$1"
	else
		t_fail "$1" "expected: '$2'" "actual:   '$3'"
	fi
}

# assert_ge WHAT MIN ACTUAL (integers)
assert_ge() {
	if [[ $3 =~ ^-?[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		t_pass "$1 ($3 >= $2)"
	else
		t_fail "$1" "expected: >= $2" "actual:   '$3'"
	fi
}

# assert_nonempty WHAT VALUE
assert_nonempty() {
	if [ -n "$2" ] && [ "$2" != null ]; then
		t_pass "$1 ('$2')"
	else
		t_fail "$1" "expected a value, got '$2'"
	fi
}

# assert_match WHAT REGEX VALUE
assert_match() {
	if [[ $3 =~ $2 ]]; then
		t_pass "$1"
	else
		t_fail "$1" "expected to match: $2" "actual: '$3'"
	fi
}

# addr_of NAME: the host's address from the generated inventory.
addr_of() {
	awk -v n="  $1:" '$0 == "      " n { getline; print $2; exit }' \
	    "$FLEET_DIR/inventory.yml"
}

# linked_with REGEX: is $ROLLCALL linked against a library matching REGEX
# (libasan: an ASan build)? ldd's whole output is read first: `ldd | grep
# -q` fails at random under pipefail, when grep exits before ldd has
# written everything and ldd dies of SIGPIPE.
linked_with() {
	local libs
	libs=$(ldd "$ROLLCALL" 2>/dev/null) || true
	grep -q -- "$1" <<<"$libs"
}

# preload_shim SHIM: set PRELOAD to the LD_PRELOAD list that loads the
# shim library SHIM (tests/tools/*_shim.c) into rollcall. In an ASan build
# libasan must come first in that list, so PRELOAD is "LIBASAN:SHIM" and
# ASAN_RT names libasan (else ASAN_RT is empty). Entries are joined with a
# colon, never a blank: a blank would split a command prefix such as
# RC_WRAP, and env would take the shim for the command to run.
preload_shim() {
	[ -r "$1" ] || t_die "no shim at $1 (built by tests/CMakeLists.txt: target $(basename "$1" .so))"
	PRELOAD=$1
	ASAN_RT=
	if linked_with libasan; then
		ASAN_RT=$(ldd "$ROLLCALL" 2>/dev/null || true)
		ASAN_RT=$(awk '/libasan/ { print $3; exit }' <<<"$ASAN_RT")
		[ -r "$ASAN_RT" ] || t_die "ASan build, but libasan not found by ldd"
		PRELOAD="$ASAN_RT:$1"
		echo "$T_NAME: ASan build: preloading $ASAN_RT before the shim"
	fi
}

# standin NAME TOOL BODY: give host NAME a stand-in TOOL (sh script body).
standin() {
	local d
	d=$FLEET_DIR/hostbin/$(addr_of "$1")
	mkdir -p "$d"
	printf '#!/bin/sh\n%s\n' "$3" >"$d/$2"
	chmod 755 "$d/$2"
}

# Print the summary line and exit: non-zero if anything failed or nothing
# was checked.
finish() {
	T_FINISHED=1
	echo "$T_NAME: $T_PASSED passed, $T_FAILED failed"
	if [ "$T_FAILED" -ne 0 ] || [ "$T_PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}
