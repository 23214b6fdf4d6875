#!/bin/sh
# With correct locking (recorded pthread mutexes, or flock) a long hunt
# never diverges: the happens-before edges of the locks keep every
# conflicting pair in its recorded order.  A trace recorded without
# pthread synchronization keeps the recorded order of conflicting ops
# under the seeded orders, and says so.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

for wl in counter_mutex counter_flock overlap_mutex; do
	mk $wl
	for order in random pct:3; do
		"$IORR" hunt --jobs 2 --runs 2000 --order $order \
			"$TMP/$wl.iorr" >"$TMP/h.out" 2>&1 ||
			{ cat "$TMP/h.out"; fail "$wl $order diverged"; }
		grep -q "OK: 2000 runs" "$TMP/h.out" || fail "$wl: not 2000 runs"
	done
	"$IORR" hunt --jobs 2 --runs 200 --order free --jitter uniform:0-20us \
		"$TMP/$wl.iorr" >"$TMP/h.out" 2>&1 ||
		{ cat "$TMP/h.out"; fail "$wl free diverged"; }
done
mk counter_basic
"$IORR" hunt --jobs 2 --runs 300 "$TMP/counter_basic.iorr" >/dev/null ||
	fail "counter_basic: a --sync=basic trace was reordered"
"$IORR" replay --order random --seed 3 "$TMP/counter_basic.iorr" \
	>"$TMP/b.out" || fail "counter_basic replay"
grep -q "^note: the trace was recorded without pthread synchronization" \
	"$TMP/b.out" || fail "counter_basic: no note"
expect_exit 1 "$IORR" hunt --jobs 1 --runs 40 --flip-conflicts \
	"$TMP/counter_basic.iorr" >/dev/null
exit 0
