#!/bin/sh
# --scratch makes, mounts and removes a loop filesystem per replay.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"

need_root
need_prog losetup
mk sync
mk aio
ran=0
for spec in ext4:-b1024 xfs btrfs; do
	fs=${spec%%:*}
	command -v mkfs.$fs >/dev/null 2>&1 || continue
	grep -qw $fs /proc/filesystems || modprobe $fs 2>/dev/null ||
		continue
	# NOTE: a private TMPDIR, so that loop devices and mounts of
	# concurrent tests do not count.
	scr="$TMP/scr"
	mkdir -p "$scr"
	for sc in sync aio; do
		TMPDIR="$scr" "$IORR" replay --scratch $spec "$TMP/$sc.iorr" \
			>"$TMP/o" 2>&1 ||
			{ cat "$TMP/o"; fail "$spec $sc: exit $?"; }
	done
	! losetup -a | grep -q "$scr/" || fail "$spec: loop left"
	! grep -q "$scr/" /proc/mounts || fail "$spec: mount left"
	[ -z "$(ls -A "$scr")" ] || fail "$spec: scratch files left"
	ran=1
done
[ $ran = 1 ] || skip "no mkfs for btrfs, xfs or ext4"
# a failing mkfs is an environment error, and leaves nothing behind
TMPDIR="$scr" expect_exit 2 "$IORR" replay --scratch ext4:--no-such-option \
	"$TMP/sync.iorr" 2>/dev/null
[ -z "$(ls -A "$scr")" ] || fail "scratch image left behind"
exit 0
