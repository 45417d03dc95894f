#!/usr/bin/env bash
# include-cycles.sh [BUILD_DIR]: fail when the project's own code has a
# dependency circle that is not a deliberate owner/owned pair.
#
# Two graphs, each checked at two levels:
#   include graph  #include "dir/x.h" lines of every .c and .h
#   call graph     (when BUILD_DIR has compile_commands.json and objects)
#                  which object uses a symbol another object defines (nm),
#                  so a circle through a shared header (x.c and y.c calling
#                  each other, both declared in one internal header) shows.
# A node is a module dir/stem (x.c with x.h); a header with no .c of its
# own has no code and only counts at the folder level.
#   module level   within each folder: x -> y when x uses y
#   folder level   a -> b when any file of a uses b
# A circle fails unless one of its edges is listed below as the back edge
# of a deliberate owner/owned pair (the owned one reporting to its owner).
# Folders: every top-level directory with C sources except tests, fuzz and
# bench, which use the project and are used by nothing.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$SRC/build}

# Deliberate back edges: "from to  why" (modules; '*' matches any run of
# characters). Keep each one justified.
ALLOW=$(cat <<'EOF'
daemon/job daemon/worker	owner/owned: a worker runs its jobs (job_start, job_cancel); a job runs on its worker's loop and reports through it
daemon/bastion daemon/worker	owner/owned: a worker keeps its bastion sessions (bastion_pool_free when it ends); a bastion runs on its worker's loop and uses its resolver and known_hosts
daemon/harvest daemon/job	one module in two files: harvest.c is the job's output half (job_harvest_*, job_plan, declared in job.h) and needs struct job
cli/cmd_* cli/cmd	owner/owned: cli/cmd.c's table lists every command (tmux's cmd_entry); a command uses the table's usage helpers
daemon/cmd_daemon cli/*	owner/owned: the service's command entry stays beside the service, listed in cli/'s table and using its helpers
EOF
)
# Folders whose internal circles are tolerated for now (none).
ALLOW_FOLDER_INTERNAL=""

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The project's source folders.
folders() {
	local d
	for d in "$SRC"/*/; do
		d=$(basename "$d")
		case $d in tests|fuzz|bench|build*|docs|scripts|examples|systemd) continue ;; esac
		compgen -G "$SRC/$d/*.[ch]" >/dev/null && echo "$d"
	done
}
FOLDERS=$(folders)

# Modules with code: dir/stem of every .c.
for d in $FOLDERS; do
	for f in "$SRC/$d"/*.c; do
		echo "$d/$(basename "$f" .c)"
	done
done | sort -u >"$TMP/modules"

# Include edges: "from to why", one awk over every file.
for d in $FOLDERS; do
	printf '%s\n' "$SRC/$d"/*.[ch]
done >"$TMP/files"
xargs awk -v src="$SRC/" '
    /^[ \t]*#[ \t]*include[ \t]*"[^"]*\.h"/ {
	to = $0; sub(/^[^"]*"/, "", to); sub(/\.h".*/, "", to)
	rel = substr(FILENAME, length(src) + 1)
	from = rel; sub(/\.[ch]$/, "", from)
	if (from != to) print from, to, rel "|includes|" to ".h"
    }' <"$TMP/files" >"$TMP/edges.maybe"
while read -r from to why; do
	[ -e "$SRC/$to.h" ] && echo "$from $to $why"
done <"$TMP/edges.maybe" >"$TMP/edges.include"

# Call edges from the objects named in compile_commands.json.
: >"$TMP/edges.call"
CC_JSON=$BUILD/compile_commands.json
if [ -r "$CC_JSON" ]; then
	# "directory", "command" (with -o OBJ) and "file", one entry each.
	awk -v src="$SRC/" '
	    /"directory":/ { sub(/.*"directory": "/, ""); sub(/",?$/, ""); dir = $0 }
	    /"command":/ { o = $0; sub(/.* -o /, "", o); sub(/ .*/, "", o); obj = o }
	    /"file":/ { f = $0; sub(/.*"file": "/, "", f); sub(/",?$/, "", f)
		if (index(f, src) == 1) {
			rel = substr(f, length(src) + 1)
			if (obj !~ /^\//) obj = dir "/" obj
			print rel, obj
		} }' "$CC_JSON" >"$TMP/objects"
	awk '$1 !~ /^(tests|fuzz|bench)\// { print $2 }' "$TMP/objects" >"$TMP/objs"
	while read -r obj; do
		[ -r "$obj" ] || { echo "include-cycles: $obj missing: build first" >&2; exit 2; }
	done <"$TMP/objs"
	# nm -A: "OBJ: [addr] TYPE SYMBOL"; OBJ maps back to its module.
	{
		xargs nm -A --defined-only -g <"$TMP/objs" | sed 's/^/D /'
		xargs nm -A -u <"$TMP/objs" | sed 's/^/U /'
	} | awk 'NR == FNR { sub(/\.c$/, "", $1); mod[$2] = $1; next }
	    { o = $2; sub(/:.*/, "", o); print $1, mod[o], $NF }' \
	    "$TMP/objects" - >"$TMP/symbols"
	awk '$1 == "D" { def[$3] = $2 } $1 == "U" { use[++n] = $2 " " $3 }
	    END { for (i = 1; i <= n; i++) { split(use[i], u, " ")
		if ((u[2] in def) && def[u[2]] != u[1])
			print u[1], def[u[2]], u[1] ".c|uses|" u[2] } }' \
	    "$TMP/symbols" | sort -u >"$TMP/edges.call"
else
	echo "include-cycles: no $CC_JSON: checking #include lines only" >&2
fi

# check LEVEL EDGEFILE: report every circle tsort finds; 1 if any.
check() {
	local level=$1 edges=$2 out rc=0
	[ -s "$edges" ] || return 0
	out=$(awk '{ print $1, $2 }' "$edges" | tsort 2>&1 >/dev/null) || true
	[ -n "$out" ] || return 0
	printf '%s\n' "$out" | awk '/input contains a loop/ { n++; next } { sub(/^tsort: /, ""); print n, $0 }' >"$TMP/loops"
	local seen=" "
	while read -r n; do
		key=$(awk -v n="$n" '$1 == n { print $2 }' "$TMP/loops" | sort | tr '\n' ' ')
		[[ $seen == *"|$key|"* ]] && continue
		seen="$seen|$key|"
		echo "include-cycles: circle at the $level level:"
		awk -v n="$n" '$1 == n { print "    " $2 }' "$TMP/loops"
		awk -v n="$n" '$1 == n { m[$2] = 1 } END { for (k in m) print k }' "$TMP/loops" >"$TMP/members"
		awk 'NR == FNR { m[$1] = 1; next } ($1 in m) && ($2 in m) { gsub(/[|]/, " ", $3); print "      " $1 " -> " $2 "  (" $3 ")" }' \
		    "$TMP/members" "$edges" | sort -u | head -20
		rc=1
	done < <(awk '{ print $1 }' "$TMP/loops" | sort -un)
	return $rc
}

fail=0
cat "$TMP/edges.include" "$TMP/edges.call" >"$TMP/edges.all"
# Drop the allowed back edges.
printf '%s\n' "$ALLOW" >"$TMP/allow"
awk 'function re(p) { gsub(/[.]/, "[.]", p); gsub(/[*]/, ".*", p); return "^" p "$" }
    NR == FNR { if (NF >= 2) { f[++n] = re($1); t[n] = re($2) } next }
    { for (i = 1; i <= n; i++) if ($1 ~ f[i] && $2 ~ t[i]) next; print }' \
    "$TMP/allow" "$TMP/edges.all" >"$TMP/edges"

# Module level, per folder: only modules with code, both ends in the folder.
for d in $FOLDERS; do
	awk -v d="$d/" 'NR == FNR { mod[$1] = 1; next }
	    index($1, d) == 1 && index($2, d) == 1 && ($1 in mod) && ($2 in mod)' \
	    "$TMP/modules" "$TMP/edges" >"$TMP/edges.$d"
	if [[ " $ALLOW_FOLDER_INTERNAL " == *" $d "* ]]; then
		check "$d/ module" "$TMP/edges.$d" | sed 's/^/(allowed: see branch inv) /' || true
		continue
	fi
	check "$d/ module" "$TMP/edges.$d" || fail=1
done

# Folder level.
awk '{ split($1, a, "/"); split($2, b, "/"); if (a[1] != b[1]) print a[1], b[1], $3 }' \
    "$TMP/edges" | sort -u >"$TMP/edges.folders"
check "folder" "$TMP/edges.folders" || fail=1

nmod=$(wc -l <"$TMP/modules")
ninc=$(wc -l <"$TMP/edges.include")
ncall=$(wc -l <"$TMP/edges.call")
if [ "$fail" = 0 ]; then
	echo "include-cycles: no circles ($nmod modules in $(echo $FOLDERS | wc -w) folders; $ninc include and $ncall call edges; $(printf '%s\n' "$ALLOW" | grep -c .) allowed back edges)"
fi
exit "$fail"
