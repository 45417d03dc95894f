#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it (.ci/run calls this).
# Installs the dependencies, then builds and runs every ctest test (unit and
# integration against a real sshd fleet) twice: a normal build in build/ and
# an AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/.
# Exits non-zero if any build or test fails, after a summary of each stage.
#
# Options (environment):
#   TEST_BUILDS="normal asan fuzz"   which stages to run (fuzz: every
#                               libFuzzer harness, FUZZ_SECONDS each, default 5)
#   CTEST_ARGS="-R e2e"         extra ctest arguments (e.g. one test)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		echo "test: integration tests need root (network namespace, sshd): re-running with sudo"
		exec sudo --preserve-env=TEST_BUILDS,CTEST_ARGS,FUZZ_SECONDS -- "$0" "$@"
	fi
	echo "test: needs root (packages, network namespace, sshd) and sudo is missing: run it as root" >&2
	exit 1
fi

builds=${TEST_BUILDS:-normal asan fuzz}
read -r -a ctest_extra <<<"${CTEST_ARGS:-}"
jobs=$(nproc 2>/dev/null || echo 2)
summary=()
failed=0
t_start=$(date +%s)

# LeakSanitizer works on these machines (checked: a leak in a threaded
# program is reported), so leaks fail the suite. halt_on_error makes UBSan
# findings fatal too (the build also uses -fno-sanitize-recover).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}
# Ansible's answers for the inventory differential test (tests/inventory_diff.sh)
# are the same for every build: keep them in one place, so the ASan build
# asks Ansible nothing the normal build already asked (seconds per question).
export ORACLE_CACHE=${ORACLE_CACHE:-$PWD/build/inventory-oracle}

# record STAGE RESULT SECONDS
record() {
	summary+=("$(printf '%-28s %-6s %4ss' "$1" "$2" "$3")")
	[ "$2" = ok ] || failed=1
}

# run_build NAME DIR CMAKE_ARGS...
run_build() {
	local name=$1 bdir=$2 t0 rc
	shift 2
	printf '\n==> [%s] configure + build (%s)\n' "$name" "$bdir"
	t0=$(date +%s)
	set +e
	cmake -S . -B "$bdir" "$@" && cmake --build "$bdir" -j"$jobs"
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		record "$name: build" FAILED $(($(date +%s) - t0))
		return
	fi
	record "$name: build" ok $(($(date +%s) - t0))

	printf '\n==> [%s] ctest (unit + integration)\n' "$name"
	t0=$(date +%s)
	set +e
	ctest --test-dir "$bdir" --output-on-failure -j"$jobs" \
	    ${ctest_extra[@]+"${ctest_extra[@]}"}
	rc=$?
	set -e
	if [ "$rc" -eq 0 ]; then
		record "$name: ctest" ok $(($(date +%s) - t0))
	else
		record "$name: ctest" FAILED $(($(date +%s) - t0))
	fi
}

printf '==> dependencies\n'
./scripts/deps.sh

for b in $builds; do
	case $b in
	normal) run_build normal build -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
	asan) run_build asan build-asan -DCMAKE_BUILD_TYPE=Debug -DROLLCALL_SANITIZE=ON ;;
	fuzz)
		printf '\n==> [fuzz] scripts/fuzz.sh (build-fuzz, clang)\n'
		t0=$(date +%s)
		if ./scripts/fuzz.sh "${FUZZ_SECONDS:-5}"; then
			record "fuzz: harnesses" ok $(($(date +%s) - t0))
		else
			record "fuzz: harnesses" FAILED $(($(date +%s) - t0))
		fi ;;
	*) echo "test: unknown build '$b' in TEST_BUILDS" >&2; exit 2 ;;
	esac
done

printf '\n==> summary (%ss)\n' $(($(date +%s) - t_start))
printf '  %s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
	echo "test: FAILED (see the output above each failed stage)"
	exit 1
fi
echo "test: all passed"
