# Common setup of the shrink tests (sourced after tests/lib.sh).
: "${MKHUNT:=${top_builddir:-.}/tests/hunt/mkhunt}"
: "${MKTRACE:=${top_builddir:-.}/tests/replay/mktrace}"
: "${FAULT_SHIM:=${top_builddir:-.}/tests/replay/.libs/fault_shim.so}"
[ -x "$IORR" ] || skip "iorr not built ($IORR)"

# nops TRACE: its number of events.
nops() {
	"$IORR" stat "$1" | sed -n 's/^[^ ]*: \([0-9]*\) events,.*/\1/p'
}

# check_shrunk OUT MIN MAX: the shrink output OUT says MIN was written,
# MIN has at most MAX ops, and the printed command reproduces the same
# divergence (kind and class) while a recorded-order replay passes.
check_shrunk() {
	n=$(nops "$2")
	[ -n "$n" ] || fail "$2: no op count"
	[ "$n" -le "$3" ] || fail "$2: $n ops, more than $3"
	before=$(sed -n 's/^shrink: .*: \([0-9]*\) ops -> \([0-9]*\) ops.*/\1/p' "$1")
	after=$(sed -n 's/^shrink: .*: \([0-9]*\) ops -> \([0-9]*\) ops.*/\2/p' "$1")
	[ "$after" = "$n" ] || fail "result line says $after ops, trace has $n"
	[ "$before" -gt "$n" ] || fail "not smaller: $before -> $n"
	kind=$(sed -n 's/^divergence: \([a-z]*\), \([a-z-]*\),.*/\1/p' "$1")
	cls=$(sed -n 's/^divergence: \([a-z]*\), \([a-z-]*\),.*/\2/p' "$1")
	cmd=$(sed -n 's/^reproduce: iorr //p' "$1")
	[ -n "$cmd" ] || fail "no reproducing command"
	eval "\"\$IORR\" $cmd --json" >"$TMP/repro.json"
	rc=$?
	[ $rc -eq 1 ] || fail "reproducing command exited $rc: $cmd"
	grep -q "\"kind\": \"$kind\"" "$TMP/repro.json" ||
		fail "reproduced divergence is not of kind $kind"
	grep -q "\"class\": \"$cls\"" "$TMP/repro.json" ||
		fail "reproduced divergence is not of class $cls"
}
