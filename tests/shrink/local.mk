# iorr shrink and iorr redact (tests/shrink/*.sh).  The traces come from
# tests/hunt/mkhunt, tests/replay/mktrace and iorr record.
SHRINK_TESTS = \
	tests/shrink/shrink_races.sh \
	tests/shrink/shrink_record.sh \
	tests/shrink/shrink_fault.sh \
	tests/shrink/redact.sh
TESTS += $(SHRINK_TESTS)
EXTRA_DIST += $(SHRINK_TESTS) tests/shrink/shrink_lib.sh
