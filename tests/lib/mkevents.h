/* SPDX-License-Identifier: MIT */
/*
 * mkevents: helpers for test programs that write traces with the writer
 * API (tests/hunt/mkhunt.c, tests/replay/mktrace.c).  One trace is written
 * at a time, through mk_w; every helper exits with status 1 and
 * "PROG: WHAT: error" on stderr when the writer fails.
 */
#ifndef IORR_TESTS_MKEVENTS_H
#define IORR_TESTS_MKEVENTS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iorr/trace.h"

/* The trace being written (set by mk_open) and the last seq given out. */
extern struct iorr_writer *mk_w;
extern uint64_t mk_seq;

/* A field value passed through the varargs of mk_event: always 64 bits. */
#define U(x) ((uint64_t)(x))

/* Print "PROG: WHAT: strerror(-R)" and exit 1. */
_Noreturn void mk_die(const char *what, long long r);

/* Open @path for writing with metadata @meta (JSON); @prog names errors. */
void mk_open(const char *prog, const char *path, const char *meta);

/* Close the trace. */
void mk_close(void);

/* The path id of @s. */
uint64_t mk_path(const char *s);

/* Store @n bytes at @p as a blob: @return the DATA field value (id + 1). */
uint64_t mk_blob(const void *p, size_t n);

/* Add thread @tid of process @pid, created by thread @parent. */
void mk_thread(int32_t pid, int32_t tid, uint32_t parent);

/*
 * Append the event @op of @thread from @start_ns for @dur ns, with @result
 * and @err, then the fields as "name", uint64_t value pairs ended by NULL
 * (use U() for every value).  @return its seq (mk_seq + 1).
 */
uint64_t mk_event(const char *op, uint32_t thread, uint64_t start_ns,
		  uint64_t dur, int64_t result, uint32_t err, ...);
uint64_t mk_eventv(const char *op, uint32_t thread, uint64_t start_ns,
		   uint64_t dur, int64_t result, uint32_t err, va_list ap);

/*
 * Initial state of @path: a regular file of @size bytes with mode @mode
 * whose first @dlen bytes are @data (one extent; none if @dlen is 0).
 */
void mk_initial(const char *path, uint32_t mode, uint64_t size,
		const void *data, uint64_t dlen);

/*
 * Final state of @path: with @exists, a file of mode @mode holding the
 * @len bytes at @data (by hash); otherwise absent.
 */
void mk_final(const char *path, uint32_t mode, const void *data,
	      uint64_t len, bool exists);

#endif /* IORR_TESTS_MKEVENTS_H */
