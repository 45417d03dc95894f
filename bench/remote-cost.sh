#!/usr/bin/env bash
# bench/remote-cost.sh: what rollcall costs on the hosts it sweeps.
#
#   bench/remote-cost.sh [--runs N] [--sweeps N] [--ansible-runs N]
#                        [--rollcall BIN] [--dir DIR] [--no-fleet]
#                        [--no-ansible]
#
# Part 1, per collector: the exact remote script rollcall sends for that
# collector alone (`rollcall collect --print-script`, the engine's framing
# and timeout wrapper included) runs --runs times through /bin/sh as the
# fleet's unprivileged login user, under `perf stat` (user+sys CPU of the
# whole process tree). A no-op part (custom collector `:`) is measured the
# same way and subtracted, so a row is what that collector adds to a sweep.
# Processes forked, programs exec'd and system calls (strace -f) come from
# one run; output bytes are the collector's stdout (framing removed).
# The rows "all 16" and "default 5" are whole scripts, wrapper included.
#
# Part 2, per session through a real sshd (scripts/fleet.sh, one host): the
# fleet's sshd is put in a cpuacct cgroup of its own, and the CPU of all
# its sessions (key exchange, auth, shell, commands) is read per run:
# an empty `ssh host true`, a rollcall sweep with the default collectors
# and with `collectors: all`, and `ansible -m setup` on the same host.
#
# Needs root (the fleet, the cgroup), perf, strace; ansible-core for the
# ansible row. Method and figures: docs/COLLECTORS.md "Cost on the host".
set -euo pipefail

prog=bench/remote-cost.sh
src_dir=${RC_SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=200
sweeps=20
ansible_runs=5
rollcall=
work=$src_dir/bench/.work/remote-cost
fleet=1
ansible=1
while [ "$#" -gt 0 ]; do
	case $1 in
	--runs) runs=${2:?}; shift 2 ;;
	--sweeps) sweeps=${2:?}; shift 2 ;;
	--ansible-runs) ansible_runs=${2:?}; shift 2 ;;
	--rollcall) rollcall=${2:?}; shift 2 ;;
	--dir) work=${2:?}; shift 2 ;;
	--no-fleet) fleet=0; shift ;;
	--no-ansible) ansible=0; shift ;;
	-h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $1" ;;
	esac
done
for n in "$runs" "$sweeps" "$ansible_runs"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n"
done
[ "$(id -u)" -eq 0 ] || die "must run as root (fleet namespace, cgroup)"
for t in perf strace setpriv ip; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found: run scripts/deps.sh"
done
rollcall=${rollcall:-${BUILD_DIR:-$src_dir/build}/rollcall}
[ -x "$rollcall" ] || die "no rollcall binary at $rollcall (build first or --rollcall)"

netns=rcrc-$$
fdir=$work/fleet
cg=
mkdir -p "$work"
work=$(cd "$work" && pwd)

# Stop the fleet and drop our cgroup however the run ends.
cleanup() {
	bench_cg_drop "$cg"
	fleet stop >/dev/null 2>&1 || :
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The fleet gives us the login user and a valid config to print from.
fleet --hosts 1 --delay 0:0 start >/dev/null || die "fleet did not start"
uid=$(id -u rollcall-test)
gid=$(id -g rollcall-test)
home=$(getent passwd rollcall-test | cut -d: -f6)

# A copy of the fleet's config running the collectors in $2 ("[a, b]"),
# plus a custom no-op collector when $3 is "noop".
conf_for() {
	local f=$fdir/conf-$1.yml
	sed "s/^collectors:.*/collectors: $2/" "$fdir/rollcall.yml" >"$f"
	if [ "${3:-}" = noop ]; then
		printf 'custom_collectors:\n  - name: noop\n    command: ":"\n    parse: raw\n' >>"$f"
	fi
	echo "$f"
}

# The script rollcall sends for config $1, into file $2.
script_for() {
	"$rollcall" collect --print-script -c "$1" >"$2" ||
	    die "rollcall collect --print-script -c $1 failed"
}

# Run script file $1 as the login user, in its home, with a login's
# environment, from a shell that loops $2 times; output discarded unless
# $2 is "out" (then one run, stdout kept). The rest is a command prefix.
as_user() {
	local s n=$2
	s=$(cat "$1")
	shift 2
	"$@" setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
	    env -i HOME="$home" USER=rollcall-test LOGNAME=rollcall-test \
	    SHELL=/bin/sh PATH=/usr/local/bin:/usr/bin:/bin \
	    /bin/sh -c 'cd || exit 1
		if [ "$2" = out ]; then exec /bin/sh -c "$1" </dev/null 2>/dev/null; fi
		i=0; while [ "$i" -lt "$2" ]; do
		/bin/sh -c "$1" </dev/null >/dev/null 2>&1; i=$((i + 1)); done' \
	    _ "$s" "$n"
}

# CPU ms (user sys) per run of script file $1, over $runs runs.
cpu_ms() {
	local out=$work/perf.txt
	as_user "$1" "$runs" perf stat -e task-clock -o "$out" -- >/dev/null
	awk -v n="$runs" '/seconds user/ { u = $1 } /seconds sys/ { s = $1 }
	    END { printf "%.3f %.3f\n", u * 1000 / n, s * 1000 / n }' "$out"
}

# Processes forked, programs exec'd and system calls made in one run of
# script file $1 (the counts do not depend on the machine's speed), from
# strace's summary: successful calls are calls minus errors (a PATH search
# fails an execve per directory before the one that works).
forks_execs() {
	local sum=$work/strace-c.txt
	as_user "$1" 1 strace -f -q -c -o "$sum" >/dev/null 2>&1 || :
	awk '$NF == "total" { t = $4; next }
	    NF >= 5 && $4 ~ /^[0-9]+$/ {
		ok = $4 - (NF == 6 ? $5 : 0)
		if ($NF ~ /^(clone|clone3|fork|vfork)$/) f += ok
		else if ($NF == "execve") e += ok
	    }
	    END { printf "%d %d %d\n", f, e, t }' "$sum"
}

# Bytes of stdout of one run of script file $1, framing removed (each part
# adds its begin line, the newline before its end line and the end line).
out_bytes() {
	as_user "$1" out |
	    awk '/^@@rc:0123456789abcdef:/ { parts++; next } { b += length($0) + 1 }
		END { printf "%d\n", b - parts / 2 }'
}

# One table row: name, then fields.
row() {
	printf '%-16s %9s %9s %9s %7s %7s %9s %9s\n' "$@"
}

# ---------------------------------------------------------------- part 1
names=$(awk -F'|' '/^\| name \| source/ {t=1; next} t && /^\|---/ {next}
    t && /^\|/ {gsub(/ /, "", $2); print $2; next} t {exit}' \
    "$src_dir/docs/COLLECTORS.md")
[ -n "$names" ] || die "no collector table in docs/COLLECTORS.md"

script_for "$(conf_for noop '[]' noop)" "$work/script-noop.sh"
read -r nu ns <<<"$(cpu_ms "$work/script-noop.sh")"
read -r nf ne nc <<<"$(forks_execs "$work/script-noop.sh")"

echo "# remote cost per collector: $runs runs each, as user rollcall-test, /bin/sh = $(readlink -f /bin/sh)"
echo "# host: $(uname -srm), $(nproc) CPUs, $(dmesg 2>/dev/null | grep -o 'Hypervisor detected: .*' | head -n 1 || echo 'hypervisor unknown'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# rollcall: $rollcall"
echo "# rows are what the collector adds to a sweep (a no-op part subtracted);"
echo "# 'all' and 'default' are whole scripts, wrapper and framing included"
row collector cpu_ms user_ms sys_ms forks execs syscalls out_bytes
for c in $names; do
	script_for "$(conf_for "$c" "[$c]")" "$work/script-$c.sh"
	read -r u s <<<"$(cpu_ms "$work/script-$c.sh")"
	read -r f e sc <<<"$(forks_execs "$work/script-$c.sh")"
	b=$(out_bytes "$work/script-$c.sh")
	row "$c" "$(awk -v u="$u" -v s="$s" -v a="$nu" -v b="$ns" \
	    'BEGIN { printf "%.2f", u + s - a - b }')" \
	    "$(awk -v u="$u" -v a="$nu" 'BEGIN { printf "%.2f", u - a }')" \
	    "$(awk -v s="$s" -v b="$ns" 'BEGIN { printf "%.2f", s - b }')" \
	    $((f - nf)) $((e - ne)) $((sc - nc)) "$b"
done
row "(no-op part)" "$(awk -v u="$nu" -v s="$ns" 'BEGIN { printf "%.2f", u + s }')" \
    "$nu" "$ns" "$nf" "$ne" "$nc" 0
for set in all default; do
	if [ "$set" = all ]; then
		list=all
	else
		list='[os, kernel, cpu, memory, uptime]'
	fi
	script_for "$(conf_for "$set" "$list")" "$work/script-$set.sh"
	read -r u s <<<"$(cpu_ms "$work/script-$set.sh")"
	read -r f e sc <<<"$(forks_execs "$work/script-$set.sh")"
	b=$(out_bytes "$work/script-$set.sh")
	row "$set" "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')" \
	    "$u" "$s" "$f" "$e" "$sc" "$b"
done

[ "$fleet" = 1 ] || exit 0

# ---------------------------------------------------------------- part 2
sshd_pid=$(cat "$fdir/sshd.pid")
cg=$(bench_cg_new "rollcall-remote-cost-$$" "$sshd_pid")
addr=$(awk 'NR == 1 { print $1 }' "$fdir/hosts.tsv")
bench_ssh_config "$fdir/known_hosts" "" "ControlMaster no" "ControlPath none" \
    >"$work/ssh_config"

# Wait (bounded) until the sshd has no session left in our cgroup.
drain() {
	local i
	for i in $(seq 1 100); do
		[ "$(wc -l <"$cg/tasks")" -le 1 ] && return 0
		sleep 0.1
	done
	log "warning: sessions still running after 10 s"
}

# sshd-side CPU ms (total user sys) per run of "$@", run $1 times.
session_ms() {
	local n=$1 i u0 s0 u1 s1
	shift
	drain
	u0=$(cat "$cg/cpuacct.usage_user"); s0=$(cat "$cg/cpuacct.usage_sys")
	for i in $(seq 1 "$n"); do
		"$@" >/dev/null 2>&1 || log "warning: run $i of $1 failed"
	done
	drain
	u1=$(cat "$cg/cpuacct.usage_user"); s1=$(cat "$cg/cpuacct.usage_sys")
	awk -v n="$n" -v u="$((u1 - u0))" -v s="$((s1 - s0))" \
	    'BEGIN { printf "%.1f %.1f %.1f\n", (u + s) / n / 1e6, u / n / 1e6, s / n / 1e6 }'
}

# execs and system calls of the sshd side (every session process, kex to
# exit) in one run of "$@": strace -f attached to the listener.
session_counts() {
	local sum=$work/strace-sshd.txt sp ok
	drain
	strace -f -q -c -o "$sum" -p "$sshd_pid" 2>/dev/null &
	sp=$!
	sleep 1
	ok=1
	"$@" >/dev/null 2>&1 || ok=0
	drain
	kill -INT "$sp" 2>/dev/null || :
	wait "$sp" 2>/dev/null || :
	# A session that failed under strace counted only part of itself.
	if [ "$ok" = 0 ]; then
		log "warning: counted run failed: $*"
		echo "- -"
		return
	fi
	awk '$NF == "total" { t = $4; next }
	    NF >= 5 && $4 ~ /^[0-9]+$/ && $NF == "execve" { e = $4 - (NF == 6 ? $5 : 0) }
	    END { printf "%d %d\n", e, t }' "$sum"
}

srow() {
	printf '%-34s %6s %9s %9s %9s %7s %9s\n' "$@"
}

echo
echo "# sshd side per session (cpuacct cgroup of the fleet's sshd: kex, auth, shell, commands)"
srow session runs cpu_ms user_ms sys_ms execs syscalls
read -r t u s <<<"$(session_ms "$sweeps" ip netns exec "$netns" ssh -F "$work/ssh_config" "$addr" true)"
read -r e c <<<"$(session_counts ip netns exec "$netns" ssh -F "$work/ssh_config" "$addr" true)"
srow "ssh HOST true (OpenSSH client)" "$sweeps" "$t" "$u" "$s" "$e" "$c"
for set in default all; do
	read -r t u s <<<"$(session_ms "$sweeps" ip netns exec "$netns" "$rollcall" collect -c "$fdir/conf-$set.yml")"
	read -r e c <<<"$(session_counts ip netns exec "$netns" "$rollcall" collect -c "$fdir/conf-$set.yml")"
	srow "rollcall collect ($set)" "$sweeps" "$t" "$u" "$s" "$e" "$c"
done
if [ "$ansible" = 1 ]; then
	command -v ansible >/dev/null 2>&1 || die "ansible not found: apt-get install ansible-core (or --no-ansible)"
	mkdir -p "$work/ansible-tmp"
	export ANSIBLE_SSH_ARGS="-F $work/ssh_config" ANSIBLE_PIPELINING=True \
	    ANSIBLE_REMOTE_USER=rollcall-test ANSIBLE_PRIVATE_KEY_FILE=$fdir/id_ed25519 \
	    ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_LOCAL_TEMP=$work/ansible-tmp ANSIBLE_RETRY_FILES_ENABLED=False \
	    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_GATHERING=explicit \
	    ANSIBLE_DEPRECATION_WARNINGS=False
	ip netns exec "$netns" ansible all -i "$fdir/inventory.yml" -m setup \
	    >"$work/ansible-setup.json" 2>&1 ||
	    die "ansible -m setup failed: $(tail -n 5 "$work/ansible-setup.json")"
	read -r t u s <<<"$(session_ms "$ansible_runs" ip netns exec "$netns" ansible all -i "$fdir/inventory.yml" -m setup)"
	read -r e c <<<"$(session_counts ip netns exec "$netns" ansible all -i "$fdir/inventory.yml" -m setup)"
	srow "ansible -m setup" "$ansible_runs" "$t" "$u" "$s" "$e" "$c"
	read -r t u s <<<"$(session_ms "$ansible_runs" ip netns exec "$netns" ansible all -i "$fdir/inventory.yml" -m setup -a gather_subset=min)"
	read -r e c <<<"$(session_counts ip netns exec "$netns" ansible all -i "$fdir/inventory.yml" -m setup -a gather_subset=min)"
	srow "ansible -m setup gather_subset=min" "$ansible_runs" "$t" "$u" "$s" "$e" "$c"
fi
