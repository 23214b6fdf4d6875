/* SPDX-License-Identifier: MIT */
/*
 * The JSON form of a trace (iorr-json(1), "JSON FORM"): used by
 * `iorr dump --json`, `iorr json` and `iorr import`.  trace -> JSON -> trace
 * is lossless: the same events, definitions, states, notes and data.
 *
 * Event objects have the same shape in the whole document and in NDJSON:
 *   {"seq": N, "thread": I, "start_ns": N, "end_ns": N, "op": "pwrite",
 *    "args": {<each op-table field by name>: value}, "result": N,
 *    "errno": "ENOENT"}
 * NDJSON lines also carry "pid" and "tid" of the thread.  Field values are
 * encoded by field type only (never per op), see iorr-json(1).
 */
#ifndef IORR_TRACEJSON_H
#define IORR_TRACEJSON_H

#include <stdio.h>

#include "iorr/trace.h"

/* The version of the JSON form ("iorr_trace": {"format": "1.0"}). */
#define IORR_JSON_FORMAT_MAJOR 1
#define IORR_JSON_FORMAT_MINOR 0

/*
 * Print @ev as one line of JSON (NDJSON) to @f.
 * @return 0 or -errno.
 */
int iorr_json_print_event(FILE *f, const struct iorr_reader *r,
			  const struct iorr_event *ev);

/*
 * Write the whole trace read from @r as one JSON document to @f, reading
 * @r to its end.  Events are staged in a temporary file (in $TMPDIR), so
 * memory use does not grow with the number of events.
 * @return 0 or -errno, with @err filled (trace errors, and -EINVAL for
 * content the JSON form cannot hold, e.g. a note whose value is not JSON).
 */
int iorr_json_export(struct iorr_reader *r, FILE *f, struct iorr_error *err);

/*
 * Build the trace @out_path from the JSON document in @json_path ("-" is
 * standard input).  The trace is written to a temporary file next to
 * @out_path and renamed over it only on success, so a failed import never
 * leaves a partial trace nor clobbers an existing one.
 * @return 0 or -errno, with a message naming the JSON location in @msg
 * ("events[12].args.off: expected an integer, got a string"), or the line
 * and column for a syntax error.
 */
int iorr_json_import(const char *json_path, const char *out_path, char *msg,
		     size_t msglen);

#endif
