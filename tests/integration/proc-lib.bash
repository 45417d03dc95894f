# proc-lib.bash: finding the rollcall a wrapper started; sourced by
# daemon-lib.bash, cluster_members.sh and scripts/scaleout-demo.sh. (Not
# named *.sh: tests/CMakeLists.txt runs every *.sh.)
#
#   wrapped_pid WRAPPER   print the pid of the rollcall that WRAPPER (the pid
#                         of `ip netns exec NS timeout ... rollcall ...`, whose
#                         exec chain ends in rollcall) started; waits up to
#                         10 s for it, returns 1 if none appeared

wrapped_pid() {
	local i p
	for i in $(seq 100); do
		p=$(pgrep -P "$1" -x rollcall || true)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
