#!/bin/sh
# Every hand-written JSON trace in tests/json imports, and `iorr dump` of the
# result is exactly NAME.dump (decoded flags, paths, errno names, blobs).
. "$top_srcdir/tests/lib.sh"

n=0
for json in "$top_srcdir"/tests/json/*.json; do
	name=$(basename "$json" .json)
	want="$top_srcdir/tests/json/$name.dump"
	[ -f "$want" ] || fail "$name.json has no $name.dump"
	"$IORR" import -o "$TMP/$name.iorr" "$json" ||
		fail "$name.json: import failed"
	"$IORR" dump "$TMP/$name.iorr" >"$TMP/$name.out" ||
		fail "$name: dump failed"
	diff -u "$want" "$TMP/$name.out" || fail "$name: dump differs"
	n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n JSON traces found"

# Standard input works too, and gives the same trace.
"$IORR" import -o "$TMP/stdin.iorr" - <"$top_srcdir/tests/json/sync.json" ||
	fail "import from stdin failed"
"$IORR" dump "$TMP/stdin.iorr" | diff -u "$top_srcdir/tests/json/sync.dump" - ||
	fail "import from stdin: dump differs"
exit 0
