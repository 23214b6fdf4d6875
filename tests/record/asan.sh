#!/bin/sh
# A program built with AddressSanitizer is recorded like any other: ASan's
# runtime must not abort because the recorder is loaded before it, and
# the recorder must not miss the program's calls because ASan's
# initialiser ran one of our wrappers before libc set up the environment.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
cc=${CC:-cc}
cat >"$TMP/asan_prog.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char buf[6];
	int fd = open(argv[1], O_CREAT | O_RDWR | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "hello\n", 6) != 6 ||
	    pread(fd, buf, 6, 0) != 6 || close(fd))
		return 1;
	printf("%.5s\n", buf);
	return 0;
}
C
# the sanitizer runtime comes from the compiler, not from our build flags
$cc -fsanitize=address -g -o "$TMP/asan_prog" "$TMP/asan_prog.c" \
	2>"$TMP/cc.err" || skip "$cc -fsanitize=address does not build: $(head -1 "$TMP/cc.err")"
unset ASAN_OPTIONS
"$TMP/asan_prog" "$TMP/plain.out" >"$TMP/plain.stdout" 2>&1 ||
	skip "ASan programs do not run here: $(head -1 "$TMP/plain.stdout")"
rec "$TMP/a.iorr" -- "$TMP/asan_prog" "$TMP/a.out"
[ "$rc" -eq 0 ] || { cat "$TMP/rec.out" "$TMP/rec.err" >&2; fail "status $rc"; }
cmp -s "$TMP/rec.out" "$TMP/plain.stdout" || fail "the program printed something else traced"
cmp -s "$TMP/a.out" "$TMP/plain.out" || fail "the program wrote something else traced"
expect_count "$TMP/a.iorr" " open\(path=\"$TMP/a.out\"" 1
expect_count "$TMP/a.iorr" " write\(fd=3, len=6" 1
expect_count "$TMP/a.iorr" " pread\(fd=3, len=6" 1
# a user's own ASAN_OPTIONS are kept
ASAN_OPTIONS=detect_leaks=0 rec "$TMP/b.iorr" -- sh -c 'echo "$ASAN_OPTIONS"; exec "$0" "$1"' "$TMP/asan_prog" "$TMP/b.out"
[ "$rc" -eq 0 ] || fail "status $rc with ASAN_OPTIONS set"
grep -q '^detect_leaks=0:verify_asan_link_order=0$' "$TMP/rec.out" || fail "ASAN_OPTIONS: $(head -1 "$TMP/rec.out")"
expect_count "$TMP/b.iorr" " pread\(fd=3, len=6" 1
exit 0
