#!/bin/sh
# io_uring OPENAT, CLOSE, STATX, SPLICE, ASYNC_CANCEL and libaio POLL are
# replayed as real requests: a recording of tests/workloads/uring_ops (and
# of uring_calls) replays in recorded order with 0 divergences and 0
# skipped ops, leaving the files byte-identical to the recording's.  The
# content model sees what they wrote: a read of wrong bytes (the fault
# shim zeroes them) in a range written through the fd an OPENAT returned,
# or by a SPLICE from a pipe, is an impossible outcome naming that
# request's completion.  An opcode the replay cannot issue (uring_other)
# is refused up front, naming it.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"

W=${top_builddir:-.}/tests/workloads
[ -x "$W/uring_ops" ] || skip "workloads not built"
[ -f "$FAULT_SHIM" ] || skip "fault shim not built ($FAULT_SHIM)"

record_ok uring_ops
t=$TMP/uring_ops.iorr
for op in 'uring_openat\(' 'uring_close\(' 'uring_statx\(' \
	  'uring_splice\(' 'uring_cancel\(' 'aio_poll\('; do
	expect_some "$t" " $op"
done
# the bytes a SPLICE moved from a pipe into a file are in its CQE
sreq=$("$IORR" dump "$t" | sed -n 's/.* uring_splice(ring=#[0-9]*, req=#\([0-9]*\), .*fd_out=[0-9]*, off_out=4096,.*/\1/p')
[ -n "$sreq" ] || fail "no SPLICE into dst.dat"
expect_some "$t" " uring_cqe\(ring=#[0-9]+, req=#$sreq, .*data=blob#"
replay_ok uring_ops opened.dat dst.dat src.dat
record_ok uring_calls
replay_ok uring_calls uring.buffered.dat uring.opened

# the WRITE on the fd OPENAT returned (opened.dat), the SPLICE (dst.dat)
wreq=$("$IORR" dump "$t" | sed -n 's/.* uring_write(ring=#[0-9]*, req=#\([0-9]*\),.*/\1/p')
[ -n "$wreq" ] || fail "no uring_write request"
fault 0 8187 "uring_cqe\(ring=#[0-9]+, req=#$wreq,"
fault 4096 4090 "uring_cqe\(ring=#[0-9]+, req=#$sreq,"

# an opcode recorded as uring_other (here FADVISE): refused, named
"$IORR" json "$t" >"$TMP/u.json" || fail "iorr json"
sed -E 's/"op": "uring_statx", "args": \{"ring": ([0-9]+), "req": ([0-9]+), [^}]*"user_data": ([0-9]+)\}/"op": "uring_other", "args": {"ring": \1, "req": \2, "sqe_flags": "0x0", "opcode": 24, "fd": -1, "off": 0, "len": 0, "user_data": \3}/' \
	"$TMP/u.json" >"$TMP/o.json"
grep -q '"uring_other"' "$TMP/o.json" || fail "no uring_statx in the JSON"
"$IORR" import -o "$TMP/o.iorr" "$TMP/o.json" >/dev/null 2>&1 ||
	fail "iorr import"
expect_exit 2 "$IORR" replay "$TMP/o.iorr" >"$TMP/o.out" 2>&1
grep -q "uring_other (IORING_OP_FADVISE) .*not supported by replay yet" \
	"$TMP/o.out" || { cat "$TMP/o.out" >&2; fail "uring_other message"; }
exit 0
