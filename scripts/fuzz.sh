#!/usr/bin/env bash
# fuzz.sh [SECONDS]: build the libFuzzer harnesses (clang, build-fuzz/,
# -DROLLCALL_FUZZ=ON) and run each one for SECONDS (default 10) on its
# committed seed corpus fuzz/corpus/<harness>/ (every seed is replayed
# first, so a crash fixed once stays fixed). New inputs go to
# build-fuzz/corpus/<harness>/, never into the committed corpus; a crash
# leaves its input in build-fuzz/crashes/ and fails the run.
#
#   scripts/fuzz.sh          # CI: about 10 s per harness
#   scripts/fuzz.sh 600      # by hand: longer
#   FUZZ_ONLY=fuzz_config scripts/fuzz.sh 60
#
# A crash becomes a regression test: fix the bug, then copy the input into
# fuzz/corpus/<harness>/ with a name that says what it was.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
secs=${1:-10}
[[ $secs =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || { echo "fuzz: SECONDS must be a positive number" >&2; exit 2; }
bdir=${FUZZ_BUILD_DIR:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz: clang not found: run scripts/deps.sh" >&2; exit 1; }

echo "==> fuzz: configure + build ($bdir, clang)"
CC=clang cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Debug -DROLLCALL_FUZZ=ON >/dev/null
harnesses=()
for src in fuzz/fuzz_*.c; do
	h=$(basename "$src" .c)
	[ -z "${FUZZ_ONLY:-}" ] || [ "$h" = "$FUZZ_ONLY" ] || continue
	harnesses+=("$h")
done
[ "${#harnesses[@]}" -gt 0 ] || { echo "fuzz: no harness selected" >&2; exit 2; }
cmake --build "$bdir" -j"$(nproc 2>/dev/null || echo 2)" --target "${harnesses[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$bdir/crashes"
# fuzz_config writes its files under TMPDIR: keep them in the build tree.
rm -rf "$bdir/tmp" && mkdir -p "$bdir/tmp"
export TMPDIR=$PWD/$bdir/tmp
failed=()
for h in "${harnesses[@]}"; do
	seeds=fuzz/corpus/$h
	work=$bdir/corpus/$h
	mkdir -p "$work" "$seeds"
	echo "==> fuzz: $h for ${secs}s ($(ls "$seeds" | wc -l) seeds)"
	# -timeout: one input taking over 10 s is a hang, reported as a crash.
	if ! timeout -k 10 $((secs + 120)) "$bdir/fuzz/$h" \
	    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$bdir/crashes/$h-" "$work" "$seeds" \
	    >"$bdir/$h.log" 2>&1; then
		tail -n 60 "$bdir/$h.log"
		echo "fuzz: $h FAILED (log $bdir/$h.log; input in $bdir/crashes/)"
		failed+=("$h")
		continue
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$bdir/$h.log" |
	    tr '\n' ' '
	echo
done
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}"
	exit 1
fi
echo "fuzz: all ${#harnesses[@]} harnesses ran ${secs}s each without a crash"
