# Replay tests (tests/replay/*.sh): traces from mktrace, replayed by iorr.
check_PROGRAMS += tests/replay/mktrace
tests_replay_mktrace_SOURCES = tests/replay/mktrace.c tests/lib/mkevents.c tests/lib/mkevents.h
tests_replay_mktrace_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
tests_replay_mktrace_LDADD = libiorrtrace.la

# The LD_PRELOAD fault injector: a shared object, never installed.
check_LTLIBRARIES = tests/replay/fault_shim.la
tests_replay_fault_shim_la_SOURCES = tests/replay/fault_shim.c
tests_replay_fault_shim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_replay_fault_shim_la_LIBADD = $(DL_LIBS)

REPLAY_TESTS = \
	tests/replay/faithful.sh \
	tests/replay/ops.sh \
	tests/replay/uring_ops.sh \
	tests/replay/fault.sh \
	tests/replay/hostile.sh \
	tests/replay/order.sh \
	tests/replay/scratch.sh \
	tests/replay/options.sh \
	tests/replay/roundtrip.sh \
	tests/replay/crossfs.sh \
	tests/replay/async_free.sh \
	tests/replay/free_sync.sh \
	tests/replay/programs.sh
TESTS += $(REPLAY_TESTS)
EXTRA_DIST += $(REPLAY_TESTS) tests/replay/replay_lib.sh
