# Reproducible benchmarks: `make bench` builds and runs every program in
# BENCH_BINS, then every shell script in BENCH_SH (from the source tree,
# with IORR naming the iorr built here); each prints JSON lines (see
# bench/README.md).
BENCH_BINS = bench/codec bench/hunt
BENCH_SH = bench/record-overhead bench/shrink bench/replay
noinst_PROGRAMS += $(BENCH_BINS) bench/uring-randio
EXTRA_DIST += bench/README.md $(BENCH_SH) bench/record-instr \
	bench/record-instr-loop.c

bench_codec_SOURCES = bench/codec.c
bench_codec_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS)
bench_codec_LDADD = libiorrtrace.la $(ZSTD_LIBS)

# bench/hunt drives ./iorr hunt on traces made by tests/hunt/mkhunt.
bench_hunt_SOURCES = bench/hunt.c
bench_hunt_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_hunt_LDADD = $(JANSSON_LIBS)
EXTRA_bench_hunt_DEPENDENCIES = iorr$(EXEEXT) tests/hunt/mkhunt$(EXEEXT)

# bench/replay records it (fio's io_uring engine bypasses liburing).
bench_uring_randio_SOURCES = bench/uring_randio.c
bench_uring_randio_CFLAGS = $(AM_CFLAGS) $(URING_CFLAGS)
bench_uring_randio_LDADD = $(URING_LIBS)

.PHONY: bench
# bench/shrink drives ./iorr shrink on traces from mkhunt, counter_race and
# sqlite3, with the replay fault shim.
bench: tests/hunt/mkhunt$(EXEEXT) tests/replay/fault_shim.la \
	tests/workloads/counter_race$(EXEEXT)
bench: $(BENCH_BINS) bench/uring-randio$(EXEEXT) iorr$(EXEEXT) \
		libiorr-record.la
	@for b in $(BENCH_BINS); do \
		./$$b || exit 1; \
	done
	@for s in $(BENCH_SH); do \
		IORR=./iorr$(EXEEXT) URING_RANDIO=./bench/uring-randio$(EXEEXT) \
			bash $(srcdir)/$$s || exit 1; \
	done
