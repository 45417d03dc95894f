#!/bin/sh
# fleet-host: ForceCommand of the simulated fleet's sshd (template: fleet.sh
# puts a copy with @RUNDIR@ filled in next to the fleet's session files).
#
# One sshd stands for every host; this wrapper plays the host the client
# connected to. It reads the server address from $SSH_CONNECTION
# ("client_ip client_port server_ip server_port"), then that host's line
# "role delay_seconds arg" from @RUNDIR@/hosts/<address>, sleeps the delay
# and acts by role. It runs once per session, so it stays cheap: builtins
# only, no fork besides sleep and the command itself.
run=@RUNDIR@
set -f

addr=${SSH_CONNECTION#* * }
addr=${addr%% *}
role=ok
delay=0
arg=
if [ -r "$run/hosts/$addr" ]; then
	read -r role delay arg <"$run/hosts/$addr" || :
fi

case $delay in
0 | 0.000 | '') ;;
*) sleep "$delay" ;;
esac

case $role in
ok)
	# Tests can give one host stand-in tools (a fake uname, ...).
	if [ -d "$run/hostbin/$addr" ]; then
		PATH=$run/hostbin/$addr:$PATH
		export PATH
	fi
	if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
		exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
	fi
	exec /bin/sh
	;;
hang)
	# Never answers; `fleet.sh stop` ends it with everything else in the
	# namespace.
	exec sleep "${arg:-100000}"
	;;
chatty)
	# Megabytes of output (arg bytes, default 50 MB) instead of the answer.
	yes 'chatty host: this line again and again, to fill every buffer' |
	    head -c "${arg:-52428800}"
	exit 0
	;;
fail)
	/bin/sh -c "${SSH_ORIGINAL_COMMAND:-true}"
	exit 3
	;;
drop)
	# A little output, then the connection dies mid-command: kill the
	# session's sshd (our parent, running as this user) without a goodbye,
	# so the client sees the TCP connection end, not an exit status.
	echo "partial output, then the connection drops"
	sleep 0.3	# let sshd forward it first
	p=$PPID
	while [ "$p" -gt 1 ] && read -r c <"/proc/$p/comm"; do
		case $c in
		sshd*) kill -9 "$p"; exit 0 ;;
		esac
		read -r _ _ _ p _ <"/proc/$p/stat" || break
	done
	exit 0
	;;
garbage)
	# Random bytes instead of what the collector expects.
	exec head -c "${arg:-65536}" /dev/urandom
	;;
*)
	echo "fleet-host: no session for role '$role' (address $addr)" >&2
	exit 255
	;;
esac
