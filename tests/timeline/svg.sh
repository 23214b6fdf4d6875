#!/bin/sh
# --svg writes a static image of the whole trace: well-formed XML with no
# script, a lane per thread, a bar per op (each titled with its dump
# line), the file's accesses, the conflict links and the highlights.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/timeline/timeline_lib.sh"

"$IORR" import -o "$TMP/c.iorr" "$top_srcdir/tests/timeline/counter-race.json" ||
	fail "import"
"$IORR" timeline --svg \
	--replay-report "$top_srcdir/tests/timeline/counter-race.report.json" \
	"$TMP/c.iorr" || fail "timeline --svg"
svg=$TMP/c.svg
[ -s "$svg" ] || fail "no $svg (the default output name)"
head -c 200 "$svg" | grep -q '<svg xmlns="http://www.w3.org/2000/svg"' ||
	fail "not SVG"
grep -q '<script' "$svg" && fail "script in the static SVG"
[ "$(grep -c '<rect class="bar ' "$svg")" -eq 15 ] || fail "bars"
[ "$(grep -c '<rect class="lane"' "$svg")" -eq 2 ] || fail "lanes"
[ "$(grep -c '<rect class="acc ' "$svg")" -eq 8 ] || fail "accesses"
[ "$(grep -c '<path class="conflict' "$svg")" -eq 12 ] || fail "links"
grep -q 'class="bar read divergent".*pread(fd=3, len=8, off=0' "$svg" ||
	fail "divergent read"
grep -q 'class="bar write expected-writer"' "$svg" || fail "expected writer"
grep -q 'class="bar write actual-writer"' "$svg" || fail "actual writer"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' \
		"$svg" || fail "malformed XML"
fi
"$IORR" timeline --svg -o - "$TMP/c.iorr" | grep -q '</svg>' ||
	fail "-o - (standard output)"
exit 0
