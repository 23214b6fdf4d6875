#!/bin/sh
# Golden traces of every trace format version stay readable.
#
# tests/golden/vM_N/ holds traces written by the writer of format M.N
# (tests/golden/README.md): each NAME.iorr there must carry version M.N in
# its header, dump exactly as NAME.dump, completely (no truncation
# warning), and export to JSON.  The directory of the current format
# version (iorr --version) must exist: a format bump without a new golden
# set fails here.
. "$top_srcdir/tests/lib.sh"

G=$top_srcdir/tests/golden
cur=$("$IORR" --version | sed -n 's/.*(trace format \([0-9]*\)\.\([0-9]*\)).*/v\1_\2/p')
[ -n "$cur" ] || fail "iorr --version names no trace format"
[ -d "$G/$cur" ] ||
	fail "no golden traces of the current format ($G/$cur): add a set (tests/golden/README.md)"

n=0 nver=0
for dir in "$G"/*/; do
	dir=${dir%/}
	ver=$(basename "$dir")
	case $ver in
	v[0-9]*_[0-9]*) ;;
	*) fail "tests/golden/$ver: not a version directory vMAJOR_MINOR" ;;
	esac
	want_hdr=$(echo "$ver" | sed 's/^v\([0-9]*\)_\([0-9]*\)$/\1 \2/')
	m=0
	for golden in "$dir"/*.iorr; do
		[ -f "$golden" ] || break
		want=${golden%.iorr}.dump
		name=$ver/$(basename "$golden")
		[ -f "$want" ] || fail "$name has no .dump"
		hdr=$(od -An -tu2 -j8 -N4 "$golden" | awk '{print $1, $2}')
		[ "$hdr" = "$want_hdr" ] ||
			fail "$name: header says format $hdr, its directory $ver"
		"$IORR" dump "$golden" >"$TMP/out" 2>"$TMP/err" ||
			fail "$name: dump failed: $(cat "$TMP/err")"
		[ -s "$TMP/err" ] && fail "$name: dump complained: $(cat "$TMP/err")"
		diff -u "$want" "$TMP/out" || fail "$name: dump differs"
		"$IORR" json "$golden" >"$TMP/out.json" 2>"$TMP/err" ||
			fail "$name: json failed: $(cat "$TMP/err")"
		[ -s "$TMP/err" ] && fail "$name: json complained: $(cat "$TMP/err")"
		m=$((m + 1))
	done
	for d in "$dir"/*.dump; do
		[ -f "${d%.dump}.iorr" ] || fail "$ver/$(basename "$d") has no .iorr"
	done
	[ "$m" -ge 1 ] || fail "tests/golden/$ver has no golden traces"
	echo "$ver: $m golden traces"
	n=$((n + m))
	nver=$((nver + 1))
done
[ "$n" -ge 3 ] || fail "only $n golden traces found"

# Format 1.1 added the libaio iocb_flags, resfd and user_data fields and
# uring_cqe's late: the 1.1 set must show them set, the 1.0 set as 0.
if [ -d "$G/v1_1" ]; then
	grep -q 'aio_pwrite(.*iocb_flags=1, resfd=6, user_data=9223372036854775807)' \
		"$G/v1_1/async.dump" || fail "v1_1/async.dump lacks the 1.1 aio fields"
	grep -q 'uring_cqe(.*late=1)' "$G/v1_1/async.dump" ||
		fail "v1_1/async.dump lacks uring_cqe late=1"
	grep -q 'iocb_flags=0, resfd=0, user_data=0' "$G/v1_0/libaio.dump" ||
		fail "v1_0/libaio.dump: 1.0 traces must decode the 1.1 fields as 0"
fi
exit 0
