#!/bin/sh
# What export-c cannot express it refuses by name, exit 2, and writes no
# file; a trace that does not replay faithfully is refused too.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/export/export_lib.sh"
[ -x "$MKTRACE" ] || skip "mktrace not built"

mkdir -p "$TMP/racy.exp"
"$MKTRACE" racy "$TMP/racy.iorr" "$TMP/racy.exp" || fail "mktrace racy"
"$IORR" replay "$TMP/racy.iorr" >/dev/null 2>&1
if [ $? -eq 1 ]; then
	expect_exit 2 "$IORR" export-c -o "$TMP/racy.c" "$TMP/racy.iorr" \
		2>"$TMP/racy.err"
	grep -q "does not replay faithfully" "$TMP/racy.err" ||
		fail "racy: no reason"
	[ ! -e "$TMP/racy.c" ] || fail "racy: a file was written"
fi
# real workloads with calls the exporter (and replay) cannot issue yet
W=${top_builddir:-.}/tests/workloads
if [ -x "$W/posix_calls" ]; then
	mkdir -p "$TMP/w"
	(cd "$TMP/w" && "$IORR" record -o "$TMP/pc.iorr" -- "$W/posix_calls" .) \
		>/dev/null 2>&1 || skip "iorr record failed"
	expect_exit 2 "$IORR" export-c -o "$TMP/pc.c" "$TMP/pc.iorr" \
		2>"$TMP/pc.err"
	grep -q "^iorr: error: export-c: .*not supported yet" "$TMP/pc.err" ||
		{ cat "$TMP/pc.err"; fail "posix_calls: no refusal by name"; }
	[ ! -e "$TMP/pc.c" ] || fail "posix_calls: a file was written"
fi
expect_exit 2 "$IORR" export-c "$TMP/racy.iorr" 2>/dev/null
expect_exit 2 "$IORR" export-c --order free -o "$TMP/x.c" "$TMP/racy.iorr" \
	2>"$TMP/free.err"
grep -q "not supported yet" "$TMP/free.err" || fail "--order free"
"$IORR" export-c --help | grep -q "Usage: iorr export-c" || fail "--help"
exit 0
