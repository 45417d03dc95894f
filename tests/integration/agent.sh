#!/usr/bin/env bash
# agent.sh: authentication with ssh-agent's keys. A real ssh-agent holds an
# ed25519 key whose private file is deleted after ssh-add (rollcall could
# not read it if it tried): `identity: agent` logs in everywhere, and so
# does a config naming no identity when SSH_AUTH_SOCK is set. An empty
# agent fails with a message that says so. An agent that lists its keys
# but never signs only fails the hosts that use it, at their deadline,
# while hosts with a key file finish on the same (single) event loop.
. "$(dirname "$0")/lib.sh"

FLEET_SSHD_LOGLEVEL=VERBOSE fleet_start --hosts 8 --delay 50:100
rundir=$(sed -n 's/^AuthorizedKeysFile //p' "$FLEET_DIR/sshd_config" | head -1)
[ -n "$rundir" ] && [ -w "$rundir" ] || t_die "cannot find the fleet's authorized_keys"

ssh-keygen -q -t ed25519 -N '' -C rollcall-agent-test -f "$T_DIR/agent_key"
printf 'restrict %s\n' "$(cat "$T_DIR/agent_key.pub")" >>"$rundir"
sock=$T_DIR/agent.sock
agent_pid=$(ssh-agent -a "$sock" -s | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
[ -n "$agent_pid" ] || t_die "ssh-agent did not start"
trap 's=$?; kill "$agent_pid" 2>/dev/null || true; t_cleanup "$s"' EXIT
SSH_AUTH_SOCK=$sock ssh-add -q "$T_DIR/agent_key" || t_die "ssh-add failed"
rm -f "$T_DIR/agent_key"	# only the agent has the private key now
fp=$(ssh-keygen -lf "$T_DIR/agent_key.pub" | awk '{print $2}')

# conf NAME [IDENTITY]: the fleet's config with its own database and that
# identity line (none at all when IDENTITY is empty).
conf() {
	sed -e "/^  identity: /d" -e "s|^  - inventory.yml|  - $FLEET_DIR/inventory.yml|" \
	    -e "s|^database: .*|database: $T_DIR/$1.db|" "$CONF" >"$T_DIR/$1.yml"
	if [ -n "${2:-}" ]; then
		sed -i "s|^ssh:|ssh:\n  identity: $2|" "$T_DIR/$1.yml"
	fi
	echo "$T_DIR/$1.yml"
}
# q DB SQL
q() { sqlite3 -readonly -batch -noheader "$T_DIR/$1.db" "$2"; }

export SSH_AUTH_SOCK=$sock
rc_run collect -c "$(conf agent agent)"
assert_eq "identity: agent: collect exit" 0 "$RC"
assert_eq "identity: agent: every host ok" 8 "$(q agent "SELECT count(*) FROM attempts WHERE status = 'ok'")"
assert_eq "sshd accepted the agent's key, 8 logins" 8 \
    "$(grep -c "Accepted publickey for rollcall-test .* ED25519 $fp" "$FLEET_DIR/sshd.log" || true)"

rc_run collect -c "$(conf default)"
assert_eq "no identity, SSH_AUTH_SOCK set: every host ok" 8 \
    "$(q default "SELECT count(*) FROM attempts WHERE status = 'ok'")"

SSH_AUTH_SOCK=$sock ssh-add -D -q 2>/dev/null || SSH_AUTH_SOCK=$sock ssh-add -D
rc_run collect -c "$(conf empty agent)"
assert_eq "empty agent: collect reports failures" 1 "$RC"
assert_eq "empty agent: hosts are auth_failed" auth_failed \
    "$(q empty "SELECT DISTINCT status FROM attempts")"
assert_match "empty agent: the error says why" "ssh-agent holds no ed25519 or ECDSA key" \
    "$(q empty "SELECT error FROM attempts LIMIT 1")"

# A fake agent: lists the real key, never answers a signing request.
pub_b64=$(awk '{print $2}' "$T_DIR/agent_key.pub")
hang_sock=$T_DIR/hang.sock
/usr/bin/python3 - "$hang_sock" "$pub_b64" <<'EOF' &
import base64, os, socket, struct, sys, threading, time
path, blob = sys.argv[1], base64.b64decode(sys.argv[2])
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(64)
held = []
def serve(c):
    while True:
        hdr = c.recv(4, socket.MSG_WAITALL)
        if len(hdr) < 4: return
        body = c.recv(struct.unpack(">I", hdr)[0], socket.MSG_WAITALL)
        if body[0] == 11:
            cmt = b"hang"
            msg = bytes([12]) + struct.pack(">I", 1) + struct.pack(">I", len(blob)) + blob + struct.pack(">I", len(cmt)) + cmt
            c.sendall(struct.pack(">I", len(msg)) + msg)
        else:
            held.append(c); time.sleep(600); return
end = time.time() + 300
while time.time() < end:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
hang_pid=$!
trap 's=$?; kill "$agent_pid" "$hang_pid" 2>/dev/null || true; t_cleanup "$s"' EXIT
for _ in $(seq 50); do [ -S "$hang_sock" ] && break; sleep 0.1; done
[ -S "$hang_sock" ] || t_die "fake agent did not start"

# Half the hosts with the fleet's key file, half through the hanging agent,
# one worker thread, an 8 s connect (handshake + auth) deadline: a loop
# blocked on the agent would hold the key-file hosts until then.
c=$(conf hang agent)
sed -i -e "s|^  connect_timeout: .*|  connect_timeout: 8s|" "$c"
printf 'workers: 1\n' >>"$c"
inv=$T_DIR/hang-inventory.yml
awk -v key="$FLEET_DIR/id_ed25519" '
	{ print }
	/^        (web00[1357]|db00[12]):$/ { getline; print; print "          ansible_ssh_private_key_file: " key }
' "$FLEET_DIR/inventory.yml" >"$inv"
sed -i "s|^  - .*inventory.yml|  - $inv|" "$c"
SSH_AUTH_SOCK=$hang_sock rc_run collect -c "$c"
assert_eq "hanging agent: collect reports failures" 1 "$RC"
nfile=$(grep -c ansible_ssh_private_key_file "$inv")
assert_eq "hanging agent: hosts with a key file are ok" "$nfile" \
    "$(q hang "SELECT count(*) FROM attempts WHERE status = 'ok'")"
assert_eq "hanging agent: its hosts fail at their deadline" "$((8 - nfile))" \
    "$(q hang "SELECT count(*) FROM attempts WHERE status = 'handshake_timeout'")"
# The loop was not blocked: every key-file host ended before the first
# agent host's deadline fired (an absolute bound fails on a loaded machine).
before=$(q hang "SELECT (SELECT max(ended_us) FROM attempts WHERE status = 'ok') <
    (SELECT min(ended_us) FROM attempts WHERE status = 'handshake_timeout')")
assert_eq "hanging agent: key-file hosts done before its hosts' deadline" 1 "$before"
finish
