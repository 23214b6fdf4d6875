/* SPDX-License-Identifier: MIT */
/*
 * The consumer side of `iorr record`: drains the per-thread rings of the
 * shared area (src/record/ring.h), puts the records back in global seq
 * order, resolves what the producers could not know cheaply (thread
 * indexes, object ids, blobs and hashes), and writes the trace through the
 * writer API.  Single-threaded; only `iorr record` uses it.
 */
#ifndef IORR_RECORD_CONSUMER_H
#define IORR_RECORD_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "iorr/trace.h"
#include "record/ring.h"

struct iorr_consumer;

struct iorr_consumer_stats {
	uint64_t processes;	/* process images started (fork, spawn) */
	uint64_t threads;	/* threads defined in the trace */
	uint64_t events;	/* events written */
	uint64_t gaps;		/* seqs taken but never published */
	uint64_t late;		/* records that came after their seq passed */
	uint64_t dropped;	/* records the producers could not append */
	uint64_t disk_dropped;	/* events not written: the trace disk is full */
	bool partial;		/* the trace misses events (any of the above) */
	/* io_uring gaps (uring_missed events, src/ops.def) */
	uint64_t uring_missed_cqes;	/* completions not recorded */
	uint64_t uring_missed_sqes;	/* submissions not recorded */
	uint64_t uring_late_cqes;	/* seen after the program consumed them */
	uint64_t uring_raw_rings;	/* set up without liburing */
	uint64_t uring_sqpoll_rings;
	uint64_t uring_inflight;	/* requests in flight at teardown */
};

/*
 * @shm is the initialised area; @w the open writer; @trace_fd the writer's
 * fd (for reserving space, or -1).  @return NULL on ENOMEM.
 */
struct iorr_consumer *iorr_consumer_new(struct iorr_shm *shm,
					struct iorr_writer *w, int trace_fd);

/*
 * Drain every ring once and write the events that are now in order.
 * @return the number of records drained, or -errno from the writer (the
 * consumer keeps draining after a write error: the workload never waits
 * for a broken trace).
 */
int iorr_consumer_poll(struct iorr_consumer *c);

/*
 * Housekeeping, about every 100 ms: free the rings of dead threads, give
 * up on seqs whose thread died between taking and publishing them, flush
 * the writer, keep the disk reservation.
 */
void iorr_consumer_tick(struct iorr_consumer *c);

/*
 * All traced processes are gone: drain what is left, write every remaining
 * event (skipping gaps), the initial states (from @snap_dir), final states
 * of every touched path, the notes.  Does not close the writer.
 * @return 0 or -errno.
 */
int iorr_consumer_finish(struct iorr_consumer *c, const char *snap_dir);

/* Paths the workload touched, for the metadata (mounts); NULL-terminated,
 * valid until iorr_consumer_free(). */
const char *const *iorr_consumer_paths(struct iorr_consumer *c);

void iorr_consumer_stats(const struct iorr_consumer *c,
			 struct iorr_consumer_stats *st);
void iorr_consumer_free(struct iorr_consumer *c);

#endif
