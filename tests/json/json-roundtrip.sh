#!/bin/sh
# trace -> JSON -> trace is lossless: for every JSON trace in tests/json and
# every golden trace, exporting, importing and exporting again gives
# byte-identical JSON and an identical dump; `dump --json` has one JSON
# object per event.
. "$top_srcdir/tests/lib.sh"

# roundtrip NAME TRACE
roundtrip() {
	name=$1
	t1=$2
	"$IORR" json "$t1" >"$TMP/$name.1.json" || fail "$name: json failed"
	"$IORR" import -o "$TMP/$name.2.iorr" "$TMP/$name.1.json" ||
		fail "$name: re-import failed"
	"$IORR" json -o "$TMP/$name.2.json" "$TMP/$name.2.iorr" ||
		fail "$name: json -o failed"
	cmp "$TMP/$name.1.json" "$TMP/$name.2.json" ||
		fail "$name: JSON differs after trace -> JSON -> trace"
	"$IORR" dump "$t1" >"$TMP/$name.1.dump" || fail "$name: dump failed"
	"$IORR" dump "$TMP/$name.2.iorr" >"$TMP/$name.2.dump" ||
		fail "$name: dump of the re-import failed"
	diff -u "$TMP/$name.1.dump" "$TMP/$name.2.dump" ||
		fail "$name: dump differs after the round trip"
	"$IORR" dump --json "$t1" >"$TMP/$name.ndjson" ||
		fail "$name: dump --json failed"
	[ "$(wc -l <"$TMP/$name.ndjson")" -eq "$(wc -l <"$TMP/$name.1.dump")" ] ||
		fail "$name: dump --json has not one line per event"
	if grep -v '^{"seq":[0-9"]*,"thread":[0-9]*,"pid":-\{0,1\}[0-9]*,"tid":' \
		"$TMP/$name.ndjson"; then
		fail "$name: dump --json lines above are malformed"
	fi
	# The document holds exactly the events dump prints.
	[ "$(grep -c '^    {"seq": ' "$TMP/$name.1.json")" -eq \
	  "$(wc -l <"$TMP/$name.1.dump")" ] ||
		fail "$name: JSON document does not hold every event"
}

n=0
for json in "$top_srcdir"/tests/json/*.json; do
	name=$(basename "$json" .json)
	"$IORR" import -o "$TMP/$name.iorr" "$json" ||
		fail "$name.json: import failed"
	roundtrip "$name" "$TMP/$name.iorr"
	n=$((n + 1))
done
for golden in "$top_srcdir"/tests/golden/v*/*.iorr; do
	[ -f "$golden" ] || fail "no golden traces found"
	name=golden-$(basename "$golden" .iorr)
	roundtrip "$name" "$golden"
	n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n traces checked"
exit 0
