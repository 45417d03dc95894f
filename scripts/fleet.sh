#!/usr/bin/env bash
# fleet.sh: a simulated fleet of SSH hosts on one machine, for tests, the demo
# and the benchmark (the one implementation all of them call).
#
# One sshd runs in a network namespace, bound to 0.0.0.0:22 there, so every
# 127.x.y.z address inside the namespace is a distinct "host". A ForceCommand
# wrapper (fleet-host) looks up the address the client connected to and plays
# that host's part: sleep a per-host delay, then run the command, hang, print
# megabytes, fail, drop the connection... Broken hosts that need something
# other than sshd (tarpit, drip, nonssh) are tests/tools/fakesrv processes.
#
# The rollcall client must run in the same namespace:
#     scripts/fleet.sh exec -- rollcall collect -c .fleet/rollcall.yml
#
# Run `scripts/fleet.sh --help` for the options. Needs root (network
# namespace, sshd, a system user). The login user `rollcall-test` (shell
# /bin/sh, home /var/lib/rollcall-test) is created on first start and left in
# place by `stop`: it has no password and accepts only the fleet's key, and
# only inside the fleet's namespace.
set -euo pipefail

prog=fleet.sh
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

TEST_USER=rollcall-test
TEST_HOME=/var/lib/rollcall-test
RUN_BASE=/run/rollcall-fleet
SPECIAL_NET=127.0.200		# broken hosts: 127.0.200.1, .2, ...
FAKE_PORT=2222			# where fakesrv listens on its own address
REFUSE_PORT=2			# nothing listens there
BLACKHOLE_NET=10.254.0		# routed to lo but not local: SYNs vanish

usage() {
	cat <<'EOF'
usage: fleet.sh [options] start|stop|status
       fleet.sh [options] exec -- COMMAND [ARG...]

  start     create the namespace, keys, configs; start sshd (+ fakesrv)
  stop      stop everything started in the namespace, delete it (idempotent)
  status    say what runs
  exec      run COMMAND inside the fleet's namespace (where rollcall must run)

options (environment variable in brackets):
  --dir DIR            state directory, default ./.fleet        [FLEET_DIR]
  --hosts N            healthy hosts, default 50                [FLEET_HOSTS]
  --delay MIN:MAX      per-host delay in ms, default 50:500     [FLEET_DELAY]
  --netns NAME         network namespace, default rc-fleet      [FLEET_NETNS]
  --broken LIST        extra broken hosts, comma-separated      [FLEET_BROKEN]
                       refuse tarpit drip nonssh hostkey-changed
                       hostkey-unknown auth-reject hang chatty drop fail
                       garbage dns blackhole (a kind may repeat: refuse,refuse)
  --concurrency N      rollcall.yml concurrency, default all hosts
  --connect-timeout D  rollcall.yml ssh.connect_timeout  (default sized to N)
  --command-timeout D  rollcall.yml ssh.command_timeout  (default sized to N)
  --host-timeout D     rollcall.yml ssh.host_timeout     (default sized to N)
  --lifetime SECONDS   hard lifetime of fakesrv helpers, default 3600
                                                          [FLEET_LIFETIME]
  --bastion            also a bastion: namespace NETNS-b with its own sshd
                       (forwarding allowed) that reaches the fleet, where
                       every host is also 10.77.X.Y (for 127.0.X.Y), and a
                       collector namespace NETNS-c that reaches only the
                       bastion (10.202.0.1:22; a second bastion that only
                       the first reaches listens on its 127.0.0.1:2222).
                       `exec` then runs in NETNS-c; bastion.yml and
                       bastion-inventory.yml are written.     [FLEET_BASTION=1]
Files in DIR: rollcall.yml, inventory.yml, known_hosts, id_ed25519,
hosts.tsv (address, role, delay_ms, arg), sshd_config, sshd.log.
Give one host stand-in tools: put executables in DIR/hostbin/ADDRESS/.
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

log() {
	echo "$prog: $*" >&2
}

# ---------------------------------------------------------------- options
dir=${FLEET_DIR:-./.fleet}
nhosts=${FLEET_HOSTS:-50}
delay=${FLEET_DELAY:-50:500}
netns=${FLEET_NETNS:-}
broken=${FLEET_BROKEN:-}
lifetime=${FLEET_LIFETIME:-3600}
concurrency=
connect_timeout=
command_timeout=
host_timeout=
cmd=
exec_argv=()
bastion=${FLEET_BASTION:-0}

while [ "$#" -gt 0 ]; do
	case $1 in
	--dir) dir=${2:?--dir needs a value}; shift 2 ;;
	--hosts) nhosts=${2:?--hosts needs a value}; shift 2 ;;
	--delay) delay=${2:?--delay needs a value}; shift 2 ;;
	--netns) netns=${2:?--netns needs a value}; shift 2 ;;
	--broken) broken=${2?--broken needs a value}; shift 2 ;;
	--lifetime) lifetime=${2:?--lifetime needs a value}; shift 2 ;;
	--concurrency) concurrency=${2:?}; shift 2 ;;
	--connect-timeout) connect_timeout=${2:?}; shift 2 ;;
	--command-timeout) command_timeout=${2:?}; shift 2 ;;
	--host-timeout) host_timeout=${2:?}; shift 2 ;;
	--bastion) bastion=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; exec_argv=("$@"); break ;;
	start|stop|status|exec)
		[ -z "$cmd" ] || die "two commands given: $cmd and $1"
		cmd=$1; shift ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done
[ -n "$cmd" ] || { usage >&2; exit 2; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_uint "$nhosts" || die "--hosts: not a number: $nhosts"
[[ $delay =~ ^([0-9]+):([0-9]+)$ ]] || die "--delay: want MIN:MAX in ms, got: $delay"
delay_min=${BASH_REMATCH[1]}
delay_max=${BASH_REMATCH[2]}
[ "$delay_min" -le "$delay_max" ] || die "--delay: MIN > MAX: $delay"
is_uint "$lifetime" && [ "$lifetime" -gt 0 ] || die "--lifetime: not a positive number: $lifetime"
[ -z "$concurrency" ] || is_uint "$concurrency" || die "--concurrency: not a number"
# A fleet started with --bastion says so in its state, for stop and exec.
if [ "$bastion" = 0 ] && [ -r "$dir/fleet.env" ] &&
    grep -qx 'bastion=1' "$dir/fleet.env" 2>/dev/null; then
	bastion=1
fi
# healthy hosts fill 127.0.1.1 .. 127.0.199.250
[ "$nhosts" -le $((199 * 250)) ] || die "--hosts: at most $((199 * 250))"

if [ "$(id -u)" -ne 0 ]; then
	die "must run as root (network namespace, sshd, a system user); try: sudo $0 $cmd"
fi
mkdir -p "$dir" || die "cannot create state directory $dir"
dir=$(cd "$dir" && pwd)
# A namespace given explicitly wins; otherwise the one this DIR last used.
if [ -z "$netns" ] && [ -r "$dir/fleet.env" ]; then
	netns=$(sed -n 's/^netns=//p' "$dir/fleet.env")
fi
netns=${netns:-rc-fleet}
[[ $netns =~ ^[A-Za-z0-9_.-]+$ ]] || die "--netns: bad name: $netns"
[[ ${FLEET_SSHD_LOGLEVEL:-ERROR} =~ ^(QUIET|FATAL|ERROR|INFO|VERBOSE|DEBUG[1-3]?)$ ]] ||
    die "FLEET_SSHD_LOGLEVEL: not an sshd LogLevel: $FLEET_SSHD_LOGLEVEL"
rundir=$RUN_BASE/$netns


# ------------------------------------------------------------- helpers
# Is our namespace there?
netns_exists() {
	[ -e "/run/netns/$netns" ]
}

# Run a command inside the fleet's namespace.
in_netns() {
	ip netns exec "$netns" "$@"
}

# Can we open a TCP connection to ADDR PORT inside the namespace?
tcp_ok() {
	in_netns timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" \
	    2>/dev/null
}

# Is the process in the pid file alive and in our namespace?
pidfile_alive() {
	local pid
	[ -r "$1" ] || return 1
	pid=$(cat "$1" 2>/dev/null) || return 1
	is_uint "$pid" || return 1
	netns_exists || return 1
	in_netns_pids | grep -qx "$pid"
}

in_netns_pids() {
	ip netns pids "$netns" 2>/dev/null || true
}

# Address of healthy host number i (0-based) into $REPLY: 127.0.1.1 ..
# spread over 127.0.X.Y with Y in 1..250.
healthy_addr() {
	REPLY="127.0.$((1 + $1 / 250)).$((1 + $1 % 250))"
}

# Deterministic delay in ms for host number i into $REPLY: a hash of it
# mapped into [delay_min, delay_max], so a host keeps its delay across
# runs. (No $(...) here: forking per host is slow with 2000 hosts.)
delay_for() {
	local h
	h=$(( (($1 + 1) * 2654435761) % 4294967296 ))
	REPLY=$(( delay_min + (h >> 7) % (delay_max - delay_min + 1) ))
}

# Find or build tests/tools/fakesrv; prints its path.
find_fakesrv() {
	local c
	for c in "${FAKESRV:-}" "${BUILD_DIR:+$BUILD_DIR/tests/fakesrv}" \
	    "$src_dir/build/tests/fakesrv"; do
		if [ -n "$c" ] && [ -x "$c" ] &&
		    [ "$c" -nt "$src_dir/tests/tools/fakesrv.c" ]; then
			echo "$c"
			return
		fi
	done
	# Not built (or stale): it is one file with no dependencies.
	c=$dir/fakesrv
	if [ ! -x "$c" ] || [ "$src_dir/tests/tools/fakesrv.c" -nt "$c" ]; then
		command -v cc >/dev/null 2>&1 || die "no C compiler to build fakesrv (run scripts/deps.sh)"
		cc -std=c11 -O2 -Wall -Wextra -o "$c" "$src_dir/tests/tools/fakesrv.c" ||
		    die "cannot build fakesrv"
	fi
	echo "$c"
}

# ----------------------------------------------------------------- stop
do_stop() {
	local pids pid i
	if netns_exists; then
		if [ ! -e "$rundir/fleet.env" ]; then
			die "namespace $netns exists but was not made by $prog ($rundir/fleet.env missing): not touching it"
		fi
		# Everything in our private namespace was started by the fleet
		# (sshd, its sessions, fakesrv, clients run with `exec`).
		pids=$(in_netns_pids)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null || true
			for i in $(seq 1 50); do
				pids=$(in_netns_pids)
				[ -n "$pids" ] || break
				sleep 0.1
			done
			if [ -n "$pids" ]; then
				log "still running after SIGTERM, sending SIGKILL: $(echo $pids)"
				# shellcheck disable=SC2086
				kill -9 $pids 2>/dev/null || true
				sleep 0.2
			fi
		fi
		ip netns delete "$netns" || die "cannot delete namespace $netns"
	fi
	stop_bastion
	rm -rf "$rundir"
	rm -f "$dir/sshd.pid" "$dir"/fakesrv-*.pid
	echo "$prog: stopped (namespace $netns)"
}

# --------------------------------------------------------------- status
do_status() {
	local n
	if ! netns_exists; then
		echo "fleet $netns: not running (no namespace)"
		return 1
	fi
	echo "fleet $netns: namespace present, state in $dir"
	if pidfile_alive "$dir/sshd.pid"; then
		echo "  sshd: running, pid $(cat "$dir/sshd.pid")"
	else
		echo "  sshd: NOT running"
	fi
	for f in "$dir"/fakesrv-*.pid; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .pid)
		if pidfile_alive "$f"; then
			echo "  ${n#fakesrv-}: fakesrv running, pid $(cat "$f")"
		else
			echo "  ${n#fakesrv-}: fakesrv NOT running"
		fi
	done
	if [ -r "$dir/hosts.tsv" ]; then
		echo "  hosts: $(awk -F'\t' '$2 == "ok"' "$dir/hosts.tsv" | wc -l) ok-role, $(wc -l <"$dir/hosts.tsv") in hosts.tsv"
	fi
	echo "  processes in namespace: $(in_netns_pids | wc -l)"
	echo "  config: $dir/rollcall.yml"
}

# ---------------------------------------------------------------- start
ensure_user() {
	local pw
	if ! getent passwd "$TEST_USER" >/dev/null; then
		useradd --system --user-group --home-dir "$TEST_HOME" \
		    --create-home --shell /bin/sh \
		    --comment "rollcall simulated fleet login" "$TEST_USER" ||
		    die "cannot create user $TEST_USER"
		log "created login user $TEST_USER (home $TEST_HOME, shell /bin/sh)"
	fi
	# sshd without PAM refuses accounts whose password field starts with
	# '!' (locked); '*' means "no password" and still allows keys.
	pw=$(getent shadow "$TEST_USER" | cut -d: -f2)
	case $pw in
	'!'*) usermod -p '*' "$TEST_USER" ;;
	esac
	mkdir -p "$TEST_HOME"
}

ensure_keys() {
	local k
	for k in id_ed25519 ssh_host_ed25519_key wrong_host_ed25519_key; do
		if [ ! -s "$dir/$k" ] || [ ! -s "$dir/$k.pub" ]; then
			rm -f "$dir/$k" "$dir/$k.pub"
			ssh-keygen -q -t ed25519 -N '' -C "rollcall-fleet-$k" \
			    -f "$dir/$k" || die "ssh-keygen failed"
		fi
	done
}

# Build the host table: hosts.tsv (address role delay_ms arg), plus the
# parallel arrays used to write inventory and known_hosts.
h_name=() h_addr=() h_port=() h_group=() h_kh=()
declare -A kind_count=()

add_host() { # name addr port group known_hosts(ok|wrong|none)
	h_name+=("$1") h_addr+=("$2") h_port+=("$3") h_group+=("$4") h_kh+=("$5")
}

build_hosts() {
	local i width nweb=0 ndb=0 a name kind k n tsv
	width=${#nhosts}
	[ "$width" -ge 3 ] || width=3
	tsv=$dir/hosts.tsv.tmp
	for ((i = 0; i < nhosts; i++)); do
		healthy_addr "$i"
		a=$REPLY
		if ((i % 5 == 4)); then
			ndb=$((ndb + 1))
			printf -v name 'db%0*d' "$width" "$ndb"
			add_host "$name" "$a" 22 db ok
		else
			nweb=$((nweb + 1))
			printf -v name 'web%0*d' "$width" "$nweb"
			add_host "$name" "$a" 22 web ok
		fi
		delay_for "$i"
		printf '%s\tok\t%s\t\n' "$a" "$REPLY"
	done >"$tsv"

	fake_specs=()
	auth_reject=()
	k=0
	IFS=, read -r -a kinds <<<"$broken"
	for kind in "${kinds[@]}"; do
		kind=${kind// /}
		[ -n "$kind" ] || continue
		k=$((k + 1))
		[ "$k" -le 250 ] || die "--broken: at most 250 broken hosts"
		a=$SPECIAL_NET.$k
		n=$(( ${kind_count[$kind]:-0} + 1 ))
		kind_count[$kind]=$n
		printf -v name '%s%02d' "$kind" "$n"
		case $kind in
		refuse)
			add_host "$name" "$a" "$REFUSE_PORT" broken ok
			printf '%s\trefuse\t0\t\n' "$a" >>"$tsv" ;;
		tarpit|drip|nonssh)
			add_host "$name" "$a" "$FAKE_PORT" broken ok
			printf '%s\t%s\t0\t\n' "$a" "$kind" >>"$tsv"
			fake_specs+=("$kind $a") ;;
		hostkey-changed)
			add_host "$name" "$a" 22 broken wrong
			printf '%s\tok\t%s\t\n' "$a" "$delay_min" >>"$tsv" ;;
		hostkey-unknown)
			add_host "$name" "$a" 22 broken none
			printf '%s\tok\t%s\t\n' "$a" "$delay_min" >>"$tsv" ;;
		auth-reject)
			add_host "$name" "$a" 22 broken ok
			auth_reject+=("$a")
			printf '%s\tok\t%s\t\n' "$a" "$delay_min" >>"$tsv" ;;
		hang|fail|drop|garbage)
			add_host "$name" "$a" 22 broken ok
			printf '%s\t%s\t%s\t\n' "$a" "$kind" "$delay_min" >>"$tsv" ;;
		chatty)
			add_host "$name" "$a" 22 broken ok
			printf '%s\tchatty\t%s\t%s\n' "$a" "$delay_min" \
			    "${FLEET_CHATTY_BYTES:-52428800}" >>"$tsv" ;;
		blackhole)
			# Routed into lo without being a local address: the SYN
			# is dropped and connect() times out.
			add_host "$name" "$BLACKHOLE_NET.$k" 22 broken ok ;;
		dns)
			# No address: the name is looked up through DIR/resolv.conf,
			# whose nameserver (127.0.0.1:53 in the namespace) does not
			# exist, so resolution fails without leaving the machine.
			add_host "$name" "$name.rollcall-fleet.invalid" 22 broken none ;;
		*)
			die "--broken: unknown kind '$kind' (see --help)" ;;
		esac
	done
	mv "$tsv" "$dir/hosts.tsv"
}

write_known_hosts() {
	local i good wrong line
	good=$(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")
	wrong=$(cut -d' ' -f1,2 "$dir/wrong_host_ed25519_key.pub")
	{
		for i in "${!h_name[@]}"; do
			case ${h_kh[$i]} in
			none) continue ;;
			wrong) line=$wrong ;;
			*) line=$good ;;
			esac
			if [ "${h_port[$i]}" = 22 ]; then
				printf '%s %s\n' "${h_addr[$i]}" "$line"
			else
				printf '[%s]:%s %s\n' "${h_addr[$i]}" "${h_port[$i]}" "$line"
			fi
		done
	} >"$dir/known_hosts"
}

write_inventory() {
	local g i
	{
		echo "# Generated by scripts/fleet.sh: the simulated fleet, Ansible YAML format."
		echo "all:"
		echo "  children:"
		for g in web db broken; do
			local any=0
			for i in "${!h_name[@]}"; do
				[ "${h_group[$i]}" = "$g" ] || continue
				if [ "$any" = 0 ]; then
					printf '    %s:\n      hosts:\n' "$g"
					any=1
				fi
				printf '        %s:\n          ansible_host: %s\n' \
				    "${h_name[$i]}" "${h_addr[$i]}"
				if [ "${h_port[$i]}" != 22 ]; then
					printf '          ansible_port: %s\n' "${h_port[$i]}"
				fi
			done
		done
	} >"$dir/inventory.yml"
}

write_rollcall_yml() {
	local total q
	total=${#h_name[@]}
	# One sshd serves about 10-20 new sessions a second here: at large N
	# hosts queue at the server, so the deadlines grow with the fleet.
	q=$(( (total + 9) / 10 ))
	{
		echo "# Generated by scripts/fleet.sh for the simulated fleet in namespace $netns."
		echo "# Run rollcall inside it: scripts/fleet.sh --dir $dir exec -- rollcall collect -c $dir/rollcall.yml"
		echo "database: $dir/rollcall.db"
		echo "inventory:"
		echo "  - inventory.yml"
		echo "ssh:"
		echo "  user: $TEST_USER"
		echo "  port: 22"
		echo "  identity: $dir/id_ed25519"
		echo "  known_hosts: $dir/known_hosts"
		echo "  host_key_checking: strict"
		echo "  connect_timeout: ${connect_timeout:-$((10 + q))s}"
		echo "  command_timeout: ${command_timeout:-$((10 + q))s}"
		echo "  host_timeout: ${host_timeout:-$((60 + 3 * q))s}"
		echo "dns:"
		echo "  resolv_conf: $dir/resolv.conf"
		echo "concurrency: ${concurrency:-$total}"
		echo "collectors: [os, kernel, cpu, memory, uptime]"
	} >"$dir/rollcall.yml"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$dir/resolv.conf"
}

# The session side: files the login user reads, outside DIR so that DIR may
# live anywhere (a clone in /root is not readable by that user).
write_rundir() {
	mkdir -p -m 755 "$RUN_BASE" "$rundir" "$rundir/hosts" "$rundir/hostbin"
	printf 'restrict %s\n' "$(cat "$dir/id_ed25519.pub")" >"$rundir/authorized_keys"
	# One small file per address, "role delay_seconds arg", so the wrapper
	# reads a line instead of scanning a table on every session.
	awk -F'\t' -v d="$rundir/hosts" '{
		f = d "/" $1
		printf "%s %d.%03d %s\n", $2, int($3 / 1000), $3 % 1000, $4 > f
		close(f)
	}' "$dir/hosts.tsv"
	sed "s|@RUNDIR@|$rundir|g" "$src_dir/scripts/fleet-host.sh" >"$rundir/fleet-host"
	chmod 755 "$rundir/fleet-host"
	chmod -R a+rX "$rundir"
	ln -sfn "$rundir/fleet-host" "$dir/fleet-host"
	ln -sfn "$rundir/hostbin" "$dir/hostbin"
	printf 'netns=%s\ndir=%s\n' "$netns" "$dir" >"$rundir/fleet.env"
	cp "$rundir/fleet.env" "$dir/fleet.env"
}

write_sshd_config() {
	local a
	{
		echo "# Generated by scripts/fleet.sh: one sshd standing for every host of the fleet."
		echo "Port 22"
		echo "ListenAddress 0.0.0.0"
		echo "HostKey $dir/ssh_host_ed25519_key"
		echo "PidFile $dir/sshd.pid"
		echo "UsePAM no"
		echo "UseDNS no"
		echo "StrictModes no"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "AuthenticationMethods publickey"
		echo "AuthorizedKeysFile $rundir/authorized_keys"
		echo "AllowUsers $TEST_USER"
		echo "MaxStartups 4000:30:8000"
		echo "PerSourceMaxStartups none"
		echo "MaxSessions 100"
		echo "MaxAuthTries 6"
		echo "LoginGraceTime 60"
		# VERBOSE logs every connection and auth attempt (tests
		# that check "no authentication was attempted" need it).
		echo "LogLevel ${FLEET_SSHD_LOGLEVEL:-ERROR}"
		echo "PrintMotd no"
		echo "PrintLastLog no"
		echo "PermitTTY no"
		echo "X11Forwarding no"
		echo "AllowTcpForwarding no"
		echo "AllowAgentForwarding no"
		echo "PermitUserEnvironment no"
		# "exec": the login shell runs `sh -c "exec ..."`, no extra process.
		echo "ForceCommand exec $rundir/fleet-host"
		for a in "${auth_reject[@]}"; do
			echo "Match LocalAddress $a"
			echo "	AuthorizedKeysFile none"
		done
	} >"$dir/sshd_config"
	mkdir -p -m 755 /run/sshd	# sshd's privilege separation directory
	/usr/sbin/sshd -t -f "$dir/sshd_config" || die "sshd rejects $dir/sshd_config"
}

start_sshd() {
	local i
	mkdir -p -m 755 /run/sshd
	rm -f "$dir/sshd.pid"
	: >"$dir/sshd.log"
	# Many hosts at once: the listener keeps a pipe per pending session.
	( ulimit -n "$(ulimit -Hn)"
	  in_netns /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" \
	      </dev/null >/dev/null 2>&1 ) ||
	    die "sshd failed to start: $(tail -n 5 "$dir/sshd.log")"
	for i in $(seq 1 100); do
		if [ -s "$dir/sshd.pid" ] && tcp_ok 127.0.0.1 22; then
			return
		fi
		sleep 0.1
	done
	die "sshd does not accept connections after 10 s: $(tail -n 5 "$dir/sshd.log")"
}

start_fakesrv() {
	local bin spec mode a pf i
	[ "${#fake_specs[@]}" -gt 0 ] || return 0
	bin=$(find_fakesrv)
	for spec in "${fake_specs[@]}"; do
		read -r mode a <<<"$spec"
		case $mode in nonssh) mode=garbage ;; esac
		pf=$dir/fakesrv-$a.pid
		rm -f "$pf"
		( ulimit -n "$(ulimit -Hn)"
		  in_netns "$bin" -l "$lifetime" -p "$pf" "$mode" "$a" "$FAKE_PORT" \
		      </dev/null >>"$dir/fakesrv.log" 2>&1 & )
		for i in $(seq 1 50); do
			[ -s "$pf" ] && break
			sleep 0.1
		done
		[ -s "$pf" ] || die "fakesrv $mode on $a:$FAKE_PORT did not start: $(tail -n 3 "$dir/fakesrv.log")"
	done
}

# ------------------------------------------------------------- bastion
# Addresses: the fleet is also 10.77.X.Y (AnyIP route in its namespace);
# bastion <-> fleet over 10.201.0.0/30, collector <-> bastion over
# 10.202.0.0/30. The collector has no route to anything but the bastion.
BASTION_NET=10.77
BASTION_ADDR=10.202.0.1
BASTION2_PORT=2222

# The bastion's and the collector's namespaces.
bns() { REPLY=$netns-b; }
cns() { REPLY=$netns-c; }

# sshd_config of a bastion: forwarding allowed, no shell needed, every
# login logged (the tests count them). $1 name, $2 listen address:port.
write_bastion_sshd_config() {
	{
		echo "# Generated by scripts/fleet.sh: bastion $1 of the simulated fleet."
		echo "ListenAddress $2"
		echo "HostKey $dir/$1_host_ed25519_key"
		echo "PidFile $dir/$1.pid"
		echo "UsePAM no"
		echo "UseDNS no"
		echo "StrictModes no"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "AuthenticationMethods publickey"
		echo "AuthorizedKeysFile $rundir/bastion_authorized_keys"
		echo "AllowUsers $TEST_USER"
		echo "MaxStartups 4000:30:8000"
		echo "PerSourceMaxStartups none"
		echo "LogLevel VERBOSE"
		echo "AllowTcpForwarding local"
		echo "PermitOpen any"
		echo "PermitTTY no"
		echo "X11Forwarding no"
		echo "AllowAgentForwarding no"
		echo "ForceCommand /bin/false"
	} >"$dir/$1_sshd_config"
	/usr/sbin/sshd -t -f "$dir/$1_sshd_config" || die "sshd rejects $dir/$1_sshd_config"
}

# Start one bastion sshd in the bastion namespace; $1 name, $2 addr, $3 port.
start_bastion_sshd() {
	local i b
	bns; b=$REPLY
	: >"$dir/$1.log"
	( ulimit -n "$(ulimit -Hn)"
	  ip netns exec "$b" /usr/sbin/sshd -f "$dir/$1_sshd_config" \
	      -E "$dir/$1.log" </dev/null >/dev/null 2>&1 ) ||
	    die "$1 sshd failed to start: $(tail -n 5 "$dir/$1.log")"
	for i in $(seq 1 100); do
		if [ -s "$dir/$1.pid" ] && ip netns exec "$b" timeout 3 \
		    bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$2" "$3" 2>/dev/null; then
			return
		fi
		sleep 0.1
	done
	die "$1 sshd does not accept connections: $(tail -n 5 "$dir/$1.log")"
}

# The fleet as seen through the bastion: every host at its 10.77 address,
# its role file linked, inventory, known_hosts and config for the collector.
write_bastion_files() {
	local a m f
	for f in "$rundir/hosts"/127.*; do
		[ -e "$f" ] || continue
		a=${f##*/}
		ln -sfn "$a" "$rundir/hosts/$BASTION_NET.${a#127.0.}"
	done
	sed -e "s/ansible_host: 127\.0\./ansible_host: $BASTION_NET./" \
	    -e "s/^all:/all:\n  vars:\n    rollcall_proxy_jump: $TEST_USER@$BASTION_ADDR:22/" \
	    "$dir/inventory.yml" >"$dir/bastion-inventory.yml"
	{
		sed -e "s/^127\.0\./$BASTION_NET./" -e "s/^\[127\.0\./[$BASTION_NET./" "$dir/known_hosts"
		printf '%s %s\n' "$BASTION_ADDR" "$(cut -d' ' -f1,2 "$dir/bastion_host_ed25519_key.pub")"
		printf '[127.0.0.1]:%s %s\n' "$BASTION2_PORT" "$(cut -d' ' -f1,2 "$dir/bastion2_host_ed25519_key.pub")"
	} >"$dir/bastion-known_hosts"
	sed -e "s|^database: .*|database: $dir/bastion.db|" \
	    -e "s|^  - inventory.yml|  - bastion-inventory.yml|" \
	    -e "s|^  known_hosts: .*|  known_hosts: $dir/bastion-known_hosts|" \
	    "$dir/rollcall.yml" >"$dir/bastion.yml"
	m=$(wc -l <"$dir/bastion-known_hosts")
	log "bastion: $m known_hosts lines, config $dir/bastion.yml"
}

# Namespaces, links, routes and the two bastion sshds.
start_bastion() {
	local b c k
	bns; b=$REPLY
	cns; c=$REPLY
	for k in bastion_host_ed25519_key bastion2_host_ed25519_key; do
		[ -s "$dir/$k" ] || ssh-keygen -q -t ed25519 -N '' \
		    -C "rollcall-fleet-$k" -f "$dir/$k" || die "ssh-keygen failed"
	done
	ip netns add "$b" || die "cannot create namespace $b"
	ip netns add "$c" || die "cannot create namespace $c"
	in_netns ip route add local "$BASTION_NET.0.0/16" dev lo table local ||
	    die "cannot make $BASTION_NET.0.0/16 local in $netns"
	in_netns ip link add fv0 type veth peer name bv0 netns "$b" &&
	in_netns ip addr add 10.201.0.1/30 dev fv0 &&
	in_netns ip link set fv0 up &&
	ip -n "$b" addr add 10.201.0.2/30 dev bv0 &&
	ip -n "$b" link set bv0 up &&
	ip -n "$b" link set lo up &&
	ip -n "$b" route add "$BASTION_NET.0.0/16" via 10.201.0.1 &&
	ip -n "$b" link add bc0 type veth peer name cb0 netns "$c" &&
	ip -n "$b" addr add "$BASTION_ADDR/30" dev bc0 &&
	ip -n "$b" link set bc0 up &&
	ip -n "$c" addr add 10.202.0.2/30 dev cb0 &&
	ip -n "$c" link set cb0 up &&
	ip -n "$c" link set lo up || die "cannot wire the bastion namespaces"
	# The fleet's key, allowed to forward (and nothing else) here.
	printf 'restrict,port-forwarding %s\n' "$(cat "$dir/id_ed25519.pub")" \
	    >"$rundir/bastion_authorized_keys"
	write_bastion_sshd_config bastion 0.0.0.0:22
	write_bastion_sshd_config bastion2 "127.0.0.1:$BASTION2_PORT"
	start_bastion_sshd bastion "$BASTION_ADDR" 22
	start_bastion_sshd bastion2 127.0.0.1 "$BASTION2_PORT"
	write_bastion_files
	echo "bastion=1" >>"$rundir/fleet.env"
	cp "$rundir/fleet.env" "$dir/fleet.env"
}

# Stop whatever runs in the bastion and collector namespaces, delete them.
stop_bastion() {
	local ns pids
	bns; set -- "$REPLY"
	cns; set -- "$1" "$REPLY"
	for ns in "$@"; do
		[ -e "/run/netns/$ns" ] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill $pids 2>/dev/null || true
		sleep 0.2
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
		ip netns delete "$ns" || log "cannot delete namespace $ns"
	done
	rm -f "$dir/bastion.pid" "$dir/bastion2.pid"
}

do_start() {
	command -v ip >/dev/null || die "ip (iproute2) missing: run scripts/deps.sh"
	[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd missing: run scripts/deps.sh"
	command -v ssh-keygen >/dev/null || die "ssh-keygen missing: run scripts/deps.sh"
	if netns_exists; then
		if [ -e "$rundir/fleet.env" ]; then
			log "namespace $netns left from an earlier run: stopping it first"
			do_stop >/dev/null
		else
			die "namespace $netns exists and is not a fleet's: choose another with --netns"
		fi
	fi
	ensure_user
	ensure_keys
	build_hosts
	write_known_hosts
	write_inventory
	write_rollcall_yml
	ip netns add "$netns" || die "cannot create network namespace $netns"
	# A start that fails half-way leaves nothing running.
	trap 'log "start failed: cleaning up"; do_stop >/dev/null 2>&1 || true' EXIT
	write_rundir
	in_netns ip link set lo up || die "cannot bring up lo in $netns"
	in_netns ip route add "$BLACKHOLE_NET.0/24" dev lo ||
	    die "cannot add the blackhole route in $netns"
	write_sshd_config
	start_sshd
	start_fakesrv
	[ "$bastion" = 0 ] || start_bastion
	trap - EXIT
	echo "$prog: fleet up in namespace $netns: ${#h_name[@]} hosts ($nhosts healthy, delays ${delay_min}-${delay_max} ms${broken:+, broken: $broken})"
	echo "$prog: config $dir/rollcall.yml"
}

case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
exec)
	[ "${#exec_argv[@]}" -gt 0 ] || die "exec: no command (usage: $prog exec -- COMMAND...)"
	netns_exists || die "fleet $netns is not running (start it first)"
	if [ "$bastion" = 1 ]; then
		cns
		exec ip netns exec "$REPLY" "${exec_argv[@]}"
	fi
	exec ip netns exec "$netns" "${exec_argv[@]}" ;;
esac
