/* SPDX-License-Identifier: MIT */
/*
 * Copying a trace through the writer API with an event filter and
 * path/blob/state/metadata mappings (iorr shrink, iorr redact).
 *
 * The copy keeps the thread table as it is (thread indices do not change),
 * the events' seqs (a filtered copy has gaps, which the format allows),
 * the initial and final states, the notes and the metadata.  Paths and
 * blobs are defined in the copy only when a kept event or state uses them.
 */
#ifndef IORR_REWRITE_H
#define IORR_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iorr/trace.h"

struct iorr_rewrite {
	void *arg;
	/*
	 * Per event, with the input's ids (path, blob, thread).  It may
	 * change fields other than PATH/DATA ones and the result.
	 * @return 1 keep, 0 drop, or -errno (the copy fails).
	 */
	int (*event)(void *arg, const struct iorr_reader *r,
		     struct iorr_event *ev);
	/* Map a path: a malloc()ed string, or NULL to keep it as it is. */
	char *(*path)(void *arg, const char *path);
	/*
	 * New content for a blob (same size, @out holds b->size bytes).
	 * Not called for hash-only blobs.  NULL: copy.  @return 0 or -errno.
	 */
	int (*blob)(void *arg, const struct iorr_blob *b, uint8_t *out);
	/*
	 * Per state record (index @i among those of @kind), with the input's
	 * path and blob ids; may change size, mode, flags and hash.
	 * @return 1 keep, 0 drop, or -errno.
	 */
	int (*state)(void *arg, enum iorr_state_kind kind, size_t i,
		     struct iorr_file_state *st);
	/* New metadata JSON text (malloc()ed), or NULL to keep it. */
	char *(*metadata)(void *arg, const char *json);
	/* Notes to add (or override): keys[i] with JSON values[i]. */
	const char *const *note_keys;
	const char *const *note_values;
	size_t nnotes;
};

struct iorr_rewrite_stats {
	uint64_t events_in, events_out;
	uint64_t blobs_out, paths_out;
};

/*
 * Copy the trace @in to @out (created or truncated) through @rw.
 * @return 0, or -errno with a message in @msg.
 */
int iorr_rewrite_trace(const char *in, const char *out,
		       const struct iorr_rewrite *rw,
		       struct iorr_rewrite_stats *st, char *msg, size_t len);

#endif /* IORR_REWRITE_H */
