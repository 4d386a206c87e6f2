#!/usr/bin/env bash
# test_signals.sh: a record stopped by SIGINT or SIGTERM exits 0 and leaves a complete file:
# whole intervals, each closed by its one <idle> row, and the summary on stdout.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_signal() { # SIG OUTPUT_NAME
	local sig=$1 tmp out rec rc n
	tmp=$(wp_tmp)
	out=$tmp/$2
	wp_start rec "$tmp/rec" record -i 50ms -o "$out"
	sleep 2.3
	wp_signal "$rec" "$sig" || {
		t_fail "wattprobe was gone before SIG$sig: $(wp_err "$tmp/rec")"
		return
	}
	wp_wait rc "$rec"
	[ "$rc" = 0 ] || t_check "exit status $rc after SIG$sig, expected 0: $(wp_err "$tmp/rec")"
	[ -s "$out" ] || {
		t_fail "no output file $out: $(wp_err "$tmp/rec")"
		return
	}
	case $out in
	*.gz) gzip -t -- "$out" 2>"$tmp/gzip.err" || t_check "gzip -t: $(head -c 200 "$tmp/gzip.err")" ;;
	esac
	[ "$(wp_cat "$out" | tail -c 1 | od -An -tx1 | tr -d ' ')" = 0a ] ||
		t_check "the file does not end with a newline"
	wp_cat "$out" | head -n 1 | grep -q '^ts_ns,' || t_check "no header line starting ts_ns,"
	n=$(csv_check_structure "$out" 2>"$tmp/check.err") ||
		t_check "structure: $(head -n 12 "$tmp/check.err" | tr '\n' ';')"
	t_info "$n intervals in ~2.3 s at 50ms"
	[ "${n:-0}" -ge 20 ] || t_check "${n:-0} intervals, expected about 46"
	grep -qE '^total[[:space:]]' "$tmp/rec.out" || t_check "no 'total' line in the summary on stdout"
	t_pass
}

t_run sigint case_signal INT rec.csv
t_run sigterm case_signal TERM rec.csv
t_run sigint_gz case_signal INT rec.csv.gz
