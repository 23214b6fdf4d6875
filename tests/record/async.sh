#!/bin/sh
# libaio and io_uring, recorded: every submission and completion of our
# workloads, checked against what the programs say they did; what the
# recorder cannot see is stated, never silent.  fio: fio-async.sh.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
cd "$TMP" || exit 99
WL=${top_builddir:-.}/tests/workloads
GAPS=${top_builddir:-.}/tests/record/rec_uring_gaps
ran=0

# pairs TRACE SUBMIT_RE COMPLETE_OP: every request id submitted is completed
# exactly once, and nothing else is completed.
pairs() {
	"$IORR" dump "$1" | grep -E " ($2)\(" |
		sed -n 's/.*req=#\([0-9]*\).*/\1/p' | sort >sub.ids
	"$IORR" dump "$1" | grep -E " $3\(" |
		sed -n 's/.*req=#\([0-9]*\).*/\1/p' | sort >cpl.ids
	[ -s sub.ids ] || fail "$1: no $2 submissions"
	cmp -s sub.ids cpl.ids || { diff sub.ids cpl.ids | head >&2; \
		fail "$1: submissions and completions do not pair up"; }
}

# untraced OUT CMD...: run CMD without iorr, stdout to OUT
untraced() {
	out=$1
	shift
	"$@" >"$out" 2>/dev/null
}

# ---- libaio: libaio's functions and syscall(SYS_io_*) -------------------
if [ -x "$WL/aio_calls" ]; then
	mkdir a0 a1
	untraced a0.out "$WL/aio_calls" -n 3 a0
	st=$?
	if [ $st -ne 77 ]; then
		[ $st -eq 0 ] || fail "aio_calls (untraced): status $st"
		rec aio.iorr -- "$WL/aio_calls" -n 3 a1
		[ "$rc" -eq 0 ] || fail "aio_calls: status $rc"
		diff rec.out a0.out >&2 ||
			fail "aio_calls: output differs when recorded"
		pairs aio.iorr 'aio_p(read|write)v?|aio_f(d)?sync' aio_complete
		# the syscall(SYS_io_getevents) reaps (5 s timeout) and
		# libaio's io_getevents (no timeout) are both there
		expect_some aio.iorr ' aio_getevents\(.*timeout_ns=5000000000\) = 1'
		expect_some aio.iorr ' aio_getevents\(.*timeout_ns=-1\) = [1-9]'
		expect_some aio.iorr ' aio_complete\(.*reap=@[1-9][0-9]*, data=blob#[0-9]+\[4096\]'
		expect_some aio.iorr ' aio_complete\(.*hash=[0-9a-f]{16}\) = 8192'
		expect_some aio.iorr ' aio_preadv\(.*iov=\[2048,2048\]'
		expect_some aio.iorr ' aio_cancel\(ctx=#[0-9]+, req=#[0-9]+\)'
		ran=1
	fi
fi

# ---- io_uring through liburing ----------------------------------------
if [ -x "$WL/uring_calls" ]; then
	mkdir u0 u1
	untraced u0.out "$WL/uring_calls" u0
	st=$?
	if [ $st -ne 77 ]; then
		[ $st -eq 0 ] || fail "uring_calls (untraced): status $st"
		rec uring.iorr -- "$WL/uring_calls" u1
		[ "$rc" -eq 0 ] || fail "uring_calls: status $rc"
		diff rec.out u0.out >&2 ||
			fail "uring_calls: output differs when recorded"
		pairs uring.iorr 'uring_(read|write|readv|writev|read_fixed|write_fixed|fsync|fallocate|openat|close|statx|splice|nop|timeout|cancel|other)' uring_cqe
		for op in read write readv writev read_fixed write_fixed fsync \
			  fallocate openat close statx splice nop timeout cancel; do
			expect_some uring.iorr " uring_$op\\("
		done
		expect_some uring.iorr ' uring_write_fixed\(.*sqe_flags=IOSQE_FIXED_FILE\|IOSQE_IO_LINK, fd=[0-9]'
		expect_some uring.iorr ' uring_register\(.*IORING_REGISTER_FILES'
		expect_some uring.iorr ' uring_cqe\(.*data=blob#[0-9]+\[4096\].*\) = 4096'
		expect_some uring.iorr ' uring_cqe\(.*hash=[0-9a-f]{16}, late=0\) = 4096'
		expect_count uring.iorr ' uring_missed\(' 0
		grep -q "were not seen" rec.err && fail "uring_calls: missed"
		ran=1
	fi
fi

# ---- what cannot be seen is said --------------------------------------
if [ -x "$GAPS" ]; then
	rec gaps.iorr -- "$GAPS"
	if [ "$rc" -ne 77 ]; then
		[ "$rc" -eq 0 ] || fail "rec_uring_gaps: status $rc"
		expect_some gaps.iorr ' uring_cqe\(.*user_data=100,.*late=1\) = -62'
		expect_some gaps.iorr ' uring_missed\(.*sqes=12, reason=4\)'
		expect_some gaps.iorr ' uring_missed\(.*cqes=[1-9][0-9]*, sqes=0, reason=1\)'
		grep -q 'warning: io_uring: .* were not seen' rec.err ||
			fail "rec_uring_gaps: no warning"
		[ "$(grep -c 'warning: io_uring: .* were not seen' rec.err)" -eq 1 ] ||
			fail "rec_uring_gaps: warned more than once"
		"$IORR" dump --json gaps.iorr 2>/dev/null | grep -q uring_gaps ||
			"$IORR" dump gaps.iorr 2>/dev/null | grep -q uring_gaps ||
			true
		ran=1
	fi
fi

# fio (libaio and io_uring engines): tests/record/fio-async.sh
[ $ran -eq 1 ] || skip "no libaio/io_uring workload could run"
exit 0
