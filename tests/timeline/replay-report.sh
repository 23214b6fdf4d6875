#!/bin/sh
# A real `iorr replay --json` report (a filesystem that returns zeros for
# one read, made by the replay tests' fault shim) is drawn on the trace's
# timeline: the divergent read and the write whose bytes it lacked are
# highlighted and named.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/timeline/timeline_lib.sh"

MKTRACE=${top_builddir:-.}/tests/replay/mktrace
FAULT_SHIM=${top_builddir:-.}/tests/replay/.libs/fault_shim.so
[ -x "$MKTRACE" ] || skip "mktrace not built ($MKTRACE)"
[ -f "$FAULT_SHIM" ] || skip "fault shim not built ($FAULT_SHIM)"

mkdir -p "$TMP/exp"
"$MKTRACE" sync "$TMP/sync.iorr" "$TMP/exp" || fail "mktrace sync"
IORR_FAULT_OFF=4096 IORR_FAULT_LEN=4096 IORR_FAULT=zero \
	LD_PRELOAD="$FAULT_SHIM" "$IORR" replay --json "$TMP/sync.iorr" \
	>"$TMP/report.json"
[ $? -eq 1 ] || fail "the faulty replay did not diverge"
grep -q '"seq": 5' "$TMP/report.json" || fail "unexpected report"
grep -q '"writer_seq": 3' "$TMP/report.json" || fail "unexpected report"

"$IORR" timeline --replay-report "$TMP/report.json" -o "$TMP/r.html" \
	"$TMP/sync.iorr" || fail "timeline"
need_chromium
html=$(dom "$TMP/r.html") || fail "chromium --dump-dom failed"
[ "$(body_attr "$html" ready)" = 1 ] || fail "the page's script did not run"
[ "$(body_attr "$html" divergent)" = 1 ] || fail "no divergent bar"
[ "$(count "$html" '<rect class="bar [a-z]+ divergent"')" = 1 ] ||
	fail "divergent bar"
[ "$(count "$html" '<rect class="bar write expected-writer"')" = 1 ] ||
	fail "expected writer bar"
printf '%s\n' "$html" | grep -q 'op: seq 5' || fail "divergent op not named"
printf '%s\n' "$html" | grep -q 'expected writer: seq 3' ||
	fail "expected writer not named"
printf '%s\n' "$html" | grep -q 'class="verdict diverged"' ||
	fail "verdict not shown"
screenshot "$TMP/r.html" replay-report
exit 0
