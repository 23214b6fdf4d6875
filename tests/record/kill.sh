#!/bin/sh
# SIGKILL of the workload loses nothing it appended: every write that
# reached the file is in the trace, and iorr record exits 128+9.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
[ -x "$REC_PROG" ] || skip "rec_prog not built"
mkdir "$TMP/d"
"$IORR" record -o "$TMP/k.iorr" -- "$REC_PROG" kill "$TMP/d" \
	>"$TMP/out" 2>"$TMP/err" &
ipid=$!
i=0
# (the file may not exist yet: the shell starts the job asynchronously)
while [ "$(cat "$TMP/out" 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
cpid=$(pgrep -P $ipid) || fail "no workload process"
kill -KILL "$cpid"
wait $ipid
rc=$?
[ "$rc" -eq 137 ] || fail "status $rc, expected 137"
grep -q 'loss 0$' "$TMP/err" || { cat "$TMP/err" >&2; fail "loss reported"; }
lines=$(wc -l <"$TMP/d/k")
printed=$(tail -1 "$TMP/out")
writes=$(count "$TMP/k.iorr" ' write\(fd=[0-9]+, len=[0-9]+, buf=0x[0-9a-f]+, data=blob#')
[ "$writes" -ge "$printed" ] || fail "$writes writes in the trace, $printed printed"
# The kill can land between a write's return and its append to the ring:
# that one call reached the file but was never appended.  Every other one
# must be in the trace.
[ "$writes" -eq "$lines" ] || [ "$writes" -eq $((lines - 1)) ] ||
	fail "$writes writes in the trace, $lines in the file"
"$IORR" dump "$TMP/k.iorr" >/dev/null 2>"$TMP/derr" || fail "dump failed"
grep -q truncated "$TMP/derr" && fail "trace truncated"
exit 0
