#!/usr/bin/env bash
# run.sh: run every tests/integration/test_*.sh (or those named), print each verdict, sum up.
#
# Usage: tests/integration/run.sh [NAME...]   NAME: cpu_v2, test_cpu_v2 or test_cpu_v2.sh
# Last line: "integration: N passed, M failed, K skipped"; the exit status is non-zero if M > 0.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
results=$(mktemp "${TMPDIR:-/tmp}/wptest-results.XXXXXX") || exit 1
trap 'rm -f -- "$results"' EXIT

files=()
if [ $# -eq 0 ]; then
	for f in "$here"/test_*.sh; do
		[ -f "$f" ] && files+=("$f")
	done
else
	for n in "$@"; do
		n=${n%.sh}
		n=${n#test_}
		files+=("$here/test_$n.sh")
	done
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "integration: *** not root: every test will SKIP ***"
fi

interrupted=0
trap 'interrupted=1' INT TERM

start=$(date +%s)
for f in "${files[@]}"; do
	[ "$interrupted" = 0 ] || break
	name=$(basename "$f" .sh)
	if [ ! -f "$f" ]; then
		printf 'FAIL  %s: no such test file\n' "$name"
		printf 'FAIL\t%s\tno such test file\n' "$name" >>"$results"
		continue
	fi
	before=$(wc -l <"$results")
	rc=0
	WP_RESULTS=$results bash "$f" || rc=$?
	# A test file killed by SIGINT or SIGTERM (it cleaned up first): stop here.
	if [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ]; then
		interrupted=1
	fi
	after=$(wc -l <"$results")
	# A file that dies without a FAIL of its own, or reports nothing, still fails.
	if [ "$after" -eq "$before" ]; then
		printf 'FAIL  %s: reported no result (exit status %d)\n' "$name" "$rc"
		printf 'FAIL\t%s\treported no result\n' "$name" >>"$results"
	elif [ "$rc" -ne 0 ] && ! tail -n "$((after - before))" "$results" | grep -q '^FAIL'; then
		printf 'FAIL  %s: exit status %d without a failed test\n' "$name" "$rc"
		printf 'FAIL\t%s\texit status %d\n' "$name" "$rc" >>"$results"
	fi
done

pass=$(grep -c '^PASS' "$results")
fail=$(grep -c '^FAIL' "$results")
skip=$(grep -c '^SKIP' "$results")
echo
echo "==== integration summary ($(($(date +%s) - start)) s)"
if [ "$fail" -gt 0 ]; then
	awk -F'\t' '$1 == "FAIL" { printf "FAIL  %s: %s\n", $2, $3 }' "$results"
fi
if [ "$skip" -gt 0 ]; then
	awk -F'\t' '$1 == "SKIP" { printf "SKIP  %s: *** SKIPPED: %s ***\n", $2, $3 }' "$results"
fi
if [ "$interrupted" = 1 ]; then
	echo "integration: *** interrupted: the remaining test files did not run ***"
	fail=$((fail + 1))
fi
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
