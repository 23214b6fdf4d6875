/* SPDX-License-Identifier: MIT */
/*
 * On-disk constants of trace format v1 (doc/trace-format.md).  Private to
 * src/trace: everything else goes through include/iorr/trace.h.
 */
#ifndef IORR_TRACE_FORMAT_H
#define IORR_TRACE_FORMAT_H

#include <stdint.h>

#define IORR_FILE_MAGIC "\x89IORR\r\n\x1a"
#define IORR_FILE_HEADER_SIZE 32
#define IORR_MAX_METADATA (16u << 20)

#define IORR_CHUNK_MAGIC "ICHK"
#define IORR_CHUNK_HEADER_SIZE 32

enum iorr_chunk_type {
	IORR_CHUNK_THREADS = 1,
	IORR_CHUNK_PATHS = 2,
	IORR_CHUNK_BLOBS = 3,
	IORR_CHUNK_EVENTS = 4,
	IORR_CHUNK_INITIAL = 5,
	IORR_CHUNK_FINAL = 6,
	IORR_CHUNK_NOTES = 7,
	IORR_CHUNK_TRAILER = 8,
};

enum iorr_codec {
	IORR_CODEC_STORED = 0,
	IORR_CODEC_ZSTD = 1,
};

/*
 * Event chunk columns are keyed (op + 1, field id); key op 0 holds the
 * per-event global columns.
 */
enum {
	IORR_GCOL_OP = 0,	/* opcode of each event */
	IORR_GCOL_SEQ = 1,	/* seq - previous seq - 1 */
};
enum {
	IORR_COL_THREAD = 0,
	IORR_COL_START = 1,	/* zigzag(start - previous event's start) */
	IORR_COL_DURATION = 2,	/* end - start */
	IORR_COL_RESULT = 3,	/* zigzag(result) */
	IORR_COL_ERRNO = 4,
	IORR_COL_VECTOR = 5,	/* all vector values of the op, in order */
	IORR_COL_FIELD0 = 6,	/* op field k is column IORR_COL_FIELD0 + k */
};

/* Hard bounds that keep a hostile trace from exhausting memory. */
#define IORR_MAX_CHUNK_EVENTS (1u << 18)
#define IORR_MAX_CHUNK_VECTOR (1u << 22)
#define IORR_MAX_IOV 1024u
#define IORR_MAX_BLOB_SIZE (192ull << 20)
#define IORR_MAX_EXTENTS (1u << 20)

/* Column encodings. */
enum {
	IORR_COLENC_CONST = 0,
	IORR_COLENC_PACKED = 1,
};
enum {
	IORR_COLXF_RAW = 0,
	IORR_COLXF_DELTA = 1,	/* zigzag of the wrapping difference */
};

#endif /* IORR_TRACE_FORMAT_H */
