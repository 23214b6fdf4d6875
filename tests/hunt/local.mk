# Race-hunting tests (tests/hunt/*.sh): traces from mkhunt, hunted by iorr.
check_PROGRAMS += tests/hunt/mkhunt
tests_hunt_mkhunt_SOURCES = tests/hunt/mkhunt.c tests/lib/mkevents.c tests/lib/mkevents.h
tests_hunt_mkhunt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
tests_hunt_mkhunt_LDADD = libiorrtrace.la

# A fault shim that cuts a pread short only while a pwrite overlaps it.
check_LTLIBRARIES += tests/hunt/overlap_shim.la
tests_hunt_overlap_shim_la_SOURCES = tests/hunt/overlap_shim.c
tests_hunt_overlap_shim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_hunt_overlap_shim_la_LIBADD = $(DL_LIBS) $(PTHREAD_LIBS)

HUNT_TESTS = \
	tests/hunt/conflicts.sh \
	tests/hunt/determinism.sh \
	tests/hunt/find_races.sh \
	tests/hunt/no_false_races.sh \
	tests/hunt/overlap_fault.sh \
	tests/hunt/perturb_fs.sh \
	tests/hunt/real_recording.sh \
	tests/hunt/options.sh
TESTS += $(HUNT_TESTS)
EXTRA_DIST += $(HUNT_TESTS) tests/hunt/hunt_lib.sh
