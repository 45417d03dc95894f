#!/usr/bin/env bash
# security: what rollcall leaves behind and what it sends.
#  - the database, -wal and -shm are 0600 even under umask 000;
#  - collect -v logs neither the private key nor command output (a failing
#    collector prints a secret on stdout and on a later stderr line);
#  - no inventory value reaches a remote command: hostile vars in the
#    inventory, and one host records $SSH_ORIGINAL_COMMAND (sshd sets it
#    for the ForceCommand, tools inherit it) so we can read what was sent;
#  - host_key_checking strict never learns a key; accept-new learns an
#    unknown key once and never replaces a changed one;
#  - rollcall offers no SHA-1 key exchange and no CBC cipher: servers that
#    allow only those are refused, and the fleet's sshd negotiates
#    ecdh-sha2-nistp256 / aes128-ctr / hmac-sha2-256.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_start --hosts 4 --delay 1500:2500 --broken hostkey-unknown,hostkey-changed \
    --command-timeout 20s


SECRET=rc-i6-SECRET-$$-out
SECRET2=rc-i6-SECRET-$$-err
MARK=rcVarMark$$
PWN=/tmp/rc-i6-sec-pwned-$$
SEEN=$(mktemp -d /tmp/rc-i6-sec-seen.XXXXXX)
chmod 1777 "$SEEN"
rm -f "$PWN".*

# web002: uname fails, printing a secret on stdout and on stderr line 2.
standin web002 uname "echo $SECRET; printf 'first line\\n$SECRET2\\n' >&2; exit 4"
# web003: records the command it was started with.
standin web003 uname "printf '%s\\n' \"\$SSH_ORIGINAL_COMMAND\" >>$SEEN/cmd; exec /bin/uname \"\$@\""

# Hostile vars on every host (group all) and on web003.
python3 - "$FLEET_DIR/inventory.yml" "$PWN" "$MARK" <<'EOF'
import sys
p, pwn, mark = sys.argv[1:]
s = open(p).read()
s = s.replace("all:\n", "all:\n  vars:\n"
    f"    ansible_become_pass: \"$(touch {pwn}.1)\"\n"
    f"    \"x;touch {pwn}.2\": \"`touch {pwn}.3` {mark}\"\n"
    f"    motd: \"'; touch {pwn}.4; echo '{mark}\"\n", 1)
s = s.replace("        web003:\n", "        web003:\n"
    f"          note: \"$(touch {pwn}.5) {mark}\"\n", 1)
open(p, "w").write(s)
EOF
rc_run check-config -c "$CONF"
assert_eq "inventory with hostile vars is valid" 0 "$RC"

kh_before=$(sha256sum <"$FLEET_DIR/known_hosts")

# ---- collect -v under umask 000, watching the -wal/-shm files appear
LOG=$T_DIR/collect.log
set +e
( umask 000; in_fleet timeout -k 10 "$RC_TIMEOUT" "$ROLLCALL" collect -v -c "$CONF" ) \
    >"$LOG" 2>&1 &
pid=$!
modes=
for i in $(seq 1 200); do
	if [ -e "$DB-wal" ] && [ -e "$DB-shm" ]; then
		modes=$(stat -c '%a' "$DB" "$DB-wal" "$DB-shm" | tr '\n' ' ')
		break
	fi
	sleep 0.05
done
wait "$pid"
RC=$?
set -e
assert_eq "collect exits 1 (two host key failures)" 1 "$RC"
assert_eq "database, -wal, -shm are 0600 while in use (umask 000)" "600 600 600 " "$modes"
assert_eq "database is 0600 after collect" 600 "$(stat -c %a "$DB")"
for f in "$DB-wal" "$DB-shm"; do
	[ ! -e "$f" ] || assert_eq "$(basename "$f") is 0600 after collect" 600 "$(stat -c %a "$f")"
done
assert_ge "the -v log has debug lines" 20 "$(wc -l <"$LOG")"

# ---- nothing secret in the log
key_lines=$(sed -n '/BEGIN/,/END/p' "$FLEET_DIR/id_ed25519" | grep -v -- '-----' )
leaks=0
while read -r l; do
	[ -n "$l" ] || continue
	if grep -qF -- "$l" "$LOG"; then leaks=$((leaks + 1)); fi
	# also any 20-character piece of it (a wrapped or partial dump)
	if grep -qF -- "${l:10:20}" "$LOG"; then leaks=$((leaks + 1)); fi
done <<<"$key_lines"
assert_ge "private key checked line by line ($(wc -l <<<"$key_lines") lines)" 3 "$(wc -l <<<"$key_lines")"
assert_eq "no private key material in the -v log" 0 "$leaks"
assert_eq "web002: kernel failed" failed \
    "$(sql "SELECT c.status FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	JOIN hosts h ON h.id = a.host_id WHERE h.name = 'web002' AND c.collector = 'kernel'")"
assert_eq "collector stdout (secret) not in the log" 0 "$(grep -c -- "$SECRET" "$LOG" || true)"
assert_eq "stderr beyond the first line (secret) not in the log" 0 "$(grep -c -- "$SECRET2" "$LOG" || true)"
assert_eq "stderr beyond the first line not stored either" 0 \
    "$(sql "SELECT count(*) FROM collector_runs WHERE error LIKE '%$SECRET2%'")"
assert_eq "collector stdout not stored as an error" 0 \
    "$(sql "SELECT count(*) FROM collector_runs WHERE error LIKE '%$SECRET%'")"

# ---- no inventory value in any remote command
assert_eq "web003 ok" ok "$(sql "SELECT status FROM host_status WHERE name = 'web003'")"
seen=$(cat "$SEEN/cmd" 2>/dev/null || true)
assert_match "web003 recorded the command it ran" 'uname' "$seen"
assert_eq "the remote command holds no inventory value ($MARK)" 0 "$(grep -c -- "$MARK" <<<"$seen" || true)"
assert_eq "the remote command holds no hostile var text" 0 "$(grep -c -- "$PWN" <<<"$seen" || true)"
assert_eq "no hostile var was executed anywhere ($PWN.*)" "" "$(ls "$PWN".* 2>/dev/null || true)"
assert_eq "vars are kept as data" 1 \
    "$(sql "SELECT count(*) FROM hosts WHERE name = 'web003'")"

# ---- strict: an unknown key is never learned
assert_eq "strict: hostkey-unknown01 is hostkey_unknown" hostkey_unknown \
    "$(sql "SELECT status FROM host_status WHERE name = 'hostkey-unknown01'")"
assert_eq "strict: known_hosts unchanged" "$kh_before" "$(sha256sum <"$FLEET_DIR/known_hosts")"

# ---- accept-new: learns the unknown key once, never replaces a changed one
sed 's/^  host_key_checking: strict/  host_key_checking: accept-new/' "$CONF" >"$FLEET_DIR/accept.yml"
grep -q 'host_key_checking: accept-new' "$FLEET_DIR/accept.yml" || t_fail "accept-new config written"
uaddr=$(addr_of hostkey-unknown01)
caddr=$(addr_of hostkey-changed01)
cline_before=$(grep "^$caddr " "$FLEET_DIR/known_hosts")
for round in 1 2; do
	rc_run collect -c "$FLEET_DIR/accept.yml" --limit 'hostkey-*'
	assert_eq "accept-new round $round: collect exits 1 (changed key)" 1 "$RC"
	assert_eq "accept-new round $round: hostkey-unknown01 ok" ok \
	    "$(sql "SELECT status FROM host_status WHERE name = 'hostkey-unknown01'")"
	assert_eq "accept-new round $round: hostkey-changed01 still hostkey_mismatch" hostkey_mismatch \
	    "$(sql "SELECT status FROM host_status WHERE name = 'hostkey-changed01'")"
	assert_eq "accept-new round $round: one line learned for $uaddr" 1 \
	    "$(grep -c "^$uaddr ssh-ed25519 " "$FLEET_DIR/known_hosts" || true)"
	assert_eq "accept-new round $round: the changed host's line untouched" "$cline_before" \
	    "$(grep "^$caddr " "$FLEET_DIR/known_hosts")"
done
assert_eq "accept-new: learned key is the server's" \
    "$(cut -d' ' -f2 "$FLEET_DIR/ssh_host_ed25519_key.pub")" \
    "$(grep "^$uaddr " "$FLEET_DIR/known_hosts" | cut -d' ' -f3)"
assert_eq "known_hosts not writable by group or others after learning" 0 \
    "$(( 0$(stat -c %a "$FLEET_DIR/known_hosts") & 022 ))"

# ---- algorithms: what a normal session negotiates, and weak-only servers
rc_run collect -v -c "$CONF" --limit web001
assert_match "negotiated: ecdh-sha2-nistp256, aes128-ctr, hmac-sha2-256" \
    'kex ecdh-sha2-nistp256, host key ssh-ed25519, cipher aes128-ctr, mac hmac-sha2-256' "$ERR"
waddr=$(addr_of web001)
weak_inv=$FLEET_DIR/weak-inventory.yml
printf 'all:\n  hosts:\n' >"$weak_inv"
: >"$FLEET_DIR/weak_known_hosts"
hkey=$(cut -d' ' -f1,2 "$FLEET_DIR/ssh_host_ed25519_key.pub")
for w in "2201 KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1" \
    "2202 Ciphers aes128-cbc,aes256-cbc"; do
	read -r port opt <<<"$w"
	sed -e "s/^Port 22$/Port $port/" -e "s/^LogLevel .*/LogLevel INFO/" \
	    -e "s|^PidFile .*|PidFile $FLEET_DIR/weak$port.pid|" \
	    "$FLEET_DIR/sshd_config" >"$FLEET_DIR/weak$port.conf"
	echo "$opt" >>"$FLEET_DIR/weak$port.conf"
	in_fleet /usr/sbin/sshd -f "$FLEET_DIR/weak$port.conf" -E "$FLEET_DIR/weak$port.log" ||
	    t_die "weak sshd on port $port did not start"
	printf '    weak%s:\n      ansible_host: %s\n      ansible_port: %s\n' \
	    "$port" "$waddr" "$port" >>"$weak_inv"
	echo "[$waddr]:$port $hkey" >>"$FLEET_DIR/weak_known_hosts"
done
sed -e "s|^  - inventory.yml|  - $weak_inv|" \
    -e "s|^  known_hosts: .*|  known_hosts: $FLEET_DIR/weak_known_hosts|" "$CONF" >"$FLEET_DIR/weak.yml"
sleep 0.5
rc_run collect -c "$FLEET_DIR/weak.yml"
for pid in "$FLEET_DIR"/weak22*.pid; do kill "$(cat "$pid")" 2>/dev/null || true; done
assert_eq "weak-only servers: collect exits 1" 1 "$RC"
for port in 2201 2202; do
	st=$(sql "SELECT status FROM host_status WHERE name = 'weak$port'")
	assert_eq "weak$port: refused at the handshake (protocol_error)" protocol_error "$st"
	assert_eq "weak$port: no authentication attempted" "" \
	    "$(grep -E 'Accepted|publickey' "$FLEET_DIR/weak$port.log" || true)"
done
assert_match "weak2201: sshd saw no matching key exchange" 'no matching key exchange method' \
    "$(cat "$FLEET_DIR/weak2201.log")"
assert_match "weak2202: sshd saw no matching cipher" 'no matching cipher' \
    "$(cat "$FLEET_DIR/weak2202.log")"

rm -rf "$SEEN"
finish
