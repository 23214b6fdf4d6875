# Tests: every test is a program or script returning 0 pass, 1 fail, 77 skip.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	IORR='$(abs_top_builddir)/iorr'; export IORR; \
	IORR_PRELOAD='$(abs_top_builddir)/.libs/libiorr-record.so'; export IORR_PRELOAD; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir;
EXTRA_DIST += tests/lib.sh

include tests/unit/local.mk
include tests/json/local.mk
include tests/integration/local.mk
include tests/fuzz/local.mk
include tests/record/local.mk
include tests/replay/local.mk
