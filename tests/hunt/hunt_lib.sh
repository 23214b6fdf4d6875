# Common setup of the hunt tests (sourced after tests/lib.sh).
: "${MKHUNT:=${top_builddir:-.}/tests/hunt/mkhunt}"
: "${OVERLAP_SHIM:=${top_builddir:-.}/tests/hunt/.libs/overlap_shim.so}"
[ -x "$IORR" ] || skip "iorr not built ($IORR)"
[ -x "$MKHUNT" ] || skip "mkhunt not built ($MKHUNT)"

# mk SCENARIO [ITERATIONS]: write $TMP/SCENARIO.iorr.
mk() {
	"$MKHUNT" "$1" "$TMP/$1.iorr" ${2:+"$2"} || fail "mkhunt $1"
}

# hash_of REPLAY_OUTPUT: the schedule hash it printed.
hash_of() {
	sed -n 's/^schedule: hash \([0-9a-f]*\),.*/\1/p' "$1"
}
