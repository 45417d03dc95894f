# pg-lib.bash: a real PostgreSQL 15 (Debian's) for the cluster tests; source
# it after lib.sh. (Not named *.sh: tests/CMakeLists.txt runs every *.sh.)
#
#   pg_start [NETNS]   initdb + pg_ctl as the `postgres` user (initdb refuses
#                      root), data in a temp dir it owns, listening on
#                      127.0.0.1:PG_PORT (inside NETNS when given, so rollcall
#                      in the fleet's namespace reaches it) and on a unix
#                      socket in the temp dir; creates role PG_USER with
#                      password PG_PASS (also in PG_PASSFILE, 0600) and
#                      database PG_DB. Sets PG_CONNINFO (no password in it).
#   pg_allow CIDR      accept logins from CIDR too (with PG_LISTEN=addrs)
#   pg_stop            fast shutdown, data kept (to test "PostgreSQL down")
#   pg_restart         start again on the same port and data
#   pg_psql SQL        run SQL as the superuser over the socket; rows one a
#                      line, '|' between columns
#   pg_destroy         stop and remove everything (runs from the EXIT trap,
#                      however the test ends)
# The same functions work without lib.sh (scripts, by hand): then pg_start
# sets its own EXIT trap.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=rollcall
PG_DB=rollcall
PG_DIR=
PG_PORT=
PG_NETNS=

# A TCP port nobody listens on right now (inside NETNS when given).
pg_free_port() {
	local ns=("$@") p
	for p in $(shuf -i 20000-60000 -n 50); do
		if ! "${ns[@]}" ss -Htln "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Run a command as postgres, in the namespace when there is one.
pg_as() {
	if [ -n "$PG_NETNS" ]; then
		ip netns exec "$PG_NETNS" runuser -u postgres -- "$@"
	else
		runuser -u postgres -- "$@"
	fi
}

pg_psql() {
	runuser -u postgres -- "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -h "$PG_DIR" -p "$PG_PORT" -d "${PG_PSQL_DB:-$PG_DB}" -c "$1"
}

# pg_ctl start with our settings; waits until it accepts connections.
pg_ctl_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
	    -t 60 -o "-c listen_addresses=${PG_LISTEN:-127.0.0.1} -c port=$PG_PORT \
	    -c unix_socket_directories=$PG_DIR -c fsync=off \
	    -c log_min_messages=warning" start >/dev/null
}

pg_start() {
	[ "$(id -u)" -eq 0 ] || { echo "pg_start: needs root" >&2; return 1; }
	id postgres >/dev/null 2>&1 ||
	    { echo "pg_start: no postgres user: run scripts/deps.sh" >&2; return 1; }
	[ -x "$PG_BIN/initdb" ] ||
	    { echo "pg_start: $PG_BIN/initdb missing: run scripts/deps.sh" >&2; return 1; }
	PG_NETNS=${1:-}
	PG_DIR=$(mktemp -d /tmp/rcpg.XXXXXX)
	if declare -F t_cleanup >/dev/null; then
		# lib.sh's trap stays last: it reads the test's exit status.
		trap 'pg_trap_status=$?; pg_destroy; t_cleanup "$pg_trap_status"' EXIT
	else
		trap pg_destroy EXIT
	fi
	chown postgres:postgres "$PG_DIR"
	chmod 700 "$PG_DIR"
	PG_PASS=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
	PG_PASSFILE=$PG_DIR/pg.pass
	(umask 077; printf '%s\n' "$PG_PASS" >"$PG_PASSFILE")
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 \
	    --auth-local=peer --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
	    { cat "$PG_DIR/initdb.log" >&2; return 1; }
	if [ -n "$PG_NETNS" ]; then
		PG_PORT=$(pg_free_port ip netns exec "$PG_NETNS")
	else
		PG_PORT=$(pg_free_port)
	fi
	pg_ctl_start || { cat "$PG_DIR/server.log" >&2; return 1; }
	PG_PSQL_DB=postgres pg_psql "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASS'" &&
	PG_PSQL_DB=postgres pg_psql "CREATE DATABASE $PG_DB OWNER $PG_USER" ||
	    return 1
	PG_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=$PG_DB user=$PG_USER connect_timeout=5"
}

# pg_allow CIDR: accept password logins from CIDR too (set PG_LISTEN
# before pg_start to listen beyond loopback).
pg_allow() {
	echo "host all all $1 scram-sha-256" >>"$PG_DIR/data/pg_hba.conf"
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop \
	    >/dev/null 2>&1 || true
}

pg_restart() {
	pg_ctl_start || { tail -20 "$PG_DIR/server.log" >&2; return 1; }
}

# Idempotent: immediate stop (the postmaster and every backend), then the
# temp dir goes. A postmaster that survives pg_ctl is killed by its pid file.
pg_destroy() {
	local pid
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
	if [ -r "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 \
		    stop >/dev/null 2>&1 || true
		pid=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}
