#!/usr/bin/env bash
# long-functions.sh: fail when a function of the product is longer than
# MAX lines (default 60, STYLE.md: "no function over ~60 lines without
# reason"), unless it is listed below as a plain dispatch table.
#
# Length is what follows the function's name line up to its closing brace
# (ctags' line: and end: fields), so a one-line signature, the braces and
# the body count; a wrapped signature counts too.
# Folders: cli daemon config collectors storage common cluster (tests,
# fuzz, bench and tools are not the product).
#
#   scripts/long-functions.sh [MAX]    prints every function over MAX
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAX=${1:-60}
FOLDERS="cli daemon config collectors storage common cluster"

# Functions allowed over MAX: "file function  why". Only a plain dispatch
# table (one short arm per case, no logic of its own) has a reason; keep
# each one justified. None today.
ALLOW=$(cat <<'EOF'
EOF
)

command -v ctags >/dev/null 2>&1 ||
	{ echo "long-functions: no ctags (universal-ctags, scripts/deps.sh)" >&2
	  exit 2; }
ctags --version 2>/dev/null | grep -q 'Universal Ctags' ||
	{ echo "long-functions: ctags is not Universal Ctags (end: field)" >&2
	  exit 2; }

cd "$SRC"
files=()
for d in $FOLDERS; do
	for f in "$d"/*.c; do
		[ -e "$f" ] && files+=("$f")
	done
done
[ "${#files[@]}" -gt 0 ] ||
	{ echo "long-functions: no sources under $SRC" >&2; exit 2; }

TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT

# "LENGTH FILE:LINE NAME" for every function definition, longest first.
ctags --fields=+ne --c-kinds=f -o - "${files[@]}" |
    awk -F'\t' '{ l = e = 0
	for (i = 4; i <= NF; i++) {
		if ($i ~ /^line:/) l = substr($i, 6)
		if ($i ~ /^end:/) e = substr($i, 5)
	}
	if (l > 0 && e > 0) print e - l, $2 ":" l, $1 }' |
    sort -k1,1nr >"$TMP"

nfun=$(wc -l <"$TMP")
[ "$nfun" -gt 100 ] ||
	{ echo "long-functions: only $nfun functions: ctags read nothing?" >&2
	  exit 2; }

fail=0
while read -r len where name; do
	[ "$len" -gt "$MAX" ] || break
	file=${where%%:*}
	why=$(printf '%s\n' "$ALLOW" | awk -v f="$file" -v n="$name" \
	    '$1 == f && $2 == n { $1 = $2 = ""; sub(/^ +/, ""); print; exit }')
	if [ -n "$why" ]; then
		echo "long-functions: $where $name: $len lines (allowed: $why)"
	else
		echo "long-functions: $where $name: $len lines, over $MAX"
		fail=1
	fi
done <"$TMP"

longest=$(head -n 1 "$TMP")
if [ "$fail" = 0 ]; then
	echo "long-functions: none over $MAX lines outside the allowlist ($nfun functions; longest: $longest)"
fi
exit "$fail"
