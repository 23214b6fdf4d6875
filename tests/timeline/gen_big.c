/* SPDX-License-Identifier: MIT */
/*
 * gen_big: write a large seeded trace with the writer API, for the
 * timeline size and speed budget (tests/timeline/big.sh).
 *
 *   gen_big OUT [EVENTS [THREADS]]
 *
 * One process with THREADS threads (default 4) sharing one descriptor of
 * /data/big.bin: thread 0 opens it and creates the others, then every
 * thread issues 4 KiB pread/pwrite at seeded random block offsets of a
 * 64 MiB file (one in four a write), with an fsync every 1024 ops; the
 * threads join and thread 0 closes the file.  Start-to-start gaps are
 * 900 ns + uniform[0,256) ns per thread, durations 600 ns + uniform[0,256)
 * ns, so the threads overlap in time.  EVENTS (default 1000000) counts
 * every event.  No payloads are stored (as --data=hash).  Exit 0, or 1
 * with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iorr/trace.h"

static uint64_t rng_state = 4242;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "gen_big: %s: %s\n", what, strerror(-err));
	exit(1);
}

static struct iorr_event ev;
static uint64_t seq;

static void set(const char *name, uint64_t v)
{
	int i = iorr_op_field_index(ev.op, name);

	if (i < 0)
		die(name, -EINVAL);
	ev.f[i] = v;
}

static void begin(unsigned op, uint32_t thread, uint64_t start, uint64_t dur,
		  int64_t result)
{
	memset(&ev, 0, sizeof(ev));
	ev.op = (uint16_t)op;
	ev.nfields = iorr_op_table[op].nfields;
	ev.seq = ++seq;
	ev.thread = thread;
	ev.start_ns = start;
	ev.end_ns = start + dur;
	ev.result = result;
}

static void emit(struct iorr_writer *w)
{
	int r = iorr_writer_event(w, &ev);

	if (r < 0)
		die("event", r);
}

int main(int argc, char **argv)
{
	struct iorr_writer *w;
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	uint32_t nt = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 4;
	uint64_t *t;
	int64_t path;
	int r;

	if (argc < 2 || nt < 1 || nt > 64 || n < 4 * nt + 4) {
		fprintf(stderr, "usage: gen_big OUT [EVENTS [THREADS]]\n");
		return 1;
	}
	r = iorr_writer_open(argv[1], "{\"description\":\"gen_big: threads "
			     "doing 4 KiB random reads and writes on one "
			     "file\",\"cwd\":\"/data\"}", NULL, &w);
	if (r < 0)
		die(argv[1], r);
	t = calloc(nt, sizeof(*t));
	if (!t)
		die("calloc", -ENOMEM);
	for (uint32_t i = 0; i < nt; i++)
		if ((r = iorr_writer_thread(w, 7000, 7000 + (int32_t)i,
					    i ? 0 : UINT32_MAX)) < 0)
			die("thread", r);
	path = iorr_writer_path(w, "/data/big.bin");
	if (path < 0)
		die("path", (int)path);

	t[0] = 1000000000;
	begin(IORR_OP_openat, 0, t[0], 3000, 3);
	set("dirfd", (uint64_t)(int64_t)AT_FDCWD);
	set("path", (uint64_t)path);
	set("flags", O_RDWR | O_CREAT);
	set("mode", 0644);
	emit(w);
	t[0] += 4000;
	for (uint32_t i = 1; i < nt; i++) {
		begin(IORR_OP_thread_create, 0, t[0], 20000, 0);
		set("child", i);
		emit(w);
		t[i] = t[0] + 15000;
		begin(IORR_OP_thread_start, i, t[i], 0, 0);
		set("parent", 0);
		emit(w);
		t[0] += 21000;
	}
	/* what is left for the data ops, after joins and the close */
	uint64_t left = n - seq - 2 * (nt - 1) - 1;
	uint64_t ops = 0;

	while (left--) {
		/* the thread that is furthest behind goes next */
		uint32_t i = 0;

		for (uint32_t k = 1; k < nt; k++)
			if (t[k] < t[i])
				i = k;
		uint64_t z = rnd(), dur = 600 + (z >> 24 & 0xff);

		if (++ops % 1024 == 0) {
			begin(IORR_OP_fsync, i, t[i], 20 * dur, 0);
			set("fd", 3);
			emit(w);
			t[i] += 21 * dur;
			continue;
		}
		bool write = (z & 3) == 0;

		begin(write ? IORR_OP_pwrite : IORR_OP_pread, i, t[i], dur,
		      4096);
		set("fd", 3);
		set("len", 4096);
		set("off", (z >> 2) % 16384 * 4096);
		emit(w);
		t[i] += 900 + (z >> 16 & 0xff);
	}
	for (uint32_t i = 1; i < nt; i++) {
		begin(IORR_OP_thread_exit, i, t[i], 0, 0);
		emit(w);
		if (t[i] > t[0])
			t[0] = t[i];
	}
	for (uint32_t i = 1; i < nt; i++) {
		begin(IORR_OP_thread_join, 0, t[0] + 1000, 1000, 0);
		set("target", i);
		emit(w);
		t[0] += 2000;
	}
	begin(IORR_OP_close, 0, t[0] + 1000, 2000, 0);
	set("fd", 3);
	emit(w);
	free(t);
	r = iorr_writer_close(w);
	if (r < 0)
		die("close", r);
	return 0;
}
