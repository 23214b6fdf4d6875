#!/bin/sh
# The conflict links the timeline draws are exactly the conflicting
# unordered pairs on file bytes that `iorr dump --conflicts` lists (one
# analysis, the replay library's), on the recorded sample traces.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/timeline/timeline_lib.sh"
need_prog python3

for t in counter-race dio-vs-buffered; do
	f=$top_srcdir/traces/$t.iorr
	"$IORR" timeline -o "$TMP/$t.html" "$f" || fail "$t: timeline"
	"$IORR" dump --conflicts --json "$f" >"$TMP/$t.ndjson" ||
		fail "$t: dump --conflicts"
	python3 - "$TMP/$t.html" "$TMP/$t.ndjson" <<'PY' || fail "$t: links differ"
import json, re, sys
html = open(sys.argv[1]).read()
def tag(name):
    return json.loads(re.search(r'id="%s">(.*?)</script>' % name, html,
                                re.S).group(1))
d, det = tag("tl-data"), tag("tl-detail")
seqs, s = [], 0
for v in det["s"]:          # bar positions -> seqs (delta-coded)
    s += v
    seqs.append(s)
C, files = d["conflicts"], [f["path"] for f in d["files"]]
drawn = {(min(seqs[a], seqs[b]), max(seqs[a], seqs[b]), files[f], bool(o))
         for a, b, f, o in zip(C["a"], C["b"], C["f"], C["ov"])}
want = set()
for line in open(sys.argv[2]):
    o = json.loads(line)
    if o["what"] == "bytes":
        x, y = sorted(op["seq"] for op in o["ops"])
        want.add((x, y, o["file"], o["overlapped_in_time"]))
print("%d links drawn, %d pairs listed, total %d" %
      (len(drawn), len(want), C["total"]))
if not want or drawn != want or C["total"] != len(want) or \
   len(C["a"]) != len(want):
    for x in sorted(drawn ^ want)[:10]:
        print("only in", "timeline" if x in drawn else "dump", x)
    sys.exit(1)
PY
done

# A bounded count (--max-count): the pairs drawn are pairs the full
# analysis lists, the total is the bound and the page says "more".
GEN_BIG=${top_builddir:-.}/tests/timeline/gen_big
[ -x "$GEN_BIG" ] || skip "gen_big not built"
"$GEN_BIG" "$TMP/mid.iorr" 20000 || fail "gen_big"
"$IORR" dump --conflicts --json --max-pairs 100000 "$TMP/mid.iorr" \
	>"$TMP/mid.ndjson" || fail "mid: dump --conflicts"
for c in 1000 0; do
	"$IORR" timeline --max-conflicts 100 --max-count $c \
		-o "$TMP/mid$c.html" "$TMP/mid.iorr" || fail "mid: timeline"
	python3 - "$TMP/mid$c.html" "$TMP/mid.ndjson" $c <<'PY' ||
import json, re, sys
html = open(sys.argv[1]).read()
def tag(name):
    return json.loads(re.search(r'id="%s">(.*?)</script>' % name, html,
                                re.S).group(1))
d, det = tag("tl-data"), tag("tl-detail")
seqs, s = [], 0
for v in det["s"]:
    s += v
    seqs.append(s)
C = d["conflicts"]
drawn = {(min(seqs[a], seqs[b]), max(seqs[a], seqs[b]))
         for a, b in zip(C["a"], C["b"])}
want = {tuple(sorted(op["seq"] for op in json.loads(l)["ops"]))
        for l in open(sys.argv[2])}
c = int(sys.argv[3])
print("count %d: %d drawn, total %d, more %s, %d listed" %
      (c, len(drawn), C["total"], C["more"], len(want)))
assert len(want) > 1000 and len(drawn) == 100 and drawn <= want
if c:
    assert C["total"] == c and C["more"] is True
else:
    assert C["total"] == len(want) and C["more"] is False
PY
		fail "mid: --max-count $c"
done
expect_exit 2 "$IORR" timeline --max-count x "$TMP/mid.iorr" 2>/dev/null
exit 0
