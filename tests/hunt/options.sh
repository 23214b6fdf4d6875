#!/bin/sh
# iorr hunt's options: usage errors exit 2; shards split the seed space;
# --keep-going collects distinct divergences; --json and --time work.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

mk counter
mk counter_mutex
T="$TMP/counter.iorr"
expect_exit 2 "$IORR" hunt --order bogus "$T"
expect_exit 2 "$IORR" hunt --order pct:0 "$T"
expect_exit 2 "$IORR" hunt --jitter exp:1us "$T"
expect_exit 2 "$IORR" hunt --shard 2/2 "$T"
expect_exit 2 "$IORR" hunt --runs 0 "$T"
expect_exit 2 "$IORR" hunt --time never "$T"
expect_exit 2 "$IORR" hunt --perturb short:2 "$T"
expect_exit 2 "$IORR" hunt "$TMP/missing.iorr"
expect_exit 2 "$IORR" replay --jitter exp:1us "$T"
expect_exit 2 "$IORR" replay --seed -1 "$T"
expect_exit 2 "$IORR" replay --flip-conflicts "$T"
expect_exit 0 "$IORR" hunt --help >/dev/null

# shards: the seeds of 0/3 and 1/3 never meet
for i in 0 1 2; do
	"$IORR" hunt --jobs 2 --runs 30 --keep-going --shard $i/3 \
		--seed-start 100 "$T" | sed -n 's/^== seed \([0-9]*\) .*/\1/p'
done >"$TMP/seeds"
[ "$(sort "$TMP/seeds" | uniq -d | wc -l)" -eq 0 ] || fail "shards overlap"
awk '{ if (($1 - 100) % 3 > 2) exit 1 }' "$TMP/seeds" || fail "shard seeds"

# --keep-going: distinct divergences only, all of them counted
"$IORR" hunt --jobs 2 --runs 100 --keep-going "$T" >"$TMP/k.out"
[ $? -eq 1 ] || fail "--keep-going exit"
grep -q "OK\|DIVERGED: 100 runs" "$TMP/k.out" || fail "--keep-going stopped"
d=$(grep -c "^== seed" "$TMP/k.out")
[ "$d" -ge 2 ] || fail "--keep-going: $d distinct"

# --json
"$IORR" hunt --json --jobs 2 --runs 20 "$T" >"$TMP/j.json"
[ $? -eq 1 ] || fail "--json exit"
grep -q '"verdict": "diverged"' "$TMP/j.json" || fail "json verdict"
grep -q '"command": "iorr replay --order random --seed' "$TMP/j.json" ||
	fail "json command"
"$IORR" hunt --json --jobs 2 --runs 50 "$TMP/counter_mutex.iorr" \
	>"$TMP/m.json" || fail "json ok exit"
grep -q '"runs": 50' "$TMP/m.json" || fail "json runs"

# --time bounds an unbounded hunt
"$IORR" hunt --jobs 2 --time 1s "$TMP/counter_mutex.iorr" >"$TMP/t.out" ||
	fail "--time exit"
grep -q "^hunt: .*: OK: [0-9]* runs in [01]\." "$TMP/t.out" ||
	{ cat "$TMP/t.out"; fail "--time 1s did not stop in time"; }
exit 0
