#!/bin/sh
# --format fio writes a fio iolog v3 that the installed fio replays with
# as many reads and writes as the trace has.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/export/export_lib.sh"
need_prog fio
CR=${top_builddir:-.}/tests/workloads/counter_race
[ -x "$CR" ] || skip "tests/workloads/counter_race not built"
mkdir -p "$TMP/w" "$TMP/fio/w"
# stdout is a traced file: the iolog leaves out the fds the program
# inherited (fd_path), so fio's counts are the counter's preads and pwrites
(cd "$TMP/w" && "$IORR" record -o "$TMP/cr.iorr" -- "$CR" -t 2 -n 20 . \
	>"$TMP/cr.stdout") 2>"$TMP/rec.log" || skip "iorr record failed"
"$IORR" dump "$TMP/cr.iorr" | grep -q "fd_path(fd=1" || fail "stdout not traced"
"$IORR" export-c --format fio -o "$TMP/cr.log" "$TMP/cr.iorr" ||
	fail "export-c --format fio"
head -1 "$TMP/cr.log" | grep -qx "fio version 3 iolog" || fail "no v3 header"
grep -q "^0 w/counter add$" "$TMP/cr.log" || fail "no add action"
reads=$("$IORR" dump "$TMP/cr.iorr" | grep -c ' pread(.*) = [1-9]')
writes=$("$IORR" dump "$TMP/cr.iorr" | grep -c ' pwrite(.*) = [1-9]')
(cd "$TMP/fio" && fio --name=replay --read_iolog="$TMP/cr.log" \
	--ioengine=psync) >"$TMP/fio.out" 2>&1 ||
	{ cat "$TMP/fio.out"; fail "fio failed"; }
grep -q "issued rwts: total=$reads,$writes," "$TMP/fio.out" || {
	grep issued "$TMP/fio.out"
	fail "fio's io counts differ from the trace's ($reads reads, $writes writes)"
}
exit 0
