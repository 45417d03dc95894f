#!/usr/bin/env bash
# man_synopsis.sh: the SYNOPSIS of docs/rollcall.1 must be what the
# command table (cli/cmd.c) says, as `rollcall --synopsis` prints it, so
# the man page, --help and the usage errors cannot drift apart.
#   ROLLCALL=build/rollcall tests/man_synopsis.sh         # check
#   ROLLCALL=build/rollcall tests/man_synopsis.sh --fix   # rewrite the page
set -euo pipefail

src=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
man=$src/docs/rollcall.1
rollcall=${ROLLCALL:?set ROLLCALL to the rollcall binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$rollcall" --synopsis >"$tmp/table"
[ -s "$tmp/table" ] || { echo "man_synopsis: rollcall --synopsis printed nothing" >&2; exit 1; }
grep -q '^\.Cm hosts$' "$tmp/table" || { echo "man_synopsis: no hosts entry in the table dump" >&2; exit 1; }
# The page's section: the lines between .Sh SYNOPSIS and the next .Sh.
awk '/^\.Sh /{ in_syn = ($0 == ".Sh SYNOPSIS"); next } in_syn' "$man" >"$tmp/page"

if [ "${1:-}" = --fix ]; then
	awk -v table="$tmp/table" '
		/^\.Sh /{ if (in_syn) in_syn = 0 }
		!in_syn { print }
		$0 == ".Sh SYNOPSIS" { while ((getline l < table) > 0) print l; in_syn = 1 }
	' "$man" >"$tmp/new"
	cat "$tmp/new" >"$man"
	echo "man_synopsis: rewrote the SYNOPSIS of $man"
	exit 0
fi
if ! diff -u --label "docs/rollcall.1 SYNOPSIS" --label "rollcall --synopsis" \
    "$tmp/page" "$tmp/table"; then
	echo "man_synopsis: docs/rollcall.1 disagrees with the command table;" \
	    "run: ROLLCALL=build/rollcall tests/man_synopsis.sh --fix" >&2
	exit 1
fi
echo "man_synopsis: $(grep -c '^\.Cm ' "$tmp/table") commands agree"
