#!/bin/sh
# A filesystem that returns a short read only while a write to the same
# range runs in another thread (the overlap shim) is found by a free-order
# hunt with jitter and reported as an impossible outcome naming both ops.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

[ -f "$OVERLAP_SHIM" ] || skip "overlap shim not built ($OVERLAP_SHIM)"
mk overlap_rw
# without the shim no order changes a result
"$IORR" hunt --jobs 2 --runs 200 --order free --jitter uniform:0-2ms \
	"$TMP/overlap_rw.iorr" >/dev/null || fail "clean run diverged"
IORR_SHIM_WOFF=0 IORR_SHIM_WLEN=4096 IORR_SHIM_ROFF=0 IORR_SHIM_RLEN=8192 \
IORR_SHIM_SLEEP_US=3000 LD_PRELOAD="$OVERLAP_SHIM" \
	"$IORR" hunt --jobs 2 --runs 300 --order free --jitter uniform:0-4ms \
	"$TMP/overlap_rw.iorr" >"$TMP/f.out"
rc=$?
cat "$TMP/f.out"
[ $rc -eq 1 ] || fail "exit $rc, expected 1"
grep -q "^divergence 1: impossible outcome: result of /work/data" \
	"$TMP/f.out" || fail "not an impossible outcome"
grep -q "short read inside the file's size (8192)" "$TMP/f.out" ||
	fail "not explained as a short read"
grep -q "observed: .* 5 .*pread(fd=3, len=8192, off=0" "$TMP/f.out" ||
	fail "wrong observed op"
grep -q "ran at the same time as: .* 4 .*pwrite(fd=3, len=4096, off=0" \
	"$TMP/f.out" || fail "the racing pwrite is not named"
exit 0
