#!/bin/sh
# Recording changes nothing the program sees (output, exit status, files
# produced), and the trace holds what each workload did.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
[ -x "$REC_PROG" ] || skip "rec_prog not built"

# same MODE: run rec_prog MODE raw and recorded; compare; trace in $T
same() {
	mode=$1
	shift
	mkdir -p "$TMP/raw-$mode" "$TMP/rec-$mode"
	"$REC_PROG" "$mode" "$TMP/raw-$mode" >"$TMP/raw.out" 2>&1
	raw_rc=$?
	# give a daemon time to finish in the raw run too
	[ "$mode" = daemon ] && sleep 1
	T=$TMP/$mode.iorr
	rec "$T" "$@" -- "$REC_PROG" "$mode" "$TMP/rec-$mode"
	[ "$rc" -eq "$raw_rc" ] || fail "$mode: status $rc, raw $raw_rc"
	cmp -s "$TMP/raw.out" "$TMP/rec.out" ||
		{ diff "$TMP/raw.out" "$TMP/rec.out" >&2; fail "$mode: output differs"; }
	diff -r "$TMP/raw-$mode" "$TMP/rec-$mode" >&2 ||
		fail "$mode: files differ"
}

same threads
expect_count "$T" ' thread_start\(parent=T0\)' 4
expect_count "$T" ' thread_create\(child=T[1-4]\)' 4
expect_count "$T" ' thread_join\(target=T[1-4]\)' 4
expect_count "$T" ' thread_exit\(\)' 4
expect_count "$T" ' pwrite\(fd=[0-9]+, len=512, off=[0-9]+, buf=0x[0-9a-f]+, data=blob#[0-9]+\[512\]\) = 512' 400
expect_count "$T" ' mutex_lock\(obj=#1\)' 400
expect_count "$T" ' fsync\(' 4
grep -q ' 1 processes, 5 threads, ' "$TMP/rec.err" || fail "threads: summary"

same forkexec
expect_count "$T" ' proc_start\(' 2
expect_count "$T" ' fork\(child=' 1
expect_count "$T" " exec\\(path=\".*rec_prog\"\\) = 0" 1
expect_some "$T" 'open\(path=".*/after-exec"'
expect_some "$T" 'open\(path=".*/before-exec"'
expect_count "$T" ' proc_exit\(status=5\)' 1
expect_count "$T" ' wait\(pid=[0-9]+, status=1280\)' 1

same errno
expect_some "$T" 'open\(path="/nonexistent/x".* = -1 ENOENT'
expect_some "$T" 'lseek\(.*whence=0x63\) = -1 EINVAL'
expect_some "$T" 'posix_fallocate\(.* = 22 '
expect_some "$T" 'rename\(oldpath="/nonexistent/a".* = -1 ENOENT'
expect_count "$T" ' close\(' 1

same mmap
expect_count "$T" ' mmap\(map=#[0-9]+, fd=[0-9]+, len=8192, prot=PROT_READ\|PROT_WRITE, flags=MAP_SHARED' 1
expect_count "$T" ' mmap_write\(map=#[0-9]+, off=0, len=8192, data=blob#[0-9]+\[8192\]\)' 2
expect_count "$T" ' msync\(' 1
expect_count "$T" ' munmap\(' 1

same stdio
expect_count "$T" ' fopen\(' 2
expect_count "$T" ' fwrite\(fd=([02-9]|[0-9][0-9]+),' 4
# printf to stdout, here a file
expect_some "$T" ' fwrite\(fd=1, '
expect_some "$T" ' fread\(fd=[0-9]+, size=1, nmemb=128, hash=[0-9a-f]+\) = 7'
expect_count "$T" ' fclose\(' 2

same syscall
expect_count "$T" ' openat\(dirfd=-100, path=".*/y"' 1
expect_count "$T" ' write\(fd=[0-9]+, len=8,' 1
expect_count "$T" ' pwrite\(fd=[0-9]+, len=1, off=0' 1
expect_count "$T" ' pread\(fd=[0-9]+, len=8, off=0,.* = 8' 1
expect_count "$T" ' close\(' 1

same daemon
expect_count "$T" ' proc_start\(' 3
expect_some "$T" 'open\(path=".*/daemon".* = 0 '
expect_some "$T" 'write\(fd=0, len=22,.* = 22'

# options: --data=none and hash, --sync=basic
same threads --data=none --sync=basic
expect_count "$T" ' pwrite\(.*data=none\) = 512' 400
expect_count "$T" ' mutex_' 0
same threads --data=hash
expect_count "$T" ' pwrite\(.*data=blob#[0-9]+\[512,hash\]\) = 512' 400
same errno --data=none
expect_some "$T" ' pread\(.*hash=none\) = 3'
exit 0
