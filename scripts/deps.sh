#!/usr/bin/env bash
# deps.sh: install what rollcall needs to build and to run its tests, from
# Debian 12 packages. Idempotent: does nothing (and never touches the network)
# when everything is already installed; runs `apt-get update` only when a
# package is missing. Root runs apt directly, anyone else through sudo.
set -euo pipefail

# Why each package is here (README.md "Dependencies" says the same):
packages=(
	# build
	build-essential	# gcc, make, libc headers
	cmake		# the build system
	pkg-config	# finds the libraries below
	clang		# sanitizer and libFuzzer builds
	libssh2-1-dev	# SSH client library (non-blocking sessions)
	libssl-dev	# libcrypto: sign with a key parsed once per sweep (also pulled in by libssh2-1-dev)
	libevent-dev	# event loop, timers, async DNS
	libyaml-dev	# config and inventory parsing
	libsqlite3-dev	# the database
	libsystemd-dev	# sd_notify/watchdog/journal when run as a service
	libpq-dev	# cluster mode: ships results to PostgreSQL (docs/DISTRIBUTED.md)
	# tests
	openssh-server	# real sshd standing for the simulated fleet
	openssh-client	# ssh-keygen, ssh-agent, ssh -G (ssh_config oracle), ssh -J checks
	python3		# agent.sh: a fake ssh-agent that never signs
	iproute2	# `ip netns`: the fleet lives in a network namespace
	sqlite3		# tests query the database directly
	jq		# tests read `--json` output
	ansible-core	# the oracle of tests/inventory_diff.sh (ansible-inventory)
	procps		# ps/pgrep/pkill used by scripts and tests
	python3		# tests: slowdns.py, hashed known_hosts names, hostile inventories
	util-linux	# prlimit: fd-limit cases (auth_keys, connect_phases)
	valgrind	# memcheck runs of the integration sweep
	passwd		# useradd for the fleet's login user
	lintian		# checks the built .deb (tests/integration/package.sh)
	prometheus	# promtool check metrics (daemon_control.sh); not started
	postgresql	# PostgreSQL 15: the cluster tests start their own (pg-lib.bash)
	faketime	# libfaketime: a node with a skewed clock (cluster_ship.sh)
	universal-ctags	# scripts/long-functions.sh: function lengths (unit/long_functions)
	pdsh		# bench/run.sh, bench/bastion.sh: the tool people use today
	pssh		# bench/run.sh, bench/bastion.sh: parallel-ssh, likewise
	busybox		# ash: collector commands must parse under it (test_collectors)
	linux-perf	# perf stat: bench/remote-cost.sh
	strace		# forks, execs, system calls: bench/remote-cost.sh, bench/run.sh
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages already installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: not root and sudo is not installed: run this as root" >&2
	exit 1
fi

echo "deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
echo "deps: done"
