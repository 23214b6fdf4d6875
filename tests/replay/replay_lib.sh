# Common setup of the replay tests (sourced after tests/lib.sh).
: "${MKTRACE:=${top_builddir:-.}/tests/replay/mktrace}"
: "${FAULT_SHIM:=${top_builddir:-.}/tests/replay/.libs/fault_shim.so}"
[ -x "$IORR" ] || skip "iorr not built ($IORR)"
[ -x "$MKTRACE" ] || skip "mktrace not built ($MKTRACE)"

# mk SCENARIO: write $TMP/SCENARIO.iorr and its expected files in
# $TMP/SCENARIO.exp/.
mk() {
	mkdir -p "$TMP/$1.exp"
	"$MKTRACE" "$1" "$TMP/$1.iorr" "$TMP/$1.exp" ${2:+"$2"} ||
		fail "mktrace $1"
}

# same_tree EXPECT_DIR ROOT/work: every expected file is byte-identical.
same_tree() {
	(cd "$1" && find . -type f) | while read -r f; do
		cmp "$1/$f" "$2/$f" || fail "$f differs from the expectation"
	done
}
