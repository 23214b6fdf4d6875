#!/bin/sh
# The timeline of the two-thread counter race (tests/timeline/counter-race.json) opens
# in a browser with a lane per thread, a bar per op, the file's byte
# ranges and the twelve unordered conflicting pairs linked; a hand-written
# replay report's divergent read and its expected and actual writers are
# highlighted.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/timeline/timeline_lib.sh"

"$IORR" import -o "$TMP/counter-race.iorr" "$top_srcdir/tests/timeline/counter-race.json" ||
	fail "import"
"$IORR" timeline -o "$TMP/c.html" \
	--replay-report "$top_srcdir/tests/timeline/counter-race.report.json" \
	"$TMP/counter-race.iorr" || fail "timeline"

# Self-contained: nothing from the network, the data escaped for <script>.
grep -qE '(src|href)="(https?:)?//' "$TMP/c.html" &&
	fail "loads from the network"
[ "$(grep -c '</script>' "$TMP/c.html")" -eq 4 ] || fail "script tags"

need_chromium
html=$(dom "$TMP/c.html") || fail "chromium --dump-dom failed"
[ "$(body_attr "$html" ready)" = 1 ] || fail "the page's script did not run"
[ "$(body_attr "$html" lanes)" = 2 ] || fail "lanes: $(body_attr "$html" lanes)"
[ "$(body_attr "$html" mode)" = detail ] || fail "not in detail mode"
[ "$(body_attr "$html" bars)" = 15 ] || fail "bars: $(body_attr "$html" bars)"
[ "$(count "$html" '<rect class="bar ')" = 15 ] || fail "bar elements"
[ "$(count "$html" '<rect class="acc (read|write)')" = 8 ] ||
	fail "file accesses: $(count "$html" '<rect class="acc ')"
[ "$(body_attr "$html" conflicts)" = 12 ] ||
	fail "conflicts: $(body_attr "$html" conflicts)"
[ "$(count "$html" 'class="conflict overlapped"')" = 1 ] ||
	fail "the concurrent pair (seq 6, 7)"
# seq 10 is bar 9 in time order; 9 is bar 8, 7 is bar 6
has() {
	printf '%s\n' "$html" | grep -q "$1"
}
has '<rect class="bar read divergent" data-p="9"' ||
	fail "divergent read not highlighted"
has '<rect class="bar write expected-writer" data-p="8"' ||
	fail "expected writer not highlighted"
has '<rect class="bar write actual-writer" data-p="6"' ||
	fail "actual writer (inferred) not highlighted"
has 'actual writer: seq 7 (inferred' ||
	fail "actual writer not named"

# A part of the trace by its URL fragment.
html=$(dom "$TMP/c.html" view=59000,72000) || fail "chromium failed"
[ "$(body_attr "$html" bars)" = 4 ] ||
	fail "bars in 59..72 us: $(body_attr "$html" bars)"
screenshot "$TMP/c.html" counter-race view=52000,112000
exit 0
