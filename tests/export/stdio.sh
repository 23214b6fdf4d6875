#!/bin/sh
# A program using stdio streams (fopen/fread/fwrite/fseek/fflush/fclose,
# printf to a stdout redirected to a file) exports to a program that
# reproduces it (exit 0, the same final files), the streams written as
# unbuffered calls on their fds with a comment saying so.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/export/export_lib.sh"
SC=${top_builddir:-.}/tests/workloads/stdio_calls
[ -x "$SC" ] || skip "tests/workloads/stdio_calls not built"
mkdir -p "$TMP/rec/w"
(cd "$TMP/rec/w" && "$IORR" record -o "$TMP/st.iorr" -- "$SC" . \
	>"$TMP/rec/out.txt") 2>"$TMP/rec.log" || skip "iorr record failed"
"$IORR" dump "$TMP/st.iorr" | grep -q "fd_path(fd=1" || fail "stdout not traced"
"$IORR" replay "$TMP/st.iorr" >/dev/null 2>&1 ||
	skip "the recording does not replay faithfully"
export_run "$TMP/st.iorr" st
[ "$rc" -eq 0 ] || { cat "$TMP/st.out"; fail "exit $rc"; }
grep -q "FILE\*" "$TMP/st.c" || fail "no FILE* comment"
grep -q "fd1 = open(P(\"out.txt\"), O_WRONLY" "$TMP/st.c" ||
	fail "stdout not reopened"
for f in out.txt w/s.txt w/t.txt; do
	[ -f "$TMP/rec/$f" ] || continue
	cmp "$TMP/rec/$f" "$TMP/dir.st/$f" || fail "$f differs"
done
# a changed expected byte of the stdout file is found
sed 's/final_file("out.txt", 0644, w, /w[0] ^= 1;\n&/' "$TMP/st.c" >"$TMP/bad.c"
cmp -s "$TMP/st.c" "$TMP/bad.c" && fail "could not alter st.c"
build "$TMP/bad.c" "$TMP/bad"
"$TMP/bad" "$TMP/dir.bad" >"$TMP/bad.out" 2>&1
[ $? -eq 1 ] || fail "altered expectation: not exit 1"
grep -q "^DIFF final out.txt: byte 0" "$TMP/bad.out" ||
	{ cat "$TMP/bad.out"; fail "altered byte not named"; }
exit 0
