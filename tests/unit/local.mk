# Unit tests of the trace library (cmocka).  Each is a standalone program
# returning 0 on success; without cmocka they are not built.
if HAVE_CMOCKA
UNIT_TESTS = \
	tests/unit/test_bytes \
	tests/unit/test_colcodec \
	tests/unit/test_hash \
	tests/unit/test_roundtrip \
	tests/unit/test_validate \
	tests/unit/test_xlat
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = libiorrtrace.la $(CMOCKA_LIBS)

tests_unit_test_bytes_SOURCES = tests/unit/test_bytes.c
tests_unit_test_bytes_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bytes_LDADD = $(UNIT_LDADD)
tests_unit_test_colcodec_SOURCES = tests/unit/test_colcodec.c
tests_unit_test_colcodec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_colcodec_LDADD = $(UNIT_LDADD)
tests_unit_test_hash_SOURCES = tests/unit/test_hash.c
tests_unit_test_hash_CFLAGS = $(UNIT_CFLAGS) $(XXHASH_CFLAGS)
tests_unit_test_hash_LDADD = $(UNIT_LDADD) $(XXHASH_LIBS)
tests_unit_test_roundtrip_SOURCES = tests/unit/test_roundtrip.c
tests_unit_test_roundtrip_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_roundtrip_LDADD = $(UNIT_LDADD)
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_CFLAGS = $(UNIT_CFLAGS) $(XXHASH_CFLAGS)
tests_unit_test_validate_LDADD = $(UNIT_LDADD)
tests_unit_test_xlat_SOURCES = tests/unit/test_xlat.c
tests_unit_test_xlat_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xlat_LDADD = $(UNIT_LDADD)
endif
