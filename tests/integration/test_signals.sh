#!/usr/bin/env bash
# test_signals.sh: a record stopped by SIGINT or SIGTERM exits 0 and leaves a complete file:
# whole intervals, each closed by its one <idle> row, and the summary on stdout. SIGKILL leaves
# no half row; a second SIGINT kills at once; a reader that leaves the pipe (SIGPIPE) and the
# file size limit (SIGXFSZ) end the recording with one line, never by death in mid-row.
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
t_run sighup case_signal HUP rec.csv
t_run sigint_gz case_signal INT rec.csv.gz

# Every line of FILE is a whole row: as many fields as the header (quoted fields understood),
# and the file ends with a newline. Prints the number of lines; what is wrong on stderr.
whole_rows() { # FILE
	local last
	last=$(wp_cat "$1" | tail -c 1 | od -An -tx1 | tr -d ' ')
	wp_cat "$1" | gawk -v last="$last" 'BEGIN { FPAT = "([^,]*)|(\"([^\"]|\"\")*\")" }
		NR == 1 { n = NF }
		NF != n && bad++ < 3 { print "line " NR ": " NF " fields, header " n > "/dev/stderr" }
		END {
			print NR
			if (last != "0a") print "no newline at the end: " $0 > "/dev/stderr"
			exit bad > 0 || last != "0a"
		}'
}

# SIGKILL at 1 ms intervals: no half row, whatever the instant; report reads the file.
case_sigkill() {
	local tmp out rec rc n
	tmp=$(wp_tmp)
	out=$tmp/rec.csv
	wp_record_start rec "$tmp/rec" "$out" -i 1ms || return
	sleep 1
	wp_signal "$rec" KILL || {
		t_fail "wattprobe was gone before SIGKILL: $(wp_err "$tmp/rec")"
		return
	}
	# Quietly: bash reports a job that died of SIGKILL.
	{ wp_wait rc "$rec"; } 2>/dev/null
	[ "$rc" = 137 ] || t_check "exit status $rc after SIGKILL, expected 137"
	n=$(whole_rows "$out" 2>"$tmp/rows.err") ||
		t_check "torn rows: $(head -n 4 "$tmp/rows.err" | tr '\n' ';')"
	t_info "$n lines after ~1 s at 1ms"
	[ "${n:-0}" -ge 200 ] || t_check "${n:-0} lines, expected thousands"
	wp_run rc "$tmp/rep" report "$out"
	[ "$rc" = 0 ] || t_check "report of the killed recording: status $rc: $(wp_err "$tmp/rep")"
	grep -q '"complete":false' "$out.meta.json" ||
		t_check "$out.meta.json does not say \"complete\":false"
	t_pass
}

# SIGKILL of a .csv.gz: no gzip trailer. report refuses it in one line naming the file, and
# with --allow-truncated reads it; zcat recovers whole rows (a sync flush after every interval).
case_sigkill_gz() {
	local tmp out rec rc n got
	tmp=$(wp_tmp)
	out=$tmp/rec.csv.gz
	wp_start rec "$tmp/rec" record -i 1ms -o "$out"
	sleep 1.5
	wp_signal "$rec" KILL || {
		t_fail "wattprobe was gone before SIGKILL: $(wp_err "$tmp/rec")"
		return
	}
	# Quietly: bash reports a job that died of SIGKILL.
	{ wp_wait rc "$rec"; } 2>/dev/null
	[ "$rc" = 137 ] || t_check "exit status $rc after SIGKILL, expected 137"
	zcat -- "$out" >"$tmp/back.csv" 2>/dev/null
	n=$(whole_rows "$tmp/back.csv" 2>"$tmp/rows.err") ||
		t_check "zcat of the cut file: torn rows: $(head -n 4 "$tmp/rows.err" | tr '\n' ';')"
	t_info "zcat recovers $n lines"
	[ "${n:-0}" -ge 200 ] || t_check "${n:-0} lines recovered, expected thousands"
	wp_run rc "$tmp/rep" report "$out"
	t_info "report: status $rc: $(wp_err "$tmp/rep")"
	[ "$rc" = 1 ] || t_check "report of a cut .csv.gz: status $rc, expected 1"
	if [ "$(grep -c . "$tmp/rep.err")" != 1 ] || ! grep -qF "$out" "$tmp/rep.err"; then
		t_check "report does not say one line naming $out"
	fi
	# Asked to, report reads it up to its last whole interval: as many as zcat recovers whole
	# (each ends with its <idle> row), or that less the one the cut went through.
	wp_run rc "$tmp/cut" report --allow-truncated "$out"
	n=$(grep -c '^[0-9]*,[0-9]*,0,<idle>,' "$tmp/back.csv")
	got=$(sed -n 's/^window: .* \([0-9]*\) intervals, gaps .*/\1/p' "$tmp/cut.out")
	t_info "--allow-truncated: $got intervals; zcat has $n whole ones"
	{ [ "$rc" = 0 ] && [ -n "$got" ] && [ "$got" -ge $((n - 1)) ] && [ "$got" -le "$n" ] &&
		grep -q "read up to its last whole interval" "$tmp/cut.err"; } ||
		t_check "--allow-truncated: status $rc, $got intervals of $n: $(wp_err "$tmp/cut")"
	t_pass
}

# Where the SIGINT just sent to PID is, from /proc/PID/status: 0 still pending, 1 delivered
# and its handler gone (SA_RESETHAND), 3 delivered but still caught, 2 the process is gone or
# a zombie. Builtins only: this is polled.
sigint_state() { # PID
	local k v pending=0
	{
		while read -r k v; do
			case $k in
			State:) [ "${v%% *}" != Z ] || return 2 ;;
			SigPnd: | ShdPnd:) pending=$((pending | 0x$v & 2)) ;;
			SigCgt:)
				[ "$pending" = 0 ] || return 0
				return $((0x$v & 2 ? 3 : 1))
				;;
			esac
		done <"/proc/$1/status"
	} 2>/dev/null
	return 2
}

# One try: SIGINT, and as soon as it was delivered a second one, while the recording finishes.
# Sets got to wattprobe's status, or "gone" when it had ended before the second could be sent.
sigint_twice_try() { # TMP TRY
	local tmp=$1 rec c i state=0
	wp_record_start rec "$tmp/rec$2" "$tmp/rec$2.csv" -i 1ms || return 1
	sleep 0.5
	c=$(wp_child "$rec") || {
		t_fail "wattprobe was gone before SIGINT: $(wp_err "$tmp/rec$2")"
		return 1
	}
	kill -INT "$c"
	for ((i = 0; i < 20000; i++)); do
		sigint_state "$c" && continue
		state=$?
		break
	done
	if [ "$state" = 2 ]; then
		got=gone
		wp_wait _ "$rec"
		return 0
	fi
	[ "$state" = 1 ] || t_info "try $2: SIGINT still caught after the first was delivered"
	kill -INT "$c"
	wp_wait got "$rec"
}

# A second SIGINT while it finishes kills at once (status 130); it must not be ignored. The
# finishing takes a few ms: a try whose recording ended first proves nothing and is retried.
case_sigint_twice() {
	local tmp try got
	tmp=$(wp_tmp)
	for try in 1 2 3 4 5; do
		got=
		sigint_twice_try "$tmp" "$try" || return
		t_info "try $try: $got"
		case $got in
		130)
			t_pass
			return
			;;
		gone) ;;
		*)
			t_fail "status $got after a second SIGINT, expected 130 (killed by it)"
			return
			;;
		esac
	done
	t_inconclusive "every recording had ended before its second SIGINT could be sent"
	t_pass
}

# `wattprobe ARGS | READER` under a timeout, wattprobe's stdin /dev/null and stderr to
# PREFIX.err, the reader's output to PREFIX.out. Sets rc (wattprobe's status, 124 if the timeout
# hit), ms (the pipeline's wall time) and pid (wattprobe's).
pipe_run() { # PREFIX "READER" ARGS...
	local prefix=$1 t0 t1 reader
	read -r -a reader <<<"$2"
	shift 2
	t0=${EPOCHREALTIME/./}
	# shellcheck disable=SC2016 # $$ and $1 are the inner shell's
	timeout -k 2 "$WP_TIMEOUT" sh -c 'echo $$ >"$1"; shift; exec "$@"' wp-pipe "$prefix.pid" \
		"$WP_BIN" "$@" 2>"$prefix.err" </dev/null | "${reader[@]}" >"$prefix.out"
	rc=${PIPESTATUS[0]}
	t1=${EPOCHREALTIME/./}
	ms=$(((t1 - t0) / 1000))
	pid=$(cat "$prefix.pid")
}

# The process is gone: ended and reaped, nothing left behind.
check_gone() { # PID
	if [ -d "/proc/$1" ]; then
		t_check "wattprobe (pid $1) still there after the pipeline: $(tr -d '\0' <"/proc/$1/stat")"
		kill -KILL "$1" 2>/dev/null
	fi
}

# -o - into a pipe whose reader leaves after 3 lines: the recording ends at once (EPIPE at the
# next interval, well before -d), says so once, prints the summary on stderr, exits 1.
case_sigpipe_csv() {
	local tmp rc ms pid
	tmp=$(wp_tmp)
	pipe_run "$tmp/p" "head -n 3" record -o - -d 5s
	t_info "record -o - -d 5s | head -n 3: $ms ms, status $rc"
	[ "$ms" -lt 3000 ] || t_check "the pipeline took $ms ms, expected well under the 5 s of -d"
	[ "$rc" = 1 ] || t_check "status $rc, expected 1 (EPIPE; 141 would be death by SIGPIPE)"
	check_gone "$pid"
	[ "$(grep -c 'Broken pipe' "$tmp/p.err")" = 1 ] ||
		t_check "not one 'Broken pipe' line on stderr: $(wp_err "$tmp/p")"
	grep -q '^wattprobe: writing -: Broken pipe$' "$tmp/p.err" ||
		t_check "no 'wattprobe: writing -: Broken pipe' line"
	grep -qE '^total[[:space:]]' "$tmp/p.err" || t_check "no summary ('total') on stderr"
	if [ "$(wc -l <"$tmp/p.out")" != 3 ] || ! head -n 1 "$tmp/p.out" | grep -q '^ts_ns,'; then
		t_check "head did not get the header and 2 rows: $(head -c 200 "$tmp/p.out")"
	fi
	t_pass
}

# The summary into a pipe: head gets its first line when the recording ends (nothing is on
# stdout before), everything ends right then, status 0. A reader gone at once: the summary
# is dropped quietly, the CSV and its metadata complete, status 0 (was 141: death by SIGPIPE).
case_sigpipe_summary() {
	local tmp rc ms pid
	tmp=$(wp_tmp)
	pipe_run "$tmp/h" "head -n 1" record -d 5s
	t_info "record -d 5s | head -n 1: $ms ms, status $rc: $(head -c 100 "$tmp/h.out")"
	[ "$ms" -lt 7000 ] || t_check "the pipeline took $ms ms, expected about the 5 s of -d"
	[ "$rc" = 0 ] || t_check "status $rc, expected 0: $(wp_err "$tmp/h")"
	check_gone "$pid"
	grep -qE '^wattprobe: 5\.0[0-9] s, 50 intervals' "$tmp/h.out" ||
		t_check "head's line is not the summary's first: $(head -c 100 "$tmp/h.out")"
	pipe_run "$tmp/t" "true" record -i 100ms -d 1s -o "$tmp/t.csv"
	t_info "record -d 1s -o FILE | true: $ms ms, status $rc"
	[ "$rc" = 0 ] || t_check "summary to a closed pipe: status $rc, expected 0: $(wp_err "$tmp/t")"
	check_gone "$pid"
	! grep -q 'Broken pipe' "$tmp/t.err" || t_check "the lost summary was complained of"
	csv_check_structure "$tmp/t.csv" >/dev/null 2>&1 || t_check "$tmp/t.csv is not whole"
	grep -q '"complete":true' "$tmp/t.csv.meta.json" ||
		t_check "$tmp/t.csv.meta.json does not say \"complete\":true"
	t_pass
}

# The file size limit (ulimit -f): SIGXFSZ does not kill mid-row; the write fails with EFBIG,
# the cut interval is taken back, one error line names the file, status 1.
case_file_size_limit() {
	local tmp out rc n
	tmp=$(wp_tmp)
	out=$tmp/rec.csv
	rc=0
	(
		ulimit -f 64
		exec timeout -k 5 "$WP_TIMEOUT" "$WP_BIN" record -i 1ms -d 5s -o "$out"
	) >"$tmp/rec.out" 2>"$tmp/rec.err" </dev/null || rc=$?
	t_info "ulimit -f 64: status $rc, $(stat -c %s "$out") bytes: $(grep -F "$out" "$tmp/rec.err" |
		head -n 1)"
	[ "$rc" = 1 ] || t_check "status $rc, expected 1 (153 would be death by SIGXFSZ)"
	grep -qxF "wattprobe: writing $out: File too large" "$tmp/rec.err" ||
		t_check "no 'writing $out: File too large' line: $(wp_err "$tmp/rec")"
	n=$(csv_check_structure "$out" 2>"$tmp/check.err") ||
		t_check "structure: $(head -n 5 "$tmp/check.err" | tr '\n' ';')"
	[ "${n:-0}" -ge 10 ] || t_check "${n:-0} whole intervals before the limit"
	t_pass
}

# SIGPIPE and SIGXFSZ are caught, not ignored: the command of `run` starts with both at their
# default (an ignored signal would stay ignored across exec: `yes | head` there would not end).
case_run_defaults() {
	local tmp rc ign cgt
	tmp=$(wp_tmp)
	wp_run rc "$tmp/run" run -- cat /proc/self/status
	[ "$rc" = 0 ] || t_check "run -- cat: status $rc: $(wp_err "$tmp/run")"
	ign=$(awk '$1 == "SigIgn:" { print $2 }' "$tmp/run.out")
	cgt=$(awk '$1 == "SigCgt:" { print $2 }' "$tmp/run.out")
	t_info "the command's SigIgn $ign, SigCgt $cgt"
	if [ -z "$ign" ] || [ -z "$cgt" ]; then
		t_fail "no SigIgn/SigCgt in the command's /proc/self/status: $(head -c 200 "$tmp/run.out")"
		return
	fi
	# SIGPIPE is signal 13 (bit 12), SIGXFSZ 25 (bit 24); SIGINT 2, SIGTERM 15 too.
	(((0x$ign | 0x$cgt) & (1 << 12 | 1 << 24 | 1 << 1 | 1 << 14))) &&
		t_check "the command starts with SIGPIPE, SIGXFSZ, SIGINT or SIGTERM not at its default"
	t_pass
}

t_run sigkill case_sigkill
t_run sigkill_gz case_sigkill_gz
t_run sigint_twice case_sigint_twice
t_run sigpipe_csv case_sigpipe_csv
t_run sigpipe_summary case_sigpipe_summary
t_run file_size_limit case_file_size_limit
t_run run_defaults case_run_defaults
