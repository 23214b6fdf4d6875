#!/bin/sh
# Traces of every engine (sync syscalls, libaio, io_uring, threads) export
# to programs that compile with -Wall -Werror and reproduce them (exit 0);
# a changed expectation makes the program exit 1.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/export/export_lib.sh"
[ -x "$MKTRACE" ] || skip "mktrace not built"

for sc in sync aio uring threads; do
	mkdir -p "$TMP/$sc.exp"
	"$MKTRACE" $sc "$TMP/$sc.iorr" "$TMP/$sc.exp" || fail "mktrace $sc"
	export_run "$TMP/$sc.iorr" $sc
	if [ "$sc" = uring ] && grep -q "io_uring_queue_init.*returned" \
			"$TMP/$sc.out"; then
		skip "io_uring unavailable here"
	fi
	[ "$rc" -eq 0 ] || { cat "$TMP/$sc.out"; fail "$sc: exit $rc"; }
	# the files are as the recording left them
	(cd "$TMP/$sc.exp" && find . -type f) | while read -r f; do
		cmp "$TMP/$sc.exp/$f" "$TMP/dir.$sc/${f#./work/}" ||
			fail "$sc: $f differs"
	done
done
grep -q "io_submit(ctx1, 2, cbs)" "$TMP/aio.c" || fail "aio: no io_submit"
grep -q "#include <libaio.h>" "$TMP/aio.c" || fail "aio: no libaio.h"
! grep -q "liburing" "$TMP/aio.c" || fail "aio: liburing included"
grep -q "io_uring_prep_write(sqe, fd3" "$TMP/uring.c" || fail "uring: no prep"
grep -q "posix_memalign" "$TMP/sync.c" || fail "sync: no aligned buffers"
grep -q "getbuf(&B, 4096, 0x200)\|getbuf(&B, 8192, 0x200)" "$TMP/sync.c" ||
	fail "sync: recorded alignment not kept"
grep -q "io_getevents returned EINTR" "$TMP/aio.c" || fail "aio: EINTR note"

# the program checks what it claims to: break one expected byte
sed 's/final_file("data.bin", 0644, w, 6000)/w[5999] ^= 1;\n&/' \
	"$TMP/sync.c" >"$TMP/bad.c"
cmp -s "$TMP/sync.c" "$TMP/bad.c" && fail "could not alter sync.c"
build "$TMP/bad.c" "$TMP/bad"
rm -rf "$TMP/dir.bad"
"$TMP/bad" "$TMP/dir.bad" >"$TMP/bad.out" 2>&1
[ $? -eq 1 ] || fail "altered expectation: not exit 1"
grep -q "DIFF final data.bin: .*byte 5999" "$TMP/bad.out" ||
	{ cat "$TMP/bad.out"; fail "altered expectation not named"; }
exit 0
