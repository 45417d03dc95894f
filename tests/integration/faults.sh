#!/usr/bin/env bash
# faults: the fault matrix in one sweep. Every broken kind the fleet has
# (DNS failure, refused, blackhole, tarpit, drip, non-SSH, changed/unknown
# host key, rejected client key, hung command, 1 GB of output, dropped
# connection, exit 3, random bytes) plus healthy hosts whose stand-in tools
# misbehave for one collector (garbage, non-zero exit, a hang half-way,
# terminal escapes and invalid UTF-8). Each host must get the right status
# and a clear message, and every healthy host must be ok in the same sweep.
# Then @revoked and a changed key in a second sweep, with the sshd log
# showing no authentication attempt. Peak RSS of rollcall is measured.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HEALTHY=8
BROKEN=dns,refuse,blackhole,tarpit,drip,nonssh,hostkey-changed,hostkey-unknown,auth-reject,hang,chatty,drop,fail,garbage
NBROKEN=14
export FLEET_CHATTY_BYTES=1073741824
export FLEET_SSHD_LOGLEVEL=VERBOSE

fleet_start --hosts "$HEALTHY" --delay 50:200 --broken "$BROKEN" \
    --connect-timeout 5s --command-timeout 4s --host-timeout 40s


# The uptime collector reads its files with the shell's own `read` (no exec
# to stand in for), memory still runs cat: the faults go to memory, and
# memory runs last so the hang below is in the last collector.
sed -i 's/^collectors: .*/collectors: [os, kernel, cpu, uptime, memory]/' "$CONF"
grep -q '^collectors: \[os, kernel, cpu, uptime, memory\]$' "$CONF" || t_die "could not set collectors in $CONF"
# web002: /proc/meminfo reads as random bytes -> memory parse_error only.
standin web002 cat 'case "$*" in */proc/meminfo*) printf "\001\002\377garbage\n"; head -c 300 /dev/urandom; exit 0 ;; esac
exec /bin/cat "$@"'
# web003: uname exits 5 -> kernel failed, host still ok.
standin web003 uname 'echo "uname: simulated failure" >&2; exit 5'
# db001: cat hangs on /proc/meminfo -> memory times out, earlier facts kept.
standin db001 cat 'case "$*" in */proc/meminfo*) exec sleep 300 ;; esac
exec /bin/cat "$@"'
# web004: a tool that prints terminal escapes, invalid UTF-8 and a NUL.
standin web004 rcbanner 'printf "\033]0;pwned-title\007\033[31mRED\033[0m \303\251t\303\251 \377\376 bad\000nul\n"'

cat >>"$CONF" <<'EOF'
custom_collectors:
  - name: banner
    command: "if command -v rcbanner >/dev/null 2>&1; then rcbanner; else echo plain banner; fi"
    parse: raw
EOF

# ---- the sweep, with peak RSS measured around rollcall itself
RC_WRAP="/usr/bin/time -o $T_DIR/time.txt -f %M"
t0=$(date +%s)
rc_run collect -c "$CONF"
t1=$(date +%s)
RC_WRAP=
assert_eq "collect exits 1 (some hosts failed)" 1 "$RC"
assert_ge "sweep did not wait for the 1 GB host to send it all (s left of 60)" 0 $((60 - (t1 - t0)))
rss_kb=$(tail -n 1 "$T_DIR/time.txt")
echo "peak RSS of rollcall collect with a 1 GB-output host: ${rss_kb} KB"
rss_max=131072
if linked_with libasan; then
	rss_max=524288	# ASan's shadow memory and quarantine
	echo "(ASan build: RSS bound raised to $rss_max KB)"
fi
assert_ge "peak RSS bounded (KB below $rss_max)" 0 $((rss_max - rss_kb))

# status NAME / error NAME: from the host_status view
status() { sql "SELECT status FROM host_status WHERE name = '$1'"; }
error() { sql "SELECT error FROM host_status WHERE name = '$1'"; }
# coll NAME COLLECTOR: that collector's status on the host's last attempt
coll() {
	sql "SELECT c.status FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	    JOIN hosts h ON h.id = a.host_id WHERE h.name = '$1' AND c.collector = '$2'
	    ORDER BY a.id DESC LIMIT 1"
}
collerr() {
	sql "SELECT c.error FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	    JOIN hosts h ON h.id = a.host_id WHERE h.name = '$1' AND c.collector = '$2'
	    ORDER BY a.id DESC LIMIT 1"
}
fact() {
	sql "SELECT value FROM host_facts WHERE host = '$1' AND key = '$2'"
}
# ms NAME: how long the host's attempt took, in milliseconds
ms() {
	sql "SELECT (a.ended_us - a.started_us) / 1000 FROM attempts a
	    JOIN hosts h ON h.id = a.host_id WHERE h.name = '$1'"
}

assert_eq "every host has one attempt" $((HEALTHY + NBROKEN)) \
    "$(sql 'SELECT count(*) FROM attempts')"

# ---- network and protocol faults: status, message
declare -A want=(
	[dns01]=dns_error
	[refuse01]=refused
	[blackhole01]=connect_timeout
	[tarpit01]=handshake_timeout
	[drip01]=handshake_timeout
	[nonssh01]=protocol_error
	[hostkey-changed01]=hostkey_mismatch
	[hostkey-unknown01]=hostkey_unknown
	[auth-reject01]=auth_failed
	[hang01]=command_timeout
	[drop01]=disconnected
)
declare -A msg=(
	[dns01]='dns01\.rollcall-fleet\.invalid'
	[refuse01]='refused'
	[blackhole01]='connect.*(time|deadline)'
	[tarpit01]='handshake.*(time|deadline)'
	[drip01]='handshake.*(time|deadline)'
	[nonssh01]='[Bb]anner|protocol|SSH'
	[hostkey-changed01]='HOST KEY CHANGED.*not authenticating'
	[hostkey-unknown01]='not in .*known_hosts.*strict'
	[auth-reject01]='[Aa]uth|denied|rejected'
	[hang01]='did not finish in time.*command_timeout'
	[drop01]='connection lost'
)
for name in "${!want[@]}"; do
	assert_eq "$name is ${want[$name]}" "${want[$name]}" "$(status "$name")"
	assert_match "$name: message is clear (/${msg[$name]}/)" "${msg[$name]}" "$(error "$name")"
done

# DNS failure ends on the resolver's own answer (nothing listens on
# 127.0.0.1:53; daemon/worker.c allows 2 tries of 2 s), before the 5 s
# connect_timeout, with the resolver's message, not a deadline.
assert_ge "dns01 failed before connect_timeout (ms to spare of 5000)" 0 $((5000 - $(ms dns01)))
assert_match "dns01: the resolver's answer, not a deadline" 'cannot resolve' "$(error dns01)"
assert_ge "blackhole01 waited for connect_timeout (ms, wall clock vs the monotonic deadline)" 4900 "$(ms blackhole01)"
assert_ge "blackhole01 gave up soon after it (ms to spare of 9000)" 0 $((9000 - $(ms blackhole01)))
assert_ge "tarpit01 gave up soon after connect_timeout (ms to spare of 9000)" 0 $((9000 - $(ms tarpit01)))
assert_ge "drip01 gave up soon after connect_timeout (ms to spare of 9000)" 0 $((9000 - $(ms drip01)))

# ---- hosts that log in, with output faults
assert_eq "chatty01 (1 GB of output): host ok" ok "$(status chatty01)"
chatty_colls=$(sql "SELECT group_concat(DISTINCT c.status) FROM collector_runs c
    JOIN attempts a ON a.id = c.attempt_id JOIN hosts h ON h.id = a.host_id
    WHERE h.name = 'chatty01'")
assert_match "chatty01: a collector is output_truncated" 'output_truncated' "$chatty_colls"
assert_match "chatty01: truncation message names max_output" 'max_output' \
    "$(sql "SELECT group_concat(c.error) FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	JOIN hosts h ON h.id = a.host_id WHERE h.name = 'chatty01' AND c.status = 'output_truncated'")"
chatty_bytes=$(sql "SELECT max(c.out_bytes) FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
    JOIN hosts h ON h.id = a.host_id WHERE h.name = 'chatty01'")
assert_ge "chatty01: stopped reading near max_output (bytes below 2 MiB)" 0 $((2097152 - ${chatty_bytes:-99999999}))

assert_eq "fail01 (exit 3 after the script): host ok" ok "$(status fail01)"
assert_eq "garbage01 (random bytes instead of the script's): host ok" ok "$(status garbage01)"
g=$(sql "SELECT group_concat(DISTINCT c.status) FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
    JOIN hosts h ON h.id = a.host_id WHERE h.name = 'garbage01'")
assert_match "garbage01: its collectors are in error, not ok" '^(parse_error|failed|not_run)(,(parse_error|failed|not_run))*$' "$g"
assert_eq "garbage01: no facts stored" 0 "$(sql "SELECT count(*) FROM host_facts WHERE host = 'garbage01'")"

# web002: garbage from one tool -> that collector's parse_error only
assert_eq "web002 (garbage /proc/meminfo): host ok" ok "$(status web002)"
assert_eq "web002: memory is parse_error" parse_error "$(coll web002 memory)"
assert_nonempty "web002: memory error says why" "$(collerr web002 memory)"
assert_eq "web002: no memory facts stored" 0 "$(sql "SELECT count(*) FROM host_facts WHERE host = 'web002' AND key LIKE 'memory.%'")"
for c in os kernel cpu uptime; do
	assert_eq "web002: $c still ok" ok "$(coll web002 $c)"
done

# web003: non-zero exit -> that collector failed, host ok
assert_eq "web003 (uname exits 5): host ok" ok "$(status web003)"
assert_eq "web003: kernel is failed" failed "$(coll web003 kernel)"
assert_eq "web003: kernel exit code recorded" 5 \
    "$(sql "SELECT c.exit_code FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	JOIN hosts h ON h.id = a.host_id WHERE h.name = 'web003' AND c.collector = 'kernel'")"
assert_eq "web003: os still ok" ok "$(coll web003 os)"

# db001: hang in the last collector -> command_timeout, partial facts kept
assert_eq "db001 (memory hangs): command_timeout" command_timeout "$(status db001)"
assert_match "db001: message names the collector" 'memory' "$(error db001)"
assert_eq "db001: memory collector is timeout" timeout "$(coll db001 memory)"
os_id=$(. /etc/os-release && echo "$ID")
assert_eq "db001: facts of collectors that finished kept (os.id)" "$os_id" "$(fact db001 os.id)"
assert_nonempty "db001: kernel.release kept" "$(fact db001 kernel.release)"

# show HOST and the host_collectors view say the same per collector:
# timeout (db001), output_truncated (chatty01), failed with its exit code
# (web003), parse_error (web002).
rc_run show -c "$CONF" db001
assert_match "show db001: memory timeout" 'memory +timeout' "$OUT"
rc_run show -c "$CONF" chatty01
assert_match "show chatty01: output_truncated" 'output_truncated' "$OUT"
rc_run show -c "$CONF" web003
assert_match "show web003: kernel failed with its exit code" 'kernel +failed \(exit 5\)' "$OUT"
for h in db001 chatty01 web003 web002; do
	rc_run show -c "$CONF" "$h" --json
	from_show=$(jq -r '.collectors[] | "\(.collector) \(.status) \(.exit_code) \(.error)"' <<<"$OUT" | sort)
	rc_run query -c "$CONF" --json "SELECT collector, status, exit_code, error FROM host_collectors WHERE host = '$h'"
	assert_eq "host_collectors = show for $h" "$from_show" \
	    "$(jq -r '.[] | "\(.collector) \(.status) \(.exit_code) \(.error)"' <<<"$OUT" | sort)"
done
assert_eq "host_collectors: db001 memory timeout" timeout \
    "$(sql "SELECT status FROM host_collectors WHERE host = 'db001' AND collector = 'memory'")"

# web004: escapes, invalid UTF-8, NUL from a raw custom collector
assert_eq "web004 (escapes, bad UTF-8): host ok" ok "$(status web004)"
assert_eq "web004: custom.banner ok" ok "$(coll web004 custom.banner)"
hexv=$(sql "SELECT hex(value) FROM host_facts WHERE host = 'web004' AND key = 'custom.banner.value'")
assert_nonempty "web004: banner stored" "$hexv"
# Stored as given: the OSC title, CSI colours, BEL and the invalid bytes are
# all in the database byte for byte; only the NUL (which a text value cannot
# hold) becomes U+FFFD. Escaping is the CLI's job, checked below.
assert_match "web004: terminal escapes stored as given (1B5D303B)" '1B5D303B' "$hexv"
assert_match "web004: BEL and CSI stored as given (071B5B33316D)" '071B5B33316D' "$hexv"
assert_match "web004: invalid UTF-8 stored as given (FFFE)" '20FFFE20' "$hexv"
assert_match "web004: valid UTF-8 kept (été = 74C3A974C3A9)" 'C3A974C3A9' "$hexv"
assert_match "web004: NUL stored as U+FFFD (EFBFBD)" '626164EFBFBD6E756C' "$hexv"
rc_run show -c "$CONF" web004
assert_eq "show web004 (table) exits 0" 0 "$RC"
assert_eq "show web004 table: no ESC byte printed" 0 "$(tr -cd '\033' <<<"$OUT" | wc -c)"
assert_eq "show web004 table: no BEL byte printed" 0 "$(tr -cd '\007' <<<"$OUT" | wc -c)"
assert_match "show web004 table: ESC shown escaped" '\\x1b\]0;pwned-title\\x07' "$OUT"
assert_match "show web004 table: invalid bytes shown escaped" '\\xff\\xfe' "$OUT"
rc_run show -c "$CONF" --json web004
assert_eq "show web004 --json is valid JSON" ok "$(jq -e 'has("facts")' >/dev/null <<<"$OUT" && echo ok)"
assert_eq "show web004 --json: ESC as \\u001b, bad bytes as U+FFFD" \
    "$(printf '\033]0;pwned-title\007\033[31mRED\033[0m \303\251t\303\251 \357\277\275\357\277\275 bad\357\277\275nul')" \
    "$(jq -r '.facts["custom.banner.value"]' <<<"$OUT")"
rc_run hosts -c "$CONF" --json
assert_eq "hosts --json is valid JSON with every host" $((HEALTHY + NBROKEN)) "$(jq length <<<"$OUT" 2>/dev/null)"
rc_run hosts -c "$CONF"
assert_eq "hosts table: no ESC byte printed" 0 "$(tr -cd '\033' <<<"$OUT" | wc -c)"

# ---- other hosts unaffected: every plain healthy host ok with its facts
not_ok=$(sql "SELECT name || '=' || status FROM host_status
    WHERE name IN ('web001','web005','web006','web007') AND status != 'ok'")
assert_eq "plain healthy hosts all ok in the same sweep" "" "$not_ok"
assert_eq "plain healthy hosts: every collector ok" 0 \
    "$(sql "SELECT count(*) FROM collector_runs c JOIN attempts a ON a.id = c.attempt_id
	JOIN hosts h ON h.id = a.host_id WHERE h.name IN ('web001','web005','web006','web007')
	AND c.status != 'ok'")"
assert_eq "plain healthy hosts have os.id" 4 \
    "$(sql "SELECT count(*) FROM host_facts WHERE key = 'os.id' AND value = '$os_id'
	AND host IN ('web001','web005','web006','web007')")"

# ---- @revoked and changed keys: no authentication attempted. Second
# sweep on a config whose known_hosts lists the fleet's (shared) host key
# @revoked for two hosts: web001 by a pattern list, web005 by a hashed name
# (|1|salt|HMAC-SHA1, as `ssh-keygen -H` writes). web006 has the same key
# but no @revoked line names it, so it stays ok.
hkey=$(cut -d' ' -f1,2 "$FLEET_DIR/ssh_host_ed25519_key.pub")
khname() { grep -F " $hkey" "$FLEET_DIR/known_hosts" | awk -v a="$(addr_of "$1")" \
    '$1 == a || index($1, "[" a "]:") == 1 { print $1; exit }'; }
hashed=$(python3 -c 'import base64,hashlib,hmac,os,sys
s = os.urandom(20)
h = hmac.new(s, sys.argv[1].encode(), hashlib.sha1).digest()
print("|1|" + base64.b64encode(s).decode() + "|" + base64.b64encode(h).decode())' "$(khname web005)")
cp "$FLEET_DIR/known_hosts" "$T_DIR/known_hosts.revoked"
{
	echo "@revoked nothing.example,$(khname web001),!db* $hkey"
	echo "@revoked $hashed $hkey"
} >>"$T_DIR/known_hosts.revoked"
sed "s|^  known_hosts: .*|  known_hosts: $T_DIR/known_hosts.revoked|" "$CONF" >"$FLEET_DIR/revoked.yml"
log0=$(wc -c <"$FLEET_DIR/sshd.log")
rc_run collect -c "$FLEET_DIR/revoked.yml" --limit web001,web005,web006
assert_eq "revoked: collect exits 1" 1 "$RC"
assert_eq "revoked: web001 (pattern list) is hostkey_mismatch" hostkey_mismatch "$(status web001)"
assert_match "revoked: message says revoked" 'revoked' "$(error web001)"
assert_eq "revoked: web005 (hashed name) is hostkey_mismatch" hostkey_mismatch "$(status web005)"
assert_eq "revoked: web006 (same key, not named) is ok" ok "$(status web006)"
assert_match "revoked: logged loudly" 'revoked' "$ERR"
ok_auth=$(grep -c 'Accepted publickey' <(tail -c +$((log0 + 1)) "$FLEET_DIR/sshd.log") || true)
assert_eq "revoked: only web006 authenticated" 1 "$ok_auth"
log0=$(wc -c <"$FLEET_DIR/sshd.log")
rc_run collect -c "$CONF" --limit hostkey-changed01
assert_match "changed key: logged loudly" 'HOST KEY CHANGED' "$ERR"
assert_eq "changed key: logged once" 1 "$(grep -c 'HOST KEY CHANGED' <<<"$ERR")"
sleep 0.5
newlog=$(tail -c +$((log0 + 1)) "$FLEET_DIR/sshd.log")
assert_ge "sshd saw the changed-key connection (VERBOSE log)" 1 "$(grep -c 'Connection from' <<<"$newlog" || true)"
assert_eq "sshd log: no authentication attempted for the changed key" "" \
    "$(grep -E 'publickey|Accepted|Failed|Postponed|Authentication' <<<"$newlog" || true)"

finish
