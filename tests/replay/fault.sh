#!/bin/sh
# A filesystem that returns zeros (or a short read) for one pread is
# reported as an impossible outcome naming the read and the write that
# should have produced the bytes; exit 1.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

[ -f "$FAULT_SHIM" ] || skip "fault shim not built ($FAULT_SHIM)"
mk sync
IORR_FAULT_OFF=4096 IORR_FAULT_LEN=4096 IORR_FAULT=zero \
	LD_PRELOAD="$FAULT_SHIM" "$IORR" replay "$TMP/sync.iorr" >"$TMP/z.out"
rc=$?
cat "$TMP/z.out"
[ $rc -eq 1 ] || fail "zero page: exit $rc, expected 1"
grep -q "^divergence 1: impossible outcome: read of /work/data.bin bytes 4096..8191" \
	"$TMP/z.out" || fail "zero page: wrong divergence"
grep -q "zeros where a completed write put data" "$TMP/z.out" ||
	fail "zero page: not explained"
grep -q "observed: .* 5 .*pread(fd=3, len=4096, off=4096" "$TMP/z.out" ||
	fail "zero page: wrong observed op"
grep -q "expected bytes from: .* 3 .*pwrite(fd=3, len=4096, off=4096" \
	"$TMP/z.out" || fail "zero page: wrong writer"
grep -q "^reproduce: iorr replay " "$TMP/z.out" || fail "no command line"

IORR_FAULT_OFF=4096 IORR_FAULT_LEN=4096 IORR_FAULT=short \
	LD_PRELOAD="$FAULT_SHIM" "$IORR" replay --json "$TMP/sync.iorr" \
	>"$TMP/s.json"
rc=$?
[ $rc -eq 1 ] || fail "short read: exit $rc, expected 1"
grep -q '"class": "impossible"' "$TMP/s.json" || fail "short: class"
grep -q "short read inside the file's size" "$TMP/s.json" ||
	fail "short: not explained"
grep -q '"seq": 5' "$TMP/s.json" || fail "short: wrong seq"
exit 0
