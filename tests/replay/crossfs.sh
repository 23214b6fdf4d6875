#!/bin/sh
# A recording made on one filesystem replays faithfully on another: calls
# the recording's filesystem refused (tmpfs has no collapse, insert or zero
# range; ext4 no clone) fail as recorded instead of changing the replay's
# files.  fsstress_mix recorded on a tmpfs, replayed under $TMPDIR.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

need_root
[ -f "${IORR_PRELOAD:-}" ] || skip "the recorder is not built"
wl=${top_builddir:-.}/tests/workloads/fsstress_mix
[ -x "$wl" ] || skip "fsstress_mix not built"
mkdir "$TMP/mnt" || fail "mkdir"
mount -t tmpfs -o size=64m iorr-crossfs "$TMP/mnt" 2>/dev/null ||
	skip "cannot mount a tmpfs"
trap 'umount "$TMP/mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir "$TMP/mnt/d"
(cd "$TMP/mnt" && "$IORR" record -o "$TMP/fs.iorr" -- "$wl" "$TMP/mnt/d" \
	>"$TMP/wl.out" 2>&1) || { cat "$TMP/wl.out"; fail "record"; }
grep -q 'EOPNOTSUPP' "$TMP/wl.out" ||
	skip "the tmpfs refused nothing: nothing to test"
# the replay root is not on that tmpfs (TMPDIR may itself be a tmpfs: then
# this is a same-filesystem replay, which must pass as well)
"$IORR" replay --order recorded "$TMP/fs.iorr" >"$TMP/o" 2>&1 ||
	{ cat "$TMP/o"; fail "replay of a tmpfs recording diverged"; }
grep -q 'filesystem refused .* not reissued' "$TMP/o" ||
	{ cat "$TMP/o"; fail "no note of the calls kept failed"; }
exit 0
