#!/bin/sh
# Round trip: what `iorr record` captures, `iorr replay` reproduces with
# zero divergences, in recorded and in free order: a shell session and
# every workload program (those racing by design: order-dependent outcomes
# only, never impossible ones).
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
# every workload program that is built, in a directory that existed before
# the recording (the replay must make it: the trace lists only files)
replayed=0
for wl in "${top_builddir:-.}"/tests/workloads/*; do
	[ -x "$wl" ] && [ -f "$wl" ] || continue
	case $wl in *.c|*.h|*.o|*.sh) continue;; esac
	name=$(basename "$wl")
	args=
	case $name in
	sigkill_victim) args="-n 64" ;;	# runs until killed otherwise
	esac
	mkdir -p "$TMP/wl.$name/d"
	(cd "$TMP/wl.$name" && "$IORR" record -o "$TMP/$name.iorr" -- \
		"$wl" $args "$TMP/wl.$name/d" >/dev/null 2>&1)
	rc=$?
	case $rc in
	0) ;;
	77) echo "note: $name: the kernel or filesystem lacks a feature"
	    continue ;;
	*) fail "$name: record exit $rc" ;;
	esac
	for order in recorded free; do
		timeout 300 "$IORR" replay --order $order "$TMP/$name.iorr" \
			>"$TMP/o" 2>&1
		rc=$?
		if [ $rc -eq 2 ] && grep -q "not supported by replay yet" "$TMP/o"; then
			case $name in
			uring_calls | uring_ops | aio_calls | posix_calls)
				# every op these make is replayed
				cat "$TMP/o"
				fail "$name: refused by replay" ;;
			esac
			echo "note: $name: $(grep -m1 'not supported' "$TMP/o")"
			continue 2
		fi
		# A read that overlapped a write in time (dio_vs_buffered and the
		# unlocked counter_race race by design) can return bytes that no
		# serial order gives: order-dependent, never impossible.
		case $name in
		dio_vs_buffered | counter_race)
			if [ $rc -eq 1 ] && grep -q "(0 impossible," "$TMP/o"; then
				rc=0
			fi ;;
		esac
		[ $rc -eq 0 ] ||
			{ cat "$TMP/o"; fail "$name: --order $order: exit $rc"; }
	done
	replayed=$((replayed + 1))
done
# mt_writers, counter_race, fork_exec,
# daemon_closefds, sigkill_victim, signal_io, dio_vs_buffered at least
[ $replayed -ge 6 ] || fail "only $replayed workloads replayed"
exit 0
