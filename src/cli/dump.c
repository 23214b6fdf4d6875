/* SPDX-License-Identifier: MIT */
/* iorr dump: one line per event, like strace; --json for NDJSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "iorr/replay.h"
#include "iorr/tracejson.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr dump [--json] [--conflicts [--max-pairs N]] TRACE\n"
		"\n"
		"Print every event of TRACE: seq, time since the first event,\n"
		"pid/tid, the call with decoded arguments, result, errno and\n"
		"duration.\n"
		"\n"
		"  --json      one JSON object per event (NDJSON), as in\n"
		"              'iorr json'\n"
		"  --conflicts list the candidate races instead: pairs of\n"
		"              conflicting ops (overlapping bytes of one file,\n"
		"              or one path's entry, or one open file's offset;\n"
		"              at least one changing it) that no happens-before\n"
		"              edge orders\n"
		"  --max-pairs N  list at most N pairs (default 10000)\n"
		"  -h, --help  this text\n");
}

static void range(char *buf, size_t len, const struct iorr_conflict *c,
		  int s)
{
	if (c->ns)
		snprintf(buf, len, "entry");
	else if (c->ofd)
		snprintf(buf, len, "offset");
	else if (c->end[s] == UINT64_MAX)
		snprintf(buf, len, "bytes %" PRIu64 "..", c->off[s]);
	else
		snprintf(buf, len, "bytes %" PRIu64 "..%" PRIu64, c->off[s],
			 c->end[s] - 1);
}

static int dump_conflicts(const char *path, bool json, size_t max)
{
	struct iorr_replay *rp;
	struct iorr_conflict *v = NULL;
	size_t n = 0;
	uint64_t total = 0;
	char msg[1024], line[8192], r[2][64];
	int k;

	if (iorr_replay_load(path, &rp, msg, sizeof(msg)) < 0) {
		cli_error("%s", msg);
		iorr_replay_free(rp);
		return EXIT_ERROR;
	}
	k = iorr_replay_conflicts(rp, max, &v, &n, &total);
	if (k < 0) {
		cli_error("%s: cannot compute the conflicts: %s", path,
			  strerror(-k));
		iorr_replay_free(rp);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		const struct iorr_conflict *c = &v[i];
		const char *file = c->file;

		if (!strncmp(file, "ns:", 3))
			file += 3;
		range(r[0], sizeof(r[0]), c, 0);
		range(r[1], sizeof(r[1]), c, 1);
		if (json) {
			json_t *o = json_object(), *ops = json_array();

			json_object_set_new(o, "file", json_string(file));
			json_object_set_new(o, "what", json_string(
				c->ns ? "entry" : c->ofd ? "offset" : "bytes"));
			json_object_set_new(o, "overlapped_in_time",
					    json_boolean(c->overlapped));
			for (int s = 0; s < 2; s++) {
				json_t *e = json_object();
				const struct iorr_event *ev =
					iorr_replay_event(rp, c->seq[s]);

				json_object_set_new(e, "seq", json_integer(
					(json_int_t)c->seq[s]));
				json_object_set_new(e, "thread", json_integer(
					c->thread[s]));
				json_object_set_new(e, "op", json_string(
					ev ? iorr_op_get(ev->op)->name : "?"));
				json_object_set_new(e, "off", json_integer(
					(json_int_t)c->off[s]));
				if (c->end[s] != UINT64_MAX)
					json_object_set_new(e, "end",
						json_integer((json_int_t)
							     c->end[s]));
				json_object_set_new(e, "writes",
						    json_boolean(c->write[s]));
				json_array_append_new(ops, e);
			}
			json_object_set_new(o, "ops", ops);
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
			continue;
		}
		printf("conflict %zu: %s%s%s\n", i + 1, file,
		       c->ns ? " (namespace entry)" : c->ofd ?
		       " (shared file offset)" : "",
		       c->overlapped ? ", overlapped in time" : "");
		for (int s = 0; s < 2; s++) {
			const struct iorr_event *ev =
				iorr_replay_event(rp, c->seq[s]);

			if (ev)
				cli_format_event(iorr_replay_reader(rp), ev,
						 iorr_replay_t0(rp), line,
						 sizeof(line));
			printf("  %-6s %s: %s\n", c->write[s] ? "writes" :
			       "reads", r[s], ev ? line : "?");
		}
	}
	if (!json)
		printf("%" PRIu64 " candidate race%s (conflicting pairs no "
		       "happens-before edge orders)%s\n", total,
		       total == 1 ? "" : "s", total > n ? "; listing cut "
		       "at --max-pairs" : "");
	free(v);
	iorr_replay_free(rp);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("stdout: write failed");
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conflicts", no_argument, NULL, 'c' },
		{ "max-pairs", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false, conflicts = false;
	size_t max = 10000;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conflicts = true;
			break;
		case 'm': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);

			if (end == optarg || *end || optarg[0] == '-') {
				cli_error("--max-pairs %s: expected a count",
					  optarg);
				return EXIT_ERROR;
			}
			max = (size_t)v;
			break;
		}
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *path = argv[optind];

	if (conflicts)
		return dump_conflicts(path, json, max);

	struct iorr_reader *r = cli_open_trace(path);

	if (!r)
		return EXIT_ERROR;

	struct iorr_event ev;
	struct iorr_error e;
	uint64_t t0 = 0;
	bool first = true;
	int k;
	char line[8192];

	while ((k = iorr_reader_next(r, &ev, &e)) > 0) {
		if (first)
			t0 = ev.start_ns;
		first = false;
		if (json) {
			if (iorr_json_print_event(stdout, r, &ev) < 0) {
				cli_error("%s: cannot format event %" PRIu64,
					  path, ev.seq);
				k = -1;
				break;
			}
			continue;
		}
		cli_format_event(r, &ev, t0, line, sizeof(line));
		puts(line);
	}
	int ret = EXIT_OK;

	if (k < 0) {
		fflush(stdout);
		if (k != -1)
			cli_trace_error(path, &e);
		ret = EXIT_ERROR;
	} else {
		cli_report_truncation(path, r);
		if (!json && cli_redacted(r))
			printf("# redacted trace (iorr redact): %s\n",
			       cli_redacted(r));
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("stdout: write failed");
		ret = EXIT_ERROR;
	}
	iorr_reader_close(r);
	return ret;
}
