#!/bin/sh
# The preload library exports exactly the wrapped names: the hand list and
# the ALIAS() symbols of src/ops.def (libiorr-record.ver), all defined.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"
need_prog nm
ver=${top_builddir:-.}/src/record/libiorr-record.ver
[ -r "$ver" ] || fail "$ver missing"
nm -D --defined-only "$IORR_PRELOAD" | awk '{ print $NF }' | sort -u >"$TMP/defined"
sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\);$/\1/p' "$ver" | sort -u >"$TMP/wanted"
extra=$(comm -23 "$TMP/defined" "$TMP/wanted")
[ -z "$extra" ] || fail "exported but not a wrapped name: $extra"
missing=$(comm -13 "$TMP/defined" "$TMP/wanted")
[ -z "$missing" ] || fail "listed but not defined: $missing"
# every ALIAS() of ops.def but the libaio/liburing ones is wrapped
for sym in $(sed -n 's/^ALIAS(\([a-z0-9_]*\), *\([A-Za-z0-9_]*\)).*/\1 \2/p' \
	"${top_srcdir:-.}/src/ops.def" | awk '$1 !~ /^(aio_|uring_)/ { print $2 }'); do
	grep -qx "$sym" "$TMP/defined" || fail "ALIAS $sym not wrapped"
done
# and nothing but libc (no jansson, zstd, libiorrtrace)
if command -v ldd >/dev/null 2>&1; then
	ldd "$IORR_PRELOAD" | grep -E 'jansson|zstd|xxhash|iorr' &&
		fail "the preload links more than libc"
fi
exit 0
