#!/bin/sh
# Golden traces of every trace format version stay readable: each
# tests/golden/vN/NAME.iorr dumps exactly as NAME.dump, completely (no
# truncation warning), and exports to JSON.
. "$top_srcdir/tests/lib.sh"

n=0
for golden in "$top_srcdir"/tests/golden/v*/*.iorr; do
	[ -f "$golden" ] || fail "no golden traces found"
	want=${golden%.iorr}.dump
	name=$(basename "$(dirname "$golden")")/$(basename "$golden")
	[ -f "$want" ] || fail "$name has no .dump"
	"$IORR" dump "$golden" >"$TMP/out" 2>"$TMP/err" ||
		fail "$name: dump failed: $(cat "$TMP/err")"
	[ -s "$TMP/err" ] && fail "$name: dump complained: $(cat "$TMP/err")"
	diff -u "$want" "$TMP/out" || fail "$name: dump differs"
	"$IORR" json "$golden" >"$TMP/out.json" 2>"$TMP/err" ||
		fail "$name: json failed: $(cat "$TMP/err")"
	[ -s "$TMP/err" ] && fail "$name: json complained: $(cat "$TMP/err")"
	n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "only $n golden traces found"
exit 0
