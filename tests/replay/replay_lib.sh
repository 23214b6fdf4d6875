# Common setup of the replay tests (sourced after tests/lib.sh).
: "${MKTRACE:=${top_builddir:-.}/tests/replay/mktrace}"
: "${FAULT_SHIM:=${top_builddir:-.}/tests/replay/.libs/fault_shim.so}"
[ -x "$IORR" ] || skip "iorr not built ($IORR)"
[ -x "$MKTRACE" ] || skip "mktrace not built ($MKTRACE)"

# mk SCENARIO [ARG]: make_trace (tests/lib.sh).
mk() {
	make_trace "$@"
}

# same_tree EXPECT_DIR ROOT/work: every expected file is byte-identical.
same_tree() {
	(cd "$1" && find . -type f) | while read -r f; do
		cmp "$1/$f" "$2/$f" || fail "$f differs from the expectation"
	done
}

# record_ok NAME ARGS...: record workload $W/NAME in $TMP/d.NAME into
# $TMP/NAME.iorr (77: the kernel lacks a feature, skip).  Needs
# tests/record/rec.sh sourced.
record_ok() {
	name=$1
	shift
	mkdir "$TMP/d.$name"
	rec "$TMP/$name.iorr" -- "$W/$name" "$@" "$TMP/d.$name"
	[ "$rc" -eq 77 ] && skip "$name: $(cat "$TMP/rec.out")"
	[ "$rc" -eq 0 ] || { cat "$TMP/rec.out" "$TMP/rec.err" >&2;
		fail "$name: recorded run exited $rc"; }
	grep -q 'loss 0$' "$TMP/rec.err" || fail "$name: events lost"
}

# replay_ok NAME FILE...: replay $TMP/NAME.iorr in recorded order: exit 0,
# no divergence, nothing skipped, and each FILE as the recording left it.
replay_ok() {
	name=$1
	shift
	root=$TMP/root.$name
	"$IORR" replay --order recorded --root "$root" --json \
		"$TMP/$name.iorr" >"$TMP/$name.json" 2>"$TMP/$name.err" ||
		{ cat "$TMP/$name.err" "$TMP/$name.json" >&2;
		  fail "$name: replay exited $?"; }
	grep -q '"verdict": "ok"' "$TMP/$name.json" || fail "$name: verdict"
	grep -q '"skipped": 0,' "$TMP/$name.json" ||
		fail "$name: ops were skipped"
	grep -q '"divergences": \[\]' "$TMP/$name.json" ||
		fail "$name: divergences"
	for f in "$@"; do
		cmp "$TMP/d.$name/$f" "$root$TMP/d.$name/$f" ||
			fail "$name: $f differs from the recording's"
	done
}

# fault OFF LEN WRITER: replay $t in recorded order with the replayed read
# of LEN bytes at OFF zeroed (the fault shim): exit 1, an impossible read
# whose expected bytes come from WRITER (a dump pattern).
fault() {
	IORR_FAULT_OFF=$1 IORR_FAULT_LEN=$2 IORR_FAULT=zero \
		LD_PRELOAD="$FAULT_SHIM" "$IORR" replay --order recorded "$t" \
		>"$TMP/f.out" 2>&1
	frc=$?
	[ $frc -eq 1 ] || { cat "$TMP/f.out" >&2;
		fail "fault at $1+$2: exit $frc, expected 1"; }
	grep -q "^divergence 1: impossible outcome: read of .*bytes $1\.\." \
		"$TMP/f.out" || { cat "$TMP/f.out" >&2;
		fail "fault at $1+$2: not an impossible read"; }
	grep -Eq "expected bytes from: .* $3" "$TMP/f.out" ||
		{ cat "$TMP/f.out" >&2; fail "fault at $1+$2: writer not $3"; }
}
