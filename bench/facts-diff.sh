#!/usr/bin/env bash
# bench/facts-diff.sh: do two rollcall builds collect the same facts from
# the same host? For changes to the collectors' remote commands, which must
# keep every fact key and value.
#
#   bench/facts-diff.sh OLD_ROLLCALL NEW_ROLLCALL
#
# Starts a one-host fleet (scripts/fleet.sh), runs `collect` with
# `collectors: all` once with each binary into a database of its own, and
# diffs `rollcall show HOST --json`, leaving out what changes from run to
# run (uptime, load, free memory, the clock, times, used bytes) and the
# output sizes (printed beside each other). Prints the diff; exits 0 when
# there is none. Needs root (the fleet does) and jq.
set -euo pipefail

prog=bench/facts-diff.sh
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "$prog: $*" >&2; exit 1; }

[ "$#" -eq 2 ] || die "usage: $prog OLD_ROLLCALL NEW_ROLLCALL"
old=$(readlink -f "$1")
new=$(readlink -f "$2")
[ -x "$old" ] && [ -x "$new" ] || die "both arguments must be rollcall binaries"
command -v jq >/dev/null 2>&1 || die "jq not found: run scripts/deps.sh"
work=$src_dir/bench/.work/facts-diff
netns=rcfd-$$
rm -rf "$work"
mkdir -p "$work"
trap '"$src_dir/scripts/fleet.sh" --dir "$work/fleet" --netns "$netns" stop >/dev/null 2>&1 || :' EXIT
"$src_dir/scripts/fleet.sh" --dir "$work/fleet" --netns "$netns" --hosts 1 \
    --delay 0:0 start >/dev/null || die "fleet did not start"
sed -i 's/^collectors:.*/collectors: all/' "$work/fleet/rollcall.yml"
# The one host: the inventory entry above its ansible_host line.
host=$(awk '/ansible_host:/ { sub(/:$/, "", prev); print prev; exit }
    { gsub(/ /, ""); prev = $0 }' "$work/fleet/inventory.yml")
[ -n "$host" ] || die "no host in $work/fleet/inventory.yml"

# Volatile facts and run-specific fields, dropped before the diff.
filter='del(.. | .collected_at?, .last_seen?, .first_seen?, .attempt?,
    .duration_ms?, .sweep?, .started_at?, .finished_at?, .used_bytes?,
    .last_attempt?, .last_success?, .out_bytes?)
    | walk(if type == "object" then with_entries(select(.key |
      test("^(uptime\\.|time\\.epoch|memory\\.(available|swap_free)_bytes)") | not))
      else . end)'

for b in old new; do
	bin=$old
	[ "$b" = new ] && bin=$new
	ip netns exec "$netns" "$bin" collect -c "$work/fleet/rollcall.yml" \
	    --db "$work/$b.db" >"$work/$b.collect" 2>&1 ||
	    die "$b: collect failed: $(tail -n 3 "$work/$b.collect")"
	"$bin" show -c "$work/fleet/rollcall.yml" --db "$work/$b.db" "$host" --json \
	    >"$work/$b.raw.json" || die "$b: show $host failed"
	jq -S "$filter" "$work/$b.raw.json" >"$work/$b.json"
done
# Output bytes per collector are expected to change: shown, not diffed.
echo "$prog: output bytes per collector (old new):"
join <(jq -r '.. | objects | select(has("out_bytes")) | "\(.collector) \(.out_bytes)"' "$work/old.raw.json" | sort) \
    <(jq -r '.. | objects | select(has("out_bytes")) | "\(.collector) \(.out_bytes)"' "$work/new.raw.json" | sort) |
    sed 's/^/  /'
echo "$prog: host $host, $(jq '[.. | objects | keys[]] | length' "$work/new.json") keys compared"
diff -u "$work/old.json" "$work/new.json" && echo "$prog: no difference"
