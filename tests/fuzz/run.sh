#!/usr/bin/env bash
# run.sh: run each libFuzzer target for SECONDS on a copy of its seeds, a few at a time.
#
# Usage: tests/fuzz/run.sh SECONDS BIN...     (OUTPUT selects the build directory)
# Corpora grow in $OUTPUT/fuzz/corpus/NAME (seeded by seed.sh), crashes land in
# $OUTPUT/fuzz/crashes/NAME/, logs in $OUTPUT/fuzz/logs/NAME.log. FUZZ_JOBS targets run at
# once (default: the number of CPUs). A target passes when libFuzzer exits 0: no crash, leak,
# sanitizer report, timeout (FUZZ_TIMEOUT seconds for one input, default 10) or OOM.
# Last line: "fuzz: N passed, M failed"; non-zero exit if M > 0.
set -u

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUTPUT:-build}
case $out in /*) ;; *) out=$src/$out ;; esac
secs=${1:?usage: run.sh SECONDS BIN...}
shift
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
timeout_s=${FUZZ_TIMEOUT:-10}

"$src/tests/fuzz/seed.sh" "$out/fuzz/corpus" || {
	echo "fuzz: seeding the corpora failed"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
}
mkdir -p "$out/fuzz/logs"
# The targets' temporary trees (fuzz_util.h): on tmpfs when there is one, gone after the run
# even when a crash kept a target from removing its own.
WP_FUZZ_TMP=$(mktemp -d /dev/shm/wpfuzz-run.XXXXXX 2>/dev/null || mktemp -d) || exit 1
export WP_FUZZ_TMP
trap 'rm -rf -- "$WP_FUZZ_TMP"' EXIT

# One target: its corpus first (the regression seeds among it), then SECONDS of fuzzing.
one() { # BIN
	local bin=$1 name dict=() rc=0
	name=$(basename "$bin")
	name=${name#fuzz_}
	mkdir -p "$out/fuzz/crashes/$name" "$out/fuzz/corpus/$name"
	rm -f "$out/fuzz/logs/$name.rc"
	case $name in
	prom_text | kepler_work | kepler_series) dict=("-dict=$src/tests/fuzz/prom.dict") ;;
	pods | recmeta) dict=("-dict=$src/tests/fuzz/json.dict") ;;
	powercap | feed | rapl_msr) dict=("-dict=$src/tests/fuzz/tree.dict") ;;
	k8s_path | cgroupfs | group_rules) dict=("-dict=$src/tests/fuzz/k8s.dict") ;;
	opts) dict=("-dict=$src/tests/fuzz/opts.dict") ;;
	esac
	# detect_leaks: LeakSanitizer after each input; halt_on_error: UBSan is fatal too.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		timeout -k 10 $((secs + 120)) "$bin" "${dict[@]}" -max_total_time="$secs" \
		-timeout="$timeout_s" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/fuzz/crashes/$name/" "$out/fuzz/corpus/$name" \
		>"$out/fuzz/logs/$name.log" 2>&1 || rc=$?
	echo "$rc" >"$out/fuzz/logs/$name.rc"
}

# A line per target from its log: runs, exec/s, coverage (libFuzzer's "cov" and "ft").
report() { # BIN
	local name rc log runs eps cov ft
	name=$(basename "$1")
	name=${name#fuzz_}
	log=$out/fuzz/logs/$name.log
	rc=$(cat "$out/fuzz/logs/$name.rc" 2>/dev/null || echo missing)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ "$rc" = 0 ]; then
		printf 'PASS  %-14s %9s runs %7s exec/s  cov %5s  ft %6s\n' "$name" "${runs:-?}" \
			"${eps:-?}" "${cov:-?}" "${ft:-?}"
		return 0
	fi
	printf 'FAIL  %-14s exit status %s; log %s\n' "$name" "$rc" "$log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed|.*runtime error)|Test unit written' "$log" |
		head -n 8 | sed 's/^/      /'
	return 1
}

running=0
for bin in "$@"; do
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin: not built"
		continue
	fi
	one "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0
fail=0
for bin in "$@"; do
	if [ -x "$bin" ] && report "$bin"; then
		pass=$((pass + 1))
	else
		[ -x "$bin" ] || echo "FAIL  $bin: not built"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
