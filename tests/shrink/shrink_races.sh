#!/bin/sh
# iorr shrink reduces racy traces from mkhunt (an unlocked counter, two
# writers of overlapping ranges) to a few ops that diverge the same way
# under the same options; a trace that does not diverge exits 1.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/shrink/shrink_lib.sh"
[ -x "$MKHUNT" ] || skip "mkhunt not built"

"$MKHUNT" counter "$TMP/counter.iorr" 20 || fail "mkhunt counter"
"$MKHUNT" overlap "$TMP/overlap.iorr" || fail "mkhunt overlap"
for order in pct:2 random; do
	"$IORR" shrink --order $order --seed 3 -o "$TMP/c.min" \
		"$TMP/counter.iorr" >"$TMP/c.out" 2>"$TMP/c.err" ||
		{ cat "$TMP/c.out" "$TMP/c.err"; fail "counter $order: exit $?"; }
	check_shrunk "$TMP/c.out" "$TMP/c.min" 20
	grep -q "^divergence: read, order-dependent, /work/counter" \
		"$TMP/c.out" || fail "counter $order: not the counter's read"
	"$IORR" replay "$TMP/c.min" >/dev/null ||
		fail "counter $order: shrunk trace fails in recorded order"
done
"$IORR" shrink --order pct:2 -o "$TMP/o.min" "$TMP/overlap.iorr" \
	>"$TMP/o.out" 2>&1 || { cat "$TMP/o.out"; fail "overlap: exit $?"; }
check_shrunk "$TMP/o.out" "$TMP/o.min" 20
grep -q "^divergence: final, order-dependent, /work/out" "$TMP/o.out" ||
	fail "overlap: not the final state of /work/out"
"$IORR" dump "$TMP/o.min" | grep -c "pwrite(fd=3, len=8192" | grep -q 2 ||
	fail "overlap: the two pwrites are not both kept"

# nothing to shrink: exit 1 and say so
"$MKHUNT" counter_mutex "$TMP/cm.iorr" || fail "mkhunt counter_mutex"
"$IORR" shrink --order pct:2 -o "$TMP/cm.min" "$TMP/cm.iorr" \
	>"$TMP/cm.out" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/cm.out"; fail "no divergence: exit $rc"; }
grep -q "does not diverge" "$TMP/cm.out" || fail "no divergence: not said"
[ ! -e "$TMP/cm.min" ] || fail "no divergence: MIN written"

# usage errors
expect_exit 2 "$IORR" shrink "$TMP/counter.iorr"
expect_exit 2 "$IORR" shrink -o "$TMP/x" --tries 0 "$TMP/counter.iorr"
expect_exit 2 "$IORR" shrink -o "$TMP/x" "$TMP/missing.iorr"
"$IORR" shrink --help | grep -q "^Usage: iorr shrink" || fail "--help"
exit 0
