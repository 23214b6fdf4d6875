/* SPDX-License-Identifier: MIT */
/*
 * Shared by the iorr subcommands.  Only src/cli prints and exits; messages
 * have the fixed form "iorr: error: <what>: <why>".
 */
#ifndef IORR_CLI_H
#define IORR_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "iorr/trace.h"

/* Exit statuses of every command (iorr(1)). */
enum {
	EXIT_OK = 0,
	EXIT_DIVERGED = 1,
	EXIT_ERROR = 2,		/* usage, input or environment error */
};

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "iorr: error: TRACE: at byte N: msg". */
void cli_trace_error(const char *path, const struct iorr_error *e);

/*
 * Open @path for reading or print why not.
 * @return the reader, or NULL (message printed).
 */
struct iorr_reader *cli_open_trace(const char *path);

/*
 * After a full read: warn when the trace was cut off.
 * @return true if the trace is complete.
 */
bool cli_report_truncation(const char *path, const struct iorr_reader *r);

/*
 * Format the text form of one event into @buf (as `iorr dump` prints it),
 * times relative to @t0 ns.  @return the full length.
 */
size_t cli_format_event(const struct iorr_reader *r,
			const struct iorr_event *ev, uint64_t t0, char *buf,
			size_t size);

/* Subcommands: argc/argv start at the command name. */
int cmd_dump(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_json(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_hunt(int argc, char **argv);
int cmd_shrink(int argc, char **argv);
int cmd_redact(int argc, char **argv);
int cmd_export_c(int argc, char **argv);

/* iorr replay's shared pieces (src/cli/replay.c), also used by hunt. */
struct iorr_replay;
struct iorr_replay_opts;
struct iorr_replay_report;
typedef struct json_t json_t;
/* The shell-quoted command line "iorr ARGV...".  Free it. */
char *cli_shell_quote_argv(int argc, char **argv);
/*
 * The replay schedule options that replay, hunt and shrink share: put
 * CLI_REPLAY_OPTIONS (and CLI_REPLAY_SEED_OPTION where the command has
 * --seed) in the getopt_long table and hand the codes to
 * cli_replay_parse_args.  A command's own long-only codes stay below
 * CLI_OPT_ORDER.
 */
enum {
	CLI_OPT_ORDER = 0x400,
	CLI_OPT_SCRATCH,
	CLI_OPT_MISSING,
};
#define CLI_REPLAY_OPTIONS \
	{ "order", required_argument, NULL, CLI_OPT_ORDER }, \
	{ "jitter", required_argument, NULL, 'J' }, \
	{ "flip-conflicts", no_argument, NULL, 'F' }, \
	{ "perturb", required_argument, NULL, 'P' }, \
	{ "scratch", required_argument, NULL, CLI_OPT_SCRATCH }, \
	{ "allow-missing-initial", no_argument, NULL, CLI_OPT_MISSING }
#define CLI_REPLAY_SEED_OPTION \
	{ "seed", required_argument, NULL, 'S' }

/* Replay options to repeat in a reproducing "iorr replay" command. */
struct cli_replay_args {
	int n;
	char *v[32];
};
/*
 * Parse the scheduling option @c ('o' or CLI_OPT_ORDER --order, 'S'
 * --seed, 'J' --jitter, 'F' --flip-conflicts, 'P' --perturb).
 * @return 0, -1 (error printed) or 1 (not one of these).
 */
int cli_replay_parse_opt(int c, const char *arg, struct iorr_replay_opts *o);
/*
 * cli_replay_parse_opt, and also CLI_OPT_SCRATCH and CLI_OPT_MISSING;
 * unless @ra is NULL, append the option (all but --seed) to @ra.
 * @return 0, -1 (error printed) or 1 (not one of these).
 */
int cli_replay_parse_args(int c, const char *arg, struct iorr_replay_opts *o,
			  struct cli_replay_args *ra);
/*
 * The shell-quoted "iorr replay RA... [--seed SEED] TRACE".  Free it.
 */
char *cli_replay_repro(const struct cli_replay_args *ra, bool with_seed,
		       uint64_t seed, const char *trace);
/* Parse an unsigned 64-bit integer (C syntax).  @return 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *v);
/* Check option combinations.  @return 0 or -1 (error printed). */
int cli_replay_check_opts(const struct iorr_replay_opts *o);
/* Does the schedule depend on the seed? */
bool cli_replay_seeded(const struct iorr_replay_opts *o);
void cli_replay_print_text(FILE *f, const char *trace, const char *cmdline,
			   const struct iorr_replay *rp,
			   const struct iorr_replay_report *r);
/* The JSON report, or NULL (out of memory). */
json_t *cli_replay_json(const char *trace, const char *cmdline,
			const struct iorr_replay *rp,
			const struct iorr_replay_report *r);

/* The "redacted" note's JSON value (iorr redact), or NULL; the notes are
 * known once the trace was read to its end. */
const char *cli_redacted(const struct iorr_reader *r);

/* true if @arg is -h or --help. */
bool cli_is_help(const char *arg);

#endif
