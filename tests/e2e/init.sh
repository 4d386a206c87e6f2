#!/bin/sh
# init.sh: the e2e guest's /init: two CPU-bound cgroups recorded from the host's feed, then off.
#
# Runs as pid 1 under busybox sh. The host (test_e2e.sh) passes settings on the kernel command
# line, which the kernel hands to init as environment variables:
#	E2E_IV       record's interval (200ms)
#	E2E_WEIGHTS  cpu.weight of cgroups e2e-a and e2e-b, comma-separated (100,300)
#	E2E_WAIT     seconds to wait for the host at each step (60)
# Shares (9p): "feed", read-only, at /run/wattprobe/feed (the host's feed for this VM); "out",
# writable, at /out: the handshake and the results.
#
# Handshake: the guest writes /out/ready once record has written its first interval (energy is
# frozen on the host until then); the host lets energy flow, freezes it, lets its feed settle
# and writes /out/stop; the guest records one more second, so that record has read the final
# value whatever its phase against the host's writes, stops record with SIGINT, copies its
# results to /out and writes /out/done last. Any failure goes to /out/guest-error (and the
# console), and the guest powers off: the host never waits on a guest that gave up.
set -u
export PATH=/bin
iv=${E2E_IV:-200ms}
weights=${E2E_WEIGHTS:-100,300}
wait_s=${E2E_WAIT:-60}
feed=/run/wattprobe/feed
cg=/sys/fs/cgroup
out_ok=0

log() {
	echo "e2e-guest: $*"
}

up() {
	cut -d' ' -f1 /proc/uptime
}

off() {
	sync
	[ "$out_ok" = 1 ] && umount /out
	poweroff -f
	sleep 10
}

die() {
	log "FAIL: $*"
	[ "$out_ok" = 1 ] && echo "$*" >/out/guest-error
	off
}

# Write /out/NAME whole (9p: a reader on the host must never see it half written).
put() { # NAME TEXT
	echo "$2" >"/out/.$1.tmp" && mv "/out/.$1.tmp" "/out/$1"
}

# Wait until the test command succeeds, polling every 0.1 s for at most SECONDS.
wait_for() { # SECONDS TEST...
	n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

has_interval() {
	[ -f /tmp/guest.csv ] && [ "$(wc -l </tmp/guest.csv)" -ge 2 ]
}

# usage_usec of each cgroup, "a N" and "b N" lines.
cpu_usage() {
	for g in a b; do
		awk -v g="$g" '$1 == "usage_usec" { print g, $2 }' "$cg/e2e-$g/cpu.stat"
	done
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
t_init=$(up)
log "init at ${t_init} s of uptime, kernel $(uname -r)"

while read -r ko; do
	insmod "/lib/modules/$ko" || die "insmod $ko failed"
done </lib/modules/modules.load
opts=trans=virtio,version=9p2000.L,cache=none
mount -t 9p -o "$opts" out /out || die "cannot mount the out share"
out_ok=1
mount -t 9p -o "ro,$opts" feed "$feed" || die "cannot mount the feed share"
mount -t cgroup2 cgroup2 "$cg" || die "cannot mount cgroup2"
echo +cpu >"$cg/cgroup.subtree_control" || die "cannot enable the cpu controller"
w_a=${weights%,*}
w_b=${weights#*,}
for g in a b; do
	mkdir "$cg/e2e-$g" || die "cannot make cgroup e2e-$g"
done
echo "$w_a" >"$cg/e2e-a/cpu.weight" || die "cannot set cpu.weight of e2e-a"
echo "$w_b" >"$cg/e2e-b/cpu.weight" || die "cannot set cpu.weight of e2e-b"
{
	uname -r
	[ -f /sys/kernel/btf/vmlinux ] && echo "btf $(wc -c </sys/kernel/btf/vmlinux)"
	echo "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "nproc $(nproc)"
} >/tmp/guest.info

wait_for "$wait_s" test -f "$feed/seq" || die "no $feed/seq from the host within $wait_s s"
t_feed=$(up)

# record starts first: against the burners it would get a fifth of the CPU for its start.
wattprobe record -e "feed:$feed" -i "$iv" -o /tmp/guest.csv >/tmp/record.out 2>/tmp/record.err &
rec=$!
wait_for "$wait_s" has_interval || die "record wrote no interval within $wait_s s: $(head -c 300 /tmp/record.err)"
# CPU-bound in both cgroups from before the window to after it, so that the split is the
# weights' at every instant and cpu.stat over the window compares with the energy in it.
for g in a b; do
	# shellcheck disable=SC2016 # $$ and $1 are the inner shell's
	sh -c 'echo $$ >"$1/cgroup.procs" && exec burn 100 3600' burn "$cg/e2e-$g" &
	eval "burn_$g=\$!"
done
sleep 0.5
t_rec=$(up)
cpu_usage >/tmp/cpu.ready
put ready "$t_rec"
log "ready at $t_rec s (feed seen at $t_feed s)"

wait_for "$((wait_s * 2))" test -f /out/stop || die "no stop from the host within $((wait_s * 2)) s"
cpu_usage >/tmp/cpu.stop
log "stop seen at $(up) s"
sleep 1
kill -INT "$rec"
wait "$rec"
rc=$?
cpu_usage >/tmp/cpu.end
# shellcheck disable=SC2154 # set by eval above
kill "$burn_a" "$burn_b"
echo "$rc" >/tmp/record.rc
printf 'init %s\nfeed %s\nready %s\n' "$t_init" "$t_feed" "$t_rec" >/tmp/uptime
for f in guest.csv.meta.json record.out record.err record.rc cpu.ready cpu.stop cpu.end \
	guest.info uptime; do
	[ -f "/tmp/$f" ] && cp "/tmp/$f" "/out/$f"
done
cp /tmp/guest.csv /out/ || die "cannot copy the CSV to /out"
put "done" "$(up)"
log "done"
off
