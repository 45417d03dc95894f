#!/usr/bin/env bash
# bastion_fleet.sh: the bastion test fleet itself (scripts/fleet.sh
# --bastion), checked with OpenSSH's own client: the collector's namespace
# reaches the bastion and nothing else, the bastion reaches the fleet, and
# ssh -J through one and two bastions lands on the right host with strict
# host-key checking at every hop.
T_NO_ROLLCALL=1
. "$(dirname "$0")/lib.sh"

fleet_start --hosts 4 --delay 0:0 --bastion
C=$NETNS-c
B=$NETNS-b

# tcp NS ADDR PORT: can NS open a connection there?
tcp() {
	ip netns exec "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$2" "$3" 2>/dev/null
}
# ssh_c ARGS...: OpenSSH from the collector's namespace, strict keys (in
# a config file: the ssh that -J starts for each hop reads only that).
cat >"$T_DIR/ssh_config" <<EOF
Host *
  IdentityFile $FLEET_DIR/id_ed25519
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking yes
  UserKnownHostsFile $FLEET_DIR/bastion-known_hosts
EOF
ssh_c() {
	ip netns exec "$C" timeout 20 ssh -F "$T_DIR/ssh_config" "$@" </dev/null
}

tcp "$C" 10.202.0.1 22 && t_pass "collector reaches the bastion" ||
    t_fail "collector reaches the bastion"
tcp "$C" 10.77.1.1 22 && t_fail "collector must not reach a fleet host" ||
    t_pass "collector cannot reach a fleet host directly"
tcp "$C" 127.0.0.1 2222 && t_fail "collector must not reach the second bastion" ||
    t_pass "collector cannot reach the second bastion"
tcp "$B" 10.77.1.1 22 && t_pass "bastion reaches a fleet host" ||
    t_fail "bastion reaches a fleet host"

out=$(ssh_c -J rollcall-test@10.202.0.1 rollcall-test@10.77.1.2 'echo "$SSH_CONNECTION"' 2>&1 || true)
assert_match "ssh -J: the target sees its own address" ' 10\.77\.1\.2 22$' "$out"
out=$(ssh_c -J rollcall-test@10.202.0.1,rollcall-test@127.0.0.1:2222 \
    rollcall-test@10.77.1.3 'echo "$SSH_CONNECTION"' 2>&1 || true)
assert_match "ssh -J two hops: the target sees its own address" ' 10\.77\.1\.3 22$' "$out"
assert_ge "the first bastion logged its logins" 2 \
    "$(grep -c 'Accepted publickey for rollcall-test' "$FLEET_DIR/bastion.log" || true)"
assert_eq "the second bastion logged one login" 1 \
    "$(grep -c 'Accepted publickey for rollcall-test' "$FLEET_DIR/bastion2.log" || true)"
assert_eq "the bastion inventory names the bastion" 1 \
    "$(grep -c 'rollcall_proxy_jump: rollcall-test@10.202.0.1:22' "$FLEET_DIR/bastion-inventory.yml")"
finish
