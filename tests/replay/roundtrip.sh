#!/bin/sh
# Round trip: what `iorr record` captures, `iorr replay` reproduces with
# zero divergences, in recorded and in free order.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

[ -f "${IORR_PRELOAD:-}" ] || skip "the recorder is not built"
work="$TMP/work"
mkdir -p "$work"
cd "$work" || fail "cd"
printf 'initial\n' >pre.txt
"$IORR" record -o "$TMP/sh.iorr" -- sh -c '
	echo hello >a.txt; cat a.txt >/dev/null; cp a.txt b.txt
	cat pre.txt >>b.txt; mkdir d; mv a.txt d/c.txt; rm pre.txt
	dd if=/dev/zero of=z bs=4096 count=4 seek=2 2>/dev/null
	truncate -s 5000 z' >/dev/null 2>&1 || fail "record failed"
for order in recorded free; do
	"$IORR" replay --order $order "$TMP/sh.iorr" >"$TMP/o" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { cat "$TMP/o"; fail "sh, $order order: exit $rc"; }
done
# every workload program that is built
for wl in "${top_builddir:-.}"/tests/workloads/*; do
	[ -x "$wl" ] && [ -f "$wl" ] || continue
	case $wl in *.c|*.h|*.o|*.sh) continue;; esac
	name=$(basename "$wl")
	mkdir -p "$TMP/wl.$name"
	(cd "$TMP/wl.$name" && "$IORR" record -o "$TMP/$name.iorr" -- \
		"$wl" >/dev/null 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "note: $name: record exit $rc, skipped"; continue; }
	"$IORR" replay "$TMP/$name.iorr" >"$TMP/o" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { cat "$TMP/o"; fail "$name: replay exit $rc"; }
done
exit 0
