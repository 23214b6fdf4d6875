#!/bin/sh
# Every manual page renders without a groff warning.
. "${top_srcdir:-.}/tests/lib.sh"

need_prog groff
rc=0
for page in "$top_srcdir"/man/*.[1-8]; do
	out=$(groff -man -ww -z "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "$page:" >&2
		echo "$out" >&2
		rc=1
	fi
done
[ $rc -eq 0 ] || fail "groff warnings"
