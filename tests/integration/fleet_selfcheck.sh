#!/usr/bin/env bash
# fleet_selfcheck: the simulated fleet itself, checked with the stock
# OpenSSH client, so a failing rollcall test can be told apart from a broken
# simulation. Every kind of host must behave as scripts/fleet.sh promises.
T_NO_ROLLCALL=1
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 6 --delay 300:400 \
    --broken refuse,tarpit,hostkey-changed,hostkey-unknown,auth-reject,hang,drip,nonssh,chatty,drop,fail,garbage,blackhole


# ssh_to ADDR [PORT] -- COMMAND: stock ssh with the fleet's key and strict
# host key checking; sets RC, OUT, ERR, SECS.
ssh_to() {
	local addr=$1 port=22 t0 t1
	shift
	if [ "$1" != -- ]; then port=$1; shift; fi
	shift
	t0=$(date +%s%N)
	set +e
	OUT=$(in_fleet timeout "${SSH_T:-10}" ssh -n -p "$port" -i "$FLEET_DIR/id_ed25519" \
	    -o UserKnownHostsFile="$FLEET_DIR/known_hosts" \
	    -o GlobalKnownHostsFile=/dev/null \
	    -o StrictHostKeyChecking=yes -o BatchMode=yes \
	    -o ConnectTimeout=4 -o LogLevel=ERROR \
	    "rollcall-test@$addr" "$@" 2>"$T_DIR/ssh.err")
	RC=$?
	set -e
	t1=$(date +%s%N)
	ERR=$(cat "$T_DIR/ssh.err")
	SECS=$(( (t1 - t0) / 1000000 ))
}

os_id=$(. /etc/os-release && echo "$ID")

a=$(addr_of web001)
assert_eq "web001 is 127.0.1.1" 127.0.1.1 "$a"
ssh_to "$a" -- 'grep "^ID=" /etc/os-release; id -un'
assert_eq "healthy host runs the command" "ID=$os_id
rollcall-test" "$OUT"
assert_ge "healthy host waits its delay (ms)" 300 "$SECS"

mkdir -p "$FLEET_DIR/hostbin/$(addr_of web002)"
printf '#!/bin/sh\necho stand-in-uname\n' >"$FLEET_DIR/hostbin/$(addr_of web002)/uname"
chmod 755 "$FLEET_DIR/hostbin/$(addr_of web002)/uname"
ssh_to "$(addr_of web002)" -- uname
assert_eq "hostbin/ADDR tools come first in PATH" stand-in-uname "$OUT"
ssh_to "$(addr_of web003)" -- uname
assert_eq "other hosts keep the real tools" Linux "$OUT"

ssh_to "$(addr_of hostkey-changed01)" -- true
assert_eq "hostkey-changed: ssh fails" 255 "$RC"
assert_match "hostkey-changed: host key has changed" 'HOST IDENTIFICATION HAS CHANGED|has changed' "$ERR"

ssh_to "$(addr_of hostkey-unknown01)" -- true
assert_match "hostkey-unknown: no key known" 'No ED25519 host key is known' "$ERR"

ssh_to "$(addr_of auth-reject01)" -- true
assert_match "auth-reject: permission denied" 'Permission denied \(publickey\)' "$ERR"

ssh_to "$(addr_of refuse01)" 2 -- true
assert_match "refuse: connection refused" 'Connection refused' "$ERR"

ssh_to "$(addr_of tarpit01)" 2222 -- true
assert_match "tarpit: times out at the banner" 'timed out during banner exchange' "$ERR"

ssh_to "$(addr_of drip01)" 2222 -- true
assert_match "drip: times out at the banner" 'timed out' "$ERR"

ssh_to "$(addr_of blackhole01)" -- true
assert_match "blackhole: connect times out" 'Connection timed out' "$ERR"

ssh_to "$(addr_of nonssh01)" 2222 -- true
assert_eq "nonssh: ssh fails" 255 "$RC"

SSH_T=4 ssh_to "$(addr_of hang01)" -- 'echo never'
assert_eq "hang: still running after 4 s (killed by timeout)" "124:" "$RC:$OUT"

ssh_to "$(addr_of fail01)" -- 'echo ran'
assert_eq "fail: runs the command, exits 3" "3:ran" "$RC:$OUT"

ssh_to "$(addr_of drop01)" -- 'echo never'
assert_eq "drop: connection dies mid-command" 255 "$RC"
assert_match "drop: some output first" 'partial output' "$OUT"

set +e
bytes=$(in_fleet timeout 30 ssh -n -i "$FLEET_DIR/id_ed25519" \
    -o UserKnownHostsFile="$FLEET_DIR/known_hosts" -o BatchMode=yes \
    "rollcall-test@$(addr_of chatty01)" true | wc -c)
set -e
assert_eq "chatty: 50 MB of output" 52428800 "$bytes"

set +e
bytes=$(in_fleet timeout 10 ssh -n -i "$FLEET_DIR/id_ed25519" \
    -o UserKnownHostsFile="$FLEET_DIR/known_hosts" -o BatchMode=yes \
    "rollcall-test@$(addr_of garbage01)" true | wc -c)
set -e
assert_eq "garbage: 64 KiB of random bytes" 65536 "$bytes"

# stop leaves nothing behind
"$FLEET_SH" --dir "$FLEET_DIR" --netns "$NETNS" stop >/dev/null
T_FLEET_UP=0
assert_eq "stop removes the namespace" "" "$(ip netns list | grep -w "$NETNS" || true)"
assert_eq "stop removes the session files" no "$([ -e "/run/rollcall-fleet/$NETNS" ] && echo yes || echo no)"
left=$(ps -eo stat=,args= | awk '$1 !~ /^Z/' | grep -F "$FLEET_DIR" | grep -v grep || true)
assert_eq "stop leaves no sshd or fakesrv running" "" "$left"

finish
