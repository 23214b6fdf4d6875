/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory area between the preload library (producers, one per
 * traced thread) and `iorr record` (the single consumer).
 *
 * Layout of the area (a memfd created by `iorr record`, mapped by both):
 *
 *	struct iorr_shm		header: options, the global seq counter,
 *				counters, include/exclude lists, snapshot dir
 *	struct iorr_ring_ctl[]	one control block per ring (cache-line split)
 *	uint64_t snap_table[]	first-touch claims (open addressing, by path
 *				hash; see snapshot rules in preload.c)
 *
 * The header also holds the first-touch copy requests: a workload thread
 * that touches a pre-existing file first posts the path in a request slot
 * and waits; `iorr record` (src/record/snapserver.c) copies the file and
 * answers.  The copy thus holds no file descriptor in the workload, whose
 * other threads would otherwise see different numbers from their open()s.
 *	ring data		nrings * ring_size bytes
 *
 * Every ring is single-producer (the thread that claimed it) and
 * single-consumer (`iorr record`).  head and tail are byte positions that
 * only grow; the data index is pos & (ring_size - 1).  The producer writes a
 * record at head and publishes it with a release store of head + size; the
 * consumer reads up to head (acquire) and releases space by storing tail.
 *
 * Records are variable length and 8-byte aligned:
 *	struct iorr_rec		header
 *	uint64_t f[nfields]	the op's fields in src/ops.def order
 *	nvar times: struct iorr_rvar, then len bytes padded to 8
 * A record never wraps: when it does not fit before the end of the data
 * area, the producer writes an IORR_REC_PAD record up to the end.
 *
 * RATIONALE: variable-length records with tagged parts carry what a call
 * needs without a fixed worst case (paths, payloads, iovec shapes), and many
 * records per call (a future io_submit with its iocbs) are just several
 * appends.  Payloads too large for one record travel as IORR_REC_FRAG
 * records that precede the record they belong to (same frag id).
 *
 * This header is shared by the preload library and the consumer and must
 * not depend on anything but libc.
 */
#ifndef IORR_RECORD_RING_H
#define IORR_RECORD_RING_H

#include <stdatomic.h>
#include <stdint.h>

#define IORR_SHM_MAGIC		0x31726d6873726f69ull	/* "iorshmr1" */
#define IORR_SHM_VERSION	2u

#define IORR_SHM_ENV		"IORR_SHM"	/* path of the area */

#define IORR_SHM_MAX_PREFIXES	64
#define IORR_SHM_PREFIX_BYTES	16384

/* Options (struct iorr_shm.data_mode etc.). */
enum { IORR_DATA_FULL, IORR_DATA_HASH, IORR_DATA_NONE };
enum { IORR_SYNC_PTHREAD, IORR_SYNC_BASIC };
enum { IORR_ONFULL_WAIT, IORR_ONFULL_DROP };
enum { IORR_SNAP_FIRST_TOUCH, IORR_SNAP_NONE };

/* Ring states (struct iorr_ring_ctl.state). */
enum {
	IORR_RING_FREE,		/* claimable (CAS to OWNED) */
	IORR_RING_OWNED,	/* a thread appends to it */
	IORR_RING_RELEASED,	/* its thread is gone; consumer frees it */
};

/* First-touch copy request states (struct iorr_snap_req.state). */
enum {
	IORR_SREQ_FREE,		/* claimable (CAS to FILLING) */
	IORR_SREQ_FILLING,	/* a workload thread writes the request */
	IORR_SREQ_POSTED,	/* waiting for `iorr record` */
	IORR_SREQ_DONE,		/* answered: err and size are valid */
};

#define IORR_SNAP_REQS	16

struct iorr_snap_req {
	_Alignas(64) _Atomic uint32_t state;	/* futex word */
	int32_t pid;			/* the requesting process */
	int32_t err;			/* answer: 0 or an errno */
	uint32_t pad;
	uint64_t id;			/* copy to <snap_dir>/<id> */
	uint64_t size;			/* answer: bytes of the copied file */
	char path[4096];		/* absolute, as the workload sees it */
};

struct iorr_shm {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;		/* sizeof(struct iorr_shm) */
	uint64_t area_size;
	uint32_t nrings;
	uint32_t ring_size;		/* power of two */
	uint64_t ctl_off;		/* struct iorr_ring_ctl[nrings] */
	uint64_t snap_off;		/* uint64_t[snap_slots] */
	uint32_t snap_slots;		/* power of two */
	uint32_t pad0;
	uint64_t data_off;		/* ring data */

	/* Options, set before the workload starts, read-only after. */
	uint32_t data_mode, sync_mode, on_full, snap_mode;
	uint64_t snap_max;		/* bytes; larger files: content missing */
	int32_t recorder_pid;
	uint32_t nprefixes;
	/* prefixes: NUL-terminated strings, each preceded by '+' (include)
	 * or '-' (exclude); the longest matching prefix wins. */
	char prefixes[IORR_SHM_PREFIX_BYTES];
	char snap_dir[4096];

	/* Shared counters. */
	_Alignas(64) _Atomic uint64_t seq;	/* next seq - 1 */
	_Alignas(64) _Atomic uint64_t next_id;	/* mappings, snapshots */
	_Atomic uint64_t lost_events;	/* --on-full=drop, no free ring */
	_Atomic uint64_t lost_reasons;	/* bitmask of IORR_LOSS_* */
	_Atomic uint64_t heartbeat_ns;	/* consumer's last poll */
	_Atomic uint32_t consumer_gone;	/* producers stop recording */
	_Atomic uint32_t snap_full;	/* the snapshot table overflowed */

	/* First-touch copies: bumped, then futex-woken, per posted request */
	_Alignas(64) _Atomic uint32_t snap_gen;
	struct iorr_snap_req snap_reqs[IORR_SNAP_REQS];
};

#define IORR_LOSS_RING_FULL	0x1u	/* --on-full=drop dropped records */
#define IORR_LOSS_NO_RING	0x2u	/* more threads than rings */
#define IORR_LOSS_CONSUMER	0x4u	/* the consumer stopped draining */
#define IORR_LOSS_INTERNAL	0x8u	/* the library disabled itself */

struct iorr_ring_ctl {
	_Alignas(64) _Atomic uint32_t state;
	int32_t pid, tid;		/* owner, valid while OWNED/RELEASED */
	uint32_t pad;
	_Alignas(64) _Atomic uint64_t head;	/* written by the producer */
	/* seq taken but not yet published (0: none); lets the consumer skip
	 * the seq of a thread killed between taking it and publishing */
	_Atomic uint64_t inflight;
	_Alignas(64) _Atomic uint64_t tail;	/* written by the consumer */
};

/* Record types: iorr ops (< IORR_REC_BASE) and internal records. */
#define IORR_REC_BASE	0x8000u
enum {
	IORR_REC_PAD = IORR_REC_BASE,	/* skip to the end of the data area */
	/* First record of a claimed ring: f = pid, tid, ppid, ptid, flags */
	IORR_REC_HELLO,
	/* A piece of the payload of the next record with the same frag id */
	IORR_REC_FRAG,
	/*
	 * A new process image (the constructor ran), seq'd: f = ppid,
	 * 0; var PATH = the file executed.  The consumer makes it exec or
	 * proc_start, depending on whether it knew the pid.
	 */
	IORR_REC_IMAGE,
	/*
	 * First-touch state of a path: f = flags (IORR_SNAPF_*), st_mode,
	 * size, snapshot id; var PATH = the path, var LINK = symlink target.
	 */
	IORR_REC_SNAP,
	/* A note for the trace: var KEY, var VALUE (JSON) */
	IORR_REC_NOTE,
};

#define IORR_HELLO_THREAD	0x1u	/* ptid is a thread of the same pid */

#define IORR_SNAPF_EXISTS	0x1u
#define IORR_SNAPF_MISSING	0x2u	/* too large or not copied */
#define IORR_SNAPF_COPIED	0x4u	/* <snap_dir>/<id> holds the content */

#define IORR_RECF_DROPPED_FRAGS	0x1u	/* a fragment could not be stored */

struct iorr_rec {
	uint32_t size;		/* whole record, multiple of 8 */
	uint16_t type;		/* enum iorr_op or IORR_REC_* */
	uint8_t nfields;
	uint8_t nvar;
	uint64_t seq;		/* 0 for unsequenced internal records */
	uint64_t start, end;	/* CLOCK_MONOTONIC ns */
	int64_t result;
	int32_t err;
	uint32_t frag;		/* frag id its IORR_REC_FRAG records carry */
	uint32_t flags;		/* IORR_RECF_* */
	uint32_t pad;
};

/* Tags of variable parts. */
enum {
	IORR_VAR_PATH = 1,	/* NUL-free absolute path for PATH field .field */
	IORR_VAR_DATA,		/* payload written, for DATA field .field */
	IORR_VAR_READ,		/* bytes read, hashed into HASH field .field */
	IORR_VAR_VEC,		/* iovec lengths, uint64_t each */
	IORR_VAR_LINK,		/* symlink target (IORR_REC_SNAP) */
	IORR_VAR_KEY,		/* IORR_REC_NOTE */
	IORR_VAR_VALUE,
};

/* The payload of this part is in the preceding fragments (len = total). */
#define IORR_VARF_FRAGGED	0x8000u

struct iorr_rvar {
	uint16_t tag;
	uint16_t field;		/* field index, or IORR_VARF_FRAGGED | index */
	uint32_t len;
};

static inline uint32_t iorr_align8(uint64_t n)
{
	return (uint32_t)((n + 7) & ~7ull);
}

static inline struct iorr_ring_ctl *iorr_shm_ctl(struct iorr_shm *h,
						 unsigned i)
{
	return (struct iorr_ring_ctl *)((char *)h + h->ctl_off) + i;
}

static inline uint8_t *iorr_shm_ring(struct iorr_shm *h, unsigned i)
{
	return (uint8_t *)h + h->data_off + (uint64_t)i * h->ring_size;
}

static inline _Atomic uint64_t *iorr_shm_snap(struct iorr_shm *h)
{
	return (_Atomic uint64_t *)((char *)h + h->snap_off);
}

/* FNV-1a 64 of a path; never 0 or 1 (those mark empty/claiming slots). */
static inline uint64_t iorr_path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h < 2 ? h + 2 : h;
}

#endif /* IORR_RECORD_RING_H */
