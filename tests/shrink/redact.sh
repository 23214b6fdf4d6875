#!/bin/sh
# iorr redact: the redacted trace replays with the same verdicts as the
# original (recorded order passes; a racy trace diverges for the same
# seeds, the same way), holds none of the original payload bytes, and
# with --paths none of the original path components.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/shrink/shrink_lib.sh"
[ -x "$MKTRACE" ] || skip "mktrace not built"
[ -x "$MKHUNT" ] || skip "mkhunt not built"

# synthetic traces with initial contents, holes, truncation, namespace ops
make_trace sync
for p in "" --paths; do
	"$IORR" redact $p -o "$TMP/sync.red" "$TMP/sync.iorr" >"$TMP/r.out" ||
		fail "redact $p: exit $?"
	grep -q "^redact: .* contents (.* bytes) replaced" "$TMP/r.out" ||
		fail "redact $p: no summary"
	"$IORR" replay "$TMP/sync.red" >"$TMP/rep.out" ||
		{ cat "$TMP/rep.out"; fail "redact $p: replay diverges"; }
	[ "$(nops "$TMP/sync.red")" = "$(nops "$TMP/sync.iorr")" ] ||
		fail "redact $p: op count changed"
	"$IORR" stat "$TMP/sync.red" | grep -q "^redacted: " ||
		fail "stat does not show the redaction"
	"$IORR" dump "$TMP/sync.red" | grep -q "^# redacted trace" ||
		fail "dump does not show the redaction"
	"$IORR" json "$TMP/sync.red" | grep -q '"redacted": {"payload": true' ||
		fail "json does not show the redaction"
done
# payload bytes differ but sizes are kept
"$IORR" json "$TMP/sync.iorr" | grep -o '"size": [0-9]*, "hash": "[0-9a-f]*"' |
	sed 's/, "hash".*//' >"$TMP/sz.a"
"$IORR" json "$TMP/sync.red" | grep -o '"size": [0-9]*, "hash": "[0-9a-f]*"' |
	sed 's/, "hash".*//' >"$TMP/sz.b"
cmp -s "$TMP/sz.a" "$TMP/sz.b" || fail "blob sizes changed"

# a racy trace: the same verdict for every seed
"$MKHUNT" counter "$TMP/counter.iorr" 6 || fail "mkhunt counter"
"$IORR" redact -o "$TMP/counter.red" "$TMP/counter.iorr" >/dev/null ||
	fail "redact counter"
ndiv=0
for seed in $(seq 0 15); do
	"$IORR" replay --order pct:2 --seed $seed --json "$TMP/counter.iorr" \
		>"$TMP/a.json"
	a=$?
	"$IORR" replay --order pct:2 --seed $seed --json "$TMP/counter.red" \
		>"$TMP/b.json"
	b=$?
	[ $a -eq $b ] || fail "seed $seed: original exit $a, redacted $b"
	[ $a -eq 1 ] || continue
	ndiv=$((ndiv + 1))
	for k in kind class seq; do
		grep "\"$k\":" "$TMP/a.json" | head -1 >"$TMP/ka"
		grep "\"$k\":" "$TMP/b.json" | head -1 >"$TMP/kb"
		cmp -s "$TMP/ka" "$TMP/kb" || fail "seed $seed: $k differs"
	done
done
[ $ndiv -gt 0 ] || fail "the counter never diverged"

# a real recording with a marker string: gone from the redacted trace
"$IORR" record --help >/dev/null 2>&1 || skip "iorr record not available"
need_prog od
M=XYZZY-SECRET-MARKER-4711
hex=$(printf %s "$M" | od -An -tx1 | tr -d ' \n')
mkdir -p "$TMP/w/secretdir_q"
(cd "$TMP/w" && "$IORR" record -o "$TMP/m.iorr" -- sh -c \
	"echo $M > secretdir_q/secretfile_q.txt; cat secretdir_q/secretfile_q.txt > copy_q.txt") \
	>"$TMP/rec.log" 2>&1 || skip "iorr record failed: $(tail -1 "$TMP/rec.log")"
"$IORR" json "$TMP/m.iorr" | grep -q "\"text\": \"$M\|$hex" ||
	skip "the recording did not store the marker"
"$IORR" replay "$TMP/m.iorr" >/dev/null 2>&1 ||
	skip "the recording does not replay faithfully"
for p in "" --paths; do
	"$IORR" redact $p -o "$TMP/m.red" "$TMP/m.iorr" >/dev/null ||
		fail "redact $p recording"
	"$IORR" replay "$TMP/m.red" >"$TMP/rep.out" ||
		{ cat "$TMP/rep.out"; fail "redact $p: recording diverges"; }
	"$IORR" json "$TMP/m.red" >"$TMP/m.json"
	grep -q "$hex" "$TMP/m.json" && fail "redact $p: payload left (hex)"
	grep -q "$M" "$TMP/m.json" && fail "redact $p: marker left"
done
# --paths: no original component, only neutral names (and /dev /proc /sys)
for c in secretdir_q secretfile_q copy_q "$(basename "$TMP")" usr bin; do
	grep -q "$c" "$TMP/m.json" && fail "--paths: '$c' left"
done
sed -n '/^  "paths": \[/,/^  \]/p' "$TMP/m.json" | sed '1d;$d' |
	tr -d ' ",' >"$TMP/paths"
[ -s "$TMP/paths" ] || fail "--paths: no paths"
grep -Ev '^(/r(/[df][0-9]+)*|([df][0-9]+|\.|\.\.)(/([df][0-9]+|\.|\.\.))*|/(dev|proc|sys)(/.*)?)$' \
	"$TMP/paths" && fail "--paths: a path is not neutral"
expect_exit 2 "$IORR" redact "$TMP/m.iorr"
"$IORR" redact --help | grep -q "^Usage: iorr redact" || fail "--help"
exit 0
