#!/usr/bin/env bash
# bench/run.sh: rollcall beside the tools people use today, on one simulated
# fleet (scripts/fleet.sh), with the same remote command, one tool at a time.
#
#   bench/run.sh [--hosts N] [--tools LIST] [--keep-fleet] [--dir DIR]
#                [--timeout SECONDS] [--loop-hosts K] [--cooldown SECONDS]
#                [--rollcall BIN] [--counts-hosts K] [--no-counts]
#
# Tools: rollcall pdsh pssh clush ansible loop, rollcall-all (rollcall
# with max_handshakes = N: every host in flight at once, for the memory
# target) and rollcall-full (rollcall with `collectors: all`, the 16
# built-ins). Default: rollcall,pdsh,pssh,clush,ansible,loop. rollcall is
# built in ./build (RelWithDebInfo; BUILD_DIR overrides) unless --rollcall
# names a binary to measure. Each rollcall tool runs twice on one database:
# the first sweep, then a steady one (row NAME/st, nothing changed); then,
# unless --no-counts, the same two sweeps again under strace -f -c (all N
# hosts) and valgrind --tool=callgrind (the first K hosts, default 100,
# max_handshakes 20) for system calls and instructions per host (a second
# table).
#
# Prints one table (also saved in DIR/results-N-TIME/table.txt). Method,
# columns and caveats: docs/PERFORMANCE.md. Needs root (the fleet does).
set -euo pipefail

prog=bench/run.sh
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$src_dir/bench/lib.sh"

usage() {
	sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- options
nhosts=300
tools=rollcall,pdsh,pssh,clush,ansible,loop
keep_fleet=0
work=$src_dir/bench/.work
tool_timeout=900	# per tool; a forking tool over it is reported, not hidden
loop_hosts=20
cooldown=5
netns=${BENCH_NETNS:-rcb-$$}	# per run, so two benchmarks never share a fleet
ansible_forks=100
max_handshakes=100
rollcall_bin=
counts_hosts=100
counts_handshakes=20	# max_handshakes under callgrind
counts=1

while [ "$#" -gt 0 ]; do
	case $1 in
	--hosts) nhosts=${2:?--hosts needs a value}; shift 2 ;;
	--tools) tools=${2:?--tools needs a value}; shift 2 ;;
	--keep-fleet) keep_fleet=1; shift ;;
	--dir) work=${2:?--dir needs a value}; shift 2 ;;
	--timeout) tool_timeout=${2:?--timeout needs a value}; shift 2 ;;
	--loop-hosts) loop_hosts=${2:?}; shift 2 ;;
	--cooldown) cooldown=${2:?}; shift 2 ;;
	--rollcall) rollcall_bin=${2:?}; shift 2 ;;
	--counts-hosts) counts_hosts=${2:?}; shift 2 ;;
	--no-counts) counts=0; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done
[[ $nhosts =~ ^[1-9][0-9]*$ ]] || die "--hosts: not a positive number: $nhosts"
[[ $tool_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout: not a positive number"
[[ $loop_hosts =~ ^[1-9][0-9]*$ ]] || die "--loop-hosts: not a positive number"
[[ $cooldown =~ ^[0-9]+$ ]] || die "--cooldown: not a number"
[[ $counts_hosts =~ ^[1-9][0-9]*$ ]] || die "--counts-hosts: not a positive number"
[ "$loop_hosts" -le "$nhosts" ] || loop_hosts=$nhosts
[ "$counts_hosts" -le "$nhosts" ] || counts_hosts=$nhosts
IFS=, read -r -a tool_list <<<"$tools"
for t in "${tool_list[@]}"; do
	case $t in
	rollcall|rollcall-all|rollcall-full|pdsh|pssh|clush|ansible|loop) ;;
	*) die "--tools: unknown tool '$t' (rollcall rollcall-all rollcall-full pdsh pssh clush ansible loop)" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root (the fleet needs a network namespace and sshd); try: sudo $0"

need() { command -v "$1" >/dev/null 2>&1 || die "$1 missing ($2)"; }
need cmake "run scripts/deps.sh"
need cc "run scripts/deps.sh"
need ip "run scripts/deps.sh"
need ssh "run scripts/deps.sh"
if [ "$counts" = 1 ] && [[ ,$tools, == *,rollcall* ]]; then
	need strace "apt-get install strace (or --no-counts)"
	need valgrind "apt-get install valgrind (or --no-counts)"
fi
for t in "${tool_list[@]}"; do
	case $t in
	pdsh) need pdsh "apt-get install pdsh" ;;
	pssh) need parallel-ssh "apt-get install pssh" ;;
	clush) need clush "apt-get install clustershell" ;;
	ansible) need ansible "apt-get install ansible-core" ;;
	esac
done

# Descriptors for N concurrent sessions (pssh, clush: several pipes each).
ulimit -n "$(ulimit -Hn)"
ncpu=$(nproc)

# ------------------------------------------------------- build and fleet
bench_prepare "$nhosts" 600

log "starting a fleet of $nhosts hosts (delays 50-500 ms) in namespace $netns"
fleet --hosts "$nhosts" --delay 50:500 --broken '' \
    --connect-timeout "${cto}s" --command-timeout "${cto}s" \
    --host-timeout "${hto}s" start >/dev/null
sshd_pid=$(cat "$fdir/sshd.pid")

stamp=$(date +%Y%m%d-%H%M%S)
res=$work/results-$nhosts-$stamp
mkdir -p "$res"

# Hosts: addresses of the healthy hosts, as hosts.tsv lists them.
awk -F'\t' '$2 == "ok" { print $1 }' "$fdir/hosts.tsv" >"$res/hosts"
[ "$(wc -l <"$res/hosts")" -eq "$nhosts" ] || die "fleet has $(wc -l <"$res/hosts") hosts, wanted $nhosts"
head -n "$loop_hosts" "$res/hosts" >"$res/hosts-loop"
max_delay_ms=$(awk -F'\t' '$2 == "ok" && $3 > m { m = $3 } END { print m + 0 }' "$fdir/hosts.tsv")
loop_max_delay_ms=$(head -n "$loop_hosts" "$fdir/hosts.tsv" | awk -F'\t' '$3 > m { m = $3 } END { print m + 0 }')

# rollcall's config: the fleet's, plus the handshake cap this fleet needs
# (one sshd, listen backlog 128, stands for every host) and our database.
rc_conf() { # FILE MAX_HANDSHAKES DB [COLLECTORS]
	grep -v '^database:' "$fdir/rollcall.yml" |
	    sed "s|^  - inventory.yml\$|  - $fdir/inventory.yml|" >"$1"
	printf 'database: %s\nmax_handshakes: %s\n' "$3" "$2" >>"$1"
	if [ -n "${4:-}" ]; then
		sed -i "s|^collectors:.*|collectors: $4|" "$1"
	fi
}
rc_conf "$res/rollcall.yml" "$max_handshakes" "$res/rollcall.db"
rc_conf "$res/rollcall-all.yml" "$nhosts" "$res/rollcall-all.db"
rc_conf "$res/rollcall-full.yml" "$max_handshakes" "$res/rollcall-full.db" all
# The first K inventory names, for the callgrind runs (--limit @FILE).
sed -n 's/^        \([^ :]*\):$/\1/p' "$fdir/inventory.yml" | head -n "$counts_hosts" >"$res/hosts-counts"

# The remote command every tool runs: rollcall's own combined script for
# the configured collectors (os kernel cpu memory uptime), as the engine
# builds it, with a fixed nonce.
bench_script "$res/rollcall.yml" "$res/script.sh"

# The stock OpenSSH client's settings for every other tool: the fleet's
# key and known_hosts, strict, no prompts, a fresh connection per host.
bench_ssh_config "$fdir/known_hosts" "$cto" "ControlMaster no" "ControlPath none" \
    "ForwardX11 no" >"$res/ssh_config"
sshcfg=$res/ssh_config

# ansible: the fleet's inventory is Ansible YAML already.
mkdir -p "$res/ansible-tmp"

# ------------------------------------------------------------- measuring
# The whole machine's busy CPU so far, in clock ticks.
busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Wait until the fleet's sshd has no sessions left (bounded), then kill
# whatever still runs in the namespace besides the listener.
drain() {
	local i pids
	for i in $(seq 1 120); do
		pids=$(ip netns pids "$netns" | grep -vx "$sshd_pid" || true)
		[ -n "$pids" ] || return 0
		sleep 0.5
	done
	log "leftover processes in $netns after 60 s: killing $(echo "$pids" | wc -l)"
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null || true
	sleep 1
}

# run_tool NAME N MAXDELAY_MS COMMAND... : measure one tool, output files
# in $res/NAME.{out,err,m}.
run_tool() {
	local name=$1 n=$2 maxd=$3 s0 s1 b0 b1
	shift 3
	drain
	# The cool-down doubles as a noise probe: nothing of ours runs, so
	# the machine's busy CPU now is other people's.
	b0=$(busy_ticks)
	sleep "$cooldown"
	b1=$(busy_ticks)
	log "$name: $n hosts: $(tr '\n' ' ' <<<"$*" | cut -c1-150)..."
	s0=$(proc_ticks "$sshd_pid")
	"$benchrun" -i 200 -t "$tool_timeout" -o "$res/$name.m" -- "$@" \
	    >"$res/$name.out" 2>"$res/$name.err" </dev/null || true
	drain
	s1=$(proc_ticks "$sshd_pid")
	{
		echo "n=$n"
		echo "max_delay_ms=$maxd"
		echo "sshd_s=$(ticks_s "$s0" "$s1")"
		echo "background_pct=$(awk -v a="$b0" -v b="$b1" -v t="$(getconf CLK_TCK)" -v c="$cooldown" -v n="$ncpu" 'BEGIN { printf "%.0f", (c > 0 ? 100 * (b - a) / t / c / n : 0) }')"
	} >>"$res/$name.m"
	log "$name: $(tr '\n' ' ' <"$res/$name.m")"
}

ok_count() { # NAME -> hosts that ran the whole script
	local name=$1
	case $name in
	rollcall*)
		# the summary line: "sweep 1: N hosts in T: K ok, ..."
		sed -n 's/^sweep [0-9]*: [0-9]* hosts in [^:]*: \([0-9]*\) ok.*/\1/p' "$res/$name.err" | tail -n 1 ;;
	pdsh|clush)
		# "host: @@rc:<nonce>:end:uptime:0" on stdout, once per host
		grep -F ": $endmark" "$res/$name.out" | cut -d: -f1 | sort -u | wc -l ;;
	pssh)
		grep -lF "$endmark" "$res/pssh-out"/* 2>/dev/null | wc -l ;;
	ansible)
		grep -c '| CHANGED | rc=0 >>' "$res/$name.out" || true ;;
	loop)
		cat "$res/loop.ok" 2>/dev/null || echo 0 ;;
	esac
}

# counts NAME: system calls (strace -f -c, every host) and instructions
# (callgrind, the first $counts_hosts hosts) of a first and a steady sweep,
# each pair on a database of its own, into $res/NAME.counts.
counts_tool() {
	local name=$1 sweep
	# Under callgrind the client runs ~50x slower: at 100 handshakes at
	# once sshd's LoginGraceTime cuts some; 20 at once all finish.
	sed "s/^max_handshakes:.*/max_handshakes: $counts_handshakes/" \
	    "$res/$name.yml" >"$res/$name-cg.yml"
	for sweep in first steady; do
		drain
		log "$name: strace -f -c, $sweep sweep, $nhosts hosts"
		ip netns exec "$netns" strace -f -c -o "$res/$name-$sweep.strace" \
		    "$rollcall" collect -c "$res/$name.yml" --db "$res/$name-strace.db" \
		    >"$res/$name-$sweep.strace.out" 2>&1 </dev/null || true
		drain
		if [ "$sweep" = steady ]; then
			# Hosts sshd cut under callgrind in the first sweep would
			# have their first sight now: store them without callgrind,
			# so the steady sweep measured is one where nothing changed.
			ip netns exec "$netns" "$rollcall" collect -c "$res/$name-cg.yml" \
			    --db "$res/$name-cg.db" -l "@$res/hosts-counts" \
			    >"$res/$name-fill.out" 2>&1 </dev/null || true
			drain
		fi
		log "$name: callgrind, $sweep sweep, $counts_hosts hosts"
		ip netns exec "$netns" valgrind --tool=callgrind \
		    --callgrind-out-file="$res/$name-$sweep.cg" \
		    "$rollcall" collect -c "$res/$name-cg.yml" --db "$res/$name-cg.db" \
		    -l "@$res/hosts-counts" >"$res/$name-$sweep.cg.out" 2>&1 </dev/null || true
		# strace -c: "% time seconds usecs/call calls [errors] syscall";
		# calls is field 4 either way, the total line names "total".
		awk -v n="$nhosts" -v cgn="$counts_hosts" -v sweep="$sweep" \
		    -v ir="$(sed -n 's/^summary: //p' "$res/$name-$sweep.cg" 2>/dev/null)" \
		    -v okc="$(sed -n 's/^sweep [0-9]*: [0-9]* hosts in [^:]*: \([0-9]*\) ok.*/\1/p' "$res/$name-$sweep.cg.out" | tail -n 1)" \
		    -v oks="$(sed -n 's/^sweep [0-9]*: [0-9]* hosts in [^:]*: \([0-9]*\) ok.*/\1/p' "$res/$name-$sweep.strace.out" | tail -n 1)" '
		$1 ~ /^[0-9.]+$/ && NF >= 5 {
			if ($NF == "total") { total = $4; next }
			c[$NF] = $4; e[$NF] = (NF == 6 ? $5 : 0)
		}
		END {
			top = ""
			for (k = 0; k < 5; k++) {
				best = ""
				for (s in c) if (best == "" || c[s] > c[best]) best = s
				if (best == "") break
				top = top sprintf("%s%s %.1f%s", k ? ", " : "", best, c[best] / n,
				    e[best] > 0 ? sprintf(" (%.1f err)", e[best] / n) : "")
				delete c[best]
			}
			printf "%s %s %.0f %s %s|%s\n", sweep,
			    (ir != "" ? sprintf("%.2f", ir / cgn / 1e6) : "-"), total / n, (okc == "" ? 0 : okc) "/" cgn, (oks == "" ? 0 : oks) "/" n, top
		}' "$res/$name-$sweep.strace" >>"$res/$name.counts"
	done
}

# rollcall NAME: a first sweep, a steady one on the same database, counts.
rollcall_tool() {
	local name=$1
	run_tool "$name" "$nhosts" "$max_delay_ms" \
	    ip netns exec "$netns" "$rollcall" collect -c "$res/$name.yml"
	echo "ok=$(ok_count "$name")" >>"$res/$name.m"
	run_tool "$name.st" "$nhosts" "$max_delay_ms" \
	    ip netns exec "$netns" "$rollcall" collect -c "$res/$name.yml"
	echo "ok=$(ok_count "$name.st")" >>"$res/$name.st.m"
	rows+=("$name.st")
	if [ "$counts" = 1 ] && [ "$name" != rollcall-all ]; then
		counts_tool "$name"
	fi
}

rows=()
for t in "${tool_list[@]}"; do
	rows+=("$t")
	case $t in
	rollcall|rollcall-all|rollcall-full)
		rollcall_tool "$t"
		continue ;;
	pdsh)
		PDSH_SSH_ARGS_APPEND="-F $sshcfg" \
		run_tool pdsh "$nhosts" "$max_delay_ms" \
		    ip netns exec "$netns" pdsh -R ssh -f "$nhosts" -t "$cto" \
		    -l rollcall-test -w "^$res/hosts" "$script" ;;
	pssh)
		mkdir -p "$res/pssh-out"
		run_tool pssh "$nhosts" "$max_delay_ms" \
		    ip netns exec "$netns" parallel-ssh -p "$nhosts" -h "$res/hosts" \
		    -l rollcall-test -x "-F $sshcfg" -t 0 -o "$res/pssh-out" "$script" ;;
	clush)
		run_tool clush "$nhosts" "$max_delay_ms" \
		    ip netns exec "$netns" clush -f "$nhosts" --hostfile "$res/hosts" \
		    -l rollcall-test -o "-F $sshcfg" -t "$cto" "$script" ;;
	ansible)
		# ssh-notty: raw forces a PTY, which the fleet's sshd refuses.
		ANSIBLE_SSH_ARGS="-F $sshcfg" ANSIBLE_TIMEOUT=$cto \
		ANSIBLE_SSH_EXECUTABLE=$src_dir/bench/ssh-notty \
		ANSIBLE_REMOTE_USER=rollcall-test ANSIBLE_PRIVATE_KEY_FILE=$fdir/id_ed25519 \
		ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
		ANSIBLE_LOCAL_TEMP=$res/ansible-tmp ANSIBLE_SSH_CONTROL_PATH_DIR=$res/ansible-tmp \
		ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_PYTHON_INTERPRETER=/bin/false \
		ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False \
		run_tool ansible "$nhosts" "$max_delay_ms" \
		    ip netns exec "$netns" ansible all -i "$fdir/inventory.yml" \
		    -m raw -a "$script" -f "$ansible_forks" ;;
	loop)
		# A plain loop, one ssh after the other, on the first hosts.
		run_tool loop "$loop_hosts" "$loop_max_delay_ms" \
		    ip netns exec "$netns" bash -c '
			ok=0
			while read -r h; do
				if ssh -n -F "$1" "$h" "$2" >"$3/loop-$h.out"; then
					grep -qF "$4" "$3/loop-$h.out" && ok=$((ok + 1))
				fi
			done <"$3/hosts-loop"
			echo "$ok" >"$3/loop.ok"' _ "$sshcfg" "$script" "$res" "$endmark" ;;
	esac
	echo "ok=$(ok_count "$t")" >>"$res/$t.m"
done

# ------------------------------------------------------------------ table
{
	echo "# rollcall bench: $nhosts hosts, delays 50-500 ms, $ncpu cores, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "# rollcall: ${rollcall_bin:-tree at $(git -C "$src_dir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$src_dir" diff --quiet HEAD -- daemon collectors common config storage 2>/dev/null || echo ' + uncommitted changes')}, max_handshakes $max_handshakes (rollcall-all: $nhosts), ansible -f $ansible_forks, loop on $loop_hosts hosts"
	for t in "${rows[@]}"; do
		cat "$res/$t.m"
		echo "tool=${t/%.st//st}"
		echo "--"
	done | awk -v ncpu="$ncpu" '
	function f(x, d) { return sprintf("%." d "f", x) }
	/^--$/ {
		t = v["tool"]; order[++k] = t
		for (key in v) m[t, key] = v[key]
		delete v; next
	}
	{ i = index($0, "="); v[substr($0, 1, i - 1)] = substr($0, i + 1) }
	END {
		pw = 0
		for (i = 1; i <= k; i++) if (order[i] == "pdsh") pw = m["pdsh", "wall_s"]
		printf "%-16s %5s %8s %8s %7s %7s %7s %7s %9s %7s %7s %7s %6s %7s\n",
		    "tool", "N", "wall_s", "cpu_s", "ms/host", "rss_MB", "sumRSS", "sumPriv",
		    "ok", "srv_s", "sshd_s", "floor_s", "x_pdsh", "x_floor"
		for (i = 1; i <= k; i++) {
			t = order[i]
			cpu = m[t, "user_s"] + m[t, "sys_s"]
			srv = m[t, "busy_s"] - cpu - m[t, "self_s"]
			floor = srv / ncpu + m[t, "max_delay_ms"] / 1000
			wall = m[t, "wall_s"]
			xp = (pw > 0 && t != "loop") ? f(wall / pw, 2) : "-"
			xf = (floor > 0) ? f(wall / floor, 2) : "-"
			if (m[t, "timed_out"] == 1) wall_s = ">" f(wall, 1) " (killed)"
			else wall_s = f(wall, 1)
			printf "%-16s %5d %8s %8s %7s %7s %7s %7s %9s %7s %7s %7s %6s %7s\n",
			    t, m[t, "n"], wall_s, f(cpu, 2), f(1000 * cpu / m[t, "n"], 1),
			    f(m[t, "maxrss_kb"] / 1024, 1), f(m[t, "sumrss_kb"] / 1024, 0),
			    f(m[t, "sumpriv_kb"] / 1024, 0), m[t, "ok"] "/" m[t, "n"],
			    f(srv, 1), f(m[t, "sshd_s"], 1), f(floor, 1), xp, xf
		}
		print ""
		print "wall_s: wall time; cpu_s: user+sys of the tool and its children; ms/host: cpu_s per host"
		print "rss_MB: peak RSS of its largest process; sumRSS, sumPriv: peak sum over its processes"
		print "  of RSS and of RSS minus shared file pages, MB (sampled every 200 ms)"
		print "srv_s: machine busy CPU during the run minus cpu_s and the sampler; sshd_s: the part of it"
		print "  accounted to the fleet sshd listener and its reaped sessions (a lower bound)"
		print "floor_s = srv_s / " ncpu " cores + largest delay; x_pdsh: wall / pdsh wall; x_floor: wall / floor_s"
		for (i = 1; i <= k; i++) {
			t = order[i]
			cpu = m[t, "user_s"] + m[t, "sys_s"]
			other = m[t, "busy_s"] - cpu - m[t, "self_s"] - m[t, "sshd_s"]
			printf "%s: sampler %.2f s CPU; busy CPU neither the tool nor in sshd_s %.1f s; idle %.1f s; machine busy before (cool-down) %s%%; exit %s\n",
			    t, m[t, "self_s"], other, m[t, "idle_s"], m[t, "background_pct"], m[t, "status"]
		}
	}'
	for t in "${tool_list[@]}"; do
		[ -f "$res/$t.counts" ] || continue
		if [ -z "${counts_head:-}" ]; then
			counts_head=1
			echo ""
			echo "# per host, rollcall: instructions (callgrind, first $counts_hosts hosts, max_handshakes $counts_handshakes) and system calls (strace -f -c, all $nhosts hosts)"
			printf '%-16s %-7s %8s %9s %9s %9s  %s\n' tool sweep "M_Ir/h" "calls/h" "ok(cg)" "ok(st)" \
			    "top 5 system calls per host (err: failed ones, mostly EAGAIN)"
		fi
		while IFS='|' read -r a top; do
			read -r sweep ir calls okc oks <<<"$a"
			printf '%-16s %-7s %8s %9s %9s %9s  %s\n' "$t" "$sweep" "$ir" "$calls" "$okc" "$oks" "$top"
		done <"$res/$t.counts"
	done
} | tee "$res/table.txt"
log "results in $res"
