#!/bin/sh
# Regenerate traces/mariadb-uring.iorr and traces/mariadb-libaio.iorr:
# Debian's MariaDB server (mariadbd) recorded with iorr record while it runs
# a small transactional workload (tests/record/mariadb-lib.sh) and shuts
# down cleanly, InnoDB on io_uring and, with io_uring unavailable to the
# server (tests/record/no_uring), on libaio.  Run from a built source tree
# (./iorr, tests/record/no_uring: make && make check TESTS=) with
# mariadb-server and mariadb-client installed.
#   traces/regen-mariadb.sh [ROWS]      (default 400 rows)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/record/mariadb-lib.sh"
IORR=$top/iorr
NO_URING=$top/tests/record/no_uring
IORR_PRELOAD=$top/.libs/libiorr-record.so
export IORR_PRELOAD
rows=${1:-400}

m=$(md_missing)
[ -z "$m" ] || { echo "regen-mariadb: $m not installed" >&2; exit 1; }
for f in "$IORR" "$NO_URING" "$IORR_PRELOAD"; do
	[ -e "$f" ] || { echo "regen-mariadb: $f not built" >&2; exit 1; }
done
# a fixed directory: the paths in the traces do not depend on mktemp
dir=${TMPDIR:-/tmp}/iorr-mariadb
rm -rf "$dir" && mkdir -p "$dir" || exit 1
trap 'md_kill; rm -rf "$dir"' EXIT
md_sql "$rows" >"$dir/w.sql"
md_install "$dir/init" || { cat "$dir/init.install.log" >&2; exit 1; }
# mariadbd sets umask 0006 itself: the trace records that umask() call
umask 022

# one NAME ENGINE [WRAPPER]: record into traces/mariadb-NAME.iorr
one() {
	name=$1 want=$2
	shift 2
	cp -a "$dir/init" "$dir/$name" || exit 1
	out=$top/traces/mariadb-$name.iorr
	md_start "$dir/$name" "$@" "$IORR" record -o "$out" -- ||
		{ cat "$dir/$name.stderr" >&2; exit 1; }
	md_client "$dir/$name" <"$dir/w.sql" || exit 1
	md_stop "$dir/$name"
	[ "$md_rc" -eq 0 ] || { cat "$dir/$name.stderr" >&2; exit 1; }
	got=$(md_engine "$dir/$name")
	[ "$got" = "$want" ] ||
		{ echo "regen-mariadb: InnoDB used $got, not $want" >&2; exit 1; }
	chmod 644 "$out"
	tail -1 "$dir/$name.stderr"
}

one uring uring
one libaio libaio "$NO_URING"
for t in uring libaio; do
	"$IORR" replay --order recorded "$top/traces/mariadb-$t.iorr" | tail -1
done
