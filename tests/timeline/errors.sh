#!/bin/sh
# Usage and input errors exit 2 with an "iorr: error:" message; nothing
# in a trace (paths, descriptions) can end the page's <script> elements.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/timeline/timeline_lib.sh"

expect_exit 2 "$IORR" timeline 2>/dev/null
expect_exit 2 "$IORR" timeline --bogus x.iorr 2>/dev/null
expect_exit 2 "$IORR" timeline "$TMP/missing.iorr" 2>"$TMP/err"
grep -q '^iorr: error: ' "$TMP/err" || fail "no error message"
expect_exit 0 "$IORR" timeline --help >"$TMP/help"
grep -q '^Usage: iorr timeline' "$TMP/help" || fail "help"

"$IORR" import -o "$TMP/c.iorr" "$top_srcdir/tests/timeline/counter-race.json" ||
	fail "import"
echo '{"divergences": 3}' >"$TMP/bad.json"
expect_exit 2 "$IORR" timeline --replay-report "$TMP/bad.json" \
	-o "$TMP/x.html" "$TMP/c.iorr" 2>"$TMP/err"
grep -q 'not a replay report' "$TMP/err" || fail "bad report accepted"
echo '{' >"$TMP/bad.json"
expect_exit 2 "$IORR" timeline --replay-report "$TMP/bad.json" \
	-o "$TMP/x.html" "$TMP/c.iorr" 2>/dev/null
expect_exit 2 "$IORR" timeline --max-text -1 "$TMP/c.iorr" 2>/dev/null
expect_exit 2 "$IORR" timeline -o "$TMP/no/such/dir.html" "$TMP/c.iorr" \
	2>/dev/null

# A hostile path and description stay inside their JSON strings.
sed -e 's|/data/counter|/data/</script><script>alert(1)</script>|g' \
    -e 's|"description": "|"description": "<!-- </script> |' \
	"$top_srcdir/tests/timeline/counter-race.json" >"$TMP/h.json"
"$IORR" import -o "$TMP/h.iorr" "$TMP/h.json" || fail "import hostile"
"$IORR" timeline -o "$TMP/h.html" "$TMP/h.iorr" || fail "timeline hostile"
[ "$(grep -c '</script>' "$TMP/h.html")" -eq 4 ] ||
	fail "a trace string closed a script element"
grep -q '<!--' "$TMP/h.html" && fail "a trace string opened a comment"
need_chromium
html=$(dom "$TMP/h.html") || fail "chromium failed"
[ "$(body_attr "$html" ready)" = 1 ] || fail "hostile page broke"
printf '%s\n' "$html" | grep -q '<script>alert' && fail "script injected"
exit 0
