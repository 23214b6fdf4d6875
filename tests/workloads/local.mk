# Workloads: small standalone programs that the recorder and replayer tests
# record (see each program's header comment).  Each does its I/O in the
# directory it is given, prints a deterministic summary and exits 0, 1 on a
# self-check failure, or 77 when the kernel or filesystem lacks a feature.
# run-untraced.sh runs every one of them once, untraced, and checks it.
WORKLOADS = \
	tests/workloads/posix_calls \
	tests/workloads/stdio_calls \
	tests/workloads/mmap_writer \
	tests/workloads/mt_writers \
	tests/workloads/counter_race \
	tests/workloads/fork_exec \
	tests/workloads/daemon_closefds \
	tests/workloads/sigkill_victim \
	tests/workloads/signal_io \
	tests/workloads/aio_calls \
	tests/workloads/uring_calls \
	tests/workloads/dio_vs_buffered \
	tests/workloads/uring_multiextent \
	tests/workloads/fsstress_mix \
	tests/workloads/replay_ops \
	tests/workloads/uring_mt \
	tests/workloads/uring_ops
check_PROGRAMS += $(WORKLOADS)

tests_workloads_mt_writers_LDADD = $(PTHREAD_LIBS)
tests_workloads_counter_race_LDADD = $(PTHREAD_LIBS)
tests_workloads_dio_vs_buffered_LDADD = $(PTHREAD_LIBS)
tests_workloads_aio_calls_CFLAGS = $(WORKLOAD_CC_FLAGS) $(AIO_CFLAGS)
tests_workloads_aio_calls_LDADD = $(AIO_LIBS)
tests_workloads_uring_calls_CFLAGS = $(WORKLOAD_CC_FLAGS) $(URING_CFLAGS)
tests_workloads_uring_calls_LDADD = $(URING_LIBS)
tests_workloads_uring_multiextent_CFLAGS = $(WORKLOAD_CC_FLAGS) $(URING_CFLAGS)
tests_workloads_uring_multiextent_LDADD = $(URING_LIBS)
tests_workloads_fsstress_mix_CFLAGS = $(WORKLOAD_CC_FLAGS) $(AIO_CFLAGS) $(URING_CFLAGS)
tests_workloads_fsstress_mix_LDADD = $(AIO_LIBS) $(URING_LIBS)

tests_workloads_posix_calls_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_posix_calls_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_stdio_calls_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_stdio_calls_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_mmap_writer_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_mmap_writer_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_mt_writers_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_mt_writers_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_counter_race_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_counter_race_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_fork_exec_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_fork_exec_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_daemon_closefds_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_daemon_closefds_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_sigkill_victim_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_sigkill_victim_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_signal_io_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_signal_io_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_aio_calls_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_uring_calls_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_dio_vs_buffered_CFLAGS = $(WORKLOAD_CC_FLAGS)
tests_workloads_dio_vs_buffered_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_uring_multiextent_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_fsstress_mix_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_replay_ops_CFLAGS = $(WORKLOAD_CC_FLAGS) $(AIO_CFLAGS) $(URING_CFLAGS)
tests_workloads_replay_ops_LDADD = $(AIO_LIBS) $(URING_LIBS)
tests_workloads_replay_ops_LDFLAGS = $(WORKLOAD_LD_FLAGS)
tests_workloads_uring_mt_CFLAGS = $(WORKLOAD_CC_FLAGS) $(URING_CFLAGS)
tests_workloads_uring_mt_LDADD = $(URING_LIBS) $(PTHREAD_LIBS)
tests_workloads_uring_mt_LDFLAGS = $(WORKLOAD_LD_FLAGS)

TESTS += tests/workloads/run-untraced.sh
EXTRA_DIST += tests/workloads/wl.h tests/workloads/run-untraced.sh
tests_workloads_uring_ops_CFLAGS = $(WORKLOAD_CC_FLAGS) $(AIO_CFLAGS) $(URING_CFLAGS)
tests_workloads_uring_ops_LDADD = $(AIO_LIBS) $(URING_LIBS)
tests_workloads_uring_ops_LDFLAGS = $(WORKLOAD_LD_FLAGS)
