/* SPDX-License-Identifier: MIT */
/* Trace-writing helpers of the test programs: see mkevents.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkevents.h"

struct iorr_writer *mk_w;
uint64_t mk_seq;
static const char *mk_prog = "mkevents";

void mk_die(const char *what, long long r)
{
	fprintf(stderr, "%s: %s: %s\n", mk_prog, what, strerror((int)-r));
	exit(1);
}

void mk_open(const char *prog, const char *path, const char *meta)
{
	mk_prog = prog;
	mk_seq = 0;
	int r = iorr_writer_open(path, meta, NULL, &mk_w);

	if (r < 0)
		mk_die(path, r);
}

void mk_close(void)
{
	int r = iorr_writer_close(mk_w);

	mk_w = NULL;
	if (r < 0)
		mk_die("close", r);
}

uint64_t mk_path(const char *s)
{
	int64_t r = iorr_writer_path(mk_w, s);

	if (r < 0)
		mk_die(s, r);
	return (uint64_t)r;
}

uint64_t mk_blob(const void *p, size_t n)
{
	int64_t r = iorr_writer_blob(mk_w, p, n);

	if (r < 0)
		mk_die("blob", r);
	return (uint64_t)r + 1;
}

void mk_thread(int32_t pid, int32_t tid, uint32_t parent)
{
	int r = iorr_writer_thread(mk_w, pid, tid, parent);

	if (r < 0)
		mk_die("thread", r);
}

uint64_t mk_eventv(const char *op, uint32_t thread, uint64_t start_ns,
		   uint64_t dur, int64_t result, uint32_t err, va_list ap)
{
	struct iorr_event ev = { 0 };
	int opc = iorr_op_by_name(op);
	const char *name;

	if (opc < 0)
		mk_die(op, -EINVAL);
	ev.op = (uint16_t)opc;
	ev.nfields = iorr_op_get((unsigned)opc)->nfields;
	ev.seq = ++mk_seq;
	ev.thread = thread;
	ev.start_ns = start_ns;
	ev.end_ns = start_ns + dur;
	ev.result = result;
	ev.err = err;
	while ((name = va_arg(ap, const char *))) {
		uint64_t v = va_arg(ap, uint64_t);
		int k = iorr_op_field_index((unsigned)opc, name);

		if (k < 0)
			mk_die(name, -EINVAL);
		ev.f[k] = v;
	}
	int r = iorr_writer_event(mk_w, &ev);

	if (r < 0)
		mk_die(op, r);
	return ev.seq;
}

uint64_t mk_event(const char *op, uint32_t thread, uint64_t start_ns,
		  uint64_t dur, int64_t result, uint32_t err, ...)
{
	va_list ap;

	va_start(ap, err);
	uint64_t s = mk_eventv(op, thread, start_ns, dur, result, err, ap);

	va_end(ap);
	return s;
}

void mk_initial(const char *path, uint32_t mode, uint64_t size,
		const void *data, uint64_t dlen)
{
	struct iorr_extent ext = { 0, dlen, 0 };
	struct iorr_file_state st = {
		.path = (uint32_t)mk_path(path), .flags = IORR_FS_EXISTS,
		.mode = mode, .size = size, .nextents = dlen ? 1 : 0,
		.extents = &ext,
	};

	if (dlen)
		ext.blob = (uint32_t)(mk_blob(data, dlen) - 1);
	int r = iorr_writer_state(mk_w, IORR_STATE_INITIAL, &st);

	if (r < 0)
		mk_die("initial state", r);
}

void mk_final(const char *path, uint32_t mode, const void *data,
	      uint64_t len, bool exists)
{
	struct iorr_file_state st = {
		.path = (uint32_t)mk_path(path),
		.flags = exists ? IORR_FS_EXISTS | IORR_FS_HASHED : 0,
		.mode = exists ? mode : 0, .size = exists ? len : 0,
	};

	if (exists)
		st.hash = iorr_hash128(data, len);
	int r = iorr_writer_state(mk_w, IORR_STATE_FINAL, &st);

	if (r < 0)
		mk_die("final state", r);
}
