#!/bin/sh
# fio's asynchronous engines, recorded: libaio (libaio's functions) and
# io_uring (fio's own rings: syscall(SYS_io_uring_setup), io_uring_enter
# made inline, seen through the seccomp trap), iodepth 16, buffered and
# O_DIRECT (a loop-mounted ext4 as root, else the test directory if it
# takes O_DIRECT), randwrite + crc32c verify.  The decoded trace has as many
# submissions and completions as fio's own total_ios, pairs every
# submission with one completion, reports nothing missed, and replays in
# recorded order with 0 divergences.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
command -v fio >/dev/null 2>&1 || skip "fio not installed"
cd "$TMP" || exit 99

# stat_count TRACE OP: the count of OP in iorr stat --json (0 if absent)
stat_count() {
	"$IORR" stat --json "$1" >stat.json 2>/dev/null ||
		fail "$1: iorr stat --json failed"
	awk -v op="\"$2\": {" 'index($0, op) { f = 1; next }
		f && /"count"/ { gsub(/[^0-9]/, ""); print; exit }
		END { if (!f) print 0 }' stat.json
}

# json_pairs TRACE SUBMIT_RE COMPLETE_OP: from iorr dump --json, every
# request id submitted is completed exactly once and nothing else is.
json_pairs() {
	"$IORR" dump --json "$1" >dump.json 2>/dev/null ||
		fail "$1: iorr dump --json failed"
	grep -E "\"op\":\"($2)\"" dump.json |
		sed -n 's/.*"req":\([0-9]*\).*/\1/p' | sort >sub.ids
	grep "\"op\":\"$3\"" dump.json |
		sed -n 's/.*"req":\([0-9]*\).*/\1/p' | sort >cpl.ids
	[ -s sub.ids ] || fail "$1: no submissions"
	[ "$(uniq -d sub.ids | wc -l)" -eq 0 ] ||
		fail "$1: a request id is submitted twice"
	cmp -s sub.ids cpl.ids || { diff sub.ids cpl.ids | head >&2; \
		fail "$1: submissions and completions do not pair up"; }
}

# fio_case NAME ENGINE DIR [fio options]
fio_case() {
	name=$1 eng=$2 dir=$3
	shift 3
	opts=$*
	rec "$name.iorr" -- fio --name=v --filename="$dir/$name.dat" \
		--size=4M --bs=4k --rw=randwrite --ioengine="$eng" \
		--iodepth=16 --verify=crc32c --do_verify=1 --randrepeat=1 \
		--output-format=json --output="$name.json" "$@"
	if [ "$rc" -ne 0 ] && [ "$eng" = io_uring ] &&
	   grep -qi 'io_uring.*\(not supported\|Operation not permitted\)' \
		"$name.json" rec.err; then
		echo "fio $name: the kernel refuses io_uring" >&2
		return 0
	fi
	[ "$rc" -eq 0 ] || { cat "$name.json" rec.err >&2; \
		fail "fio $name: status $rc"; }
	grep -q '"error" : 0' "$name.json" || fail "fio $name: errors"
	# total_ios: the read (verify) side first, then the write side
	set -- $(grep -o '"total_ios" : [0-9]*' "$name.json" | head -2 |
		 sed 's/.* //')
	[ $# -eq 2 ] || fail "$name.json: no total_ios"
	reads=$1 writes=$2
	[ "$writes" -eq 1024 ] || fail "fio $name: $writes writes, not 1024"
	[ "$reads" -eq 1024 ] || fail "fio $name: $reads reads, not 1024"
	case $eng in
	libaio) wop=aio_pwrite rop=aio_pread cop=aio_complete ;;
	io_uring) wop=uring_write rop=uring_read cop=uring_cqe ;;
	esac
	n=$(stat_count "$name.iorr" $wop)
	[ "$n" -eq "$writes" ] || fail "$name: $n $wop, fio says $writes"
	n=$(stat_count "$name.iorr" $rop)
	[ "$n" -eq "$reads" ] || fail "$name: $n $rop, fio says $reads"
	n=$(stat_count "$name.iorr" $cop)
	[ "$n" -eq $((reads + writes)) ] ||
		fail "$name: $n $cop, fio says $((reads + writes)) I/Os"
	json_pairs "$name.iorr" "$wop|$rop" $cop
	grep -q 'warning: io_uring' rec.err && { cat rec.err >&2; \
		fail "$name: the recorder missed something"; }
	[ "$(stat_count "$name.iorr" uring_missed)" -eq 0 ] ||
		fail "$name: uring_missed in the trace"
	"$IORR" replay --order recorded "$name.iorr" >replay.out 2>&1 ||
		{ cat replay.out >&2; fail "$name: replay failed"; }
	grep -q ': 0 divergences' replay.out ||
		{ cat replay.out >&2; fail "$name: replay diverged"; }
	echo "fio $name ($eng $opts): $writes writes, $reads reads, paired, replayed" >&2
	ran=$((ran + 1))
}

ran=0
fio_case lb libaio .
fio_case ub io_uring .

# O_DIRECT: a loop-mounted ext4 as root, else here if it takes O_DIRECT
ddir=
if [ "$(id -u)" -eq 0 ] && command -v mkfs.ext4 >/dev/null 2>&1 &&
   truncate -s 64M ext4.img && mkfs.ext4 -q -F ext4.img 2>/dev/null &&
   mkdir mnt && mount -o loop ext4.img mnt 2>/dev/null; then
	ddir=mnt
	trap 'umount "$TMP/mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
elif dd if=/dev/zero of=odirect.t bs=4096 count=1 oflag=direct \
	2>/dev/null; then
	ddir=.
fi
if [ -n "$ddir" ]; then
	fio_case ld libaio "$ddir" --direct=1
	fio_case ud io_uring "$ddir" --direct=1
	"$IORR" dump ud.iorr | grep -q 'open(.*O_DIRECT' ||
		fail "ud: the file was not opened with O_DIRECT"
else
	echo "no filesystem here takes O_DIRECT: that part is skipped" >&2
fi
[ $ran -gt 0 ] || skip "neither fio engine could run"
exit 0
