#!/usr/bin/env bash
# run-unit.sh: run each cmocka unit-test binary; a binary passes when it exits 0.
#
# Usage: tests/run-unit.sh BIN...
# Last line: "unit: N passed, M failed" (counting binaries); non-zero exit if M > 0.
set -u

timeout_s=${WP_UNIT_TIMEOUT:-300}
pass=0
fail=0
failed=()
for bin in "$@"; do
	if [ ! -x "$bin" ] || [ -d "$bin" ]; then
		echo "FAIL  $bin: not an executable file"
		fail=$((fail + 1))
		failed+=("$bin")
		continue
	fi
	echo "---- $bin"
	rc=0
	timeout -k 5 "$timeout_s" "$bin" || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS  $bin"
		pass=$((pass + 1))
	else
		[ "$rc" -eq 124 ] && echo "      (timed out after ${timeout_s} s)"
		echo "FAIL  $bin: exit status $rc"
		fail=$((fail + 1))
		failed+=("$bin")
	fi
done
for bin in "${failed[@]}"; do
	echo "failed: $bin"
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
