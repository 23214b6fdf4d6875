/* SPDX-License-Identifier: MIT */
/*
 * iorr trace format v1: writer and validating streaming reader.
 *
 * The format is specified in doc/trace-format.md and iorr-trace(5).  A trace
 * is a fixed header with JSON metadata followed by independent chunks; every
 * chunk is checksummed, so a trace cut off by a crash reads up to its last
 * whole chunk.  Definitions (threads, paths, blobs) always precede the events
 * that use them.
 *
 * Error convention: functions return 0 or a positive count on success and a
 * negative errno on failure.  Reader functions also fill a struct iorr_error
 * with the byte offset and a message.  Input-format errors are -EBADMSG
 * (corrupt), -EPROTO (unsupported version) or -EFBIG (a declared size beyond
 * the reader's limits).
 */
#ifndef IORR_TRACE_H
#define IORR_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "iorr/ops.h"

#define IORR_FORMAT_MAJOR 1
#define IORR_FORMAT_MINOR 2

/* One decoded event.  Field values are indexed as in the op's descriptor. */
struct iorr_event {
	uint64_t seq;		/* global order, strictly increasing */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at call entry */
	uint64_t end_ns;	/* ... at return; >= start_ns */
	int64_t result;		/* return value as the program saw it */
	uint32_t err;		/* errno, 0 when the call did not fail */
	uint32_t thread;	/* thread table index */
	uint16_t op;		/* enum iorr_op */
	uint16_t nfields;	/* == the op descriptor's nfields */
	uint64_t f[IORR_MAX_FIELDS];
	/* The IOV field's vector (iovec lengths); nvec equals that field. */
	uint32_t nvec;
	const uint64_t *vec;	/* reader: valid until the next call */
};

struct iorr_thread {
	uint32_t index;		/* dense, from 0, in order of definition */
	int32_t pid;
	int32_t tid;
	uint32_t parent;	/* creating thread's index, or UINT32_MAX */
};

/* A 128-bit content hash (xxh3-128) as stored in the trace. */
struct iorr_hash128 {
	uint64_t lo, hi;
};

struct iorr_blob {
	uint32_t id;
	uint32_t flags;		/* IORR_BLOB_* */
	uint64_t size;		/* content size in bytes */
	struct iorr_hash128 hash;
	const uint8_t *data;	/* NULL for hash-only blobs */
};

/* The blob holds only the hash and size (--data=hash). */
#define IORR_BLOB_HASH_ONLY 0x1u

/* One extent of a file's initial content: [off, off+len) holds blob data. */
struct iorr_extent {
	uint64_t off;
	uint64_t len;
	uint32_t blob;		/* blob id; its size is len */
};

/* State of one file at the workload's first touch or after it ended. */
struct iorr_file_state {
	uint32_t path;		/* path table id */
	uint32_t flags;		/* IORR_FS_* */
	uint32_t mode;		/* st_mode (type and permission bits) */
	uint64_t size;
	struct iorr_hash128 hash; /* final state: xxh3-128 of the content */
	uint32_t nextents;	/* initial state: data extents (else holes) */
	const struct iorr_extent *extents;
	const char *link;	/* symlink target, or NULL */
};

#define IORR_FS_EXISTS		0x1u	/* absent = the path did not exist */
#define IORR_FS_CONTENT_MISSING	0x2u	/* too large or unreadable: no data */
#define IORR_FS_HASHED		0x4u	/* hash is valid */

enum iorr_state_kind {
	IORR_STATE_INITIAL,
	IORR_STATE_FINAL,
};

/* ------------------------------------------------------------------ */
/* Writer                                                               */
/* ------------------------------------------------------------------ */

struct iorr_writer;

struct iorr_writer_opts {
	unsigned events_per_chunk;	/* 0: default (65536) */
	int zstd_level;			/* 0: 3, and -3 for blob chunks */
	size_t blob_chunk_bytes;	/* 0: default (4 MiB) */
};

/*
 * Create @path (truncating it) and write the header with @metadata_json,
 * which must be a JSON object (not checked here).  @opts may be NULL.
 * @return 0 and *@out, or -errno.
 */
int iorr_writer_open(const char *path, const char *metadata_json,
		     const struct iorr_writer_opts *opts,
		     struct iorr_writer **out);

/* As iorr_writer_open() on an open file descriptor; the writer owns @fd. */
int iorr_writer_open_fd(int fd, const char *metadata_json,
			const struct iorr_writer_opts *opts,
			struct iorr_writer **out);

/*
 * Define the next thread (index = number of threads defined before).
 * @return the new index, or -errno.
 */
int iorr_writer_thread(struct iorr_writer *w, int32_t pid, int32_t tid,
		       uint32_t parent);

/* Intern @path. @return its id (>= 0; equal strings, equal ids) or -errno. */
int64_t iorr_writer_path(struct iorr_writer *w, const char *path);

/*
 * Store @len bytes of content, deduplicated by xxh3-128.
 * @return the blob id (>= 0), the same for equal content, or -errno.
 */
int64_t iorr_writer_blob(struct iorr_writer *w, const void *data, size_t len);

/* Store only the hash and size of a content (--data=hash). */
int64_t iorr_writer_blob_hash(struct iorr_writer *w,
			      const struct iorr_hash128 *hash, uint64_t size);

/*
 * Append an event.  seq must be greater than the previous event's, the
 * thread and every PATH/DATA/THREAD field must refer to what was defined,
 * and ev->nfields must equal the op's field count.
 * @return 0 or -errno (-EINVAL for an inconsistent event).
 */
int iorr_writer_event(struct iorr_writer *w, const struct iorr_event *ev);

/* Append a file state record (path and blobs must be defined). */
int iorr_writer_state(struct iorr_writer *w, enum iorr_state_kind kind,
		      const struct iorr_file_state *st);

/*
 * Record a note: a key and a JSON value (e.g. "loss", "{\"events\":3}").
 * Notes carry what the recorder must say about the trace (partial capture,
 * missed completions).  Later notes with the same key override earlier ones.
 */
int iorr_writer_note(struct iorr_writer *w, const char *key,
		     const char *json_value);

/*
 * Write every pending definition and event out as chunks, so that they
 * survive a crash of the caller.  @return 0 or -errno.
 */
int iorr_writer_flush(struct iorr_writer *w);

/*
 * Flush, write the trailer and close the file.  Frees @w in every case.
 * @return 0 or the first -errno met (also from earlier failed writes).
 */
int iorr_writer_close(struct iorr_writer *w);

/* Counters of what was written so far. */
struct iorr_writer_stats {
	uint64_t events, threads, paths, blobs, blob_bytes, dedup_hits;
	uint64_t file_bytes;	/* bytes written to the trace file */
};
void iorr_writer_get_stats(const struct iorr_writer *w,
			   struct iorr_writer_stats *st);

/* ------------------------------------------------------------------ */
/* Reader                                                               */
/* ------------------------------------------------------------------ */

struct iorr_reader;

struct iorr_error {
	int code;		/* -errno */
	uint64_t offset;	/* byte offset in the trace where it was met */
	char msg[256];
};

/* Limits that bound what a hostile trace can make the reader allocate. */
struct iorr_reader_limits {
	uint64_t max_chunk_bytes;	/* decompressed size of one chunk */
	uint64_t max_total_blob_bytes;	/* all blob content kept in memory */
	uint64_t max_paths;
	uint64_t max_threads;
	uint64_t max_blobs;
};

/* Fill @l with the defaults (256 MiB, 4 GiB, 16 M, 16 M, 64 M). */
void iorr_reader_default_limits(struct iorr_reader_limits *l);

/*
 * Open a trace and validate its header.  @limits may be NULL.
 * @return 0 and *@out, or -errno with @err filled.
 */
int iorr_reader_open(const char *path, const struct iorr_reader_limits *limits,
		     struct iorr_reader **out, struct iorr_error *err);

/* As iorr_reader_open() on a memory buffer, which must outlive the reader. */
int iorr_reader_open_mem(const void *buf, size_t len,
			 const struct iorr_reader_limits *limits,
			 struct iorr_reader **out, struct iorr_error *err);

void iorr_reader_close(struct iorr_reader *r);

/* The header's metadata, a NUL-terminated JSON text. */
const char *iorr_reader_metadata(const struct iorr_reader *r);
void iorr_reader_version(const struct iorr_reader *r, unsigned *major,
			 unsigned *minor);

/*
 * Decode the next event into @ev, reading (and validating) chunks as
 * needed; definitions met on the way become available through the lookups
 * below.  @return 1 for an event, 0 at the end of the trace (a clean end or
 * a truncation: see iorr_reader_status()), or -errno with @err filled.
 * After an error the reader stays at the error.
 */
int iorr_reader_next(struct iorr_reader *r, struct iorr_event *ev,
		     struct iorr_error *err);

/* Read to the end, so that final state and notes are known. */
int iorr_reader_finish(struct iorr_reader *r, struct iorr_error *err);

struct iorr_reader_status {
	bool complete;		/* the trailer was read and matched */
	bool truncated;		/* ends inside a chunk or without trailer */
	uint64_t truncated_at;	/* offset of the first byte not read */
	uint64_t events;	/* events decoded so far */
	uint64_t chunks;
	uint64_t skipped_chunks; /* chunks of types this reader lacks */
	uint64_t file_size;
};
void iorr_reader_status(const struct iorr_reader *r,
			struct iorr_reader_status *st);

/* Lookups of what has been defined so far.  NULL when out of range. */
const struct iorr_thread *iorr_reader_thread(const struct iorr_reader *r,
					     uint32_t index);
uint32_t iorr_reader_nthreads(const struct iorr_reader *r);
const char *iorr_reader_path(const struct iorr_reader *r, uint32_t id);
uint32_t iorr_reader_npaths(const struct iorr_reader *r);
const struct iorr_blob *iorr_reader_blob(const struct iorr_reader *r,
					 uint32_t id);
uint32_t iorr_reader_nblobs(const struct iorr_reader *r);

/* File states read so far, in trace order. */
size_t iorr_reader_nstates(const struct iorr_reader *r,
			   enum iorr_state_kind kind);
const struct iorr_file_state *iorr_reader_state(const struct iorr_reader *r,
						enum iorr_state_kind kind,
						size_t i);

/* Notes read so far (keys unique; the last value of a key wins). */
size_t iorr_reader_nnotes(const struct iorr_reader *r);
void iorr_reader_note(const struct iorr_reader *r, size_t i, const char **key,
		      const char **json_value);

/* ------------------------------------------------------------------ */
/* Hashing (xxh3), shared by writer, recorder and replayer              */
/* ------------------------------------------------------------------ */

/* xxh3-64 of a buffer, as recorded for reads (HASH fields). */
uint64_t iorr_hash64(const void *data, size_t len);
/* xxh3-128 of a buffer, as used for blobs and final states. */
struct iorr_hash128 iorr_hash128(const void *data, size_t len);

#endif /* IORR_TRACE_H */
