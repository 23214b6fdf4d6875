#!/bin/sh
# Perturbations never make a correct filesystem diverge: page-cache drops,
# extra fsyncs, late reaps and short-split reads and writes of correct
# workloads replay cleanly on tmpfs (or wherever TMPDIR is) and, as root,
# on fresh btrfs, xfs and ext4.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/hunt/hunt_lib.sh"

mk bench
mk counter_mutex
ALL="dropcache:0.5,fsync:0.5,reap-delay:200us,short:0.7"
for p in dropcache:1 fsync:1 reap-delay:1ms short:1 $ALL; do
	for wl in bench counter_mutex; do
		"$IORR" hunt --jobs 2 --runs 50 --order random --perturb "$p" \
			"$TMP/$wl.iorr" >"$TMP/p.out" 2>&1 ||
			{ cat "$TMP/p.out"; fail "$wl --perturb $p diverged"; }
	done
done
"$IORR" replay --perturb short:1 --seed 4 "$TMP/bench.iorr" >"$TMP/s.out" ||
	fail "short:1 replay"
grep -q "^schedule: hash [0-9a-f]*, 96 injections" "$TMP/s.out" ||
	fail "short:1: not every pread/pwrite split"

[ "$(id -u)" -eq 0 ] || skip "the scratch filesystems need root"
tried=0
for fs in btrfs xfs ext4; do
	command -v "mkfs.$fs" >/dev/null 2>&1 || continue
	for p in "dropcache:1:global" fsync:1 short:1 $ALL; do
		"$IORR" replay --scratch "$fs" --order random --seed 9 \
			--perturb "$p" "$TMP/bench.iorr" >"$TMP/f.out" 2>&1
		rc=$?
		if [ $rc -eq 2 ] && grep -q "scratch" "$TMP/f.out"; then
			continue	# no loop devices here
		fi
		[ $rc -eq 0 ] || { cat "$TMP/f.out"
			fail "$fs --perturb $p: exit $rc"; }
		tried=$((tried + 1))
	done
	"$IORR" hunt --scratch "$fs" --jobs 1 --runs 20 --perturb "$ALL" \
		"$TMP/counter_mutex.iorr" >"$TMP/h.out" 2>&1 ||
		grep -q "scratch" "$TMP/h.out" ||
		{ cat "$TMP/h.out"; fail "$fs hunt diverged"; }
done
[ $tried -gt 0 ] || skip "no scratch filesystem could be made"
exit 0
