#!/bin/sh
# iorr dump --conflicts lists the pairs of conflicting ops that no
# happens-before edge orders, with files and byte ranges; locks remove them.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

mk overlap
"$IORR" dump --conflicts "$TMP/overlap.iorr" >"$TMP/o.out" ||
	fail "dump --conflicts"
grep -q "^conflict 1: /work/out, overlapped in time" "$TMP/o.out" ||
	fail "overlap: no conflict on /work/out"
grep -q "writes bytes 0..8191: .* pwrite(fd=3, len=8192, off=0," \
	"$TMP/o.out" || fail "overlap: first range"
grep -q "writes bytes 4096..12287: .* pwrite(fd=3, len=8192, off=4096," \
	"$TMP/o.out" || fail "overlap: second range"
grep -q "^1 candidate race " "$TMP/o.out" || fail "overlap: count"
"$IORR" dump --conflicts --json "$TMP/overlap.iorr" >"$TMP/o.json"
grep -q '"file":"/work/out"' "$TMP/o.json" || fail "json: file"
grep -q '"off":4096,"end":12288' "$TMP/o.json" || fail "json: range"

mk counter 3
"$IORR" dump --conflicts "$TMP/counter.iorr" >"$TMP/c.out"
# 3 iterations x 2 threads: every cross-thread pair of pread/pwrite, minus
# read/read pairs: 6 pwrites x 6 pwrites + reads ... at least the 9
# pwrite/pwrite pairs across threads.
n=$(sed -n 's/^\([0-9]*\) candidate races.*/\1/p' "$TMP/c.out")
[ "${n:-0}" -ge 9 ] || fail "counter: $n races"
"$IORR" dump --conflicts --max-pairs 2 "$TMP/counter.iorr" >"$TMP/m.out"
[ "$(grep -c '^conflict ' "$TMP/m.out")" -eq 2 ] || fail "--max-pairs"
grep -q "listing cut at --max-pairs" "$TMP/m.out" || fail "cut not said"

for wl in counter_mutex counter_flock overlap_mutex; do
	mk $wl
	"$IORR" dump --conflicts "$TMP/$wl.iorr" >"$TMP/l.out"
	grep -q "^0 candidate races" "$TMP/l.out" ||
		fail "$wl: locked ops reported as races"
done
# plain dump unchanged
"$IORR" dump "$TMP/overlap.iorr" | grep -q "pwrite(fd=3, len=8192, off=4096" ||
	fail "plain dump"
expect_exit 2 "$IORR" dump --conflicts --max-pairs x "$TMP/overlap.iorr"
exit 0
