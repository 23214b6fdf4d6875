# Recorder tests: record real programs and our own, check that the
# recording changed nothing the program can see, and check the trace.
check_PROGRAMS += tests/record/rec_prog
tests_record_rec_prog_LDADD = $(PTHREAD_LIBS)
tests_record_rec_prog_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_record_rec_prog_LDFLAGS = $(WORKLOAD_LD_FLAGS)
RECORD_TESTS = \
	tests/record/exports.sh \
	tests/record/status.sh \
	tests/record/transparency.sh \
	tests/record/meta.sh \
	tests/record/kill.sh \
	tests/record/state.sh \
	tests/record/programs.sh \
	tests/record/workloads.sh \
	tests/record/async.sh \
	tests/record/asan.sh \
	tests/record/fio-async.sh \
	tests/record/stat-engines.sh \
	tests/record/mariadb.sh \
	tests/record/mariadb-traces.sh
TESTS += $(RECORD_TESTS)
# io_uring usage the recorder cannot fully see (tests/record/async.sh)
check_PROGRAMS += tests/record/rec_uring_gaps
tests_record_rec_uring_gaps_CFLAGS = $(WORKLOAD_CC_FLAGS) $(URING_CFLAGS)
tests_record_rec_uring_gaps_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_record_rec_uring_gaps_LDADD = $(URING_LIBS)
# runs a command with io_uring unavailable to it (tests/record/mariadb.sh)
check_PROGRAMS += tests/record/no_uring
EXTRA_DIST += $(RECORD_TESTS) tests/record/rec.sh tests/record/mariadb-lib.sh \
	traces/mariadb-uring.iorr traces/mariadb-libaio.iorr \
	traces/regen-mariadb.sh
