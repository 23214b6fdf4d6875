#!/bin/sh
# An unlocked read-modify-write counter and two unsynchronized writers of
# overlapping ranges are found by iorr hunt within a few runs under every
# seeded order, reported as order-dependent outcomes naming the
# conflicting pair, with a command that reproduces them.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

mk counter
mk overlap
for wl in counter overlap; do
	for order in random pct:2 pct:3 "free --jitter exp:20us"; do
		# shellcheck disable=SC2086
		"$IORR" hunt --jobs 2 --runs 40 --order $order \
			"$TMP/$wl.iorr" >"$TMP/h.out" 2>"$TMP/h.err"
		rc=$?
		[ $rc -eq 1 ] || { cat "$TMP/h.out" "$TMP/h.err"
			fail "$wl $order: exit $rc, expected 1"; }
		grep -q "order-dependent outcome" "$TMP/h.out" ||
			fail "$wl $order: no order-dependent outcome"
		grep -q "^reproduce: iorr replay --order " "$TMP/h.out" ||
			fail "$wl $order: no reproducing command"
		runs=$(sed -n 's/^hunt: .*DIVERGED: \([0-9]*\) run.*/\1/p' \
			"$TMP/h.out")
		[ -n "$runs" ] || fail "$wl $order: no summary"
	done
done

# The counter's pair: a pwrite of one thread and a pread of the other.
"$IORR" hunt --jobs 1 --runs 40 --order random "$TMP/counter.iorr" \
	>"$TMP/c.out"
grep -A2 "conflicting pair" "$TMP/c.out" | grep -q "pwrite(fd=3, len=8, off=0" ||
	fail "counter: pair does not name the pwrite"
grep -A2 "conflicting pair" "$TMP/c.out" | grep -q "pread(fd=3, len=8, off=0" ||
	fail "counter: pair does not name the pread"
grep -q "^  recorded order: seq [0-9]* before seq [0-9]*; this replay" \
	"$TMP/c.out" || fail "counter: the two orders are not given"

# The reproducing command reproduces it, with the same schedule.
cmd=$(sed -n 's/^reproduce: iorr //p' "$TMP/c.out" | head -1)
want=$(sed -n 's/^== seed [0-9]* (schedule \([0-9a-f]*\)) ==/\1/p' \
	"$TMP/c.out" | head -1)
(cd "$TMP" && eval "\"\$IORR\" $cmd") >"$TMP/r.out"
[ $? -eq 1 ] || fail "reproduce: did not diverge"
[ "$(hash_of "$TMP/r.out")" = "$want" ] || fail "reproduce: other schedule"

# The overlapping writers diverge in the final state, naming both writes.
"$IORR" hunt --jobs 1 --runs 40 --order pct:2 "$TMP/overlap.iorr" \
	>"$TMP/o.out"
grep -q "order-dependent outcome: final of /work/out" "$TMP/o.out" ||
	fail "overlap: not a final-state divergence"
grep -A2 "conflicting pair" "$TMP/o.out" | grep -c "pwrite(fd=3, len=8192" |
	grep -q 2 || fail "overlap: pair is not the two pwrites"

# Median runs to find the counter race over 9 hunts of random order.
for s in 0 100 200 300 400 500 600 700 800; do
	"$IORR" hunt --jobs 1 --runs 50 --seed-start $s --order random \
		"$TMP/counter.iorr" |
		sed -n 's/^== seed \([0-9]*\) .*/\1/p' | head -1 |
		awk -v s=$s '{ print $1 - s + 1 }'
done | sort -n | sed -n 5p >"$TMP/median"
[ "$(cat "$TMP/median")" -le 5 ] ||
	fail "counter: median runs to find it $(cat "$TMP/median") > 5"
exit 0
