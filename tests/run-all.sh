#!/usr/bin/env bash
# run-all.sh: unit tests plain, unit tests under ASan/UBSan, the fuzz targets' smoke run, the
# integration tests, then the end-to-end test (a qemu guest fed by wattprobe host).
#
# Usage: tests/run-all.sh        (from anywhere; OUTPUT selects the build directory)
# Last line: "tests: N passed, M failed"; non-zero exit if anything failed.
set -u

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUTPUT:-build}
case $out in /*) ;; *) out=$src/$out ;; esac
log=$(mktemp "${TMPDIR:-/tmp}/wptest-all.XXXXXX") || exit 1
trap 'rm -f -- "$log"' EXIT

total_pass=0
total_fail=0
total_skip=0

# Run one tier, echoing its output, and add its summary line's counts to the totals.
tier() { # LABEL COMMAND...
	local label=$1 rc=0 line p f s
	shift
	echo "==== $label"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^(unit|integration|fuzz|e2e): [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "run-all: $label printed no summary (exit status $rc): counted as one failure"
		total_fail=$((total_fail + 1))
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=0
	grep -qE '[0-9]+ skipped' <<<"$line" && s=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "run-all: $label exited with status $rc but reported no failure: counted as one"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
}

# Unit binaries are files named test_*; none yet is fine (0 passed).
bins() { # DIR
	local f
	for f in "$1"/test_*; do
		[ -f "$f" ] && [ -x "$f" ] && printf '%s\n' "$f"
	done
}

# The libFuzzer targets, built by clang and run briefly; SKIP when clang cannot link libFuzzer.
fuzz_smoke() {
	if ! printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' |
		"${CLANG:-clang}" -fsanitize=fuzzer,address -x c - -o /dev/null 2>/dev/null; then
		echo "SKIP  fuzz: ${CLANG:-clang} cannot link libFuzzer" \
			"(tools/deps.sh installs libclang-rt-dev)"
		echo "fuzz: 0 passed, 0 failed, 1 skipped"
		return 0
	fi
	make -C "$src" -j"$(nproc 2>/dev/null || echo 2)" OUTPUT="$out" fuzz-smoke
}

mapfile -t plain < <(bins "$out/tests")
mapfile -t asan < <(bins "$out/tests/asan")
tier "unit tests (${#plain[@]} binaries)" "$src/tests/run-unit.sh" "${plain[@]}"
tier "unit tests, ASan+UBSan (${#asan[@]} binaries)" \
	env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" \
	"$src/tests/run-unit.sh" "${asan[@]}"
tier "fuzz targets, ${FUZZ_SMOKE_SECONDS:-5} s each (make fuzz-smoke)" fuzz_smoke
tier "integration tests" "$src/tests/integration/run.sh"
tier "end to end: a qemu guest fed by wattprobe host (make test-e2e)" \
	env OUTPUT="$out" "$src/tests/e2e/test_e2e.sh"

echo "===="
if [ "$total_skip" -gt 0 ]; then
	echo "tests: $total_skip skipped (not counted as passed; see SKIP lines above)"
else
	echo "tests: 0 skipped"
fi
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
