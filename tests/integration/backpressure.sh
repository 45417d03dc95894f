#!/usr/bin/env bash
# backpressure: a database slower than the fleet does not make memory grow
# with the fleet. 24 hosts each report 20,000 packages of their own (about
# 3 MB of parsed facts per host) while tests/tools/slowdb_shim.so makes
# every write to the database or its -wal sleep; the writer falls behind,
# the dispatcher pauses (rollcall -v logs it and the resume), every host is
# stored in the end, and rollcall's peak RSS stays under 64 MB, where the
# 24 results alone would hold about 70 MB if they all waited at once.
# Nothing here is judged by the clock, but about 195,000 database writes
# each sleep RC_SLOW_US, and on a loaded machine a 300 us sleep lasts much
# longer (a CI run beside a benchmark took over 300 s): collect gets most of
# ctest's 600 s instead of lib.sh's 300 s default.
RC_TIMEOUT=${RC_TIMEOUT:-540}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

preload_shim "${SLOWDB_SHIM:-$BUILD_DIR/tests/slowdb_shim.so}"

HOSTS=24
NPKG=20000
fleet_start --hosts "$HOSTS" --concurrency 3
RCONF=$FLEET_DIR/backpressure.yml
sed 's/^collectors:.*/collectors: [packages]/' "$CONF" >"$RCONF"
grep -q '^collectors: \[packages\]$' "$RCONF" || t_die "could not set collectors in $RCONF"

# Every host a stand-in dpkg-query printing its own NPKG packages.
n=0
for a in $(awk '/ansible_host:/ { print $2 }' "$FLEET_DIR/inventory.yml"); do
	n=$((n + 1))
	d=$FLEET_DIR/hostbin/$a
	mkdir -p "$d"
	awk -v n="$n" -v k="$NPKG" 'BEGIN { for (i = 0; i < k; i++)
	    printf "package-%05d\t%d.%d.%d-1\tamd64\tii \n", i, n, i % 97, i }' \
	    >"$d/dpkg-query.out"
	printf '#!/bin/sh\nexec cat "${0%%/*}/dpkg-query.out"\n' >"$d/dpkg-query"
	chmod 755 "$d" "$d/dpkg-query"
	chmod 644 "$d/dpkg-query.out"
done
[ "$n" = "$HOSTS" ] || t_die "found $n hosts in the inventory, not $HOSTS"

DBREAL=$(realpath -m "$DB")
RC_WRAP="/usr/bin/time -f %M -o $T_DIR/rss env LD_PRELOAD=$PRELOAD RC_SLOW_DB=$DBREAL RC_SLOW_US=300"
rc_run collect -v -c "$RCONF"
RC_WRAP=
assert_eq "collect exits 0" 0 "$RC"
assert_eq "every host ok" "$HOSTS" \
    "$(sql "SELECT count(*) FROM attempts WHERE status = 'ok'")"
assert_eq "every host's packages stored" "$((HOSTS * NPKG))" \
    "$(sql "SELECT count(*) FROM host_packages")"
assert_match "the writer fell behind and dispatch paused" "writer behind, dispatch paused" "$ERR"
assert_match "... and resumed" "writer caught up, dispatch resumes" "$ERR"
rss=$(tail -1 "$T_DIR/rss")
echo "backpressure: peak RSS ${rss} KB"
# The bound is rollcall's; under ASan the quarantine and shadow memory
# (hundreds of MB) are the sanitizer's, so the normal build checks it.
if [ -z "$ASAN_RT" ]; then
	assert_eq "peak RSS under 64 MB" 1 "$([ "$rss" -lt 65536 ] && echo 1 || echo "0 ($rss KB)")"
fi

finish
