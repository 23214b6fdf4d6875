#!/bin/sh
# run-untraced.sh: run every workload once, without the recorder, in a
# fresh directory, and check its exit status and its self-reported results.
#
# The recorder and replayer tests trust these programs: "same output traced
# and untraced" only means something if the untraced output is right and
# repeatable.  So each workload must exit 0 (or 77 where the kernel or the
# filesystem lacks a feature, reported as a skip of that workload), print
# the results its correct mode promises, and, where it claims determinism,
# print the same thing twice.
#
# WORKLOADS_DIR overrides where the programs are (default: the build tree),
# e.g. to check that a deliberately broken program makes this test fail.
. "${top_srcdir:-.}/tests/lib.sh"

W=${WORKLOADS_DIR:-${top_builddir:-.}/tests/workloads}
[ -x "$W/posix_calls" ] || fail "workloads not built in $W"

n=0
skipped=""

# run NAME ARGS...: run $W/NAME ARGS... DIR in a new DIR; sets OUT (stdout
# file), RC, and D (the directory).  Fails unless it exits 0 or 77.
run() {
	name=$1
	shift
	n=$((n + 1))
	D=$TMP/$n.$name
	OUT=$TMP/$n.$name.out
	mkdir "$D" || exit 99
	"$W/$name" "$@" "$D" >"$OUT" 2>"$TMP/$n.$name.err"
	RC=$?
	case $RC in
	0) ;;
	77)
		echo "note: $name $*: skipped: $(cat "$TMP/$n.$name.err")"
		skipped="$skipped $name"
		;;
	*)
		cat "$OUT" "$TMP/$n.$name.err" >&2
		fail "$name $* exited $RC"
		;;
	esac
}

# expect LINE: the last run printed exactly this line.
expect() {
	grep -qxF -- "$1" "$OUT" && return
	cat "$OUT" >&2
	fail "$name: no line '$1'"
}

# expect_re REGEX: some line of the last run's output matches.
expect_re() {
	grep -qE -- "$1" "$OUT" && return
	cat "$OUT" >&2
	fail "$name: no line matching '$1'"
}

# same_twice NAME ARGS...: two runs print identical output.
same_twice() {
	run "$@"
	first=$OUT
	rc1=$RC
	run "$@"
	[ "$RC" -eq "$rc1" ] || fail "$1: exit $rc1 then $RC"
	cmp -s "$first" "$OUT" && return
	diff "$first" "$OUT" >&2
	fail "$*: output differs between two runs"
}

# field KEY: the word after KEY on the first line containing it.
field() {
	sed -n "s/.*$1 \\([^ ]*\\).*/\\1/p" "$OUT" | head -n 1
}

# hashes_match: "expected hash X" and "read/file hash X" agree.
hashes_match() {
	e=$(sed -n 's/^expected hash *//p' "$OUT")
	g=$(sed -n 's/^\(read\|file\) hash *//p' "$OUT")
	[ -n "$e" ] && [ "$e" = "$g" ] ||
		fail "$name: expected hash '$e', got '$g'"
}

# --- 1 posix_calls
same_twice posix_calls
expect "open(missing)                    = -1 ENOENT"
expect "open(a.dat,O_CREAT|O_EXCL)       = -1 EEXIST"
expect "close(9999)                      = -1 EBADF"
expect "mkdir(d1) again                  = -1 EEXIST"
expect "write(a.dat,4096)                = 4096 OK"
expect "read(a.dat,1000)                 = 1000 OK"
expect "renameat2(c2,a.dat,NOREPLACE)    = -1 EEXIST"
expect "child: lockf(F_TEST,400)         = -1 EACCES"
expect_re "^fallocate\(PUNCH_HOLE\|KEEP_SIZE\) += (0 OK|-1 EOPNOTSUPP)$"
[ "$(wc -l <"$OUT")" -ge 150 ] || fail "posix_calls: too few calls reported"
fdre='^(child: )?(open|creat|dup\(|fcntl\(F_DUPFD)[^=]*= [0-9]+ OK'
if grep -E "$fdre" "$OUT"; then
	fail "posix_calls: printed an fd number"
fi

# --- 2 stdio_calls
same_twice stdio_calls
expect "fopen(missing,r)                 = NULL ENOENT"
expect "fwrite(20000 x 1)                = 20000 OK"
expect "fread(20000)                     = 20000 OK"

# --- 3 mmap_writer
same_twice mmap_writer -n 16
hashes_match
expect "munmap                           = 0 OK"

# --- 4 mt_writers
same_twice mt_writers -t 4 -n 64
hashes_match
expect "lost-update chunks 0"
same_twice mt_writers -l -t 4 -n 64
hashes_match
expect "lost-update chunks 0"
locked_expect=$(sed -n 's/^expected hash *//p' "$OUT")
run mt_writers -o -t 4 -n 64
expect "expected hash $locked_expect"
expect_re "^lost-update chunks [0-9]+$"

# --- 5 counter_race
same_twice counter_race -l -n 1000
expect "counter 2000 expected 2000 lost 0"
same_twice counter_race -f -n 1000
expect "counter 2000 expected 2000 lost 0"
run counter_race -n 1000
c=$(field counter)
[ -n "$c" ] && [ "$c" -ge 2 ] && [ "$c" -le 2000 ] ||
	fail "counter_race unlocked: counter '$c' out of [2, 2000]"

# --- 6 fork_exec
same_twice fork_exec -d 2
expect "depth 2 processes 7"
expect "  vfork level 2 done"
expect "  parent end"
[ "$(grep -c level "$OUT")" -eq 12 ] || fail "fork_exec: not 12 child lines"

# --- 7 daemon_closefds
same_twice daemon_closefds -n 16
h=$(sed -n 's/^daemon.out size 65536 hash //p' "$OUT")
[ -n "$h" ] || fail "daemon_closefds: daemon.out has the wrong size"
expect "daemon: done records 16 hash $h"

# --- 8 sigkill_victim: complete run, then a killed one checked with -c
same_twice sigkill_victim -n 100
expect_re "^records 100 hash [0-9a-f]{16}$"
n=$((n + 1))
D=$TMP/$n.sigkill
mkdir "$D" || exit 99
"$W/sigkill_victim" -w 64 "$D" >/dev/null 2>&1 &
pid=$!
i=0
while :; do
	c=$(cat "$D/count" 2>/dev/null)
	[ -n "$c" ] && [ "$(expr "$c" + 0)" -ge 256 ] && break
	i=$((i + 1))
	if [ $i -ge 500 ]; then
		kill -9 $pid
		fail "sigkill_victim: count stuck at '$c'"
	fi
	sleep 0.01
done
kill -9 $pid
wait $pid 2>/dev/null
"$W/sigkill_victim" -c -w 64 "$D" >"$TMP/kill.out" ||
	fail "sigkill_victim -c: records below the count are damaged"
grep -qE '^count [0-9]+ checked [1-9][0-9]*$' "$TMP/kill.out" ||
	fail "sigkill_victim -c: checked nothing"

# --- 9 signal_io
same_twice signal_io -n 256
expect "iterations 256 raised 22"
expect "handler writes 22"
run signal_io -a -n 5000
expect "sig.log well formed"

# --- 10 aio_calls
same_twice aio_calls -n 4
if [ "$RC" -eq 0 ]; then
	expect "  PWRITE     ok 4 bytes 16384 error -"
	expect "  PREAD(8K)  ok 4 bytes 32768 error -"
	expect "io_destroy                       = 0 OK"
fi

# --- 11 uring_calls
same_twice uring_calls
if [ "$RC" -eq 0 ]; then
	expect "   6 READ_FIXED           res   4096 OK"
	expect "  17 TIMEOUT(10s)         res   -125 ECANCELED"
	expect "  20 NOP(linked)          res   -125 ECANCELED"
fi

# --- 12 dio_vs_buffered
run dio_vs_buffered -n 8 -B 64
if [ "$RC" -eq 0 ]; then
	expect "zero sector reads 0"
	expect "stale sector reads 0"
	expect "final file ok"
fi

# --- 13 uring_multiextent
same_twice uring_multiextent -e 4 -n 8
[ "$RC" -eq 0 ] && expect "short reads 0" && expect "res 16384 x 8"

# --- 14 fsstress_mix: the seed decides everything
same_twice fsstress_mix -p 3 -n 100 -s 7
a=$(grep '^file ' "$OUT")
[ "$(echo "$a" | wc -l)" -eq 9 ] || fail "fsstress_mix: not 9 files"
run fsstress_mix -p 3 -n 100 -s 8
[ "$a" != "$(grep '^file ' "$OUT")" ] || fail "fsstress_mix: seed has no effect"

# --- 15 uring_mt: a shared ring; the timeout completes by its count
same_twice uring_mt -t 4 -n 16
[ "$RC" -eq 0 ] && expect "writes 64" && expect "timeout 0 (count reached)"

[ -z "$skipped" ] || echo "skipped:$skipped"
exit 0
