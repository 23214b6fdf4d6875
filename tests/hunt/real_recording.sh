#!/bin/sh
# Real recordings: tests/workloads/counter_race recorded by iorr record;
# the unlocked run is a race iorr hunt finds, the mutex and flock runs
# never diverge.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

record_counter_race racy 50
"$IORR" replay "$TMP/racy.iorr" >"$TMP/f.out" 2>&1 ||
	{ cat "$TMP/f.out"; skip "the recording does not replay faithfully"; }
"$IORR" hunt --jobs 2 --runs 50 "$TMP/racy.iorr" >"$TMP/h.out" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/h.out"; fail "racy recording: exit $rc"; }
for v in -l -f; do
	record_counter_race locked$v 50 $v
	"$IORR" hunt --jobs 2 --runs 500 "$TMP/locked$v.iorr" >"$TMP/h.out" 2>&1 ||
		{ cat "$TMP/h.out"; fail "counter_race $v diverged"; }
done
exit 0
