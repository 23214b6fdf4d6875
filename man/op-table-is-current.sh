#!/bin/sh
# The op tables in doc/trace-format.md and iorr-trace(5) are what
# scripts/gen-op-table makes of src/ops.def (fix: make op-table).
. "${top_srcdir:-.}/tests/lib.sh"

need_prog "${CC:-cc}"
srcdir=$top_srcdir sh "$top_srcdir/scripts/gen-op-table" --check ||
	fail "op table out of date: run 'make op-table'"
