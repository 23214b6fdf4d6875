# Reproducible benchmarks: `make bench` builds and runs every program in
# BENCH_BINS; each prints one JSON line (see bench/README.md).
BENCH_BINS = bench/codec
noinst_PROGRAMS += $(BENCH_BINS)
EXTRA_DIST += bench/README.md

bench_codec_SOURCES = bench/codec.c
bench_codec_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS)
bench_codec_LDADD = libiorrtrace.la $(ZSTD_LIBS)

.PHONY: bench
bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do \
		./$$b || exit 1; \
	done
