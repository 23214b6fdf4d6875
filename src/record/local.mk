# The recorder: libiorr-record.so (LD_PRELOAD, links only libc, libdl and
# libpthread: never libiorrtrace, jansson or zstd) and the consumer side of
# `iorr record` (linked into the iorr program).
pkglib_LTLIBRARIES += libiorr-record.la
libiorr_record_la_SOURCES = \
	src/record/preload.c \
	src/record/wrap_aio.c \
	src/record/wrap_mmap.c \
	src/record/wrap_posix.c \
	src/record/wrap_meta.c \
	src/record/wrap_proc.c \
	src/record/wrap_stdio.c \
	src/record/wrap_sync.c \
	src/record/wrap_syscall.c \
	src/record/wrap_uring.c
# No sanitizers here: a preloaded library cannot carry their runtimes.
# liburing and libaio: their headers only (the ring and iocb layouts); the
# library links neither.
libiorr_record_la_CFLAGS = $(IORR_CFLAGS) $(URING_CFLAGS) \
	-ftls-model=initial-exec
libiorr_record_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-Wl,--version-script=$(builddir)/src/record/libiorr-record.ver
libiorr_record_la_LIBADD = $(DL_LIBS) $(PTHREAD_LIBS)
EXTRA_libiorr_record_la_DEPENDENCIES = src/record/libiorr-record.ver
noinst_HEADERS += \
	src/record/consumer.h \
	src/record/preload.h \
	src/record/ring.h \
	src/record/snapserver.h \
	src/record/wrap_async.h \
	src/record/wrap_common.h
EXTRA_DIST += src/record/exports.in

# Exported names: the hand list plus every ALIAS() symbol of src/ops.def.
src/record/libiorr-record.ver: $(srcdir)/src/ops.def $(srcdir)/src/record/exports.in
	$(AM_V_GEN)$(MKDIR_P) src/record && { \
	  echo '{ global:'; \
	  sed -e '/^#/d' -e '/^$$/d' -e 's/$$/;/' $(srcdir)/src/record/exports.in; \
	  printf '#define ALIAS(op, sym) IORR_ALIAS op sym\n#include "ops.def"\n' | \
	    $(CPP) -P -I$(srcdir)/src '-DOP(a,b,c,d)=' - | \
	    $(AWK) '$$1 == "IORR_ALIAS" { print $$3 ";" }'; \
	  echo 'local: *; };'; } > $@-t && mv $@-t $@
CLEANFILES += src/record/libiorr-record.ver

# The consumer and the `record` subcommand, part of the iorr program.
iorr_SOURCES += src/cli/record.c src/record/consumer.c \
	src/record/snapserver.c
