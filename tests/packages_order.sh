#!/usr/bin/env bash
# packages_order.sh: `rollcall packages` returns exactly the rows, in
# exactly the order, of its statement as it stood before the 100k-host
# tuning (kept below as the reference and run through `rollcall query`,
# the same connection and renderer), on a database bench/storage fills
# with 300 replayed hosts of four distros, three versions each and half
# of them part-way through a package rollout. No root, no sshd.
#   ROLLCALL=build/rollcall BENCH=build/rollcall-bench-storage tests/packages_order.sh
set -euo pipefail

src=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
rollcall=${ROLLCALL:?set ROLLCALL to the rollcall binary}
bench=${BENCH:?set BENCH to rollcall-bench-storage}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$bench" -n 300 -s 1 -c 50 -r 1 -f "$src/tests/fixtures/collectors" \
    "$tmp/db" >"$tmp/bench.out" 2>&1 || { cat "$tmp/bench.out" >&2; exit 1; }

# The statement of cli/cmd_packages.c before, NAME and --version inlined.
reference() {
	local name=$1 op=${2:-} ver=${3:-}
	local opsql="NULL" versql="NULL"
	[ -n "$op" ] && opsql="'$op'" && versql="'$ver'"
	cat <<SQL
SELECT h.name AS host, p.name AS name, p.version AS version,
 p.arch AS arch, p.manager AS manager
 FROM packages p JOIN hosts h ON h.id = p.host_id
 WHERE h.in_inventory = 1 AND glob('$name', p.name)
 AND host_selected(h.name)
 AND (NULL IS NULL OR instr(',' || h.groups || ',', ',' || NULL || ',') > 0)
 AND ($opsql IS NULL OR CASE $opsql
  WHEN '~' THEN glob($versql, p.version)
  WHEN '=' THEN version_cmp(p.manager, p.version, $versql) = 0
  WHEN '!=' THEN version_cmp(p.manager, p.version, $versql) <> 0
  WHEN '<' THEN version_cmp(p.manager, p.version, $versql) < 0
  WHEN '<=' THEN version_cmp(p.manager, p.version, $versql) <= 0
  WHEN '>' THEN version_cmp(p.manager, p.version, $versql) > 0
  WHEN '>=' THEN version_cmp(p.manager, p.version, $versql) >= 0 END)
 ORDER BY h.name, p.name, p.arch
SQL
}

# check NAME [OP VERSION]: CSV of both, byte for byte, and not empty.
check() {
	local args=("$1")
	[ $# -eq 3 ] && args+=(--version "$2$3")
	"$rollcall" query --db "$tmp/db" --csv "$(reference "$@")" \
	    >"$tmp/want" 2>&1 || true
	"$rollcall" packages --db "$tmp/db" --csv "${args[@]}" \
	    >"$tmp/got" 2>&1 || true
	[ "$(wc -l <"$tmp/want")" -gt 2 ] ||
	    fail "packages ${args[*]}: the reference has no rows"
	cmp -s "$tmp/want" "$tmp/got" ||
	    fail "packages ${args[*]}: $(diff "$tmp/want" "$tmp/got" | head -5)"
}

check openssl
check 'lib*'
check '*ssl*'
check 'openssl*' '<' 3.0.20
check 'lib*' '>=' 2.0
check 'openssl' '~' '3.*'
echo "packages_order: $fails failure(s)"
[ "$fails" = 0 ]
