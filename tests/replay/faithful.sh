#!/bin/sh
# --order recorded replays each scenario with zero divergences (exit 0) and
# leaves files byte-identical to what the recording produced.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

for sc in sync aio uring threads; do
	mk $sc
	root="$TMP/root.$sc"
	"$IORR" replay --root "$root" "$TMP/$sc.iorr" >"$TMP/$sc.out" 2>&1 ||
		{ cat "$TMP/$sc.out"; fail "$sc: replay exited $?"; }
	grep -q "^OK: .* 0 divergences" "$TMP/$sc.out" ||
		fail "$sc: no OK summary"
	same_tree "$TMP/$sc.exp" "$root/work"
done
# files the trace removed or renamed away are gone
[ ! -e "$TMP/root.sync/work/new.txt" ] || fail "rename left new.txt"
[ ! -e "$TMP/root.sync/work/tmp" ] || fail "unlink left tmp"
# the punched hole reads back as zeros and the truncation holds
[ "$(stat -c %s "$TMP/root.sync/work/data.bin")" = 6000 ] ||
	fail "data.bin size"
# mode as recorded (umask of the recording applied)
[ "$(stat -c %a "$TMP/root.sync/work/sub/f")" = 640 ] || fail "sub/f mode"

# the default root is temporary and removed afterwards
# (in a private TMPDIR: concurrent tests make their own)
mkdir "$TMP/tmpdir"
TMPDIR="$TMP/tmpdir" "$IORR" replay "$TMP/sync.iorr" >/dev/null ||
	fail "replay in the default root failed"
[ -z "$(ls -A "$TMP/tmpdir")" ] || fail "temporary root not removed"

# hash-only payloads: stand-in bytes, checked against the model
mk hashonly
"$IORR" replay "$TMP/hashonly.iorr" >"$TMP/ho.out" 2>&1 ||
	{ cat "$TMP/ho.out"; fail "hashonly: exit $?"; }
grep -q "note: .*--data=hash" "$TMP/ho.out" || fail "hashonly: no note"

# JSON report
"$IORR" replay --json "$TMP/aio.iorr" >"$TMP/aio.json" || fail "json exit"
grep -q '"verdict": "ok"' "$TMP/aio.json" || fail "json verdict"
exit 0
