#!/usr/bin/env bash
# bench/bastion.sh: N hosts behind one bastion (scripts/fleet.sh --bastion),
# rollcall beside pdsh and parallel-ssh going through the same bastion the
# two ways OpenSSH users do it: ProxyJump (a new bastion login per target)
# and a ControlMaster connection to the bastion that every target's
# ProxyCommand (`ssh -S CTL -W %h:%p bastion`) rides on.
#
#   bench/bastion.sh [--hosts N] [--tools LIST] [--timeout SECONDS]
#                    [--fanout F] [--dir DIR] [--keep-fleet] [--rollcall BIN]
#
# --timeout: per tool, default 900 s (BENCH_TIMEOUT); a tool over it is
# killed and shown as >T. --fanout: pdsh -f / parallel-ssh -p, default N
# (every target at once); their own default is 32.
# Tools: rollcall (default bastion_concurrency), rollcall-cK (K tunnels per
# bastion session, e.g. rollcall-c16), pdsh-jump, pdsh-cm, pssh-jump,
# pssh-cm. Default: rollcall,pdsh-cm,pdsh-jump,pssh-cm,pssh-jump.
# Columns: wall, client CPU (the tool and everything it reaped), bastion
# CPU (the bastion's sshd and every process it forks, from a cpuacct cgroup;
# in TOOL.m also bastion_reaped_s, the listener's own + reaped children's,
# which misses a ControlMaster's session), fleet sshd CPU (the targets), bastion logins
# (from the bastion's sshd log), the load average during the run.
# docs/PERFORMANCE.md "Bastions". Needs root.
set -euo pipefail

prog=bench/bastion.sh
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$src_dir/bench/lib.sh"

nhosts=200
tools=rollcall,pdsh-cm,pdsh-jump,pssh-cm,pssh-jump
tool_timeout=${BENCH_TIMEOUT:-900}
fanout=
work=$src_dir/bench/.work-bastion
keep_fleet=0
rollcall_bin=
netns=${BENCH_NETNS:-rcbb-$$}
while [ "$#" -gt 0 ]; do
	case $1 in
	--hosts) nhosts=${2:?}; shift 2 ;;
	--tools) tools=${2:?}; shift 2 ;;
	--timeout) tool_timeout=${2:?}; shift 2 ;;
	--fanout) fanout=${2:?}; shift 2 ;;
	--dir) work=${2:?}; shift 2 ;;
	--keep-fleet) keep_fleet=1; shift ;;
	--rollcall) rollcall_bin=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,/Needs root/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $1" ;;
	esac
done
[[ $nhosts =~ ^[1-9][0-9]*$ ]] || die "--hosts: not a positive number"
[[ $tool_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout: not a positive number"
fanout=${fanout:-$nhosts}
[[ $fanout =~ ^[1-9][0-9]*$ ]] || die "--fanout: not a positive number"
IFS=, read -r -a tool_list <<<"$tools"
for t in "${tool_list[@]}"; do
	case $t in
	rollcall|rollcall-c[1-9]*) ;;
	pdsh-jump|pdsh-cm) command -v pdsh >/dev/null || die "pdsh missing (scripts/deps.sh)" ;;
	pssh-jump|pssh-cm) command -v parallel-ssh >/dev/null || die "parallel-ssh missing (scripts/deps.sh)" ;;
	*) die "--tools: unknown tool '$t'" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, sshd)"
ulimit -n "$(ulimit -Hn)"

bench_prepare "$nhosts" 900
log "starting a fleet of $nhosts hosts behind a bastion (delays 0-100 ms) in $netns"
fleet --hosts "$nhosts" --delay 0:100 --broken '' --bastion \
    --connect-timeout "${cto}s" --command-timeout "${cto}s" \
    --host-timeout "${hto}s" start >/dev/null
cns=$netns-c
bns=$netns-b
bastion=rollcall-test@10.202.0.1
sshd_pid=$(cat "$fdir/sshd.pid")
bastion_pid=$(cat "$fdir/bastion.pid")
blog=$fdir/bastion.log
# The bastion's CPU from a cgroup: its listener's cutime misses sessions
# whose monitor exits before reaping them (a ControlMaster's, measured).
bcg=$(bench_cg_new "rollcall-bench-bastion-$$" "$bastion_pid")
bastion_exit() {
	local rc=$?
	bench_cg_drop "$bcg"
	(exit "$rc")
	bench_stop_fleet
}
trap bastion_exit EXIT

res=$work/results-$nhosts-$(date +%Y%m%d-%H%M%S)
mkdir -p "$res"
sed -n 's/^ *ansible_host: //p' "$fdir/bastion-inventory.yml" >"$res/hosts"
[ "$(wc -l <"$res/hosts")" -eq "$nhosts" ] || die "want $nhosts hosts in the bastion inventory"

# rollcall's config: the fleet's bastion config, our database, K tunnels.
rc_conf() { # FILE DB K
	grep -v '^database:' "$fdir/bastion.yml" |
	    sed "s|^  - bastion-inventory.yml\$|  - $fdir/bastion-inventory.yml|" >"$1"
	printf 'database: %s\n' "$2" >>"$1"
	[ -z "$3" ] || printf 'bastion_concurrency: %s\n' "$3" >>"$1"
}
rc_conf "$res/probe.yml" "$res/probe.db" ""
bench_script "$res/probe.yml" "$res/script.sh"

# OpenSSH's settings, strict host keys at every hop; the targets (10.77.*)
# through the bastion, by ProxyJump or by the master's socket.
kh=$fdir/bastion-known_hosts
{ printf 'Host 10.77.*\n\tProxyJump %s\n' "$bastion"; bench_ssh_config "$kh" "$cto"; } >"$res/ssh-jump"
ctl=$res/ctl
{ printf 'Host 10.77.*\n\tProxyCommand ssh -F %s -S %s -W %%h:%%p %s\n' \
    "$res/ssh-base" "$ctl" "$bastion"; bench_ssh_config "$kh" "$cto"; } >"$res/ssh-cm"
bench_ssh_config "$kh" "$cto" >"$res/ssh-base"

logins() { grep -c 'Accepted publickey for rollcall-test' "$blog" || true; }
# Wait until the bastion and the fleet have no sessions left (bounded).
drain() {
	local i pids
	for i in $(seq 1 120); do
		pids=$( { ip netns pids "$netns"; ip netns pids "$bns"; ip netns pids "$cns"; } |
		    grep -vx -e "$sshd_pid" -e "$bastion_pid" -e "$(cat "$fdir/bastion2.pid")" || true)
		[ -n "$pids" ] || return 0
		sleep 0.5
	done
	log "leftover processes after 60 s: killing them"
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null || true
	sleep 1
}

# run_tool NAME COMMAND...: measure one tool into $res/NAME.{m,out,err}; the
# 1-minute load average is sampled every 10 s meanwhile (others' load: the
# machine is shared), its mean and peak go into NAME.m.
run_tool() {
	local name=$1 b0 b1 c0 c1 s0 s1 l0 l1 lp
	shift
	drain
	sleep 3
	b0=$(proc_ticks "$bastion_pid"); s0=$(proc_ticks "$sshd_pid"); l0=$(logins)
	c0=$(cat "$bcg/cpuacct.usage")
	log "$name: $nhosts hosts, fanout $fanout, load $(cut -d' ' -f1-3 /proc/loadavg)"
	while :; do cut -d' ' -f1 /proc/loadavg; sleep 10; done >"$res/$name.load" &
	lp=$!
	"$benchrun" -i 500 -t "$tool_timeout" -o "$res/$name.m" -- "$@" \
	    >"$res/$name.out" 2>"$res/$name.err" </dev/null || true
	kill "$lp"; wait "$lp" 2>/dev/null || true
	drain
	b1=$(proc_ticks "$bastion_pid"); s1=$(proc_ticks "$sshd_pid"); l1=$(logins)
	c1=$(cat "$bcg/cpuacct.usage")
	{
		echo "bastion_s=$(bench_cg_s "$c0" "$c1")"
		echo "bastion_reaped_s=$(ticks_s "$b0" "$b1")"
		echo "sshd_s=$(ticks_s "$s0" "$s1")"
		echo "logins=$((l1 - l0))"
		awk '{ s += $1; if ($1 > m) m = $1 } END {
		    printf "load_mean=%.1f\nload_max=%.1f\n", (NR ? s / NR : 0), m }' "$res/$name.load"
	} >>"$res/$name.m"
}

# pdsh/parallel-ssh with a ControlMaster to the bastion: the master runs
# inside the measured tree (its CPU is the tool's), closed at the end.
cat >"$res/cm.sh" <<'CMEOF'
ctl=$1 cfg=$2 b=$3; shift 3
ssh -F "$cfg" -M -S "$ctl" -o ControlPersist=no -N "$b" </dev/null &
m=$!
for _ in $(seq 100); do ssh -F "$cfg" -S "$ctl" -O check "$b" 2>/dev/null && break; sleep 0.1; done
"$@"; rc=$?
ssh -F "$cfg" -S "$ctl" -O exit "$b" 2>/dev/null
wait "$m"
exit "$rc"
CMEOF
cm_wrap=(ip netns exec "$cns" bash "$res/cm.sh" "$ctl" "$res/ssh-base" "$bastion")

ok_count() { # NAME
	case $1 in
	rollcall*) sed -n 's/^sweep [0-9]*: [0-9]* hosts in [^:]*: \([0-9]*\) ok.*/\1/p' "$res/$1.err" | tail -n 1 ;;
	pdsh-*) grep -F ": $endmark" "$res/$1.out" | cut -d: -f1 | sort -u | wc -l ;;
	pssh-*) grep -lF "$endmark" "$res/$1-out"/* 2>/dev/null | wc -l ;;
	esac
}

for t in "${tool_list[@]}"; do
	case $t in
	rollcall|rollcall-c*)
		k=${t#rollcall}; k=${k#-c}
		rc_conf "$res/$t.yml" "$res/$t.db" "$k"
		run_tool "$t" ip netns exec "$cns" "$rollcall" collect -c "$res/$t.yml" ;;
	pdsh-jump)
		PDSH_SSH_ARGS_APPEND="-F $res/ssh-jump" run_tool "$t" \
		    ip netns exec "$cns" pdsh -R ssh -f "$fanout" -t "$cto" \
		    -l rollcall-test -w "^$res/hosts" "$script" ;;
	pdsh-cm)
		PDSH_SSH_ARGS_APPEND="-F $res/ssh-cm" run_tool "$t" \
		    "${cm_wrap[@]}" pdsh -R ssh -f "$fanout" -t "$cto" \
		    -l rollcall-test -w "^$res/hosts" "$script" ;;
	pssh-jump)
		mkdir -p "$res/$t-out"
		run_tool "$t" ip netns exec "$cns" parallel-ssh -p "$fanout" \
		    -h "$res/hosts" -l rollcall-test -x "-F $res/ssh-jump" -t 0 \
		    -o "$res/$t-out" "$script" ;;
	pssh-cm)
		mkdir -p "$res/$t-out"
		run_tool "$t" "${cm_wrap[@]}" parallel-ssh -p "$fanout" \
		    -h "$res/hosts" -l rollcall-test -x "-F $res/ssh-cm" -t 0 \
		    -o "$res/$t-out" "$script" ;;
	esac
	echo "ok=$(ok_count "$t")" >>"$res/$t.m"
	log "$t: $(tr '\n' ' ' <"$res/$t.m")"
done

{
	echo "# bench/bastion.sh: $nhosts hosts behind one bastion, $(nproc) cores, $(dmesg 2>/dev/null | grep -o 'Hypervisor detected: .*' | head -n 1 || echo 'hypervisor unknown'), $(date -u +%Y-%m-%dT%H:%MZ), rollcall $(git -C "$src_dir" rev-parse --short HEAD 2>/dev/null || echo '?'), pdsh/pssh fanout $fanout"
	printf '%-12s %9s %9s %10s %9s %7s %9s %9s\n' tool wall_s client_s bastion_s fleet_s logins ok load
	for t in "${tool_list[@]}"; do
		awk -F= -v t="$t" -v n="$nhosts" '
		{ v[$1] = $2 }
		END {
			w = sprintf("%.1f", v["wall_s"]); if (v["timed_out"] == 1) w = ">" w
			printf "%-12s %9s %9.2f %10.2f %9.2f %7d %9s %4.0f/%-4.0f\n", t, w,
			    v["user_s"] + v["sys_s"], v["bastion_s"], v["sshd_s"],
			    v["logins"], v["ok"] "/" n, v["load_mean"], v["load_max"]
		}' "$res/$t.m"
	done
	echo "client_s: user+sys of the tool and all it reaped (for -cm: the master too);"
	echo "bastion_s: the bastion sshd and every process it forked (a cpuacct cgroup); fleet_s: the"
	echo "fleet's sshd listener and its reaped sessions (the targets)"
	echo "logins: 'Accepted publickey' lines in the bastion log;"
	echo "load: mean/peak 1-minute load average during the run (sampled every 10 s)"
} | tee "$res/table.txt"
log "results in $res"
