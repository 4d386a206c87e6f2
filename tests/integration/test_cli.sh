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

# Exit status 1 and one line on stderr that names PATH and matches the extended regex WHY.
refused() { # PREFIX PATH WHY
	local rc n
	rc=$(cat "$1.rc")
	n=$(grep -c . "$1.err")
	t_info "$(basename "$1"): status $rc: $(wp_err "$1")"
	[ "$rc" = 1 ] || t_check "$2: exit status $rc, expected 1"
	[ "$n" = 1 ] || t_check "$2: $n lines on stderr, expected exactly 1"
	grep -qF -- "$2" "$1.err" || t_check "$2: stderr does not name it"
	grep -qE -- "$3" "$1.err" || t_check "$2: stderr does not say /$3/"
}

# Run wattprobe ARGS like wp_run, the status into PREFIX.rc.
run_rc() { # PREFIX ARGS...
	local prefix=$1 rc
	shift
	wp_run rc "$prefix" "$@"
	printf '%s\n' "$rc" >"$prefix.rc"
}

# -o writes only into a regular file: a FIFO (not even opened: its reader stays blocked), a
# character device, a socket and a directory are refused, each with a pointer to -o -.
case_out_not_regular() {
	local tmp reader p py
	tmp=$(wp_tmp)
	mkfifo "$tmp/fifo"
	wp_bg reader cat "$tmp/fifo"
	mknod "$tmp/null" c 1 3
	mkdir "$tmp/dir"
	py='import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])'
	python3 -c "$py" "$tmp/sock" || t_check "cannot make a socket $tmp/sock"
	for p in fifo null sock dir; do
		run_rc "$tmp/$p" record -d 1s -o "$tmp/$p"
		refused "$tmp/$p" "$tmp/$p" "not a regular file: refused .*-o -"
	done
	grep -q "is a FIFO" "$tmp/fifo.err" || t_check "the FIFO is not called one"
	grep -q "is a character device" "$tmp/null.err" || t_check "the device is not called one"
	grep -q "is a socket" "$tmp/sock.err" || t_check "the socket is not called one"
	grep -q "is a directory" "$tmp/dir.err" || t_check "the directory is not called one"
	kill -0 "$reader" 2>/dev/null || t_check "the FIFO's reader ended: the FIFO was opened"
	if ! { [ -c "$tmp/null" ] && [ -p "$tmp/fifo" ] && [ -S "$tmp/sock" ] &&
		[ -z "$(find "$tmp/dir" -mindepth 1)" ]; }; then
		t_check "a refused path changed: $(find "$tmp" -maxdepth 1 -printf '%y %f;')"
	fi
	run_rc "$tmp/devnull" record -d 1s -o /dev/null
	refused "$tmp/devnull" /dev/null "is a character device, not a regular file"
	t_pass
}

# -o never follows a symbolic link (a root tool told to write in /tmp): neither to a file,
# which stays as it was, nor a dangling one, whose target is not created; /dev/stdout is one.
# record, run and serve share the check.
case_out_symlink() {
	local tmp
	tmp=$(wp_tmp)
	printf 'precious\n' >"$tmp/target"
	ln -s target "$tmp/link.csv"
	ln -s nothing "$tmp/dangling.csv"
	run_rc "$tmp/link" record -d 1s -o "$tmp/link.csv"
	refused "$tmp/link" "$tmp/link.csv" "is a symbolic link, refused"
	run_rc "$tmp/dangling" record -d 1s -o "$tmp/dangling.csv"
	refused "$tmp/dangling" "$tmp/dangling.csv" "is a symbolic link, refused"
	run_rc "$tmp/stdout" record -d 1s -o /dev/stdout
	refused "$tmp/stdout" /dev/stdout "is a symbolic link, refused.*-o -"
	run_rc "$tmp/run" run -o "$tmp/link.csv" -- true
	refused "$tmp/run" "$tmp/link.csv" "is a symbolic link, refused"
	run_rc "$tmp/serve" serve --listen 127.0.0.1:0 -d 1s -o "$tmp/link.csv"
	refused "$tmp/serve" "$tmp/link.csv" "is a symbolic link, refused"
	[ "$(cat "$tmp/target")" = precious ] || t_check "the link's target was written on"
	[ ! -e "$tmp/nothing" ] || t_check "the dangling link's target was created"
	if ! [ -L "$tmp/link.csv" ] || ! [ -L "$tmp/dangling.csv" ]; then
		t_check "a link was replaced"
	fi
	[ ! -e "$tmp/link.csv.meta.json" ] || t_check "a sidecar was written beside a refused -o"
	t_pass
}

# Charts and the sidecar are written to PATH.tmp and renamed over PATH: a symbolic link at
# PATH is replaced, its target untouched; a directory, a FIFO or a device is an error naming
# PATH, and stays as it was.
case_outfile() {
	local tmp rc rec
	tmp=$(wp_tmp)
	rec=$tmp/rec.csv
	printf 'precious\n' >"$tmp/target"
	ln -s target "$rec.meta.json"
	wp_run rc "$tmp/rec" record -i 100ms -d 500ms -o "$rec"
	[ "$rc" = 0 ] || t_check "record with a link as its sidecar: status $rc: $(wp_err "$tmp/rec")"
	if [ -L "$rec.meta.json" ] || ! grep -q '"complete":true' "$rec.meta.json"; then
		t_check "the sidecar did not replace the link"
	fi
	ln -s target "$tmp/chart.svg"
	wp_run rc "$tmp/svg" report --svg "$tmp/chart.svg" "$rec"
	[ "$rc" = 0 ] || t_check "report --svg over a link: status $rc: $(wp_err "$tmp/svg")"
	if [ -L "$tmp/chart.svg" ] || ! grep -q '<svg' "$tmp/chart.svg"; then
		t_check "the chart did not replace the link"
	fi
	[ "$(cat "$tmp/target")" = precious ] || t_check "a link's target was written on"
	mkdir "$tmp/dir.svg"
	mkfifo "$tmp/fifo.svg"
	mknod "$tmp/null.svg" c 1 3
	run_rc "$tmp/dir" report --svg "$tmp/dir.svg" "$rec"
	refused "$tmp/dir" "$tmp/dir.svg" "Is a directory"
	run_rc "$tmp/fifo" report --svg "$tmp/fifo.svg" "$rec"
	refused "$tmp/fifo" "$tmp/fifo.svg" "not supported"
	run_rc "$tmp/null" report --svg "$tmp/null.svg" "$rec"
	refused "$tmp/null" "$tmp/null.svg" "not supported"
	if ! { [ -d "$tmp/dir.svg" ] && [ -p "$tmp/fifo.svg" ] && [ -c "$tmp/null.svg" ]; }; then
		t_check "a refused chart path was replaced: $(find "$tmp" -maxdepth 1 -printf '%y %f;')"
	fi
	! compgen -G "$tmp/*.tmp" >/dev/null || t_check "a .tmp file was left behind"
	rm -f -- "$rec" "$rec.meta.json"
	mkdir "$rec.meta.json"
	run_rc "$tmp/meta" record -i 100ms -d 500ms -o "$rec"
	t_info "sidecar a directory: status $(cat "$tmp/meta.rc"): $(grep -F "$rec" "$tmp/meta.err")"
	[ "$(cat "$tmp/meta.rc")" = 1 ] || t_check "a directory as the sidecar: status not 1"
	[ "$(grep -cF "writing $rec.meta.json: Is a directory" "$tmp/meta.err")" = 1 ] ||
		t_check "not one 'writing $rec.meta.json: Is a directory' line"
	t_pass
}

t_run help case_ok 'usage record' --help
t_run version case_version
RECORD_OPTS="--interval --duration --output --energy --attribution --top --attach --cgroup-mode
	--pmu --max-cgroups --btf"
t_run record_help case_ok "$RECORD_OPTS" record --help
t_run doctor case_ok 'btf tp_btf cgroup rapl|powercap pmu' doctor
t_run record_stdout case_stdout
t_run out_not_regular case_out_not_regular
t_run out_symlink case_out_symlink
t_run outfile case_outfile
t_run serve_help case_ok 'listen metrics-by kepler-compat fold-below' serve --help
t_run err_fold_below case_error 0x10 serve --fold-below 0x10 -d 1s
t_run err_unknown_flag case_error --bogus record --bogus
t_run err_interval_0 case_error 0 record -i 0 -d 1s -o -
t_run err_interval_5h case_error 5h record -i 5h -d 1s -o -
t_run err_interval_abc case_error abc record -i abc -d 1s -o -
t_run err_interval_500us case_error 500us record -i 500us -d 1s -o -
t_run err_interval_61s case_error 61s record -i 61s -d 1s -o -
t_run err_output_path case_error /nonexistent/dir/x.csv record -d 1s -o /nonexistent/dir/x.csv
t_run err_powercap_root case_error /nonexistent record -e powercap:/nonexistent -d 1s -o -
t_run err_energy_spec case_error bogus record -e bogus -d 1s -o -
t_run err_subcommand case_error frobnicate frobnicate
