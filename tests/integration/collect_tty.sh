#!/usr/bin/env bash
# collect_tty: `rollcall collect` on a terminal (a pseudo-terminal from
# script(1)). The progress line is cleared before every log line, so the
# two never share a line; Ctrl-C (SIGINT) while a host hangs aborts it,
# exits 130 and says "interrupted: N hosts finished and stored, M aborted",
# and the finished hosts are in the database. A changed host key is logged
# once.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v script >/dev/null || t_die "script(1) not found (bsdutils)"
fleet_start --hosts 6 --delay 300:900 --broken hang,hostkey-changed,refuse
typescript=$T_DIR/typescript
cmd=$(printf '%q ' ip netns exec "$NETNS" "$ROLLCALL" collect -c "$CONF")
script -qefc "stty cols 100; $cmd; echo \"exit=\$?\"" "$typescript" >/dev/null 2>&1 &
spid=$!

# Wait until every host but the hanging one is stored, then Ctrl-C.
stored() { [ "$(sql "SELECT count(*) FROM attempts")" -ge 8 ] 2>/dev/null; }
t_end=$((SECONDS + 60))
until stored || [ "$SECONDS" -ge "$t_end" ]; do sleep 0.2; done
assert_eq "8 of 9 hosts stored before the interrupt" 8 "$(sql 'SELECT count(*) FROM attempts')"
rpid=$(pgrep -x -f -- "$ROLLCALL collect -c $CONF" || true)
[ -n "$rpid" ] || t_die "rollcall collect is not running"
sleep 1		# a progress redraw or two
kill -INT "$rpid"
wait "$spid" || true
out=$(tr -d '\r' <"$typescript")

assert_match "Ctrl-C: exit 130" 'exit=130' "$out"
assert_match "Ctrl-C: what was kept and what was lost" \
    'interrupted: 8 hosts finished and stored, 1 aborted' "$out"
assert_eq "the 8 finished hosts stay stored" 8 "$(sql 'SELECT count(*) FROM attempts')"
assert_match "the progress line was shown" '[0-9]+/9 hosts done' "$out"
assert_eq "the changed host key is logged once" 1 "$(grep -c 'HOST KEY CHANGED' <<<"$out")"
# Every log line starts a line of its own: whatever came before it on
# that terminal line was cleared (ESC [ K) right before it.
mixed=$(perl -ne 'while (/(.*?)(\d\d:\d\d:\d\d\.\d{3} rollcall: )/g) {
    my $pre = $1; $pre =~ s/.*\r//; print "$_" if $pre ne "" && $pre !~ /\e\[K$/ }' "$typescript")
assert_eq "no log line runs into the progress line" "" "$mixed"
# How many log lines come while the line is up depends on timing (the
# refused and changed-key hosts may fail before the first redraw); the
# Ctrl-C line always does, so at least one shows the clearing at work.
assert_ge "log lines were printed while the progress line was up" 1 \
    "$(grep -c $'\e\\[K[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\\.[0-9]* rollcall: ' "$typescript" || true)"
finish
