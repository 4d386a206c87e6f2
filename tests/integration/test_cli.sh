#!/usr/bin/env bash
# test_cli.sh: smoke tests of the command line: help, version, doctor, and one-line errors.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Exit status 0 and each of the case-insensitive extended regexes found in stdout+stderr.
case_ok() { # WORDS ARGS...
	local words=$1 tmp rc w
	shift
	tmp=$(wp_tmp)
	wp_run rc "$tmp/run" "$@"
	[ "$rc" = 0 ] || t_check "wattprobe $* exited with status $rc: $(wp_err "$tmp/run")"
	[ -s "$tmp/run.out" ] || t_check "wattprobe $* printed nothing on stdout"
	for w in $words; do
		cat "$tmp/run.out" "$tmp/run.err" | grep -qiE -- "$w" ||
			t_check "wattprobe $* does not mention $w"
	done
	t_pass
}

case_version() {
	local tmp rc v
	tmp=$(wp_tmp)
	v=$(cat "$WP_SRC/VERSION")
	wp_run rc "$tmp/run" --version
	[ "$rc" = 0 ] || t_check "exit status $rc: $(wp_err "$tmp/run")"
	grep -qF -- "$v" "$tmp/run.out" ||
		t_check "stdout '$(head -c 100 "$tmp/run.out")' lacks the version $v"
	t_pass
}

# The contract: exit status 1 and exactly one line on stderr, naming what is at fault.
case_error() { # NAMES ARGS...
	local names=$1 tmp rc n
	shift
	tmp=$(wp_tmp)
	wp_run rc "$tmp/run" "$@"
	t_info "wattprobe $*: status $rc, stderr: $(wp_err "$tmp/run")"
	[ "$rc" = 1 ] || t_check "exit status $rc, expected 1"
	n=$(grep -c . "$tmp/run.err")
	[ "$n" = 1 ] || t_check "$n lines on stderr, expected exactly 1"
	grep -qwF -- "$names" "$tmp/run.err" || t_check "stderr does not name '$names'"
	t_pass
}

# -o -: the CSV on stdout, the summary on stderr.
case_stdout() {
	local tmp rc n
	tmp=$(wp_tmp)
	wp_run rc "$tmp/run" record -i 100ms -d 1s -o -
	[ "$rc" = 0 ] || t_check "exit status $rc: $(wp_err "$tmp/run")"
	n=$(csv_check_structure "$tmp/run.out" 2>"$tmp/check.err") ||
		t_check "stdout as CSV: $(head -n 12 "$tmp/check.err" | tr '\n' ';')"
	[ "${n:-0}" -ge 5 ] || t_check "${n:-0} intervals on stdout, expected about 10"
	grep -qE '^total[[:space:]]' "$tmp/run.err" || t_check "no 'total' summary line on stderr"
	! grep -qE '^total[[:space:]]' "$tmp/run.out" || t_check "the summary went to stdout, into the CSV"
	t_pass
}

# -o into a FIFO (or /dev/null, a pipe): written on as a stream, never truncated.
case_fifo() {
	local tmp rc n
	tmp=$(wp_tmp)
	mkfifo "$tmp/fifo"
	# shellcheck disable=SC2016 # $1 and $2 are sh -c's own arguments
	wp_bg _ sh -c 'cat "$1" >"$2"' _ "$tmp/fifo" "$tmp/got.csv"
	wp_run rc "$tmp/run" record -i 100ms -d 1s -o "$tmp/fifo"
	[ "$rc" = 0 ] || t_check "-o FIFO: exit status $rc: $(wp_err "$tmp/run")"
	sleep 0.2
	n=$(csv_check_structure "$tmp/got.csv" 2>"$tmp/check.err") ||
		t_check "the FIFO's CSV: $(head -n 5 "$tmp/check.err" | tr '\n' ';')"
	[ "${n:-0}" -ge 5 ] || t_check "${n:-0} intervals through the FIFO, expected about 10"
	wp_run rc "$tmp/null" record -i 100ms -d 500ms -o /dev/null
	[ "$rc" = 0 ] || t_check "-o /dev/null: exit status $rc: $(wp_err "$tmp/null")"
	t_pass
}

t_run help case_ok 'usage record' --help
t_run version case_version
RECORD_OPTS="--interval --duration --output --energy --attribution --top --attach --cgroup-mode
	--pmu --max-cgroups --btf"
t_run record_help case_ok "$RECORD_OPTS" record --help
t_run doctor case_ok 'btf tp_btf cgroup rapl|powercap pmu' doctor
t_run record_stdout case_stdout
t_run record_fifo case_fifo
t_run serve_help case_ok 'listen metrics-by kepler-compat fold-below' serve --help
t_run err_fold_below case_error 0x10 serve --fold-below 0x10 -d 1s
t_run err_unknown_flag case_error --bogus record --bogus
t_run err_interval_0 case_error 0 record -i 0 -d 1s -o /dev/null
t_run err_interval_5h case_error 5h record -i 5h -d 1s -o /dev/null
t_run err_interval_abc case_error abc record -i abc -d 1s -o /dev/null
t_run err_interval_500us case_error 500us record -i 500us -d 1s -o /dev/null
t_run err_interval_61s case_error 61s record -i 61s -d 1s -o /dev/null
t_run err_output_path case_error /nonexistent/dir/x.csv record -d 1s -o /nonexistent/dir/x.csv
t_run err_powercap_root case_error /nonexistent record -e powercap:/nonexistent -d 1s -o /dev/null
t_run err_energy_spec case_error bogus record -e bogus -d 1s -o /dev/null
t_run err_subcommand case_error frobnicate frobnicate
