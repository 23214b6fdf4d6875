#!/bin/sh
# An exported program run under the fault shim (a short read, a zeroed
# page) exits 1 and names the read the shim broke.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/export/export_lib.sh"
[ -x "$MKTRACE" ] || skip "mktrace not built"
[ -f "$FAULT_SHIM" ] || skip "fault shim not built"
mkdir -p "$TMP/sync.exp"
"$MKTRACE" sync "$TMP/sync.iorr" "$TMP/sync.exp" || fail "mktrace sync"
export_run "$TMP/sync.iorr" sync
[ "$rc" -eq 0 ] || { cat "$TMP/sync.out"; fail "unfaulted run: exit $rc"; }
# seq 4 of the sync scenario is pread(len=8192, off=0)
for mode in short zero; do
	rm -rf "$TMP/d.$mode"
	LD_PRELOAD="$FAULT_SHIM" IORR_FAULT_OFF=0 IORR_FAULT_LEN=8192 \
		IORR_FAULT=$mode "$TMP/sync" "$TMP/d.$mode" >"$TMP/$mode.out" 2>&1
	got=$?
	[ $got -eq 1 ] || { cat "$TMP/$mode.out"; fail "$mode: exit $got"; }
	grep -q "^DIFF seq 4 " "$TMP/$mode.out" ||
		{ cat "$TMP/$mode.out"; fail "$mode: seq 4 not named"; }
done
grep -q "returned 4096 , recorded 8192" "$TMP/short.out" ||
	fail "short: result not shown"
grep -q "read of data.bin at 0: byte 0 is 0x00" "$TMP/zero.out" ||
	fail "zero: first differing byte not shown"
exit 0
