# Integration tests: shell drivers that run the iorr command (tests/lib.sh).
check_PROGRAMS += tests/integration/gen_trace tests/integration/damage_trace
tests_integration_gen_trace_SOURCES = tests/integration/gen_trace.c
tests_integration_gen_trace_LDADD = libiorrtrace.la
tests_integration_damage_trace_SOURCES = tests/integration/damage_trace.c
tests_integration_damage_trace_LDADD = libiorrtrace.la

TESTS += tests/integration/damage.sh
EXTRA_DIST += tests/integration/damage.sh
