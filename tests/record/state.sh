#!/bin/sh
# Initial state: each pre-existing file's content as the workload first
# touched it (before O_TRUNC), holes kept; files it created are recorded
# as absent.  Final state: size and mode of every touched file.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
[ -x "$REC_PROG" ] || skip "rec_prog not built"
need_prog python3
mkdir "$TMP/d"
printf 'original content\n' >"$TMP/d/t0"
truncate -s 1M "$TMP/d/t0"
printf 'tail' >>"$TMP/d/t0"
rec "$TMP/s.iorr" -- "$REC_PROG" threads "$TMP/d"
[ "$rc" -eq 0 ] || fail "status $rc"
"$IORR" json "$TMP/s.iorr" >"$TMP/s.json" || fail "iorr json failed"
python3 - "$TMP/s.json" "$TMP/d" <<'PY' || fail "state check"
import json, os, sys
d = json.load(open(sys.argv[1]))
root = sys.argv[2]
init = {s["path"]: s for s in d["initial_state"]}
final = {s["path"]: s for s in d["final_state"]}
def blob(i):
    b = d["blobs"][i]
    return b["text"].encode() if "text" in b else bytes.fromhex(b["hex"])
t0 = init[root + "/t0"]
assert t0["exists"] and t0["size"] == 1048580, t0
ext = t0["extents"]
assert ext[0]["off"] == 0 and blob(ext[0]["blob"]).startswith(b"original content\n"), ext
assert ext[-1]["off"] + ext[-1]["len"] == 1048580, ext
assert sum(e["len"] for e in ext) < 1048580 // 2, "holes not kept"
assert blob(ext[-1]["blob"]).endswith(b"tail")
for i in (1, 2, 3):
    s = init[root + "/t%d" % i]
    assert not s["exists"], s
for i in range(4):
    p = root + "/t%d" % i
    f = final[p]
    assert f["exists"] and f["size"] == os.stat(p).st_size == 51200, f
    assert f["hash"], f
PY
# --snapshot=none: no initial state
rec "$TMP/n.iorr" --snapshot=none -- "$REC_PROG" threads "$TMP/d"
"$IORR" json "$TMP/n.iorr" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert not d["initial_state"], d["initial_state"]
# the 4 files and the stdout file (rec.out), which printf wrote
names = sorted(f["path"].rsplit("/", 1)[-1] for f in d["final_state"])
assert names == ["rec.out", "t0", "t1", "t2", "t3"], names' ||
	fail "--snapshot=none"
# The first-touch copy is made by iorr record, not in the workload: the
# workload itself opens the file once (cat's own open) and creates nothing,
# so its other threads see the fd numbers they see untraced.
if command -v strace >/dev/null 2>&1; then
	printf 'snap me\n' >"$TMP/d/c0"
	rec "$TMP/c.iorr" -- strace -f -qq -e trace=openat,open,creat \
		-o "$TMP/c.strace" cat "$TMP/d/c0"
	[ "$rc" -eq 0 ] || fail "strace under iorr record: status $rc"
	n=$(grep -c "\"$TMP/d/c0\"" "$TMP/c.strace")
	[ "$n" -eq 1 ] || fail "the workload opened c0 $n times: $(cat "$TMP/c.strace")"
	! grep -q O_EXCL "$TMP/c.strace" ||
		fail "the workload created the snapshot copy itself"
	"$IORR" json "$TMP/c.iorr" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = [s for s in d["initial_state"] if s["path"].endswith("/d/c0")]
assert len(s) == 1 and s[0]["exists"] and s[0]["size"] == 8, s
b = d["blobs"][s[0]["extents"][0]["blob"]]
assert b.get("text") == "snap me\n", b' || fail "snapshot of c0 made by the recorder"
fi
exit 0
