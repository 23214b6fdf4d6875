#!/bin/sh
# An injected fault (the fault shim zeroes one pread of the replayer) is
# shrunk to the read, the write that should have produced its bytes and
# the open they use; the shrunk trace shows the same impossible outcome.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/shrink/shrink_lib.sh"
[ -x "$MKTRACE" ] || skip "mktrace not built"
[ -f "$FAULT_SHIM" ] || skip "fault shim not built ($FAULT_SHIM)"

make_trace sync
for mode in zero short; do
	IORR_FAULT_OFF=4096 IORR_FAULT_LEN=4096 IORR_FAULT=$mode \
		LD_PRELOAD="$FAULT_SHIM" "$IORR" shrink -o "$TMP/$mode.min" \
		"$TMP/sync.iorr" >"$TMP/$mode.out" 2>&1 ||
		{ cat "$TMP/$mode.out"; fail "$mode: exit $?"; }
	n=$(nops "$TMP/$mode.min")
	[ "$n" -le 5 ] || fail "$mode: $n ops left"
	grep -q "^divergence: [a-z]*, impossible, /work/data.bin, seq 5" \
		"$TMP/$mode.out" || fail "$mode: not the impossible read"
	IORR_FAULT_OFF=4096 IORR_FAULT_LEN=4096 IORR_FAULT=$mode \
		LD_PRELOAD="$FAULT_SHIM" "$IORR" replay "$TMP/$mode.min" \
		>"$TMP/$mode.r"
	[ $? -eq 1 ] || fail "$mode: shrunk trace does not diverge"
	grep -q "^divergence 1: impossible outcome: .* /work/data.bin" \
		"$TMP/$mode.r" || fail "$mode: other divergence"
	"$IORR" replay "$TMP/$mode.min" >/dev/null ||
		fail "$mode: shrunk trace fails without the fault"
done
grep -q "pwrite(fd=3, len=4096, off=4096" "$TMP/zero.r" ||
	fail "the writer is not named"
# without the fault nothing diverges: exit 1
"$IORR" shrink -o "$TMP/none.min" "$TMP/sync.iorr" >"$TMP/none.out" 2>&1
[ $? -eq 1 ] || fail "no fault: exit not 1"
exit 0
