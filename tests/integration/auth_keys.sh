#!/usr/bin/env bash
# auth_keys.sh: which client keys work. ed25519 (signed in-process from a key
# parsed once per sweep) and ECDSA (parsed by libssh2) log in; an RSA key,
# even one the server accepts, fails on libssh2 1.10 (no rsa-sha2
# signatures, and OpenSSH refuses ssh-rsa/SHA-1), with a message saying so.
# Also: a low file-descriptor limit lowers the effective concurrency with a
# warning instead of failing hosts.
. "$(dirname "$0")/lib.sh"

fleet_start --hosts 6 --delay 50:100
rundir=$(sed -n 's/^AuthorizedKeysFile //p' "$FLEET_DIR/sshd_config" | head -1)
[ -n "$rundir" ] && [ -w "$rundir" ] || t_die "cannot find the fleet's authorized_keys"

for t in ecdsa rsa; do
	ssh-keygen -q -t "$t" -N '' -C "rollcall-test-$t" -f "$T_DIR/id_$t"
	printf 'restrict %s\n' "$(cat "$T_DIR/id_$t.pub")" >>"$rundir"
done

# conf KEYTYPE: the fleet's config with another identity and database
conf() {
	sed -e "s|^  identity: .*|  identity: $T_DIR/id_$1|" \
	    -e "s|^  - inventory.yml|  - $FLEET_DIR/inventory.yml|" \
	    -e "s|^database: .*|database: $T_DIR/$1.db|" "$CONF" >"$T_DIR/$1.yml"
	echo "$T_DIR/$1.yml"
}

rc_run collect -c "$CONF"
assert_eq "ed25519 key: every host ok" 0 "$RC"

rc_run collect -c "$(conf ecdsa)"
assert_eq "ECDSA key: every host ok" 0 "$RC"

rc_run collect -c "$(conf rsa)"
assert_eq "RSA key: collect reports failures" 1 "$RC"
st=$(sqlite3 -readonly -batch -noheader "$T_DIR/rsa.db" \
    "SELECT DISTINCT status FROM attempts")
assert_eq "RSA key: hosts are auth_failed" auth_failed "$st"
msg=$(sqlite3 -readonly -batch -noheader "$T_DIR/rsa.db" \
    "SELECT error FROM attempts LIMIT 1")
assert_match "RSA key: the error says why" "RSA keys need rsa-sha2" "$msg"

# nofile_collect SOFT[:HARD]: collect under that fd limit; sets RC and ERR
# (stderr and stdout).
nofile_collect() {
	set +e
	ERR=$(in_fleet prlimit --nofile="$1" "$ROLLCALL" collect -c "$CONF" 2>&1)
	RC=$?
	set -e
}
lowfd=$((64 + 8 + 3))

# 6 hosts at concurrency 6 with room for only 3 sockets beyond the spare:
# the engine lowers its concurrency and says so; no host fails.
nofile_collect "$lowfd"
assert_eq "low fd limit: every host still ok" 0 "$RC"
assert_match "low fd limit: a warning names the lowered concurrency" \
    "concurrency [0-9]+ exceeds the [0-9]+ file descriptors available" "$ERR"

# The same soft limit under a high hard limit: rollcall raises the soft
# limit to the hard one at start, so nothing is lowered.
nofile_collect "$lowfd:4096"
assert_eq "soft fd limit below hard: every host ok" 0 "$RC"
assert_eq "soft fd limit below hard: raised, no concurrency warning" 0 \
    "$(grep -c 'file descriptors available' <<<"$ERR" || true)"

finish
