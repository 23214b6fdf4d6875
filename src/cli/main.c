/* SPDX-License-Identifier: MIT */
/* iorr: record, inspect and replay file I/O traces. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "dump", cmd_dump, "print a trace's events, one line each (--json)" },
	{ "stat", cmd_stat, "counts, bytes, latencies per op, thread, file" },
	{ "json", cmd_json, "the whole trace as one JSON document" },
	{ "import", cmd_import, "build a trace from a JSON document" },
	{ "record", cmd_record, "run a program and record its file I/O" },
	{ "replay", cmd_replay, "replay a trace in a sandbox and check it" },
	{ "timeline", cmd_timeline, "draw a trace as an HTML page or SVG" },
	{ "hunt", cmd_hunt, "replay with seed after seed until it diverges" },
	{ "shrink", cmd_shrink, "reduce a diverging trace to a small one" },
	{ "redact", cmd_redact, "replace payload bytes (and paths) for sharing" },
	{ "export-c", cmd_export_c, "a trace as a standalone C reproducer" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"Record, inspect and replay the file I/O of Linux programs.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f,
		"\n"
		"Run 'iorr COMMAND --help' for a command's options.\n"
		"Exit status: 0 success (nothing diverged), 1 a divergence was "
		"found,\n2 usage, input or environment error.\n"
		"See iorr(1) and iorr-trace(5).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *cmd = argv[1];

	if (cli_is_help(cmd) || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("iorr %s (trace format %d.%d)\n", PACKAGE_VERSION,
		       IORR_FORMAT_MAJOR, IORR_FORMAT_MINOR);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_error("%s: unknown command (try 'iorr --help')", cmd);
	return EXIT_ERROR;
}
