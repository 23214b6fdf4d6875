#!/bin/sh
# iorr record exits with the workload's status, 128+N when it was killed
# by signal N, and 2 for its own usage errors.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
rec "$TMP/a.iorr" -- sh -c 'exit 7'
[ "$rc" -eq 7 ] || fail "exit 7 gave $rc"
rec "$TMP/b.iorr" -- sh -c 'kill -TERM $$'
[ "$rc" -eq 143 ] || fail "SIGTERM gave $rc"
"$IORR" record -o "$TMP/c.iorr" -- /nonexistent/prog 2>"$TMP/err"
[ $? -eq 127 ] || fail "missing program: not 127"
grep -q 'iorr: error: /nonexistent/prog' "$TMP/err" || fail "no error message"
expect_exit 2 "$IORR" record -- true 2>/dev/null
expect_exit 2 "$IORR" record -o "$TMP/d.iorr" --data=bogus -- true 2>/dev/null
expect_exit 0 "$IORR" record --help >/dev/null
# the trace of an empty run is valid and has the process
rec "$TMP/e.iorr" -- true
[ "$rc" -eq 0 ] || fail "true gave $rc"
expect_count "$TMP/e.iorr" ' proc_start\(' 1
expect_count "$TMP/e.iorr" ' proc_exit\(status=0\)' 1
exit 0
