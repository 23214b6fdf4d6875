#!/bin/sh
# A damaged trace is an error or a truncation with a message, never a crash:
# damage a generated multi-chunk trace at 240 seeded places (truncation, bit
# flips, byte overwrites, chunk header fields with stale or recomputed
# checksums) and check that `iorr dump` and `iorr stat` exit 0 or 2, say
# "iorr: error:" or "iorr: warning: ... truncated at byte N", and trigger no
# sanitizer report (configure --enable-sanitizers runs this under ASan).
. "${top_srcdir:-.}/tests/lib.sh"

GEN="${top_builddir:-.}/tests/integration/gen_trace"
DAMAGE="${top_builddir:-.}/tests/integration/damage_trace"
: "${DAMAGE_RUNS:=240}"
[ -x "$IORR" ] || skip "$IORR not built"
[ -x "$GEN" ] && [ -x "$DAMAGE" ] || skip "test helpers not built"

# 3000 events in chunks of 500, blobs in 1 KiB chunks: about 20 chunks.
"$GEN" "$TMP/good.iorr" 3000 500 7 || fail "gen_trace failed"

# The undamaged trace reads cleanly and silently.
for cmd in dump stat; do
	"$IORR" $cmd "$TMP/good.iorr" >"$TMP/out" 2>"$TMP/err" ||
		fail "iorr $cmd on the good trace exited $?: $(cat "$TMP/err")"
	[ -s "$TMP/err" ] &&
		fail "iorr $cmd on the good trace: $(cat "$TMP/err")"
done
[ "$(grep -c . "$TMP/out")" -gt 10 ] || fail "iorr stat printed almost nothing"

sanitizer='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer'
sanitizer="$sanitizer|runtime error:"
message='^iorr: error: |^iorr: warning: .*truncated at byte [0-9]+'
keep="${top_builddir:-.}/tests/integration"
i=1
bad=0
while [ "$i" -le "$DAMAGE_RUNS" ]; do
	what=$("$DAMAGE" "$TMP/good.iorr" "$TMP/bad.iorr" "$i") ||
		fail "damage_trace $i failed"
	for cmd in dump stat; do
		"$IORR" $cmd "$TMP/bad.iorr" >/dev/null 2>"$TMP/err"
		rc=$?
		why=
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
			why="exit $rc"
		elif grep -Eq "$sanitizer" "$TMP/err"; then
			why="sanitizer report"
		elif ! grep -Eq "$message" "$TMP/err"; then
			why="no error or truncation message (exit $rc)"
		fi
		if [ -n "$why" ]; then
			echo "FAIL: seed $i ($what): iorr $cmd: $why" >&2
			head -n 5 "$TMP/err" >&2
			cp "$TMP/bad.iorr" "$keep/damaged-$i.iorr"
			bad=$((bad + 1))
		fi
	done
	i=$((i + 1))
done
[ "$bad" -eq 0 ] ||
	fail "$bad damaged runs misbehaved (kept as $keep/damaged-*)"
echo "damage: $DAMAGE_RUNS damaged traces, dump and stat behaved"
exit 0
