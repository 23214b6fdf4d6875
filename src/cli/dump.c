/* SPDX-License-Identifier: MIT */
/* iorr dump: one line per event, like strace; --json for NDJSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "iorr/tracejson.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr dump [--json] TRACE\n"
		"\n"
		"Print every event of TRACE: seq, time since the first event,\n"
		"pid/tid, the call with decoded arguments, result, errno and\n"
		"duration.\n"
		"\n"
		"  --json      one JSON object per event (NDJSON), as in\n"
		"              'iorr json'\n"
		"  -h, --help  this text\n");
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
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
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("stdout: write failed");
		ret = EXIT_ERROR;
	}
	iorr_reader_close(r);
	return ret;
}
