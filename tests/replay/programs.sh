#!/bin/sh
# Real programs, recorded and replayed with zero divergences: every result,
# every read and the final state of every file they touched (content,
# size, mode) as recorded.  cp -r, sqlite3 (WAL), tar c and tar x (files of modes 0600,
# 0755 and 0640, set by tar's fchmod/chmod under its umask) in recorded and
# free order; fio psync and libaio with crc32c verification in recorded,
# free and a seeded random order (fio's cond_waits: issue #5).
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

[ -f "${IORR_PRELOAD:-}" ] || skip "the recorder is not built"
need_prog timeout
cd "$TMP" || exit 99
random_files src

# replay NAME ORDER...: replay $TMP/NAME.iorr in each order, 0 divergences
replay() {
	name=$1
	shift
	for order in "$@"; do
		timeout 300 "$IORR" replay --order "$order" "$TMP/$name.iorr" \
			>"$TMP/o" 2>&1
		rc=$?
		[ $rc -eq 0 ] ||
			{ cat "$TMP/o"; fail "$name, --order $order: exit $rc"; }
		grep -q ' 0 divergences' "$TMP/o" || fail "$name: no verdict"
	done
}

# record NAME CMD...: record CMD into $TMP/NAME.iorr, which must succeed
record() {
	name=$1
	shift
	"$IORR" record -o "$TMP/$name.iorr" -- "$@" >"$TMP/$name.out" 2>&1 ||
		{ cat "$TMP/$name.out"; fail "$name: record"; }
}

record cp cp -r src cp-out
diff -r src cp-out || fail "cp: copy differs"
replay cp recorded free

if command -v tar >/dev/null 2>&1; then
	record tar tar cf a.tar src
	replay tar recorded free
	# tar x: modes from the archive, the umask, fchmod/chmod; as root
	# tar also sets owners (fchown) and times (utimensat/futimens)
	mkdir modes
	for m in 600 755 640; do
		echo "mode $m" >modes/m$m
		chmod $m modes/m$m
	done
	tar cf m.tar modes
	rm -rf modes
	mkdir x-out
	(umask 022; record tarx tar xpf m.tar -C x-out) || exit 1
	for m in 600 755 640; do
		got=$(stat -c %a x-out/modes/m$m)
		[ "$got" = $m ] || fail "tar x: m$m extracted with mode $got"
	done
	"$IORR" dump "$TMP/tarx.iorr" >"$TMP/tarx.dump"
	grep -qE ' (fchmod|chmod|fchmodat)\(' "$TMP/tarx.dump" ||
		fail "tar x: no chmod recorded"
	# replayed under a umask that would give other modes: the replay
	# uses the recorded one
	(umask 077; replay tarx recorded free) || exit 1
fi

if command -v sqlite3 >/dev/null 2>&1; then
	# WAL mode: the -shm file is a shared mapping (mmap_write at msync and
	# munmap), fcntl locks on the database and the -shm file
	{
		echo "pragma journal_mode=wal; create table t(a, b); begin;"
		for i in $(seq 1 500); do echo "insert into t values($i, 'row $i');"; done
		echo "commit; update t set b = 'x' where a % 7 = 0;"
		echo "delete from t where a % 11 = 0; select count(*) from t;"
	} >sql
	record sqlite sqlite3 db.sqlite ".read sql"
	grep -q '^455$' "$TMP/sqlite.out" || fail "sqlite3: wrong count"
	replay sqlite recorded free
fi

if command -v fio >/dev/null 2>&1; then
	record fio-psync fio --name=v --filename=fio.dat --size=2M --bs=4k \
		--rw=randwrite --ioengine=psync --verify=crc32c \
		--do_verify=1 --randrepeat=1 --output=fio.out
	grep -q 'err= 0' fio.out || fail "fio psync: verify errors"
	replay fio-psync recorded free random
	if fio --enghelp 2>/dev/null | grep -qw libaio; then
		record fio-libaio fio --name=v --filename=fio2.dat --size=2M \
			--bs=4k --rw=randwrite --ioengine=libaio --iodepth=8 \
			--direct=1 --verify=crc32c --do_verify=1 \
			--randrepeat=1 --output=fio2.out
		grep -q 'err= 0' fio2.out || fail "fio libaio: verify errors"
		replay fio-libaio recorded free random
	fi
fi
exit 0
