# Tests: every test is a program or script returning 0 pass, 1 fail, 77 skip.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
# NOTE: tests preload our libraries into programs that may be built with
# ASan (--enable-sanitizers); ASan then must not insist on coming first.
AM_TESTS_ENVIRONMENT = \
	ASAN_OPTIONS="verify_asan_link_order=0$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}"; \
	export ASAN_OPTIONS; \
	IORR='$(abs_top_builddir)/iorr'; export IORR; \
	IORR_PRELOAD='$(abs_top_builddir)/.libs/libiorr-record.so'; export IORR_PRELOAD; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir;
# Time budgets of the tests that have them are for an optimised build.
if SANITIZERS
AM_TESTS_ENVIRONMENT += IORR_SANITIZERS=1; export IORR_SANITIZERS;
endif
EXTRA_DIST += tests/lib.sh

# Programs the tests record run with libiorr-record.so preloaded: they are
# never built with the sanitizers (--enable-sanitizers checks iorr itself;
# tests/record/asan.sh records an ASan-built program).
WORKLOAD_CC_FLAGS = $(IORR_CFLAGS)
WORKLOAD_LD_FLAGS =

include tests/workloads/local.mk
include tests/unit/local.mk
include tests/json/local.mk
include tests/integration/local.mk
include tests/fuzz/local.mk
include tests/record/local.mk
include tests/replay/local.mk
include tests/hunt/local.mk
include tests/shrink/local.mk
include tests/timeline/local.mk
include tests/traces/local.mk
include tests/export/local.mk
