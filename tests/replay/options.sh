#!/bin/sh
# Usage errors and options that are not there yet exit 2; a trace with
# files whose initial content is missing needs --allow-missing-initial.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

mk missing
expect_exit 2 "$IORR" replay 2>/dev/null
expect_exit 2 "$IORR" replay --order bogus "$TMP/missing.iorr" 2>/dev/null
expect_exit 2 "$IORR" replay --order pct:3 "$TMP/missing.iorr" 2>/dev/null
expect_exit 2 "$IORR" replay --seed 7 "$TMP/missing.iorr" 2>/dev/null
expect_exit 2 "$IORR" replay --timing scale:0 "$TMP/missing.iorr" 2>/dev/null
expect_exit 2 "$IORR" replay "$TMP/nonexistent.iorr" 2>/dev/null
"$IORR" replay "$TMP/missing.iorr" 2>"$TMP/e"
[ $? -eq 2 ] || fail "missing initial content accepted"
grep -q "lacks the initial content of /work/unknown" "$TMP/e" ||
	fail "missing: wrong message"
# allowed: the file does not exist in the sandbox, the open diverges
expect_exit 1 "$IORR" replay --allow-missing-initial "$TMP/missing.iorr" \
	>/dev/null
expect_exit 0 "$IORR" replay --help >/dev/null
exit 0
