#!/usr/bin/env bash
# inventory_diff.sh: the differential test of issue 12. Every inventory of
# tests/fixtures/inventories/ (YAML, INI, JSON) must read the same under
# rollcall as under Ansible itself (Debian's ansible-core, the oracle):
#   rollcall inventory -i F --list   vs  ansible-inventory -i F --list
#   rollcall inventory -i F --graph  vs  ansible-inventory -i F --graph
# (hosts, group membership with Ansible's order, merged hostvars with
# their types), compared after `jq -S`. A difference fails the test unless
# DIFFERENCES names it (file, jq path, reason; docs/INVENTORY.md explains
# each); a listed path that no longer differs fails too. Every line of
# PATTERNS compares `rollcall inventory --list-hosts --limit P` with
# `ansible all --list-hosts --limit P`. Ansible must accept every file
# (ANSIBLE_INVENTORY_UNPARSED_FAILED), so the corpus stays valid.
# Ansible takes seconds per run, so its answers are computed in parallel
# and kept in $ORACLE_CACHE (default build/inventory-oracle), keyed by the
# file's, the pattern's and ansible-core's checksum: a later run only
# asks Ansible about what changed.
#   ROLLCALL=build/rollcall tests/inventory_diff.sh
set -uo pipefail

src=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
rollcall=${ROLLCALL:?set ROLLCALL to the rollcall binary}
rollcall=$(cd "$(dirname "$rollcall")" && pwd)/$(basename "$rollcall")
corpus=$src/tests/fixtures/inventories
fails=0 checks=0

for tool in ansible-inventory ansible jq; do
	if ! command -v "$tool" >/dev/null; then
		echo "inventory_diff: FAIL: $tool is missing (scripts/deps.sh installs ansible-core and jq)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cache=${ORACLE_CACHE:-$(dirname "$rollcall")/inventory-oracle}
mkdir -p "$cache" || exit 1
aver=$(ansible-inventory --version 2>/dev/null | head -n 1)
# Ansible with no ansible.cfg, no ~/.ansible of the user, and failing on
# a file it cannot parse instead of warning.
: >"$tmp/ansible.cfg"
export ANSIBLE_CONFIG=$tmp/ansible.cfg ANSIBLE_LOCAL_TEMP=$tmp/ansible-tmp
export ANSIBLE_HOME=$tmp/ansible-home ANSIBLE_INVENTORY_UNPARSED_FAILED=true
export ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=false
cd "$corpus" || exit 1

# The cache file for one question to Ansible: KIND FILE [PATTERN].
oracle_key() {
	printf '%s\0%s\0%s\0' "$aver" "$1" "${3:-}" | cat - "$2" |
	    sha256sum | cut -c1-32
}

# Ask Ansible once (run in parallel by xargs): KIND FILE [PATTERN] -> the
# cache file, with its exit status in FILE.rc.
oracle_run() {
	local kind=$1 f=$2 p=${3:-} out
	out=$cache/$(oracle_key "$kind" "$f" "$p")
	[ -e "$out.rc" ] && return 0
	case $kind in
	list) ansible-inventory -i "$f" --list >"$out" 2>"$out.err" ;;
	graph) ansible-inventory -i "$f" --graph >"$out" 2>"$out.err" ;;
	hosts) ansible all -i "$f" --list-hosts --limit "$p" >"$out" 2>"$out.err" ;;
	esac
	echo $? >"$out.rc"
}
export -f oracle_run oracle_key
export cache aver

# Every question of this run, one per line: KIND<TAB>FILE[<TAB>PATTERN].
questions() {
	local f
	for f in *; do
		[ -f "$f" ] || continue
		case $f in DIFFERENCES|PATTERNS) continue ;; esac
		printf 'list\t%s\ngraph\t%s\n' "$f" "$f"
	done
	awk -F'\t' '!/^#/ && NF == 2 { print "hosts\t" $1 "\t" $2 }' PATTERNS
}

# The cached answer of Ansible: prints the file name.
oracle() {
	echo "$cache/$(oracle_key "$1" "$2" "${3:-}")"
}

fail() {
	echo "inventory_diff: FAIL: $*" >&2
	fails=$((fails + 1))
}

# The jq paths DIFFERENCES lists for file $1, one per line.
diff_paths() {
	awk -F'\t' -v f="$1" '!/^#/ && $1 == f { print $2 }' DIFFERENCES
}

# compare_list FILE: --list, with the documented paths deleted.
compare_list() {
	local f=$1 paths del='.' p a
	paths=$(diff_paths "$f")
	for p in $paths; do del="$del | del($p)"; done
	if ! "$rollcall" inventory -i "$f" --list >"$tmp/r.json" 2>"$tmp/r.err"; then
		fail "$f: rollcall inventory --list failed: $(cat "$tmp/r.err")"
		return
	fi
	a=$(oracle list "$f")
	if [ "$(cat "$a.rc" 2>/dev/null)" != 0 ]; then
		fail "$f: Ansible rejects this corpus file: $(cat "$a.err")"
		return
	fi
	cp "$a" "$tmp/a.json"
	jq -S "$del" "$tmp/r.json" >"$tmp/r.n" && jq -S "$del" "$tmp/a.json" >"$tmp/a.n" ||
	    { fail "$f: output is not JSON"; return; }
	checks=$((checks + 1))
	if ! diff -u "$tmp/a.n" "$tmp/r.n" >"$tmp/d"; then
		fail "$f: --list differs from ansible-inventory (- ansible, + rollcall):"
		cat "$tmp/d" >&2
	fi
	for p in $paths; do
		checks=$((checks + 1))
		[ "$(jq -cS "$p" "$tmp/r.json")" != "$(jq -cS "$p" "$tmp/a.json")" ] ||
		    fail "$f: DIFFERENCES lists $p but it no longer differs: drop the entry"
	done
}

# compare_graph FILE: the --graph tree, line for line.
compare_graph() {
	local f=$1
	"$rollcall" inventory -i "$f" --graph >"$tmp/r.g" 2>/dev/null
	cp "$(oracle graph "$f")" "$tmp/a.g"
	checks=$((checks + 1))
	diff -u "$tmp/a.g" "$tmp/r.g" >"$tmp/d" ||
	    { fail "$f: --graph differs (- ansible, + rollcall):"; cat "$tmp/d" >&2; }
}

# compare_pattern FILE PATTERN: the same hosts selected (order aside).
compare_pattern() {
	local f=$1 p=$2
	"$rollcall" inventory -i "$f" --list-hosts --limit "$p" 2>/dev/null |
	    sed -n 's/^    //p' | sort >"$tmp/r.h"
	sed -n 's/^    //p' "$(oracle hosts "$f" "$p")" | sort >"$tmp/a.h"
	checks=$((checks + 1))
	diff -u "$tmp/a.h" "$tmp/r.h" >"$tmp/d" ||
	    { fail "$f --limit '$p' selects other hosts (- ansible, + rollcall):"; cat "$tmp/d" >&2; }
}

questions | tr '\n' '\0' |
    xargs -0 -P "${ORACLE_JOBS:-4}" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r k f p <<<"$1"; oracle_run "$k" "$f" "$p"' _ {}

n=0
for f in *; do
	[ -f "$f" ] || continue
	case $f in DIFFERENCES|PATTERNS) continue ;; esac
	n=$((n + 1))
	compare_list "$f"
	compare_graph "$f"
done
[ "$n" -ge 30 ] || fail "the corpus has $n inventories; issue 12 asks for at least 30"
while IFS=$'\t' read -r f p; do
	case $f in ''|'#'*) continue ;; esac
	compare_pattern "$f" "$p"
done <PATTERNS

echo "inventory_diff: $n inventories, $checks checks, $fails failures"
[ "$fails" -eq 0 ]
