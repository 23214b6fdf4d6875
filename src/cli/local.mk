# The iorr command.
bin_PROGRAMS += iorr
iorr_SOURCES = \
	src/cli/common.c \
	src/cli/dump.c \
	src/cli/export_c.c \
	src/cli/hunt.c \
	src/cli/json_cmd.c \
	src/cli/main.c \
	src/cli/redact.c \
	src/cli/replay.c \
	src/cli/shrink.c \
	src/cli/stat.c \
	src/cli/timeline.c \
	src/trace/json.c
iorr_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
iorr_LDADD = libiorrreplay.la libiorrtrace.la $(JANSSON_LIBS) \
	$(URING_LIBS) $(AIO_LIBS) -lpthread
noinst_HEADERS += src/cli/cli.h include/iorr/tracejson.h
include src/cli/timeline.mk
