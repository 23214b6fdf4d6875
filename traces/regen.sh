#!/bin/sh
# Regenerate the recorded sample traces of traces/ from the workloads in
# tests/workloads/ (see traces/README.md for what each one shows).
#
# Usage: traces/regen.sh [BUILDDIR]
#   BUILDDIR  where iorr and the workloads are built (default: the source
#             tree); build the workloads first with `make check` or
#             `make tests/workloads/counter_race ...`.
# Environment:
#   IORR_SAMPLE_DIR  where the workloads do their I/O (default
#             /var/tmp/iorr-samples); it must be on a filesystem with real
#             O_DIRECT (ext4, xfs, btrfs; not tmpfs).  The recorded paths
#             name it, so keep the default for samples you commit.
#
# The workloads are seeded and their parameters fixed, so the events are
# the same from run to run; the timing (and so the interleaving of the
# threads) is not.  Every sample is checked after recording against the
# verdict traces/README.md documents, and recorded again (up to 30 times)
# until it holds: e.g. a dio_vs_buffered run in which a buffered read
# overlapped a direct write in time replays with order-dependent
# divergences in recorded order, and is thrown away.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src}" && pwd)
iorr=$build/iorr
wl=$build/tests/workloads
out=$src/traces
dir=${IORR_SAMPLE_DIR:-/var/tmp/iorr-samples}
# The seed the README documents for the counter race's diverging replay.
counter_seed=3

for p in "$iorr" "$wl/dio_vs_buffered" "$wl/uring_multiextent" \
	 "$wl/fsstress_mix" "$wl/counter_race"; do
	[ -x "$p" ] || { echo "regen.sh: $p is not built" >&2; exit 2; }
done

# record NAME CHECK WORKLOAD ARGS...: record WORKLOAD ARGS... DIR/NAME into
# traces/NAME.iorr until the shell function CHECK accepts the trace.
record() {
	name=$1 check=$2
	shift 2
	try=1
	while :; do
		rm -rf "$dir/io/$name"
		mkdir -p "$dir/io/$name"
		# only the workload's own directory: not its output files
		"$iorr" record --include "$dir/io" -o "$dir/$name.iorr" -- \
			"$@" "$dir/io/$name" >"$dir/$name.out" 2>&1 || {
			cat "$dir/$name.out" >&2
			echo "regen.sh: $name: the workload failed" >&2
			exit 1
		}
		size=$(wc -c <"$dir/$name.iorr")
		if [ "$size" -ge 1048576 ]; then
			echo "regen.sh: $name: $size bytes, not under 1 MiB" >&2
			exit 1
		fi
		if "$check" "$dir/$name.iorr"; then
			cp "$dir/$name.iorr" "$out/$name.iorr"
			echo "$name.iorr: $size bytes (attempt $try)"
			return 0
		fi
		try=$((try + 1))
		if [ "$try" -gt 30 ]; then
			echo "regen.sh: $name: no recording with the documented verdict in 30 attempts" >&2
			exit 1
		fi
	done
}

# A faithful replay in recorded order: 0 divergences.
faithful() {
	"$iorr" replay "$1" >/dev/null 2>&1
}

# Faithful, also with every page cache dropped; the documented seeded
# order gives order-dependent outcomes, never impossible ones.
dio_check() {
	faithful "$1" || return 1
	"$iorr" replay --perturb dropcache:1 "$1" >/dev/null 2>&1 || return 1
	"$iorr" replay --order pct:2 --perturb dropcache:0.5 --seed 0 "$1" \
		>"$dir/dio.seed.out" 2>&1
	[ $? -eq 1 ] || return 1
	grep -q '(0 impossible, [1-9][0-9]* order-dependent)' \
		"$dir/dio.seed.out"
}

# Faithful replay passes, and the documented seed loses an update.
counter_check() {
	faithful "$1" || return 1
	"$iorr" replay --order pct:2 --seed "$counter_seed" "$1" \
		>"$dir/counter.seed.out" 2>&1
	[ $? -eq 1 ] || return 1
	grep -q '(0 impossible, [1-9][0-9]* order-dependent)' \
		"$dir/counter.seed.out"
}

record dio-vs-buffered dio_check "$wl/dio_vs_buffered" -n 2 -B 4 -r 1
record uring-multiextent faithful "$wl/uring_multiextent" -e 4 -n 2
record fsstress-mix faithful "$wl/fsstress_mix" -p 3 -n 16 -s 1
record counter-race counter_check "$wl/counter_race" -t 2 -n 20
rm -rf "$dir"
