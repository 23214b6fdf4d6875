#!/bin/sh
# A trace of 1,000,000 events makes a timeline within budget (10 s of CPU,
# 60 MB) that a browser opens, aggregated, in a few seconds; zoomed far in
# it shows single bars.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/timeline/timeline_lib.sh"

GEN_BIG=${top_builddir:-.}/tests/timeline/gen_big
[ -x "$GEN_BIG" ] || skip "gen_big not built"
N=${IORR_TIMELINE_EVENTS:-1000000}

"$GEN_BIG" "$TMP/big.iorr" "$N" || fail "gen_big"
# The budget is CPU time (user + system): wall time on a loaded 2-core
# machine measures the other jobs.  ASan builds get three times as much.
budget=10000
[ -z "${IORR_SANITIZERS:-}" ] || budget=30000
/usr/bin/time -f '%U %S' -o "$TMP/time" \
	"$IORR" timeline -o "$TMP/big.html" "$TMP/big.iorr" || fail "timeline"
ms=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$TMP/time")
size=$(stat -c %s "$TMP/big.html")
echo "timeline of $N events: $ms ms CPU, $size bytes"
[ "$ms" -lt "$budget" ] || fail "took $ms ms of CPU (budget $budget)"
[ "$size" -lt 60000000 ] || fail "$size bytes (budget 60 MB)"

need_chromium
# NOTE: --dump-dom prints the whole page, data included; only <body> counts.
html=$(dom "$TMP/big.html" | grep -o '<body[^>]*>') || fail "chromium failed"
[ "$(body_attr "$html" ready)" = 1 ] || fail "the page's script did not run"
[ "$(body_attr "$html" lanes)" = 4 ] || fail "lanes"
[ "$(body_attr "$html" mode)" = aggregate ] || fail "not aggregated"
load=$(body_attr "$html" load-ms)
echo "drawn in the browser after $load ms"
[ "$load" -lt 8000 ] || fail "the overview took $load ms"
html=$(dom "$TMP/big.html" view=100000000,100050000 |
	grep -o '<body[^>]*>') || fail "chromium failed"
[ "$(body_attr "$html" mode)" = detail ] || fail "zoomed in: not detail"
bars=$(body_attr "$html" bars)
[ "$bars" -gt 100 ] && [ "$bars" -lt 1000 ] || fail "zoomed in: $bars bars"
screenshot "$TMP/big.html" big
exit 0
