#!/bin/sh
# The committed MariaDB sample traces (traces/README.md) replay in recorded
# order with the documented verdict: 0 divergences, status 0, and the
# async requests they hold; and in free, seeded random and PCT orders too
# (issue #5: free order used to hang on their cond_waits).
. "${top_srcdir:-.}/tests/lib.sh"
[ -x "$IORR" ] || skip "iorr not built"
ran=0
for t in uring libaio; do
	tr=$top_srcdir/traces/mariadb-$t.iorr
	[ -r "$tr" ] || fail "$tr is missing"
	"$IORR" stat "$tr" >"$TMP/$t.stat" 2>&1 || fail "$tr: iorr stat"
	head -1 "$TMP/$t.stat" | grep -q ', complete$' || fail "$tr: not complete"
	if [ $t = uring ]; then
		sub=$(awk '$1 ~ /^uring_(readv|writev)$/ { n += $2 } END { print n + 0 }' "$TMP/$t.stat")
		cpl=$(awk '$1 == "uring_cqe" { print $2 }' "$TMP/$t.stat")
		nop=$(awk '$1 == "uring_nop" { print $2 }' "$TMP/$t.stat")
		cpl=$((cpl - ${nop:-0}))
	else
		sub=$(awk '$1 ~ /^aio_p(read|write)v?$/ { n += $2 } END { print n + 0 }' "$TMP/$t.stat")
		cpl=$(awk '$1 == "aio_complete" { print $2 }' "$TMP/$t.stat")
	fi
	[ "$sub" -gt 100 ] && [ "$sub" -eq "$cpl" ] ||
		fail "$tr: $sub submissions, $cpl completions"
	timeout 300 "$IORR" replay --order recorded "$tr" >"$TMP/$t.out" 2>&1
	st=$?
	if [ $st -eq 2 ] && grep -qi 'io_uring.*\(ENOSYS\|not supported\|Function not implemented\)\|io_setup' "$TMP/$t.out"; then
		cat "$TMP/$t.out" >&2
		echo "$t: the kernel refuses it here" >&2
		continue
	fi
	[ $st -eq 0 ] || { tail -20 "$TMP/$t.out" >&2; fail "$tr: replay exited $st"; }
	grep -q '^OK: .*: 0 divergences (0 impossible, 0 order-dependent)' "$TMP/$t.out" ||
		{ tail -5 "$TMP/$t.out" >&2; fail "$tr: not the documented verdict"; }
	grep '^OK:' "$TMP/$t.out"
	for o in "--order free" "--order random --seed 1" \
		"--order random --seed 2" "--order random --seed 3" \
		"--order pct:2"; do
		# shellcheck disable=SC2086
		timeout 120 "$IORR" replay $o "$tr" >"$TMP/$t.o2" 2>&1
		st=$?
		[ $st -eq 0 ] || { tail -5 "$TMP/$t.o2" >&2; fail "$tr $o: exit $st"; }
		grep -q '^OK: .*: 0 divergences (0 impossible, 0 order-dependent)' \
			"$TMP/$t.o2" || { tail -5 "$TMP/$t.o2" >&2; fail "$tr $o: verdict"; }
	done
	ran=1
done
[ $ran -eq 1 ] || skip "the kernel refuses io_uring and libaio"
