# Common setup of the export-c tests (sourced after tests/lib.sh).
: "${MKTRACE:=${top_builddir:-.}/tests/replay/mktrace}"
: "${FAULT_SHIM:=${top_builddir:-.}/tests/replay/.libs/fault_shim.so}"
[ -x "$IORR" ] || skip "iorr not built ($IORR)"
CC=${CC_FOR_TESTS:-cc}
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC)"

# build C_FILE BIN: compile an exported program as its header says, with
# every warning an error.
build() {
	"$CC" -Wall -Werror -o "$2" "$1" -luring -laio -lpthread \
		>"$TMP/cc.log" 2>&1 ||
		{ cat "$TMP/cc.log" >&2; fail "$1 does not compile"; }
}

# export_run TRACE NAME [EXPORT OPTIONS...]: export, build, run in a fresh
# directory; leaves the status in $rc and the output in $TMP/NAME.out.
export_run() {
	t=$1
	n=$2
	shift 2
	"$IORR" export-c "$@" -o "$TMP/$n.c" "$t" 2>"$TMP/$n.err" ||
		{ cat "$TMP/$n.err" >&2; fail "$n: export-c exited $?"; }
	build "$TMP/$n.c" "$TMP/$n"
	rm -rf "$TMP/dir.$n"
	timeout 60 "$TMP/$n" "$TMP/dir.$n" >"$TMP/$n.out" 2>&1
	rc=$?
}
