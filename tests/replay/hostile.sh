#!/bin/sh
# Hostile traces (.., absolute paths, planted symlinks, hard links, rename
# over /) never read, write, create or delete anything outside the sandbox.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

canary="$TMP/canary"
mkdir -p "$canary/sub"
echo secret >"$canary/f"
echo other >"$canary/g"
echo deep >"$canary/sub/h"
sum() { (cd "$canary" && find . | sort && find . -type f | sort |
	xargs sha256sum); }
before=$(sum)
for sc in h_dotdot h_abs h_symlink h_link h_rename_root; do
	"$MKTRACE" $sc "$TMP/$sc.iorr" "" "$canary" || fail "mktrace $sc"
	"$IORR" replay --allow-missing-initial "$TMP/$sc.iorr" \
		>"$TMP/$sc.out" 2>&1
	rc=$?
	# divergences or a refusal, but never a crash or success by escape
	[ $rc -eq 1 ] || [ $rc -eq 2 ] || [ $sc = h_dotdot ] ||
		{ cat "$TMP/$sc.out"; fail "$sc: exit $rc"; }
	[ $rc -le 2 ] || { cat "$TMP/$sc.out"; fail "$sc: exit $rc"; }
	[ "$(sum)" = "$before" ] || fail "$sc: the canary changed"
done
# ".." climbs to the sandbox root and stays there: the file the trace
# wrote lands under the root (its directory made, as the recording had it)
mkdir "$TMP/dd"
"$IORR" replay --root "$TMP/dd" --allow-missing-initial "$TMP/h_dotdot.iorr" \
	>"$TMP/dd.out" 2>&1 || { cat "$TMP/dd.out"; fail "h_dotdot in --root"; }
[ "$(cat "$TMP/dd$canary/x")" = evil ] || fail "h_dotdot: not under the root"
[ "$(sum)" = "$before" ] || fail "h_dotdot: the canary changed"
grep -q "refused by the sandbox" "$TMP/h_rename_root.out" ||
	fail "rename over / not refused"
expect_exit 2 "$IORR" replay "$TMP/h_rename_root.iorr" >/dev/null 2>&1
exit 0
