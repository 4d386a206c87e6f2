#!/usr/bin/env bash
# test_e2e.sh: end to end, a real guest under qemu fed by `wattprobe host` (issue 8).
#
# The host side runs `wattprobe host` against a fake powercap tree, with qemu in a cgroup v2 of
# its own named as VM "e2e" by its pid file; the guest (a Debian kernel with BTF, a busybox
# initramfs, init.sh) runs two CPU-bound cgroups of cpu.weight 100 and 300 under
# `wattprobe record -e feed:...`. The fake counters stand still until the guest says it records,
# advance for E2E_WINDOW seconds (12), then stand still again; so the energy the host gave the
# VM and the energy the guest split are those of one window, without comparing clocks. Cases:
#	vm     the guest booted, recorded and reported back (boot and run times printed)
#	total  the guest's total (all rows, idle included) is the host's share for the VM, from
#	       the host's CSV, within 1 %
#	feed   ... and the final energy of the feed, within 1 %; every guest row says source feed,
#	       no gaps on either side, the guest was told what the host measured
#	split  the two guest cgroups' energies are in the ratio of their CPU time (cpu.stat over
#	       the window) within 2 %
#	btf    the guest kernel had BTF and record attached with tp_btf
#
# Usage: tests/e2e/test_e2e.sh   (root; OUTPUT selects the build directory, the kernel is cached
# in $OUTPUT/e2e/kernel). E2E_ACCEL=kvm|tcg forces the accelerator, E2E_WINDOW=S the window,
# WP_KEEP=1 keeps the work directory (console log, both CSVs). Last line: "e2e: N passed,
# M failed, K skipped".
set -u
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WINDOW_S=${E2E_WINDOW:-12}
HOST_IV=100ms
GUEST_IV=200ms
WEIGHTS=100,300
PKG_W=20 # the fake package's power; DRAM at a quarter of it
RANGE_UJ=262143328850
# The package counter starts this far below its range, so that it wraps inside the window.
WRAP_IN_UJ=60000000
WP_TIMEOUT=$((WINDOW_S + 150)) # wattprobe host runs for the whole test
WAIT_S=60                      # at most this long for the guest at each step

# ---- host side ----------------------------------------------------------------------------

# kvm where it works, else tcg; the reason goes to REASON_VAR. A /dev/kvm without vmx or svm in
# the CPU flags (a VM without nested virtualization, like our CI machine's) opens, but a Linux
# guest hangs in it right after its decompressor: only the flags tell.
pick_accel() { # ACCEL_VAR REASON_VAR
	local _a _r
	case ${E2E_ACCEL:-auto} in
	kvm | tcg) _a=$E2E_ACCEL _r="E2E_ACCEL=$E2E_ACCEL" ;;
	*)
		if [ ! -e /dev/kvm ]; then
			_a=tcg _r="no /dev/kvm"
		elif ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
			_a=tcg _r="/dev/kvm not usable by uid $(id -u)"
		elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
			_a=tcg _r="/dev/kvm exists but the CPU has no vmx/svm flag (no nested virtualization)"
		else
			_a=kvm _r="/dev/kvm and vmx/svm"
		fi
		;;
	esac
	printf -v "$1" '%s' "$_a"
	printf -v "$2" '%s' "$_r"
}

# A zone's counter replaced whole (wattprobe reads energy_uj afresh at every sample).
zone_put() { # ZONEDIR UJ
	printf '%s\n' "$2" >"$1/.energy_uj.tmp" && mv -f -- "$1/.energy_uj.tmp" "$1/energy_uj"
}

# The fake powercap tree, powercap's flat layout: package-0 and its dram, counters standing
# still.
pc_make() { # DIR
	local z
	for z in intel-rapl:0 intel-rapl:0:0; do
		mkdir -p -- "$1/$z" || return 1
		printf '%s\n' "$RANGE_UJ" >"$1/$z/max_energy_range_uj" || return 1
	done
	printf 'package-0\n' >"$1/intel-rapl:0/name" &&
		printf 'dram\n' >"$1/intel-rapl:0:0/name" &&
		zone_put "$1/intel-rapl:0" $((RANGE_UJ - WRAP_IN_UJ)) &&
		zone_put "$1/intel-rapl:0:0" 1000000
}

# Advance the counters at PKG_W (and PKG_W / 4) for SECONDS by the wall clock, every 50 ms,
# wrapping at RANGE_UJ; then leave them standing.
pc_run() { # DIR SECONDS
	local dir=$1 pkg dram t0 t1 now d
	read -r pkg <"$dir/intel-rapl:0/energy_uj"
	read -r dram <"$dir/intel-rapl:0:0/energy_uj"
	t0=${EPOCHREALTIME/./}
	t1=$((t0 + $2 * 1000000))
	now=$t0
	while [ "$now" -lt "$t1" ]; do
		sleep 0.05
		d=${EPOCHREALTIME/./}
		[ "$d" -gt "$t1" ] && d=$t1
		# W x us = uJ
		pkg=$(((pkg + PKG_W * (d - now)) % RANGE_UJ))
		dram=$(((dram + PKG_W * (d - now) / 4) % RANGE_UJ))
		now=$d
		zone_put "$dir/intel-rapl:0" "$pkg" && zone_put "$dir/intel-rapl:0:0" "$dram" || return 1
	done
}

# The feed's seq, or 0.
feed_seq() { # DIR
	local s=0
	[ -f "$1/seq" ] && read -r s <"$1/seq"
	printf '%s\n' "${s:-0}"
}

# Sum of the feed's zones' energy_uj.
feed_energy() { # DIR
	cat -- "$1"/*/energy_uj 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# Wait until the file exists while every PID lives; 1 when it did not come within SECONDS.
wait_file() { # FILE SECONDS PID...
	local f=$1 n=$(($2 * 10)) i p
	shift 2
	for ((i = 0; i < n; i++)); do
		[ -e "$f" ] && return 0
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null || return 1
		done
		sleep 0.1
	done
	return 1
}

# Seconds since T0 (an EPOCHREALTIME), two decimals.
since() { # T0
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", b - a }'
}

# The guest's last console lines, for failure messages.
console_tail() { # LOG
	grep -a -v '^\s*$' "$1" 2>/dev/null | tail -n 4 | tr -d '\r' | tr '\n' ' ' | tail -c 400
}

# Why the guest never said ready, as the case's failure.
not_ready() { # TMP HOST_PID
	if [ -e "$1/out/guest-error" ]; then
		t_fail "the guest gave up: $(head -c 300 "$1/out/guest-error")"
	elif ! kill -0 "$2" 2>/dev/null; then
		t_fail "wattprobe host ended before the guest was ready: $(wp_err "$1/host")"
	elif ! kill -0 "$E2E_QPID" 2>/dev/null; then
		t_fail "qemu ended before the guest was ready: $(head -c 200 "$1/qemu.log")" \
			"console: $(console_tail "$1/console.log")"
	else
		t_fail "the guest did not say ready within $WAIT_S s: console: $(console_tail "$1/console.log")"
	fi
}

# Boot the guest, feed it, collect. Sets the globals the other cases read; 1 when the case
# failed already.
run_vm() {
	local tmp kdir mp qcg accel why img qemu_bin t0 rec st f0 s0 i burn
	local -a qemu=()
	tmp=$(wp_tmp)
	E2E_T=$tmp
	mp=$(cg2_mount) || {
		t_fail "no cgroup2 filesystem mounted (the host puts qemu in a v2 cgroup)"
		return 1
	}
	qemu_bin=$(command -v qemu-system-x86_64) || {
		t_fail "no qemu-system-x86_64 (tools/deps.sh --test installs qemu-system-x86)"
		return 1
	}
	"$WP_BIN" host --help >/dev/null 2>&1 || {
		t_fail "$WP_BIN has no host command"
		return 1
	}
	burn=$(wp_helper burn) || return 1
	t0=$E2E_T0
	kdir=$("$E2E_SRC/fetch-kernel.sh" "$WP_OUT/e2e/kernel" 2>"$tmp/fetch.err" | tail -n 1)
	if [ -z "$kdir" ] || [ ! -f "$kdir/done" ]; then
		t_fail "no guest kernel: $(tail -n 3 "$tmp/fetch.err" | tr '\n' ' ')"
		return 1
	fi
	t_info "kernel $(cat "$kdir/version") in $(since "$t0") s"
	"$E2E_SRC/mkinitramfs.sh" "$tmp/initrd.cpio" "$kdir" "$E2E_SRC/init.sh" "$WP_BIN" \
		"$burn" 2>"$tmp/initrd.err" || {
		t_fail "no initramfs: $(head -c 300 "$tmp/initrd.err")"
		return 1
	}
	img=$kdir/vmlinux
	[ -f "$img" ] || img=$kdir/vmlinuz
	t_info "initramfs $(($(stat -c %s "$tmp/initrd.cpio") / 1048576)) MiB, $(since "$t0") s in"

	mkdir -p "$tmp/feed/e2e" "$tmp/out" || {
		t_fail "cannot make $tmp/feed/e2e"
		return 1
	}
	pc_make "$tmp/pc" || {
		t_fail "cannot make the fake powercap tree $tmp/pc"
		return 1
	}
	cg_make qcg "$mp" || {
		t_fail "cannot make a cgroup under $mp"
		return 1
	}
	E2E_QCG=$(cg_path "$qcg")
	pick_accel accel why
	qemu=("$qemu_bin" -accel "$accel" -m 512M -smp 1 -nodefaults -display none
		-serial "file:$tmp/console.log" -no-reboot -pidfile "$tmp/qemu.pid"
		-kernel "$img" -initrd "$tmp/initrd.cpio"
		-append "console=ttyS0 quiet panic=-1 E2E_IV=$GUEST_IV E2E_WEIGHTS=$WEIGHTS E2E_WAIT=$WAIT_S"
		-virtfs "local,path=$tmp/feed/e2e,mount_tag=feed,security_model=none,readonly=on"
		-virtfs "local,path=$tmp/out,mount_tag=out,security_model=none")
	[ "$accel" = kvm ] && qemu+=(-cpu host)
	t_info "accel $accel ($why), qemu in cgroup $E2E_QCG"
	E2E_TBOOT=$EPOCHREALTIME
	# The wrapper joins the cgroup and execs qemu: every qemu thread is in it from the start.
	# qemu dies with this shell even when it is SIGKILLed and cannot clean up (--pdeathsig);
	# a guest left alone otherwise powers itself off after WAIT_S at any step.
	cg_spawn E2E_QPID "$qcg" setpriv --pdeathsig KILL "${qemu[@]}" >"$tmp/qemu.log" 2>&1 </dev/null
	wait_file "$tmp/qemu.pid" 10 "$E2E_QPID" || {
		t_fail "qemu wrote no pid file: $(head -c 300 "$tmp/qemu.log")"
		return 1
	}
	wp_start rec "$tmp/host" host --connect none --listen none --vm "e2e=pidfile:$tmp/qemu.pid" \
		--feed-dir "$tmp/feed" -e "powercap:$tmp/pc" -i "$HOST_IV" -o "$tmp/host.csv"
	if ! wait_file "$tmp/out/ready" "$WAIT_S" "$E2E_QPID" "$rec" || [ -e "$tmp/out/guest-error" ]; then
		not_ready "$tmp" "$rec"
		return 1
	fi
	E2E_READY_S=$(since "$E2E_TBOOT")
	kill -0 "$rec" 2>/dev/null || {
		t_fail "wattprobe host is gone: $(wp_err "$tmp/host")"
		return 1
	}
	f0=$(feed_energy "$tmp/feed/e2e")
	pc_run "$tmp/pc" "$WINDOW_S" || t_check "the fake powercap writer failed"
	s0=$(feed_seq "$tmp/feed/e2e")
	# Frozen: three more writes of the feed, and it holds all of the window.
	for ((i = 0; i < 100; i++)); do
		[ "$(feed_seq "$tmp/feed/e2e")" -ge $((s0 + 3)) ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || t_check "the feed's seq stood at $s0 for 10 s after the window"
	E2E_FEED=$(($(feed_energy "$tmp/feed/e2e") - f0))
	printf 'stop\n' >"$tmp/out/.stop.tmp" && mv -- "$tmp/out/.stop.tmp" "$tmp/out/stop"
	for ((i = 0; i < WAIT_S * 10; i++)); do
		kill -0 "$E2E_QPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$E2E_QPID" 2>/dev/null; then
		t_fail "the guest did not power off within $WAIT_S s of stop:" \
			"$(console_tail "$tmp/console.log")"
		return 1
	fi
	wait "$E2E_QPID" 2>/dev/null
	st=$?
	E2E_RUN_S=$(since "$E2E_TBOOT")
	wp_record_stop "$rec" "$tmp/host" || return 1
	[ -f "$tmp/out/done" ] || {
		t_fail "the guest gave up: $(cat "$tmp/out/guest-error" 2>/dev/null) (qemu status $st)" \
			"console: $(console_tail "$tmp/console.log")"
		return 1
	}
	[ "$st" = 0 ] || t_check "qemu exited with status $st: $(head -c 200 "$tmp/qemu.log")"
	return 0
}

case_vm() {
	run_vm || {
		e2e_rest "the vm case failed"
		return
	}
	local r=$E2E_T/out up_init up_ready
	up_init=$(awk '$1 == "init" { print $2 }' "$r/uptime")
	up_ready=$(awk '$1 == "ready" { print $2 }' "$r/uptime")
	t_info "guest: /init at ${up_init} s of its uptime, recording at ${up_ready} s;" \
		"host: qemu start to ready ${E2E_READY_S} s, to power-off ${E2E_RUN_S} s"
	[ "$(cat "$r/record.rc")" = 0 ] || t_check "the guest's record exited $(cat "$r/record.rc"):" \
		"$(head -c 300 "$r/record.err")"
	t_pass
	t_begin total
	case_total
	t_begin feed
	case_feed
	t_begin split
	case_split
	t_begin btf
	case_btf
	t_info "the whole e2e run: $(since "$E2E_T0") s"
}

# Every case after a failed vm fails too: never a silent skip.
e2e_rest() { # WHY
	local c
	for c in total feed split btf; do
		t_begin "$c"
		t_fail "no guest results: $1"
	done
}

# Energy of the rows whose cgroup is PATH or below it.
csv_tree_sum() { # FILE PATH
	csv_awk "$1" 'col("cgroup") == p || index(col("cgroup"), p "/") == 1 { s += col("energy_uj") }
		END { if (!_csv_err) printf "%.0f\n", s; exit _csv_err }' p="$2"
}

case_total() {
	local g h node err
	g=$(csv_sum "$E2E_T/out/guest.csv" energy_uj) || t_fail "cannot read the guest's CSV" || return
	h=$(csv_tree_sum "$E2E_T/host.csv" "$E2E_QCG") || t_fail "cannot read the host's CSV" || return
	node=$(csv_awk "$E2E_T/host.csv" '!seen[col("ts_ns")]++ { s += col("node_energy_uj") }
		END { printf "%.0f\n", s }')
	err=$(pct_err "$g" "$h")
	t_info "guest total $g uJ; host's share for the VM $h uJ" \
		"($(awk -v a="$h" -v b="$node" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }')% of the" \
		"host's $node uJ): ${err}% off"
	[ "$h" -gt 0 ] || t_fail "the host gave the VM no energy" || return
	within_pct "$g" "$h" 1 || t_check "guest total $g uJ not within 1% of the host's share $h uJ ($err%)"
	t_pass
}

case_feed() {
	local r=$E2E_T/out g err bad gaps hgaps src
	g=$(csv_sum "$r/guest.csv" energy_uj) || t_fail "cannot read the guest's CSV" || return
	err=$(pct_err "$g" "$E2E_FEED")
	t_info "guest total $g uJ; the feed's final energy $E2E_FEED uJ: ${err}% off"
	within_pct "$g" "$E2E_FEED" 1 || t_check "guest total $g uJ not within 1% of the feed's $E2E_FEED uJ"
	bad=$(csv_awk "$r/guest.csv" 'col("source") != "feed" { n++ } END { print n + 0 }')
	[ "$bad" = 0 ] || t_check "$bad guest rows whose source is not feed"
	gaps=$(csv_awk "$r/guest.csv" 'col("gap") != "" { n++ } END { print n + 0 }')
	hgaps=$(csv_awk "$E2E_T/host.csv" 'col("gap") != "" { n++ } END { print n + 0 }')
	t_info "guest: $(csv_intervals "$r/guest.csv") intervals, $gaps rows in gaps;" \
		"host: $(csv_intervals "$E2E_T/host.csv") intervals, $hgaps rows in gaps"
	[ "$gaps" = 0 ] || t_check "$gaps guest rows in gaps"
	[ "$hgaps" = 0 ] || t_check "$hgaps host rows in gaps"
	csv_check_structure "$r/guest.csv" >/dev/null 2>"$E2E_T/structure.err" ||
		t_check "guest CSV: $(head -c 300 "$E2E_T/structure.err")"
	src=$(grep -m 1 '^energy:' "$r/record.out")
	t_info "guest's record: $src"
	grep -q 'powercap' <<<"$src" || t_check "the guest was not told the host measured powercap: $src"
	t_pass
}

case_split() {
	local r=$E2E_T/out e_a e_b c_a c_b p_a p_b re rc err
	e_a=$(csv_cg_sum "$r/guest.csv" energy_uj x /e2e-a) || t_fail "cannot read the guest's CSV" || return
	e_b=$(csv_cg_sum "$r/guest.csv" energy_uj x /e2e-b)
	p_a=$(csv_cg_sum "$r/guest.csv" cpu_ns x /e2e-a)
	p_b=$(csv_cg_sum "$r/guest.csv" cpu_ns x /e2e-b)
	c_a=$(($(awk '$1 == "a" { print $2 }' "$r/cpu.stop") - $(awk '$1 == "a" { print $2 }' "$r/cpu.ready")))
	c_b=$(($(awk '$1 == "b" { print $2 }' "$r/cpu.stop") - $(awk '$1 == "b" { print $2 }' "$r/cpu.ready")))
	[ "$e_b" -gt 0 ] && [ "$c_b" -gt 0 ] && [ "$p_b" -gt 0 ] ||
		t_fail "no energy or CPU time in e2e-b (energy $e_b uJ, cpu.stat $c_b us)" || return
	re=$(awk -v a="$e_a" -v b="$e_b" 'BEGIN { printf "%.4f\n", a / b }')
	rc=$(awk -v a="$c_a" -v b="$c_b" 'BEGIN { printf "%.4f\n", a / b }')
	err=$(pct_err "$re" "$rc")
	t_info "e2e-a/e2e-b (cpu.weight $WEIGHTS): energy $e_a/$e_b uJ = $re;" \
		"cpu.stat over the window $c_a/$c_b us = $rc (${err}% off);" \
		"the probe's CPU time $(awk -v a="$p_a" -v b="$p_b" 'BEGIN { printf "%.4f", a / b }');" \
		"cpu.stat over the burners' life $(awk '{ u[$1] = $2 } END { printf "%.4f", u["a"] / u["b"] }' \
			"$r/cpu.end")"
	within_pct "$re" "$rc" 2 || t_check "energy ratio $re not within 2% of the CPU time ratio $rc ($err%)"
	t_pass
}

case_btf() {
	local r=$E2E_T/out btf attach
	btf=$(awk '$1 == "btf" { print $2 }' "$r/guest.info")
	attach=$(grep -o 'attach [a-z_]*' "$r/record.out" "$r/record.err" | head -n 1 | sed 's/.*attach //')
	t_info "guest kernel $(head -n 1 "$r/guest.info"), /sys/kernel/btf/vmlinux ${btf:-absent} bytes," \
		"record attached with ${attach:-?}, $(grep clocksource "$r/guest.info")"
	[ -n "$btf" ] || t_check "the guest kernel has no /sys/kernel/btf/vmlinux"
	[ "$attach" = tp_btf ] || t_check "record attached with '${attach:-?}', not tp_btf"
	t_pass
}

E2E_T0=$EPOCHREALTIME
t_run vm case_vm
