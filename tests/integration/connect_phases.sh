#!/usr/bin/env bash
# connect_phases: how the connect phase ends, host by host, in one sweep.
#   - a route that says "unreachable" (EHOSTUNREACH) and no route at all
#     (ENETUNREACH) are `unreachable`, at once, not `refused`;
#   - DNS and TCP connect share one connect_timeout: a 1.5 s lookup then a
#     blackholed SYN fails at connect_timeout from the lookup's start, and
#     the message says so; the handshake gets a budget of its own, and its
#     timeout message gives its own elapsed time, not the host's;
#   - a reset before the SSH banner (accept queue, MaxStartups) is retried
#     once: a host that resets once is ok, one that always resets is
#     `disconnected` after exactly two connections.
# Then out of file descriptors (EMFILE, a real RLIMIT_NOFILE lowered on the
# running process with prlimit): the hosts wait for a descriptor, are ok
# once one frees (the limit raised, or one slot passed from host to host),
# never `refused`; with none ever free they end `local_error` at
# host_timeout.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 4 --delay 50:100
FAKESRV=$BUILD_DIR/tests/fakesrv
[ -x "$FAKESRV" ] || t_die "fakesrv not built: $FAKESRV"
for t_tool in python3 prlimit; do
	command -v "$t_tool" >/dev/null 2>&1 || t_die "$t_tool not found: run scripts/deps.sh"
done

NET=127.0.240			# our own servers' addresses in the namespace
hkey=$(cut -d' ' -f1,2 "$FLEET_DIR/ssh_host_ed25519_key.pub")
web1=$(addr_of web001)
in_fleet ip route add unreachable 10.253.0.0/24

# wait_file FILE: until the server wrote it (its "ready" signal)
wait_file() {
	local i
	for i in $(seq 50); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	t_die "server did not start: $1"
}
in_fleet "$FAKESRV" -l 300 -p "$T_DIR/reset.pid" reset $NET.1 2222 >"$T_DIR/reset.log" 2>&1 &
in_fleet "$FAKESRV" -l 300 -p "$T_DIR/reset1.pid" -f "$web1:22" reset $NET.2 2222 \
    >"$T_DIR/reset1.log" 2>&1 &
in_fleet "$FAKESRV" -l 300 -p "$T_DIR/tarpit.pid" tarpit $NET.3 2222 >/dev/null 2>&1 &
in_fleet timeout 300 python3 "$SRC_DIR/tests/tools/slowdns.py" $NET.53 1.5 \
    slowbh.rc.test=10.254.0.200 slowtp.rc.test=$NET.3 >"$T_DIR/dns.log" 2>&1 &
for f in reset.pid reset1.pid tarpit.pid dns.log; do wait_file "$T_DIR/$f"; done

# phases_conf NAME INVENTORY RESOLVCONF CONNECT HOST: a config of our own
phases_conf() {
	sed -e "s|^database: .*|database: $T_DIR/phases.db|" \
	    -e "s|^  - inventory.yml|  - $T_DIR/$2|" \
	    -e "s|^  known_hosts: .*|  known_hosts: $T_DIR/known_hosts|" \
	    -e "s|^  resolv_conf: .*|  resolv_conf: $T_DIR/$3|" \
	    -e "s|^  connect_timeout: .*|  connect_timeout: $4|" \
	    -e "s|^  host_timeout: .*|  host_timeout: $5|" "$CONF" >"$T_DIR/$1"
}
cp "$FLEET_DIR/known_hosts" "$T_DIR/known_hosts"
echo "[$NET.2]:2222 $hkey" >>"$T_DIR/known_hosts"
printf 'nameserver %s\n' "$NET.53" >"$T_DIR/resolv.conf"
cat >"$T_DIR/phases-inv.yml" <<EOF2
all:
  hosts:
    unreach01:
      ansible_host: 10.253.0.1
    nonet01:
      ansible_host: 192.0.2.1
    slowbh01:
      ansible_host: slowbh.rc.test
    slowtp01:
      ansible_host: slowtp.rc.test
      ansible_port: 2222
    reset01:
      ansible_host: $NET.1
      ansible_port: 2222
    resetonce01:
      ansible_host: $NET.2
      ansible_port: 2222
EOF2
phases_conf phases.yml phases-inv.yml resolv.conf 3s 30s
DB=$T_DIR/phases.db

rc_run collect -c "$T_DIR/phases.yml"
assert_eq "collect exits 1 (some hosts failed)" 1 "$RC"
status() { sql "SELECT status FROM host_status WHERE name = '$1'"; }
error() { sql "SELECT error FROM host_status WHERE name = '$1'"; }
ms() {
	sql "SELECT (a.ended_us - a.started_us) / 1000 FROM attempts a
	    JOIN hosts h ON h.id = a.host_id WHERE h.name = '$1'"
}

assert_eq "unreach01 (unreachable route) is unreachable" unreachable "$(status unreach01)"
assert_match "unreach01: message gives the kernel's answer" 'No route to host' "$(error unreach01)"
assert_ge "unreach01: at once (ms to spare of 1000)" 0 $((1000 - $(ms unreach01)))
assert_eq "nonet01 (no route at all) is unreachable" unreachable "$(status nonet01)"
assert_match "nonet01: message gives the kernel's answer" 'Network is unreachable' "$(error nonet01)"

assert_eq "slowbh01 (1.5 s DNS, then blackhole) is connect_timeout" connect_timeout "$(status slowbh01)"
assert_match "slowbh01: phase elapsed = connect_timeout from the lookup's start" \
    '^TCP connect did not complete in time \(3\.[0-2]s; connect_timeout deadline\)$' "$(error slowbh01)"
assert_ge "slowbh01: DNS + connect shared one budget (ms to spare of 3900)" 0 $((3900 - $(ms slowbh01)))
assert_ge "slowbh01: waited for it (ms)" 2950 "$(ms slowbh01)"
assert_eq "slowtp01 (1.5 s DNS, then tarpit) is handshake_timeout" handshake_timeout "$(status slowtp01)"
assert_match "slowtp01: message gives the handshake's own time, not the host's" \
    '^SSH handshake did not complete in time \(3\.[0-2]s; connect_timeout deadline\)$' "$(error slowtp01)"
assert_ge "slowtp01: the handshake had its own budget after the lookup (ms)" 4400 "$(ms slowtp01)"

assert_eq "reset01 (always resets) is disconnected" disconnected "$(status reset01)"
# The second reset shows either in the handshake ("connection lost") or,
# when it comes before we read the connect's outcome, as ECONNRESET.
assert_match "reset01: message says the second connection was lost too" \
    'second connection.*connection lost|reset by peer.*second connection' "$(error reset01)"
assert_eq "reset01: exactly two connections" 2 "$(grep -c '^accept' "$T_DIR/reset.log")"
assert_match "reset01: the retry is logged" 'reset01: connection lost before the SSH banner; connecting again in [0-9]+ ms' "$ERR"
assert_eq "resetonce01 (resets the first connection) is ok" ok "$(status resetonce01)"
assert_eq "resetonce01: two connections" 2 "$(grep -c '^accept' "$T_DIR/reset1.log")"

# ---- EMFILE: four hosts behind a 1.7 s lookup (evdns gives up on a server
# after 2 s); while they wait for it the
# soft RLIMIT_NOFILE of the running rollcall is lowered to its lowest free
# descriptor, so every socket() fails with EMFILE when the answers come.
in_fleet timeout 300 python3 "$SRC_DIR/tests/tools/slowdns.py" $NET.54 1.7 \
    fd1.rc.test="$web1" fd2.rc.test="$(addr_of web002)" \
    fd3.rc.test="$(addr_of web003)" fd4.rc.test="$(addr_of web004)" >"$T_DIR/dns2.log" 2>&1 &
wait_file "$T_DIR/dns2.log"
printf 'nameserver %s\n' "$NET.54" >"$T_DIR/resolv2.conf"
{
	echo "all:"
	echo "  hosts:"
	for i in 1 2 3 4; do
		printf '    fd%s:\n      ansible_host: fd%s.rc.test\n' "$i" "$i"
		echo "fd$i.rc.test $hkey" >>"$T_DIR/known_hosts"
	done
} >"$T_DIR/fd-inv.yml"

# fd_sweep CONF RAISE_AFTER [SPARE]: collect in the background, lower the
# soft fd limit at 0.8 s to the lowest free descriptor plus SPARE (default
# 0), raise it again after RAISE_AFTER more seconds (0: never). Sets ERR.
fd_sweep() {
	local bg pid soft i=0
	ip netns exec "$NETNS" timeout -k 10 120 "$ROLLCALL" collect -c "$1" \
	    >"$T_DIR/fd.out" 2>"$T_DIR/fd.err" &
	bg=$!
	sleep 0.8	# ip netns exec and timeout exec: rollcall is a child of timeout
	pid=$(pgrep -P "$bg" -x rollcall || echo "$bg")
	while [ -e "/proc/$pid/fd/$i" ]; do i=$((i + 1)); done
	soft=$(prlimit --pid "$pid" --nofile --raw --noheadings --output SOFT)
	i=$((i + ${3:-0}))
	prlimit --pid "$pid" --nofile="$i:"
	echo "rollcall $pid: soft fd limit lowered from $soft to $i"
	if [ "$2" != 0 ]; then
		sleep "$2"
		prlimit --pid "$pid" --nofile="$soft:"
	fi
	wait "$bg" || true
	ERR=$(cat "$T_DIR/fd.err")
	printf '%s\n' "$ERR" | sed 's/^/  [rollcall collect] /' >&2
}
phases_conf fd.yml fd-inv.yml resolv2.conf 5s 30s
sed -i "s|^database: .*|database: $T_DIR/fd.db|" "$T_DIR/fd.yml"
DB=$T_DIR/fd.db
fd_sweep "$T_DIR/fd.yml" 3
assert_match "EMFILE: logged as a local limit" 'Too many open files.*not the host.s fault' "$ERR"
assert_eq "EMFILE: every host ok once a descriptor freed" "ok ok ok ok" \
    "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM host_status ORDER BY name)")"
assert_eq "EMFILE: never stored as refused" 0 "$(sql "SELECT count(*) FROM attempts WHERE status = 'refused'")"
assert_ge "EMFILE: the hosts waited for the descriptor (ms)" 3000 \
    "$(sql "SELECT min((ended_us - started_us) / 1000) FROM attempts")"

# One descriptor free and never more: the hosts take turns, each woken
# when the one before it closes its socket.
phases_conf fd1.yml fd-inv.yml resolv2.conf 5s 30s
sed -i "s|^database: .*|database: $T_DIR/fd1.db|" "$T_DIR/fd1.yml"
DB=$T_DIR/fd1.db
fd_sweep "$T_DIR/fd1.yml" 0 1
assert_match "one descriptor free: EMFILE logged" 'Too many open files' "$ERR"
assert_eq "one descriptor free: the hosts took turns, every one ok" "ok ok ok ok" \
    "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM host_status ORDER BY name)")"

phases_conf fd2.yml fd-inv.yml resolv2.conf 5s 5s
sed -i "s|^database: .*|database: $T_DIR/fd2.db|" "$T_DIR/fd2.yml"
DB=$T_DIR/fd2.db
fd_sweep "$T_DIR/fd2.yml" 0
assert_eq "EMFILE, none ever free: every host local_error at host_timeout" \
    "local_error local_error local_error local_error" \
    "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM host_status ORDER BY name)")"
assert_match "EMFILE, none ever free: the message says what it waited for" \
    'waiting for a free file descriptor did not complete in time .*host_timeout deadline' \
    "$(sql "SELECT error FROM host_status WHERE name = 'fd1'")"

finish
