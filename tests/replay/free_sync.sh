#!/bin/sh
# Free and seeded orders of traces with pthread synchronization finish:
# a cond_wait releases its mutex when it starts and reacquires it when it
# returns, so the lockers that ran while it waited come between (issue
# #5: this used to be a happens-before cycle and a hang).  The read after
# the wait sees the write made before the signal; an impossible recording
# whose graph has a cycle is an error (exit 2), not a hang.  (The MariaDB
# sample traces in these orders: tests/record/mariadb-traces.sh; fio:
# tests/replay/programs.sh.)
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

# run_ok NAME TRACE ORDER...: the replay finishes with 0 divergences.
run_ok() {
	name=$1
	tr=$2
	shift 2
	timeout 120 "$IORR" replay "$@" "$tr" >"$TMP/out" 2>&1
	st=$?
	[ $st -eq 0 ] || { tail -5 "$TMP/out" >&2; fail "$name $*: exit $st"; }
	grep -q '^OK: .*: 0 divergences' "$TMP/out" ||
		{ tail -5 "$TMP/out" >&2; fail "$name $*: not 0 divergences"; }
}

mk condvar
for o in "--order free" "--order free --flip-conflicts" \
	"--order random --seed 1" "--order random --seed 2" \
	"--order random --seed 3" "--order pct:2 --seed 1"; do
	# shellcheck disable=SC2086
	run_ok condvar "$TMP/condvar.iorr" $o
done

mk hbcycle
timeout 60 "$IORR" replay --order free "$TMP/hbcycle.iorr" >"$TMP/cy.out" 2>&1
st=$?
[ $st -eq 2 ] || { cat "$TMP/cy.out" >&2; fail "hbcycle: exit $st, expected 2"; }
grep -q '^iorr: error: replay: happens-before cycle at seq 2 (mutex_lock' \
	"$TMP/cy.out" || { cat "$TMP/cy.out" >&2; fail "hbcycle: no cycle error"; }

exit 0
