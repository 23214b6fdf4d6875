# iorr timeline: pages checked in a real browser (headless Chromium; the
# tests skip without it), the static SVG, and the size and speed budget.
check_PROGRAMS += tests/timeline/gen_big
tests_timeline_gen_big_SOURCES = tests/timeline/gen_big.c
tests_timeline_gen_big_LDADD = libiorrtrace.la

TIMELINE_TESTS = \
	tests/timeline/counter-race.sh \
	tests/timeline/replay-report.sh \
	tests/timeline/svg.sh \
	tests/timeline/errors.sh \
	tests/timeline/big.sh \
	tests/timeline/links.sh
TESTS += $(TIMELINE_TESTS)
EXTRA_DIST += $(TIMELINE_TESTS) tests/timeline/timeline_lib.sh \
	tests/timeline/counter-race.report.json tests/timeline/counter-race.json
# screenshots the browser tests leave next to their logs
CLEANFILES += tests/timeline/*.png
