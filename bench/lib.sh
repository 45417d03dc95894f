# bench/lib.sh: what bench/run.sh, bench/bastion.sh and bench/remote-cost.sh
# share, sourced by each after it has set `prog` (its name in messages) and
# `src_dir` (the source tree): messages, the private copy of rollcall, the
# measuring helper, the fleet and its timeouts, the OpenSSH client settings,
# a process tree's CPU. Not a program of its own.
# shellcheck shell=bash

# Fatal error and progress line, named after the calling script.
die() { echo "$prog: $*" >&2; exit 1; }
log() { echo "$prog: $*" >&2; }

# bench_rollcall DIR [BIN]: a private copy of rollcall in DIR/rollcall (the
# tree may be rebuilt while we measure), from BIN, or else built in ./build
# (RelWithDebInfo; BUILD_DIR overrides). Sets `rollcall`.
bench_rollcall() {
	local dir=$1 bin=${2:-} build=${BUILD_DIR:-$src_dir/build}

	if [ -n "$bin" ]; then
		[ -x "$bin" ] || die "--rollcall: not an executable: $bin"
		log "measuring $bin (not building)"
		cp "$bin" "$dir/rollcall"
	else
		log "building rollcall in $build (RelWithDebInfo)"
		( cd "$src_dir" &&
		  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
		  cmake --build "$build" -j"$(nproc)" --target rollcall >/dev/null ) ||
		    die "build failed: run cmake --build $build to see why (or measure a binary: --rollcall BIN)"
		cp "$build/rollcall" "$dir/rollcall"
	fi
	rollcall=$dir/rollcall
}

# bench_benchrun DIR: bench/benchrun.c built into DIR when it changed.
# Sets `benchrun`.
bench_benchrun() {
	benchrun=$1/benchrun
	if [ ! -x "$benchrun" ] || [ "$src_dir/bench/benchrun.c" -nt "$benchrun" ]; then
		cc -std=c11 -O2 -Wall -Wextra -o "$benchrun" "$src_dir/bench/benchrun.c" ||
		    die "cannot build bench/benchrun.c"
	fi
}

# bench_timeouts N HOST_MIN: the fleet's rollcall timeouts for N hosts on a
# loaded 2-core machine: connect and command max(120, 10 + N/10) s (`cto`,
# also the other tools' ConnectTimeout), whole host max(HOST_MIN,
# 60 + 3N/10) s (`hto`).
bench_timeouts() {
	local q=$(( ($1 + 9) / 10 ))
	cto=$(( 10 + q > 120 ? 10 + q : 120 ))
	hto=$(( 60 + 3 * q > $2 ? 60 + 3 * q : $2 ))
}

# bench_prepare N HOST_MIN: everything before the fleet starts: the work
# directory `work` made absolute, rollcall's private copy (from
# `rollcall_bin` if set), benchrun, the fleet's state directory `fdir`,
# timeouts for N hosts, and the trap that stops the fleet on exit.
bench_prepare() {
	mkdir -p "$work"
	work=$(cd "$work" && pwd)
	bench_rollcall "$work" "${rollcall_bin:-}"
	bench_benchrun "$work"
	fdir=$work/fleet
	bench_timeouts "$1" "$2"
	trap bench_stop_fleet EXIT
	trap 'log "interrupted"; exit 130' INT TERM
}

# bench_script CONF OUT: the remote command every tool runs, rollcall's own
# combined script for CONF's collectors as the engine builds it (fixed
# nonce), into OUT. Sets `script` (its text) and `endmark` (the last
# collector's end marker: a host whose output holds it ran it all).
bench_script() {
	local nonce=0123456789abcdef last

	"$rollcall" collect --print-script -c "$1" >"$2" ||
	    die "rollcall collect --print-script failed"
	script=$(cat "$2")
	# the last part is the one the final `rc_m/rc_v/rc_w "NAME" ""` ends
	last=$(sed -n 's/^rc_[mvw] "\([^"]*\)" ""$/\1/p' "$2" | tail -n 1)
	[ -n "$last" ] || die "no final marker call (rc_[mvw] \"NAME\" \"\") in the script"
	endmark="@@rc:$nonce:end:$last:"
}

# fleet ARGS...: scripts/fleet.sh on this run's state directory `fdir` and
# namespace `netns`.
fleet() { "$src_dir/scripts/fleet.sh" --dir "$fdir" --netns "$netns" "$@"; }

# EXIT trap: stop the fleet, whatever happened, unless keep_fleet=1.
bench_stop_fleet() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "${keep_fleet:-0}" = 1 ]; then
		log "fleet left running (--keep-fleet): scripts/fleet.sh --dir $fdir --netns $netns stop"
	else
		fleet stop >/dev/null 2>&1 ||
		    log "could not stop the fleet: scripts/fleet.sh --dir $fdir --netns $netns stop"
	fi
	exit "$rc"
}

# bench_ssh_config KNOWN_HOSTS CONNECT_TIMEOUT [LINE...]: the stock OpenSSH
# client's settings every other tool uses: the fleet's key and user, strict
# host keys against KNOWN_HOSTS, no prompts, no agent; ConnectTimeout unless
# empty; each LINE added as it is (e.g. "ControlMaster no").
bench_ssh_config() {
	local l
	printf 'Host *\n'
	printf '\tUser rollcall-test\n'
	printf '\tIdentityFile %s\n' "$fdir/id_ed25519"
	printf '\tIdentitiesOnly yes\n'
	printf '\tUserKnownHostsFile %s\n' "$1"
	printf '\tGlobalKnownHostsFile /dev/null\n'
	printf '\tStrictHostKeyChecking yes\n'
	printf '\tBatchMode yes\n'
	[ -z "$2" ] || printf '\tConnectTimeout %s\n' "$2"
	printf '\tForwardAgent no\n'
	printf '\tLogLevel ERROR\n'
	shift 2
	for l in "$@"; do
		printf '\t%s\n' "$l"
	done
}

# proc_ticks PID: clock ticks of CPU of a process and the children it
# reaped (utime stime cutime cstime); 0 when it is gone.
proc_ticks() {
	local f
	f=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	f=${f##*) }
	# fields after "comm)": state=1 ... utime=12 stime=13 cutime=14 cstime=15
	awk '{ print $12 + $13 + $14 + $15 }' <<<"$f"
}

# bench_cg_new NAME PID: a cpuacct cgroup (v1) of our own holding PID, so
# the CPU of every process PID forks from now on is counted, whoever reaps
# it (an sshd session whose monitor exits first is reaped by init, and its
# CPU never reaches the listener's cutime). Prints its directory.
bench_cg_new() {
	local cg=/sys/fs/cgroup/cpuacct/$1

	[ -d /sys/fs/cgroup/cpuacct ] || die "no cgroup v1 cpuacct hierarchy"
	mkdir "$cg" || die "cannot make cgroup $cg"
	echo "$2" >"$cg/tasks" || die "cannot move $2 into $cg"
	echo "$cg"
}

# bench_cg_s A B: the nanoseconds of cpuacct.usage from A to B, in seconds.
bench_cg_s() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}

# bench_cg_drop DIR: move what is left in cgroup DIR back to the root and
# remove it; quiet, for exit traps.
bench_cg_drop() {
	local p

	[ -n "$1" ] && [ -d "$1" ] || return 0
	while read -r p; do
		echo "$p" >/sys/fs/cgroup/cpuacct/tasks 2>/dev/null || :
	done <"$1/tasks"
	rmdir "$1" 2>/dev/null || :
}

# ticks_s A B: the clock ticks from A to B, in seconds.
ticks_s() {
	awk -v a="$1" -v b="$2" -v t="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / t }'
}
