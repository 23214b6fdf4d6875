#!/bin/sh
# KNOWN BUGS (expected to fail: XFAIL_TESTS).  Faithful replays that still
# diverge; each case names what is known.  When every case replays with 0
# divergences this test passes, automake reports XPASS and make check fails:
# move the workloads back into roundtrip.sh then and drop this file.
#
#  fsstress_mix  reads of bytes the content model attributes to an earlier
#                writev come out different (impossible outcomes); recorder,
#                replay or model: not known yet.
#  stdio_calls   an fread after fgets/getc reads other bytes than recorded,
#                and fopen with an invalid mode string (EINVAL) is recorded
#                as a plain O_RDONLY fopen, which the replay opens.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

[ -f "${IORR_PRELOAD:-}" ] || skip "the recorder is not built"
bad=0
for name in fsstress_mix stdio_calls; do
	wl=${top_builddir:-.}/tests/workloads/$name
	[ -x "$wl" ] || skip "$name not built"
	mkdir -p "$TMP/$name/d"
	(cd "$TMP/$name" && "$IORR" record -o "$TMP/$name.iorr" -- \
		"$wl" "$TMP/$name/d" >/dev/null 2>&1) || fail "$name: record"
	if ! "$IORR" replay "$TMP/$name.iorr" >"$TMP/o" 2>&1; then
		echo "$name: $(tail -1 "$TMP/o")"
		bad=1
	fi
done
[ $bad -eq 0 ] || fail "faithful replays diverged"
exit 0
