#!/bin/sh
# The sample traces of traces/ (traces/README.md): each is in the current
# trace format, under 1 MiB, and gives the verdict its README entry
# documents for every command listed there.
. "$top_srcdir/tests/lib.sh"

[ -x "$IORR" ] || skip "iorr not built ($IORR)"
T=$top_srcdir/traces
# Keep in step with traces/README.md and traces/regen.sh.
COUNTER_SEED=3

# run WANT NAME CMD...: run CMD into $TMP/NAME.out, require exit WANT.
run() {
	want=$1 name=$2
	shift 2
	"$@" >"$TMP/$name.out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		cat "$TMP/$name.out" >&2
		fail "$name: '$*' exited $got, expected $want"
	fi
}

# has NAME REGEX: the output of run NAME matches the extended REGEX.
has() {
	grep -Eq -- "$2" "$TMP/$1.out" ||
		{ cat "$TMP/$1.out" >&2; fail "$1: no line matching '$2'"; }
}

OK0='^OK: .*: 0 divergences \(0 impossible, 0 order-dependent\)'

want_ver=$("$IORR" --version | sed -n 's/.*(trace format \([0-9]*\)\.\([0-9]*\)).*/\1 \2/p')
[ -n "$want_ver" ] || fail "iorr --version names no trace format"
for s in dio-vs-buffered uring-multiextent fsstress-mix counter-race; do
	f=$T/$s.iorr
	[ -f "$f" ] || fail "$s.iorr is missing"
	size=$(wc -c <"$f")
	[ "$size" -lt 1048576 ] || fail "$s.iorr: $size bytes, not under 1 MiB"
	ver=$(od -An -tu2 -j8 -N4 "$f" | awk '{print $1, $2}')
	[ "$ver" = "$want_ver" ] ||
		fail "$s.iorr: format $ver, not the current $want_ver: run traces/regen.sh"
	run 0 "$s-stat" "$IORR" stat "$f"
	has "$s-stat" 'complete$'
done

# dio-vs-buffered: faithful, and with the page cache dropped before every
# data op; a seeded order finds order-dependent outcomes only.
f=$T/dio-vs-buffered.iorr
run 0 dio-replay "$IORR" replay "$f"
has dio-replay "$OK0"
run 0 dio-drop "$IORR" replay --perturb dropcache:1 "$f"
has dio-drop "$OK0"
has dio-drop 'schedule: hash [0-9a-f]+, [1-9][0-9]* injections'
run 1 dio-pct "$IORR" replay --order pct:2 --perturb dropcache:0.5 --seed 0 "$f"
has dio-pct '^DIVERGED: .*: [1-9][0-9]* divergences? \(0 impossible, [1-9][0-9]* order-dependent\)'

# uring-multiextent: one 16 KiB io_uring read over 4 extents, complete.
f=$T/uring-multiextent.iorr
run 0 uring-dump "$IORR" dump "$f"
has uring-dump 'fiemap\(.*extents=4,'
has uring-dump 'open\(.*multi\.dat", flags=O_RDONLY\|O_DIRECT'
has uring-dump 'uring_read\(.*len=16384, off=0,'
has uring-dump 'uring_cqe\(.*\) = 16384 '
run 0 uring-replay "$IORR" replay "$f"
has uring-replay "$OK0"

# fsstress-mix: every write path; faithful replay.
f=$T/fsstress-mix.iorr
run 0 fss-stat "$IORR" stat "$f"
for op in writev copy_file_range fallocate ficlonerange aio_pwrite \
	  uring_write fork; do
	has fss-stat "^  $op "
done
run 0 fss-dump "$IORR" dump "$f"
has fss-dump 'O_DIRECT'
run 0 fss-replay "$IORR" replay "$f"
has fss-replay "$OK0"

# counter-race: faithful replay passes, the hunt finds the lost update, and
# the documented seed reproduces it.
f=$T/counter-race.iorr
run 0 cnt-replay "$IORR" replay "$f"
has cnt-replay "$OK0"
run 1 cnt-hunt "$IORR" hunt --order pct:2 --runs 200 --jobs 1 "$f"
has cnt-hunt '^hunt: .*: DIVERGED: '
has cnt-hunt '^reproduce: iorr replay --order pct:2 --seed [0-9]+ '
run 1 cnt-seed "$IORR" replay --order pct:2 --seed "$COUNTER_SEED" "$f"
has cnt-seed '^DIVERGED: .*\(0 impossible, [1-9][0-9]* order-dependent\)'
has cnt-seed 'conflicting pair \(no happens-before edge orders them\)'
has cnt-seed 'read of .*/counter bytes 0\.\.7'

# hand-written.json: imports; faithful replay passes; the other order of
# the two overlapping writes is found and explained.
run 0 hw-import "$IORR" import -o "$TMP/hw.iorr" "$T/hand-written.json"
run 0 hw-conflicts "$IORR" dump --conflicts "$TMP/hw.iorr"
has hw-conflicts '^1 candidate race '
has hw-conflicts 'writes bytes 0\.\.15: +6 '
has hw-conflicts 'writes bytes 8\.\.23: +7 '
run 0 hw-replay "$IORR" replay "$TMP/hw.iorr"
has hw-replay '^OK: .*: 0 divergences \(0 impossible, 0 order-dependent\); 5 ops replayed, 1 reads and 1 final states'
run 1 hw-seed "$IORR" replay --order pct:2 --seed 0 "$TMP/hw.iorr"
has hw-seed '^DIVERGED: .*: 2 divergences \(0 impossible, 2 order-dependent\)'
has hw-seed 'recorded order: seq 6 before seq 7; this replay: seq 7 before seq 6'
has hw-seed 'replay    00000000  41 41 41 41 41 41 41 41\*41'
run 1 hw-hunt "$IORR" hunt --order pct:2 --runs 50 --jobs 1 "$TMP/hw.iorr"
has hw-hunt '^hunt: .*: DIVERGED: '
exit 0
