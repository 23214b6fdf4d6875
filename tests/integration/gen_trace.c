/* SPDX-License-Identifier: MIT */
/*
 * gen_trace: write a seeded synthetic trace with the writer API, for the
 * damage test and the fuzz corpus.
 *
 *   gen_trace OUT [EVENTS [EVENTS_PER_CHUNK [SEED]]]
 *
 * The trace has three threads, paths, content and hash-only blobs (some
 * deduplicated), events of every op in the op table (round robin, fields
 * valid for their types, vectors for IOV ops), initial and final file
 * states with extents and a symlink, and notes.  Definitions are flushed
 * in several batches so they are spread over the file.  Exit 0, or 1 with
 * a message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iorr/trace.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int die(const char *what, long long r)
{
	fprintf(stderr, "gen_trace: %s: %s\n", what, strerror((int)-r));
	exit(1);
}

/* A plausible value of a field of @type. */
static uint64_t field_value(unsigned type, uint32_t npaths, uint32_t nblobs,
			    uint32_t nthreads)
{
	switch (type) {
	case IORR_FT_FD:
		return 3 + rnd() % 8;
	case IORR_FT_OFF:
		return rnd() % 4 ? (rnd() % 4096) * 4096 : (uint64_t)-1;
	case IORR_FT_LEN:
		return 512u << (rnd() % 5);
	case IORR_FT_PATH:
		return rnd() % npaths;
	case IORR_FT_DATA:
		return rnd() % (nblobs + 1);
	case IORR_FT_THREAD:
		return rnd() % nthreads;
	case IORR_FT_HASH:
		return rnd();
	case IORR_FT_BUF:
		return rnd() % 2 ? 0 : (rnd() & 0xffff);
	case IORR_FT_FLAGS:
		return rnd() % 4 ? 0x41 : rnd() & 0xfffff;
	case IORR_FT_MODE:
		return 0644;
	case IORR_FT_PID:
		return 1000 + rnd() % 4;
	case IORR_FT_INT:
		return (uint64_t)(int64_t)(rnd() % 200) - 100;
	case IORR_FT_IOV:
		return 1 + rnd() % 4;
	default:
		return rnd() % 1000;
	}
}

int main(int argc, char **argv)
{
	struct iorr_writer_opts opts = { 0 };
	struct iorr_writer *w;
	uint64_t nevents = 3000, seq = 0, t = 1000000;
	uint8_t content[3][700];
	long long r;

	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: gen_trace OUT [EVENTS [PER_CHUNK "
			"[SEED]]]\n");
		return 2;
	}
	if (argc > 2)
		nevents = strtoull(argv[2], NULL, 0);
	opts.events_per_chunk = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0)
					 : 500;
	rng_state = argc > 4 ? strtoull(argv[4], NULL, 0) : 1;
	opts.blob_chunk_bytes = 1024;

	r = iorr_writer_open(argv[1],
			     "{\"cmdline\":[\"gen_trace\"],\"generator\":true}",
			     &opts, &w);
	if (r < 0)
		die(argv[1], r);

	static const char *const paths[] = {
		"/data/file0", "/data/file1", "/data/dir", "/data/link",
		"/data/renamed", "/tmp/scratch",
	};
	uint32_t npaths = 0, nblobs = 0, nthreads = 0;

	for (unsigned i = 0; i < 3; i++) {
		r = iorr_writer_thread(w, 1000, (int32_t)(1000 + i),
				       i ? 0 : UINT32_MAX);
		if (r < 0)
			die("thread", r);
		nthreads++;
	}
	for (unsigned i = 0; i < 3; i++) {
		if ((r = iorr_writer_path(w, paths[i])) < 0)
			die("path", r);
		npaths++;
		for (size_t b = 0; b < sizeof(content[i]); b++)
			content[i][b] = (uint8_t)(rnd() % (4 + 60 * i));
		if ((r = iorr_writer_blob(w, content[i], sizeof(content[i])))
		    < 0)
			die("blob", r);
		nblobs++;
	}
	struct iorr_hash128 h = { rnd(), rnd() };

	if ((r = iorr_writer_blob_hash(w, &h, 1u << 20)) < 0)
		die("blob_hash", r);
	nblobs++;

	struct iorr_extent ext[2] = {
		{ .off = 0, .len = sizeof(content[0]), .blob = 0 },
		{ .off = 8192, .len = sizeof(content[1]), .blob = 1 },
	};
	struct iorr_file_state st = {
		.path = 0, .flags = IORR_FS_EXISTS, .mode = 0100644,
		.size = 16384, .nextents = 2, .extents = ext,
	};

	if ((r = iorr_writer_state(w, IORR_STATE_INITIAL, &st)) < 0)
		die("state", r);
	st = (struct iorr_file_state){ .path = 2, .flags = IORR_FS_EXISTS,
				       .mode = 040755 };
	if ((r = iorr_writer_state(w, IORR_STATE_INITIAL, &st)) < 0)
		die("state", r);
	if ((r = iorr_writer_note(w, "recorder", "{\"data\":\"full\"}")) < 0)
		die("note", r);
	if ((r = iorr_writer_flush(w)) < 0)
		die("flush", r);

	uint64_t vec[8];

	for (uint64_t i = 0; i < nevents; i++) {
		struct iorr_event ev = { 0 };
		unsigned op = (unsigned)(i % IORR_OP__COUNT);
		const struct iorr_op_desc *d = iorr_op_get(op);

		/* Later definitions interleave with events. */
		if (i % 700 == 350 && npaths < 6) {
			if ((r = iorr_writer_path(w, paths[npaths])) < 0)
				die("path", r);
			npaths++;
			/* Same content again: deduplicated, same id. */
			r = iorr_writer_blob(w, content[i % 3],
					     sizeof(content[0]));
			if (r != (long long)(i % 3))
				die("dedup", r < 0 ? r : -EPROTO);
		}
		ev.seq = seq += 1 + rnd() % 3;
		ev.start_ns = t += 500 + rnd() % 2000;
		ev.end_ns = ev.start_ns + rnd() % 10000;
		ev.thread = (uint32_t)(rnd() % nthreads);
		ev.op = (uint16_t)op;
		ev.nfields = d->nfields;
		ev.result = rnd() % 8 ? (int64_t)(rnd() % 8192) : -1;
		ev.err = ev.result < 0 ? (uint32_t)(1 + rnd() % 40) : 0;
		for (unsigned f = 0; f < d->nfields; f++) {
			ev.f[f] = field_value(d->fields[f].type, npaths,
					      nblobs, nthreads);
			if (d->fields[f].type == IORR_FT_IOV) {
				ev.nvec = (uint32_t)ev.f[f];
				for (uint32_t v = 0; v < ev.nvec; v++)
					vec[v] = 512u << (rnd() % 4);
				ev.vec = vec;
			}
		}
		if ((r = iorr_writer_event(w, &ev)) < 0)
			die("event", r);
	}

	st = (struct iorr_file_state){
		.path = 0, .flags = IORR_FS_EXISTS | IORR_FS_HASHED,
		.mode = 0100644, .size = 20480, .hash = { rnd(), rnd() },
	};
	if ((r = iorr_writer_state(w, IORR_STATE_FINAL, &st)) < 0)
		die("state", r);
	st = (struct iorr_file_state){ .path = 3 % npaths,
				       .flags = IORR_FS_EXISTS,
				       .mode = 0120777, .link = "file0" };
	if ((r = iorr_writer_state(w, IORR_STATE_FINAL, &st)) < 0)
		die("state", r);
	if ((r = iorr_writer_note(w, "loss", "{\"events\":0}")) < 0)
		die("note", r);
	if ((r = iorr_writer_close(w)) < 0)
		die("close", r);
	return 0;
}
