/* SPDX-License-Identifier: MIT */
/*
 * iorr json: the whole trace as one JSON document.
 * iorr import: build a trace from such a document (hand-written or edited).
 * The JSON form is described in iorr-json(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "iorr/tracejson.h"

static void json_usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr json [-o OUT] TRACE\n"
		"\n"
		"Write TRACE as one JSON document: metadata, threads, paths,\n"
		"data blobs, every event, initial and final file state and\n"
		"notes.  'iorr import' turns it back into the same trace.\n"
		"The schema is in iorr-json(1).\n"
		"\n"
		"  -o, --output OUT  write to OUT instead of standard output\n"
		"  -h, --help        this text\n");
}

static void import_usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr import -o TRACE FILE.json\n"
		"\n"
		"Build TRACE from a JSON document as 'iorr json' writes it,\n"
		"or one written by hand (shorthands: pid/tid instead of a\n"
		"thread table, inline {\"text\": ...} payloads, optional seq,\n"
		"end_ns and fields; see iorr-json(1)).  FILE.json '-' reads\n"
		"standard input.  TRACE is replaced only if the import\n"
		"succeeds.\n"
		"\n"
		"  -o, --output TRACE  the trace to write (required)\n"
		"  -h, --help          this text\n");
}

int cmd_json(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			json_usage(stdout);
			return EXIT_OK;
		default:
			json_usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		json_usage(stderr);
		return EXIT_ERROR;
	}
	const char *path = argv[optind];
	struct iorr_reader *r = cli_open_trace(path);

	if (!r)
		return EXIT_ERROR;

	FILE *f = stdout;

	if (out && strcmp(out, "-") != 0) {
		f = fopen(out, "w");
		if (!f) {
			cli_error("%s: cannot create: %s", out,
				  strerror(errno));
			iorr_reader_close(r);
			return EXIT_ERROR;
		}
	} else {
		out = "stdout";
	}

	struct iorr_error e = { 0 };
	int ret = EXIT_OK;
	int k = iorr_json_export(r, f, &e);

	if (k < 0) {
		cli_trace_error(path, &e);
		ret = EXIT_ERROR;
	} else {
		cli_report_truncation(path, r);
	}
	if (fflush(f) != 0 || ferror(f)) {
		cli_error("%s: write failed: %s", out, strerror(errno));
		ret = EXIT_ERROR;
	}
	if (f != stdout && fclose(f) != 0 && ret == EXIT_OK) {
		cli_error("%s: write failed: %s", out, strerror(errno));
		ret = EXIT_ERROR;
	}
	iorr_reader_close(r);
	return ret;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			import_usage(stdout);
			return EXIT_OK;
		default:
			import_usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		import_usage(stderr);
		return EXIT_ERROR;
	}
	if (!out) {
		cli_error("import: no output: -o TRACE is required");
		return EXIT_ERROR;
	}

	const char *in = argv[optind];
	char msg[512];

	if (iorr_json_import(in, out, msg, sizeof(msg)) < 0) {
		cli_error("%s: %s", strcmp(in, "-") ? in : "stdin", msg);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
