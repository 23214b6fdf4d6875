/* SPDX-License-Identifier: MIT */
/*
 * File accesses and conflicting unordered pairs of a recorded trace.
 *
 * A tracker is fed the events of a trace in order (iorr_reader_next()
 * order).  It follows descriptors per process (open, dup, fork, close and
 * the shared position of an open file description), mappings and
 * asynchronous requests, so that each data op resolves to an *access*: a
 * byte range of one file (by path id) read or written.  It also keeps a
 * vector clock per thread built from the recording's happens-before edges
 * (program order; thread create/join; fork/wait; submit -> completion; the
 * recorded order of every lock object and of file locks per file), and
 * reports two accesses as a *conflict* when they touch overlapping bytes of
 * one file, at least one writes, and neither happens before the other
 * (DESIGN.md, "Replay semantics").
 *
 * NOTE: as the replay scheduler does, each access is compared with the
 * last CLI_CONFLICTS_WINDOW accesses to its file only, so a conflict with
 * an older access is not reported.  Namespace conflicts (two unordered
 * renames of one path) are not computed here.
 *
 * Used by `iorr timeline`; meant for any command that lists conflicts.
 */
#ifndef IORR_CLI_CONFLICTS_H
#define IORR_CLI_CONFLICTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iorr/trace.h"

#define CLI_CONFLICTS_WINDOW 64

/* Length of an access that reaches to the end of the file (truncate). */
#define CLI_ACCESS_TO_END UINT64_MAX

/* One byte range of one file read or written by an op. */
struct cli_access {
	uint64_t seq;		/* the op: the sync call or the async SUBMIT */
	uint64_t done_seq;	/* the event that completed it (== seq: sync) */
	uint32_t thread;	/* the issuing thread */
	uint32_t file;		/* path id of the file */
	uint64_t off;
	uint64_t len;		/* bytes; CLI_ACCESS_TO_END: off..end */
	bool write;
	uint64_t start_ns;	/* call (or submission) start */
	uint64_t end_ns;	/* call end (or completion) */
	uint64_t data;		/* a write's DATA field (blob id + 1), or 0 */
};

/* Two accesses that conflict and are not ordered by happens-before. */
struct cli_conflict {
	uint64_t a, b;		/* seqs of the ops; a's access completed first */
	uint32_t file;		/* path id */
	uint64_t off, len;	/* the overlap (len may be CLI_ACCESS_TO_END) */
	bool a_write, b_write;
	bool overlapped;	/* the two ran at the same time */
};

struct cli_conflicts;

/*
 * Create a tracker.  At most @max_pairs conflicts are kept (0: no limit);
 * later ones are only counted.  @return 0 and *@out, or -ENOMEM.
 */
int cli_conflicts_new(size_t max_pairs, struct cli_conflicts **out);

/*
 * Feed the next event of @r (the reader it came from, for thread and
 * path lookups).  The accesses this event completes (a sync data call, or
 * the completion of an async request, whose access is the SUBMIT's) are
 * written to @acc, at most 2 (copy_file_range reads one file and writes
 * another).  @return their number (0..2), or -ENOMEM.
 */
int cli_conflicts_event(struct cli_conflicts *c, const struct iorr_reader *r,
			const struct iorr_event *ev, struct cli_access acc[2]);

/* Conflicts found so far, in the order found; valid until the next feed. */
const struct cli_conflict *cli_conflicts_list(const struct cli_conflicts *c,
					      size_t *n);

/* Number of conflicts found, kept or not. */
uint64_t cli_conflicts_total(const struct cli_conflicts *c);

/*
 * The extent the trace shows for @file: the largest end offset of an
 * access, the initial size and sizes set by truncate.  0 if unknown.
 */
uint64_t cli_conflicts_file_extent(const struct cli_conflicts *c,
				   uint32_t file);

void cli_conflicts_free(struct cli_conflicts *c);

#endif /* IORR_CLI_CONFLICTS_H */
