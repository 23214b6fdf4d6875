# iorr export-c tests (tests/export/*.sh): exported C programs compiled with
# the system cc and run; fio iologs replayed with the installed fio.
EXPORT_TESTS = \
	tests/export/counter_race.sh \
	tests/export/engines.sh \
	tests/export/fault.sh \
	tests/export/fio.sh \
	tests/export/refuse.sh \
	tests/export/stdio.sh
TESTS += $(EXPORT_TESTS)
EXTRA_DIST += $(EXPORT_TESTS) tests/export/export_lib.sh
