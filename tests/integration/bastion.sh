#!/usr/bin/env bash
# bastion.sh: ProxyJump against real OpenSSH (scripts/fleet.sh --bastion):
# the collector's namespace reaches only the bastion. 200 targets through
# one bastion with one login in its log, all ok, overlapping in time; a
# chain of two bastions; the bastion's host key changed; the bastion
# refusing our key; targets the bastion cannot reach; the bastion's session
# killed mid-sweep (in-flight targets disconnected, a new login for the
# rest, which end ok).
. "$(dirname "$0")/lib.sh"

fleet_start --hosts 200 --delay 0:100 --bastion
T_RC_NS=$NETNS-c
B=$NETNS-b
rundir=$(dirname "$(sed -n 's/^AuthorizedKeysFile //p' "$FLEET_DIR/bastion_sshd_config")")
[ -d "$rundir/hosts" ] || t_die "cannot find the fleet's run directory"
BLOG=$FLEET_DIR/bastion.log
logins() { grep -c 'Accepted publickey for rollcall-test' "$1" || true; }

# conf NAME: bastion.yml with its own database and inventory NAME.yml
# (copied from the bastion inventory unless the test wrote it already).
conf() {
	[ -e "$T_DIR/$1-inv.yml" ] || cp "$FLEET_DIR/bastion-inventory.yml" "$T_DIR/$1-inv.yml"
	sed -e "s|^database: .*|database: $T_DIR/$1.db|" \
	    -e "s|^  - bastion-inventory.yml|  - $T_DIR/$1-inv.yml|" \
	    "$FLEET_DIR/bastion.yml" >"$T_DIR/$1.yml"
	echo "$T_DIR/$1.yml"
}
q() { sqlite3 -readonly -batch -noheader "$T_DIR/$1.db" "$2"; }
# inv NAME JUMP N: an inventory of fleet hosts 1..N (10.77.1.i) behind JUMP.
inv() {
	local i
	{
		printf 'all:\n  vars:\n    rollcall_proxy_jump: %s\n  hosts:\n' "$2"
		for ((i = 1; i <= $3; i++)); do
			printf '    t%03d:\n      ansible_host: 10.77.1.%d\n' "$i" "$i"
		done
	} >"$T_DIR/$1-inv.yml"
}
J1=rollcall-test@10.202.0.1:22

# --- 200 targets, one bastion login
: >"$BLOG.before"; cp "$BLOG" "$BLOG.before"
rc_run collect -c "$(conf many)"
assert_eq "200 targets: collect exit" 0 "$RC"
assert_eq "200 targets: every one ok" 200 "$(q many "SELECT count(*) FROM attempts WHERE status = 'ok'")"
assert_eq "200 targets: one bastion login" 1 "$(( $(logins "$BLOG") - $(logins "$BLOG.before") ))"
overlap=$(q many "SELECT max(n) FROM (SELECT (SELECT count(*) FROM attempts b
    WHERE b.started_us < a.ended_us AND b.ended_us > a.started_us) AS n FROM attempts a)")
assert_ge "200 targets: overlapping in time (most at once)" 20 "$overlap"

# --- two bastions: the second is reachable only from the first
inv twohop "$J1,rollcall-test@127.0.0.1:2222" 12
before2=$(logins "$FLEET_DIR/bastion2.log")
rc_run collect -c "$(conf twohop)"
n=$(q twohop "SELECT count(*) FROM attempts")
assert_ge "two hops: hosts swept" 10 "$n"
assert_eq "two hops: every one ok" "$n" "$(q twohop "SELECT count(*) FROM attempts WHERE status = 'ok'")"
assert_eq "two hops: one login on the second bastion" 1 \
    "$(( $(logins "$FLEET_DIR/bastion2.log") - before2 ))"

# --- targets the bastion cannot reach: nothing listens, no route
inv unreach "$J1" 12
cat >>"$T_DIR/unreach-inv.yml" <<'EOF'
    noport01:
      ansible_host: 10.77.1.1
      ansible_port: 2
    noroute01:
      ansible_host: 10.99.0.1
    hostdown01:
      ansible_host: 10.98.1.1
EOF
# 10.99/16: the bastion has no route there, its connect() fails at once
# (ENETUNREACH). 10.98/16: the bastion sends it to the fleet's namespace,
# which routes it nowhere and answers ICMP host unreachable (forwarding
# on, for this sweep only), as a router before a dead subnet does.
ip netns exec "$NETNS" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NETNS" route add unreachable 10.98.0.0/16
ip -n "$B" route add 10.98.0.0/16 via 10.201.0.1
rc_run collect -c "$(conf unreach)"
assert_eq "unreachable targets: collect reports failures" 1 "$RC"
ip -n "$B" route del 10.98.0.0/16
ip -n "$NETNS" route del unreachable 10.98.0.0/16
ip netns exec "$NETNS" sysctl -qw net.ipv4.ip_forward=0
# sshd says "connect failed" for all three and tells them apart only in
# its text, which libssh2 drops: rollcall reads it (daemon/openfail.c).
rc_run query -c "$(conf unreach)" --csv "SELECT name, status, error FROM host_status
    WHERE name IN ('noport01', 'noroute01', 'hostdown01') ORDER BY name"
assert_eq "query of the three: exit" 0 "$RC"
printf '%s\n' "$OUT" | sed 's/^/  stored: /'
noport=$(printf '%s\n' "$OUT" | grep '^noport01,' || true)
noroute=$(printf '%s\n' "$OUT" | grep '^noroute01,' || true)
hostdown=$(printf '%s\n' "$OUT" | grep '^hostdown01,' || true)
assert_eq "closed port seen from the bastion: refused, in the bastion's words" \
    "noport01,refused,bastion rollcall-test@10.202.0.1:22 cannot reach 10.77.1.1 port 2: connect failed: Connection refused" \
    "$noport"
assert_eq "router says host unreachable: unreachable, in the bastion's words" \
    "hostdown01,unreachable,bastion rollcall-test@10.202.0.1:22 cannot reach 10.98.1.1 port 22: connect failed: No route to host" \
    "$hostdown"
assert_match "no route from the bastion: unreachable, sshd's terse words explained" \
    "^noroute01,unreachable,bastion rollcall-test@10.202.0.1:22 cannot reach 10.99.0.1 port 22: connect failed: open failed \(sshd's words for a connect\(\) that failed at once: no route from the bastion; its log has the errno\)$" \
    "$noroute"
assert_match "sshd's log has the errno behind 'open failed'" \
    "connect to 10.99.0.1 port 22 failed: Network is unreachable" "$(cat "$BLOG")"
assert_eq "closed port: the attempt row says refused" refused \
    "$(q unreach "SELECT a.status FROM attempts a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'noport01'")"
assert_eq "no route: the attempt row says unreachable" unreachable \
    "$(q unreach "SELECT a.status FROM attempts a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'noroute01'")"
assert_eq "host unreachable: the attempt row says unreachable" unreachable \
    "$(q unreach "SELECT a.status FROM attempts a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'hostdown01'")"
assert_eq "the reachable targets still ok" "$n" "$(q unreach "SELECT count(*) FROM attempts WHERE status = 'ok'")"

# --- the bastion's host key changed: no target, no authentication there
c=$(conf hostkey)
sed -i "s|^  known_hosts: .*|  known_hosts: $T_DIR/wrong-kh|" "$c"
sed "s|^10.202.0.1 .*|10.202.0.1 $(cut -d' ' -f1,2 "$FLEET_DIR/wrong_host_ed25519_key.pub")|" \
    "$FLEET_DIR/bastion-known_hosts" >"$T_DIR/wrong-kh"
inv hostkey "$J1" 12
before=$(logins "$BLOG")
rc_run collect -c "$c"
assert_eq "bastion host key changed: every target bastion_hostkey_mismatch" bastion_hostkey_mismatch \
    "$(q hostkey "SELECT DISTINCT status FROM attempts")"
assert_match "bastion host key changed: said loudly" "HOST KEY CHANGED" "$ERR"
assert_eq "bastion host key changed: no login attempted there" "$before" "$(logins "$BLOG")"

# --- the bastion refuses our key (its authorized_keys emptied)
cp "$rundir/bastion_authorized_keys" "$T_DIR/bak"
: >"$rundir/bastion_authorized_keys"
inv auth "$J1" 12
rc_run collect -c "$(conf auth)"
cp "$T_DIR/bak" "$rundir/bastion_authorized_keys"
assert_eq "bastion refuses auth: every target bastion_auth_failed" bastion_auth_failed \
    "$(q auth "SELECT DISTINCT status FROM attempts")"
assert_match "bastion refuses auth: the error names the bastion" \
    "bastion rollcall-test@10.202.0.1:22: public key .* rejected" \
    "$(q auth "SELECT error FROM attempts LIMIT 1")"

# --- ssh_config only (ssh.config_file), rollcall.yml's known_hosts empty:
# each target and each bastion is checked against the UserKnownHostsFile
# ssh_config gives it (kh-a and kh-b in different files; kh-c pointed at
# the wrong one), and a two-hop chain comes from the second bastion's own
# ProxyJump, as ssh(1) follows it. OpenSSH's client, given the same file,
# is the oracle for what must connect.
khl() { grep -h "^$1 " "$FLEET_DIR/bastion-known_hosts"; }
khl 10.77.1.1 >"$T_DIR/kh-a"
khl 10.77.1.2 >"$T_DIR/kh-b"
khl 10.202.0.1 >"$T_DIR/kh-jb1"
grep -h '^\[127.0.0.1\]:2222 ' "$FLEET_DIR/bastion-known_hosts" >"$T_DIR/kh-jb2"
{ khl 10.77.1.4; khl 10.77.1.5; } >"$T_DIR/kh-chain"
: >"$T_DIR/kh-empty"
for f in kh-a kh-b kh-jb1 kh-jb2; do
	[ "$(wc -l <"$T_DIR/$f")" = 1 ] || t_die "$f: want one known_hosts line"
done
cat >"$T_DIR/sshcfg" <<SSHCFG
Host kh-a
  HostName 10.77.1.1
  UserKnownHostsFile $T_DIR/kh-a
Host kh-b
  HostName 10.77.1.2
  UserKnownHostsFile $T_DIR/kh-b
Host kh-c
  HostName 10.77.1.3
  UserKnownHostsFile $T_DIR/kh-a
Host kh-*
  ProxyJump jb1
Host chain-1
  HostName 10.77.1.4
Host chain-2
  HostName 10.77.1.5
Host chain-*
  ProxyJump jb2
  UserKnownHostsFile $T_DIR/kh-chain
Host jb2
  HostName 127.0.0.1
  Port 2222
  ProxyJump jb1
  UserKnownHostsFile $T_DIR/kh-jb2
Host jb1
  HostName 10.202.0.1
  UserKnownHostsFile $T_DIR/kh-jb1
Host *
  User rollcall-test
  IdentityFile $FLEET_DIR/id_ed25519
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking yes
  GlobalKnownHostsFile /dev/null
SSHCFG
printf 'all:\n  hosts:\n    kh-a:\n    kh-b:\n    kh-c:\n    chain-1:\n    chain-2:\n' >"$T_DIR/sshcfg-inv.yml"
c=$(conf sshcfg)
sed -i "s|^  known_hosts: .*|  known_hosts: $T_DIR/kh-empty\n  config_file: $T_DIR/sshcfg|" "$c"
st() { q "$1" "SELECT a.status FROM attempts a JOIN hosts h ON h.id = a.host_id WHERE h.name = '$2'"; }
er() { q "$1" "SELECT a.error FROM attempts a JOIN hosts h ON h.id = a.host_id WHERE h.name = '$2'"; }
before=$(logins "$BLOG")
before2=$(logins "$FLEET_DIR/bastion2.log")
rc_run collect -c "$c"
assert_eq "ssh_config: kh-a ok (its key only in kh-a)" ok "$(st sshcfg kh-a)"
assert_eq "ssh_config: kh-b ok (its key only in kh-b)" ok "$(st sshcfg kh-b)"
assert_eq "ssh_config: kh-c checked against kh-a, which lacks it" hostkey_unknown "$(st sshcfg kh-c)"
assert_match "ssh_config: kh-c's error names its file" "is not in $T_DIR/kh-a " "$(er sshcfg kh-c)"
assert_eq "ssh_config two hops: chain-1 ok" ok "$(st sshcfg chain-1)"
assert_eq "ssh_config two hops: chain-2 ok" ok "$(st sshcfg chain-2)"
assert_eq "ssh_config two hops: one login on the second bastion" 1 \
    "$(( $(logins "$FLEET_DIR/bastion2.log") - before2 ))"
assert_ge "ssh_config: the first bastion logged in" 1 "$(( $(logins "$BLOG") - before ))"
# OpenSSH with the same file: the same hosts connect, kh-c does not.
for h in kh-a kh-b chain-1 kh-c; do
	if ip netns exec "$T_RC_NS" timeout 30 ssh -F "$T_DIR/sshcfg" "$h" true \
	    </dev/null >/dev/null 2>&1; then
		out=ok
	else
		out=fails
	fi
	want=ok
	[ "$h" = kh-c ] && want=fails
	assert_eq "ssh_config: OpenSSH agrees on $h" "$want" "$out"
done
# The second bastion's key missing from its own file: its targets fail at
# that bastion, naming the file; the others are not affected.
: >"$T_DIR/kh-jb2"
rc_run collect -c "$c"
last() { q sshcfg "SELECT a.$3 FROM attempts a JOIN hosts h ON h.id = a.host_id
    WHERE h.name = '$2' ORDER BY a.id DESC LIMIT 1"; }
assert_eq "ssh_config: a bastion checked against its own file" bastion_hostkey_unknown \
    "$(last sshcfg chain-1 status)"
assert_match "ssh_config: the bastion's error names its file" "is not in $T_DIR/kh-jb2 " \
    "$(last sshcfg chain-1 error)"
assert_eq "ssh_config: kh-a still ok" ok "$(last sshcfg kh-a status)"

# --- the bastion's session killed mid-sweep: 30 slow targets (3 s each),
# 10 tunnels at a time; kill once the first 10 run.
inv kill "$J1" 30
for f in "$rundir"/hosts/127.0.1.*; do
	read -r role _ arg <"$f"
	printf '%s 3.000 %s\n' "$role" "$arg" >"$f"
done
c=$(conf kill)
printf 'bastion_concurrency: 10\n' >>"$c"
before=$(logins "$BLOG")
( rc_run collect -c "$c"; echo "$RC" >"$T_DIR/kill.rc" ) &
bg=$!
for _ in $(seq 100); do
	[ "$(( $(logins "$BLOG") - before ))" -ge 1 ] && break
	sleep 0.1
done
sleep 1.5
listener=$(cat "$FLEET_DIR/bastion.pid")
for p in $(ip netns pids "$B"); do
	[ "$p" = "$listener" ] && continue
	[ "$p" = "$(cat "$FLEET_DIR/bastion2.pid")" ] && continue
	kill -9 "$p" 2>/dev/null || true
done
wait "$bg" || true
kst=$(q kill "SELECT status, count(*) FROM attempts GROUP BY status ORDER BY status" | tr '\n' ' ')
assert_match "bastion killed: in-flight targets disconnected" "disconnected\|([1-9][0-9]*)" "$kst"
assert_match "bastion killed: the rest ok after a new login" "ok\|([1-9][0-9]*)" "$kst"
assert_eq "bastion killed: every target has a result" 30 "$(q kill "SELECT count(*) FROM attempts")"
assert_eq "bastion killed: logged in again" 2 "$(( $(logins "$BLOG") - before ))"
finish
