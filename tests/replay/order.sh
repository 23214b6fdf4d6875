#!/bin/sh
# A read that raced a write in the recording is an order-dependent
# divergence in recorded order; free order and the timing modes replay the
# faithful scenarios cleanly.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

mk racy
"$IORR" replay "$TMP/racy.iorr" >"$TMP/r.out"
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/r.out"; fail "racy: exit $rc, expected 1"; }
grep -q "order-dependent outcome: read of /work/shared" "$TMP/r.out" ||
	fail "racy: not order-dependent"

for sc in sync aio uring threads; do
	mk $sc
	expect_exit 0 "$IORR" replay --order free "$TMP/$sc.iorr" >/dev/null
	expect_exit 0 "$IORR" replay --timing scale:0.5 "$TMP/$sc.iorr" \
		>/dev/null
done
"$IORR" replay --timing recorded "$TMP/threads.iorr" >"$TMP/t.out" ||
	fail "recorded timing"
grep -q "^timing: issue skew p50" "$TMP/t.out" || fail "no skew line"
exit 0
