/* SPDX-License-Identifier: MIT */
/*
 * iorr replay: replay a trace in a sandbox and report divergences
 * (iorr-replay(1)).  The engine is include/iorr/replay.h; this file parses
 * options and formats the report as text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "iorr/replay.h"
#include "iorr/xlat.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iorr replay [OPTIONS] TRACE\n"
		"\n"
		"Replay TRACE in a sandbox and check every result, every read\n"
		"and the final state of every touched file against the\n"
		"recording.\n"
		"\n"
		"  --root DIR              replay under DIR (default: a new\n"
		"                          temporary directory, removed after)\n"
		"  --keep                  keep the temporary root\n"
		"  --scratch FS[:MKFS_OPTS] replay on a fresh loop filesystem\n"
		"                          (btrfs, xfs, ext4; root only)\n"
		"  --allow-missing-initial replay files whose initial content\n"
		"                          the trace lacks\n"
		"  --order recorded|free|random|pct:D\n"
		"                          one op at a time in recorded order\n"
		"                          (default); concurrently with the\n"
		"                          happens-before edges enforced; or\n"
		"                          one op at a time in a seeded order\n"
		"                          (uniform, or PCT with D-1 priority\n"
		"                          change points)\n"
		"  --seed S                seed of the order, jitter and\n"
		"                          perturbations (default 0)\n"
		"  --jitter uniform:A-B|exp:MEAN\n"
		"                          seeded delay before each op (free)\n"
		"  --flip-conflicts        let conflicting ops change their\n"
		"                          recorded order even where it is kept\n"
		"  --perturb dropcache:P[:global]|fsync:P|reap-delay:D|short:P\n"
		"                          seeded perturbations (repeatable,\n"
		"                          or comma-separated)\n"
		"  --timing asap|recorded|scale:F\n"
		"                          pace issue times (default asap)\n"
		"  --realtime              replay threads SCHED_FIFO (paced\n"
		"                          timing on a busy machine; root)\n"
		"  --json                  the report as JSON\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit status: 0 nothing diverged, 1 a divergence was found,\n"
		"2 usage, input or environment error.\n");
}

/* ---- progress ------------------------------------------------------ */

struct progress {
	uint64_t start;
	_Atomic uint64_t last;
	_Atomic int shown;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void progress_cb(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	uint64_t now = mono_ns(), last = atomic_load(&p->last);

	/* only after a second, at most ten times a second */
	if (now - p->start < 1000000000ull || now - last < 100000000ull)
		return;
	if (!atomic_compare_exchange_strong(&p->last, &last, now))
		return;
	atomic_store(&p->shown, 1);
	fprintf(stderr, "\riorr: replay: %" PRIu64 "/%" PRIu64 " ops (%u%%)",
		done, total, total ? (unsigned)(done * 100 / total) : 100);
}

/* ---- report -------------------------------------------------------- */

char *cli_shell_quote_argv(int argc, char **argv)
{
	size_t cap = 16;
	char *s;

	for (int i = 0; i < argc; i++)
		cap += strlen(argv[i]) * 4 + 3;
	s = malloc(cap);
	if (!s)
		return NULL;
	strcpy(s, "iorr");
	size_t o = strlen(s);

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool plain = a[0] != '\0';

		for (const char *p = a; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO"
				    "PQRSTUVWXYZ0123456789-_./:=,+@%", *p))
				plain = false;
		s[o++] = ' ';
		if (plain) {
			strcpy(s + o, a);
			o += strlen(a);
			continue;
		}
		s[o++] = '\'';
		for (const char *p = a; *p; p++) {
			if (*p == '\'') {
				memcpy(s + o, "'\\''", 4);
				o += 4;
			} else {
				s[o++] = *p;
			}
		}
		s[o++] = '\'';
		s[o] = '\0';
	}
	s[o] = '\0';
	return s;
}

static void hexline(FILE *f, const char *label, const uint8_t *b,
		    uint64_t off, uint32_t n, const uint8_t *other)
{
	for (uint32_t k = 0; k < n; k += 16) {
		fprintf(f, "    %-9s %08" PRIx64 " ", k ? "" : label, off + k);
		for (uint32_t j = k; j < k + 16; j++) {
			if (j < n)
				fprintf(f, "%c%02x", other[j] != b[j] ? '*' : ' ',
					b[j]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (uint32_t j = k; j < k + 16 && j < n; j++)
			fputc(b[j] >= 0x20 && b[j] < 0x7f ? b[j] : '.', f);
		fputs("|\n", f);
	}
}

static void event_line(const struct iorr_replay *rp, uint64_t seq, char *buf,
		       size_t len)
{
	const struct iorr_event *ev = iorr_replay_event(rp, seq);

	if (!ev) {
		snprintf(buf, len, "(none)");
		return;
	}
	cli_format_event(iorr_replay_reader(rp), ev, iorr_replay_t0(rp), buf,
			 len);
}

static void errstr(char *buf, size_t len, int64_t res, int err)
{
	const char *n = err ? iorr_errno_name(err) : NULL;

	if (err > 4095)
		snprintf(buf, len, "refused by the sandbox");
	else if (err)
		snprintf(buf, len, "%" PRId64 " %s", res, n ? n : "E?");
	else
		snprintf(buf, len, "%" PRId64, res);
}

static void pair_lines(FILE *f, const struct iorr_replay *rp,
		       const struct iorr_divergence *d)
{
	char a[8192], b[8192];

	if (d->pair[0] == UINT64_MAX)
		return;
	event_line(rp, d->pair[0], a, sizeof(a));
	event_line(rp, d->pair[1], b, sizeof(b));
	fprintf(f, "  conflicting pair (no happens-before edge orders "
		"them):\n    %s\n    %s\n", a, b);
	fprintf(f, "  recorded order: seq %" PRIu64 " before seq %" PRIu64
		"; this replay: seq %" PRIu64 " before seq %" PRIu64 "\n",
		d->pair[0], d->pair[1], d->pair[1], d->pair[0]);
}

void cli_replay_print_text(FILE *f, const char *trace, const char *cmdline,
			   const struct iorr_replay *rp,
			   const struct iorr_replay_report *r)
{
	char line[8192];

	for (uint64_t k = 0; k < r->ndiv; k++) {
		const struct iorr_divergence *d = &r->divs[k];

		fprintf(f, "divergence %" PRIu64 ": %s outcome: %s", k + 1,
			d->cls == IORR_DIV_IMPOSSIBLE ? "impossible" :
			d->cls == IORR_DIV_ORDER ? "order-dependent" :
			"unclassified", iorr_div_kind_name(d->kind));
		if (d->path)
			fprintf(f, " of %s", d->path);
		if (d->path && d->kind != IORR_DIV_FINAL && d->len)
			fprintf(f, " bytes %" PRIu64 "..%" PRIu64, d->off,
				d->off + d->len - 1);
		fputc('\n', f);
		fprintf(f, "  %s\n", d->what);
		if (d->seq != UINT64_MAX) {
			char a[64], b[64];

			event_line(rp, d->seq, line, sizeof(line));
			fprintf(f, "  observed: %s\n", line);
			if (d->kind == IORR_DIV_RESULT ||
			    d->kind == IORR_DIV_REFUSED) {
				errstr(a, sizeof(a), d->got_result,
				       d->got_err);
				errstr(b, sizeof(b), d->want_result,
				       d->want_err);
				fprintf(f, "  result: replay %s, recorded %s\n",
					a, b);
			}
		}
		pair_lines(f, rp, d);
		if (d->racing_seq != UINT64_MAX) {
			event_line(rp, d->racing_seq, line, sizeof(line));
			fprintf(f, "  ran at the same time as: %s\n", line);
		}
		if (d->have_bytes) {
			const char *what = d->have_recorded ?
					   "recorded order's bytes from" :
					   "expected bytes from";

			if (d->writer_seq != UINT64_MAX) {
				event_line(rp, d->writer_seq, line,
					   sizeof(line));
				fprintf(f, "  %s: %s\n", what, line);
			} else {
				fprintf(f, "  %s: the initial state\n", what);
			}
			fprintf(f, "  first difference at byte %" PRIu64
				" (* marks differing bytes):\n", d->diff_off);
			hexline(f, d->have_recorded ? "recorded" : "expected",
				d->want, d->win_off, d->win_len, d->got);
			hexline(f, d->have_recorded ? "replay" : "actual",
				d->got, d->win_off, d->win_len, d->want);
		}
		if (d->context) {
			fprintf(f, "  preceded in this schedule by:\n");
			for (const char *l = d->context; *l;) {
				size_t n = strcspn(l, "\n");

				fprintf(f, "    %.*s\n", (int)n, l);
				l += n + (l[n] ? 1 : 0);
			}
		}
	}
	for (size_t k = 0; k < r->nlimits; k++)
		fprintf(f, "note: %s\n", r->limits[k]);
	if (r->have_skew)
		fprintf(f, "timing: issue skew p50 %" PRIu64 " us, p99 %" PRIu64
			" us, max %" PRIu64 " us; duration %" PRIu64 ".%03"
			PRIu64 " s replayed, %" PRIu64 ".%03" PRIu64 " s "
			"recorded (%+.2f %%)\n", r->skew_p50 / 1000,
			r->skew_p99 / 1000, r->skew_max / 1000,
			r->replayed_span_ns / UINT64_C(1000000000),
			r->replayed_span_ns / UINT64_C(1000000) % 1000,
			r->recorded_span_ns / UINT64_C(1000000000),
			r->recorded_span_ns / UINT64_C(1000000) % 1000,
			r->duration_error_pct);
	if (r->conflicts_kept)
		fprintf(f, "note: the trace was recorded without pthread "
			"synchronization: conflicting ops keep their recorded "
			"order (--flip-conflicts lifts it)\n");
	fprintf(f, "schedule: hash %016" PRIx64 ", %" PRIu64 " injection%s, %"
		PRIu64 " conflicting pair%s reordered\n", r->sched_hash,
		r->injections, r->injections == 1 ? "" : "s", r->reordered,
		r->reordered == 1 ? "" : "s");
	if (r->ndiv)
		fprintf(f, "reproduce: %s\n", cmdline);
	fprintf(f, "%s: %s: %" PRIu64 " divergence%s (%" PRIu64 " impossible, "
		"%" PRIu64 " order-dependent); %" PRIu64 " ops replayed, %"
		PRIu64 " reads and %" PRIu64 " final states checked in %"
		PRIu64 ".%03" PRIu64 " s\n",
		r->ndiv ? "DIVERGED" : "OK", trace, r->ndiv,
		r->ndiv == 1 ? "" : "s", r->nimpossible, r->norder,
		r->executed, r->reads_checked, r->finals_checked,
		r->elapsed_ns / UINT64_C(1000000000),
		r->elapsed_ns / UINT64_C(1000000) % 1000);
}

static json_t *hex_json(const uint8_t *b, uint32_t n)
{
	char s[IORR_DIV_WINDOW * 2 + 1];

	for (uint32_t k = 0; k < n; k++)
		snprintf(s + 2 * k, 3, "%02x", b[k]);
	s[2 * n] = '\0';
	return json_string(s);
}

json_t *cli_replay_json(const char *trace, const char *cmdline,
			const struct iorr_replay *rp,
			const struct iorr_replay_report *r)
{
	json_t *o = json_object(), *divs = json_array(), *lim = json_array();
	char line[8192];

	if (!o || !divs || !lim) {
		json_decref(o);
		json_decref(divs);
		json_decref(lim);
		return NULL;
	}
	json_object_set_new(o, "trace", json_string(trace));
	json_object_set_new(o, "verdict", json_string(r->ndiv ? "diverged" :
						      "ok"));
	json_object_set_new(o, "events", json_integer((json_int_t)r->events));
	json_object_set_new(o, "executed",
			    json_integer((json_int_t)r->executed));
	json_object_set_new(o, "skipped", json_integer((json_int_t)r->skipped));
	json_object_set_new(o, "reads_checked",
			    json_integer((json_int_t)r->reads_checked));
	json_object_set_new(o, "reads_unchecked",
			    json_integer((json_int_t)r->reads_unchecked));
	json_object_set_new(o, "finals_checked",
			    json_integer((json_int_t)r->finals_checked));
	json_object_set_new(o, "impossible",
			    json_integer((json_int_t)r->nimpossible));
	json_object_set_new(o, "order_dependent",
			    json_integer((json_int_t)r->norder));
	json_object_set_new(o, "elapsed_ns",
			    json_integer((json_int_t)r->elapsed_ns));
	json_object_set_new(o, "cpu_ns", json_integer((json_int_t)r->cpu_ns));
	json_object_set_new(o, "command", json_string(cmdline));
	if (r->have_skew)
		json_object_set_new(o, "timing", json_pack(
			"{sI sI sI sI sI sf}",
			"skew_p50_ns", (json_int_t)r->skew_p50,
			"skew_p99_ns", (json_int_t)r->skew_p99,
			"skew_max_ns", (json_int_t)r->skew_max,
			"recorded_span_ns", (json_int_t)r->recorded_span_ns,
			"replayed_span_ns", (json_int_t)r->replayed_span_ns,
			"duration_error_pct", r->duration_error_pct));
	{
		char h[32];

		snprintf(h, sizeof(h), "%016" PRIx64, r->sched_hash);
		json_object_set_new(o, "schedule", json_pack(
			"{ss sI sI sb}", "hash", h, "injections",
			(json_int_t)r->injections, "reordered",
			(json_int_t)r->reordered, "conflicts_kept",
			r->conflicts_kept));
	}
	for (uint64_t k = 0; k < r->ndiv; k++) {
		const struct iorr_divergence *d = &r->divs[k];
		json_t *j = json_object();

		json_object_set_new(j, "kind",
				    json_string(iorr_div_kind_name(d->kind)));
		json_object_set_new(j, "class",
				    json_string(iorr_div_class_name(d->cls)));
		json_object_set_new(j, "what", json_string(d->what));
		if (d->path)
			json_object_set_new(j, "path", json_string(d->path));
		json_object_set_new(j, "off", json_integer((json_int_t)d->off));
		json_object_set_new(j, "len", json_integer((json_int_t)d->len));
		if (d->seq != UINT64_MAX) {
			json_object_set_new(j, "seq",
					    json_integer((json_int_t)d->seq));
			event_line(rp, d->seq, line, sizeof(line));
			json_object_set_new(j, "op", json_string(line));
			json_object_set_new(j, "result", json_integer(
						    d->got_result));
			json_object_set_new(j, "errno", json_integer(
						    d->got_err));
			json_object_set_new(j, "recorded_result", json_integer(
						    d->want_result));
			json_object_set_new(j, "recorded_errno", json_integer(
						    d->want_err));
		}
		if (d->have_bytes) {
			if (d->writer_seq != UINT64_MAX) {
				json_object_set_new(j, "writer_seq",
					json_integer((json_int_t)d->writer_seq));
				event_line(rp, d->writer_seq, line,
					   sizeof(line));
				json_object_set_new(j, "writer",
						    json_string(line));
			}
			json_object_set_new(j, "diff_off",
				json_integer((json_int_t)d->diff_off));
			json_object_set_new(j, "window_off",
				json_integer((json_int_t)d->win_off));
			json_object_set_new(j, "expected",
					    hex_json(d->want, d->win_len));
			json_object_set_new(j, "actual",
					    hex_json(d->got, d->win_len));
			json_object_set_new(j, "expected_is_recorded_order",
					    json_boolean(d->have_recorded));
		}
		if (d->pair[0] != UINT64_MAX) {
			json_t *pr = json_array();

			for (int s2 = 0; s2 < 2; s2++) {
				event_line(rp, d->pair[s2], line,
					   sizeof(line));
				json_array_append_new(pr, json_pack(
					"{sI ss}", "seq",
					(json_int_t)d->pair[s2], "op", line));
			}
			json_object_set_new(j, "pair", pr);
		}
		if (d->racing_seq != UINT64_MAX)
			json_object_set_new(j, "racing_seq", json_integer(
					    (json_int_t)d->racing_seq));
		if (d->context)
			json_object_set_new(j, "context",
					    json_string(d->context));
		json_array_append_new(divs, j);
	}
	json_object_set_new(o, "divergences", divs);
	for (size_t k = 0; k < r->nlimits; k++)
		json_array_append_new(lim, json_string(r->limits[k]));
	json_object_set_new(o, "limits", lim);
	if (r->have_skew) {
		json_t *s = json_object();

		json_object_set_new(s, "p50_ns",
				    json_integer((json_int_t)r->skew_p50));
		json_object_set_new(s, "p99_ns",
				    json_integer((json_int_t)r->skew_p99));
		json_object_set_new(s, "max_ns",
				    json_integer((json_int_t)r->skew_max));
		json_object_set_new(o, "skew", s);
	}
	return o;
}

static int print_json(FILE *f, const char *trace, const char *cmdline,
		      const struct iorr_replay *rp,
		      const struct iorr_replay_report *r)
{
	json_t *o = cli_replay_json(trace, cmdline, rp, r);

	if (!o)
		return -ENOMEM;
	int k = json_dumpf(o, f, JSON_INDENT(2));

	fputc('\n', f);
	json_decref(o);
	return k < 0 ? -EIO : 0;
}

/*
 * The command that reproduces this run: the user's, with the seed made
 * explicit when the schedule depends on it.
 */
static char *repro_cmdline(int argc, char **argv,
			   const struct iorr_replay_opts *o, bool seed_given)
{
	char **v = calloc((size_t)argc + 3, sizeof(*v));
	char seed[32];
	int n = 0;
	char *s;

	if (!v)
		return NULL;
	for (int i = 0; i < argc - 1; i++)
		v[n++] = argv[i];
	if (!seed_given && cli_replay_seeded(o)) {
		snprintf(seed, sizeof(seed), "%" PRIu64, o->seed);
		v[n++] = "--seed";
		v[n++] = seed;
	}
	v[n++] = argv[argc - 1];
	s = cli_shell_quote_argv(n, v);
	free(v);
	return s;
}

bool cli_replay_seeded(const struct iorr_replay_opts *o)
{
	const struct iorr_perturb *p = &o->perturb;

	return o->order == IORR_ORDER_RANDOM || o->order == IORR_ORDER_PCT ||
	       o->jitter != IORR_JITTER_NONE || p->dropcache > 0 ||
	       p->fsync > 0 || p->shortio > 0 || p->reap_delay_ns;
}

int cli_replay_parse_opt(int c, const char *arg, struct iorr_replay_opts *o)
{
	char msg[512];
	int k = 0;

	switch (c) {
	case 'o':
	case CLI_OPT_ORDER:
		k = iorr_replay_parse_order(arg, o, msg, sizeof(msg));
		break;
	case 'S': {
		char *end;

		errno = 0;
		o->seed = strtoull(arg, &end, 0);
		if (end == arg || *end || errno || arg[0] == '-') {
			snprintf(msg, sizeof(msg), "--seed %s: expected an "
				 "unsigned 64-bit integer", arg);
			k = -EINVAL;
		}
		break;
	}
	case 'J':
		k = iorr_replay_parse_jitter(arg, o, msg, sizeof(msg));
		break;
	case 'F':
		o->flip_conflicts = true;
		break;
	case 'P':
		k = iorr_replay_parse_perturb(arg, o, msg, sizeof(msg));
		break;
	default:
		return 1;
	}
	if (k < 0) {
		cli_error("%s", msg);
		return -1;
	}
	return 0;
}

int cli_replay_parse_args(int c, const char *arg, struct iorr_replay_opts *o,
			  struct cli_replay_args *ra)
{
	const char *name;

	switch (c) {
	case CLI_OPT_SCRATCH:
		o->scratch = arg;
		name = "--scratch";
		break;
	case CLI_OPT_MISSING:
		o->allow_missing_initial = true;
		name = "--allow-missing-initial";
		arg = NULL;
		break;
	case 'S':
		return cli_replay_parse_opt(c, arg, o);
	case CLI_OPT_ORDER:
	case 'J':
	case 'F':
	case 'P': {
		int k = cli_replay_parse_opt(c, arg, o);

		if (k)
			return k;
		name = c == CLI_OPT_ORDER ? "--order" : c == 'J' ? "--jitter" :
		       c == 'F' ? "--flip-conflicts" : "--perturb";
		if (c == 'F')
			arg = NULL;
		break;
	}
	default:
		return 1;
	}
	if (!ra)
		return 0;
	/* repeated in the reproducing command */
	if (ra->n + 2 > 30) {
		cli_error("too many replay options");
		return -1;
	}
	ra->v[ra->n++] = (char *)name;
	if (arg)
		ra->v[ra->n++] = (char *)arg;
	return 0;
}

char *cli_replay_repro(const struct cli_replay_args *ra, bool with_seed,
		       uint64_t seed, const char *trace)
{
	char *argv[40];
	char sd[32];
	int n = 0;

	argv[n++] = "replay";
	for (int i = 0; i < ra->n; i++)
		argv[n++] = ra->v[i];
	if (with_seed) {
		snprintf(sd, sizeof(sd), "%" PRIu64, seed);
		argv[n++] = "--seed";
		argv[n++] = sd;
	}
	argv[n++] = (char *)trace;
	return cli_shell_quote_argv(n, argv);
}

int cli_replay_check_opts(const struct iorr_replay_opts *o)
{
	if (o->jitter != IORR_JITTER_NONE && o->order != IORR_ORDER_FREE) {
		cli_error("--jitter: needs --order free (the other orders "
			  "issue one op at a time)");
		return -1;
	}
	if (o->flip_conflicts && o->order == IORR_ORDER_RECORDED) {
		cli_error("--flip-conflicts: needs --order free, random or "
			  "pct:D");
		return -1;
	}
	return 0;
}

static int parse_timing(const char *s, struct iorr_replay_opts *o)
{
	if (!strcmp(s, "asap")) {
		o->timing = IORR_TIMING_ASAP;
		return 0;
	}
	if (!strcmp(s, "recorded")) {
		o->timing = IORR_TIMING_RECORDED;
		o->timing_scale = 1.0;
		return 0;
	}
	if (!strncmp(s, "scale:", 6)) {
		char *end;
		double f = strtod(s + 6, &end);

		if (end == s + 6 || *end || !(f > 0) || f > 1e6)
			return -EINVAL;
		o->timing = IORR_TIMING_RECORDED;
		o->timing_scale = f;
		return 0;
	}
	return -EINVAL;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "keep", no_argument, NULL, 'k' },
		{ "timing", required_argument, NULL, 't' },
		{ "realtime", no_argument, NULL, 'R' },
		CLI_REPLAY_OPTIONS,
		CLI_REPLAY_SEED_OPTION,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct iorr_replay_opts o = { .timing_scale = 1.0 };
	bool json = false, seed_given = false;
	int c, k;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			break;
		case 'k':
			o.keep = true;
			break;
		case 't':
			if (parse_timing(optarg, &o) < 0) {
				cli_error("--timing %s: expected asap, recorded "
					  "or scale:F (F > 0)", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'R':
			o.realtime = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == 'S')
				seed_given = true;
			k = cli_replay_parse_args(c, optarg, &o, NULL);
			if (k < 0)
				return EXIT_ERROR;
			if (k > 0) {
				usage(stderr);
				return EXIT_ERROR;
			}
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (cli_replay_check_opts(&o) < 0)
		return EXIT_ERROR;
	o.trace = argv[optind];

	struct progress pr = { .start = mono_ns() };

	if (isatty(2)) {
		o.progress = progress_cb;
		o.progress_arg = &pr;
	}
	char msg[1024];
	struct iorr_replay *rp;
	const struct iorr_replay_report *rep;
	int ret = EXIT_ERROR;
	char *cmdline = repro_cmdline(argc, argv, &o, seed_given);

	if (iorr_replay_prepare(&o, &rp, msg, sizeof(msg)) < 0) {
		cli_error("%s", msg);
		goto out;
	}
	k = iorr_replay_run(rp, &rep, msg, sizeof(msg));

	if (atomic_load(&pr.shown))
		fputs("\r\033[K", stderr);
	if (k < 0) {
		cli_error("%s: replay failed: %s", o.trace, msg);
		goto out;
	}
	if (json ? print_json(stdout, o.trace, cmdline ? cmdline : "", rp,
			      rep) < 0 : (cli_replay_print_text(stdout, o.trace,
						     cmdline ? cmdline : "", rp,
						     rep), 0)) {
		cli_error("stdout: write failed");
		goto out;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("stdout: write failed");
		goto out;
	}
	ret = rep->ndiv ? EXIT_DIVERGED : EXIT_OK;
	for (uint64_t i = 0; i < rep->ndiv; i++) {
		if (rep->divs[i].kind == IORR_DIV_REFUSED) {
			cli_error("%s: the sandbox refused paths of this trace "
				  "(outside the root)", o.trace);
			ret = EXIT_ERROR;
			break;
		}
	}
	if (o.keep || o.root)
		fprintf(stderr, "iorr: replay root kept: %s\n", rep->root);
out:
	iorr_replay_free(rp);
	free(cmdline);
	return ret;
}
