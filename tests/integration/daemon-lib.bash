# daemon-lib.bash: helpers for the daemon*.sh integration tests; source it
# after lib.sh. (Not named *.sh: tests/CMakeLists.txt runs every *.sh.)
#
#   daemon_start [ENV=VALUE...]   start `rollcall daemon -c $CONF` in the
#                                 fleet namespace, ENV given to rollcall
#                                 only; sets DPID, DLOG
#   wait_for WHAT SECONDS CMD...  poll CMD until it succeeds (a check)
#   daemon_term                   SIGTERM; sets DRC (exit code), DSECS
# Every wait is bounded; the fleet's stop kills whatever is left.

# Our own namespace names, one per test run: the PID comes first so that the
# 15-character cut of a namespace name never drops it (two runs of one test at
# once, from two checkouts, must not share a namespace).
. "$(dirname "${BASH_SOURCE[0]}")/proc-lib.bash"

NETNS=rc5-$$-${T_NAME#daemon_}
NETNS=${NETNS:0:15}
DLOG=$T_DIR/daemon.log
DAEMON_TIMEOUT=${DAEMON_TIMEOUT:-240}
NOTIFYRECV=${NOTIFYRECV:-$BUILD_DIR/tests/notifyrecv}

daemon_start() {
	: >>"$DLOG"
	# ip netns exec execs timeout ($!); its child, env, execs rollcall, so
	# the environment (e.g. LD_PRELOAD) reaches rollcall alone.
	ip netns exec "$NETNS" timeout -k 5 "$DAEMON_TIMEOUT" env "$@" \
	    "$ROLLCALL" daemon -c "$CONF" >>"$DLOG" 2>&1 &
	DWRAP=$!
	DPID=$(wrapped_pid "$DWRAP") ||
	    t_die "the daemon did not start: $(tail -5 "$DLOG")"
}

# wait_for WHAT SECONDS CMD...: pass when CMD succeeds within SECONDS.
wait_for() {
	local what=$1 secs=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$end" ]; then
			t_fail "$what (not within ${secs}s)"
			return 0
		fi
		sleep 0.2
	done
	t_pass "$what"
}

# log_has REGEX: the daemon's log matches.
log_has() {
	grep -Eq -- "$1" "$DLOG"
}

# log_count REGEX: matching lines in the daemon's log.
log_count() {
	grep -Ec -- "$1" "$DLOG" || true
}

# SIGTERM the daemon and wait (bounded) for it to exit.
daemon_term() {
	local t0=$SECONDS
	kill -TERM "$DPID"
	set +e
	wait "$DWRAP"
	DRC=$?
	set -e
	DSECS=$((SECONDS - t0))
}

# Append daemon settings to the fleet's rollcall.yml.
conf_add() {
	cat >>"$CONF"
}
