#!/bin/sh
# Malformed JSON traces are refused with exit status 2 and an
# "iorr: error:" message naming the location in the JSON, never a crash,
# and a failed import leaves no trace behind nor clobbers an existing one.
. "$top_srcdir/tests/lib.sh"

HDR='"iorr_trace": {"format": "1.0"}'
T0='"threads": [{"pid": 1, "tid": 1, "parent": null}]'

# check 'EXPECTED MESSAGE (fixed string)' 'JSON TEXT'
check() {
	want=$1
	printf '%s\n' "$2" >"$TMP/in.json"
	rm -f "$TMP/out.iorr"
	"$IORR" import -o "$TMP/out.iorr" "$TMP/in.json" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "exit $rc, expected 2, for: $2"
	grep -q '^iorr: error: ' "$TMP/err" ||
		fail "no 'iorr: error:' message for: $2"
	grep -qF -- "$want" "$TMP/err" ||
		fail "expected '$want', got '$(cat "$TMP/err")'"
	[ -e "$TMP/out.iorr" ] && fail "a partial trace was left for: $2"
	ls "$TMP" | grep -q '^out\.iorr\.' && fail "a temporary file was left"
	return 0
}

ev() {
	printf '{%s, %s, "events": [%s]}' "$HDR" "$T0" "$1"
}

# Syntax and top level.
check 'line 1, column' '{"iorr_trace": {"format": "1.0"}, "events": [}'
check "line 2, column 0: '}' expected near end of file" '{"iorr_trace": {"format": "1.0"}'
check 'duplicate' '{"iorr_trace": {"format": "1.0"}, "events": [], "events": []}'
check '(document): expected an object, got an array' '[]'
check 'iorr_trace: missing' '{"events": []}'
check 'iorr_trace.format: version "2.0" is not supported' \
	'{"iorr_trace": {"format": "2.0"}}'
check '(document): unknown key "event"' "{$HDR, \"event\": []}"
check 'metadata: expected an object, got a string' "{$HDR, \"metadata\": \"x\"}"
check 'threads[0].tid: missing (expected an integer)' \
	"{$HDR, \"threads\": [{\"pid\": 1}]}"
check 'threads[1].parent: thread 5 is not defined' \
	"{$HDR, \"threads\": [{\"pid\": 1, \"tid\": 1}, {\"pid\": 1, \"tid\": 2, \"parent\": 5}]}"
check 'threads[0].pid: 4294967296 does not fit' \
	"{$HDR, \"threads\": [{\"pid\": 4294967296, \"tid\": 1}]}"
check 'paths[1]: empty path' "{$HDR, \"paths\": [\"/a\", \"\"]}"
check 'paths[0].hex: not hex digits' "{$HDR, \"paths\": [{\"hex\": \"2fzz\"}]}"
check 'blobs[0].hash: does not match the content' \
	"{$HDR, \"blobs\": [{\"text\": \"x\", \"hash\": \"00000000000000000000000000000000\"}]}"
check 'blobs[0].size: 3 does not match' \
	"{$HDR, \"blobs\": [{\"text\": \"ab\", \"size\": 3}]}"
check 'blobs[0]: a blob needs' "{$HDR, \"blobs\": [{\"size\": 3}]}"
check 'blobs[0].hex: not hex digits at character 2' \
	"{$HDR, \"blobs\": [{\"hex\": \"001\"}]}"

# Events: types, names, references, order.
check 'events[0].args.off: expected an integer, got a string' "$(ev \
	'{"seq": 1, "thread": 0, "start_ns": 1, "op": "pread", "args": {"off": "0"}}')"
check 'events[0].op: unknown op "preed"' "$(ev \
	'{"seq": 1, "thread": 0, "start_ns": 1, "op": "preed"}')"
check 'events[0].op: missing' "$(ev '{"seq": 1, "thread": 0, "start_ns": 1}')"
check 'events[0].args.flags: "O_RDWR|O_BOGUS" is not a valid OPEN value' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "open", "args": {"path": "/a", "flags": "O_RDWR|O_BOGUS"}}')"
check 'events[0].args: op pread has no field "offset" (fields: fd, len, off, buf, hash)' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "pread", "args": {"offset": 1}}')"
check 'events[0]: unknown key "fd"' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "close", "fd": 3}')"
check 'events[1].seq: 1 is not greater than the previous event'"'"'s seq 2' "$(ev \
	'{"seq": 2, "thread": 0, "start_ns": 1, "op": "sync"},
	 {"seq": 1, "thread": 0, "start_ns": 2, "op": "sync"}')"
check 'events[0].thread: thread 3 is not defined' "$(ev \
	'{"thread": 3, "start_ns": 1, "op": "sync"}')"
check 'events[0]: needs "thread"' "$(ev '{"start_ns": 1, "op": "sync"}')"
check 'events[0]: "pid" and "tid" go together' "$(ev \
	'{"pid": 1, "start_ns": 1, "op": "sync"}')"
check 'events[0]: pid/tid 1/2 disagree with thread 0 (1/1)' "$(ev \
	'{"thread": 0, "pid": 1, "tid": 2, "start_ns": 1, "op": "sync"}')"
check 'events[0].start_ns: missing' "$(ev '{"thread": 0, "op": "sync"}')"
check 'events[0].end_ns: 5 is before start_ns 10' "$(ev \
	'{"thread": 0, "start_ns": 10, "end_ns": 5, "op": "sync"}')"
check 'events[0].errno: unknown errno name "ENOPE"' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "sync", "errno": "ENOPE"}')"
check 'events[0].errno: 5000 is out of range' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "sync", "errno": 5000}')"
check 'events[0].args.path: missing (a path field is required)' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "unlink"}')"
check 'events[0].args.target: thread 9 is not defined' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "thread_join", "args": {"target": 9}}')"
check 'events[0].args.data: blob index 0 is not defined in "blobs" (0 entries)' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "write", "args": {"data": 0}}')"
check 'events[0].args.data.text: expected a string, got an integer' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "write", "args": {"data": {"text": 1}}}')"
check 'events[0].args.hash: expected 16 hex digits' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "read", "args": {"hash": "abc"}}')"
check 'events[0].args.iov[1]: expected a non-negative integer, got -1' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "readv", "args": {"iov": [1, -1]}}')"
check 'events[0].args.iov: expected an array of iovec lengths, got an integer' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "readv", "args": {"iov": 2}}')"
check 'events[0].args.mode: "0999" is not an octal mode' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "creat", "args": {"path": "/a", "mode": "0999"}}')"
check 'events[0].args.path: path index 4 is not defined in "paths"' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "unlink", "args": {"path": 4}}')"
check 'events[0]: expected an object, got an array' "$(ev '[]')"
check 'events: expected an array, got an object' "{$HDR, \"events\": {}}"

# Numbers beyond 64 bits: a syntax error with a position, or a range error.
check "too big integer near '99999999999999999999'" "$(ev \
	'{"seq": 99999999999999999999, "thread": 0, "start_ns": 1, "op": "sync"}')"
check 'events[0].seq: "18446744073709551616" is not an unsigned 64-bit integer' "$(ev \
	'{"seq": "18446744073709551616", "thread": 0, "start_ns": 1, "op": "sync"}')"
check 'events[0].start_ns: expected a non-negative integer, got -5' "$(ev \
	'{"thread": 0, "start_ns": -5, "op": "sync"}')"
check 'events[0].args.len: expected a non-negative integer, got a real number' "$(ev \
	'{"thread": 0, "start_ns": 1, "op": "write", "args": {"len": 1.5}}')"
check 'events[1].seq: the previous seq is the largest possible' "$(ev \
	'{"seq": "18446744073709551615", "thread": 0, "start_ns": 1, "op": "sync"},
	 {"thread": 0, "start_ns": 2, "op": "sync"}')"

# States and notes.
check 'initial_state[0].extents[0].len: 9 is not the blob'"'"'s size 2' \
	"{$HDR, \"initial_state\": [{\"path\": \"/a\", \"extents\": [{\"off\": 0, \"len\": 9, \"blob\": {\"text\": \"ab\"}}]}]}"
check 'initial_state[0].size: 1 is less than the end of the extents (2)' \
	"{$HDR, \"initial_state\": [{\"path\": \"/a\", \"size\": 1, \"extents\": [{\"off\": 0, \"blob\": {\"text\": \"ab\"}}]}]}"
check 'final_state[0].hash: expected 32 hex digits' \
	"{$HDR, \"final_state\": [{\"path\": \"/a\", \"hash\": \"00\"}]}"
check 'final_state[0].exists: expected true or false, got an integer' \
	"{$HDR, \"final_state\": [{\"path\": \"/a\", \"exists\": 1}]}"
check 'final_state[0]: unknown key "sise"' \
	"{$HDR, \"final_state\": [{\"path\": \"/a\", \"sise\": 1}]}"
check 'notes: empty key' "{$HDR, \"notes\": {\"\": 1}}"

# A missing input file is an error too.
"$IORR" import -o "$TMP/x.iorr" "$TMP/does-not-exist.json" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q '^iorr: error: .*does-not-exist.json' "$TMP/err" ||
	fail "missing input: $(cat "$TMP/err")"
# Usage errors.
expect_exit 2 "$IORR" import "$TMP/in.json" 2>/dev/null
expect_exit 2 "$IORR" json 2>/dev/null
expect_exit 0 "$IORR" json --help >/dev/null
expect_exit 0 "$IORR" import --help >/dev/null

# A failed import does not clobber an existing trace.
echo precious >"$TMP/keep.iorr"
printf '{%s, "events": [1]}\n' "$HDR" >"$TMP/in.json"
expect_exit 2 "$IORR" import -o "$TMP/keep.iorr" "$TMP/in.json" 2>/dev/null
[ "$(cat "$TMP/keep.iorr")" = precious ] || fail "failed import clobbered"

# `iorr json` on a file that is not a trace.
expect_exit 2 "$IORR" json "$TMP/keep.iorr" 2>"$TMP/err"
grep -q '^iorr: error: .*keep.iorr' "$TMP/err" || fail "json: $(cat "$TMP/err")"

# A truncated trace exports what it holds, with the warning dump gives.
golden=$top_srcdir/tests/golden/v1_0/sync.iorr
size=$(wc -c <"$golden")
head -c $((size - 40)) "$golden" >"$TMP/cut.iorr"
expect_exit 0 "$IORR" json -o "$TMP/cut.json" "$TMP/cut.iorr" 2>"$TMP/err"
grep -q '^iorr: warning: .*cut.iorr: truncated at byte' "$TMP/err" ||
	fail "json: no truncation warning: $(cat "$TMP/err")"
expect_exit 0 "$IORR" import -o "$TMP/cut2.iorr" "$TMP/cut.json"
"$IORR" dump "$TMP/cut.iorr" 2>/dev/null >"$TMP/cut.dump"
"$IORR" dump "$TMP/cut2.iorr" | diff -u "$TMP/cut.dump" - ||
	fail "truncated trace: the JSON lost events"
exit 0
