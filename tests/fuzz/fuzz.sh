#!/bin/sh
# Fuzz the trace reader with libFuzzer for a bounded time, starting from the
# seed corpus.  `make check` runs it for 20 s; `make fuzz` sets FUZZ_SECONDS
# (FUZZ_TIME) and keeps what the fuzzer finds in tests/fuzz/new-corpus/.
# A crash, leak, timeout or contract violation fails the test and leaves the
# reproducer in $top_builddir/tests/fuzz/crash-* (or leak-*, timeout-*).
. "${top_srcdir:-.}/tests/lib.sh"

: "${FUZZ_SECONDS:=20}"
: "${FUZZ_BIN:=${top_builddir:-.}/tests/fuzz/fuzz_reader_libfuzzer}"
[ -x "$FUZZ_BIN" ] || skip "$FUZZ_BIN not built (needs clang)"

if [ "$FUZZ_SECONDS" -gt 60 ]; then
	new="${top_builddir:-.}/tests/fuzz/new-corpus"
else
	new="$TMP/new-corpus"
fi
mkdir -p "$new" || exit 99

# -rss_limit_mb: the reader's limits keep it far below; more is a bug.
"$FUZZ_BIN" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	-max_len=65536 -print_final_stats=1 \
	-artifact_prefix="${top_builddir:-.}/tests/fuzz/" \
	"$new" "$top_srcdir/tests/fuzz/corpus" \
	>"$TMP/fuzz.log" 2>&1
rc=$?
tail -n 25 "$TMP/fuzz.log"
[ "$rc" -eq 0 ] || fail "libFuzzer exited $rc (see the artifact above)"
exit 0
