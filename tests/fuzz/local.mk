# Fuzzing the trace reader (tests/fuzz/fuzz_reader.c).
#
# Always: fuzz_reader_replay, the harness built with the normal compiler and
# its own main(), replays the seed corpus in tests/fuzz/corpus/ as a test
# (under ASan with --enable-sanitizers).
#
# With clang: fuzz_reader_libfuzzer is the libFuzzer binary, built from the
# harness and the trace library sources directly; `make check` fuzzes for
# 20 seconds (tests/fuzz/fuzz.sh), `make fuzz` for FUZZ_TIME seconds
# (make fuzz FUZZ_TIME=60).
# New inputs go to tests/fuzz/new-corpus/, crashes to tests/fuzz/crash-*.
check_PROGRAMS += tests/fuzz/fuzz_reader_replay
tests_fuzz_fuzz_reader_replay_SOURCES = tests/fuzz/fuzz_reader.c
tests_fuzz_fuzz_reader_replay_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS) \
	$(XXHASH_CFLAGS)
tests_fuzz_fuzz_reader_replay_LDADD = libiorrtrace.la $(ZSTD_LIBS) \
	$(XXHASH_LIBS)
TESTS += tests/fuzz/fuzz_reader_replay
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/fuzz.sh

FUZZ_TIME = 600

# NOTE: .PHONY outside the conditional (automake).
.PHONY: fuzz
if HAVE_CLANG
FUZZ_BIN = tests/fuzz/fuzz_reader_libfuzzer
check_SCRIPTS = $(FUZZ_BIN)
TESTS += tests/fuzz/fuzz.sh
CLEANFILES += $(FUZZ_BIN)

# NOTE: compiled from $(srcdir) so the library's source list is used as is.
$(FUZZ_BIN): $(srcdir)/tests/fuzz/fuzz_reader.c $(libiorrtrace_la_SOURCES) \
		$(noinst_HEADERS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)cd $(srcdir) && $(CLANG) -g -O1 -DIORR_LIBFUZZER \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined \
		-Iinclude -Isrc -I$(abs_top_builddir) $(DEFS) $(CPPFLAGS) \
		$(ZSTD_CFLAGS) $(XXHASH_CFLAGS) \
		-o $(abs_top_builddir)/$@ tests/fuzz/fuzz_reader.c \
		$(libiorrtrace_la_SOURCES) $(ZSTD_LIBS) $(XXHASH_LIBS)

fuzz: $(FUZZ_BIN)
	FUZZ_SECONDS=$(FUZZ_TIME) FUZZ_BIN=$(abs_top_builddir)/$(FUZZ_BIN) \
	top_srcdir=$(abs_top_srcdir) top_builddir=$(abs_top_builddir) \
		$(SHELL) $(srcdir)/tests/fuzz/fuzz.sh
else
fuzz:
	@echo "make fuzz: needs clang (libFuzzer); configure did not find it" >&2
	@exit 1
endif
