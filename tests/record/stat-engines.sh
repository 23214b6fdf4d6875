#!/bin/sh
# iorr stat per engine: queue depth and submit-to-complete latency, text
# and --json, on the recorded traces of tests/workloads/aio_calls and
# uring_calls, whose queue depths are known:
#  - aio_calls -n 3 -b: 3 iterations of a batch of 3 writes reaped
#    together, 2 fsyncs one at a time, 3 reads reaped together: 24
#    requests, depth samples 1 2 3 2 1 0 / 1 0 1 0 / 1 2 3 2 1 0 per
#    iteration: max 3, mean 20/16 = 1.25, p50 1, p99 3;
#  - uring_calls -b: 20 requests, at most 4 in flight (the WRITE ->
#    WRITEV -> FSYNC -> READ chain and the fixed/READV/FALLOCATE batch).
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
need_prog python3
cd "$TMP" || exit 99
WL=${top_builddir:-.}/tests/workloads
ran=0

# engine TRACE NAME: the NAME row of iorr stat's engine table
engine() {
	"$IORR" stat "$1" >stat.txt || fail "$1: iorr stat failed"
	awk -v e="$2" '/^  engine /{t=1; next} t && $1 == e' stat.txt
}

# check_json TRACE ENGINE SUBMITTED MAX MEAN(or -) P50(or -) P99
check_json() {
	"$IORR" stat --json "$1" >stat.json || fail "$1: iorr stat --json"
	python3 - stat.json "$2" "$3" "$4" "$5" "$6" "$7" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
eng, sub, mx, mean, p50, p99 = sys.argv[2], int(sys.argv[3]), \
	int(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7])
e = d["engines"][eng]
assert e["submitted"] == sub and e["completed"] == sub, e
q = e["queue_depth"]
assert q["max"] == mx and q["p99"] == p99, q
if mean != "-":
	assert abs(q["mean"] - float(mean)) < 1e-9, q
if p50 != "-":
	assert q["p50"] == int(p50), q
s = q["series"]
assert len(s["max"]) == 20 and len(s["mean"]) == 20, s
assert max(s["max"]) == mx and s["slice_ns"] > 0, s
assert all(0 <= m <= mx for m in s["mean"]), s
l = e["latency"]
assert l["count"] == sub, l
assert 0 < l["p50_ns"] <= l["p90_ns"] <= l["p99_ns"] <= l["max_ns"] * 1.04, l
assert d["engines"]["sync"]["latency"]["count"] == \
	d["engines"]["sync"]["completed"] > 0, d["engines"]["sync"]
PY
	fail "$1: iorr stat --json: $2 is not as expected"
}

if [ -x "$WL/aio_calls" ]; then
	mkdir a
	rec a.iorr -- "$WL/aio_calls" -n 3 -b a
	if [ "$rc" -ne 77 ]; then
		[ "$rc" -eq 0 ] || fail "aio_calls: status $rc"
		row=$(engine a.iorr libaio)
		set -- $row
		[ "$2 $3 $4 $5 $6 $7" = "24 24 3 1.25 1 3" ] ||
			{ cat stat.txt >&2; fail "aio_calls: libaio row '$row'"; }
		[ -n "$(engine a.iorr sync)" ] || fail "aio_calls: no sync row"
		[ -z "$(engine a.iorr io_uring)" ] ||
			fail "aio_calls: an io_uring row"
		check_json a.iorr libaio 24 3 1.25 1 3
		ran=1
	fi
fi

if [ -x "$WL/uring_calls" ]; then
	mkdir u
	rec u.iorr -- "$WL/uring_calls" -b u
	if [ "$rc" -ne 77 ]; then
		[ "$rc" -eq 0 ] || fail "uring_calls: status $rc"
		row=$(engine u.iorr io_uring)
		set -- $row
		[ "$2 $3 $4 $7" = "20 20 4 4" ] ||
			{ cat stat.txt >&2; fail "uring_calls: io_uring row '$row'"; }
		check_json u.iorr io_uring 20 4 - - 4
		ran=1
	fi
fi
[ $ran -eq 1 ] || skip "neither aio_calls nor uring_calls could run"
exit 0
