# The replay engine (include/iorr/replay.h): sandbox, loader, scheduler,
# executors (sync, libaio, io_uring), content model and oracles.  Used by
# the iorr command; never by the preload library.
noinst_LTLIBRARIES += libiorrreplay.la
libiorrreplay_la_SOURCES = \
	src/replay/exec_aio.c \
	src/replay/exec_ops.c \
	src/replay/exec_sync.c \
	src/replay/exec_uring.c \
	src/replay/hb.c \
	src/replay/loader.c \
	src/replay/model.c \
	src/replay/options.c \
	src/replay/oracle.c \
	src/replay/recheck.c \
	src/replay/replay.c \
	src/replay/sandbox.c \
	src/replay/sched.c \
	src/util/rng.c
libiorrreplay_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(URING_CFLAGS) \
	$(AIO_CFLAGS) -pthread
libiorrreplay_la_LIBADD = libiorrtrace.la $(JANSSON_LIBS) $(URING_LIBS) \
	$(AIO_LIBS) -lpthread -lm
noinst_HEADERS += include/iorr/replay.h src/replay/replay_int.h \
	src/util/rng.h
