#!/bin/sh
# MariaDB under iorr record: a real server (Debian's mariadbd) in a private
# datadir runs a transactional workload and shuts down cleanly, once with
# InnoDB on io_uring and once with io_uring made unavailable to it (a
# seccomp filter, tests/record/no_uring) so that it falls back to libaio.
# The server's answers (CHECKSUM TABLE, a digest of every row) are the same
# recorded and not; the trace has InnoDB's data-file reads and writes
# through the async engine, a completion for every submission; and the
# trace replays in recorded order with no divergence.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
. "${top_srcdir:-.}/tests/record/mariadb-lib.sh"
NO_URING=${top_builddir:-.}/tests/record/no_uring
IORR=$(cd "$(dirname "$IORR")" && pwd)/$(basename "$IORR")
IORR_PRELOAD=$(cd "$(dirname "$IORR_PRELOAD")" && pwd)/$(basename "$IORR_PRELOAD")
NO_URING=$(cd "$(dirname "$NO_URING")" && pwd)/$(basename "$NO_URING")
cd "$TMP" || exit 99
trap 'md_kill; rm -rf "$TMP"' EXIT

m=$(md_missing)
[ -z "$m" ] || skip "$m not installed (scripts/install-deps installs it)"
need_prog python3
[ -x "$NO_URING" ] || skip "tests/record/no_uring not built"

md_sql 2000 >w.sql
md_install "$TMP/init" || { cat init.install.log >&2; fail "mariadb-install-db"; }

# mariadbd sets its own umask (0006, from its 0660 file mode): the trace
# records that umask() call and the replay creates its files with it, so
# the server starts with the usual umask; the dump must show the call.
umask 022

# run NAME TRACE [WRAPPER...]: a server on a copy of the fresh datadir,
# recorded into TRACE unless TRACE is "-"; the workload's output in
# NAME.out, the engine InnoDB chose in $engine.
run() {
	name=$1 tr=$2
	shift 2
	cp -a init "$name" || exit 99
	if [ "$tr" = - ]; then
		md_start "$TMP/$name" "$@"
	else
		md_start "$TMP/$name" "$@" "$IORR" record -o "$tr" --
	fi || { cat "$name.stderr" "$name/err.log" >&2; fail "$name: the server did not start"; }
	md_client "$TMP/$name" <w.sql >"$name.out" 2>"$name.cerr" ||
		{ cat "$name.cerr" >&2; fail "$name: the workload failed"; }
	md_stop "$TMP/$name"
	[ "$md_rc" -eq 0 ] || { cat "$name.stderr" >&2; fail "$name: the server exited $md_rc"; }
	grep -q 'Shutdown complete' "$name/err.log" ||
		fail "$name: no clean shutdown"
	engine=$(md_engine "$name")
	if [ "$tr" != - ]; then
		grep -q '^iorr record: .* events, .* loss 0$' "$name.stderr" ||
			{ cat "$name.stderr" >&2; fail "$name: no summary or a loss"; }
	fi
}

# check TRACE ENGINE: the decoded trace (iorr dump --json) has async reads
# and writes of InnoDB's files, each submission completed exactly once,
# with the full length; nothing was missed.
check() {
	"$IORR" dump --json "$1" >"$1.json" || fail "$1: iorr dump --json"
	"$IORR" stat --json "$1" >"$1.stat" || fail "$1: iorr stat --json"
	python3 - "$1.json" "$1.stat" "$2" <<'EOF' || fail "$1: decoded trace"
import json, sys, collections
evs = [json.loads(l) for l in open(sys.argv[1])]
stat = json.load(open(sys.argv[2]))
eng = sys.argv[3]
ops = stat["ops"]
bad = []
if eng == "uring":
    subs = {"uring_read": "r", "uring_readv": "r", "uring_write": "w",
            "uring_writev": "w"}
    done, other = "uring_cqe", ("uring_fsync", "uring_nop")
    for o in ("uring_missed", "loss"):
        if ops.get(o, {}).get("count", 0):
            bad.append("%s events" % o)
else:
    subs = {"aio_pread": "r", "aio_preadv": "r", "aio_pwrite": "w",
            "aio_pwritev": "w"}
    done, other = "aio_complete", ("aio_fsync", "aio_fdsync")
if not stat["complete"]:
    bad.append("the trace is not complete")
# fd -> path per process, from the opens and closes in recorded order
fds, req, files = {}, {}, collections.Counter()
opens = ("open", "openat", "openat2", "creat", "fopen", "freopen")
for e in evs:
    op, a, r = e["op"], e.get("args", {}), e.get("result", -1)
    if op in opens and r >= 0 and "path" in a:
        fds[(e["pid"], r)] = a["path"]
    elif op == "close":
        fds.pop((e["pid"], a.get("fd")), None)
    elif op in subs or op in other:
        p = fds.get((e["pid"], a.get("fd")), "?")
        req[a["req"]] = (op, p, sum(a.get("iov", [])) or a.get("len", 0))
        base = p.rsplit("/", 1)[-1]
        innodb = (base == "ibdata1" or base.endswith(".ibd") or
                  base.startswith("undo") or base.startswith("ib_logfile")
                  or base == "ibtmp1")
        if op in subs:
            files[(subs[op], "innodb" if innodb else "other")] += 1
            files[(subs[op], base)] += 1
seen = collections.Counter()
for e in evs:
    if e["op"] != done:
        continue
    q = e["args"]["req"]
    seen[q] += 1
    if q not in req:
        bad.append("completion of unknown request #%d" % q)
        continue
    op, p, n = req[q]
    if op in subs and e.get("result") != n:
        bad.append("%s of %s: %s of %d bytes" % (op, p, e.get("result"), n))
for q in req:
    if seen[q] != 1:
        bad.append("request #%d (%s of %s) completed %d times" %
                   (q, req[q][0], req[q][1], seen[q]))
for k in ("r", "w"):
    if not files[(k, "innodb")]:
        bad.append("no async %s of an InnoDB file" % ("read" if k == "r" else "write"))
if not files[("w", "t.ibd")]:
    bad.append("no async write of the table's t.ibd")
if not files[("w", "ibdata1")] + files[("r", "ibdata1")]:
    bad.append("no async I/O of ibdata1")
print("%s: %d async requests, all completed once; reads %d, writes %d of "
      "InnoDB files (t.ibd written %d times)" % (eng, len(req),
      files[("r", "innodb")], files[("w", "innodb")], files[("w", "t.ibd")]))
for b in bad[:20]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# replay TRACE: in recorded order, no divergence
replay() {
	timeout 300 "$IORR" replay --order recorded "$1" >"$1.replay" 2>&1
	st=$?
	[ $st -eq 0 ] && grep -q '^OK: .* 0 divergences' "$1.replay" ||
		{ tail -30 "$1.replay" >&2; fail "$1: replay exited $st"; }
	grep '^OK:' "$1.replay"
}

ran=0
# ---- io_uring -------------------------------------------------------------
run u0 -
if [ "$engine" = uring ]; then
	run u1 u.iorr
	[ "$engine" = uring ] || fail "recorded: InnoDB did not use io_uring"
	diff u0.out u1.out >&2 || fail "io_uring: the answers differ when recorded"
	grep -q '^w.t	[0-9]' u1.out || fail "no CHECKSUM TABLE result"
	check u.iorr uring
	"$IORR" dump u.iorr | grep -q ' umask(mask=06) = ' ||
		fail "u.iorr: mariadbd's umask() not recorded"
	replay u.iorr
	ran=1
else
	echo "io_uring: InnoDB did not use it ($(md_engine u0)); not checked" >&2
fi

# ---- libaio (io_uring unavailable to the server only) ------------------------
run a0 - "$NO_URING"
if [ "$engine" = libaio ]; then
	grep -q 'falling back to libaio\|io_uring_queue_init() failed' a0/err.log ||
		echo "libaio: InnoDB did not try io_uring first" >&2
	run a1 a.iorr "$NO_URING"
	[ "$engine" = libaio ] || fail "recorded: InnoDB did not use libaio"
	diff a0.out a1.out >&2 || fail "libaio: the answers differ when recorded"
	[ "$ran" -eq 0 ] || diff u0.out a0.out >&2 ||
		fail "the answers differ between io_uring and libaio"
	check a.iorr libaio
	replay a.iorr
	ran=1
else
	echo "libaio: InnoDB did not use it ($(md_engine a0)); not checked" >&2
fi
[ $ran -eq 1 ] || skip "the kernel refuses io_uring and libaio"
exit 0
