#!/usr/bin/env bash
# cli_usage.sh: what the command table promises, checked on the binary:
# `rollcall help CMD` is `rollcall CMD --help` and starts with the usage
# line; every usage error has the one wording; global options before the
# command reach it, and the same option after the command wins.
#   ROLLCALL=build/rollcall tests/cli_usage.sh
set -euo pipefail

src=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
rollcall=${ROLLCALL:?set ROLLCALL to the rollcall binary}
case $rollcall in /*) ;; *) rollcall=$PWD/$rollcall ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# Every command of the top-level --help.
cmds=$("$rollcall" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 11 ] || fail "rollcall --help lists $(echo "$cmds" | wc -w) commands"
for c in $cmds; do
	"$rollcall" help "$c" >"$tmp/help" || fail "help $c exits $?"
	"$rollcall" "$c" --help >"$tmp/opt" || fail "$c --help exits $?"
	cmp -s "$tmp/help" "$tmp/opt" || fail "'help $c' differs from '$c --help'"
	head -1 "$tmp/opt" | grep -q "^usage: rollcall $c " || fail "$c --help: no usage line"
	syn=$(head -1 "$tmp/opt")
	rc=0; "$rollcall" "$c" --no-such-option 2>"$tmp/err" >/dev/null || rc=$?
	[ "$rc" = 2 ] || fail "$c --no-such-option exits $rc, not 2"
	printf '%s\n%s\n%s\n' "rollcall $c: unknown option --no-such-option" \
	    "$syn" "try 'rollcall $c --help'" >"$tmp/want"
	diff -u "$tmp/want" "$tmp/err" >&2 || fail "$c: usage error wording"
done

# Global options: -c before the command reaches it; after it, it wins.
bad=$tmp/bad.yml
printf 'interval: never\n' >"$bad"
rc=0; "$rollcall" -c "$bad" check-config 2>"$tmp/err" >/dev/null || rc=$?
[ "$rc" = 2 ] || fail "-c BAD check-config exits $rc"
grep -q "^$bad:[0-9]*:[0-9]*: " "$tmp/err" || fail "config error without file:line:column: $(cat "$tmp/err")"
grep -q "^rollcall check-config: [0-9]* errors\? in $bad\$" "$tmp/err" || fail "no error count"
# The example loads (exit 0, or 1 when this machine lacks the ~/.ssh
# files it names: check-config says so); 2 would be a config error.
rc=0; (cd "$src/examples" && "$rollcall" -c "$bad" check-config -c rollcall.yml >/dev/null 2>&1) || rc=$?
[ "$rc" -lt 2 ] || fail "-c after the command does not win (exit $rc)"
rc=0; (cd "$src/examples" && "$rollcall" -v -c rollcall.yml check-config >/dev/null 2>&1) || rc=$?
[ "$rc" -lt 2 ] || fail "-v -c FILE check-config (exit $rc)"
rc=0; "$rollcall" --db "$tmp/none.db" show web01 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "cannot open DB $tmp/none.db: No such file" "$tmp/err" ||
    fail "--db before show did not reach it (rc $rc): $(cat "$tmp/err")"
rc=0; "$rollcall" --db "$tmp/none.db" status 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "--db with status (no such option) exits $rc"
rc=0; "$rollcall" frobnicate 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "^try 'rollcall --help'" "$tmp/err" || fail "unknown command"

[ "$fails" = 0 ] || { echo "cli_usage: $fails failures" >&2; exit 1; }
echo "cli_usage: $(echo "$cmds" | wc -w) commands checked"
