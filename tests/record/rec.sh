# Shared by tests/record/*.sh (after tests/lib.sh).
: "${IORR_PRELOAD:=${top_builddir:-.}/.libs/libiorr-record.so}"
export IORR_PRELOAD
REC_PROG=${top_builddir:-.}/tests/record/rec_prog

[ -x "$IORR" ] || skip "iorr not built"
[ -r "$IORR_PRELOAD" ] || skip "libiorr-record.so not built"

# rec TRACE [OPTIONS] -- CMD...: record CMD into TRACE; stdout of CMD to $TMP/rec.out,
# iorr's stderr to $TMP/rec.err; sets $rc.
rec() {
	trace=$1
	shift
	"$IORR" record -o "$trace" "$@" >"$TMP/rec.out" 2>"$TMP/rec.err"
	rc=$?
	grep -q '^iorr record: .* processes, .* threads, .* events, .* bytes written to .*, loss [0-9]*$' \
		"$TMP/rec.err" || { cat "$TMP/rec.err" >&2; fail "no summary line"; }
}

# count TRACE PATTERN: number of dump lines matching PATTERN (grep -E).
count() {
	"$IORR" dump "$1" 2>/dev/null | grep -cE "$2"
}

# expect_count TRACE PATTERN N: exactly N lines match.
expect_count() {
	n=$(count "$1" "$2")
	[ "$n" -eq "$3" ] || { "$IORR" dump "$1" | head -50 >&2; \
		fail "$1: $n lines match '$2', expected $3"; }
}

# expect_some TRACE PATTERN: at least one line matches.
expect_some() {
	n=$(count "$1" "$2")
	[ "$n" -gt 0 ] || { "$IORR" dump "$1" | head -50 >&2; \
		fail "$1: nothing matches '$2'"; }
}
