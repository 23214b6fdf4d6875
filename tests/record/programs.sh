#!/bin/sh
# Real programs, recorded: results identical to a run without iorr, and
# the trace holds their I/O.  cp, tar (create and extract), sqlite3 in WAL
# mode, fio with verification.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
cd "$TMP" || exit 99
random_files src

# cp
rec cp.iorr -- cp -r src cp-out
[ "$rc" -eq 0 ] || fail "cp: status $rc"
diff -r src cp-out || fail "cp: copy differs"
expect_count cp.iorr ' (open|openat)\(.*path="[^"]*/cp-out/f[0-9]+", flags=O_WRONLY\|O_CREAT' 20

# tar create and extract
if command -v tar >/dev/null 2>&1; then
	rec tar.iorr -- tar cf a.tar src
	[ "$rc" -eq 0 ] || fail "tar c: status $rc"
	tar cf b.tar src
	cmp a.tar b.tar || fail "tar c: archives differ"
	expect_some tar.iorr ' write\(fd=[0-9]+, len=10240'
	mkdir x
	rec tarx.iorr -- tar xf a.tar -C x
	[ "$rc" -eq 0 ] || fail "tar x: status $rc"
	diff -r src x/src || fail "tar x: files differ"
	expect_some tarx.iorr ' read\(fd=[0-9]+, len=10240,.*hash=[0-9a-f]+\) = 10240'
	expect_count tarx.iorr ' openat\(.*/x/src/f[0-9]+", flags=O_WRONLY\|O_CREAT\|O_EXCL' 20
fi

# sqlite3: a few thousand inserts in WAL mode
if command -v sqlite3 >/dev/null 2>&1; then
	cat >sql <<'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3000)
INSERT INTO t(b) SELECT hex(randomblob(40)) FROM c;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<2000)
INSERT INTO t(b) SELECT 'row ' || x FROM c;
COMMIT;
PRAGMA integrity_check;
SELECT count(*) FROM t;
SQL
	rec sqlite.iorr -- sqlite3 db.sqlite <sql
	[ "$rc" -eq 0 ] || fail "sqlite3: status $rc"
	printf 'wal\nok\n5000\n' | cmp - rec.out || { cat rec.out; fail "sqlite3: output"; }
	expect_some sqlite.iorr ' pwrite\(fd=[0-9]+, len=[0-9]+, off=[0-9]+, .*db.sqlite|pwrite\('
	expect_some sqlite.iorr 'open.*db\.sqlite-wal'
	expect_some sqlite.iorr ' fcntl_lock\('
	expect_some sqlite.iorr ' mmap\(.*MAP_SHARED'
	echo 'PRAGMA integrity_check;' | sqlite3 db.sqlite | grep -qx ok ||
		fail "sqlite3: database damaged"
fi

# fio psync with verification
if command -v fio >/dev/null 2>&1; then
	rec fio.iorr -- fio --name=v --filename=fio.dat --size=2M --bs=4k \
		--rw=randwrite --ioengine=psync --verify=crc32c \
		--do_verify=1 --randrepeat=1 --output=fio.out
	[ "$rc" -eq 0 ] || { cat fio.out; fail "fio: status $rc"; }
	grep -q 'err= 0' fio.out || fail "fio: verify errors"
	expect_count fio.iorr ' pwrite\(fd=[0-9]+, len=4096,.* = 4096' 512
	expect_count fio.iorr ' pread\(fd=[0-9]+, len=4096,.*hash=[0-9a-f]+\) = 4096' 512
fi
exit 0
