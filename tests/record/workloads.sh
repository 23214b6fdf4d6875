#!/bin/sh
# Every deterministic workload of tests/workloads behaves the same traced and
# untraced: same exit status, same output, same files (compared by the
# workloads' own checksums in their output).  Then the trace holds the ops
# the workload is known to make.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"

W=${top_builddir:-.}/tests/workloads
[ -x "$W/posix_calls" ] || skip "workloads not built"

# same NAME ARGS...: run NAME untraced and traced, each in a fresh
# directory, and compare.  Leaves the trace in $TMP/NAME.iorr.
same() {
	name=$1
	shift
	mkdir "$TMP/u.$name" "$TMP/t.$name"
	"$W/$name" "$@" "$TMP/u.$name" >"$TMP/u.$name.out" 2>/dev/null
	urc=$?
	rec "$TMP/$name.iorr" -- "$W/$name" "$@" "$TMP/t.$name"
	cp "$TMP/rec.out" "$TMP/t.$name.out"
	[ "$rc" -eq "$urc" ] || fail "$name: exit $rc traced, $urc untraced"
	# the directory names differ: compare with them replaced
	sed "s|$TMP/t.$name|DIR|g" "$TMP/t.$name.out" >"$TMP/t.$name.cmp"
	sed "s|$TMP/u.$name|DIR|g" "$TMP/u.$name.out" >"$TMP/u.$name.cmp"
	cmp -s "$TMP/u.$name.cmp" "$TMP/t.$name.cmp" || {
		diff "$TMP/u.$name.cmp" "$TMP/t.$name.cmp" | head -20 >&2
		fail "$name: output differs traced and untraced"
	}
	grep -q 'loss 0$' "$TMP/rec.err" ||
		{ cat "$TMP/rec.err" >&2; fail "$name: loss"; }
}

same posix_calls
expect_count "$TMP/posix_calls.iorr" ' fallocate\(' \
	"$(grep -c '^fallocate' "$TMP/u.posix_calls.out")"
[ "$(count "$TMP/posix_calls.iorr" ' copy_file_range\(')" -ge 2 ] ||
	fail "posix_calls: copy_file_range (libc and syscall()) not recorded"
[ "$(count "$TMP/posix_calls.iorr" ' renameat2\(')" -ge 2 ] ||
	fail "posix_calls: renameat2 not recorded"
same stdio_calls
[ "$(count "$TMP/stdio_calls.iorr" ' fwrite\(')" -ge 5 ] ||
	fail "stdio_calls: fwrite not recorded"
same mmap_writer
[ "$(count "$TMP/mmap_writer.iorr" ' mmap_write\(')" -ge 1 ] ||
	fail "mmap_writer: no mmap_write"
same mt_writers -t 4 -n 50
expect_count "$TMP/mt_writers.iorr" ' thread_start\(' 4
same counter_race -l -t 2 -n 50
[ "$(count "$TMP/counter_race.iorr" ' mutex_lock\(')" -ge 100 ] ||
	fail "counter_race -l: mutex ops not recorded"
same fork_exec -d 2
[ "$(count "$TMP/fork_exec.iorr" ' exec\(')" -ge 2 ] ||
	fail "fork_exec: exec not recorded"
same daemon_closefds
same signal_io -n 50
same aio_calls -n 8
[ "$(count "$TMP/aio_calls.iorr" ' aio_complete\(')" -ge 8 ] ||
	fail "aio_calls: completions not recorded"
same uring_calls
[ "$(count "$TMP/uring_calls.iorr" ' uring_cqe\(')" -ge 10 ] ||
	fail "uring_calls: CQEs not recorded"
same fsstress_mix -p 3 -n 60 -s 7
exit 0
