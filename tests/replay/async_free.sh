#!/bin/sh
# io_uring and libaio traces replay in free order without deadlock and
# without false divergences: uring_mt (threads sharing one ring, a timeout
# that completes by the count of the other threads' writes), uring_calls,
# aio_calls and uring_multiextent, each replayed in recorded order and
# three times in free order, every replay under a time limit.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

[ -f "${IORR_PRELOAD:-}" ] || skip "the recorder is not built"
need_prog timeout
W=${top_builddir:-.}/tests/workloads
replayed=0
for spec in "uring_mt -t 4 -n 16" "uring_mt -t 3 -n 40" uring_calls \
	aio_calls uring_multiextent; do
	set -- $spec
	name=$1
	shift
	[ -x "$W/$name" ] || skip "$name not built"
	t=$TMP/$name.$#
	mkdir -p "$t/d"
	(cd "$t" && "$IORR" record -o "$t.iorr" -- "$W/$name" "$@" "$t/d" \
		>/dev/null 2>&1)
	rc=$?
	case $rc in
	0) ;;
	77) echo "note: $name: no io_uring or libaio here"; continue ;;
	*) fail "$name: record exit $rc" ;;
	esac
	for order in recorded free free free; do
		timeout 120 "$IORR" replay --order $order "$t.iorr" \
			>"$TMP/o" 2>&1
		rc=$?
		if [ $rc -eq 2 ] &&
		   grep -q "not supported by replay yet" "$TMP/o"; then
			echo "note: $name: $(grep -m1 'not supported' "$TMP/o")"
			continue 2
		fi
		[ $rc -eq 124 ] && fail "$name $*: --order $order hung"
		[ $rc -eq 0 ] ||
			{ cat "$TMP/o"; fail "$name $*: --order $order: exit $rc"; }
	done
	replayed=$((replayed + 1))
done
# uring_mt twice at least
[ $replayed -ge 2 ] || fail "only $replayed io_uring/libaio traces replayed"
exit 0
