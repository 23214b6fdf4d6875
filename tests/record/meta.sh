#!/bin/sh
# File metadata (format 1.2): umask, chmod/fchmod/fchmodat, chown, the utime
# family and their syscall() forms are recorded transparently (same output,
# results, errno and modes traced and untraced) and replay with 0
# divergences, final modes included.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
[ -x "$REC_PROG" ] || skip "rec_prog not built"

mkdir -p "$TMP/raw" "$TMP/rec"
(umask 022; "$REC_PROG" meta "$TMP/raw") >"$TMP/raw.out" 2>&1 ||
	fail "rec_prog meta failed"
T=$TMP/meta.iorr
(umask 022; rec "$T" -- "$REC_PROG" meta "$TMP/rec"; echo "$rc" >"$TMP/rc")
[ "$(cat "$TMP/rc")" -eq 0 ] || fail "recorded run failed"
cmp -s "$TMP/raw.out" "$TMP/rec.out" ||
	{ diff "$TMP/raw.out" "$TMP/rec.out" >&2; fail "output differs"; }
grep -q '^a: 0604 ' "$TMP/rec.out" || fail "a: mode"
grep -q '^b: 0755 size 6 mtime 4000000' "$TMP/rec.out" || fail "b: mode/time"
grep -q '^e: 0640 ' "$TMP/rec.out" || fail "e: mode"

expect_count "$T" ' umask\(mask=027\) = ' 1
expect_count "$T" ' umask\(mask=077\) = ' 1
expect_count "$T" ' fchmod\(fd=[0-9]+, mode=0604\) = 0' 1
expect_count "$T" ' futimens\(fd=[0-9]+, atime=1000000000000005, mtime=2000000000000007\) = 0' 1
expect_count "$T" ' fchown\(fd=[0-9]+, uid=[0-9]+, gid=-1\) = 0' 1
expect_count "$T" ' chmod\(path=".*/b", mode=0755\) = 0' 1
expect_count "$T" ' utimensat\(dirfd=-100, path=".*/b", atime=3000000000000000, mtime=4000000000000000' 1
expect_count "$T" ' utimensat\(dirfd=-100, path=".*/a", atime=-1, mtime=-1' 1
expect_count "$T" ' fchmodat\(dirfd=[0-9]+, path=".*/sub/c", mode=0640' 1
expect_count "$T" ' fchownat\(' 1
expect_count "$T" ' chown\(path=".*/sub/c"' 1
expect_count "$T" ' lchown\(path=".*/sub/c", uid=-1, gid=-1\)' 1
# the syscall() forms
expect_count "$T" ' chmod\(path=".*/sub/c", mode=0444\) = 0' 1
expect_count "$T" ' fchmodat\(dirfd=[0-9]+, path=".*/sub/c", mode=0400' 1
expect_count "$T" ' chmod\(path="/nonexistent/x", mode=0600\) = -1 ENOENT' 1

# replay: the final modes (0604, 0755, 0700, 0644 and the umask-made 0640
# and 0600 before the chmods) are checked against the recording; run the
# replay under a umask that would give other modes
for seed in 1 2 3; do
	(umask 077; "$IORR" replay --seed $seed "$T") >"$TMP/rp.out" 2>&1 ||
		{ cat "$TMP/rp.out" >&2; fail "replay seed $seed"; }
	grep -q ': 0 divergences' "$TMP/rp.out" ||
		{ cat "$TMP/rp.out" >&2; fail "replay seed $seed: divergences"; }
done

# a umask the recording did not make (recorded result changed): diverges
"$IORR" json "$T" >"$TMP/t.json" || fail "json"
python3 - "$TMP/t.json" <<'PY' || skip "no python3"
import json, sys
p = sys.argv[1]
t = json.load(open(p))
evs = t["events"]
n = 0
for e in evs:
    if e.get("op") == "umask" and e["args"]["mask"] == "027":
        e["args"]["mask"] = "007"
        n += 1
assert n == 1, n
json.dump(t, open(p, "w"))
PY
"$IORR" import -o "$TMP/bad.iorr" "$TMP/t.json" || fail "import"
"$IORR" replay "$TMP/bad.iorr" >"$TMP/rp.out" 2>&1
[ $? -eq 1 ] || { cat "$TMP/rp.out" >&2; fail "a changed umask did not diverge"; }
grep -q 'mode 0100660, recorded 0100640' "$TMP/rp.out" ||
	{ cat "$TMP/rp.out" >&2; fail "no mode divergence"; }
exit 0
