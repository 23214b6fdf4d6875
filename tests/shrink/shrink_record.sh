#!/bin/sh
# A real recording: tests/workloads/counter_race (2 threads, unlocked
# read-modify-write) recorded by iorr record shrinks to at most 20 ops
# that still diverge the same way.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/shrink/shrink_lib.sh"

record_counter_race racy 50
"$IORR" replay "$TMP/racy.iorr" >/dev/null 2>&1 ||
	skip "the recording does not replay faithfully"
"$IORR" shrink --order random --seed 0 --tries 16 -o "$TMP/racy.min" \
	"$TMP/racy.iorr" >"$TMP/s.out" 2>"$TMP/s.err" ||
	{ cat "$TMP/s.out" "$TMP/s.err"; fail "shrink: exit $?"; }
cat "$TMP/s.out"
check_shrunk "$TMP/s.out" "$TMP/racy.min" 20
"$IORR" replay "$TMP/racy.min" >/dev/null ||
	fail "shrunk trace fails in recorded order"
"$IORR" json "$TMP/racy.min" | grep -q '"shrunk"' || fail "no shrunk note"
exit 0
