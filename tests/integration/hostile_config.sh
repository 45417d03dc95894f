#!/usr/bin/env bash
# hostile_config: bad and hostile configuration and inventory files through
# the real binary. `rollcall check-config` and `rollcall collect` must exit 2
# naming file:line:column, within bounded time and memory, and never run
# anything: hostnames and vars like `$(touch /tmp/...)` or
# `-oProxyCommand=touch ...` must leave no file behind. The parsing itself
# (every error message) is covered by tests/unit/test_config.c; this checks
# the commands end to end. No fleet: nothing may get as far as the network.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

W=$T_DIR/w
mkdir -p "$W"
PWN=/tmp/rc-i6-pwned-$$
rm -f "$PWN".*

# conf FILE INVENTORY_FILE: a rollcall.yml in $W pointing at one inventory
conf() {
	cat >"$W/$1" <<EOF
database: $W/never.db
inventory: [$2]
ssh:
  user: nobody
  identity: $W/no-such-key
  known_hosts: $W/known_hosts
EOF
}

# run_bad NAME WHAT REGEX: check-config and collect on $W/NAME both exit 2
# with an error matching REGEX (which names file:line:col), bounded.
run_bad() {
	local f=$W/$1 what=$2 re=$3 cmd t0 t1 rss
	for cmd in check-config collect; do
		t0=$(date +%s%N)
		set +e
		timeout -k 5 60 /usr/bin/time -o "$T_DIR/time.txt" -f %M \
		    "$ROLLCALL" "$cmd" -c "$f" >"$T_DIR/out" 2>"$T_DIR/err"
		RC=$?
		set -e
		t1=$(date +%s%N)
		rss=$(tail -n 1 "$T_DIR/time.txt" 2>/dev/null || echo 0)
		assert_eq "$what: $cmd exits 2" 2 "$RC"
		assert_match "$what: $cmd names file:line:column" "$re" "$(cat "$T_DIR/err")"
		assert_ge "$what: $cmd in under 20 s (ms to spare)" 0 $((20000 - (t1 - t0) / 1000000))
		[[ $rss =~ ^[0-9]+$ ]] || rss=9999999
		# 100 MB input: the loader refuses it by size, unread.
		assert_ge "$what: $cmd peak RSS under 400 MB (KB to spare)" 0 $((409600 - rss))
	done
	[ ! -e "$W/never.db" ] || t_fail "$what: a database was created" "$W/never.db"
}

# run_hostbad NAME WHAT REGEX: the file is valid but its hosts are not
# (a name or address that could be an option or shell code): check-config
# exits 1 naming each with file:line:column, collect reports them as
# config_error without contacting anything (exit 1).
run_hostbad() {
	local f=$W/$1 what=$2 re=$3
	set +e
	timeout -k 5 60 "$ROLLCALL" check-config -c "$f" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	set -e
	assert_eq "$what: check-config exits 1" 1 "$RC"
	assert_match "$what: check-config names the host's file:line:column" "$re" "$(cat "$T_DIR/err")"
	set +e
	timeout -k 5 60 "$ROLLCALL" collect -c "$f" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	set -e
	assert_eq "$what: collect exits 1" 1 "$RC"
	assert_match "$what: collect reports config_error at file:line:column" "config_error: .*$re" "$(cat "$T_DIR/err")"
	rm -f "$W/never.db"*
}

# ---- hostile host names and vars: that host's error, nothing executed
cat >"$W/inv-shell.yml" <<EOF
all:
  hosts:
    "\$(touch $PWN.1)":
    ok1:
      ansible_host: "\`touch $PWN.2\`"
EOF
conf shell.yml inv-shell.yml
run_hostbad shell.yml 'host named $(touch ...)' "inv-shell\.yml:3:5: "
run_hostbad shell.yml 'ansible_host `touch ...`' "inv-shell\.yml:5:21: "

cat >"$W/inv-option.yml" <<EOF
all:
  hosts:
    "-oProxyCommand=touch $PWN.3":
    ok2:
      ansible_host: "-oProxyCommand=touch $PWN.4"
EOF
conf option.yml inv-option.yml
run_hostbad option.yml 'host named -oProxyCommand=...' "inv-option\.yml:3:5: "
run_hostbad option.yml 'ansible_host -oProxyCommand=...' "inv-option\.yml:5:21: "

long=$(printf 'a%.0s' $(seq 1 300))
printf 'all:\n  hosts:\n    %s.example:\n' "$long" >"$W/inv-long.yml"
conf long.yml inv-long.yml
run_hostbad long.yml 'host name over 253 characters' "inv-long\.yml:3:5: "

# A duplicate key: Ansible keeps the last and warns; so does rollcall.
printf 'all:\n  hosts:\n    a:\n    b:\n  children:\n    g:\n      hosts:\n        a:\n    g:\n      hosts:\n        b:\n' >"$W/inv-dupkey.yml"
conf dupkey.yml inv-dupkey.yml
set +e
"$ROLLCALL" check-config -c "$W/dupkey.yml" >"$T_DIR/out" 2>"$T_DIR/err"
set -e
assert_match "duplicate key: check-config warns at file:line:column" "warning: .*inv-dupkey\.yml:6:5: duplicate key 'g' \(the one at line 9 is used" "$(cat "$T_DIR/err")"

printf 'all:\n  hosts:\n    a: [1, 2\n' >"$W/inv-syntax.yml"
conf syntax.yml inv-syntax.yml
run_bad syntax.yml 'YAML syntax error' "inv-syntax\.yml:[0-9]+:[0-9]+: "

# billion laughs
{
	echo 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
	for i in $(seq 1 9); do
		printf 'a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' \
		    "$i" "$i" $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) \
		    $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1))
	done
	echo 'all: {hosts: {h: {v: *a9}}}'
} >"$W/inv-bomb.yml"
conf bomb.yml inv-bomb.yml
run_bad bomb.yml 'alias bomb' "inv-bomb\.yml:[0-9]+:[0-9]+: "

# 10,000-deep nesting
{ printf 'all:\n  vars:\n    x: '; printf '[%.0s' $(seq 1 10000); printf ']%.0s' $(seq 1 10000); echo; } >"$W/inv-deep.yml"
conf deep.yml inv-deep.yml
run_bad deep.yml '10,000-deep nesting' "inv-deep\.yml:[0-9]+:[0-9]+: "

# a 100 MB file (sparse: costs no disk)
truncate -s 100M "$W/inv-huge.yml"
conf huge.yml inv-huge.yml
run_bad huge.yml '100 MB inventory' "inv-huge\.yml(:[0-9]+:[0-9]+)?: "

printf 'database: %s/never.db\ninventory: [inv-ok.yml]\nconcurrency: lots\nssh:\n  connect_timeout: 10 parsecs\n' "$W" >"$W/types.yml"
printf 'all:\n  hosts:\n    ok:\n' >"$W/inv-ok.yml"
run_bad types.yml 'wrong types in rollcall.yml' "types\.yml:3:14: "

# hostile var values are data, never commands: the config is valid, but
# check-config must not run them either.
cat >"$W/inv-vars.yml" <<EOF
all:
  hosts:
    fine:
      ansible_become_pass: "\$(touch $PWN.5)"
      "x; touch $PWN.6": "\`touch $PWN.7\`"
EOF
conf vars.yml inv-vars.yml
set +e
"$ROLLCALL" check-config -c "$W/vars.yml" >"$T_DIR/out" 2>"$T_DIR/err"
RC=$?
set -e
assert_eq "hostile var values: data, not errors (exit 1 only for the missing key)" 1 "$RC"
assert_match "hostile var values: the only problem is the missing key" "no-such-key" "$(cat "$T_DIR/err")"

left=$(ls "$PWN".* 2>/dev/null || true)
assert_eq "nothing was executed: no $PWN.* file exists" "" "$left"
rm -f "$PWN".*

finish
