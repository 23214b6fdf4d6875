# Manual pages.  iorr-trace.5 and doc/trace-format.md hold the op table
# generated from src/ops.def by scripts/gen-op-table: `make op-table`
# regenerates it, and `make check` fails while it is stale.
dist_man_MANS += \
	man/iorr.1 \
	man/iorr-dump.1 \
	man/iorr-export-c.1 \
	man/iorr-hunt.1 \
	man/iorr-json.1 \
	man/iorr-record.1 \
	man/iorr-redact.1 \
	man/iorr-replay.1 \
	man/iorr-shrink.1 \
	man/iorr-stat.1 \
	man/iorr-timeline.1 \
	man/iorr-trace.5
EXTRA_DIST += scripts/gen-op-table scripts/op-table.c \
	man/op-table-is-current.sh man/pages-render.sh
TESTS += man/op-table-is-current.sh man/pages-render.sh

.PHONY: op-table
op-table:
	srcdir='$(abs_top_srcdir)' CC='$(CC)' \
		$(SHELL) $(srcdir)/scripts/gen-op-table --update
