#!/usr/bin/env bash
# libevent_log: libevent's own messages go through our log at debug level,
# in `collect` as in the daemon (event_set_log_callback(log_libevent)), so
# they are not on stderr at the default level. libevent is made to speak
# for real: with EVENT_SHOW_METHOD set, every event_base_new() it runs
# reports its backend ("libevent using: epoll") through its log callback.
# JOURNAL_STREAM makes our log print each line's syslog priority (<7> is
# debug), so the level itself is checked. Without our callback libevent
# would write "[msg] libevent using: ..." to stderr itself.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 2

# ---- collect
ERRF=$T_DIR/collect.stderr
set +e
in_fleet env EVENT_SHOW_METHOD=1 JOURNAL_STREAM=1:1 \
    timeout -k 5 "$RC_TIMEOUT" "$ROLLCALL" collect -c "$CONF" 2>"$ERRF" >/dev/null
RC=$?
set -e
assert_eq "collect: both hosts ok" 0 "$RC"
assert_eq "collect: no libevent line at the default level" "" \
    "$(grep -E 'libevent:|libevent using' "$ERRF" || true)"
assert_eq "collect: libevent did not print on its own" "" \
    "$(grep -E '^\[(msg|warn|err|debug)\]' "$ERRF" || true)"
set +e
in_fleet env EVENT_SHOW_METHOD=1 JOURNAL_STREAM=1:1 \
    timeout -k 5 "$RC_TIMEOUT" "$ROLLCALL" collect -v -c "$CONF" 2>"$ERRF" >/dev/null
set -e
assert_match "collect -v: libevent's message is there, at debug (<7>)" \
    $'(^|\n)<7>libevent: libevent using: ' "$(cat "$ERRF")"
assert_eq "collect -v: no libevent line at another level" "" \
    "$(grep 'libevent:' "$ERRF" | grep -v '^<7>' || true)"

# ---- the daemon (foreground, stopped by SIGTERM once it logged its start)
# run_daemon VERBOSE_FLAG LOG: start, wait for the start line, stop.
run_daemon() {
	local log=$2 i
	: >"$log"
	# shellcheck disable=SC2086
	ip netns exec "$NETNS" env EVENT_SHOW_METHOD=1 JOURNAL_STREAM=1:1 \
	    timeout -k 5 120 "$ROLLCALL" daemon $1 -c "$CONF" >>"$log" 2>&1 &
	local wrap=$!
	for i in $(seq 300); do
		grep -q 'daemon: pid' "$log" && break
		sleep 0.1
	done
	pkill -TERM -P "$wrap" -x rollcall || true
	wait "$wrap" || true
}
run_daemon "" "$T_DIR/daemon.log"
assert_match "daemon: started" '<6>rollcall .* daemon: pid' "$(cat "$T_DIR/daemon.log")"
assert_eq "daemon: no libevent line at the default level" "" \
    "$(grep -E 'libevent:|libevent using' "$T_DIR/daemon.log" || true)"
run_daemon -v "$T_DIR/daemon-v.log"
assert_match "daemon -v: libevent's message is there, at debug (<7>)" \
    $'(^|\n)<7>libevent: libevent using: ' "$(cat "$T_DIR/daemon-v.log")"
assert_eq "daemon -v: no libevent line at another level" "" \
    "$(grep 'libevent:' "$T_DIR/daemon-v.log" | grep -v '^<7>' || true)"
finish
