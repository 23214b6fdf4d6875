#!/bin/sh
# The schedule is a pure function of (trace, options, seed): the same seed
# gives the same schedule hash in every mode, and different seeds mostly
# give different ones.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

mk counter 6
P="--perturb dropcache:0.3,fsync:0.3,short:0.5"
for mode in "--order random" "--order pct:2" "--order pct:3" \
	    "--order free --jitter uniform:1us-30us" \
	    "--order free --jitter exp:10us" \
	    "--order random $P" "--order recorded $P" \
	    "--order free --jitter exp:5us $P"; do
	: >"$TMP/hashes"
	for seed in $(seq 1 20); do
		# shellcheck disable=SC2086
		"$IORR" replay $mode --seed $seed "$TMP/counter.iorr" \
			>"$TMP/a.out"
		# shellcheck disable=SC2086
		"$IORR" replay $mode --seed $seed "$TMP/counter.iorr" \
			>"$TMP/b.out"
		a=$(hash_of "$TMP/a.out")
		b=$(hash_of "$TMP/b.out")
		[ -n "$a" ] || fail "$mode: no schedule hash printed"
		[ "$a" = "$b" ] || fail "$mode seed $seed: hash $a then $b"
		echo "$a" >>"$TMP/hashes"
	done
	n=$(sort -u "$TMP/hashes" | wc -l)
	[ "$n" -ge 10 ] || fail "$mode: only $n distinct hashes in 20 seeds"
done
# ... and the hunt's runs show the same hashes as replays of their seeds.
"$IORR" hunt --jobs 2 --runs 20 --order pct:3 "$TMP/counter.iorr" \
	>"$TMP/h.out"
seed=$(sed -n 's/^== seed \([0-9]*\) (schedule \([0-9a-f]*\)) ==/\1/p' \
	"$TMP/h.out")
h=$(sed -n 's/^== seed \([0-9]*\) (schedule \([0-9a-f]*\)) ==/\2/p' \
	"$TMP/h.out")
"$IORR" replay --order pct:3 --seed "$seed" "$TMP/counter.iorr" >"$TMP/r.out"
[ "$(hash_of "$TMP/r.out")" = "$h" ] || fail "hunt and replay disagree"
exit 0
