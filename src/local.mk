# The trace library: format, codec, reader, writer, op table, flag lists.
# Used by the CLI, the tests and the benchmarks; never by the preload library.
noinst_LTLIBRARIES += libiorrtrace.la
libiorrtrace_la_SOURCES = \
	src/util/bytes.c \
	src/util/hist.c \
	src/trace/colcodec.c \
	src/trace/hash.c \
	src/trace/optable.c \
	src/trace/reader.c \
	src/trace/rewrite.c \
	src/trace/writer.c \
	src/trace/xlat.c
libiorrtrace_la_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS) $(XXHASH_CFLAGS)
libiorrtrace_la_LIBADD = $(ZSTD_LIBS) $(XXHASH_LIBS)
noinst_HEADERS += \
	include/iorr/ops.h \
	include/iorr/rewrite.h \
	include/iorr/trace.h \
	include/iorr/xlat.h \
	src/util/bytes.h \
	src/util/hist.h \
	src/trace/colcodec.h \
	src/trace/format.h
EXTRA_DIST += src/ops.def src/xlat/flags.def
