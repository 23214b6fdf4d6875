# Common setup sourced by the shell tests (tests/*/*.sh).
# Exit status convention (automake): 0 pass, 1 fail, 77 skip, 99 hard error.
set -u

: "${IORR:=${top_builddir:-.}/iorr}"
: "${top_srcdir:=.}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/iorr-test.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

need_prog() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"
}

# expect_exit N CMD...: run CMD, fail unless it exits with N.
expect_exit() {
	want=$1
	shift
	"$@"
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want"
}

# random_files DIR: DIR/f0..f19 of random bytes, 1 to 19001 bytes long.
random_files() {
	mkdir "$1" || fail "mkdir $1"
	i=0
	while [ $i -lt 20 ]; do
		head -c $((i * 1000 + 1)) /dev/urandom >"$1/f$i"
		i=$((i + 1))
	done
}

# make_trace SCENARIO [ARG]: write $TMP/SCENARIO.iorr (tests/replay/mktrace)
# and its expected files in $TMP/SCENARIO.exp/.
make_trace() {
	mkdir -p "$TMP/$1.exp"
	"${MKTRACE:-${top_builddir:-.}/tests/replay/mktrace}" "$1" \
		"$TMP/$1.iorr" "$TMP/$1.exp" ${2:+"$2"} || fail "mktrace $1"
}

# record_counter_race NAME N [FLAG]: record tests/workloads/counter_race
# -t 2 -n N FLAG (in $TMP/w) into $TMP/NAME.iorr; skip where it cannot be.
record_counter_race() {
	cr=${top_builddir:-.}/tests/workloads/counter_race
	[ -x "$cr" ] || skip "tests/workloads/counter_race not built"
	"$IORR" record --help >/dev/null 2>&1 ||
		skip "iorr record not available"
	mkdir -p "$TMP/w"
	(cd "$TMP/w" && "$IORR" record -o "$TMP/$1.iorr" -- "$cr" -t 2 \
		-n "$2" ${3:+"$3"} .) >"$TMP/rec.log" 2>&1 ||
		skip "iorr record failed: $(tail -1 "$TMP/rec.log")"
}
